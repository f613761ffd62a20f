"""Cross-script name matching: sound keys, search and the duplicate warning (issue #7)."""

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, func, select

from mrc.clients.cli import rebuild_search_keys_command
from mrc.clients.models import Client, ClientSearchKey
from mrc.clients.name_sounds import sound_keys
from mrc.clients.search_keys import name_sound_keys, name_words
from mrc.extensions import db
from tests.conftest import login
from tests.test_clients import client_count, register, search

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
]
# Different names that must stay apart. (Not all can: "Muhammad" and "Mahmood" are محمد and
# محمود, the same consonants; the duplicate ranking has to tell such names apart.)
DIFFERENT = [("Usman", "Usmani"), ("Ali", "Aleem"), ("Yasmin", "Usman"), ("Karim", "Rahim"),
             ("Fatima", "Fahim"), ("Hassan", "Hussam"), ("Begum", "Bibi")]


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
    text = search(counsellor, "mohammed usman").get_data(as_text=True)
    assert "2 people found" in text
    # The same spelling comes before the Urdu-script registration that only sounds the same.
    assert text.index("Mohammed") < text.index("Osmani")
    assert "0 people found" in search(counsellor, "ahmed usman").get_data(as_text=True)


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
    assert "same name, same birth year, same district" in text
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
    after = sorted(db.session.execute(select(ClientSearchKey.kind, ClientSearchKey.value)).all())
    assert after == before
    assert ("sound", "mhmd") in after and ("sound", "asmn") in after
    assert db.session.scalar(select(func.count()).select_from(Client)) == 1
