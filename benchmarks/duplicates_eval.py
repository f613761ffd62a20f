"""Precision and recall of the duplicate warning on a generated, labelled evaluation set.

Usage: .venv/bin/python benchmarks/duplicates_eval.py [--pairs 1000] [--seed 3]
       [--database-url postgresql://postgres@127.0.0.1:5432/bench]

The set is made here, deterministically from the seed: pairs of records of the SAME person as
counsellors really type them twice (another Latin spelling — "Mohammed" for "Muhammad" —, the
name only in Urdu, Arabic or Bengali script the second time, a typo, a birth year one off, a new
phone or none, the ID given once), and pairs of DIFFERENT people who share a common name (same
given and family name, often born within a year of each other, different phone and ID when
given). Every record goes through the registration form (``ClientForm``: phones to E.164, IDs
to their canonical form, names checked) as if typed; every first record is registered; then the
duplicate check of registration runs on every second record, and a pair counts as flagged when
the first record is among the candidates.

Assumptions about the father's name (as on a CNIC / B-form or NID):
- each record carries it independently with probability ``FATHER_GIVEN`` (0.6), so both records
  of a pair have it in about a third of the pairs;
- the same person's father's name varies like a name: another Latin spelling, the native script
  instead of Latin (one field, either script), a typo at the name's typo rate, and sometimes
  ("Muhammad Aslam" / "Aslam") the leading Muhammad left out;
- fathers' names are drawn from a short, skewed list per country (the first names are the most
  common, weights 1/rank), independently for two different people: so people sharing a common
  name usually have different fathers, but often enough the same common father's name (about
  one pair in six where both are given);
- a typo (a letter dropped, doubled or replaced by a neighbouring key, or two letters swapped)
  never touches a name's first or last letter (people rarely get those wrong).

Printed: precision and recall of the warning as it is, and of exact matching only (same phone,
same national ID, or the same name words typed the same way with the birth year within one
year — what the exact-match systems do), plus the mean number of candidates shown per check.
"""

import argparse
import random
from dataclasses import dataclass, replace
from datetime import date

import phonenumbers
from werkzeug.datastructures import MultiDict

from sqlalchemy import select

from common import benchmark_app, fresh_schema
from mrc.actor import Actor
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.centres.services import seed_centres
from mrc.clients.forms import ClientForm
from mrc.clients.search_keys import identifier_key, name_words, phone_key_candidates
from mrc.clients.services import ClientData, find_duplicates, register_client
from mrc.extensions import db

# Each name: Latin spellings (the first is the most common), and its form in the native script
# of the country (Urdu for PK, Arabic for IQ, Bengali for BD).
NAMES = {
    "PK": {
        "male": [
            (["Muhammad", "Mohammad", "Mohammed", "Muhammed", "Md"], "محمد"),
            (["Ali"], "علی"), (["Usman", "Osman", "Usmaan"], "عثمان"),
            (["Ahmed", "Ahmad"], "احمد"), (["Hassan", "Hasan"], "حسن"),
            (["Hussain", "Husain", "Hussein"], "حسین"), (["Imran"], "عمران"),
            (["Bilal"], "بلال"), (["Abdul Rehman", "Abdul Rahman", "Abdur Rehman"], "عبدالرحمن"),
            (["Zubair"], "زبیر"), (["Kashif"], "کاشف"), (["Tariq", "Tarik"], "طارق"),
        ],
        "female": [
            (["Ayesha", "Aisha", "Ayisha"], "عائشہ"), (["Fatima", "Fatimah"], "فاطمہ"),
            (["Zainab", "Zaynab"], "زینب"), (["Maryam", "Mariam"], "مریم"),
            (["Sana"], "ثنا"), (["Rabia", "Rabiya"], "رابعہ"), (["Nasreen", "Nasrin"], "نسرین"),
        ],
        "family": [
            (["Khan"], "خان"), (["Butt", "Bhatt"], "بٹ"), (["Malik"], "ملک"),
            (["Chaudhry", "Chaudhary", "Chowdhury"], "چودھری"), (["Qureshi", "Kureshi"], "قریشی"),
            (["Raza"], "رضا"), (["Iqbal"], "اقبال"), (["Akhtar", "Akhter"], "اختر"),
            (["Bibi"], "بی بی"), (["Begum", "Begam"], "بیگم"),
        ],
    },
    "BD": {
        "male": [
            (["Mohammad", "Muhammad", "Md"], "মোহাম্মদ"), (["Rahim", "Raheem"], "রহিম"),
            (["Karim", "Kareem"], "করিম"), (["Abdul Karim"], "আব্দুল করিম"),
            (["Shahid", "Shahed"], "শহীদ"), (["Jamal"], "জামাল"), (["Rafiq", "Rafique"], "রফিক"),
            (["Sohel", "Sohail"], "সোহেল"),
        ],
        "female": [
            (["Rokeya", "Rokeya", "Rukaiya"], "রোকেয়া"), (["Fatema", "Fatima"], "ফাতেমা"),
            (["Yasmin", "Yasmeen"], "ইয়াসমিন"), (["Nasrin", "Nasreen"], "নাসরিন"),
            (["Shirin", "Sirin"], "শিরিন"), (["Rahima", "Raheema"], "রহিমা"),
        ],
        "family": [
            (["Begum", "Begom"], "বেগম"), (["Islam"], "ইসলাম"), (["Hossain", "Hussain"], "হোসেন"),
            (["Ahmed", "Ahmad"], "আহমেদ"), (["Khatun", "Khatoon"], "খাতুন"),
            (["Uddin", "Uddeen"], "উদ্দিন"), (["Akter", "Akhter"], "আক্তার"),
            (["Chowdhury", "Choudhury"], "চৌধুরী"),
        ],
    },
    "IQ": {
        "male": [
            (["Mohammed", "Muhammad", "Mohamed"], "محمد"), (["Ali"], "علي"),
            (["Hussein", "Husain", "Hussain"], "حسين"), (["Ahmed", "Ahmad"], "أحمد"),
            (["Mustafa", "Mostafa"], "مصطفى"), (["Omar", "Umar"], "عمر"),
            (["Haidar", "Haider", "Hayder"], "حيدر"), (["Karrar"], "كرار"),
        ],
        "female": [
            (["Zainab", "Zaynab"], "زينب"), (["Fatima", "Fatimah"], "فاطمة"),
            (["Maryam", "Mariam"], "مريم"), (["Noor", "Nur"], "نور"), (["Huda", "Hoda"], "هدى"),
        ],
        "family": [
            (["Al-Jabouri", "Jabouri", "Al Jubouri"], "الجبوري"),
            (["Al-Tamimi", "Tamimi"], "التميمي"), (["Kadhim", "Kazim"], "كاظم"),
            (["Hassan", "Hasan"], "حسن"), (["Abbas"], "عباس"), (["Salih", "Saleh"], "صالح"),
        ],
    },
}


# Fathers' names as written on the ID cards of each country, most common first.
FATHERS = {
    "PK": [
        (["Muhammad Aslam", "Mohammad Aslam"], "محمد اسلم"),
        (["Ghulam Rasool", "Ghulam Rasul"], "غلام رسول"),
        (["Muhammad Iqbal", "Mohammad Iqbal"], "محمد اقبال"),
        (["Abdul Ghafoor", "Abdul Ghafour"], "عبدالغفور"),
        (["Muhammad Ashraf", "Mohammad Ashraf"], "محمد اشرف"),
        (["Bashir Ahmed", "Bashir Ahmad", "Basheer Ahmed"], "بشیر احمد"),
        (["Allah Ditta", "Allah Dita"], "اللہ دتہ"),
        (["Nazir Ahmed", "Nazeer Ahmad"], "نذیر احمد"),
        (["Muhammad Akram", "Mohammad Akram"], "محمد اکرم"),
        (["Abdul Rashid", "Abdul Rasheed"], "عبدالرشید"),
        (["Khalid Mahmood", "Khalid Mehmood", "Khalid Mahmud"], "خالد محمود"),
        (["Muhammad Yousaf", "Mohammad Yousuf", "Muhammad Yusuf"], "محمد یوسف"),
        (["Sher Khan"], "شیر خان"),
    ],
    "BD": [
        (["Abdul Karim", "Md Abdul Karim"], "আব্দুল করিম"),
        (["Nurul Islam"], "নুরুল ইসলাম"),
        (["Abdur Rahman", "Abdur Rahaman", "Abdur Rehman"], "আব্দুর রহমান"),
        (["Rafiqul Islam", "Rofiqul Islam"], "রফিকুল ইসলাম"),
        (["Mohammad Ali", "Md Ali", "Muhammad Ali"], "মোহাম্মদ আলী"),
        (["Abul Kashem", "Abul Kasem", "Abul Quasem"], "আবুল কাশেম"),
        (["Abdul Mannan"], "আব্দুল মান্নান"),
        (["Shahidul Islam", "Shohidul Islam"], "শহিদুল ইসলাম"),
        (["Abdul Hamid", "Abdul Hameed"], "আব্দুল হামিদ"),
        (["Aminul Haque", "Aminul Hoque", "Aminul Haq"], "আমিনুল হক"),
    ],
    "IQ": [
        (["Ali"], "علي"), (["Hussein", "Husain"], "حسين"),
        (["Kadhim", "Kazim"], "كاظم"), (["Jasim", "Jassim"], "جاسم"),
        (["Abbas"], "عباس"), (["Mohammed", "Muhammad"], "محمد"),
        (["Hamid", "Hameed"], "حميد"), (["Karim", "Kareem"], "كريم"),
        (["Salman"], "سلمان"), (["Khalil", "Khaleel"], "خليل"),
        (["Abdullah", "Abdulla"], "عبدالله"), (["Mahmoud", "Mahmood"], "محمود"),
    ],
}
FATHER_GIVEN = 0.6
TYPO_RATE_GIVEN, TYPO_RATE_FAMILY, TYPO_RATE_FATHER = 0.15, 0.1, 0.1


@dataclass(frozen=True)
class Person:
    country: str
    sex: str
    given: tuple[list[str], str]
    family: tuple[list[str], str]
    birth_year: int
    phone: str
    national_id: str
    district: str
    father: tuple[list[str], str]


DISTRICTS = {
    "PK": ["Lahore", "Gujranwala", "Sialkot", "Faisalabad", "Rawalpindi", "Jhelum", "Mirpur",
           "Peshawar", "Mardan", "Swat"],
    "BD": ["Dhaka", "Sylhet", "Comilla", "Chittagong", "Noakhali", "Tangail", "Brahmanbaria"],
    "IQ": ["Baghdad", "Erbil", "Sulaymaniyah", "Duhok", "Mosul", "Basra", "Najaf"],
}


def _phone(rng: random.Random, country: str) -> str:
    """A mobile number of the country that the form accepts (not every prefix is in use)."""
    while True:
        if country == "PK":
            text = f"+92 3{rng.randint(0, 4)}{rng.randint(0, 9)} {rng.randint(1000000, 9999999)}"
        elif country == "BD":
            text = f"+880 1{rng.choice('3456789')}{rng.randint(10000000, 99999999)}"
        else:
            text = f"+964 7{rng.choice('5789')}{rng.randint(0, 9)} {rng.randint(1000000, 9999999)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(text)):
            return text


def _national_id(rng: random.Random, country: str) -> str:
    if country == "PK":
        return f"{rng.randint(10000, 99999)}-{rng.randint(1000000, 9999999)}-{rng.randint(1, 9)}"
    if country == "BD":
        return str(rng.randint(10 ** 9, 10 ** 10 - 1))
    return str(rng.randint(10 ** 11, 10 ** 12 - 1))


def _person(rng: random.Random, common: bool = False) -> Person:
    country = rng.choice(list(NAMES))
    sex = rng.choice(["male", "female"])
    names = NAMES[country]
    # Common names: the first few of each list, as in real registries.
    pool = (lambda items: items[:3]) if common else (lambda items: items)
    return Person(
        country=country, sex=sex,
        given=rng.choice(pool(names[sex])), family=rng.choice(pool(names["family"])),
        birth_year=rng.randint(1960, 2006),
        phone=_phone(rng, country) if rng.random() < 0.8 else "",
        national_id=_national_id(rng, country) if rng.random() < 0.5 else "",
        district=rng.choice(DISTRICTS[country]),
        father=_father(rng, country),
    )


def _father(rng: random.Random, country: str) -> tuple[list[str], str]:
    fathers = FATHERS[country]
    return rng.choices(fathers, weights=[1 / rank for rank in range(1, len(fathers) + 1)])[0]


# Letters next to each other on a QWERTY keyboard: the wrong letter a slip of the finger types.
_NEIGHBOUR_KEYS = {
    "a": "qsz", "b": "vgn", "c": "xvd", "d": "sfe", "e": "wrd", "f": "dgr", "g": "fht",
    "h": "gjy", "i": "uok", "j": "hku", "k": "jli", "l": "ko", "m": "nj", "n": "bmh",
    "o": "ipl", "p": "o", "q": "wa", "r": "eft", "s": "adw", "t": "rgy", "u": "yij",
    "v": "cbf", "w": "qes", "x": "zc", "y": "tuh", "z": "xa",
}


def _typo(rng: random.Random, word: str) -> str:
    """One typing mistake inside ``word`` (not on its first or last letter)."""
    if len(word) < 4:
        return word
    index = rng.randint(1, len(word) - 2)
    kind = rng.choice(["drop", "double", "swap", "wrong"])
    if kind == "drop":
        return word[:index] + word[index + 1:]
    if kind == "double":
        return word[:index] + word[index] + word[index:]
    if kind == "wrong":
        wrong = rng.choice(_NEIGHBOUR_KEYS.get(word[index].lower(), "e"))
        return word[:index] + wrong + word[index + 1:]
    if index + 1 >= len(word) - 1:
        index -= 1
    return word[:index] + word[index + 1] + word[index] + word[index + 2:]


def _typo_in_name(rng: random.Random, name: str) -> str:
    """A typo in one (random) word of ``name``."""
    words = name.split()
    index = rng.randrange(len(words))
    words[index] = _typo(rng, words[index])
    return " ".join(words)


def _father_as_typed(rng: random.Random, person: Person) -> str:
    """The father's name as one record gives it, or '' (not asked, not known)."""
    if rng.random() >= FATHER_GIVEN:
        return ""
    spellings, native = person.father
    if rng.random() < 0.3:
        return native
    name = rng.choice(spellings)
    words = name.split()
    if len(words) > 1 and words[0] in ("Muhammad", "Mohammad", "Md") and rng.random() < 0.15:
        name = " ".join(words[1:])
    if rng.random() < TYPO_RATE_FATHER:
        name = _typo_in_name(rng, name)
    return name


def first_record(rng: random.Random, person: Person) -> ClientData:
    native = rng.random() < 0.5
    return ClientData(
        given_name=person.given[0][0], family_name=person.family[0][0],
        given_name_native=person.given[1] if native else "",
        family_name_native=person.family[1] if native else "",
        sex=person.sex, nationality=person.country, migration_status="intending",
        birth_year=person.birth_year, phone=person.phone, national_id=person.national_id,
        district=person.district if rng.random() < 0.8 else "", consent_services=True,
        father_name=_father_as_typed(rng, person),
    )


def second_record(rng: random.Random, person: Person) -> ClientData:
    """The same person typed again, by someone else, months later: another Latin spelling
    (sometimes with a typo), the name in the native script or not, the birth year sometimes one
    off, the same phone, none or a new one, the ID given or not, the district given or not."""
    given = rng.choice(person.given[0])
    family = rng.choice(person.family[0])
    if rng.random() < TYPO_RATE_GIVEN:
        given = _typo_in_name(rng, given)
    elif rng.random() < TYPO_RATE_FAMILY:
        family = _typo_in_name(rng, family)
    native = rng.random() < 0.5
    phone_roll = rng.random()
    phone = person.phone if phone_roll < 0.5 else (
        "" if phone_roll < 0.8 else _phone(rng, person.country))
    return ClientData(
        given_name=given, family_name=family,
        given_name_native=person.given[1] if native else "",
        family_name_native=person.family[1] if native else "",
        sex=person.sex, nationality=person.country, migration_status="intending",
        birth_year=person.birth_year + (rng.choice([-1, 1]) if rng.random() < 0.15 else 0),
        phone=phone,
        national_id=person.national_id if rng.random() < 0.4 else "",
        district=person.district if rng.random() < 0.7 else "",
        consent_services=True,
        father_name=_father_as_typed(rng, person),
    )


def different_person(rng: random.Random, person: Person, hard: bool) -> ClientData:
    """Somebody else with the same (common) name: born in any year of the population's range
    or, for the hard half, within a year of the first person; own district, phone, ID and
    father (drawn from the same common fathers' names, so sometimes the same one)."""
    year = person.birth_year + rng.choice([-1, 0, 1]) if hard else rng.randint(1960, 2006)
    other = replace(person, birth_year=year,
                    phone=_phone(rng, person.country) if rng.random() < 0.8 else "",
                    national_id=_national_id(rng, person.country) if rng.random() < 0.5 else "",
                    district=rng.choice(DISTRICTS[person.country]),
                    father=_father(rng, person.country))
    record = second_record(rng, other)
    return replace(record, birth_year=year, phone=other.phone if record.phone else "",
                   national_id=other.national_id if record.national_id else "")


def evaluation_set(pairs: int, seed: int) -> list[tuple[ClientData, ClientData, str]]:
    """(first record, second record, label); label "same", "different" or "different, born
    within a year" (the hard case: nothing but identifiers and district can tell them apart)."""
    rng = random.Random(seed)
    result = []
    for index in range(pairs):
        same = index % 2 == 0
        person = _person(rng, common=not same or rng.random() < 0.5)
        first = first_record(rng, person)
        if same:
            result.append((first, second_record(rng, person), SAME))
        else:
            hard = index % 4 == 1
            result.append((first, different_person(rng, person, hard), HARD if hard else OTHER))
    return result


SAME, OTHER, HARD = "same", "different", "different, born within a year"


def as_typed(record: ClientData) -> ClientData:
    """``record`` after the registration form: typed into ``ClientForm``, checked and cleaned
    (phone to E.164, ID to its canonical form) exactly as a counsellor's input is."""
    typed = {name: str(value) for name, value in vars(record).items()
             if value not in (None, "", False) and not isinstance(value, bool)}
    typed["consent_services"] = "y"
    form = ClientForm(formdata=MultiDict(typed), region="PK", today=date(2026, 11, 25),
                      counsellors=[])
    if not form.validate():
        raise ValueError(f"the form refuses a generated record: {form.errors}")
    return form.to_data()


def exact_match(first: ClientData, second: ClientData) -> bool:
    """What exact-match systems flag: the same phone or ID, or the same name typed the same way
    (in Latin letters or in the native script) with the birth year within one year."""
    if first.phone and second.phone and (
            set(phone_key_candidates(first.phone, "PK")) & set(phone_key_candidates(second.phone, "PK"))):
        return True
    if first.national_id and second.national_id and (
            identifier_key(first.national_id) == identifier_key(second.national_id)):
        return True
    if abs(first.birth_year - second.birth_year) > 1:
        return False
    for one, other in (((first.given_name, first.family_name), (second.given_name, second.family_name)),
                       ((first.given_name_native, first.family_name_native),
                        (second.given_name_native, second.family_name_native))):
        words = name_words(*one)
        if words and words == name_words(*other):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    app = benchmark_app(args.database_url, "mrc-eval-", BABEL_DEFAULT_LOCALE="en",
                        WTF_CSRF_ENABLED=False)
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        fresh_schema()
        seed_centres()
        centre = db.session.scalar(select(Centre).where(Centre.code == "LHR"))
        user = User(username="eval", display_name="Eval", password_hash="-",
                    role=Role.COUNSELLOR, centre_id=centre.id)
        db.session.add(user)
        db.session.commit()
        actor = Actor(user, "benchmark")

        data = [(as_typed(first), as_typed(second), label)
                for first, second, label in evaluation_set(args.pairs, args.seed)]
        firsts = [register_client(actor, first, confirmed_new=True).id for first, _, _ in data]
        counts = {"full": [0, 0, 0], "exact": [0, 0, 0]}  # true pos, false pos, false neg
        alarms = {OTHER: [0, 0], HARD: [0, 0]}  # per kind of different pair: full, exact
        shown = 0
        for (first, second, label), first_id in zip(data, firsts, strict=True):
            candidates = find_duplicates(actor, second)
            shown += len(candidates)
            flagged = {"full": any(c.client.id == first_id for c in candidates),
                       "exact": exact_match(first, second)}
            for column, (mode, hit) in enumerate(flagged.items()):
                if hit and label == SAME:
                    counts[mode][0] += 1
                elif hit:
                    counts[mode][1] += 1
                    alarms[label][column] += 1
                elif label == SAME:
                    counts[mode][2] += 1
        print(f"{db.engine.dialect.name}: {len(data)} labelled pairs, seed {args.seed}: "
              f"{sum(1 for *_, label in data if label == SAME)} same person, "
              f"{sum(1 for *_, label in data if label == OTHER)} different people sharing a "
              f"common name, {sum(1 for *_, label in data if label == HARD)} of them also born "
              "within a year of each other")
        for column, (mode, label) in enumerate((("full", "duplicate warning"),
                                                 ("exact", "exact match only"))):
            tp, fp, fn = counts[mode]
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            print(f"{label:18s} precision {precision:.3f}  recall {recall:.3f}  "
                  f"(found {tp}, missed {fn}; false alarms {fp}: {alarms[OTHER][column]} "
                  f"common name, {alarms[HARD][column]} common name born within a year)")
        print(f"candidates shown per check: {shown / len(data):.2f} on average")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
