"""The person's rights through the pages: everything held (JSON, PDF), corrections,
anonymisation with secure delete, consent withdrawal and its effects, and retention."""

import json
import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.auth.models import Role
from mrc.centres.services import centre_today
from mrc.clients import privacy
from mrc.clients.models import Client, ClientSearchKey
from mrc.clients.privacy_models import ClientConsentChange, ClientCorrection
from mrc.counselling.models import CounsellingSession
from mrc.extensions import db
from mrc.partners.models import Partner
from mrc.partners.services import seed_partners
from mrc.referrals import services as referrals
from mrc.referrals.models import Referral
from mrc.stats.services import monthly_statistics
from tests.conftest import centre, login, make_user, post_form
from tests.test_clients import VALID, register
from tests.test_stats import MARCH, counsel, group_session, make_client, refer, utc
from tests.test_stats import data as data  # noqa: F401,PLC0414  (the statistics fixture)

NATIONAL_ID = "35202-7418529-3"
NAME, FAMILY, NATIVE = "Zarghunaxq", "Qizilbashvy", "زرغونہ"
FATHER = "Qurbanalixq Durranivy"
NOTE = "Smuggler named Qwertyhan offered a visa"


@pytest.fixture
def manager(client, staff):
    login(client, staff.lhr_manager)
    return client


def registered(test_client, **changes) -> Client:
    response = register(test_client, **changes)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    return db.session.scalar(select(Client).order_by(Client.id.desc()))


def edit(test_client, row: Client, **changes):
    return post_form(test_client, f"/clients/{row.id}/edit", {**VALID, **changes},
                     token_from=f"/clients/{row.id}/edit")


def audit_events(action: str, object_id: int | None = None) -> list[AuditEvent]:
    statement = select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        statement = statement.where(AuditEvent.object_id == object_id)
    return list(db.session.scalars(statement.order_by(AuditEvent.id)))


# --- everything held --------------------------------------------------------------------------

def test_json_holds_every_record_and_who_looked(manager, staff):
    row = registered(manager, languages="ur", father_name="Muhammad Aslam")
    edit(manager, row, district="Kasur", languages="ur", father_name="Muhammad Aslam",
         assigned_counsellor_id=str(row.assigned_counsellor_id))
    counsel(staff.lhr_counsellor, row, utc(2026, 3, 10, 6)).notes = NOTE
    sheets = pytest.importorskip("mrc.sheets.models")
    sheet = sheets.InfoSheet(topic="safe_migration", position=1)
    db.session.add(sheet)
    db.session.flush()
    version = sheets.SheetVersion(sheet_id=sheet.id, language="ur", number=1, title="Safe",
                                  status="published")
    db.session.add(version)
    db.session.flush()
    db.session.add(sheets.SheetPrint(centre_id=row.centre_id, sheet_version_id=version.id,
                                     topic="safe_migration", language="ur", client_id=row.id,
                                     copies=2, printed_by_id=staff.lhr_counsellor.id))
    db.session.commit()
    manager.get(f"/clients/{row.id}")

    response = manager.get(f"/clients/{row.id}/everything.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    held = json.loads(response.get_data(as_text=True))
    assert held["reference"] == row.reference
    assert held["client"]["national_id"] == "35202-1234567-1"
    assert held["client"]["given_name_native"] == "محمد"
    assert held["client"]["father_name"] == "Muhammad Aslam"
    assert held["counselling_sessions"][0]["notes"] == NOTE
    assert held["corrections"] == [{
        "changed_at": held["corrections"][0]["changed_at"], "field": "district",
        "old_value": "Lahore", "new_value": "Kasur", "changed_by": "lhr-manager"}]
    assert any({"action": "view", "username": "lhr-manager", "role": "manager"}.items()
               <= entry.items() for entry in held["access_log"])
    assert set(held["access_log"][0]) == {"at", "action", "username", "role"}
    assert set(held) >= {"consent", "group_sessions", "referrals"}
    assert [(p["topic"], p["language"], p["copies"]) for p in held["sheet_prints"]] == [
        ("safe_migration", "ur", 2)]
    export = audit_events("export", row.id)
    assert [e.summary for e in export] == ["everything held: json"]


def pdftotext(data: bytes, tmp_path: Path) -> str:
    tool = shutil.which("pdftotext")
    if not tool:
        pytest.skip("pdftotext missing: apt-get install -y poppler-utils")
    path = tmp_path / "everything.pdf"
    path.write_bytes(data)
    out = subprocess.run([tool, str(path), "-"], check=True, capture_output=True,  # noqa: S603
                         text=True).stdout
    return "".join(ch for ch in out if ch not in "\u200e\u200f\u061c\u2066\u2067\u2068\u2069")


def test_pdf_is_in_the_persons_language_with_their_reference(manager, tmp_path):
    row = registered(manager, languages=["pa", "ur"])  # no Punjabi print: Urdu is next
    assert privacy.pdf_language(row) == "ur"
    page = manager.get(f"/clients/{row.id}/privacy").get_data(as_text=True)
    assert '<option value="ur" selected' in page

    response = manager.get(f"/clients/{row.id}/everything.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdftotext(response.data, tmp_path)
    assert row.reference in text
    assert "قومی شناختی نمبر" in text  # "National ID number" in Urdu
    assert "35202-1234567-1" in text
    # Who looked at the record: the roles are named in the document's language.
    assert "مرکز کا منیجر" in text and "(manager)" not in text
    english = pdftotext(manager.get(f"/clients/{row.id}/everything.pdf?lang=en").data, tmp_path)
    assert "National ID number" in english
    assert "Father's name" in english
    assert [e.summary for e in audit_events("export", row.id)] == [
        "everything held: pdf (ur)", "everything held: pdf (en)"]


def test_pdf_gives_times_in_the_clients_centre_zone_to_an_admin_too(app, manager, staff,
                                                                     tmp_path):
    """The document goes to the person: an admin (whose pages show UTC) hands out the same
    times as the centre would."""
    from datetime import UTC, datetime

    from mrc.counselling.services import SessionData, log_session

    row = registered(manager)
    log_session(Actor(staff.lhr_counsellor), row, SessionData(
        held_at=datetime(2026, 11, 20, 5, 30, tzinfo=UTC), counsellor_id=staff.lhr_counsellor.id,
        channel="walk_in", duration_minutes=20, topics=["legal_pathways"]))
    admin = app.test_client()
    login(admin, staff.admin)
    text = pdftotext(admin.get(f"/clients/{row.id}/everything.pdf?lang=en").data, tmp_path)
    assert "Nov 20, 2026, 10:30:00" in text  # Lahore
    assert "5:30:00" not in text and "UTC" not in text


# --- corrections ------------------------------------------------------------------------------

def test_correction_history_shows_old_and_new_values_audit_keeps_names(manager):
    row = registered(manager)
    edit(manager, row, phone="0321 7654321", district="Kasur")
    page = manager.get(f"/clients/{row.id}/corrections").get_data(as_text=True)
    assert "+923001234567" in page and "+923217654321" in page
    assert "Lahore" in page and "Kasur" in page
    corrections = db.session.scalars(select(ClientCorrection).order_by(ClientCorrection.field)
                                     .where(ClientCorrection.field.in_(["district", "phone"])))
    assert [(c.field, c.old_value, c.new_value) for c in corrections] == [
        ("district", "Lahore", "Kasur"), ("phone", "+923001234567", "+923217654321")]
    for event in db.session.scalars(select(AuditEvent)):
        assert "Kasur" not in event.summary and "7654321" not in event.summary


def test_consent_changed_on_the_edit_form_is_a_consent_change(manager):
    row = registered(manager, consent_follow_up="y")
    data = {**VALID}
    edit(manager, row, **data)  # consent_follow_up missing from the body: unticked
    change = db.session.scalar(select(ClientConsentChange))
    assert (change.purpose, change.granted) == ("consent_follow_up", False)


# --- anonymisation ----------------------------------------------------------------------------

def _database_files(database_url: str) -> list[Path]:
    path = Path(database_url.removeprefix("sqlite:///"))
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


def test_anonymise_erases_identity_everywhere_including_the_database_file(
        manager, staff, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("raw file check on SQLite; PostgreSQL needs VACUUM (README)")
    row = registered(manager, given_name=NAME, family_name=FAMILY, given_name_native=NATIVE,
                     national_id=NATIONAL_ID, phone="0333 9876543", date_of_birth="1994-07-19",
                     father_name=FATHER)
    edit(manager, row, given_name=NAME, family_name=FAMILY, given_name_native=NATIVE,
         national_id=NATIONAL_ID, phone="0345 1112223", date_of_birth="1994-07-19",
         father_name=FATHER)
    counselling = counsel(staff.lhr_counsellor, row, utc(2026, 3, 10, 6))
    counselling.notes = NOTE
    db.session.commit()

    wrong = post_form(manager, f"/clients/{row.id}/anonymise",
                      {"reason": "request", "reference": "LHR-2000-000001"},
                      token_from=f"/clients/{row.id}/anonymise")
    assert wrong.status_code == 200 and "not the client" in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Client, row.id).anonymised_at is None

    done = post_form(manager, f"/clients/{row.id}/anonymise",
                     {"reason": "request", "reference": row.reference.lower()},
                     token_from=f"/clients/{row.id}/anonymise")
    assert done.status_code == 302
    db.session.expire_all()
    row = db.session.get(Client, row.id)
    assert row.anonymised_at is not None
    assert (row.given_name, row.family_name, row.national_id, row.phone, row.father_name) == (
        "", "", "", "", "")
    assert row.birth_year == 1994 and row.date_of_birth.year == 1994
    assert row.date_of_birth != date(1994, 7, 19)
    assert db.session.scalar(select(func.count()).select_from(ClientSearchKey)
                             .where(ClientSearchKey.client_id == row.id)) == 0
    assert db.session.get(CounsellingSession, counselling.id).notes == ""
    assert all(c.old_value == "" == c.new_value for c in db.session.scalars(
        select(ClientCorrection).where(ClientCorrection.client_id == row.id)))
    (event,) = audit_events("anonymise", row.id)
    assert event.summary == "anonymised; reason: request" and event.username == "lhr-manager"

    page = manager.get(f"/clients/{row.id}").get_data(as_text=True)
    assert "This record was anonymised" in page
    found = post_form(manager, "/clients/", {"term": NATIONAL_ID}, token_from="/clients/")
    assert row.reference not in found.get_data(as_text=True)

    db.session.remove()
    secrets = [NATIONAL_ID, "35202 7418529 3", "352027418529", "+923339876543", "923339876543",
               "+923451112223", NAME, NAME.lower(), FAMILY, FAMILY.lower(), NATIVE, "Qwertyhan",
               FATHER, "Qurbanalixq",
               "1994-07-19"]
    for path in _database_files(database_url):
        raw = path.read_bytes()
        for secret in secrets:
            for encoded in (secret.encode(), secret.encode("utf-16-le")):
                assert encoded not in raw, f"{secret!r} still in {path.name}"


def test_anonymisation_leaves_the_statistics_unchanged(app, staff, data):  # noqa: F811
    actor = Actor(staff.admin)

    def tables():
        return {table.key: table.values()
                for table in monthly_statistics(actor, MARCH, None).tables}

    before = tables()
    for row in db.session.scalars(select(Client).where(Client.anonymised_at.is_(None))):
        privacy.anonymise_client(Actor(staff.admin), row, "request")
    assert tables() == before


def test_stand_in_birth_date_keeps_the_age_group_at_each_activity():
    born = date(2008, 3, 20)  # 17 until 20 March 2026, then 18
    times = [utc(2026, 3, 10, 6), utc(2026, 3, 25, 6), utc(2025, 5, 1)]
    stand_in = privacy.stand_in_birth_date(born, times)
    assert stand_in == date(2008, 3, 11)
    assert privacy.stand_in_birth_date(date(1990, 8, 8), times) == date(1990, 5, 2)  # 35
    assert privacy.stand_in_birth_date(date(1960, 8, 8), times) == date(1960, 1, 1)


def test_anonymise_erases_referral_free_text(app, staff):
    seed_partners()
    row = make_client(staff.lhr_manager, "LHR", "female", created_at=utc(2026, 3, 1),
                      birth_year=1990)
    partner = db.session.scalar(select(Partner).limit(1))
    referral = refer(staff.lhr_manager, row, partner, "legal_aid", utc(2026, 3, 2), "made")
    referral.reason, referral.outcome = NOTE, NOTE
    db.session.commit()
    privacy.anonymise_client(Actor(staff.lhr_manager), row, "request")
    referral = db.session.get(Referral, referral.id)
    assert (referral.reason, referral.outcome, referral.service) == ("", "", "legal_aid")


# --- consent ----------------------------------------------------------------------------------

def consent(test_client, row, purpose, action, on=None, note=""):
    return post_form(test_client, f"/clients/{row.id}/consent",
                     {"purpose": purpose, "action": action,
                      "on": (on or centre_today(row.centre)).isoformat(), "note": note},
                     token_from=f"/clients/{row.id}/privacy")


def test_withdrawn_sharing_consent_blocks_a_new_referral(manager, staff):
    seed_partners()
    row = registered(manager, consent_referral_sharing="y")
    response = consent(manager, row, "consent_referral_sharing", "withdraw", note="By phone.")
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Client, row.id)
    assert row.consent_referral_sharing is False
    (change,) = db.session.scalars(select(ClientConsentChange))
    assert (change.purpose, change.granted, change.note) == (
        "consent_referral_sharing", False, "By phone.")
    partner = db.session.scalar(select(Partner).limit(1))
    data = referrals.ReferralData(partner_id=partner.id, service=partner.service_codes[0],
                                  reason="Needs help.", urgency="routine",
                                  follow_up_due=centre_today(row.centre))
    with pytest.raises(referrals.ConsentRefused):
        referrals.make_referral(Actor(staff.lhr_counsellor), row, data)
    page = manager.get(f"/clients/{row.id}/privacy").get_data(as_text=True)
    assert "Consent withdrawn" in page and "By phone." in page
    events = audit_events("update", row.id)
    assert events[-1].summary == "consent withdrawn: consent_referral_sharing"

    consent(manager, row, "consent_referral_sharing", "grant")
    db.session.expire_all()
    assert db.session.get(Client, row.id).consent_referral_sharing is True


def test_withdrawn_follow_up_consent_removes_follow_up_reminders(manager, staff):
    from mrc.counselling.services import follow_ups_due

    row = registered(manager, consent_follow_up="y")
    today = centre_today(row.centre)
    counsel(staff.lhr_counsellor, row, datetime.now(UTC) - timedelta(days=3),
            follow_up_on=today - timedelta(days=1))
    db.session.commit()
    assert follow_ups_due(Actor(staff.lhr_manager), today=today).overdue == 1
    consent(manager, row, "consent_follow_up", "withdraw")
    db.session.expire_all()
    withdrawn = follow_ups_due(Actor(staff.lhr_manager), today=today)
    assert (withdrawn.page.items, withdrawn.due_today, withdrawn.overdue) == ([], 0, 0)
    consent(manager, row, "consent_follow_up", "grant")
    db.session.expire_all()
    assert follow_ups_due(Actor(staff.lhr_manager), today=today).page.items


def test_follow_up_without_consent_is_marked_do_not_contact(manager, staff):
    row = registered(manager)  # never agreed to follow-up contact
    today = centre_today(row.centre)
    counsel(staff.lhr_counsellor, row, datetime.now(UTC) - timedelta(days=3),
            follow_up_on=today - timedelta(days=1))
    db.session.commit()
    home = manager.get("/").get_data(as_text=True)
    assert row.reference in home or "Usman" in home
    assert "do not contact" in home


def test_withdrawing_services_consent_offers_anonymisation(manager):
    row = registered(manager)
    response = consent(manager, row, "consent_services", "withdraw")
    assert response.headers["Location"].endswith(f"/clients/{row.id}/anonymise")


def test_consent_date_in_the_future_is_refused_beside_the_field(manager):
    row = registered(manager, consent_statistics="y")
    response = consent(manager, row, "consent_statistics", "withdraw",
                       on=centre_today(row.centre) + timedelta(days=2))
    assert response.status_code == 200
    assert 'id="on-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Client, row.id).consent_statistics is True


# --- retention --------------------------------------------------------------------------------

@pytest.fixture
def retention_data(app, staff):
    user = staff.lhr_manager
    now = datetime.now(UTC)
    old = now - timedelta(days=6 * 366)
    due = make_client(user, "LHR", "female", created_at=old, birth_year=1980)
    # Registered long ago, but counselled last year: not due.
    active = make_client(user, "LHR", "male", created_at=old, birth_year=1981)
    counsel(user, active, now - timedelta(days=300))
    # Attended a group session four years and eleven and a half months ago: due next month.
    soon = make_client(user, "LHR", "male", created_at=old, birth_year=1982)
    group_session(user, "LHR", "pre_departure", now - timedelta(days=5 * 365 - 15),
                  attendees=[soon])
    # Islamabad keeps records for ten years.
    centre("ISB").retention_years = 10
    kept = make_client(staff.isb_manager, "ISB", "female", created_at=old, birth_year=1983)
    db.session.commit()
    return {"due": due, "active": active, "soon": soon, "kept": kept}


def test_retention_due_is_computed_per_centre_from_the_last_activity(retention_data):
    due_now = {item.reference for item in privacy.clients_due_now()}
    assert due_now == {retention_data["due"].reference}


def test_retention_dry_run_lists_and_the_run_anonymises_exactly_the_due(runner,
                                                                        retention_data):
    dry = runner.invoke(args=["mrc", "retention", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert retention_data["due"].reference in dry.output
    assert retention_data["soon"].reference not in dry.output
    assert "1 clients due" in dry.output
    assert db.session.scalar(select(func.count()).select_from(Client)
                             .where(Client.anonymised_at.is_not(None))) == 0
    (listed,) = [e for e in audit_events("view") if "retention list (dry run)" in e.summary]
    assert listed.username == "system"

    run = runner.invoke(args=["mrc", "retention"])
    assert run.exit_code == 0, run.output
    assert "1 clients anonymised" in run.output
    db.session.expire_all()
    anonymised = set(db.session.scalars(select(Client.reference)
                                        .where(Client.anonymised_at.is_not(None))))
    assert anonymised == {retention_data["due"].reference}
    (event,) = audit_events("anonymise")
    assert (event.username, event.user_id, event.summary) == (
        "system", None, "anonymised; reason: retention")


def test_retention_page_lists_next_month_for_the_managers_centre(manager, retention_data):
    page = manager.get("/clients/retention").get_data(as_text=True)
    assert retention_data["due"].reference in page
    assert retention_data["soon"].reference in page
    assert retention_data["active"].reference not in page
    assert retention_data["kept"].reference not in page


def test_admin_sets_the_retention_period_on_the_centre_form(client, staff):
    login(client, staff.admin)
    lhr = centre("LHR")
    response = post_form(client, f"/centres/{lhr.id}", {
        "name": lhr.name, "city": lhr.city, "default_locale": "ur", "timezone": "Asia/Karachi",
        "active": "y", "retention_years": "7"}, token_from=f"/centres/{lhr.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert centre("LHR").retention_years == 7


@pytest.mark.parametrize("typed, saved, message", [
    ("x", None, "Enter a whole number."),
    ("2.5", None, "Enter a whole number."),
    ("0", None, "Give a number of years from 1 to 50."),
    ("", None, "Give a number of years from 1 to 50."),
    ("\u0669", 9, None),  # Arabic-Indic 9, as an Urdu or Arabic keyboard types it
])
def test_the_retention_period_says_what_is_wrong_with_it(client, staff, typed, saved, message):
    """It said "This field is required." for anything but a whole number from 1, and refused
    the digits of the centres' own keyboards."""
    login(client, staff.admin)
    lhr = centre("LHR")
    kept = lhr.retention_years
    response = post_form(client, f"/centres/{lhr.id}", {
        "name": lhr.name, "city": lhr.city, "default_locale": "ur", "timezone": "Asia/Karachi",
        "active": "y", "retention_years": typed}, token_from=f"/centres/{lhr.id}")
    db.session.expire_all()
    if message is None:
        assert response.status_code == 302 and centre("LHR").retention_years == saved
        return
    error = re.search(r'id="retention_years-error">([^<]*)<', response.get_data(as_text=True))
    assert error and error.group(1) == message
    assert centre("LHR").retention_years == kept


# --- who may ----------------------------------------------------------------------------------

def test_counsellors_are_refused_and_other_centres_get_404(app, manager, staff):
    row = registered(manager)
    assert "Rights and privacy" in manager.get(f"/clients/{row.id}").get_data(as_text=True)
    counsellor = app.test_client()
    login(counsellor, staff.lhr_counsellor)
    assert counsellor.get(f"/clients/{row.id}/everything.json").status_code == 403
    assert "Rights and privacy" not in counsellor.get(f"/clients/{row.id}").get_data(as_text=True)
    other = app.test_client()
    login(other, make_user(Role.MANAGER, "ISB", username="isb-manager-2"))
    assert other.get(f"/clients/{row.id}/everything.json").status_code == 404
    assert other.get(f"/clients/{row.id}/everything.pdf").status_code == 404
    assert not audit_events("export")


def test_anonymising_also_erases_records_merged_into_the_client(app, staff):
    if not hasattr(Client, "merged_into_id"):
        pytest.skip("no merging of duplicates in this checkout")
    user = staff.lhr_manager
    survivor = make_client(user, "LHR", "female", created_at=utc(2026, 3, 1), birth_year=1990)
    duplicate = make_client(user, "LHR", "female", created_at=utc(2026, 3, 2), birth_year=1990)
    duplicate.phone, duplicate.merged_into_id = "+923009998877", survivor.id
    db.session.commit()
    privacy.anonymise_client(Actor(user), survivor, "request")
    duplicate = db.session.get(Client, duplicate.id)
    assert duplicate.anonymised_at is not None
    assert (duplicate.given_name, duplicate.phone) == ("", "")


def test_an_anonymised_record_cannot_be_edited_back_to_life(manager, staff):
    row = registered(manager)
    privacy.anonymise_client(Actor(staff.lhr_manager), row, "request")
    for response in (manager.get(f"/clients/{row.id}/edit"),
                     post_form(manager, f"/clients/{row.id}/edit",
                               {**VALID, "given_name": "Restored"}, token_from="/clients/")):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/clients/{row.id}")
    db.session.expire_all()
    assert db.session.get(Client, row.id).given_name != "Restored"


def test_the_consent_form_chooses_nothing_in_advance(manager, staff):
    """Saving the form without looking must not withdraw anything (the first purpose is the
    consent to recording, whose withdrawal leads to anonymisation)."""
    row = registered(manager)
    page = manager.get(f"/clients/{row.id}/privacy").get_data(as_text=True)
    form = page[page.index(f'action="/clients/{row.id}/consent"'):]
    form = form[:form.index("</form>")]
    assert "selected" not in form
    for name in ("purpose", "action"):
        select_tag = re.search(rf'<select[^>]*name="{name}"[^>]*>\s*<option([^>]*)>', form)
        assert select_tag and 'value=""' in select_tag.group(1), name

    response = consent(manager, row, "", "")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose a purpose." in page and "Choose the change." in page
    db.session.expire_all()
    assert db.session.get(Client, row.id).consent_services is True
