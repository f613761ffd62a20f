"""Cross-script name matching: sound keys, search and the duplicate warning (issue #7)."""

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from mrc.actor import Actor
from mrc.clients import services
from mrc.clients.cli import rebuild_search_keys_command
from mrc.clients.matching import one_typo_apart
from mrc.clients.models import Client, ClientSearchKey
from mrc.clients.name_sounds import sound_keys
from mrc.clients.search_keys import keys_for, name_sound_keys, name_words, spelling_variants
from mrc.extensions import db
from tests.conftest import login, post_form
from tests.test_clients import client_count, register, search, why_found

# Spellings of one name, in Latin letters, Arabic script and Bengali: each group must meet.
SAME_NAME = [
    ["Muhammad", "Mohammed", "Mohamed", "Muhammed", "Md.", "Mohd", "محمد", "মোহাম্মদ", "মুহাম্মদ"],
    ["Usman", "Osman", "Usmaan", "عثمان"],
    ["Hussain", "Husain", "Hussein", "حسین"],
    ["Begum", "Begom", "بیگم", "বেগম"],
    ["Rokeya", "Rukaiya", "রোকেয়া"],
    ["Abdul Rahman", "Abd al-Rahman", "Abdur Rahman", "عبدالرحمن", "عبد الرحمن", "আব্দুর রহমান"],
    ["Fatima", "Fatimah", "فاطمہ", "ফাতেমা"],
    ["Chowdhury", "চৌধুরী", "چودھری"],
    ["Yasmin", "یاسمین", "ইয়াসমিন"],
    ["Ali", "علی", "علي"],
    ["Ibrahim", "ابراہیم", "إبراهيم"],
    ["Zia ul Haq", "ضیاءالحق"],
    ["Islam", "ইসলাম"],
    ["Karim", "Kareem", "کریم", "করিম"],
    ["Mahmood", "Mehmood", "Mahmud", "Mahmoud", "محمود", "মাহমুদ"],
    ["Allah Ditta", "اللہ دتہ"],
]
# Different names that must stay apart ("Muhammad" and "Mahmood", محمد and محمود, have the
# same consonants: Mahmood keeps its long vowel).
DIFFERENT = [("Usman", "Usmani"), ("Ali", "Aleem"), ("Yasmin", "Usman"), ("Karim", "Rahim"),
             ("Fatima", "Fahim"), ("Hassan", "Hussam"), ("Begum", "Bibi"),
             ("Muhammad", "Mahmood"), ("محمد", "محمود"), ("মোহাম্মদ", "মাহমুদ")]


def keys(name: str) -> list[str]:
    return sound_keys(name_words(name))


@pytest.mark.parametrize("spellings", SAME_NAME, ids=lambda group: group[0])
def test_spellings_and_scripts_of_one_name_share_a_sound_key(spellings):
    assert len({tuple(keys(spelling)) for spelling in spellings}) == 1, {
        spelling: keys(spelling) for spelling in spellings}
    assert keys(spellings[0])  # never empty


@pytest.mark.parametrize("one, other", DIFFERENT)
def test_different_names_keep_different_sound_keys(one, other):
    assert keys(one) != keys(other)


def test_sound_keys_ignore_articles_and_punctuation():
    assert name_sound_keys("al-Hassan") == name_sound_keys("Hassan") == name_sound_keys("الحسن")
    assert name_sound_keys("") == [] and name_sound_keys("---") == []


@pytest.fixture
def counsellor(client, staff):
    login(client, staff.lhr_counsellor)
    return client


def test_searching_latin_finds_the_urdu_script_registration(counsellor):
    # Registered with a Latin name that shares no word prefix with the search.
    register(counsellor, given_name="M", family_name="Osmani Khan", given_name_native="محمد",
             family_name_native="عثمان", phone="", national_id="")
    register(counsellor, given_name="Mohammed", family_name="Usman", given_name_native="",
             family_name_native="", phone="", national_id="", birth_year="1970",
             confirmed_new="yes")
    urdu, latin = db.session.scalars(select(Client.reference).order_by(Client.id))
    response = search(counsellor, "mohammed usman")
    text = response.get_data(as_text=True)
    assert "2 people found" in text
    # The same spelling comes before the Urdu-script registration that only sounds the same.
    assert text.index("Mohammed") < text.index("Osmani")
    assert why_found(response) == {latin: "name as typed",
                                   urdu: "name written in another script"}
    assert why_found(search(counsellor, "muhamad usmaan")) == {
        latin: "name spelled differently", urdu: "name written in another script"}
    assert why_found(search(counsellor, "محمد عثمان")) == {
        urdu: "name as typed", latin: "name written in another script"}
    assert why_found(search(counsellor, "محمد عسمان")) == {
        urdu: "name spelled differently", latin: "name written in another script"}
    assert "0 people found" in search(counsellor, "ahmed usman").get_data(as_text=True)
    # In the user's language.
    post_form(counsellor, "/language", {"locale": "ur"})
    assert why_found(search(counsellor, "mohammed usman")) == {
        latin: "نام جیسا لکھا گیا", urdu: "نام دوسرے رسم الخط میں"}


def test_registering_rokeya_begum_warns_about_the_bengali_registration(counsellor):
    register(counsellor, given_name="R", family_name="B", given_name_native="রোকেয়া",
             family_name_native="বেগম", sex="female", nationality="BD", phone="",
             national_id="", birth_year="1990")
    text = register(counsellor, given_name="Rokeya", family_name="Begum", given_name_native="",
                    family_name_native="", sex="female", nationality="BD", phone="",
                    national_id="", birth_year="1991").get_data(as_text=True)
    assert "This person may be registered already" in text
    assert "name written in another script, born within a year" in text
    assert client_count() == 1
    # Born ten years apart: a common name alone does not warn.
    other_year = register(counsellor, given_name="Rokeya", family_name="Begum",
                          given_name_native="", family_name_native="", sex="female",
                          nationality="BD", phone="", national_id="", birth_year="1980")
    assert other_year.status_code == 302


def test_the_same_spelling_is_not_reported_twice(counsellor):
    register(counsellor)
    text = register(counsellor, phone="", national_id="").get_data(as_text=True)
    assert "same name, same birth year, and same district" in text
    assert "spelled differently" not in text and "another script" not in text


def test_rebuild_command_recreates_every_key(app, counsellor):
    register(counsellor)
    before = sorted(db.session.execute(
        select(ClientSearchKey.kind, ClientSearchKey.value)).all())
    db.session.execute(delete(ClientSearchKey))
    db.session.commit()
    result = CliRunner().invoke(rebuild_search_keys_command, obj=app.extensions.get("script_info"),
                                catch_exceptions=False, standalone_mode=False)
    assert "Rebuilt the search keys of 1 clients" in result.output
    # Not a terminal: the progress is written as lines (mrc.progress).
    assert "Clients: 1 of 1 (100%)" in result.output
    after = sorted(db.session.execute(select(ClientSearchKey.kind, ClientSearchKey.value)).all())
    assert after == before
    assert ("sound", "mhmd") in after and ("sound", "asmn") in after
    assert db.session.scalar(select(func.count()).select_from(Client)) == 1


def test_latin_dh_is_read_both_ways():
    # Iraqi "dh" is ظ/ذ/ض (Kadhim = Kazim = كاظم); South Asian "dh" an aspirated d.
    kadhim = {key for variant in spelling_variants("Kadhim") for key in name_sound_keys(variant)}
    assert set(name_sound_keys("Kazim")) <= kadhim and set(name_sound_keys("كاظم")) <= kadhim
    assert set(name_sound_keys("چودھری")) <= set(name_sound_keys("Chaudhry"))


@pytest.mark.parametrize("one, other, apart", [
    ("krm", "km", True), ("kdm", "kzm", True), ("asmn", "samn", True), ("mlk", "mllk", True),
    ("krm", "krm", False), ("krm", "kmr", True), ("krm", "rkm", True), ("asmn", "snma", False),
    ("krm", "k", False),
])
def test_one_typo_apart(one, other, apart):
    assert one_typo_apart(one, other) is apart
    assert one_typo_apart(other, one) is apart


def test_keys_of_a_client_survive_one_typo_and_include_the_father():
    keys = keys_for(names=["Karim Islam", ""], phone_e164="", national_id="",
                    father_name="Muhammad Aslam")
    typo = {value for kind, value in keys if kind == "typo"}
    # "Kaim" (r dropped) has key "km": a one-letter deletion of "krm", stored as a typo key.
    assert "km" in typo and "krm" in typo
    assert {("father", "mhmd"), ("father", "aslm")} <= set(keys)
    assert keys_for(names=["Ali"], phone_e164="", national_id="") == [
        ("name", "ali"), ("sound", "ala"), ("typo", "ala"), ("typo", "la"), ("typo", "aa"),
        ("typo", "al")]


def test_a_typo_warns_when_other_evidence_agrees(counsellor):
    register(counsellor, phone="", national_id="")  # Muhammad Usman, 1994, Lahore
    alone = register(counsellor, given_name="Muhammad", family_name="Usmna",
                     given_name_native="", family_name_native="", phone="", national_id="",
                     district="")
    assert alone.status_code == 302  # a name one typo away and the birth year: not enough
    text = register(counsellor, given_name="Muhammed", family_name="Usmna",
                    given_name_native="", family_name_native="", phone="", national_id="",
                    district="Lahore").get_data(as_text=True)
    assert "name spelled differently, same birth year, and same district" in text


def test_fathers_name_is_evidence_for_and_against(counsellor):
    register(counsellor, phone="", national_id="", district="", father_name="Muhammad Aslam")
    same_father = register(counsellor, given_name="Mohammad", given_name_native="",
                           family_name_native="", phone="", national_id="", district="",
                           birth_year="1995", father_name="محمد اسلم").get_data(as_text=True)
    assert "name spelled differently, born within a year, and father&#39;s name spelled " \
           "differently" in same_father
    other_father = register(counsellor, phone="", national_id="", district="",
                            father_name="Ghulam Rasool")
    assert other_father.status_code == 302  # same name and year, another father: no warning
    assert client_count() == 2


def test_father_s_name_is_saved_shown_and_keyed(counsellor):
    response = register(counsellor, father_name="  Muhammad   Aslam ")
    row = db.session.scalar(select(Client))
    assert row.father_name == "Muhammad Aslam"
    page = counsellor.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Father's name</dt><dd><bdi>Muhammad Aslam</bdi></dd>" in page
    assert db.session.scalar(select(func.count()).select_from(ClientSearchKey).where(
        ClientSearchKey.client_id == row.id, ClientSearchKey.kind == "father")) == 2


def test_a_common_name_alone_does_not_flood_the_warning(app, staff):
    with app.test_request_context():
        actor = Actor(staff.lhr_counsellor, "test")
        for number in range(14):
            services.register_client(actor, services.ClientData(
                given_name="Muhammad", family_name="Khan", sex="male", nationality="PK",
                migration_status="intending", birth_year=1990, consent_services=True,
                phone=f"+92300123{number:04d}"), confirmed_new=True)
        same_year = services.ClientData(given_name="Muhammad", family_name="Khan", sex="male",
                                        nationality="PK", migration_status="intending",
                                        birth_year=1990, consent_services=True)
        assert len(services.find_duplicates(actor, same_year)) == services.MAX_DUPLICATE_CANDIDATES
        year_after = services.ClientData(**{**vars(same_year), "birth_year": 1991})
        assert services.find_duplicates(actor, year_after) == []
