"""The home page: today's follow-ups, overdue ones, referrals needing action, per counsellor."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mrc.actor import Actor
from mrc.centres import services as centre_services
from mrc.centres.services import centre_today
from mrc.clients.services import ClientData, register_client
from mrc.counselling.services import SessionData, log_session
from mrc.database import utcnow
from mrc.extensions import db
from mrc.partners.models import Partner
from mrc.partners.services import seed_partners
from mrc.referrals.services import ReferralData, make_referral
from tests.conftest import login


@pytest.fixture
def casework(staff):
    """A Lahore client with a session whose follow-up is tomorrow and a referral due in 3 days."""
    counsellor = Actor(staff.lhr_counsellor)
    client_row = register_client(counsellor, ClientData(
        given_name="Kamran", family_name="Akmal", sex="male", nationality="PK",
        migration_status="intending", birth_year=1990, consent_services=True,
        consent_referral_sharing=True), confirmed_new=True)
    centre = client_row.centre
    today = centre_today(centre)
    held = datetime.combine(today, time(10, 0), tzinfo=ZoneInfo(centre.timezone))
    session_row = log_session(counsellor, client_row, SessionData(
        held_at=min(held, utcnow()), counsellor_id=staff.lhr_counsellor.id, channel="messaging",
        duration_minutes=15, topics=["fraudulent_recruitment"],
        follow_up_on=today + timedelta(days=1)))
    seed_partners()
    protectorate = db.session.scalar(
        select(Partner).where(Partner.name == "Protectorate of Emigrants, Lahore"))
    referral = make_referral(counsellor, client_row, ReferralData(
        partner_id=protectorate.id, service="emigration_registration", reason="Registration",
        urgency="routine", follow_up_due=today + timedelta(days=3)))
    return client_row, session_row, referral


def move_clock(monkeypatch, days: int) -> None:
    """Make every centre's 'now' ``days`` later."""
    later = utcnow() + timedelta(days=days)
    monkeypatch.setattr(centre_services, "utcnow", lambda: later)


def test_follow_up_tomorrow_is_not_due_today(client, staff, casework):
    login(client, staff.lhr_counsellor)
    page = client.get("/").get_data(as_text=True)
    assert "No follow-ups are due." in page
    assert "No referrals need action." in page
    assert "Kamran Akmal" in page  # recent clients


def test_the_next_day_the_follow_up_is_due_and_then_overdue(client, staff, casework,
                                                            monkeypatch):
    _client_row, session_row, _referral = casework
    login(client, staff.lhr_counsellor)
    move_clock(monkeypatch, 1)
    page = client.get("/").get_data(as_text=True)
    assert f"/counselling/{session_row.id}" in page and "overdue</strong>" not in page
    move_clock(monkeypatch, 2)
    page = client.get("/").get_data(as_text=True)
    assert f"/counselling/{session_row.id}" in page and "overdue</strong>" in page


def test_referral_needs_action_when_its_follow_up_is_due(client, staff, casework, monkeypatch):
    _client_row, _session_row, referral = casework
    login(client, staff.lhr_counsellor)
    move_clock(monkeypatch, 3)
    page = client.get("/").get_data(as_text=True)
    assert f"/referrals/{referral.id}" in page


def test_manager_sees_the_centre_per_counsellor_and_can_narrow_it(client, staff, casework,
                                                                   monkeypatch):
    _client_row, session_row, referral = casework
    login(client, staff.lhr_manager)
    move_clock(monkeypatch, 3)
    page = client.get("/").get_data(as_text=True)
    assert "By counsellor" in page
    row = page.split(f"?counsellor={staff.lhr_counsellor.id}")[1].split("</tr>")[0]
    assert [cell.strip() for cell in row.split("<td>")[1:]] == ["0</td>", "1</td>", "1</td>"]
    assert f"/counselling/{session_row.id}" in page and f"/referrals/{referral.id}" in page
    narrowed = client.get(f"/?counsellor={staff.lhr_manager.id}").get_data(as_text=True)
    assert f"/counselling/{session_row.id}" not in narrowed
    assert "Show the whole centre" in narrowed


def test_other_centre_sees_none_of_it(client, staff, casework, monkeypatch):
    _client_row, session_row, referral = casework
    login(client, staff.isb_manager)
    move_clock(monkeypatch, 3)
    page = client.get("/").get_data(as_text=True)
    assert f"/counselling/{session_row.id}" not in page
    assert f"/referrals/{referral.id}" not in page
    assert "Kamran" not in page


def test_counsellor_cannot_look_at_a_colleagues_list(client, staff, casework, monkeypatch):
    login(client, staff.isb_counsellor)
    move_clock(monkeypatch, 3)
    page = client.get(f"/?counsellor={staff.lhr_counsellor.id}").get_data(as_text=True)
    assert "By counsellor" not in page and "Kamran" not in page


@pytest.fixture
def overdue_pile(staff, casework):
    """The casework's follow-up due today, and 29 overdue ones, the longest overdue first."""
    client_row, session_row, _referral = casework
    centre = client_row.centre
    today = centre_today(centre)
    session_row.follow_up_on = today  # due today
    held = datetime.combine(today - timedelta(days=40), time(10, 0),
                            tzinfo=ZoneInfo(centre.timezone))
    overdue = [log_session(Actor(staff.lhr_counsellor), client_row, SessionData(
        held_at=held + timedelta(days=number), counsellor_id=staff.lhr_counsellor.id,
        channel="messaging", duration_minutes=15, topics=["fraudulent_recruitment"],
        follow_up_on=today + timedelta(days=1))) for number in range(29)]
    for number, row in enumerate(overdue):  # as if logged then, and never followed up
        row.follow_up_on = today - timedelta(days=30 - number)
    db.session.commit()
    return session_row, overdue


def test_follow_ups_are_listed_a_page_at_a_time_due_today_first(client, staff, overdue_pile):
    """Overdue follow-ups pile up over the years: the page lists 25 at a time and counts them;
    those due today come first."""
    from mrc.counselling.services import FOLLOW_UPS_PER_PAGE

    session_row, overdue = overdue_pile
    login(client, staff.lhr_counsellor)

    first = client.get("/").get_data(as_text=True)
    listed = first[first.index("Follow-ups due today and overdue"):]
    listed = listed[:listed.index("</section>")]
    rows = listed.split("<tr")[2:]  # after the heading row
    assert len(rows) == FOLLOW_UPS_PER_PAGE == 25
    assert f"/counselling/{session_row.id}\"" in rows[0] and "overdue" not in rows[0]
    assert f"/counselling/{overdue[0].id}\"" in rows[1]  # then the longest overdue
    assert "29 overdue" in first and "Page 1 of 2" in listed
    assert 'href="/?page=2"' in listed

    second = client.get("/?page=2").get_data(as_text=True)
    listed = second[second.index("Follow-ups due today and overdue"):]
    listed = listed[:listed.index("</section>")]
    assert [f"/counselling/{row.id}\"" in listed for row in overdue] == [False] * 24 + [True] * 5
    assert "Page 2 of 2" in listed
    # A page past the end shows the last one.
    assert "Page 2 of 2" in client.get("/?page=9").get_data(as_text=True)


def test_overdue_follow_ups_are_counted_up_to_a_limit(client, staff, overdue_pile, monkeypatch):
    from mrc.counselling import services as counselling

    session_row, overdue = overdue_pile
    monkeypatch.setattr(counselling, "OVERDUE_COUNTED_UP_TO", 5)
    login(client, staff.lhr_counsellor)
    page = client.get("/").get_data(as_text=True)
    assert "more than 5 overdue" in page and "29 overdue" not in page
    listed = page[page.index("Follow-ups due today and overdue"):]
    listed = listed[:listed.index("</section>")]
    shown = [row for row in [session_row, *overdue] if f"/counselling/{row.id}\"" in listed]
    assert shown == [session_row, *overdue[:5]] and "Page 1 of" not in listed


def test_the_admin_gets_every_centres_follow_ups_in_due_order(staff, overdue_pile):
    """Follow-ups of every centre, due today first, then the longest overdue, wherever they
    are (on SQLite through the index of open follow-ups: the planner is told that "not done"
    is common, a condition that must not change what is listed)."""
    from mrc.counselling.services import follow_ups_due

    session_row, overdue = overdue_pile
    today = centre_today(session_row.client.centre)
    islamabad = register_client(Actor(staff.isb_counsellor), ClientData(
        given_name="Tariq", family_name="Mehmood", sex="male", nationality="PK",
        migration_status="intending", birth_year=1988, consent_services=True),
        confirmed_new=True)
    longest_overdue = log_session(Actor(staff.isb_counsellor), islamabad, SessionData(
        held_at=utcnow() - timedelta(hours=1), counsellor_id=staff.isb_counsellor.id,
        channel="walk_in", duration_minutes=15, topics=["fraudulent_recruitment"],
        follow_up_on=today + timedelta(days=1)))
    longest_overdue.follow_up_on = today - timedelta(days=35)
    db.session.commit()

    everyone = follow_ups_due(Actor(staff.admin), today=today, per_page=50)
    assert [row.id for row in everyone.page.items] == [
        session_row.id, longest_overdue.id, *(row.id for row in overdue)]
    assert (everyone.due_today, everyone.overdue, everyone.overdue_more) == (1, 30, False)
    second_page = follow_ups_due(Actor(staff.admin), today=today, page=2, per_page=25)
    assert [row.id for row in second_page.page.items] == [row.id for row in overdue[-6:]]
    lahore = follow_ups_due(Actor(staff.lhr_manager), today=today, per_page=50)
    assert [row.id for row in lahore.page.items] == [session_row.id, *(r.id for r in overdue)]


def test_recent_clients_are_those_registered_or_assigned_latest_change_first(app, staff):
    from datetime import UTC

    from sqlalchemy import update

    from mrc.clients.models import Client
    from mrc.clients.services import recent_clients

    def registered_by(user, name):
        return register_client(Actor(user), ClientData(
            given_name=name, family_name="Recent", sex="female", nationality="PK",
            migration_status="intending", birth_year=1990, consent_services=True),
            confirmed_new=True).id

    own = [registered_by(staff.lhr_counsellor, name) for name in ("Amna", "Bushra", "Farah")]
    assigned, colleagues = (registered_by(staff.lhr_manager, name) for name in ("Hina", "Iqra"))
    merged = registered_by(staff.lhr_counsellor, "Javeria")
    db.session.execute(update(Client).where(Client.id == assigned)
                       .values(assigned_counsellor_id=staff.lhr_counsellor.id))
    db.session.execute(update(Client).where(Client.id == merged).values(merged_into_id=own[0]))
    changed = {own[0]: 5, own[1]: 1, own[2]: 3, assigned: 4, colleagues: 6, merged: 7}
    for client_id, day in changed.items():
        db.session.execute(update(Client).where(Client.id == client_id)
                           .values(updated_at=datetime(2026, 11, day, tzinfo=UTC)))
    db.session.commit()
    counsellor = Actor(staff.lhr_counsellor)
    assert [c.id for c in recent_clients(counsellor)] == [own[0], assigned, own[2], own[1]]
    assert [c.id for c in recent_clients(counsellor, limit=2)] == [own[0], assigned]
    assert [c.id for c in recent_clients(Actor(staff.lhr_manager))] == [colleagues, assigned]
    assert recent_clients(Actor(staff.isb_counsellor)) == []
