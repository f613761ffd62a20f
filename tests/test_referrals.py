"""Referrals: consent, the status table, needing action, scoping, audit and the pages."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.auth.models import Role
from mrc.centres.services import centre_today
from mrc.clients.models import Client
from mrc.clients.services import ClientData, register_client
from mrc.extensions import db
from mrc.partners.models import Partner
from mrc.partners.services import seed_partners
from mrc.referrals import services
from mrc.referrals.models import Referral, ReferralStatusChange
from tests.conftest import login, make_user, post_form

PROTECTORATE = "Protectorate of Emigrants, Lahore"
EMIGRATION = "emigration_registration"
CONSENT_MESSAGE = "The person has not agreed to their data being shared with partners"


def make_client(user, *, sharing: bool = True, name: str = "Usman",
                assigned_to=None) -> Client:
    data = ClientData(given_name="Muhammad", family_name=name, sex="male", nationality="PK",
                      migration_status="intending", birth_year=1994, consent_services=True,
                      consent_referral_sharing=sharing,
                      assigned_counsellor_id=assigned_to.id if assigned_to else None)
    return register_client(Actor(user), data, confirmed_new=True)


def partner_named(name: str) -> Partner:
    return db.session.scalar(select(Partner).where(Partner.name == name))


def referral_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


def change_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ReferralStatusChange))


def data_for(partner: Partner, **changes) -> services.ReferralData:
    values = dict(partner_id=partner.id, service=EMIGRATION, reason="Needs the protector stamp.",
                  urgency="routine", follow_up_due=date.today() + timedelta(days=7))
    return services.ReferralData(**{**values, **changes})


def refer(user, client: Client, partner: Partner, **changes) -> Referral:
    return services.make_referral(Actor(user), client, data_for(partner, **changes))


@pytest.fixture
def partners(app):
    seed_partners()
    return partner_named(PROTECTORATE)


@pytest.fixture
def protectorate(partners):
    return partners


@pytest.fixture
def consenting(staff, partners) -> Client:
    return make_client(staff.lhr_counsellor)


@pytest.fixture
def unwilling(staff, partners) -> Client:
    return make_client(staff.lhr_counsellor, sharing=False, name="Khan")


def form_body(partner: Partner, **changes) -> dict:
    body = {"partner_id": str(partner.id), "service": EMIGRATION, "urgency": "routine",
            "reason": "Needs the protector stamp.",
            "follow_up_due": (date.today() + timedelta(days=7)).isoformat()}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def post_referral(test_client, client_row: Client, body: dict):
    path = f"/clients/{client_row.id}/referrals/new"
    return post_form(test_client, path, body, token_from=path)


# --- the status table -------------------------------------------------------------------------

ALLOWED = [
    ("made", "accepted"), ("made", "declined"), ("made", "no_show"),
    ("made", "lost_to_follow_up"), ("made", "withdrawn"),
    ("accepted", "completed"), ("accepted", "no_show"), ("accepted", "lost_to_follow_up"),
    ("accepted", "withdrawn"),
]
TERMINAL = ["completed", "declined", "no_show", "lost_to_follow_up", "withdrawn"]
REFUSED = [
    ("completed", "made"), ("declined", "accepted"), ("made", "completed"), ("made", "made"),
    ("accepted", "made"), ("accepted", "accepted"), ("accepted", "declined"),
    ("completed", "accepted"), ("withdrawn", "accepted"), ("no_show", "completed"),
    ("lost_to_follow_up", "accepted"), ("declined", "completed"), ("made", "unknown"),
]


def test_the_table_is_exactly_the_agreed_flow():
    table = {(old, new) for old, targets in services.ALLOWED_TRANSITIONS.items()
             for new in targets}
    assert table == set(ALLOWED)
    assert set(services.TERMINAL_STATUSES) == set(TERMINAL)
    assert set(services.OPEN_STATUSES) == {"made", "accepted"}
    assert services.INITIAL_STATUS == "made"


@pytest.mark.parametrize("old, new", ALLOWED)
def test_every_allowed_move_is_stamped(staff, consenting, protectorate, old, new):
    referral = refer(staff.lhr_counsellor, consenting, protectorate)
    referral.status = old
    db.session.commit()
    outcome = "Registered; protector stamp given." if new == "completed" else ""
    change = services.change_status(Actor(staff.lhr_manager), referral, new,
                                    note="Phoned the office.", outcome=outcome)
    db.session.expire_all()
    assert referral.status == new
    assert (change.from_status, change.to_status, change.note) == (old, new, "Phoned the office.")
    assert change.changed_by_id == staff.lhr_manager.id and change.changed_at is not None
    assert change.centre_id == consenting.centre_id
    if new == "completed":
        assert referral.outcome == outcome
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update",
                                                       AuditEvent.object_type == "referral"))
    assert event.object_id == referral.id and f"{old} -> {new}" in event.summary
    assert "Phoned" not in event.summary


@pytest.mark.parametrize("old, new", REFUSED)
def test_refused_moves_save_nothing(staff, consenting, protectorate, old, new):
    referral = refer(staff.lhr_counsellor, consenting, protectorate)
    referral.status = old
    db.session.commit()
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(services.TransitionRefused) as refused:
        services.change_status(Actor(staff.lhr_manager), referral, new, note="x",
                               outcome="Some outcome")
    assert str(refused.value).startswith("This referral cannot move from")
    assert refused.value.field == "to_status"
    db.session.rollback()
    db.session.expire_all()
    assert referral.status == old
    assert change_count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_completing_needs_an_outcome(staff, consenting, protectorate):
    referral = refer(staff.lhr_counsellor, consenting, protectorate)
    actor = Actor(staff.lhr_counsellor)
    services.change_status(actor, referral, "accepted")
    with pytest.raises(services.ReferralError) as missing:
        services.change_status(actor, referral, "completed", outcome="   ")
    assert missing.value.field == "outcome"
    db.session.expire_all()
    assert referral.status == "accepted" and change_count() == 1


# --- making a referral: consent and checks ----------------------------------------------------

def test_referral_starts_as_made_in_the_clients_centre(staff, consenting, protectorate):
    referral = refer(staff.lhr_counsellor, consenting, protectorate)
    assert referral.status == "made"
    assert referral.centre_id == consenting.centre_id
    assert referral.created_by_id == staff.lhr_counsellor.id
    assert referral.consent_override_reason is None and referral.consent_override_by_id is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "referral"))
    assert (event.action, event.object_id, event.summary) == ("create", referral.id, "made")


def test_without_sharing_consent_the_referral_is_refused(staff, unwilling, protectorate):
    with pytest.raises(services.ConsentRefused) as refused:
        refer(staff.lhr_counsellor, unwilling, protectorate)
    assert CONSENT_MESSAGE in str(refused.value)
    assert refused.value.field == "partner_id"
    # A counsellor cannot override, even when the request says so.
    with pytest.raises(services.ConsentRefused) as refused:
        refer(staff.lhr_counsellor, unwilling, protectorate, consent_override=True,
              override_reason="Urgent.")
    assert "Only a manager" in str(refused.value)
    assert referral_count() == 0


def test_manager_overrides_with_a_reason_that_stays_out_of_the_audit_log(
        staff, unwilling, protectorate):
    with pytest.raises(services.ReferralError) as missing:
        refer(staff.lhr_manager, unwilling, protectorate, consent_override=True,
              override_reason="  ")
    assert missing.value.field == "override_reason"
    assert referral_count() == 0

    reason = "Risk of trafficking; the agent holds his passport."
    referral = refer(staff.lhr_manager, unwilling, protectorate, consent_override=True,
                     override_reason=reason)
    assert referral.consent_override_reason == reason
    assert referral.consent_override_by_id == staff.lhr_manager.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "referral"))
    assert event.action == "create" and "override" in event.summary
    assert "passport" not in event.summary and "trafficking" not in event.summary


def test_override_is_ignored_when_the_person_agreed(staff, consenting, protectorate):
    referral = refer(staff.lhr_manager, consenting, protectorate, consent_override=True,
                     override_reason="Not needed.")
    assert referral.consent_override_reason is None and referral.consent_override_by_id is None


def test_partner_service_and_date_are_checked(staff, consenting, protectorate):
    actor = Actor(staff.lhr_counsellor)
    baghdad_ministry = partner_named("Ministry of Migration and Displacement (MoMD)")
    oec = partner_named("Overseas Employment Corporation (OEC)")
    oec.active = False
    db.session.commit()
    cases = [
        (data_for(protectorate, service="legal_aid"), "service"),
        (data_for(protectorate, service="nonsense"), "service"),
        (data_for(baghdad_ministry, service="displacement"), "partner_id"),
        (data_for(oec, service="public_recruitment"), "partner_id"),
        (data_for(protectorate, urgency="whenever"), "urgency"),
        (data_for(protectorate, reason="  "), "reason"),
        (data_for(protectorate, follow_up_due=date.today() - timedelta(days=2)),
         "follow_up_due"),
    ]
    for data, field in cases:
        with pytest.raises(services.ReferralError) as refused:
            services.make_referral(actor, consenting, data)
        assert refused.value.field == field, data
    assert referral_count() == 0


def test_another_centres_client_cannot_be_referred(staff, consenting, protectorate):
    with pytest.raises(PermissionError):
        refer(staff.isb_counsellor, consenting, protectorate)
    assert referral_count() == 0


# --- making a referral: the page --------------------------------------------------------------

def test_counsellor_refers_from_the_client_page(client, staff, consenting, protectorate,
                                                 monkeypatch):
    login(client, staff.lhr_counsellor)
    page = client.get(f"/clients/{consenting.id}").get_data(as_text=True)
    assert f"/clients/{consenting.id}/referrals/new" in page

    monkeypatch.setattr(services, "today_at", lambda centre: date(2031, 3, 10))
    form = client.get(f"/clients/{consenting.id}/referrals/new").get_data(as_text=True)
    assert 'value="2031-03-17"' in form  # seven days from the centre's today
    assert PROTECTORATE in form
    assert "Ministry of Migration" not in form  # Iraqi partners are not offered in Lahore
    assert 'name="consent_override"' not in form

    response = post_referral(client, consenting,
                             form_body(protectorate, follow_up_due="2031-03-17"))
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral))
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}")
    assert (referral.service, referral.follow_up_due) == (EMIGRATION, date(2031, 3, 17))


def test_page_shows_the_consent_refusal_beside_the_field(client, staff, unwilling, protectorate):
    login(client, staff.lhr_counsellor)
    form = client.get(f"/clients/{unwilling.id}/referrals/new").get_data(as_text=True)
    assert 'name="consent_override"' not in form and 'name="override_reason"' not in form
    response = post_referral(client, unwilling, form_body(protectorate))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    error = text.split('id="partner_id-error"', 1)[1].split("</p>", 1)[0]
    assert CONSENT_MESSAGE in error.replace("&#39;", "'")
    # A forged override from a counsellor is refused too.
    response = post_referral(client, unwilling, form_body(
        protectorate, consent_override="y", override_reason="Forged."))
    assert response.status_code == 200
    assert "Only a manager" in response.get_data(as_text=True)
    assert referral_count() == 0


def test_page_offers_the_override_to_managers(client, staff, unwilling, protectorate):
    login(client, staff.lhr_manager)
    form = client.get(f"/clients/{unwilling.id}/referrals/new").get_data(as_text=True)
    assert 'name="consent_override"' in form and 'name="override_reason"' in form
    response = post_referral(client, unwilling, form_body(protectorate, consent_override="y"))
    assert 'id="override_reason-error"' in response.get_data(as_text=True)
    response = post_referral(client, unwilling, form_body(
        protectorate, consent_override="y", override_reason="He is in danger."))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "He is in danger." in page


def test_page_shows_a_service_the_partner_does_not_offer_beside_the_field(
        client, staff, consenting, protectorate):
    login(client, staff.lhr_counsellor)
    response = post_referral(client, consenting, form_body(protectorate, service="health"))
    text = response.get_data(as_text=True)
    error = text.split('id="service-error"', 1)[1].split("</p>", 1)[0]
    assert "does not offer this service" in error
    response = post_referral(client, consenting, form_body(protectorate, partner_id="0",
                                                           reason=""))
    text = response.get_data(as_text=True)
    assert 'id="partner_id-error"' in text and 'id="reason-error"' in text
    assert referral_count() == 0


# --- following a referral: the pages ----------------------------------------------------------

def test_status_changes_on_the_referral_page(client, staff, consenting, protectorate):
    referral = refer(staff.lhr_counsellor, consenting, protectorate)
    login(client, staff.lhr_counsellor)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert PROTECTORATE in page and "Needs the protector stamp." in page
    assert '<option value="accepted">' in page and '<option value="completed">' not in page

    path = f"/referrals/{referral.id}/status"
    # Straight to completed: refused with the reason, nothing saved.
    response = post_form(client, path, {"to_status": "completed", "outcome": "Done."},
                         token_from=f"/referrals/{referral.id}")
    assert response.status_code == 200
    assert "This referral cannot move from" in response.get_data(as_text=True)
    assert 'id="to_status-error"' in response.get_data(as_text=True)
    assert change_count() == 0

    response = post_form(client, path, {"to_status": "accepted", "note": "Appointment on Monday."},
                         token_from=f"/referrals/{referral.id}")
    assert response.status_code == 302
    response = post_form(client, path, {"to_status": "completed", "outcome": ""},
                         token_from=f"/referrals/{referral.id}")
    assert 'id="outcome-error"' in response.get_data(as_text=True)
    response = post_form(client, path, {"to_status": "completed",
                                        "outcome": "Registered with the Protectorate."},
                         token_from=f"/referrals/{referral.id}")
    assert response.status_code == 302
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Appointment on Monday." in page and "Registered with the Protectorate." in page
    assert "This referral is closed" in page and 'name="to_status"' not in page
    db.session.expire_all()
    assert referral.status == "completed" and change_count() == 2
    # Closed: a forged move back is refused.
    response = post_form(client, path, {"to_status": "made"}, token_from="/referrals/")
    assert "This referral cannot move from" in response.get_data(as_text=True)
    assert change_count() == 2


def test_follow_up_date_changes_on_open_referrals_only(client, staff, consenting, protectorate):
    referral = refer(staff.lhr_counsellor, consenting, protectorate)
    login(client, staff.lhr_counsellor)
    path = f"/referrals/{referral.id}/follow-up"
    later = date.today() + timedelta(days=30)
    assert post_form(client, path, {"follow_up_due": later.isoformat()}).status_code == 302
    db.session.expire_all()
    assert referral.follow_up_due == later
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update",
                                                       AuditEvent.object_type == "referral"))
    assert event.summary == "changed: follow_up_due"
    past = date.today() - timedelta(days=3)
    response = post_form(client, path, {"follow_up_due": past.isoformat()})
    assert 'id="follow_up_due-error"' in response.get_data(as_text=True)
    services.change_status(Actor(staff.lhr_counsellor), referral, "withdrawn")
    with pytest.raises(services.ReferralError):
        services.change_follow_up(Actor(staff.lhr_counsellor), referral, later + timedelta(1))


def test_every_view_of_a_referral_is_audited(client, staff, consenting, protectorate):
    referral = refer(staff.lhr_counsellor, consenting, protectorate)
    login(client, staff.lhr_manager)
    client.get(f"/referrals/{referral.id}")
    client.get(f"/referrals/{referral.id}")
    views = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "view", AuditEvent.object_type == "referral")).all()
    assert [(e.object_id, e.user_id, e.centre_id) for e in views] == [
        (referral.id, staff.lhr_manager.id, consenting.centre_id)] * 2


def test_another_centre_gets_404_on_every_referral_url(app, client, staff, consenting,
                                                       protectorate):
    referral = refer(staff.lhr_counsellor, consenting, protectorate)
    login(client, staff.isb_counsellor)
    assert client.get(f"/referrals/{referral.id}").status_code == 404
    assert client.get(f"/clients/{consenting.id}/referrals/new").status_code == 404
    for path, body in ((f"/referrals/{referral.id}/status", {"to_status": "accepted"}),
                       (f"/referrals/{referral.id}/follow-up", {"follow_up_due": "2099-01-01"}),
                       (f"/clients/{consenting.id}/referrals/new", form_body(protectorate))):
        assert post_form(client, path, body).status_code == 404
    assert "Usman" not in client.get("/referrals/?show=all").get_data(as_text=True)
    with pytest.raises(PermissionError):
        services.change_status(Actor(staff.isb_counsellor), referral, "accepted")
    db.session.expire_all()
    assert referral.status == "made" and change_count() == 0
    admin = app.test_client()
    login(admin, staff.admin)
    assert admin.get(f"/referrals/{referral.id}").status_code == 200


# --- needing action ---------------------------------------------------------------------------

def test_needing_action_when_the_follow_up_is_due_or_no_answer_came(
        app, staff, consenting, protectorate, monkeypatch):
    actor = Actor(staff.lhr_counsellor)
    day = centre_today(consenting.centre)
    soon = refer(staff.lhr_counsellor, consenting, protectorate, follow_up_due=day + timedelta(3))
    later = refer(staff.lhr_counsellor, consenting, protectorate,
                  follow_up_due=day + timedelta(30))

    def needing(on: date) -> list[int]:
        return [r.id for r in services.referrals_needing_action(actor, today=on)]

    assert needing(day) == []
    assert needing(day + timedelta(2)) == []
    assert needing(day + timedelta(3)) == [soon.id]  # follow-up due today
    assert needing(day + timedelta(6)) == [soon.id]  # and past
    # Still "made" without an answer after REFERRAL_NO_ANSWER_DAYS (7) days.
    assert needing(day + timedelta(7)) == [soon.id, later.id]
    assert services.count_referrals_needing_action(actor, today=day + timedelta(7)) == 2

    # An answer (accepted) leaves only the follow-up date to wait for.
    services.change_status(actor, later, "accepted")
    assert needing(day + timedelta(7)) == [soon.id]
    assert needing(day + timedelta(30)) == [soon.id, later.id]
    # Closed referrals never need action.
    services.change_status(actor, soon, "declined")
    assert needing(day + timedelta(60)) == [later.id]

    # The number of days is configurable.
    third = refer(staff.lhr_counsellor, consenting, protectorate,
                  follow_up_due=day + timedelta(30))
    monkeypatch.setitem(app.config, "REFERRAL_NO_ANSWER_DAYS", 2)
    assert needing(day + timedelta(1)) == []
    assert needing(day + timedelta(2)) == [third.id]

    # The clock is one function: moving it moves the default "today" too.
    monkeypatch.setattr(services, "today_at", lambda centre: day + timedelta(2))
    assert [r.id for r in services.referrals_needing_action(actor)] == [third.id]


def test_needing_action_is_scoped_to_the_people_and_the_centre(
        app, staff, partners, monkeypatch):
    colleague = make_user(Role.COUNSELLOR, "LHR", username="lhr-colleague")
    own = make_client(staff.lhr_counsellor)
    colleagues_client = make_client(colleague, name="Colleague")
    assigned_to_me = make_client(colleague, name="Assigned", assigned_to=staff.lhr_counsellor)
    isb_client = make_client(staff.isb_counsellor, name="Islamabad")
    day = centre_today(own.centre)
    due = dict(follow_up_due=day + timedelta(1))
    mine = refer(staff.lhr_counsellor, own, partners, follow_up_due=day + timedelta(2))
    theirs = refer(colleague, colleagues_client, partners, **due)
    for_my_client = refer(colleague, assigned_to_me, partners, follow_up_due=day + timedelta(3))
    mine_for_their_client = refer(staff.lhr_counsellor, colleagues_client, partners,
                                  follow_up_due=day + timedelta(4))
    islamabad = refer(staff.isb_counsellor, isb_client, partners, **due)
    on = day + timedelta(5)

    def ids(user, **kwargs) -> list[int]:
        return [r.id for r in services.referrals_needing_action(Actor(user), today=on, **kwargs)]

    assert ids(staff.lhr_counsellor) == [mine.id, for_my_client.id, mine_for_their_client.id]
    # A counsellor cannot ask for someone else's list.
    assert ids(staff.lhr_counsellor, counsellor_id=colleague.id) == ids(staff.lhr_counsellor)
    assert ids(staff.lhr_manager) == [theirs.id, mine.id, for_my_client.id,
                                      mine_for_their_client.id]
    assert ids(staff.lhr_manager, counsellor_id=colleague.id) == [
        theirs.id, for_my_client.id, mine_for_their_client.id]
    assert ids(staff.lhr_manager, limit=2) == [theirs.id, mine.id]
    assert ids(staff.isb_manager) == [islamabad.id]
    assert set(ids(staff.admin)) == {theirs.id, mine.id, for_my_client.id,
                                     mine_for_their_client.id, islamabad.id}
    assert services.count_referrals_needing_action(Actor(staff.lhr_manager), today=on) == 4
    assert services.count_referrals_needing_action(
        Actor(staff.lhr_manager), counsellor_id=staff.lhr_counsellor.id, today=on) == 3
    # Everyone's counts at once (the manager's table) are the same as each person's.
    by_person = services.count_referrals_needing_action_by_person(
        Actor(staff.lhr_manager), today=on)
    assert by_person == {staff.lhr_counsellor.id: 3, colleague.id: 3}
    assert by_person == {person: services.count_referrals_needing_action(
        Actor(staff.lhr_manager), counsellor_id=person, today=on) for person in by_person}


def test_referral_list_filters(client, staff, consenting, protectorate, monkeypatch):
    fia = partner_named("Federal Investigation Agency (FIA)")
    day = centre_today(consenting.centre)
    due = refer(staff.lhr_counsellor, consenting, protectorate, follow_up_due=day)
    not_due = refer(staff.lhr_counsellor, consenting, fia, service="trafficking_complaint",
                    follow_up_due=day + timedelta(5))
    login(client, staff.lhr_counsellor)

    def listed(query: str = "") -> set[int]:
        text = client.get("/referrals/" + query).get_data(as_text=True)
        return {r.id for r in (due, not_due) if f'href="/referrals/{r.id}"' in text}

    assert listed() == {due.id}  # needing action is the default
    assert listed("?show=all") == {due.id, not_due.id}
    assert listed(f"?show=all&partner_id={fia.id}") == {not_due.id}
    services.change_status(Actor(staff.lhr_counsellor), not_due, "accepted")
    assert listed("?show=all&status=accepted") == {not_due.id}
    assert listed("?show=all&status=made") == {due.id}
    # Time moves on: both need action now.
    monkeypatch.setattr(services, "today_at", lambda centre: day + timedelta(5))
    assert listed() == {due.id, not_due.id}


def test_the_partner_filter_offers_the_partners_the_centre_referred_to(
        client, staff, consenting, protectorate):
    fia = partner_named("Federal Investigation Agency (FIA)")
    refer(staff.lhr_counsellor, consenting, protectorate)
    islamabad_client = make_client(staff.isb_counsellor, name="Tariq")
    refer(staff.isb_counsellor, islamabad_client, fia, service="trafficking_complaint")

    def offered(user) -> list[str]:
        return [partner.name for partner in services.partners_referred_to(Actor(user))]

    assert offered(staff.lhr_counsellor) == [PROTECTORATE]
    assert offered(staff.isb_counsellor) == [fia.name]
    assert offered(staff.admin) == [fia.name, PROTECTORATE]
    login(client, staff.lhr_counsellor)
    page = client.get("/referrals/?show=all").get_data(as_text=True)
    assert f'<option value="{protectorate.id}"' in page
    assert f'<option value="{fia.id}"' not in page


def test_referral_list_is_paginated(client, staff, consenting, protectorate):
    day = centre_today(consenting.centre)
    for _ in range(27):
        refer(staff.lhr_counsellor, consenting, protectorate, follow_up_due=day)
    login(client, staff.lhr_counsellor)
    first = client.get("/referrals/").get_data(as_text=True)
    assert first.count('href="/referrals/') - first.count('href="/referrals/?') == 25 + 1
    second = client.get("/referrals/?page=2&show=action").get_data(as_text=True)
    assert "Page 2 of 2" in second


# --- the client's timeline --------------------------------------------------------------------

def test_timeline_shows_referrals_and_status_changes(app, client, staff, consenting,
                                                     protectorate):
    referral = refer(staff.lhr_counsellor, consenting, protectorate)
    services.change_status(Actor(staff.lhr_manager), referral, "accepted")
    with app.test_request_context():
        entries = services.timeline_entries(consenting)
    assert [e.kind for e in entries] == ["referral", "referral"]
    assert all(e.url == f"/referrals/{referral.id}" for e in entries)
    assert "Emigration registration and clearance" in entries[0].text
    assert "Accepted by the partner" in entries[1].text

    login(client, staff.lhr_counsellor)
    page = client.get(f"/clients/{consenting.id}").get_data(as_text=True)
    assert page.count(f'href="/referrals/{referral.id}"') == 2
    assert "Referred to" in page and PROTECTORATE in page
