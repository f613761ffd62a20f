"""Group sessions through their services and pages: sessions, attendance, head counts, totals,
the type-ahead, the attendance sheet, scoping and the client's timeline."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, update

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.centres.services import centre_today
from mrc.clients import services as registry
from mrc.clients.models import Client
from mrc.clients.services import ClientData, register_client
from mrc.database import utcnow
from mrc.extensions import db
from mrc.group_sessions import services
from mrc.group_sessions.models import (
    GroupSession,
    GroupSessionAttendee,
    GroupSessionHeadCount,
)
from mrc.group_sessions.services import GroupSessionData, GroupSessionError, local_start
from tests.conftest import csrf_token, login, post_form, statements_sent

FORM = {
    "kind": "pdo",
    "date": "2026-12-01",
    "start_time": "10:00",
    "venue": "Protectorate of Emigrants, Lahore",
    "venue_type": "protectorate",
    "partner_id": "0",
    "facilitators": "Sana Tariq, Bilal Ahmed",
    "topics": ["rights_contracts", "remittances"],
    "destination_country": "SA",
    "notes": "Bring passports.",
}


@pytest.fixture
def counsellor(client, staff):
    login(client, staff.lhr_counsellor)
    return client


def person(user, given, family="Khan", *, sex="male", birth_year=1995, **extra):
    data = ClientData(given_name=given, family_name=family, sex=sex, nationality="PK",
                      migration_status="intending", birth_year=birth_year,
                      consent_services=True, **extra)
    return register_client(Actor(user), data, confirmed_new=True)


def group_session(user, *, kind="pdo", destination="SA", starts_at=None, venue="Town hall"):
    starts_at = starts_at or local_start(user.centre, centre_today(user.centre), time(10))
    data = GroupSessionData(kind=kind, starts_at=starts_at, venue=venue, venue_type="community",
                            destination_country=destination)
    return services.create_group_session(Actor(user), data)


def attendee_count(group_session_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(GroupSessionAttendee)
                             .where(GroupSessionAttendee.group_session_id == group_session_id))


def audit_summaries(group_session_id: int, action: str) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(AuditEvent.summary).where(AuditEvent.object_type == "group_session",
                                         AuditEvent.object_id == group_session_id,
                                         AuditEvent.action == action)
        .order_by(AuditEvent.id)))


def add(test_client, group_session_id, client_id, **kwargs):
    return post_form(test_client, f"/group-sessions/{group_session_id}/attendees",
                     {"client_id": str(client_id)},
                     token_from=f"/group-sessions/{group_session_id}", **kwargs)


def head_counts(test_client, group_session_id, counts: dict):
    return post_form(test_client, f"/group-sessions/{group_session_id}/head-counts", counts,
                     token_from=f"/group-sessions/{group_session_id}")


# --- sessions -----------------------------------------------------------------------------------

def test_a_pdo_needs_a_destination_country(app, staff):
    with pytest.raises(GroupSessionError) as refused:
        group_session(staff.lhr_counsellor, destination="")
    assert refused.value.field == "destination_country"
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) == 0
    awareness = group_session(staff.lhr_counsellor, kind="awareness", destination="")
    assert awareness.id and awareness.centre_id == staff.lhr_counsellor.centre_id


def test_admin_without_centre_cannot_record_a_session(app, staff):
    with pytest.raises(GroupSessionError):
        group_session(staff.admin, starts_at=utcnow())


def test_creating_a_session_through_the_form(counsellor, staff):
    refused = post_form(counsellor, "/group-sessions/new", {**FORM, "destination_country": ""},
                        token_from="/group-sessions/new")
    assert refused.status_code == 200
    error = re.search(r'id="destination_country-error">(.*?)</p>', refused.get_data(as_text=True))
    assert error and "destination country" in error.group(1)
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) == 0

    response = post_form(counsellor, "/group-sessions/new", FORM, token_from="/group-sessions/new")
    assert response.status_code == 302
    row = db.session.scalar(select(GroupSession))
    assert response.headers["Location"].endswith(f"/group-sessions/{row.id}")
    # 10:00 in Lahore (UTC+5) is 05:00 UTC.
    assert row.starts_at == datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert (row.kind, row.destination_country, row.venue_type) == ("pdo", "SA", "protectorate")
    assert row.topics == "rights_contracts remittances"
    assert row.centre_id == staff.lhr_counsellor.centre_id
    assert audit_summaries(row.id, "create") == ["created"]
    page = counsellor.get(f"/group-sessions/{row.id}").get_data(as_text=True)
    assert "Pre-departure orientation" in page and "Saudi Arabia" in page
    assert "Rights and contracts" in page and "Protectorate of Emigrants office" in page


def test_partner_must_be_visible_to_the_user(counsellor, staff):
    from mrc.partners.models import Partner

    isb = Partner(name="Islamabad legal clinic", kind="legal_aid", country="PK",
                  centre_id=staff.isb_counsellor.centre_id)
    national = Partner(name="Protectorate of Emigrants, Lahore", kind="government", country="PK")
    db.session.add_all([isb, national])
    db.session.commit()
    form_page = counsellor.get("/group-sessions/new").get_data(as_text=True)
    assert "Protectorate of Emigrants, Lahore" in form_page
    assert "Islamabad legal clinic" not in form_page
    refused = post_form(counsellor, "/group-sessions/new", {**FORM, "partner_id": str(isb.id)},
                        token_from="/group-sessions/new")
    assert refused.status_code == 200 and 'id="partner_id-error"' in refused.get_data(as_text=True)
    accepted = post_form(counsellor, "/group-sessions/new",
                         {**FORM, "partner_id": str(national.id)}, token_from="/group-sessions/new")
    assert accepted.status_code == 302
    assert db.session.scalar(select(GroupSession.partner_id)) == national.id


def test_editing_audits_field_names_only(counsellor, staff):
    row = group_session(staff.lhr_counsellor)
    edit_page = counsellor.get(f"/group-sessions/{row.id}/edit").get_data(as_text=True)
    assert 'value="10:00"' in edit_page and 'value="Town hall"' in edit_page
    response = post_form(counsellor, f"/group-sessions/{row.id}/edit",
                         {**FORM, "venue": "Government College of Technology",
                          "notes": "Secret note"}, token_from=f"/group-sessions/{row.id}/edit")
    assert response.status_code == 302
    summary = audit_summaries(row.id, "update")[-1]
    assert "venue" in summary and "notes" in summary
    assert "College" not in summary and "Secret" not in summary


def test_list_is_newest_first_filtered_by_kind_and_paginated(counsellor, staff, app):
    lahore = staff.lhr_counsellor.centre
    for day, kind, venue in ((1, "pdo", "Venue One"), (3, "awareness", "Venue Three"),
                             (2, "outreach", "Venue Two")):
        group_session(staff.lhr_counsellor, kind=kind, venue=venue,
                      starts_at=local_start(lahore, datetime(2026, 5, day).date(), time(9)))
    group_session(staff.isb_counsellor, venue="Islamabad venue")
    page = counsellor.get("/group-sessions/").get_data(as_text=True)
    positions = [page.index(venue) for venue in ("Venue Three", "Venue Two", "Venue One")]
    assert positions == sorted(positions)
    assert "Islamabad venue" not in page
    only_pdo = counsellor.get("/group-sessions/?kind=pdo").get_data(as_text=True)
    assert "Venue One" in only_pdo and "Venue Two" not in only_pdo
    group_session(staff.lhr_counsellor, kind="pdo", venue="Venue Four",
                  starts_at=local_start(lahore, datetime(2026, 5, 4).date(), time(9)))
    app.config["GROUP_SESSIONS_PER_PAGE"] = 2
    try:
        first = counsellor.get("/group-sessions/").get_data(as_text=True)
        second = counsellor.get("/group-sessions/?page=2").get_data(as_text=True)
        app.config["GROUP_SESSIONS_PER_PAGE"] = 1
        first_pdo = counsellor.get("/group-sessions/?kind=pdo").get_data(as_text=True)
        second_pdo = counsellor.get("/group-sessions/?kind=pdo&page=2").get_data(as_text=True)
    finally:
        app.config.pop("GROUP_SESSIONS_PER_PAGE")
    assert "Page 1 of 2" in first and "Venue One" not in first
    assert "Venue One" in second
    # The filter is kept from page to page.
    assert "Venue Four" in first_pdo and "kind=pdo" in first_pdo and "Page 1 of 2" in first_pdo
    assert "Venue One" in second_pdo and "Venue Two" not in second_pdo


def test_viewing_a_session_is_audited(counsellor, staff):
    row = group_session(staff.lhr_counsellor)
    assert counsellor.get(f"/group-sessions/{row.id}").status_code == 200
    views = db.session.scalars(select(AuditEvent).where(
        AuditEvent.object_type == "group_session", AuditEvent.action == "view")).all()
    assert views and views[-1].object_id == row.id
    assert views[-1].user_id == staff.lhr_counsellor.id


# --- attendance ---------------------------------------------------------------------------------

def test_add_remove_and_duplicate_add(counsellor, staff):
    row = group_session(staff.lhr_counsellor)
    amir = person(staff.lhr_counsellor, "Amir")
    response = add(counsellor, row.id, amir.id, follow_redirects=True)
    assert "Amir Khan" in response.get_data(as_text=True)
    assert "added to the attendance" in response.get_data(as_text=True)
    assert attendee_count(row.id) == 1

    again = add(counsellor, row.id, amir.id, follow_redirects=True).get_data(as_text=True)
    assert "already on the attendance list" in again
    assert attendee_count(row.id) == 1

    removed = post_form(counsellor, f"/group-sessions/{row.id}/attendees/{amir.id}/remove", {},
                        token_from=f"/group-sessions/{row.id}", follow_redirects=True)
    assert "removed from the attendance" in removed.get_data(as_text=True)
    assert attendee_count(row.id) == 0
    assert audit_summaries(row.id, "update") == ["attendee added", "attendee removed"]


def test_adding_a_client_of_another_centre_is_not_found(counsellor, staff, app):
    row = group_session(staff.lhr_counsellor)
    islamabad = person(staff.isb_counsellor, "Bilal", "Ahmed")
    assert add(counsellor, row.id, islamabad.id).status_code == 404
    # Even an admin, who sees both, cannot put an Islamabad client into a Lahore session.
    admin = app.test_client()
    login(admin, staff.admin)
    assert add(admin, row.id, islamabad.id).status_code == 404
    assert add(counsellor, row.id, "12x").status_code == 404
    assert attendee_count(row.id) == 0
    with pytest.raises(services.NotInCentre):
        services.add_attendee(Actor(staff.admin), row, islamabad)


def test_adding_an_attendee_moves_the_last_visit_forward_only(app, staff):
    lahore = staff.lhr_counsellor.centre
    actor = Actor(staff.lhr_counsellor)
    amir = person(staff.lhr_counsellor, "Amir")
    registered_at = amir.last_visit_at
    past = group_session(staff.lhr_counsellor,
                         starts_at=local_start(lahore, datetime(2020, 1, 5).date(), time(10)))
    assert services.add_attendee(actor, past, amir) is True
    assert amir.last_visit_at == registered_at
    later = utcnow() + timedelta(days=2)
    future = group_session(staff.lhr_counsellor, starts_at=later)
    services.add_attendee(actor, future, amir)
    db.session.expire_all()
    assert db.session.get(Client, amir.id).last_visit_at == later


def test_moving_a_session_later_moves_its_attendees_last_visit(app, staff):
    actor = Actor(staff.lhr_counsellor)
    amir = person(staff.lhr_counsellor, "Amir")
    row = group_session(staff.lhr_counsellor,
                        starts_at=utcnow() - timedelta(days=30))
    services.add_attendee(actor, row, amir)
    before = db.session.get(Client, amir.id).last_visit_at
    later = utcnow() + timedelta(days=3)
    data = GroupSessionData.from_group_session(row)
    data.starts_at = later
    assert services.update_group_session(actor, row, data) == ["starts_at"]
    db.session.expire_all()
    assert db.session.get(Client, amir.id).last_visit_at == later > before


def test_head_counts_accept_local_digits_and_refuse_negatives(counsellor, staff):
    row = group_session(staff.lhr_counsellor)
    saved = head_counts(counsellor, row.id, {"count_male_unknown": "٣", "count_female_unknown": "২",
                                             "count_other_18_24": "1"})
    assert saved.status_code == 302
    assert services.head_counts(row) == {("male", None): 3, ("female", None): 2,
                                         ("other", "18_24"): 1}
    assert audit_summaries(row.id, "update") == ["head counts changed"]

    # One message per field: text that is not a number is not also told the allowed range.
    range_message = "Enter a number of people, 0 or more."
    for name, value, message in (("count_male_unknown", "-1", range_message),
                                 ("count_male_unknown", "x", "Enter a whole number."),
                                 ("count_male_unknown", "2.5", "Enter a whole number."),
                                 ("count_female_18_24", "abc", "Enter a whole number."),
                                 ("count_other_50_plus", "-3", range_message)):
        refused = head_counts(counsellor, row.id, {"count_male_unknown": "3", name: value})
        text = refused.get_data(as_text=True)
        assert refused.status_code == 200, value
        error = re.search(rf'id="{name}-error">(.*?)</p>', text)
        assert error and error.group(1) == message, value
        assert services.head_counts(row)[("male", None)] == 3

    # Clearing a count removes its row; nothing changed means no audit row.
    head_counts(counsellor, row.id, {"count_male_unknown": "3", "count_female_unknown": "2"})
    assert services.head_counts(row) == {("male", None): 3, ("female", None): 2}
    head_counts(counsellor, row.id, {"count_male_unknown": "3", "count_female_unknown": "2"})
    assert audit_summaries(row.id, "update").count("head counts changed") == 2


def test_head_count_service_validates(app, staff):
    row = group_session(staff.lhr_counsellor)
    actor = Actor(staff.lhr_counsellor)
    for counts in ({("male", None): -1}, {("male", "teen"): 1}, {("not_stated", None): 1},
                   {("male", None): 1.5}):
        with pytest.raises(GroupSessionError):
            services.set_head_counts(actor, row, counts)
    assert db.session.scalar(select(func.count()).select_from(GroupSessionHeadCount)) == 0


def test_totals_are_registered_plus_head_counts_by_sex(counsellor, staff):
    row = group_session(staff.lhr_counsellor)
    actor = Actor(staff.lhr_counsellor)
    for given, sex in (("Amir", "male"), ("Ayesha", "female"), ("Zara", "not_stated")):
        services.add_attendee(actor, row, person(staff.lhr_counsellor, given, sex=sex))
    services.set_head_counts(actor, row, {("male", None): 3, ("female", None): 2,
                                          ("female", "under_18"): 1, ("other", "18_24"): 1})
    totals = services.participant_totals(row)
    assert totals.by_sex() == {"female": 4, "male": 4, "other": 1, "not_stated": 1}
    assert (totals.registered, totals.counted, totals.total) == (3, 7, 10)
    assert services.participant_counts([row]) == {row.id: 10}
    page = counsellor.get(f"/group-sessions/{row.id}").get_data(as_text=True)
    assert "10 participants" in page
    assert re.search(r'participants-total">10<', page)
    listing = counsellor.get("/group-sessions/").get_data(as_text=True)
    assert re.search(r'class="number">10</td>', listing)


# --- finding people -----------------------------------------------------------------------------

def test_type_ahead_needs_post_and_csrf(counsellor, staff):
    row = group_session(staff.lhr_counsellor)
    url = f"/group-sessions/{row.id}/attendees/search"
    assert counsellor.get(url).status_code == 405
    assert counsellor.post(url, data={"term": "Amir"}).status_code == 400


def test_type_ahead_returns_own_centre_clients_only_at_most_ten(counsellor, staff, app):
    row = group_session(staff.lhr_counsellor)
    for number in range(12):
        person(staff.lhr_counsellor, "Amir", "Lahori", birth_year=1980 + number)
    attending = person(staff.lhr_counsellor, "Amira", "Lahori", given_name_native="امیرہ")
    services.add_attendee(Actor(staff.lhr_counsellor), row, attending)
    islamabad = person(staff.isb_counsellor, "Amir", "Islamabadi")
    response = post_form(counsellor, f"/group-sessions/{row.id}/attendees/search",
                         {"term": "amir"}, token_from=f"/group-sessions/{row.id}")
    assert response.status_code == 200 and response.is_json
    results = response.get_json()["results"]
    assert len(results) == 10
    assert set(results[0]) >= {"id", "reference", "name", "native_name", "birth_year"}
    assert all(result["reference"].startswith("LHR-") for result in results)
    assert islamabad.id not in {result["id"] for result in results}
    # The search term travelled in the body only, and is not in the audit log either.
    assert "amir" not in response.request.url.lower()
    summaries = db.session.scalars(select(AuditEvent.summary)
                                   .where(AuditEvent.action == "search")).all()
    assert summaries and all("amir" not in summary.lower() for summary in summaries)

    native = post_form(counsellor, f"/group-sessions/{row.id}/attendees/search",
                       {"term": "امیرہ"}, token_from=f"/group-sessions/{row.id}").get_json()
    assert [r["id"] for r in native["results"]] == [attending.id]
    assert native["results"][0]["attending"] is True
    assert native["results"][0]["native_name"] == "امیرہ"

    # An admin searching a Lahore session still gets Lahore clients only.
    admin = app.test_client()
    login(admin, staff.admin)
    found = post_form(admin, f"/group-sessions/{row.id}/attendees/search",
                      {"term": "islamabadi"}, token_from="/").get_json()
    assert found["results"] == []


def test_search_without_javascript_lists_matches_with_add_buttons(counsellor, staff):
    row = group_session(staff.lhr_counsellor)
    amir = person(staff.lhr_counsellor, "Amir")
    person(staff.isb_counsellor, "Amir", "Islamabadi")
    page = counsellor.get(f"/group-sessions/{row.id}").get_data(as_text=True)
    # The page's forms and script carry no search term in any address.
    assert 'action="/group-sessions/%d/find"' % row.id in page
    assert 'src="/static/js/group_attendance.js" defer' in page
    assert "<script>" not in page
    response = post_form(counsellor, f"/group-sessions/{row.id}/find", {"term": "amir"},
                         token_from=f"/group-sessions/{row.id}")
    text = response.get_data(as_text=True)
    assert response.request.path == f"/group-sessions/{row.id}/find"
    assert not response.request.query_string
    assert "1 person found" in text and amir.reference in text
    assert "Islamabadi" not in text
    assert f'name="client_id" value="{amir.id}"' in text
    # The registration button carries the typed name by POST.
    assert 'name="return_to_group_session" value="%d"' % row.id in text
    assert re.search(r'name="term" value="amir"', text)
    empty = post_form(counsellor, f"/group-sessions/{row.id}/find", {"term": ""},
                      token_from=f"/group-sessions/{row.id}")
    assert 'id="term-error"' in empty.get_data(as_text=True)


def test_registering_in_place_adds_the_new_person(counsellor, staff):
    row = group_session(staff.lhr_counsellor)
    start = post_form(counsellor, "/clients/register",
                      {"term": "Rokeya Begum", "start": "1",
                       "return_to_group_session": str(row.id)},
                      token_from=f"/group-sessions/{row.id}")
    text = start.get_data(as_text=True)
    assert 'value="Rokeya"' in text
    assert f'name="return_to_group_session" value="{row.id}"' in text
    response = post_form(counsellor, "/clients/register", {
        "consent_services": "y", "given_name": "Rokeya", "family_name": "Begum", "sex": "female",
        "birth_year": "1999", "nationality": "PK", "migration_status": "intending",
        "return_to_group_session": str(row.id)}, token_from="/clients/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/group-sessions/{row.id}")
    new_client = db.session.scalar(select(Client).where(Client.given_name == "Rokeya"))
    assert services.is_attending(row, new_client)
    page = counsellor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rokeya Begum" in page and "registered as" in page


def test_registering_with_a_session_of_another_centre_only_registers(counsellor, staff):
    other = group_session(staff.isb_counsellor)
    response = post_form(counsellor, "/clients/register", {
        "consent_services": "y", "given_name": "Rokeya", "family_name": "Begum", "sex": "female",
        "birth_year": "1999", "nationality": "PK", "migration_status": "intending",
        "return_to_group_session": str(other.id)}, token_from="/clients/")
    assert response.status_code == 302 and "/clients/" in response.headers["Location"]
    assert attendee_count(other.id) == 0


# --- sheet, scoping, timeline -------------------------------------------------------------------

def test_attendance_sheet_lists_attendees_with_signature_column(counsellor, staff):
    row = group_session(staff.lhr_counsellor, venue="Government College")
    actor = Actor(staff.lhr_counsellor)
    amir = person(staff.lhr_counsellor, "Amir", given_name_native="امیر")
    ayesha = person(staff.lhr_counsellor, "Ayesha", "Bibi", sex="female")
    for client_row in (amir, ayesha):
        services.add_attendee(actor, row, client_row)
    response = counsellor.get(f"/group-sessions/{row.id}/sheet")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Migrant Resource Centre Lahore" in text and "Government College" in text
    assert "Pre-departure orientation" in text and "Signature" in text
    assert "<bdi>Amir Khan</bdi>" in text and "امیر" in text and "Ayesha Bibi" in text
    assert f'<span dir="ltr">{amir.reference}</span>' in text
    assert text.count('class="blank-row"') == 10
    assert 'class="main-nav"' not in text and "<script>" not in text
    assert "data-print" in text
    assert audit_summaries(row.id, "view")[-1] == "attendance sheet"


def test_date_and_time_are_isolated_with_the_languages_comma(counsellor, staff):
    """In Urdu "9:30 AM" is left-to-right: not isolated, its "AM" joined the Latin centre name
    across the venue, far from "9:30". The comma between date and time is Urdu's."""
    lahore = staff.lhr_counsellor.centre
    row = group_session(staff.lhr_counsellor, venue="Town hall",
                        starts_at=local_start(lahore, datetime(2026, 12, 1).date(), time(9, 30)))
    post_form(counsellor, "/language", {"locale": "ur"})
    when = "\u2068منگل، 1 دسمبر، 2026\u2069، \u20689:30 AM\u2069"
    page = counsellor.get(f"/group-sessions/{row.id}").get_data(as_text=True)
    assert (f'<p class="lead">{when} · <bdi>Town hall</bdi> · '
            "<bdi>Migrant Resource Centre Lahore</bdi></p>") in page
    sheet = counsellor.get(f"/group-sessions/{row.id}/sheet").get_data(as_text=True)
    assert f"<dd>{when}</dd>" in sheet


def test_an_admin_is_told_the_session_time_is_utc(app, staff):
    lahore = staff.lhr_counsellor.centre
    row = group_session(staff.lhr_counsellor,
                        starts_at=local_start(lahore, datetime(2026, 12, 1).date(), time(9, 30)))
    admin = app.test_client()
    login(admin, staff.admin)
    for path in (f"/group-sessions/{row.id}", f"/group-sessions/{row.id}/sheet"):
        page = admin.get(path).get_data(as_text=True)
        assert re.search("\u2068\u20684:30\\sAM\u2069 UTC\u2069", page), path


def test_another_centre_gets_404_everywhere(client, staff):
    row = group_session(staff.lhr_counsellor)
    amir = person(staff.lhr_counsellor, "Amir")
    services.add_attendee(Actor(staff.lhr_counsellor), row, amir)
    login(client, staff.isb_counsellor)
    base = f"/group-sessions/{row.id}"
    for path in (base, base + "/edit", base + "/sheet"):
        assert client.get(path).status_code == 404, path
    for path, body in ((base + "/edit", FORM), (base + "/find", {"term": "Amir"}),
                       (base + "/attendees/search", {"term": "Amir"}),
                       (base + "/attendees", {"client_id": str(amir.id)}),
                       (base + f"/attendees/{amir.id}/remove", {}),
                       (base + "/head-counts", {"count_male_unknown": "4"})):
        assert post_form(client, path, body).status_code == 404, path
    assert attendee_count(row.id) == 1
    assert services.head_counts(row) == {}
    assert "Town hall" not in client.get("/group-sessions/").get_data(as_text=True)


def test_attendance_appears_on_the_client_timeline(counsellor, staff):
    row = group_session(staff.lhr_counsellor, venue="Government College")
    amir = person(staff.lhr_counsellor, "Amir")
    add(counsellor, row.id, amir.id)
    page = counsellor.get(f"/clients/{amir.id}").get_data(as_text=True)
    assert 'class="timeline-group_session"' in page
    assert f'href="/group-sessions/{row.id}"' in page
    assert re.search(r"Attended Pre-departure orientation at \u2068Government College\u2069", page)


def test_csrf_token_is_on_the_session_page(counsellor, staff):
    row = group_session(staff.lhr_counsellor)
    assert csrf_token(counsellor, f"/group-sessions/{row.id}")


def test_attendees_of_a_name_more_people_have_than_are_gathered_are_those_seen_last(
        staff, monkeypatch):
    monkeypatch.setattr(registry, "SEARCH_MATCH_LIMIT", 3)
    row = group_session(staff.lhr_counsellor)
    amirs = [person(staff.lhr_counsellor, "Amir").id for _n in range(5)]
    # The first registered came back today; the lookup gathers the first four (the limit and
    # one), not the last registered, seen last but one.
    db.session.execute(update(Client).where(Client.id == amirs[0])
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    found = services.find_clients(Actor(staff.lhr_counsellor), row, "amir", limit=2)
    assert [match.client.id for match in found] == [amirs[0], amirs[4]]


def test_attendees_of_a_name_gathered_whole_are_those_seen_last_without_a_walk(
        staff, monkeypatch):
    """A name whose keys were counted below the last probe limit is gathered whole: past the
    limit, those seen last of all who have it come first, however close, with no walk."""
    monkeypatch.setattr(registry, "SEARCH_MATCH_LIMIT", 3)
    monkeypatch.setattr(registry, "_RARITY_PROBE_LIMITS", (2, 50))
    monkeypatch.setattr(registry.SearchPlan, "recently_seen", None)  # a walk would fail
    row = group_session(staff.lhr_counsellor)
    amirs = [person(staff.lhr_counsellor, "Amir").id for _n in range(4)]
    aamir = person(staff.lhr_counsellor, "Aamir").id  # sounding the same: not the closest
    db.session.execute(update(Client).where(Client.id == amirs[0])
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    found = services.find_clients(Actor(staff.lhr_counsellor), row, "amir khan", limit=3)
    assert [match.client.id for match in found] == [amirs[0], aamir, amirs[3]]


def test_attendees_of_a_name_as_typed_more_have_than_the_limit_are_walked_straight_away(
        staff, monkeypatch):
    """Keys counted past the last limit, and the name as typed had by more than the limit:
    those seen last, without reading every reading's lookup first."""
    monkeypatch.setattr(registry, "SEARCH_MATCH_LIMIT", 3)
    monkeypatch.setattr(registry, "_RARITY_PROBE_LIMITS", (2, 4))
    row = group_session(staff.lhr_counsellor)
    amirs = [person(staff.lhr_counsellor, "Amir").id for _n in range(5)]
    db.session.execute(update(Client).where(Client.id == amirs[0])
                       .values(last_visit_at=utcnow() + timedelta(hours=1)))
    db.session.commit()
    with statements_sent() as sent:
        found = services.find_clients(Actor(staff.lhr_counsellor), row, "amir khan", limit=2)
    assert [match.client.id for match in found] == [amirs[0], amirs[4]]
    assert not any(" UNION ALL SELECT client_id, rank " in sql for sql in sent)


def test_attendees_are_found_by_reference_phone_and_name_closest_first(staff):
    row = group_session(staff.lhr_counsellor)
    amir = person(staff.lhr_counsellor, "Amir", phone="+923001234567")
    amira = person(staff.lhr_counsellor, "Amira")  # a longer name starting the same
    aamir = person(staff.lhr_counsellor, "Aamir")  # spelled otherwise, sounding the same

    def found(term):
        return [match.client.id for match in services.find_clients(
            Actor(staff.lhr_counsellor), row, term)]

    code, year, number = amir.reference.split("-")
    assert found(amir.reference.lower()) == [amir.id]
    assert found(f"{code}-{year}-{int(number)}") == [amir.id]  # the number's zeros left out
    assert found("0300 1234567") == [amir.id]
    # The name as typed (and longer names starting with it) first, then those sounding the
    # same, each most recently seen first.
    assert found("amir") == [amira.id, amir.id, aamir.id]
