"""Merging two records of one person, through the pages, and undoing the merge (issue #7)."""

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.centres.services import centre_today
from mrc.clients.cli import rebuild_search_keys
from mrc.clients.merge import MergeRefused, merge_clients
from mrc.clients.models import Client, ClientMerge, ClientSearchKey
from mrc.clients.services import ClientData, find_duplicates, register_client, search_clients
from mrc.counselling.models import CounsellingSession
from mrc.counselling.services import SessionData, log_session
from mrc.database import utcnow
from mrc.extensions import db
from mrc.group_sessions.models import GroupSessionAttendee
from mrc.group_sessions.services import (
    GroupSessionData,
    add_attendee,
    create_group_session,
    local_start,
)
from tests.conftest import login, post_form


def person(actor, **changes) -> Client:
    fields = {"given_name": "Rokeya", "family_name": "Begum", "sex": "female",
              "nationality": "BD", "migration_status": "intending", "birth_year": 1990,
              "consent_services": True, "phone": ""}
    data = ClientData(**(fields | changes))
    return register_client(actor, data, confirmed_new=True)


def counselled(actor, client) -> CounsellingSession:
    return log_session(actor, client, SessionData(
        held_at=utcnow() - timedelta(hours=1), counsellor_id=actor.user.id, channel="walk_in",
        duration_minutes=20, topics=["legal_pathways"], notes="", follow_up_on=None))


def group_session(actor):
    day = centre_today(actor.user.centre)
    return create_group_session(actor, GroupSessionData(
        kind="awareness", starts_at=local_start(actor.user.centre, day, time(10)),
        venue="Community hall", venue_type="community"))


@pytest.fixture
def records(app, staff):
    """Two records of one person at LHR with their own activity, one shared session."""
    actor = Actor(staff.lhr_manager)
    survivor = person(actor, given_name_native="রোকেয়া", family_name_native="বেগম")
    duplicate = person(actor, given_name="Rokeya", family_name="Begom", phone="+8801711223344")
    counselled(actor, survivor)
    moved_session = counselled(actor, duplicate)
    shared, only_duplicate = group_session(actor), group_session(actor)
    for session_ in (shared,):
        add_attendee(actor, session_, survivor)
    add_attendee(actor, shared, duplicate)
    add_attendee(actor, only_duplicate, duplicate)
    return actor, survivor, duplicate, moved_session, shared, only_duplicate


def attendances(client_id):
    return sorted(db.session.scalars(select(GroupSessionAttendee.group_session_id)
                                     .where(GroupSessionAttendee.client_id == client_id)))


def test_manager_merges_through_the_pages(client, staff, records):
    actor, survivor, duplicate, moved_session, shared, only_duplicate = records
    login(client, staff.lhr_manager)
    page = client.get(f"/clients/{survivor.id}").get_data(as_text=True)
    assert f"/clients/{survivor.id}/merge" in page
    compare = post_form(client, f"/clients/{survivor.id}/merge",
                        {"reference": duplicate.reference.lower()}).get_data(as_text=True)
    assert duplicate.reference in compare and "Begom" in compare
    assert db.session.scalar(select(func.count()).select_from(ClientMerge)) == 0  # not yet
    done = post_form(client, f"/clients/{survivor.id}/merge",
                     {"reference": duplicate.reference, "confirm": "yes"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, duplicate.id).merged_into_id == survivor.id
    assert db.session.get(CounsellingSession, moved_session.id).client_id == survivor.id
    # One person, one attendance of the session both records attended.
    assert attendances(survivor.id) == sorted([shared.id, only_duplicate.id])
    assert attendances(duplicate.id) == []
    # The duplicate's page leads to the survivor; search and duplicate checks no longer list it.
    redirect = client.get(f"/clients/{duplicate.id}")
    assert redirect.headers["Location"].endswith(f"/clients/{survivor.id}")
    assert db.session.scalar(select(func.count()).select_from(ClientSearchKey)
                             .where(ClientSearchKey.client_id == duplicate.id)) == 0
    found = [c.client.id for c in find_duplicates(actor, ClientData(
        given_name="Rokeya", family_name="Begum", sex="female", nationality="BD",
        migration_status="intending", birth_year=1990))]
    assert found == [survivor.id]
    merges = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "merge")).all()
    assert sorted(e.object_id for e in merges) == sorted([survivor.id, duplicate.id])


def test_admin_undoes_a_merge_exactly(client, staff, records):
    actor, survivor, duplicate, moved_session, shared, only_duplicate = records
    before = {c.id: attendances(c.id) for c in (survivor, duplicate)}
    keys_before = sorted(db.session.execute(
        select(ClientSearchKey.kind, ClientSearchKey.value)
        .where(ClientSearchKey.client_id == duplicate.id)).all())
    merge = merge_clients(actor, survivor, duplicate)
    login(client, staff.admin)
    assert duplicate.reference in client.get("/clients/merges").get_data(as_text=True)
    response = post_form(client, f"/clients/merges/{merge.id}/undo", {},
                         token_from="/clients/merges")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, duplicate.id).merged_into_id is None
    assert db.session.get(CounsellingSession, moved_session.id).client_id == duplicate.id
    assert {c.id: attendances(c.id) for c in (survivor, duplicate)} == before
    assert sorted(db.session.execute(
        select(ClientSearchKey.kind, ClientSearchKey.value)
        .where(ClientSearchKey.client_id == duplicate.id)).all()) == keys_before
    assert db.session.get(ClientMerge, merge.id).undone_at is not None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "unmerge")) == 2


def test_managers_cannot_undo_and_wrong_references_are_refused(client, staff, records):
    actor, survivor, duplicate, *_ = records
    other_centre = person(Actor(staff.isb_manager))
    login(client, staff.lhr_manager)
    for reference, message in ((survivor.reference, "This is the record you are on"),
                               (other_centre.reference, "No client with this reference"),
                               ("LHR-1999-999999", "No client with this reference")):
        text = post_form(client, f"/clients/{survivor.id}/merge",
                         {"reference": reference}).get_data(as_text=True)
        assert 'id="reference-error"' in text and message in text
    merge = merge_clients(actor, survivor, duplicate)
    with pytest.raises(MergeRefused):
        merge_clients(actor, survivor, duplicate)  # merged already
    response = post_form(client, f"/clients/merges/{merge.id}/undo", {},
                         token_from="/clients/merges")
    assert response.status_code == 403
    assert db.session.get(ClientMerge, merge.id).undone_at is None


def found_by(actor, term) -> list[int]:
    return [c.id for c in search_clients(actor, term, page=1, per_page=25).items]


def checked(actor, **changes) -> dict[int, list[str]]:
    """The duplicate warning for a registration: candidate id -> reasons."""
    fields = {"given_name": "Rukia", "family_name": "Khatun", "sex": "female",
              "nationality": "BD", "migration_status": "intending", "birth_year": 1990}
    candidates = find_duplicates(actor, ClientData(**(fields | changes)))
    return {candidate.client.id: candidate.reasons for candidate in candidates}


def test_the_person_is_found_by_what_only_the_merged_record_had(app, staff, records):
    """Only the duplicate had the phone and the spelling "Begom": after the merge both find
    the survivor (once), in search and in the duplicate warning; after the undo, the
    duplicate again, and the survivor has its own keys only."""
    actor, survivor, duplicate, *_ = records
    survivor_keys = own_keys(survivor)
    assert found_by(actor, "+8801711223344") == [duplicate.id]
    merge = merge_clients(actor, survivor, duplicate)
    assert found_by(actor, "+8801711223344") == [survivor.id]
    assert found_by(actor, "Rokeya Begom") == [survivor.id]
    # Another name, the merged record's phone: the survivor, for that phone.
    assert checked(actor, phone="+8801711223344") == {
        survivor.id: ["same phone number", "same birth year"]}
    # The other way round: the survivor's own name still finds it.
    assert found_by(actor, "রোকেয়া") == [survivor.id]

    from mrc.clients.merge import undo_merge

    undo_merge(Actor(staff.admin), merge)
    assert found_by(actor, "+8801711223344") == [duplicate.id]
    assert own_keys(survivor) == survivor_keys
    assert list(checked(actor, phone="+8801711223344")) == [duplicate.id]


def test_a_merge_of_a_merge_keeps_the_first_records_keys(app, staff, records):
    actor, survivor, duplicate, *_ = records
    last = person(actor, given_name="Rokeia", phone="+8801999888777")
    merge_clients(actor, survivor, duplicate)
    merge_clients(actor, last, survivor)  # the survivor turns out to be a duplicate too
    assert found_by(actor, "+8801711223344") == [last.id]
    assert found_by(actor, "রোকেয়া") == [last.id]
    assert list(checked(actor, phone="+8801711223344")) == [last.id]


def test_rebuilding_the_keys_keeps_the_merged_records_keys_on_the_survivor(app, staff, records):
    actor, survivor, duplicate, *_ = records
    merge_clients(actor, survivor, duplicate)
    keys = own_keys(survivor)
    rebuild_search_keys()
    db.session.expire_all()
    assert own_keys(survivor) == keys
    assert own_keys(duplicate) == []
    assert found_by(actor, "+8801711223344") == [survivor.id]


def own_keys(client) -> list[tuple]:
    return sorted(db.session.execute(
        select(ClientSearchKey.kind, ClientSearchKey.value, ClientSearchKey.birth_year)
        .where(ClientSearchKey.client_id == client.id)).all())


def test_the_list_of_merges_shows_those_of_the_own_centre(staff, records):
    from mrc.clients.merge import merges_page

    actor, survivor, duplicate, *_rest = records
    merge = merge_clients(actor, survivor, duplicate)

    def listed(user) -> list[int]:
        return [m.id for m in merges_page(Actor(user), page=1, per_page=25).items]

    assert listed(staff.lhr_manager) == [merge.id]
    assert listed(staff.admin) == [merge.id]
    assert listed(staff.isb_manager) == []
