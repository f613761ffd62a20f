"""Seven languages: catalogues complete and well-formed, right lang/dir, no English left."""

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from mrc import TRANSLATIONS_FOLDER
from mrc.clients.models import Client
from mrc.extensions import db
from mrc.i18n import LANGUAGES, RIGHT_TO_LEFT
from tests.conftest import login, post_form
from tests.test_clients import register

OTHER_LOCALES = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")


def catalogue(locale: str):
    path = Path(TRANSLATIONS_FOLDER) / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def template_ids() -> set:
    with (Path(TRANSLATIONS_FOLDER) / "messages.pot").open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_catalogue_is_complete_without_fuzzy_or_empty_messages(locale):
    messages = [m for m in catalogue(locale) if m.id]
    assert {m.id for m in messages} == template_ids(), "catalogue out of date: run pybabel update"
    for message in messages:
        assert not message.fuzzy, message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {message.id!r}"


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_placeholders_match_the_english(locale):
    for message in catalogue(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0])) | set(PLACEHOLDER.findall(ids[-1]))
        for translated in strings:
            found = set(PLACEHOLDER.findall(translated))
            # A plural form for "one" may spell the number out; it may not invent placeholders.
            assert found == wanted or (len(ids) > 1 and found < wanted), (ids[0], translated)
            # Stray % signs would break formatting.
            assert not re.search(r"%(?!\([a-z_]+\)[sd]|%)", translated), (ids[0], translated)


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_compiled_catalogue_is_up_to_date(locale):
    mo_path = Path(TRANSLATIONS_FOLDER) / locale / "LC_MESSAGES" / "messages.mo"
    assert mo_path.exists(), "run: pybabel compile -d translations"
    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    with mo_path.open("rb") as handle:
        compiled = {frozen(m.id): frozen(m.string) for m in read_mo(handle) if m.id}
    source = {frozen(m.id): frozen(m.string) for m in catalogue(locale) if m.id}
    assert compiled == source, "messages.mo is older than messages.po: run pybabel compile"


def test_glossary_covers_every_locale():
    glossary = Path(TRANSLATIONS_FOLDER) / "GLOSSARY.md"
    text = glossary.read_text("utf-8")
    terms = [line for line in (Path(TRANSLATIONS_FOLDER) / "glossary" / "terms.txt")
             .read_text("utf-8").splitlines() if line and not line.startswith("#")]
    for term in terms:
        row = next((line for line in text.splitlines() if line.startswith(f"| {term} |")), None)
        assert row, f"glossary misses {term}"
        assert row.count("|") == len(LANGUAGES) + 1 and "|  |" not in row


# --- pages ------------------------------------------------------------------------------------

class _VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes, labels in attributes, button values."""

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name in ("placeholder", "aria-label", "title", "alt"):
            if values.get(name):
                self.chunks.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.chunks.append(values["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


ACRONYMS = {"MRC", "CNIC", "NID", "ID", "PDO"}
# Names people see in Latin letters whatever the language.
BRAND_NAMES = {"WhatsApp", "Imo", "Viber", "Excel"}


def english_left(html: str, data_values: set[str]) -> list[str]:
    """Chunks of Latin-letter words that are neither data nor acronyms."""
    parser = _VisibleText()
    parser.feed(html)
    leftovers = []
    for chunk in parser.chunks:
        for value in sorted(data_values, key=len, reverse=True):
            chunk = chunk.replace(value, " ")
        words = [w for w in re.findall(r"[A-Za-z]{3,}", chunk)
                 if w not in ACRONYMS | BRAND_NAMES and not w.isupper()]
        if words:
            leftovers.append(chunk.strip())
    return leftovers


def _data_values(staff, client_row) -> set[str]:
    values = {"English"}  # the switcher names each language in its own language
    for user in (staff.lhr_counsellor, staff.lhr_manager, staff.isb_counsellor, staff.admin):
        values |= {user.username, user.display_name}
    values |= {client_row.full_name, client_row.given_name, client_row.family_name,
               client_row.district, client_row.centre.name, client_row.reference}
    from mrc.centres.services import all_centres

    values |= {centre.name for centre in all_centres()}
    values |= {centre.city for centre in all_centres()}
    return {value for value in values if value}


def _casework(staff, client_row) -> dict:
    """One of each casework record at Lahore, made through the services."""
    from datetime import timedelta

    from mrc.actor import Actor
    from mrc.centres.services import centre_today
    from mrc.counselling.services import SessionData, log_session
    from mrc.database import utcnow
    from mrc.group_sessions.services import GroupSessionData, add_attendee, create_group_session
    from mrc.partners.models import Partner
    from mrc.partners.services import seed_partners
    from mrc.referrals.services import ReferralData, make_referral

    actor = Actor(staff.lhr_counsellor)
    today = centre_today(client_row.centre)
    seed_partners()
    partner = db.session.scalar(select(Partner).where(Partner.name.like("Protectorate%Lahore")))
    client_row.consent_referral_sharing = True
    db.session.commit()
    counselling = log_session(actor, client_row, SessionData(
        held_at=utcnow() - timedelta(hours=1), counsellor_id=staff.lhr_counsellor.id,
        channel="walk_in", duration_minutes=20, topics=["legal_pathways"],
        follow_up_on=today + timedelta(days=2)))
    group = create_group_session(actor, GroupSessionData(
        kind="pdo", starts_at=utcnow() - timedelta(hours=2), venue="MRC Lahore",
        venue_type="centre", topics="legal_pathways", destination_country="SA"))
    add_attendee(actor, group, client_row)
    referral = make_referral(actor, client_row, ReferralData(
        partner_id=partner.id, service="emigration_registration", reason="Clearance",
        urgency="routine", follow_up_due=today + timedelta(days=7)))
    return {"counselling": counselling.id, "group": group.id, "partner": partner.id,
            "partner_name": partner.name, "referral": referral.id}


def _manager_pages(client_row, staff, casework):
    c = casework
    return [
        ("GET", "/counselling/mine", None),
        ("GET", f"/clients/{client_row.id}/counselling/new", None),
        ("POST", f"/clients/{client_row.id}/counselling/new", {"duration_minutes": "0"}),
        ("GET", f"/counselling/{c['counselling']}", None),
        ("GET", f"/counselling/{c['counselling']}/edit", None),
        ("GET", "/group-sessions/", None),
        ("GET", "/group-sessions/new", None),
        ("POST", "/group-sessions/new", {"kind": "pdo"}),
        ("GET", f"/group-sessions/{c['group']}", None),
        ("GET", f"/group-sessions/{c['group']}/edit", None),
        ("GET", f"/group-sessions/{c['group']}/sheet", None),
        ("GET", "/partners/", None),
        ("GET", "/partners/new", None),
        ("GET", f"/partners/{c['partner']}", None),
        ("GET", f"/partners/{c['partner']}/edit", None),
        ("GET", "/referrals/", None),
        ("GET", "/referrals/?show=all", None),
        ("GET", f"/clients/{client_row.id}/referrals/new", None),
        ("POST", f"/clients/{client_row.id}/referrals/new", {"reason": ""}),
        ("GET", f"/referrals/{c['referral']}", None),
        ("GET", "/sheets/", None),
        ("GET", "/sheets/copies", None),
        ("POST", "/sheets/copies", {"copies": "0"}),
        ("GET", "/stats/", None),
        ("GET", "/stats/?month=" + date.today().strftime("%Y-%m"), None),  # this month: figures
        ("GET", "/stats/submit?month=2026-03", None),
        ("GET", "/", None),
        ("GET", "/clients/", None),
        ("POST", "/clients/", {"term": "usman"}),
        # Why each person matched: the phone and ID, and a name spelled differently.
        ("POST", "/clients/", {"term": "0300 1234567"}),
        ("POST", "/clients/", {"term": "35202-1234567-1"}),
        ("POST", "/clients/", {"term": "mohamad usmaan"}),
        ("POST", "/clients/", {"term": "nobody at all"}),
        ("POST", "/clients/register", {"term": "Ali Raza", "start": "1"}),
        ("POST", "/clients/register", {"given_name": "X" * 200, "birth_year": "2090",
                                       "national_id": "123", "phone": "123"}),
        ("GET", f"/clients/{client_row.id}", None),
        ("GET", f"/clients/{client_row.id}/edit", None),
        ("GET", f"/clients/{client_row.id}/privacy", None),
        ("POST", f"/clients/{client_row.id}/consent", {"on": "2099-01-01"}),
        ("GET", f"/clients/{client_row.id}/corrections", None),
        ("GET", f"/clients/{client_row.id}/anonymise", None),
        ("POST", f"/clients/{client_row.id}/anonymise", {"reference": "wrong"}),
        ("GET", "/clients/retention", None),
        ("GET", "/users/", None),
        ("GET", "/users/new", None),
        ("GET", f"/users/{staff.lhr_counsellor.id}", None),
        ("GET", "/account/password", None),
        ("POST", "/account/password", {"current_password": "wrong one", "new_password": "short",
                                       "confirm_password": "different"}),
        ("GET", "/no/such/page", None),
    ]


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_no_english_left_on_the_pages_counsellors_and_managers_use(app, client, staff, locale):
    counsellor = app.test_client()
    login(counsellor, staff.lhr_counsellor)
    register(counsellor)
    client_row = db.session.scalar(select(Client))
    casework = _casework(staff, client_row)
    from mrc.partners.models import Partner

    partner_names = set(db.session.scalars(select(Partner.name)))
    partner_names |= set(db.session.scalars(select(Partner.city)))
    data_values = _data_values(staff, client_row) | partner_names | {"MRC Lahore", "Clearance"}

    anonymous = app.test_client()
    post_form(anonymous, "/language", {"locale": locale}, token_from="/login")
    login_page = anonymous.get("/login").get_data(as_text=True)
    problems = {"/login": english_left(login_page, data_values)}

    login(client, staff.lhr_manager)
    post_form(client, "/language", {"locale": locale})
    for method, path, body in _manager_pages(client_row, staff, casework):
        if method == "GET":
            html = client.get(path).get_data(as_text=True)
        else:
            html = post_form(client, path, body, token_from="/clients/").get_data(as_text=True)
        assert f'lang="{locale.replace("_", "-")}"' in html, path
        problems[f"{method} {path}"] = english_left(html, data_values)
    problems = {page: left for page, left in problems.items() if left}
    assert problems == {}


@pytest.mark.parametrize("locale", list(LANGUAGES))
def test_pages_carry_lang_and_direction(client, staff, locale):
    login(client, staff.lhr_counsellor)
    post_form(client, "/language", {"locale": locale})
    html = client.get("/clients/").get_data(as_text=True)
    direction = "rtl" if locale in RIGHT_TO_LEFT else "ltr"
    assert f'<html lang="{locale.replace("_", "-")}" dir="{direction}">' in html


def test_locale_order_user_then_session_then_browser_then_centre(app, client, staff):
    # Browser language for an anonymous visitor.
    assert 'lang="bn"' in client.get("/login", headers={"Accept-Language": "bn"}).get_data(as_text=True)
    # Centre default when the browser asks for nothing we have.
    login(client, staff.lhr_counsellor)
    page = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'lang="ur"' in page  # Lahore's default
    # A choice in this session beats the browser, and is saved on the user.
    post_form(client, "/language", {"locale": "ckb"})
    assert 'lang="ckb"' in client.get("/", headers={"Accept-Language": "bn"}).get_data(as_text=True)
    db.session.refresh(staff.lhr_counsellor)
    assert staff.lhr_counsellor.preferred_locale == "ckb"
    # The saved preference follows the user to a new session.
    other = app.test_client()
    login(other, staff.lhr_counsellor)
    assert 'lang="ckb"' in other.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_dari_is_chosen_for_persian_browsers(client):
    page = client.get("/login", headers={"Accept-Language": "fa-AF,fa;q=0.9"}).get_data(as_text=True)
    assert 'lang="fa-AF" dir="rtl"' in page


def test_language_switcher_names_each_language_in_its_own_script(client):
    page = client.get("/login").get_data(as_text=True)
    for code, own_name in LANGUAGES.items():
        assert f'value="{code}"' in page and own_name in page


def test_validation_messages_come_in_the_chosen_language(app, client, staff):
    login(client, staff.lhr_counsellor)
    post_form(client, "/language", {"locale": "ur"})
    page = register(client, birth_year="2090").get_data(as_text=True)
    error = re.search(r'id="birth_year-error">(.*?)</p>', page, re.S).group(1)
    assert re.search("[\u0600-\u06ff]", error) and "future" not in error


def test_fonts_are_served_locally(client):
    with client.get("/static/css/app.css") as response:
        css = response.get_data(as_text=True)
    fonts = re.findall(r'url\("\.\./fonts/([^"]+)"\)', css)
    assert len(fonts) == 6
    for font in fonts:
        with client.get(f"/static/fonts/{font}") as response:
            assert response.status_code == 200 and response.mimetype == "font/woff2"
    assert "Nastaliq" in css and "http" not in css


def test_the_english_detector_finds_english(client, staff):
    """The check above is only worth something if it sees English where there is some."""
    login(client, staff.lhr_manager)
    post_form(client, "/language", {"locale": "en"})
    leftovers = english_left(client.get("/clients/").get_data(as_text=True), set())
    assert "Clients" in leftovers and "Search" in leftovers


def test_example_numbers_keep_their_order_in_right_to_left_text(client, staff):
    """Phone examples are left-to-right isolates, so their digit groups are not reversed."""
    login(client, staff.lhr_counsellor)
    post_form(client, "/language", {"locale": "ar"})
    page = register(client, phone="12").get_data(as_text=True)
    assert "\u2066+92 300 1234567\u2069" in page  # the error beside the field
    assert "\u20660300 1234567\u2069" in page  # the help text


def test_lists_are_joined_as_each_language_joins_them(app):
    """Topics, reasons of a duplicate warning and centres were joined with a Latin ", " in
    every language; Urdu and Persian-script languages write "،" and "and" before the last."""
    from flask_babel import force_locale

    from mrc.i18n import format_item_list

    with app.test_request_context():
        for locale, joined in (("en", "A, B, and C"), ("ur", "A، B، اور C"),
                               ("ar", "A وB وC"), ("ps", "A، B، او C"), ("bn", "A, B এবং C")):
            with force_locale(locale):
                assert format_item_list(["A", "B", "C"]) == joined, locale
                assert format_item_list(["A"]) == "A"
                assert format_item_list([]) == ""


def test_a_group_sessions_topics_are_joined_in_urdu(client, staff):
    from mrc.extensions import db
    from tests.conftest import login, post_form
    from tests.test_group_sessions import group_session

    row = group_session(staff.lhr_counsellor)
    row.topics = "legal_pathways remittances"
    db.session.commit()
    login(client, staff.lhr_counsellor)
    post_form(client, "/language", {"locale": "ur"})
    page = client.get(f"/group-sessions/{row.id}").get_data(as_text=True)
    topics = re.search(r"<dd>([^<]*اور[^<]*)</dd>", page)
    assert topics and ", " not in topics.group(1), topics


def test_client_languages_cldr_does_not_name_are_named_in_the_ui_language(client, staff):
    """Saraiki showed in Urdu script ("سرائیکی") on English and Bengali registration forms."""
    from tests.conftest import login, post_form

    login(client, staff.lhr_counsellor)
    for locale, saraiki, balochi in (("en", "Saraiki", "Baluchi"), ("bn", "সরাইকি", "বেলুচী"),
                                     ("ur", "سرائیکی", "بلوچی")):
        post_form(client, "/language", {"locale": locale})
        page = post_form(client, "/clients/register", {"start": "1", "term": "Usman"},
                         token_from="/clients/").get_data(as_text=True)
        assert f'<label for="languages-5">{saraiki}</label>' in page, locale
        assert f'<label for="languages-4">{balochi}</label>' in page, locale


def test_a_clients_languages_are_joined_in_urdu(client, staff):
    """The client page joined the languages spoken with a Latin ", " on Urdu pages."""
    from tests.conftest import login, post_form
    from tests.test_clients import register

    login(client, staff.lhr_counsellor)
    response = register(client, languages=["ur", "pa", "skr"])
    post_form(client, "/language", {"locale": "ur"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dd>اردو، پنجابی، اور سرائیکی</dd>" in page
