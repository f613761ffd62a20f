"""A counsellor from one centre never sees another centre's clients, by URL or by search."""

from sqlalchemy import select

from mrc.actor import Actor
from mrc.clients.models import Client
from mrc.clients.services import ClientData, find_duplicates, register_client
from mrc.extensions import db
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
