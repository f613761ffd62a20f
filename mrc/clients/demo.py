"""Realistic, reproducible demo clients for trying the service out and for load tests.

People are drawn per centre from tables of real given and family names of the communities a
centre serves, each written in Latin letters and in the community's own script (Urdu, Pashto,
Arabic, Sorani Kurdish, Bengali), with valid mobile numbers, national ID numbers of the right
shape, home districts, occupations and migration plans in plausible proportions.

The same seed and centre always give the same people: the people come from one random stream
and the registration and visit dates from a second one, so that the names do not shift when
the calendar (and therefore the number of dates redrawn around weekends) changes.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import User
from mrc.centres.models import Centre
from mrc.clients import services
from mrc.clients.choices import SECTOR
from mrc.clients.models import Client
from mrc.extensions import db

COMMIT_EVERY = 500
HISTORY = timedelta(days=548)  # registrations are spread over the last 18 months
OFFICE_OPENS, OFFICE_CLOSES = time(9, 0), time(16, 30)

NamePair = tuple[str, str]  # (Latin spelling, the same name in the native script)


# --- names --------------------------------------------------------------------------------------
# Spelling variants (Muhammad/Mohammad, Ahmed/Ahmad, Hussein/Husain) are listed as separate
# entries with the same native spelling, as they appear in real registers.

URDU_MALE: tuple[NamePair, ...] = (
    ("Muhammad", "محمد"), ("Mohammad", "محمد"), ("Ali", "علی"), ("Ahmed", "احمد"),
    ("Ahmad", "احمد"), ("Usman", "عثمان"), ("Bilal", "بلال"), ("Imran", "عمران"),
    ("Asif", "آصف"), ("Tariq", "طارق"), ("Zeeshan", "ذیشان"), ("Kamran", "کامران"),
    ("Shahid", "شاہد"), ("Waqas", "وقاص"), ("Hamza", "حمزہ"), ("Faisal", "فیصل"),
    ("Naveed", "نوید"), ("Adnan", "عدنان"), ("Irfan", "عرفان"), ("Javed", "جاوید"),
    ("Nadeem", "ندیم"), ("Rashid", "راشد"), ("Sajid", "ساجد"), ("Arslan", "ارسلان"),
    ("Umar", "عمر"), ("Hassan", "حسن"), ("Hussain", "حسین"), ("Abdullah", "عبداللہ"),
    ("Danish", "دانش"), ("Junaid", "جنید"), ("Farhan", "فرحان"), ("Yasir", "یاسر"),
    ("Azhar", "اظہر"), ("Mudassar", "مدثر"), ("Shoaib", "شعیب"), ("Saleem", "سلیم"),
    ("Aslam", "اسلم"), ("Sohail", "سہیل"), ("Waseem", "وسیم"), ("Atif", "عاطف"),
    ("Ali Raza", "علی رضا"), ("Ghulam Abbas", "غلام عباس"), ("Abdul Rehman", "عبدالرحمن"),
)
URDU_FEMALE: tuple[NamePair, ...] = (
    ("Ayesha", "عائشہ"), ("Aisha", "عائشہ"), ("Fatima", "فاطمہ"), ("Zainab", "زینب"),
    ("Sana", "ثناء"), ("Maryam", "مریم"), ("Amna", "آمنہ"), ("Nadia", "نادیہ"),
    ("Rabia", "رابعہ"), ("Saima", "صائمہ"), ("Shazia", "شازیہ"), ("Asma", "عاصمہ"),
    ("Bushra", "بشریٰ"), ("Farzana", "فرزانہ"), ("Nasreen", "نسرین"), ("Rubina", "روبینہ"),
    ("Samina", "ثمینہ"), ("Shabana", "شبانہ"), ("Kiran", "کرن"), ("Hina", "حنا"),
    ("Iqra", "اقراء"), ("Mehwish", "مہوش"), ("Sadia", "سعدیہ"), ("Uzma", "عظمیٰ"),
    ("Naila", "نائلہ"), ("Parveen", "پروین"), ("Razia", "رضیہ"), ("Kulsoom", "کلثوم"),
    ("Sidra", "سدرہ"), ("Aqsa", "اقصیٰ"), ("Mahnoor", "ماہ نور"), ("Hira", "حرا"),
    ("Tahira", "طاہرہ"), ("Shamim", "شمیم"), ("Nazia", "نازیہ"), ("Sumaira", "سمیرا"),
    ("Asia", "آسیہ"), ("Fozia", "فوزیہ"),
)
URDU_FAMILY: tuple[NamePair, ...] = (
    ("Khan", "خان"), ("Ahmed", "احمد"), ("Ali", "علی"), ("Raza", "رضا"), ("Hussain", "حسین"),
    ("Iqbal", "اقبال"), ("Butt", "بٹ"), ("Malik", "ملک"), ("Chaudhry", "چوہدری"),
    ("Qureshi", "قریشی"), ("Sheikh", "شیخ"), ("Awan", "اعوان"), ("Rajput", "راجپوت"),
    ("Arain", "آرائیں"), ("Jatt", "جٹ"), ("Abbasi", "عباسی"), ("Siddiqui", "صدیقی"),
    ("Mughal", "مغل"), ("Gondal", "گوندل"), ("Bhatti", "بھٹی"), ("Hashmi", "ہاشمی"),
    ("Shah", "شاہ"), ("Javed", "جاوید"), ("Mehmood", "محمود"), ("Mahmood", "محمود"),
    ("Akhtar", "اختر"), ("Aslam", "اسلم"), ("Ashraf", "اشرف"), ("Anwar", "انور"),
    ("Nawaz", "نواز"), ("Cheema", "چیمہ"), ("Warraich", "وڑائچ"), ("Zafar", "ظفر"),
)
URDU_FEMALE_FAMILY: tuple[NamePair, ...] = (("Bibi", "بی بی"), ("Begum", "بیگم"))

PASHTO_MALE: tuple[NamePair, ...] = (
    ("Gul Zaman", "ګل زمان"), ("Sher Ali", "شېر علي"), ("Noor Muhammad", "نور محمد"),
    ("Fazal Rabbi", "فضل ربي"), ("Rahmatullah", "رحمت الله"), ("Samiullah", "سمیع الله"),
    ("Ihsanullah", "احسان الله"), ("Ajmal", "اجمل"), ("Aimal", "ایمل"), ("Zalmai", "زلمی"),
    ("Khushal", "خوشحال"), ("Mirwais", "میرویس"), ("Bakht Zada", "بخت زاده"),
    ("Asfandyar", "اسفندیار"), ("Wali", "ولي"), ("Shah Faisal", "شاه فیصل"),
    ("Naqibullah", "نقیب الله"), ("Hayatullah", "حیات الله"), ("Jamshed", "جمشید"),
    ("Sultan", "سلطان"), ("Zahir", "ظاهر"), ("Habib", "حبیب"), ("Nasir", "ناصر"),
    ("Rahim", "رحیم"), ("Karim", "کریم"), ("Hamid", "حامد"), ("Farid", "فرید"),
    ("Younas", "یونس"), ("Yunus", "یونس"), ("Bilal", "بلال"),
)
PASHTO_FEMALE: tuple[NamePair, ...] = (
    ("Zarmina", "زرمینه"), ("Malalai", "ملالۍ"), ("Palwasha", "پلوشه"), ("Gulalai", "ګلالۍ"),
    ("Shaista", "شایسته"), ("Nazo", "نازو"), ("Spogmai", "سپوږمۍ"), ("Wagma", "وږمه"),
    ("Laila", "لیلا"), ("Mahjabeen", "مهجبین"), ("Gul Bibi", "ګل بي بي"), ("Nasima", "نسیمه"),
    ("Farishta", "فرښته"), ("Freshta", "فرښته"), ("Sadaf", "صدف"), ("Mina", "مینا"),
    ("Rahima", "رحیمه"), ("Zakia", "زکیه"), ("Marzia", "مرضیه"), ("Fariba", "فریبا"),
    ("Shukria", "شکریه"), ("Khadija", "خدیجه"), ("Hasina", "حسینه"), ("Roshana", "روښانه"),
    ("Parwana", "پروانه"), ("Nargis", "نرګس"), ("Zarghuna", "زرغونه"), ("Sahar", "سحر"),
    ("Gulnaz", "ګلناز"), ("Bibi Hajira", "بي بي هاجره"),
)
PASHTO_FAMILY: tuple[NamePair, ...] = (
    ("Khan", "خان"), ("Yousafzai", "یوسفزی"), ("Afridi", "آفریدی"), ("Khattak", "خټک"),
    ("Shinwari", "شینواري"), ("Mohmand", "مومند"), ("Marwat", "مروت"), ("Bangash", "بنګښ"),
    ("Durrani", "دراني"), ("Orakzai", "اورکزی"), ("Wazir", "وزیر"), ("Mahsud", "محسود"),
    ("Kakar", "کاکړ"), ("Achakzai", "اڅکزی"), ("Popalzai", "پوپلزی"), ("Safi", "صافي"),
    ("Mangal", "منګل"), ("Ahmadzai", "احمدزی"), ("Khalil", "خلیل"), ("Mohammadzai", "محمدزی"),
)

ARABIC_MALE: tuple[NamePair, ...] = (
    ("Ahmed", "أحمد"), ("Ahmad", "أحمد"), ("Mohammed", "محمد"), ("Muhammad", "محمد"),
    ("Mohamed", "محمد"), ("Ali", "علي"), ("Hussein", "حسين"), ("Husain", "حسين"),
    ("Hassan", "حسن"), ("Mustafa", "مصطفى"), ("Abbas", "عباس"), ("Haider", "حيدر"),
    ("Karrar", "كرار"), ("Omar", "عمر"), ("Yasser", "ياسر"), ("Saif", "سيف"), ("Zaid", "زيد"),
    ("Mahmoud", "محمود"), ("Khalid", "خالد"), ("Ibrahim", "إبراهيم"), ("Yousif", "يوسف"),
    ("Yousef", "يوسف"), ("Hamza", "حمزة"), ("Ammar", "عمار"), ("Muntadhar", "منتظر"),
    ("Murtadha", "مرتضى"), ("Sajjad", "سجاد"), ("Qasim", "قاسم"), ("Jassim", "جاسم"),
    ("Kadhim", "كاظم"), ("Salah", "صلاح"), ("Falah", "فلاح"), ("Raed", "رائد"),
    ("Tariq", "طارق"), ("Bashar", "بشار"), ("Wissam", "وسام"), ("Laith", "ليث"),
    ("Firas", "فراس"), ("Othman", "عثمان"), ("Mahdi", "مهدي"), ("Ameer", "أمير"),
    ("Hasanain", "حسنين"), ("Alaa", "علاء"), ("Abdullah", "عبد الله"),
)
ARABIC_FEMALE: tuple[NamePair, ...] = (
    ("Fatima", "فاطمة"), ("Zainab", "زينب"), ("Maryam", "مريم"), ("Noor", "نور"),
    ("Sara", "سارة"), ("Huda", "هدى"), ("Ruqaya", "رقية"), ("Zahraa", "زهراء"), ("Aya", "آية"),
    ("Hiba", "هبة"), ("Rasha", "رشا"), ("Shaimaa", "شيماء"), ("Suha", "سهى"),
    ("Iman", "إيمان"), ("Eman", "إيمان"), ("Layla", "ليلى"), ("Amal", "أمل"),
    ("Hanan", "حنان"), ("Wafaa", "وفاء"), ("Nadia", "نادية"), ("Sahar", "سحر"),
    ("Dalia", "داليا"), ("Israa", "إسراء"), ("Duaa", "دعاء"), ("Tiba", "طيبة"),
    ("Ghufran", "غفران"), ("Marwa", "مروة"), ("Raghad", "رغد"), ("Asmaa", "أسماء"),
    ("Khadija", "خديجة"), ("Saja", "سجى"), ("Ban", "بان"), ("Alyaa", "علياء"),
)
ARABIC_FAMILY: tuple[NamePair, ...] = (
    ("Al-Jubouri", "الجبوري"), ("Al-Dulaimi", "الدليمي"), ("Al-Tamimi", "التميمي"),
    ("Al-Shammari", "الشمري"), ("Al-Obaidi", "العبيدي"), ("Al-Zubaidi", "الزبيدي"),
    ("Al-Saadi", "الساعدي"), ("Al-Maliki", "المالكي"), ("Al-Rubaie", "الربيعي"),
    ("Al-Khafaji", "الخفاجي"), ("Al-Azzawi", "العزاوي"), ("Al-Janabi", "الجنابي"),
    ("Al-Kubaisi", "الكبيسي"), ("Al-Hashimi", "الهاشمي"), ("Al-Bayati", "البياتي"),
    ("Al-Mousawi", "الموسوي"), ("Al-Husseini", "الحسيني"), ("Al-Lami", "اللامي"),
    ("Al-Sudani", "السوداني"), ("Al-Ameri", "العامري"), ("Al-Kaabi", "الكعبي"),
    ("Al-Asadi", "الأسدي"), ("Al-Tai", "الطائي"), ("Al-Fartousi", "الفرطوسي"),
    ("Al-Bahadli", "البهادلي"), ("Al Jubouri", "الجبوري"), ("Kadhim", "كاظم"),
)

SORANI_MALE: tuple[NamePair, ...] = (
    ("Aras", "ئاراس"), ("Hemin", "هێمن"), ("Karwan", "کاروان"), ("Rebwar", "ڕێبوار"),
    ("Dilshad", "دڵشاد"), ("Shwan", "شوان"), ("Sherzad", "شێرزاد"), ("Hawre", "هاوڕێ"),
    ("Ahmad", "ئەحمەد"), ("Mohammed", "محەمەد"), ("Muhammad", "محەمەد"), ("Kawa", "کاوە"),
    ("Azad", "ئازاد"), ("Aso", "ئاسۆ"), ("Baran", "باران"), ("Dana", "دانا"),
    ("Goran", "گۆران"), ("Hiwa", "هیوا"), ("Jamal", "جەمال"), ("Kamaran", "کامەران"),
    ("Nawzad", "نەوزاد"), ("Peshawa", "پێشەوا"), ("Rebaz", "ڕێباز"), ("Sardar", "سەردار"),
    ("Shirwan", "شیروان"), ("Soran", "سۆران"), ("Zana", "زانا"), ("Hogr", "هۆگر"),
    ("Barzan", "بارزان"), ("Dler", "دلێر"), ("Hardi", "هەردی"), ("Omed", "ئومێد"),
    ("Sirwan", "سیروان"), ("Saman", "سامان"), ("Bakhtiyar", "بەختیار"), ("Ali", "عەلی"),
    ("Omar", "عومەر"), ("Hussein", "حوسێن"),
)
SORANI_FEMALE: tuple[NamePair, ...] = (
    ("Shilan", "شیلان"), ("Awaz", "ئاواز"), ("Berivan", "بێریڤان"), ("Chiman", "چیمەن"),
    ("Gulala", "گوڵاڵە"), ("Hero", "هێرۆ"), ("Kazhal", "کەژاڵ"), ("Lana", "لانا"),
    ("Nazanin", "نازەنین"), ("Nasik", "ناسک"), ("Rozhan", "ڕۆژان"), ("Rozhin", "ڕۆژین"),
    ("Sazan", "سازان"), ("Shno", "شنۆ"), ("Tara", "تارا"), ("Zhiyan", "ژیان"),
    ("Avin", "ئاڤین"), ("Bahar", "بەهار"), ("Bafrin", "بەفرین"), ("Dilan", "دیلان"),
    ("Helin", "هێلین"), ("Jwan", "جوان"), ("Khanzad", "خانزاد"), ("Narin", "نارین"),
    ("Sozan", "سۆزان"), ("Trifa", "تریفە"), ("Vian", "ڤیان"), ("Parwin", "پەروین"),
    ("Soma", "سۆما"), ("Shadan", "شادان"), ("Bayan", "بەیان"), ("Ronak", "ڕوناک"),
    ("Hana", "هانا"),
)
SORANI_FAMILY: tuple[NamePair, ...] = (
    ("Barzani", "بارزانی"), ("Talabani", "تاڵەبانی"), ("Zebari", "زێباری"), ("Doski", "دۆسکی"),
    ("Hawrami", "هەورامی"), ("Jaff", "جاف"), ("Baban", "بابان"), ("Surchi", "سورچی"),
    ("Herki", "هەرکی"), ("Mizuri", "میزووری"), ("Dizayee", "دزەیی"), ("Shwani", "شوانی"),
    ("Hamawandi", "هەمەوەندی"), ("Pishdari", "پشدەری"), ("Ahmed", "ئەحمەد"),
    ("Mohammed", "محەمەد"), ("Abdullah", "عەبدوڵڵا"), ("Othman", "عوسمان"), ("Qadir", "قادر"),
    ("Rasul", "ڕەسووڵ"), ("Karim", "کەریم"), ("Salih", "ساڵح"), ("Aziz", "عەزیز"),
    ("Mahmud", "مەحموود"), ("Hama Amin", "حەمە ئەمین"),
)

BENGALI_MALE: tuple[NamePair, ...] = (
    ("Rafiqul", "রফিকুল"), ("Shafiqul", "শফিকুল"), ("Aminul", "আমিনুল"), ("Nazrul", "নজরুল"),
    ("Saiful", "সাইফুল"), ("Mizanur", "মিজানুর"), ("Habibur", "হাবিবুর"),
    ("Mahbubur", "মাহবুবুর"), ("Anisur", "আনিসুর"), ("Kamal", "কামাল"), ("Jamal", "জামাল"),
    ("Sohel", "সোহেল"), ("Rubel", "রুবেল"), ("Shahin", "শাহিন"), ("Jahangir", "জাহাঙ্গীর"),
    ("Alamgir", "আলমগীর"), ("Faruk", "ফারুক"), ("Masud", "মাসুদ"), ("Rashed", "রাশেদ"),
    ("Sumon", "সুমন"), ("Liton", "লিটন"), ("Mamun", "মামুন"), ("Rakib", "রাকিব"),
    ("Sabbir", "সাব্বির"), ("Tanvir", "তানভীর"), ("Arif", "আরিফ"), ("Babul", "বাবুল"),
    ("Shamim", "শামীম"), ("Selim", "সেলিম"), ("Harun", "হারুন"), ("Monir", "মনির"),
    ("Kawsar", "কাউসার"), ("Jewel", "জুয়েল"), ("Hasan", "হাসান"), ("Delwar", "দেলোয়ার"),
    ("Abdul Karim", "আব্দুল করিম"), ("Abul Kalam", "আবুল কালাম"),
    ("Abdur Rahim", "আব্দুর রহিম"), ("Nurul Amin", "নুরুল আমিন"),
)
BENGALI_FEMALE: tuple[NamePair, ...] = (
    ("Rokeya", "রোকেয়া"), ("Fatema", "ফাতেমা"), ("Ayesha", "আয়েশা"), ("Nasrin", "নাসরিন"),
    ("Shirin", "শিরিন"), ("Salma", "সালমা"), ("Rahima", "রহিমা"), ("Amena", "আমেনা"),
    ("Hasina", "হাসিনা"), ("Nargis", "নার্গিস"), ("Shahnaz", "শাহনাজ"), ("Parvin", "পারভীন"),
    ("Jesmin", "জেসমিন"), ("Sharmin", "শারমিন"), ("Taslima", "তাসলিমা"), ("Morium", "মরিয়ম"),
    ("Sumaiya", "সুমাইয়া"), ("Khadija", "খাদিজা"), ("Rupa", "রুপা"), ("Mitu", "মিতু"),
    ("Popy", "পপি"), ("Shilpi", "শিল্পী"), ("Laily", "লাইলী"), ("Roksana", "রোকসানা"),
    ("Shapla", "শাপলা"), ("Moushumi", "মৌসুমী"), ("Nazma", "নাজমা"), ("Anjuman", "আঞ্জুমান"),
    ("Kulsum", "কুলসুম"), ("Sabina", "সাবিনা"), ("Tania", "তানিয়া"), ("Rashida", "রাশিদা"),
    ("Mahmuda", "মাহমুদা"), ("Farzana", "ফারজানা"), ("Suraiya", "সুরাইয়া"),
)
BENGALI_FAMILY: tuple[NamePair, ...] = (
    ("Islam", "ইসলাম"), ("Rahman", "রহমান"), ("Hossain", "হোসেন"), ("Hossen", "হোসেন"),
    ("Uddin", "উদ্দিন"), ("Ahmed", "আহমেদ"), ("Ali", "আলী"), ("Miah", "মিয়া"),
    ("Mia", "মিয়া"), ("Sarker", "সরকার"), ("Chowdhury", "চৌধুরী"), ("Khan", "খান"),
    ("Talukder", "তালুকদার"), ("Mondal", "মণ্ডল"), ("Sheikh", "শেখ"), ("Bhuiyan", "ভূঁইয়া"),
    ("Howlader", "হাওলাদার"), ("Mollah", "মোল্লা"), ("Sikder", "সিকদার"), ("Prodhan", "প্রধান"),
    ("Mahmud", "মাহমুদ"), ("Kabir", "কবির"), ("Haque", "হক"), ("Alam", "আলম"),
    ("Majumder", "মজুমদার"), ("Patwary", "পাটোয়ারী"),
)
BENGALI_FEMALE_FAMILY: tuple[NamePair, ...] = (
    ("Akter", "আক্তার"), ("Akhter", "আক্তার"), ("Begum", "বেগম"), ("Khatun", "খাতুন"),
    ("Sultana", "সুলতানা"), ("Yasmin", "ইয়াসমিন"),
)
# Hindu Bangladeshis (about one in twelve) have names of their own.
BENGALI_HINDU_MALE: tuple[NamePair, ...] = (
    ("Ratan", "রতন"), ("Sanjoy", "সঞ্জয়"), ("Pradip", "প্রদীপ"), ("Gopal", "গোপাল"),
    ("Uttam", "উত্তম"), ("Dipak", "দীপক"), ("Biplob", "বিপ্লব"), ("Sumon", "সুমন"),
    ("Tapan", "তপন"), ("Swapan", "স্বপন"), ("Nikhil", "নিখিল"), ("Shyamal", "শ্যামল"),
)
BENGALI_HINDU_FEMALE: tuple[NamePair, ...] = (
    ("Shipra", "শিপ্রা"), ("Mitali", "মিতালী"), ("Purnima", "পূর্ণিমা"), ("Anjali", "অঞ্জলি"),
    ("Rina", "রিনা"), ("Sabita", "সবিতা"), ("Krishna", "কৃষ্ণা"), ("Shefali", "শেফালী"),
    ("Mala", "মালা"), ("Dipali", "দীপালী"),
)
BENGALI_HINDU_FAMILY: tuple[NamePair, ...] = (
    ("Das", "দাস"), ("Roy", "রায়"), ("Saha", "সাহা"), ("Biswas", "বিশ্বাস"), ("Paul", "পাল"),
    ("Ghosh", "ঘোষ"), ("Dey", "দে"), ("Sarkar", "সরকার"), ("Debnath", "দেবনাথ"),
    ("Chakraborty", "চক্রবর্তী"),
)


@dataclass(frozen=True)
class NameStock:
    """The names of one community, and how its people combine them."""

    male: tuple[NamePair, ...]
    female: tuple[NamePair, ...]
    family: tuple[NamePair, ...]
    # Women's "family names" that are really titles (Bibi, Begum, Akter), and how often.
    female_family: tuple[NamePair, ...] = ()
    female_family_share: float = 0.0
    # Words written before a man's given name (Muhammad Usman, Md. Rafiqul) and how often.
    male_prefixes: tuple[tuple[str, str, float], ...] = ()


URDU = NameStock(URDU_MALE, URDU_FEMALE, URDU_FAMILY, URDU_FEMALE_FAMILY, 0.25,
                 (("Muhammad", "محمد", 0.22), ("Mohammad", "محمد", 0.06)))
PASHTO = NameStock(PASHTO_MALE, PASHTO_FEMALE, PASHTO_FAMILY,
                   (("Bibi", "بي بي"),), 0.15)
ARABIC = NameStock(ARABIC_MALE, ARABIC_FEMALE, ARABIC_FAMILY)
SORANI = NameStock(SORANI_MALE, SORANI_FEMALE, SORANI_FAMILY)
BENGALI_MUSLIM = NameStock(BENGALI_MALE, BENGALI_FEMALE, BENGALI_FAMILY, BENGALI_FEMALE_FAMILY,
                           0.45, (("Md.", "মোঃ", 0.35), ("Mohammad", "মোহাম্মদ", 0.07),
                                  ("Muhammad", "মুহাম্মদ", 0.03)))
BENGALI_HINDU = NameStock(BENGALI_HINDU_MALE, BENGALI_HINDU_FEMALE, BENGALI_HINDU_FAMILY)

_PROPHET_NAMES = {"Muhammad", "Mohammad", "Mohammed", "Mohamed"}


# --- places -------------------------------------------------------------------------------------

Place = tuple[str, str, float]  # (province or governorate or division, district, weight)

ISLAMABAD_AREA: tuple[Place, ...] = (
    ("Islamabad Capital Territory", "Islamabad", 20), ("Punjab", "Rawalpindi", 15),
    ("Punjab", "Attock", 6), ("Punjab", "Chakwal", 6), ("Punjab", "Jhelum", 5),
    ("Punjab", "Gujrat", 4), ("Punjab", "Sargodha", 2), ("Khyber Pakhtunkhwa", "Abbottabad", 4),
    ("Khyber Pakhtunkhwa", "Mansehra", 4), ("Khyber Pakhtunkhwa", "Haripur", 3),
    ("Gilgit-Baltistan", "Gilgit", 1), ("Gilgit-Baltistan", "Skardu", 1),
)
LAHORE_AREA: tuple[Place, ...] = (
    ("Punjab", "Lahore", 25), ("Punjab", "Gujranwala", 10), ("Punjab", "Sialkot", 8),
    ("Punjab", "Faisalabad", 7), ("Punjab", "Sheikhupura", 7), ("Punjab", "Kasur", 6),
    ("Punjab", "Okara", 4), ("Punjab", "Narowal", 4), ("Punjab", "Gujrat", 4),
    ("Punjab", "Mandi Bahauddin", 3), ("Punjab", "Hafizabad", 3), ("Punjab", "Sahiwal", 3),
    ("Punjab", "Sargodha", 3), ("Punjab", "Multan", 2), ("Punjab", "Bahawalpur", 1),
    ("Punjab", "Rahim Yar Khan", 1), ("Punjab", "Dera Ghazi Khan", 1), ("Sindh", "Karachi", 1),
)
PASHTUN_AREA: tuple[Place, ...] = (
    ("Khyber Pakhtunkhwa", "Peshawar", 8), ("Khyber Pakhtunkhwa", "Mardan", 5),
    ("Khyber Pakhtunkhwa", "Swat", 5), ("Khyber Pakhtunkhwa", "Swabi", 4),
    ("Khyber Pakhtunkhwa", "Charsadda", 4), ("Khyber Pakhtunkhwa", "Nowshera", 3),
    ("Khyber Pakhtunkhwa", "Lower Dir", 3), ("Khyber Pakhtunkhwa", "Bannu", 2),
    ("Khyber Pakhtunkhwa", "Kohat", 2), ("Khyber Pakhtunkhwa", "Bajaur", 1),
    ("Balochistan", "Quetta", 2), ("Balochistan", "Pishin", 1),
)
# Where Afghans who come to the Pakistani centres live.
AFGHAN_RESIDENCE: tuple[Place, ...] = (
    ("Khyber Pakhtunkhwa", "Peshawar", 5), ("Islamabad Capital Territory", "Islamabad", 3),
    ("Punjab", "Rawalpindi", 2), ("Punjab", "Lahore", 2),
)
BAGHDAD_AREA: tuple[Place, ...] = (
    ("Baghdad", "Karkh", 12), ("Baghdad", "Rusafa", 12), ("Baghdad", "Kadhimiya", 7),
    ("Baghdad", "Adhamiya", 7), ("Baghdad", "Sadr City", 9), ("Baghdad", "Mahmudiya", 4),
    ("Baghdad", "Abu Ghraib", 4), ("Babil", "Hillah", 4), ("Babil", "Musayyib", 2),
    ("Diyala", "Baqubah", 3), ("Diyala", "Khalis", 2), ("Anbar", "Ramadi", 3),
    ("Anbar", "Fallujah", 3), ("Wasit", "Kut", 4), ("Najaf", "Najaf", 3), ("Najaf", "Kufa", 1),
    ("Karbala", "Karbala", 4), ("Basra", "Basra", 4), ("Basra", "Zubair", 1),
    ("Dhi Qar", "Nasiriyah", 3), ("Maysan", "Amarah", 2), ("Al-Qadisiyah", "Diwaniyah", 3),
    ("Saladin", "Tikrit", 2), ("Saladin", "Samarra", 1), ("Nineveh", "Mosul", 3),
    ("Muthanna", "Samawah", 1),
)
KURDISTAN_AREA: tuple[Place, ...] = (
    ("Erbil", "Erbil", 30), ("Erbil", "Shaqlawa", 5), ("Erbil", "Soran", 5), ("Erbil", "Koya", 4),
    ("Erbil", "Makhmur", 2), ("Sulaymaniyah", "Sulaymaniyah", 10), ("Sulaymaniyah", "Ranya", 3),
    ("Sulaymaniyah", "Chamchamal", 2), ("Sulaymaniyah", "Penjwen", 1), ("Duhok", "Duhok", 8),
    ("Duhok", "Zakho", 5), ("Duhok", "Amedi", 2), ("Duhok", "Akre", 2), ("Halabja", "Halabja", 2),
    ("Kirkuk", "Kirkuk", 3),
)
# Arabs at the Erbil centre: mostly people displaced from Nineveh, Anbar and Saladin.
ERBIL_ARAB_AREA: tuple[Place, ...] = (
    ("Erbil", "Erbil", 10), ("Nineveh", "Mosul", 8), ("Nineveh", "Hamdaniya", 2),
    ("Anbar", "Ramadi", 2), ("Saladin", "Tikrit", 2), ("Kirkuk", "Kirkuk", 2),
)
FAILI_KURD_AREA: tuple[Place, ...] = (
    ("Baghdad", "Rusafa", 5), ("Baghdad", "Karkh", 3), ("Diyala", "Khanaqin", 3),
)
BANGLADESH_AREA: tuple[Place, ...] = (
    ("Dhaka", "Dhaka", 10), ("Dhaka", "Tangail", 7), ("Dhaka", "Gazipur", 4),
    ("Dhaka", "Narsingdi", 4), ("Dhaka", "Kishoreganj", 4), ("Dhaka", "Munshiganj", 3),
    ("Dhaka", "Faridpur", 3), ("Dhaka", "Manikganj", 3), ("Dhaka", "Narayanganj", 3),
    ("Dhaka", "Madaripur", 2), ("Dhaka", "Shariatpur", 2), ("Chittagong", "Comilla", 10),
    ("Chittagong", "Chittagong", 7), ("Chittagong", "Brahmanbaria", 7),
    ("Chittagong", "Chandpur", 5), ("Chittagong", "Noakhali", 5), ("Chittagong", "Feni", 3),
    ("Chittagong", "Lakshmipur", 3), ("Chittagong", "Cox's Bazar", 1), ("Sylhet", "Sylhet", 4),
    ("Sylhet", "Moulvibazar", 3), ("Sylhet", "Habiganj", 2), ("Sylhet", "Sunamganj", 2),
    ("Rajshahi", "Rajshahi", 1), ("Rajshahi", "Bogra", 1), ("Rajshahi", "Pabna", 1),
    ("Khulna", "Khulna", 1), ("Khulna", "Jessore", 1), ("Khulna", "Kushtia", 1),
    ("Mymensingh", "Mymensingh", 2), ("Mymensingh", "Jamalpur", 1),
    ("Mymensingh", "Netrokona", 1), ("Rangpur", "Rangpur", 1), ("Rangpur", "Dinajpur", 1),
    ("Barisal", "Barisal", 1), ("Barisal", "Bhola", 1),
)

# A regional language spoken at home in these districts, listed before the national one.
HOME_LANGUAGE_OF_DISTRICT = {
    "Multan": "skr", "Bahawalpur": "skr", "Rahim Yar Khan": "skr", "Dera Ghazi Khan": "skr",
    "Duhok": "ku", "Zakho": "ku", "Amedi": "ku", "Akre": "ku",
}

# A CNIC begins with a province digit followed by division, district and tehsil digits.
CNIC_PROVINCE_DIGIT = {
    "Khyber Pakhtunkhwa": "1", "Punjab": "3", "Sindh": "4", "Balochistan": "5",
    "Islamabad Capital Territory": "6", "Gilgit-Baltistan": "7",
}
CNIC_DISTRICT_PREFIX = {
    "Peshawar": "17301", "Gujranwala": "34101", "Sialkot": "34603", "Faisalabad": "33100",
    "Lahore": "35202", "Rawalpindi": "37405", "Karachi": "42101", "Quetta": "54400",
    "Islamabad": "61101",
}


# --- communities and centres --------------------------------------------------------------------

@dataclass(frozen=True)
class Community:
    """A group of people a centre serves: their names, homes, languages and nationality."""

    weight: float
    names: NameStock
    places: tuple[Place, ...]
    languages: tuple[tuple[str, float], ...]  # (code, share of people who speak it)
    nationality: str | None = None  # None: the centre's country


Weights = dict[str, float]


@dataclass(frozen=True)
class CountryProfile:
    """What the clients of one country's centres have in common, as weights and shares."""

    male_share: float
    native_script_share: float
    weekend: frozenset[int]  # date.weekday() numbers the centres are closed on
    phone_country_code: str
    phone_prefixes: tuple[str, ...]  # mobile network codes after the country code
    phone_subscriber_digits: int
    education: Weights
    destinations: Weights
    study_destinations: Weights
    heard_about: Weights
    smuggling_share: float = 0.01
    returnee_languages: tuple[str, ...] = ()  # picked up abroad by returnees from the Gulf


PAKISTAN = CountryProfile(
    male_share=0.6,
    native_script_share=0.6,
    weekend=frozenset({5, 6}),
    phone_country_code="92",
    # Jazz 300-309 and 320-329, Zong 310-318, Ufone 330-337, Telenor 340-349.
    phone_prefixes=tuple(f"3{n:02d}" for n in range(0, 50)),
    phone_subscriber_digits=7,
    education={"none": 10, "primary": 12, "secondary": 28, "higher_secondary": 20,
               "vocational": 10, "bachelor": 14, "master": 6},
    destinations={"SA": 35, "AE": 24, "QA": 8, "OM": 7, "KW": 2, "BH": 2, "MY": 4, "GB": 4,
                  "IT": 3, "RO": 3, "DE": 2, "GR": 1, "TR": 2, "KR": 1, "JP": 1},
    study_destinations={"GB": 25, "CN": 20, "DE": 12, "AU": 10, "CA": 10, "MY": 8, "TR": 6,
                        "IT": 5, "KR": 4},
    heard_about={"social_media": 25, "family_friends": 25, "awareness_session": 12,
                 "protectorate": 15, "partner_referral": 6, "tv_radio": 5, "hotline": 4,
                 "walk_in": 6, "other": 2},
    returnee_languages=("ar",),
)
IRAQ = CountryProfile(
    male_share=0.6,
    native_script_share=0.8,
    weekend=frozenset({4, 5}),
    phone_country_code="964",
    # Korek 750-751, Asiacell 770-779, Zain 780-799.
    phone_prefixes=("750", "751", *(f"7{n}" for n in range(70, 100))),
    phone_subscriber_digits=7,
    education={"none": 5, "primary": 12, "secondary": 25, "higher_secondary": 18,
               "vocational": 8, "bachelor": 25, "master": 7},
    destinations={"TR": 20, "DE": 20, "AE": 12, "GB": 9, "SE": 6, "NL": 5, "JO": 5, "QA": 4,
                  "FI": 2, "US": 3, "CA": 3, "AU": 2, "IT": 2, "MY": 2},
    study_destinations={"TR": 20, "GB": 20, "DE": 15, "MY": 15, "US": 8, "HU": 6, "IR": 6,
                        "RU": 5},
    heard_about={"social_media": 35, "family_friends": 25, "awareness_session": 10,
                 "protectorate": 3, "partner_referral": 12, "tv_radio": 5, "hotline": 4,
                 "walk_in": 4, "other": 2},
    smuggling_share=0.02,
)
BANGLADESH = CountryProfile(
    male_share=0.5,
    native_script_share=0.75,
    weekend=frozenset({4, 5}),
    phone_country_code="880",
    # Grameenphone 13/17, Banglalink 14/19, Teletalk 15, Robi and Airtel 16/18.
    phone_prefixes=("13", "14", "15", "16", "17", "18", "19"),
    phone_subscriber_digits=8,
    education={"none": 8, "primary": 22, "secondary": 30, "higher_secondary": 18,
               "vocational": 8, "bachelor": 10, "master": 4},
    destinations={"SA": 30, "MY": 15, "AE": 10, "OM": 8, "QA": 6, "SG": 6, "KW": 4, "IT": 4,
                  "RO": 3, "GB": 3, "JO": 2, "JP": 2, "KR": 2, "LB": 1, "MV": 2},
    study_destinations={"MY": 20, "GB": 15, "AU": 12, "CA": 12, "JP": 8, "DE": 8, "KR": 6,
                        "US": 10, "CN": 6},
    heard_about={"social_media": 20, "family_friends": 25, "awareness_session": 15,
                 "protectorate": 15, "partner_referral": 8, "tv_radio": 7, "hotline": 4,
                 "walk_in": 4, "other": 2},
    returnee_languages=("ar", "hi"),
)
COUNTRY_PROFILES = {"PK": PAKISTAN, "IQ": IRAQ, "BD": BANGLADESH}

PUNJABI_LANGUAGES = (("ur", 1.0), ("pa", 0.9))
PASHTUN_LANGUAGES = (("ps", 1.0), ("ur", 0.8))
AFGHAN_LANGUAGES = (("fa_AF", 0.6), ("ps", 0.7), ("ur", 0.4))
COMMUNITIES = {
    "ISB": (
        Community(66, URDU, ISLAMABAD_AREA, (("ur", 1.0), ("pa", 0.5))),
        Community(28, PASHTO, PASHTUN_AREA, PASHTUN_LANGUAGES),
        Community(6, PASHTO, AFGHAN_RESIDENCE, AFGHAN_LANGUAGES, nationality="AF"),
    ),
    "LHR": (
        Community(92, URDU, LAHORE_AREA, PUNJABI_LANGUAGES),
        Community(5, PASHTO, PASHTUN_AREA, PASHTUN_LANGUAGES),
        Community(3, PASHTO, AFGHAN_RESIDENCE, AFGHAN_LANGUAGES, nationality="AF"),
    ),
    "BGW": (
        Community(95, ARABIC, BAGHDAD_AREA, (("ar", 1.0),)),
        Community(5, SORANI, FAILI_KURD_AREA, (("ar", 1.0), ("ckb", 0.6))),
    ),
    "EBL": (
        Community(80, SORANI, KURDISTAN_AREA, (("ckb", 1.0), ("ar", 0.6))),
        Community(20, ARABIC, ERBIL_ARAB_AREA, (("ar", 1.0), ("ckb", 0.2))),
    ),
    "DAC": (
        Community(92, BENGALI_MUSLIM, BANGLADESH_AREA, (("bn", 1.0),)),
        Community(8, BENGALI_HINDU, BANGLADESH_AREA, (("bn", 1.0),)),
    ),
}
# A centre added later by an admin gets the communities of the first centre of its country.
FIRST_CENTRE_OF_COUNTRY = {"PK": "ISB", "IQ": "BGW", "BD": "DAC"}


# --- work ---------------------------------------------------------------------------------------

EDUCATION_RANK = {"": 0, "none": 0, "primary": 1, "secondary": 2, "vocational": 3,
                  "higher_secondary": 3, "bachelor": 4, "master": 5}


@dataclass(frozen=True)
class Occupation:
    name: str
    sector: str  # the sector such a person usually looks for work in abroad
    skills: tuple[str, ...]
    weight_male: float
    weight_female: float
    min_education: str = "none"
    max_age: int = 99


OCCUPATIONS = (
    Occupation("driver", "transport", ("LTV driving licence", "HTV driving licence",
                                       "motorcycle riding", "basic car maintenance"), 10, 0),
    Occupation("electrician", "construction", ("house wiring", "panel installation",
                                               "solar panel installation"), 6, 0),
    Occupation("mason", "construction", ("bricklaying", "plastering", "tiling"), 6, 0),
    Occupation("plumber", "construction", ("pipe fitting", "sanitary installation"), 4, 0),
    Occupation("carpenter", "construction", ("furniture making", "shuttering",
                                             "wood finishing"), 4, 0),
    Occupation("steel fixer", "construction", ("rebar bending", "reading drawings"), 3, 0),
    Occupation("labourer", "construction", ("loading", "general labour"), 8, 0.5),
    Occupation("welder", "manufacturing", ("arc welding", "MIG welding",
                                           "steel fabrication"), 3, 0),
    Occupation("mechanic", "transport", ("auto repair", "motorcycle repair",
                                         "diesel engines"), 3, 0),
    Occupation("AC technician", "construction", ("AC installation",
                                                 "refrigeration repair"), 2, 0),
    Occupation("farmer", "agriculture", ("crop farming", "livestock", "tractor driving"), 6, 1),
    Occupation("security guard", "security", ("security training", "first aid"), 3, 0),
    Occupation("shopkeeper", "other", ("sales", "bookkeeping"), 4, 0.5),
    Occupation("salesman", "other", ("sales", "customer service"), 3, 0),
    Occupation("cook", "hospitality", ("cooking", "baking", "catering"), 3, 2),
    Occupation("waiter", "hospitality", ("customer service", "barista"), 2, 0.3),
    Occupation("barber", "other", ("hair cutting", "shaving"), 2, 0),
    Occupation("tailor", "manufacturing", ("stitching", "embroidery", "pattern cutting"), 3, 5),
    Occupation("garment worker", "manufacturing", ("sewing machine operation",
                                                   "quality checking"), 1, 4),
    Occupation("housewife", "domestic_work", ("cooking", "child care", "sewing"), 0, 12),
    Occupation("domestic worker", "domestic_work", ("cleaning", "cooking", "child care"), 0, 4),
    Occupation("caregiver", "health_care", ("elderly care", "first aid"), 0.3, 2),
    Occupation("beautician", "other", ("hair styling", "makeup", "henna"), 0, 2),
    Occupation("nurse", "health_care", ("patient care", "first aid", "BLS certificate"), 0.5, 3,
               "higher_secondary"),
    Occupation("teacher", "other", ("teaching", "English", "computer literacy"), 2, 3,
               "bachelor"),
    Occupation("computer operator", "it", ("MS Office", "data entry", "typing"), 2, 1,
               "secondary"),
    Occupation("accountant", "other", ("bookkeeping", "Tally", "MS Excel"), 2, 0.5,
               "bachelor"),
    Occupation("software developer", "it", ("Python", "web development", "JavaScript"), 1,
               0.5, "bachelor"),
    Occupation("civil engineer", "construction", ("AutoCAD", "site supervision"), 1, 0.2,
               "bachelor"),
    Occupation("student", "study", ("English", "computer literacy", "MS Office"), 6, 6,
               "secondary", max_age=30),
    Occupation("unemployed", "", (), 5, 3),
)
STUDENT = next(o for o in OCCUPATIONS if o.name == "student")

MIGRATION_STATUS_WEIGHTS = {"potential": 30, "intending": 30, "outgoing": 15, "returnee": 20,
                            "family_member": 5}
SECTOR_CODES = [code for code, _label in SECTOR]


# --- drawing ------------------------------------------------------------------------------------

def _pick(rng: random.Random, weights: Weights) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _pick_weighted(rng: random.Random, items: Sequence, weight_of: Callable):
    return rng.choices(items, weights=[weight_of(item) for item in items])[0]


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _name(rng: random.Random, names: NameStock, sex: str) -> tuple[NamePair, NamePair]:
    female = sex == "female" or (sex not in ("male", "female") and rng.random() < 0.5)
    given = rng.choice(names.female if female else names.male)
    if not female:
        for latin, native, share in names.male_prefixes:
            if rng.random() < share:
                # "Muhammad Ali Raza" is rare; "Muhammad Muhammad" never happens.
                if given[0] not in _PROPHET_NAMES and " " not in given[0]:
                    given = (f"{latin} {given[0]}", f"{native} {given[1]}")
                break
    if female and names.female_family and rng.random() < names.female_family_share:
        family = rng.choice(names.female_family)
    else:
        family = rng.choice(names.family)
    return given, family


def _sex(rng: random.Random, male_share: float) -> str:
    roll = rng.random()
    if roll < 0.01:
        return "not_stated"
    return "male" if roll < 0.01 + male_share * 0.99 else "female"


def _age(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.03:
        return rng.randint(16, 17)
    if roll < 0.93:
        # Most people who ask about working abroad are in their twenties and early thirties.
        return round(rng.triangular(18, 55, 26))
    return rng.randint(56, 65)


def _birth(rng: random.Random, age: int, registered_on: date) -> tuple[date | None, int]:
    """(date of birth or None, year of birth) of someone ``age`` years old on a given day."""
    born = registered_on - timedelta(days=round(age * 365.25) + rng.randint(1, 364))
    has_date = rng.random() < 0.5
    # Offices record an unknown day of birth as 1 January of the year.
    if rng.random() < 0.15:
        born = date(born.year, 1, 1)
    return (born if has_date else None), born.year


def _phone(rng: random.Random, country: CountryProfile) -> str:
    """A mobile number in E.164 that libphonenumber accepts (a few network codes are unused)."""
    while True:
        number = (f"+{country.phone_country_code}{rng.choice(country.phone_prefixes)}"
                  f"{_digits(rng, country.phone_subscriber_digits)}")
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def _national_id(rng: random.Random, nationality: str, sex: str, province: str,
                 district: str, birth_year: int) -> str:
    if nationality == "PK":
        prefix = CNIC_DISTRICT_PREFIX.get(district) or (
            CNIC_PROVINCE_DIGIT.get(province, str(rng.randint(1, 7))) + _digits(rng, 4)
        )
        # The last digit of a CNIC is odd for men and even for women.
        last_digits = {"male": "13579", "female": "02468"}.get(sex, "0123456789")
        last = rng.choice(last_digits)
        return f"{prefix}-{_digits(rng, 7)}-{last}"
    if nationality == "BD":
        kind = rng.random()
        if kind < 0.5:  # smart card
            return str(rng.randint(1, 9)) + _digits(rng, 9)
        if kind < 0.75:  # old laminated card
            return str(rng.randint(1, 9)) + _digits(rng, 12)
        return f"{birth_year}{_digits(rng, 13)}"  # old card with the year of birth in front
    if nationality == "IQ":
        return str(rng.randint(1, 2)) + _digits(rng, 11)
    if nationality == "AF":  # electronic tazkira
        return f"{rng.randint(1398, 1403)}-{_digits(rng, 4)}-{_digits(rng, 5)}"
    return ""


def _occupation(rng: random.Random, sex: str, age: int, education: str) -> Occupation:
    if age < 18:
        return STUDENT
    rank = EDUCATION_RANK[education]
    suitable = [o for o in OCCUPATIONS
                if EDUCATION_RANK[o.min_education] <= rank and age <= o.max_age]
    if sex == "male":
        return _pick_weighted(rng, suitable, lambda o: o.weight_male)
    if sex == "female":
        return _pick_weighted(rng, suitable, lambda o: o.weight_female)
    return _pick_weighted(rng, suitable, lambda o: o.weight_male + o.weight_female)


def _languages(rng: random.Random, community: Community, country: CountryProfile,
               district: str, education: str, status: str) -> str:
    spoken = []
    home = HOME_LANGUAGE_OF_DISTRICT.get(district)
    if home:
        spoken.append(home)
    for code, share in community.languages:
        if rng.random() < share and code not in spoken:
            spoken.append(code)
    if not spoken:
        spoken.append(community.languages[0][0])
    english_share = 0.7 if EDUCATION_RANK[education] >= 4 else 0.1
    if rng.random() < english_share:
        spoken.append("en")
    if status == "returnee":
        for code in country.returnee_languages:
            if code not in spoken and rng.random() < 0.3:
                spoken.append(code)
    return " ".join(spoken)


def _person(rng: random.Random, centre: Centre, country: CountryProfile,
            communities: Sequence[Community], registered_on: date) -> dict:
    """The client's own data, drawn from ``rng`` alone (dates come from the caller)."""
    community = _pick_weighted(rng, communities, lambda c: c.weight)
    nationality = community.nationality or centre.country
    sex = _sex(rng, country.male_share)
    (given, given_native), (family, family_native) = _name(rng, community.names, sex)
    if rng.random() >= country.native_script_share:
        given_native = family_native = ""
    age = _age(rng)
    date_of_birth, birth_year = _birth(rng, age, registered_on)
    province, district, _weight = _pick_weighted(rng, community.places, lambda p: p[2])
    national_id = _national_id(rng, nationality, sex, province, district, birth_year)
    if rng.random() >= 0.7:
        national_id = ""
    phone = _phone(rng, country) if rng.random() < 0.85 else ""

    education = _pick(rng, country.education) if rng.random() < 0.95 else ""
    if age < 18 and EDUCATION_RANK[education] > 2:
        education = "secondary"
    occupation = _occupation(rng, sex, age, education)
    skills = rng.sample(occupation.skills, k=min(len(occupation.skills), rng.randint(1, 2)))
    status = _pick(rng, MIGRATION_STATUS_WEIGHTS)
    if age < 18:
        status = "potential"
    # Most look for work in their own trade; some want to change.
    sector = occupation.sector if occupation.sector and rng.random() < 0.85 else (
        rng.choice(SECTOR_CODES))
    destinations = country.study_destinations if sector == "study" else country.destinations
    destination = _pick(rng, destinations)
    if status == "potential" and rng.random() < 0.2:
        destination = ""  # not decided yet
    if rng.random() < 0.1:
        sector = ""
    heard_about = _pick(rng, country.heard_about) if rng.random() < 0.95 else ""

    return dict(
        given_name=given,
        family_name=family,
        given_name_native=given_native,
        family_name_native=family_native,
        sex=sex,
        date_of_birth=date_of_birth,
        birth_year=birth_year,
        nationality=nationality,
        national_id=national_id,
        phone=phone,
        province=province,
        district=district,
        education=education,
        occupation=occupation.name,
        skills=", ".join(skills),
        languages=_languages(rng, community, country, district, education, status),
        migration_status=status,
        destination_country=destination,
        destination_sector=sector,
        heard_about=heard_about,
        consent_services=True,
        consent_follow_up=rng.random() < 0.85,
        consent_referral_sharing=rng.random() < 0.75,
        consent_statistics=rng.random() < 0.92,
        trafficking_indication=rng.random() < 0.01,
        smuggling_indication=rng.random() < country.smuggling_share,
        protection_concern=rng.random() < 0.02,
    )


# --- dates --------------------------------------------------------------------------------------

def _office_moment(rng: random.Random, zone: ZoneInfo, weekend: frozenset[int],
                   earliest: datetime, latest: datetime) -> datetime:
    """A moment during office hours on a working day between ``earliest`` and ``latest`` (UTC).

    Falls back to ``earliest`` when the span holds no office hours (e.g. the same evening).
    """
    first_day, last_day = earliest.astimezone(zone).date(), latest.astimezone(zone).date()
    span_days = (last_day - first_day).days
    opening_minutes = OFFICE_OPENS.hour * 60 + OFFICE_OPENS.minute
    closing_minutes = OFFICE_CLOSES.hour * 60 + OFFICE_CLOSES.minute
    for _attempt in range(30):
        day = first_day + timedelta(days=rng.randint(0, span_days))
        if day.weekday() in weekend:
            continue
        minutes = rng.randint(opening_minutes, closing_minutes)
        local = datetime.combine(day, time(minutes // 60, minutes % 60, rng.randint(0, 59)), zone)
        moment = local.astimezone(UTC)
        if earliest <= moment <= latest:
            return moment
    return earliest


def _visit_times(rng: random.Random, zone: ZoneInfo, weekend: frozenset[int], count: int,
                 now: datetime) -> list[tuple[datetime, datetime]]:
    """(registered, last seen) pairs, in order of registration so references follow time."""
    registered = sorted(
        _office_moment(rng, zone, weekend, now - HISTORY, now) for _ in range(count)
    )
    visits = []
    for created_at in registered:
        # About half come back at least once after registering.
        returned = rng.random() < 0.5
        last_visit_at = _office_moment(rng, zone, weekend, created_at, now) if returned else (
            created_at)
        visits.append((created_at, last_visit_at))
    return visits


# --- writing ------------------------------------------------------------------------------------

def _communities_of(centre: Centre) -> Sequence[Community]:
    code = centre.code if centre.code in COMMUNITIES else FIRST_CENTRE_OF_COUNTRY.get(
        centre.country)
    if code is None or centre.country not in COUNTRY_PROFILES:
        raise ValueError(f"no demo population for centres in {centre.country}")
    return COMMUNITIES[code]


def generate_demo_clients(centre: Centre, registered_by: User, count: int, seed: int,
                          progress: Callable[[int], None] | None = None) -> int:
    """Create `count` realistic demo clients at `centre`, deterministic for a given seed;
    returns count created.

    All are registered by `registered_by`, who also recorded their consent and is their
    counsellor. `progress` is called with the number created so far after each commit.
    """
    communities = _communities_of(centre)
    country = COUNTRY_PROFILES[centre.country]
    people = random.Random(f"{seed}-{centre.code}")
    calendar = random.Random(f"{seed}-{centre.code}-calendar")
    zone = ZoneInfo(centre.timezone)
    now = datetime.now(UTC)

    done = 0
    for created_at, last_visit_at in _visit_times(calendar, zone, country.weekend, count, now):
        registered_on = created_at.astimezone(zone).date()
        values = _person(people, centre, country, communities, registered_on)
        # The counter update does not depend on the pending clients; without autoflush they are
        # inserted in batches at each commit instead of one flush per client (several times
        # faster).
        with db.session.no_autoflush:
            # The centre's local year, as register_client numbers them.
            reference = services.next_reference(centre, registered_on.year)
        client = Client(
            reference=reference,
            centre_id=centre.id,
            consent_date=registered_on,
            consent_recorded_by_id=registered_by.id,
            created_by_id=registered_by.id,
            assigned_counsellor_id=registered_by.id,
            created_at=created_at,
            updated_at=last_visit_at,
            last_visit_at=last_visit_at,
            **values,
        )
        client.search_keys.extend(services.search_keys_of(client))
        db.session.add(client)
        done += 1
        if done % COMMIT_EVERY == 0 or done == count:
            db.session.commit()
            if progress is not None:
                progress(done)

    audit.record(Actor(registered_by, "cli"), "create", object_type="client",
                 centre_id=centre.id, summary=f"demo data: {count} clients")
    db.session.commit()
    return done

