"""A counsellor from one centre never sees another centre's clients, by URL or by search."""

import pytest
from sqlalchemy import select

from mrc.actor import Actor
from mrc.clients.models import Client
from mrc.clients.services import ClientData, find_duplicates, register_client, search_clients
from mrc.extensions import db
from mrc.partners.models import Partner
from mrc.security import Scope, scoped
from tests.conftest import login
from tests.test_clients import search


def _islamabad_client(staff) -> Client:
    data = ClientData(given_name="Bilal", family_name="Ahmed", sex="male", nationality="PK",
                      migration_status="intending", birth_year=1990, phone="+923451112233",
                      national_id="61101-1234567-1", consent_services=True)
    return register_client(Actor(staff.isb_counsellor), data)


def test_lahore_counsellor_cannot_reach_islamabad_client(client, staff):
    other = _islamabad_client(staff)
    login(client, staff.lhr_counsellor)
    for url in (f"/clients/{other.id}", f"/clients/{other.id}/edit"):
        assert client.get(url).status_code == 404
    for term in ("Bilal", "0345 1112233", "61101-1234567-1", other.reference):
        assert other.reference not in search(client, term).get_data(as_text=True).split("</form>")[-1]
    assert other.reference not in client.get("/clients/").get_data(as_text=True)


def test_duplicate_check_stays_within_the_centre(app, staff):
    _islamabad_client(staff)
    data = ClientData(given_name="Bilal", family_name="Ahmed", sex="male", nationality="PK",
                      migration_status="intending", birth_year=1990, phone="+923451112233",
                      consent_services=True)
    assert find_duplicates(Actor(staff.lhr_counsellor), data) == []
    assert len(find_duplicates(Actor(staff.isb_counsellor), data)) == 1
    assert len(find_duplicates(Actor(staff.admin), data)) == 1


def test_admin_searches_all_centres(client, staff):
    other = _islamabad_client(staff)
    login(client, staff.admin)
    assert other.reference in search(client, "bilal").get_data(as_text=True)
    assert db.session.scalar(select(Client.centre_id)) == staff.isb_counsellor.centre_id


def test_the_same_search_in_two_centres_finds_only_each_centres_clients(app, staff):
    # Statements are built once per shape of search and scope, then reused: the same terms,
    # by the owning centre first, must still find nothing for another centre.
    other = _islamabad_client(staff)
    for term in ("Bilal Ahmed", "0345 1112233", "61101-1234567-1", other.reference):
        found = search_clients(Actor(staff.isb_counsellor), term, page=1, per_page=25)
        assert [c.id for c in found.items] == [other.id], term
        assert search_clients(Actor(staff.lhr_counsellor), term, page=1, per_page=25).total == 0
        found = search_clients(Actor(staff.admin), term, page=1, per_page=25)
        assert [c.id for c in found.items] == [other.id], term
    data = ClientData.from_client(other)
    assert len(find_duplicates(Actor(staff.isb_counsellor), data)) == 1
    assert find_duplicates(Actor(staff.lhr_counsellor), data) == []


def test_duplicate_check_can_leave_out_the_record_being_checked(app, staff):
    first = _islamabad_client(staff)
    data = ClientData.from_client(first)
    second = register_client(Actor(staff.isb_counsellor), data, confirmed_new=True)
    actor = Actor(staff.isb_counsellor)
    assert {c.client.id for c in find_duplicates(actor, data)} == {first.id, second.id}
    assert [c.client.id for c in find_duplicates(actor, data, exclude_id=first.id)] == [second.id]


def test_a_scope_stands_for_a_user_only_where_role_and_centre_decide(app, staff):
    user = staff.lhr_counsellor
    by_user = db.session.scalars(scoped(Client, user)).all()
    assert db.session.scalars(scoped(Client, Scope.of(user))).all() == by_user
    with pytest.raises(TypeError):
        scoped(Partner, Scope.of(user))  # national partners are seen by the centre's country
