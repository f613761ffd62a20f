"""Demo casework (counselling, group sessions, referrals): plausible amounts, the same rules the
services enforce, reproducible per seed, and pages that render with it."""

from collections import Counter, defaultdict

import pytest
from flask import current_app
from sqlalchemy import func, select

from mrc.audit.models import AuditEvent
from mrc.auth.models import Role, User
from mrc.auth.services import create_user
from mrc.centres.models import Centre
from mrc.clients.demo import generate_demo_clients
from mrc.clients.models import Client
from mrc.clients.services import counsellors_of
from mrc.counselling import choices as counselling_choices
from mrc.counselling import validation
from mrc.counselling.demo import generate_demo_counselling
from mrc.counselling.models import CounsellingSession
from mrc.database import utcnow
from mrc.demo_casework import OfficeCalendar
from mrc.extensions import db
from mrc.group_sessions import choices as group_choices
from mrc.group_sessions.demo import generate_demo_group_sessions
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.partners.models import Partner
from mrc.partners.services import seed_partners
from mrc.referrals.demo import generate_demo_referrals
from mrc.referrals.models import Referral
from mrc.referrals.services import ALLOWED_TRANSITIONS, INITIAL_STATUS
from tests.conftest import TEST_PASSWORD, RequestContextClient, login
from tests.test_demo_data import CENTRE_CODES, centre_and_counsellor, fresh_database

CLIENTS_PER_CENTRE = 100


def _casework(codes, clients_per_centre: int, seed: int) -> dict[str, dict[str, int]]:
    seed_partners()
    created = {}
    for code in codes:
        centre, counsellor = centre_and_counsellor(code)
        generate_demo_clients(centre, counsellor, clients_per_centre, seed=seed)
        ids = list(db.session.scalars(
            select(Client.id).where(Client.centre_id == centre.id).order_by(Client.id)))
        reported = []
        created[code] = {
            "counselling": generate_demo_counselling(centre, counsellor, ids, seed,
                                                     progress=reported.append),
            "group": generate_demo_group_sessions(centre, counsellor, ids, seed),
            "referrals": generate_demo_referrals(centre, counsellor, ids, seed),
        }
        assert reported and reported[-1] == len(ids)
        assert reported == sorted(reported)
    return created


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Every centre with demo clients and their casework, generated once for the module."""
    with fresh_database(tmp_path_factory.mktemp("casework")):
        # A second counsellor at Lahore, so that sessions are shared between colleagues.
        lahore, _counsellor = centre_and_counsellor("LHR")
        db.session.add(User(username="c2-LHR", display_name="D", password_hash="x",
                            role=Role.COUNSELLOR, centre_id=lahore.id))
        db.session.commit()
        yield _casework(CENTRE_CODES, CLIENTS_PER_CENTRE, seed=11)


def _centres() -> dict[int, Centre]:
    return {centre.id: centre for centre in db.session.scalars(select(Centre))}


def _clients() -> dict[int, Client]:
    return {client.id: client for client in db.session.scalars(select(Client))}


def test_amounts_are_plausible(demo):
    for code, created in demo.items():
        centre, _counsellor = centre_and_counsellor(code)
        in_centre = (lambda model: select(func.count()).select_from(model)
                     .where(model.centre_id == centre.id))
        sessions = db.session.scalar(in_centre(CounsellingSession))
        assert sessions == created["counselling"]
        assert 1.1 * CLIENTS_PER_CENTRE <= sessions <= 2.0 * CLIENTS_PER_CENTRE, (code, sessions)
        with_sessions = db.session.scalar(
            select(func.count(CounsellingSession.client_id.distinct()))
            .where(CounsellingSession.centre_id == centre.id))
        assert 0.6 * CLIENTS_PER_CENTRE <= with_sessions <= 0.95 * CLIENTS_PER_CENTRE

        assert db.session.scalar(in_centre(GroupSession)) == created["group"] >= 3
        attending = db.session.scalar(
            select(func.count(GroupSessionAttendee.client_id.distinct()))
            .where(GroupSessionAttendee.centre_id == centre.id))
        assert 0.15 * CLIENTS_PER_CENTRE <= attending <= 0.45 * CLIENTS_PER_CENTRE, (code,
                                                                                      attending)
        referrals = db.session.scalar(in_centre(Referral))
        assert referrals == created["referrals"]
        assert 0.05 * CLIENTS_PER_CENTRE <= referrals <= 0.3 * CLIENTS_PER_CENTRE, (code,
                                                                                   referrals)
        summaries = db.session.scalars(
            select(AuditEvent.summary).where(AuditEvent.centre_id == centre.id,
                                             AuditEvent.summary.like("demo data:%"))).all()
        assert sorted(summaries) == sorted([
            f"demo data: {CLIENTS_PER_CENTRE} clients",
            f"demo data: {sessions} counselling sessions",
            f"demo data: {created['group']} group sessions, "
            f"{db.session.scalar(in_centre(GroupSessionAttendee))} attendees",
            f"demo data: {referrals} referrals",
        ])


def test_counselling_sessions_keep_the_services_rules(demo):
    now = utcnow()
    centres, clients = _centres(), _clients()
    staff = {centre_id: {user.id for user in counsellors_of(centre_id)} for centre_id in centres}
    follow_ups = Counter()
    latest = defaultdict(lambda: None)
    counsellors_at_lahore = set()
    for session in db.session.scalars(select(CounsellingSession)):
        client = clients[session.client_id]
        centre = centres[session.centre_id]
        calendar = OfficeCalendar.of(centre, now)
        assert session.centre_id == client.centre_id
        assert client.created_at <= session.held_at <= now
        assert calendar.is_office_time(session.held_at), session.held_at
        assert session.held_at.second == session.held_at.microsecond == 0
        assert session.counsellor_id in staff[session.centre_id]
        assert session.created_by_id == session.counsellor_id
        assert session.held_at <= session.created_at <= now
        validation.check_channel(session.channel)
        validation.check_duration(session.duration_minutes)
        validation.check_topics(session.topic_codes)
        validation.check_pathways(session.pathway_codes)
        assert session.topic_codes == [code for code, _label in counselling_choices.TOPICS
                                       if code in session.topic_codes]
        if session.follow_up_on is not None:
            assert session.follow_up_on >= calendar.local_date(session.held_at)
            if session.follow_up_done_at is not None:
                assert session.held_at <= session.follow_up_done_at <= now
                follow_ups["done"] += 1
            elif session.follow_up_on < calendar.today:
                follow_ups["overdue"] += 1
            else:
                follow_ups["open"] += 1
        else:
            assert session.follow_up_done_at is None
        if centre.code == "LHR":
            counsellors_at_lahore.add(session.counsellor_id)
        if latest[client.id] is None or session.held_at > latest[client.id]:
            latest[client.id] = session.held_at
    assert follow_ups["done"] > follow_ups["overdue"] > 0 and follow_ups["open"] > 0, follow_ups
    assert len(counsellors_at_lahore) == 2
    for client_id, held_at in latest.items():
        assert clients[client_id].last_visit_at >= held_at


def test_group_sessions_and_attendees_belong_to_their_centre(demo):
    now = utcnow()
    centres, clients = _centres(), _clients()
    sessions = {s.id: s for s in db.session.scalars(select(GroupSession))}
    for session in sessions.values():
        centre = centres[session.centre_id]
        assert session.kind in dict(group_choices.KINDS)
        assert session.venue_type in dict(group_choices.VENUE_TYPES)
        assert session.venue.strip()
        assert set(session.topic_codes) <= set(dict(group_choices.TOPICS))
        assert bool(session.destination_country) == (session.kind == group_choices.PDO)
        if session.partner_id is not None:
            partner = db.session.get(Partner, session.partner_id)
            assert partner.country == centre.country and partner.centre_id in (None, centre.id)
        assert OfficeCalendar.of(centre, now).is_office_time(session.starts_at)
    assert {s.kind for s in sessions.values()} == set(dict(group_choices.KINDS))
    assert any(s.starts_at > now for s in sessions.values())  # some are still to come

    for attendee in db.session.scalars(select(GroupSessionAttendee)):
        session, client = sessions[attendee.group_session_id], clients[attendee.client_id]
        assert attendee.centre_id == session.centre_id == client.centre_id
        assert client.created_at <= session.starts_at <= now
        assert client.last_visit_at >= session.starts_at
    sexes = set(dict(group_choices.HEAD_COUNT_SEXES))
    ages = set(dict(group_choices.AGE_GROUPS)) | {None}
    counted = defaultdict(int)
    for row in db.session.scalars(select(GroupSessionHeadCount)):
        assert row.sex in sexes and row.age_group in ages and row.count > 0
        assert row.centre_id == sessions[row.group_session_id].centre_id
        counted[row.group_session_id] += row.count
    for session in sessions.values():
        assert (counted[session.id] > 0) == (session.starts_at <= now)


def test_referrals_follow_consent_partners_and_allowed_transitions(demo):
    now = utcnow()
    centres, clients = _centres(), _clients()
    statuses = Counter()
    for referral in db.session.scalars(select(Referral)):
        client, centre = clients[referral.client_id], centres[referral.centre_id]
        calendar = OfficeCalendar.of(centre, now)
        assert client.consent_referral_sharing
        assert referral.consent_override_reason is None
        assert referral.centre_id == client.centre_id
        assert referral.partner.active and referral.partner.country == centre.country
        assert referral.partner.centre_id in (None, centre.id)
        assert referral.service in referral.partner.service_codes
        assert client.created_at <= referral.created_at <= now
        assert referral.follow_up_due >= calendar.local_date(referral.created_at)
        status, stamped = INITIAL_STATUS, referral.created_at
        for change in referral.changes:
            assert change.centre_id == referral.centre_id
            assert change.from_status == status
            assert change.to_status in ALLOWED_TRANSITIONS[status]
            assert stamped < change.changed_at <= now
            status, stamped = change.to_status, change.changed_at
        assert referral.status == status
        assert bool(referral.outcome) == (status == "completed")
        statuses[status] += 1
    assert statuses["completed"] > 0 and statuses["made"] + statuses["accepted"] > 0
    assert len(statuses) >= 5, statuses
    # Clients without consent to sharing are never referred.
    assert db.session.scalar(
        select(func.count()).select_from(Referral).join(Client, Client.id == Referral.client_id)
        .where(Client.consent_referral_sharing.is_(False))) == 0


def test_last_visit_is_the_latest_activity_and_never_in_the_future(demo):
    now = utcnow()
    for client in db.session.scalars(select(Client)):
        assert client.created_at <= client.last_visit_at <= now


def test_home_page_and_timeline_render_for_a_demo_client(demo):
    centre, _counsellor = centre_and_counsellor("LHR")
    user = create_user(None, username="lhr-reader", display_name="Lahore Reader",
                       password=TEST_PASSWORD, role=Role.MANAGER, centre_id=centre.id)
    busy = db.session.scalar(
        select(Client)
        .where(Client.centre_id == centre.id,
               Client.id.in_(select(Referral.client_id)),
               Client.id.in_(select(CounsellingSession.client_id)),
               Client.id.in_(select(GroupSessionAttendee.client_id)))
        .order_by(Client.id).limit(1))
    if busy is None:  # one with a referral and a session at least
        busy = db.session.scalar(
            select(Client).where(Client.centre_id == centre.id,
                                 Client.id.in_(select(Referral.client_id)),
                                 Client.id.in_(select(CounsellingSession.client_id)))
            .order_by(Client.id).limit(1))
    assert busy is not None
    current_app.test_client_class = RequestContextClient
    browser = current_app.test_client()
    assert login(browser, user).status_code == 302
    home = browser.get("/")
    assert home.status_code == 200
    page = browser.get(f"/clients/{busy.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Counselling by" in text and "Referred to" in text
    for session in db.session.scalars(
            select(GroupSession).join(GroupSessionAttendee)
            .where(GroupSessionAttendee.client_id == busy.id)):
        assert f"/group-sessions/{session.id}" in text
    referral = db.session.scalar(select(Referral).where(Referral.client_id == busy.id).limit(1))
    assert browser.get(f"/referrals/{referral.id}").status_code == 200


def _signature(codes) -> dict:
    references = dict(db.session.execute(select(Client.id, Client.reference)).all())
    return {
        "counselling": sorted(
            (references[s.client_id], s.channel, s.duration_minutes, s.topics, s.pathways,
             s.notes, s.follow_up_on is not None)
            for s in db.session.scalars(select(CounsellingSession))),
        "group": sorted(
            (s.kind, s.venue, s.venue_type, s.topics, s.destination_country,
             tuple(sorted(references[a.client_id] for a in db.session.scalars(
                 select(GroupSessionAttendee).where(GroupSessionAttendee.group_session_id
                                                    == s.id)))))
            for s in db.session.scalars(select(GroupSession))),
        "referrals": sorted(
            (references[r.client_id], r.partner.name, r.service, r.urgency)
            for r in db.session.scalars(select(Referral))),
    }


def test_same_seed_gives_same_casework(tmp_path):
    runs = {}
    for run, seed in (("first", 3), ("again", 3), ("other", 4)):
        with fresh_database(tmp_path / run):
            _casework(("LHR", "BGW"), 60, seed)
            runs[run] = _signature(("LHR", "BGW"))
    assert runs["first"] == runs["again"]
    for kind in ("counselling", "group", "referrals"):
        assert runs["first"][kind], kind
        assert runs["first"][kind] != runs["other"][kind], kind


def test_demo_data_command_adds_casework_unless_clients_exist(runner):
    result = runner.invoke(args=["mrc", "demo-data", "--clients-per-centre", "20", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "LHR: counselling" in result.output and "LHR: referrals" in result.output
    counts = {model: db.session.scalar(select(func.count()).select_from(model))
              for model in (Client, CounsellingSession, GroupSession, Referral)}
    assert counts[Client] == 20 * len(CENTRE_CODES)
    assert counts[CounsellingSession] > 20 and counts[GroupSession] >= 2 * len(CENTRE_CODES)
    assert counts[Referral] > 0

    again = runner.invoke(args=["mrc", "demo-data", "--clients-per-centre", "20", "--if-empty"])
    assert again.exit_code == 0
    assert "Clients exist already" in again.output
    assert counts == {model: db.session.scalar(select(func.count()).select_from(model))
                      for model in counts}


def test_generators_do_nothing_harmful_without_clients(tmp_path):
    with fresh_database(tmp_path):
        centre, counsellor = centre_and_counsellor("DAC")
        assert generate_demo_counselling(centre, counsellor, [], 1) == 0
        assert generate_demo_group_sessions(centre, counsellor, [], 1) == 0
        assert generate_demo_referrals(centre, counsellor, [], 1) == 0  # no partners either
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 3
