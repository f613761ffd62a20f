"""Counselling sessions: logging in the centre's time, validation, notes privacy, edit history,
follow-ups, "My sessions", the client's timeline, audit and centre scoping."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.auth.models import Role
from mrc.centres.services import centre_today
from mrc.clients.models import Client
from mrc.clients.services import ClientData, register_client
from mrc.counselling import services
from mrc.counselling.models import CounsellingSession, CounsellingSessionChange
from mrc.counselling.services import SessionData, SessionInvalid
from mrc.database import utcnow
from mrc.extensions import db
from tests.conftest import login, make_user, post_form, statements_sent

KARACHI = ZoneInfo("Asia/Karachi")
DHAKA = ZoneInfo("Asia/Dhaka")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def fresh():
    """End the test's transaction so that it sees what requests committed."""
    db.session.commit()
    db.session.expire_all()


def new_client(user, given_name="Muhammad", family_name="Usman", **changes) -> Client:
    data = ClientData(given_name=given_name, family_name=family_name, sex="male",
                      nationality=user.centre.country, migration_status="intending",
                      birth_year=1994, consent_services=True, **changes)
    return register_client(Actor(user), data, confirmed_new=True)


def session_data(counsellor, **changes) -> SessionData:
    values = dict(held_at=utcnow() - timedelta(hours=1), counsellor_id=counsellor.id,
                  channel="walk_in", duration_minutes=30, topics=["legal_pathways"])
    values.update(changes)
    return SessionData(**values)


def log(counsellor, client_row, **changes) -> CounsellingSession:
    return services.log_session(Actor(counsellor), client_row, session_data(counsellor, **changes))


def form_body(counsellor, zone=KARACHI, **changes) -> dict:
    """A valid form as the browser sends it: local wall-clock time, codes, ids."""
    body = {
        "held_at": (datetime.now(zone) - timedelta(hours=1)).strftime(LOCAL_FORMAT),
        "counsellor_id": str(counsellor.id),
        "channel": "phone",
        "duration_minutes": "20",
        "topics": ["fraudulent_recruitment", "rights_contracts"],
        "pathways": ["government_channel"],
        "notes": "Was asked for 900,000 rupees by an agent.",
        "follow_up_on": "",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def session_count() -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(CounsellingSession))


def error_beside(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    assert match, f"no error beside {field}"
    return match.group(1)


@pytest.fixture
def lahore(app, staff):
    """The Lahore counsellor's client and a logged-in test client for them."""
    client_row = new_client(staff.lhr_counsellor)
    return client_row


@pytest.fixture
def counsellor(client, staff):
    login(client, staff.lhr_counsellor)
    return client


# --- logging ---------------------------------------------------------------------------------

def test_new_session_form_defaults_to_now_in_the_centres_zone_and_to_me(app, client):
    dhaka_counsellor = make_user(Role.COUNSELLOR, "DAC")
    make_user(Role.MANAGER, "DAC")
    client_row = new_client(dhaka_counsellor, given_name="Rahim", family_name="Uddin")
    login(client, dhaka_counsellor)

    before = datetime.now(DHAKA).replace(second=0, microsecond=0, tzinfo=None)
    html = client.get(f"/clients/{client_row.id}/counselling/new").get_data(as_text=True)
    after = datetime.now(DHAKA).replace(second=0, microsecond=0, tzinfo=None)

    shown = re.search(r'<input[^>]*id="held_at"[^>]*>', html).group(0)
    assert 'type="datetime-local"' in shown
    value = datetime.strptime(re.search(r'value="([^"]+)"', shown).group(1), LOCAL_FORMAT)
    assert before <= value <= after  # Dhaka's wall clock (UTC+6), not UTC
    assert re.search(rf'<option selected value="{dhaka_counsellor.id}">|'
                     rf'<option value="{dhaka_counsellor.id}" selected>', html)
    assert re.search(r'<option selected value="walk_in">|<option value="walk_in" selected>', html)

    # Saving the defaults as they are (plus duration and a topic) stores Dhaka time as UTC.
    response = post_form(client, f"/clients/{client_row.id}/counselling/new",
                         {"held_at": value.strftime(LOCAL_FORMAT),
                          "counsellor_id": str(dhaka_counsellor.id), "channel": "walk_in",
                          "duration_minutes": "১৫", "topics": "remittances"},
                         token_from=f"/clients/{client_row.id}/counselling/new")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/clients/{client_row.id}")
    fresh()
    row = db.session.scalar(select(CounsellingSession))
    assert row.held_at == value.replace(tzinfo=DHAKA).astimezone(UTC)
    assert row.held_at.utcoffset() == timedelta(0)
    assert (row.counsellor_id, row.channel, row.duration_minutes, row.topics) == (
        dhaka_counsellor.id, "walk_in", 15, "remittances")
    assert row.centre_id == client_row.centre_id
    assert row.created_by_id == dhaka_counsellor.id


def test_time_typed_is_read_in_the_clients_centre_zone(counsellor, staff, lahore):
    typed = (datetime.now(KARACHI) - timedelta(hours=3)).replace(second=0, microsecond=0)
    response = post_form(counsellor, f"/clients/{lahore.id}/counselling/new",
                         form_body(staff.lhr_counsellor, held_at=typed.strftime(LOCAL_FORMAT),
                                   follow_up_on=(centre_today(lahore.centre)
                                                 + timedelta(days=7)).isoformat()))
    assert response.status_code == 302
    fresh()
    row = db.session.scalar(select(CounsellingSession))
    assert row.held_at == typed.astimezone(UTC)
    assert row.topic_codes == ["fraudulent_recruitment", "rights_contracts"]
    assert row.pathway_codes == ["government_channel"]
    assert row.follow_up_on == centre_today(lahore.centre) + timedelta(days=7)
    assert row.notes == "Was asked for 900,000 rupees by an agent."


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("duration_minutes", "0", "from 1 to 480"),
        ("duration_minutes", "481", "from 1 to 480"),
        ("duration_minutes", "", "Enter the duration in minutes."),
        ("duration_minutes", "twenty", "Enter a whole number."),
        ("topics", [], "Choose at least one topic."),
        ("held_at", "future", "cannot be in the future"),
        ("held_at", "two years ago", "more than a year ago"),
        ("held_at", "", "Enter the date and time of the session."),
        ("held_at", "yesterday noon", "Enter the date and time of the session."),
        ("follow_up_on", "yesterday", "cannot be in the past"),
        ("pathways", ["none", "study_abroad"], "cannot be chosen together"),
        ("counsellor_id", "other centre", "Not a valid choice."),
        ("channel", "pigeon", "Not a valid choice."),
    ],
)
def test_bad_input_shows_message_beside_field_and_saves_nothing(counsellor, staff, lahore,
                                                                 field, value, message):
    now = datetime.now(KARACHI)
    value = {
        "future": (now + timedelta(hours=1)).strftime(LOCAL_FORMAT),
        "two years ago": (now - timedelta(days=730)).strftime(LOCAL_FORMAT),
        "yesterday": (centre_today(lahore.centre) - timedelta(days=1)).isoformat(),
        "other centre": str(staff.isb_counsellor.id),
    }.get(value, value) if isinstance(value, str) else value
    response = post_form(counsellor, f"/clients/{lahore.id}/counselling/new",
                         form_body(staff.lhr_counsellor, **{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in error_beside(html, field)
    assert len(re.findall(r'class="error"', html)) == 1, "only the wrong field is in error"
    assert session_count() == 0
    # What was typed stays in the form.
    assert "Was asked for 900,000 rupees by an agent." in html


def test_arabic_indic_digits_in_duration(counsellor, staff, lahore):
    response = post_form(counsellor, f"/clients/{lahore.id}/counselling/new",
                         form_body(staff.lhr_counsellor, duration_minutes="٤٥"))
    assert response.status_code == 302
    fresh()
    assert db.session.scalar(select(CounsellingSession.duration_minutes)) == 45


def test_service_checks_the_rules_too(app, staff, lahore):
    with pytest.raises(SessionInvalid) as invalid:
        log(staff.lhr_counsellor, lahore, held_at=utcnow() + timedelta(hours=2),
            duration_minutes=0, topics=[], counsellor_id=staff.isb_counsellor.id,
            follow_up_on=centre_today(lahore.centre) - timedelta(days=1))
    assert set(invalid.value.errors) == {"held_at", "duration_minutes", "topics",
                                         "counsellor_id", "follow_up_on"}
    assert session_count() == 0
    # A few minutes of clock drift are accepted.
    log(staff.lhr_counsellor, lahore, held_at=utcnow() + timedelta(minutes=2))
    assert session_count() == 1


def test_logging_moves_the_clients_last_visit_forward_only(app, staff, lahore):
    lahore.last_visit_at = utcnow() - timedelta(days=3)
    db.session.commit()
    recent = log(staff.lhr_counsellor, lahore, held_at=utcnow() - timedelta(hours=2))
    fresh()
    assert db.session.get(Client, lahore.id).last_visit_at == recent.held_at
    log(staff.lhr_counsellor, lahore, held_at=utcnow() - timedelta(days=2))
    fresh()
    assert db.session.get(Client, lahore.id).last_visit_at == recent.held_at


def test_manager_logs_for_a_counsellor_and_admin_must_choose_one(app, client, staff, lahore):
    login(client, staff.lhr_manager)
    response = post_form(client, f"/clients/{lahore.id}/counselling/new",
                         form_body(staff.lhr_counsellor))
    assert response.status_code == 302
    fresh()
    row = db.session.scalar(select(CounsellingSession))
    assert (row.counsellor_id, row.created_by_id) == (staff.lhr_counsellor.id,
                                                      staff.lhr_manager.id)

    admin = client.application.test_client()
    login(admin, staff.admin)
    html = admin.get(f"/clients/{lahore.id}/counselling/new").get_data(as_text=True)
    assert re.search(r'<option selected value="">|<option value="" selected>', html)
    response = post_form(admin, f"/clients/{lahore.id}/counselling/new",
                         form_body(staff.lhr_counsellor, counsellor_id=""))
    assert "Choose a counsellor" in error_beside(response.get_data(as_text=True),
                                                  "counsellor_id")


# --- the client's page ---------------------------------------------------------------------------

def test_client_page_has_the_button_and_the_session_in_its_timeline(counsellor, staff, lahore):
    page = counsellor.get(f"/clients/{lahore.id}").get_data(as_text=True)
    assert f'href="/clients/{lahore.id}/counselling/new"' in page
    assert "Log counselling" in page
    row = log(staff.lhr_counsellor, lahore, channel="messaging", duration_minutes=15,
              notes="secret words")
    page = counsellor.get(f"/clients/{lahore.id}").get_data(as_text=True)
    # The counsellor's name is isolated, as in every other timeline entry: an Urdu-script
    # name must not reorder the sentence around it.
    assert (f'<a href="/counselling/{row.id}">Counselling by \u2068Lhr Counsellor\u2069 '
            f'(Messaging (WhatsApp, Imo, Viber…), 15 min)</a>') in page
    assert "secret words" not in page


# --- notes -----------------------------------------------------------------------------------

def test_notes_are_shown_only_to_the_people_involved(app, staff, lahore):
    colleague = make_user(Role.COUNSELLOR, "LHR", username="lhr-colleague")
    assigned = make_user(Role.COUNSELLOR, "LHR", username="lhr-assigned")
    lahore.assigned_counsellor_id = assigned.id
    db.session.commit()
    row = log(staff.lhr_counsellor, lahore, notes="Fears the agent who kept his passport.")

    def page_for(user):
        browser = app.test_client()
        login(browser, user)
        response = browser.get(f"/counselling/{row.id}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    for user in (staff.lhr_counsellor, assigned, staff.lhr_manager, staff.admin):
        html = page_for(user)
        assert "Fears the agent who kept his passport." in html, user.username
        assert "Notes are visible to" not in html
    html = page_for(colleague)
    assert "Fears the agent" not in html
    assert "Notes are visible to the session's counsellor" in html
    # The colleague may read the rest of the session, but not change it.
    assert "Legal pathways" in html
    browser = app.test_client()
    login(browser, colleague)
    assert browser.get(f"/counselling/{row.id}/edit").status_code == 403
    assert post_form(browser, f"/counselling/{row.id}/edit",
                     form_body(colleague, notes="")).status_code == 403
    fresh()
    assert db.session.get(CounsellingSession, row.id).notes.startswith("Fears")


# --- editing -------------------------------------------------------------------------------

def test_edit_writes_history_and_audits_field_names_only(counsellor, staff, lahore):
    row = log(staff.lhr_counsellor, lahore, channel="walk_in", duration_minutes=30,
              topics=["legal_pathways"], notes="First version of the notes.")
    edit_page = counsellor.get(f"/counselling/{row.id}/edit").get_data(as_text=True)
    assert "First version of the notes." in edit_page
    held_local = row.held_at.astimezone(KARACHI).strftime(LOCAL_FORMAT)
    assert f'value="{held_local}"' in edit_page

    response = post_form(counsellor, f"/counselling/{row.id}/edit", form_body(
        staff.lhr_counsellor, held_at=held_local, channel="video", duration_minutes="45",
        topics=["legal_pathways"], pathways=[], notes="Second version."))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/counselling/{row.id}")
    fresh()
    changes = db.session.scalars(
        select(CounsellingSessionChange).order_by(CounsellingSessionChange.field)).all()
    assert [(c.field, c.old_value, c.new_value) for c in changes] == [
        ("channel", "walk_in", "video"),
        ("duration_minutes", "30", "45"),
        ("notes", "", ""),  # only the fact of the change: never the text
    ]
    assert {c.changed_by_id for c in changes} == {staff.lhr_counsellor.id}
    assert {c.centre_id for c in changes} == {lahore.centre_id}
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert update.object_type == "counselling_session" and update.object_id == row.id
    assert update.summary == "changed: channel, duration_minutes, notes"
    summaries = " ".join(db.session.scalars(select(AuditEvent.summary)))
    assert "version" not in summaries

    page = counsellor.get(f"/counselling/{row.id}").get_data(as_text=True)
    history = page.split("History of changes")[1]
    assert "Walk-in" in history and "Video call" in history
    assert "Changed (the text is not kept in the history)" in history
    assert "First version" not in page

    # Saving again without changes writes nothing.
    post_form(counsellor, f"/counselling/{row.id}/edit", form_body(
        staff.lhr_counsellor, held_at=held_local, channel="video", duration_minutes="45",
        topics=["legal_pathways"], pathways=[], notes="Second version."))
    fresh()
    assert db.session.scalar(select(func.count()).select_from(CounsellingSessionChange)) == 3


def test_edit_keeps_a_follow_up_date_that_has_since_passed(counsellor, staff, lahore):
    row = log(staff.lhr_counsellor, lahore, held_at=utcnow() - timedelta(days=20),
              follow_up_on=centre_today(lahore.centre))
    past = centre_today(lahore.centre) - timedelta(days=10)
    row.follow_up_on = past  # as if ten days had gone by
    db.session.commit()
    held_local = row.held_at.astimezone(KARACHI).strftime(LOCAL_FORMAT)
    response = post_form(counsellor, f"/counselling/{row.id}/edit", form_body(
        staff.lhr_counsellor, held_at=held_local, follow_up_on=past.isoformat()))
    assert response.status_code == 302
    # But it cannot be moved to another day in the past.
    response = post_form(counsellor, f"/counselling/{row.id}/edit", form_body(
        staff.lhr_counsellor, held_at=held_local,
        follow_up_on=(past - timedelta(days=1)).isoformat()))
    assert "cannot be in the past" in error_beside(response.get_data(as_text=True),
                                                   "follow_up_on")


def test_edit_moving_the_time_is_recorded_in_utc(counsellor, staff, lahore):
    row = log(staff.lhr_counsellor, lahore, held_at=utcnow() - timedelta(hours=5))
    old = row.held_at
    new_local = (datetime.now(KARACHI) - timedelta(hours=2)).replace(second=0, microsecond=0)
    post_form(counsellor, f"/counselling/{row.id}/edit", form_body(
        staff.lhr_counsellor, held_at=new_local.strftime(LOCAL_FORMAT)))
    fresh()
    change = db.session.scalar(select(CounsellingSessionChange).where(
        CounsellingSessionChange.field == "held_at"))
    assert datetime.fromisoformat(change.old_value) == old
    assert datetime.fromisoformat(change.new_value) == new_local
    assert db.session.get(Client, lahore.id).last_visit_at >= new_local


# --- follow-ups ------------------------------------------------------------------------------

def test_marking_a_follow_up_done(counsellor, staff, lahore):
    row = log(staff.lhr_counsellor, lahore, follow_up_on=centre_today(lahore.centre))
    page = counsellor.get(f"/counselling/{row.id}").get_data(as_text=True)
    assert "Mark follow-up done" in page
    response = post_form(counsellor, f"/counselling/{row.id}/follow-up-done",
                         {"next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/counselling/{row.id}")
    fresh()
    assert db.session.get(CounsellingSession, row.id).follow_up_done_at is not None
    event_row = db.session.scalar(select(AuditEvent).where(AuditEvent.summary == "follow-up done"))
    assert (event_row.action, event_row.object_id) == ("update", row.id)
    # A second time changes nothing; a same-site "next" is followed (the home page uses it).
    response = post_form(counsellor, f"/counselling/{row.id}/follow-up-done", {"next": "/"})
    assert response.headers["Location"] == "/"
    fresh()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.summary == "follow-up done")) == 1
    assert "Mark follow-up done" not in counsellor.get(f"/counselling/{row.id}").get_data(
        as_text=True)

    # A new follow-up date opens it again.
    fresh()
    row = db.session.get(CounsellingSession, row.id)
    later = centre_today(lahore.centre) + timedelta(days=5)
    services.update_session(Actor(staff.lhr_counsellor), row,
                            replace(SessionData.from_session(row), follow_up_on=later))
    fresh()
    assert db.session.get(CounsellingSession, row.id).follow_up_open


def due_and_overdue(actor, **kwargs):
    """The follow-ups due today and the overdue ones, as ``services.follow_ups_due`` lists
    them on one page (due today first), checked against its counts."""
    result = services.follow_ups_due(actor, **kwargs)
    today = kwargs["today"]
    due = [s for s in result.page.items if s.follow_up_on == today]
    overdue = [s for s in result.page.items if s.follow_up_on < today]
    assert result.page.items == due + overdue
    assert (result.due_today, result.overdue) == (len(due), len(overdue))
    return due, overdue


def test_follow_ups_due_with_time_moved_on(app, staff):
    counsellor, manager = staff.lhr_counsellor, staff.lhr_manager
    colleague = make_user(Role.COUNSELLOR, "LHR", username="lhr-colleague")
    own_client = new_client(counsellor)
    colleagues_client = new_client(colleague, given_name="Ayesha", family_name="Bibi")
    assigned_client = new_client(colleague, given_name="Bilal", family_name="Khan",
                                 assigned_counsellor_id=counsellor.id)
    isb_client = new_client(staff.isb_counsellor, given_name="Imran", family_name="Ali")
    today = centre_today(own_client.centre)

    def day(n):
        return today + timedelta(days=n)

    mine_1 = log(counsellor, own_client, follow_up_on=day(0))
    mine_2 = log(counsellor, own_client, follow_up_on=day(2))
    later = log(counsellor, own_client, follow_up_on=day(9))
    done = log(counsellor, own_client, follow_up_on=day(0))
    services.mark_follow_up_done(Actor(counsellor), done)
    log(counsellor, own_client)  # no follow-up at all
    theirs = log(colleague, colleagues_client, follow_up_on=day(2))
    for_me = log(colleague, assigned_client, follow_up_on=day(0))
    log(staff.isb_counsellor, isb_client, follow_up_on=day(0))

    # Two days later.
    due, overdue = due_and_overdue(Actor(counsellor), today=day(2))
    assert [s.id for s in due] == [mine_2.id]
    assert {s.id for s in overdue} == {mine_1.id, for_me.id}
    assert later.id not in {s.id for s in due + overdue}

    due, overdue = due_and_overdue(Actor(manager), today=day(2))
    assert {s.id for s in due} == {mine_2.id, theirs.id}
    assert {s.id for s in overdue} == {mine_1.id, for_me.id}
    due, overdue = due_and_overdue(Actor(manager), today=day(2),
                                           counsellor_id=colleague.id)
    assert ([s.id for s in due], [s.id for s in overdue]) == ([theirs.id], [for_me.id])
    # A counsellor cannot ask for someone else's list.
    assert due_and_overdue(Actor(counsellor), today=day(2), counsellor_id=colleague.id
                                   ) == due_and_overdue(Actor(counsellor), today=day(2))

    # Today, nothing is overdue yet; the admin sees both centres.
    due, overdue = due_and_overdue(Actor(staff.admin), today=today)
    assert (len(due), overdue) == (3, [])

    # Anonymised clients drop out.
    assigned_client.anonymised_at = utcnow()
    db.session.commit()
    due, overdue = due_and_overdue(Actor(counsellor), today=day(2))
    assert {s.id for s in overdue} == {mine_1.id}


def test_follow_up_counts_by_counsellor_in_one_grouped_query(app, staff):
    counsellor, manager = staff.lhr_counsellor, staff.lhr_manager
    colleague = make_user(Role.COUNSELLOR, "LHR", username="lhr-colleague")
    idle = make_user(Role.COUNSELLOR, "LHR", username="lhr-idle")
    client_row = new_client(counsellor)
    today = centre_today(client_row.centre)
    for offset in (0, 0, 1, 3):
        log(counsellor, client_row, follow_up_on=today + timedelta(days=offset))
    log(colleague, client_row, follow_up_on=today + timedelta(days=3))
    isb_client = new_client(staff.isb_counsellor, given_name="Imran", family_name="Ali")
    log(staff.isb_counsellor, isb_client, follow_up_on=today)

    with statements_sent() as statements:
        rows = services.follow_up_counts_by_counsellor(Actor(manager),
                                                       today=today + timedelta(days=3))
    counts = {user.username: (due, overdue) for user, due, overdue in rows}
    assert counts == {"lhr-counsellor": (1, 3), "lhr-colleague": (1, 0), "lhr-idle": (0, 0),
                      "lhr-manager": (0, 0)}
    assert [user.display_name for user, *_ in rows] == sorted(
        user.display_name for user, *_ in rows)
    assert any("GROUP BY" in statement for statement in statements)
    # Each session's client probed, not every client joined (PostgreSQL hashed them all).
    assert not any("JOIN clients" in statement for statement in statements)
    assert len(statements) <= 3
    assert idle.id in {user.id for user, *_ in rows}

    mine = services.follow_up_counts_by_counsellor(Actor(counsellor), today=today)
    assert [(user.id, due, overdue) for user, due, overdue in mine] == [(counsellor.id, 2, 0)]

    # An anonymised client's follow-ups are nobody's work any more.
    client_row.anonymised_at = utcnow()
    db.session.commit()
    rows = services.follow_up_counts_by_counsellor(Actor(manager),
                                                   today=today + timedelta(days=3))
    assert {user.username: (due, overdue) for user, due, overdue in rows} == {
        "lhr-counsellor": (0, 0), "lhr-colleague": (0, 0), "lhr-idle": (0, 0),
        "lhr-manager": (0, 0)}


# --- my sessions -------------------------------------------------------------------------------

def test_my_sessions_newest_first_and_paginated(counsellor, staff, lahore, monkeypatch, app):
    monkeypatch.setitem(app.config, "COUNSELLING_PER_PAGE", 2)
    other_client = new_client(staff.lhr_counsellor, given_name="Ayesha", family_name="Bibi")
    log(staff.lhr_counsellor, lahore, held_at=utcnow() - timedelta(days=3), channel="video")
    log(staff.lhr_counsellor, other_client, held_at=utcnow() - timedelta(days=1),
        channel="phone", follow_up_on=centre_today(lahore.centre) + timedelta(days=2))
    log(staff.lhr_counsellor, lahore, held_at=utcnow() - timedelta(days=2),
        channel="messaging", topics=["remittances", "other"])
    log(staff.lhr_manager, lahore, channel="walk_in")  # someone else's

    first = counsellor.get("/counselling/mine").get_data(as_text=True)
    assert "3 counselling sessions" in first
    rows = first.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert len(rows) == 2
    assert "Phone or hotline" in rows[0] and "Ayesha Bibi" in rows[0] and ", open" in rows[0]
    assert "Messaging" in rows[1] and "Remittances and Other" in rows[1]
    assert lahore.reference in rows[1]
    assert 'rel="next"' in first and "Walk-in" not in first
    second = counsellor.get("/counselling/mine?page=2").get_data(as_text=True)
    assert "Video call" in second and "Phone or hotline" not in second
    assert "My sessions" in first.split("</nav>")[0]  # in the main navigation


# --- audit and scoping -------------------------------------------------------------------------

def test_viewing_a_session_is_audited(counsellor, staff, lahore):
    row = log(staff.lhr_counsellor, lahore, notes="nothing to log here")
    counsellor.get(f"/counselling/{row.id}")
    fresh()
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.summary).where(
            AuditEvent.object_type == "counselling_session", AuditEvent.object_id == row.id)
        .order_by(AuditEvent.id)).all()
    # The notes shown are a view of sensitive data, audited by field name.
    assert [action for action, _summary in events] == ["create", "view", "view_sensitive"]
    assert events[0][1] == f"logged for client {lahore.id}"
    assert events[2][1] == "fields: notes"


def test_another_centres_counsellor_gets_404_everywhere(app, client, staff, lahore):
    row = log(staff.lhr_counsellor, lahore, follow_up_on=centre_today(lahore.centre))
    login(client, staff.isb_counsellor)
    for url in (f"/counselling/{row.id}", f"/counselling/{row.id}/edit",
                f"/clients/{lahore.id}/counselling/new"):
        assert client.get(url).status_code == 404, url
    for url in (f"/counselling/{row.id}/edit", f"/counselling/{row.id}/follow-up-done",
                f"/clients/{lahore.id}/counselling/new"):
        assert post_form(client, url, form_body(staff.isb_counsellor)).status_code == 404, url
    assert lahore.reference not in client.get("/counselling/mine").get_data(as_text=True)
    fresh()
    assert db.session.get(CounsellingSession, row.id).follow_up_done_at is None
    assert session_count() == 1
    # The services refuse too, whoever calls them.
    with pytest.raises(LookupError):
        log(staff.isb_counsellor, lahore)
    with pytest.raises(LookupError):
        services.mark_follow_up_done(Actor(staff.isb_manager), row)
    assert due_and_overdue(Actor(staff.isb_manager),
                           today=centre_today(lahore.centre)) == ([], [])


def test_an_admin_sees_times_said_to_be_utc_and_the_form_says_whose_time_it_is(
        app, counsellor, staff, lahore):
    """Admins have no centre: pages show them times in UTC. Without saying so, 5:30 on the
    page and 10:30 in the edit form (the centre's time, in which a session is typed) looked
    like two different times of one session."""
    held = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)  # 10:30 in Lahore
    row = log(staff.lhr_counsellor, lahore, held_at=held)
    own = counsellor.get(f"/counselling/{row.id}").get_data(as_text=True)
    assert "10:30" in own and "UTC" not in own
    admin = app.test_client()
    login(admin, staff.admin)
    page = admin.get(f"/counselling/{row.id}").get_data(as_text=True)
    assert re.search("5:30\\sAM\u2069 UTC</time>", page)
    form = admin.get(f"/counselling/{row.id}/edit").get_data(as_text=True)
    assert 'value="2026-11-20T10:30"' in form
    assert re.search(r'id="held_at-help">In the centre(&#39;|&#x27;|\')s local time.<', form)


def test_the_everything_we_hold_document_gives_times_in_the_clients_centre_zone(app, staff):
    from mrc.i18n import format_local_datetime

    moment = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)
    with app.test_request_context():  # nobody signed in: the page's zone would be UTC
        assert "10:30" in format_local_datetime(moment, "short", zone="Asia/Karachi")
        assert "11:30" in format_local_datetime(moment, "short", zone="Asia/Dhaka")
        assert format_local_datetime(moment, "short").endswith("UTC")


def test_a_utc_time_is_isolated_inside_a_right_to_left_sentence(app):
    """In Urdu "26/11/26 12:39 PM UTC" has no right-to-left letter: unisolated, the browser
    set the digits apart from "PM UTC" in a right-to-left line."""
    from mrc.i18n import format_local_datetime

    moment = datetime(2026, 11, 26, 12, 39, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "ur"}):
        assert format_local_datetime(moment, "short") == "\u206826/11/26 12:39 PM\u2069 UTC"
