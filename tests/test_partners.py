"""The partner directory: who sees which partner, who may add or change one, and its pages."""

import pytest
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.auth.models import Role
from mrc.extensions import db
from mrc.partners import services
from mrc.partners.models import Partner
from tests.conftest import centre, login, make_user, post_form

LAHORE_PROTECTORATE = "Protectorate of Emigrants, Lahore"
MOMD = "Ministry of Migration and Displacement (MoMD)"
BMET = "Bureau of Manpower, Employment and Training (BMET)"


@pytest.fixture
def seeded(app):
    services.seed_partners()


def partner_named(name: str) -> Partner:
    return db.session.scalar(select(Partner).where(Partner.name == name))


def partner_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Partner))


def names_seen(user, **filters) -> list[str]:
    page = services.list_partners(Actor(user), per_page=100, **filters)
    return [partner.name for partner in page.items]


VALID = {
    "name": "Punjab Legal Aid Clinic",
    "kind": "legal_aid",
    "services": ["legal_aid"],
    "city": "Lahore",
    "address": "Mall Road",
    "phone": "042 99201234",
    "email": "clinic@example.org",
    "hours": "Mon–Fri 9–17",
    "notes": "Bring the contract.",
    "active": "y",
}


def create(test_client, scope: str, **changes):
    data = {**VALID, "scope": scope, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return post_form(test_client, "/partners/new", data, token_from="/partners/")


# --- who sees what ----------------------------------------------------------------------------

def test_seeded_starter_directory_is_national_and_per_country(seeded, staff):
    bgw_counsellor = make_user(Role.COUNSELLOR, "BGW")
    lahore = names_seen(staff.lhr_counsellor)
    assert LAHORE_PROTECTORATE in lahore
    assert "Federal Investigation Agency (FIA)" in lahore
    assert MOMD not in lahore and BMET not in lahore
    assert names_seen(bgw_counsellor) == [MOMD]
    # Seeding again adds nothing.
    assert services.seed_partners() == []


def test_starter_directory_pages_for_lahore_and_baghdad(seeded, client, app, staff):
    bgw_counsellor = make_user(Role.COUNSELLOR, "BGW")
    protectorate = partner_named(LAHORE_PROTECTORATE)
    login(client, staff.lhr_counsellor)
    listing = client.get("/partners/").get_data(as_text=True)
    assert LAHORE_PROTECTORATE in listing and "Ministry of Migration" not in listing
    page = client.get(f"/partners/{protectorate.id}")
    assert page.status_code == 200
    assert "Emigration registration and clearance" in page.get_data(as_text=True)

    baghdad = app.test_client()
    login(baghdad, bgw_counsellor)
    listing = baghdad.get("/partners/").get_data(as_text=True)
    assert "Ministry of Migration" in listing and "Protectorate" not in listing
    assert baghdad.get(f"/partners/{protectorate.id}").status_code == 404


def test_local_partners_stay_with_their_centre(app, staff):
    lahore_desk = services.create_partner(Actor(staff.lhr_manager), services.PartnerData(
        name="Lahore desk", kind="ngo", country="PK", centre_id=staff.lhr_manager.centre_id,
        services="legal_aid"))
    assert "Lahore desk" in names_seen(staff.lhr_counsellor)
    assert "Lahore desk" not in names_seen(staff.isb_counsellor)
    assert "Lahore desk" in names_seen(staff.admin)
    assert lahore_desk.country == "PK" and not lahore_desk.is_national


def test_list_shows_active_first_and_filters_by_kind_and_service(seeded, staff, client):
    inactive = partner_named("Overseas Employment Corporation (OEC)")
    inactive.active = False
    db.session.commit()
    names = names_seen(staff.lhr_counsellor)
    assert names[-1] == inactive.name
    assert names[:-1] == sorted(names[:-1])

    assert names_seen(staff.lhr_counsellor, service="trafficking_complaint") == [
        "Federal Investigation Agency (FIA)"]
    assert names_seen(staff.lhr_counsellor, kind="training") == [
        "National University of Technology (NUTECH)"]
    assert names_seen(staff.lhr_counsellor, kind="training", service="welfare") == []
    # "emigration_registration" must not match a longer code that contains it.
    assert set(names_seen(staff.lhr_counsellor, service="emigration_registration")) == {
        "Bureau of Emigration and Overseas Employment (BEOE)",
        "Protectorate of Emigrants, Islamabad/Rawalpindi", LAHORE_PROTECTORATE}

    login(client, staff.lhr_counsellor)
    page = client.get("/partners/?service=trafficking_complaint").get_data(as_text=True)
    assert "Federal Investigation Agency" in page and "Protectorate" not in page
    page = client.get("/partners/?kind=nonsense").get_data(as_text=True)
    assert "Not a valid choice" in page and "Protectorate" in page  # unfiltered


def test_list_is_paginated(app, staff, client):
    for number in range(30):
        db.session.add(Partner(name=f"Partner {number:02d}", kind="ngo", services="health",
                               country="PK", centre_id=staff.lhr_counsellor.centre_id))
    db.session.commit()
    login(client, staff.lhr_counsellor)
    first = client.get("/partners/?service=health").get_data(as_text=True)
    assert "Partner 00" in first and "Partner 29" not in first
    assert "page=2" in first and "service=health" in first
    second = client.get("/partners/?service=health&page=2").get_data(as_text=True)
    assert "Partner 29" in second and "Partner 00" not in second


# --- who may change what ----------------------------------------------------------------------

def test_counsellor_only_reads_the_directory(seeded, client, staff):
    protectorate = partner_named(LAHORE_PROTECTORATE)
    login(client, staff.lhr_counsellor)
    listing = client.get("/partners/").get_data(as_text=True)
    assert "/partners/new" not in listing
    assert f"/partners/{protectorate.id}/edit" not in client.get(
        f"/partners/{protectorate.id}").get_data(as_text=True)
    assert client.get("/partners/new").status_code == 403
    assert client.get(f"/partners/{protectorate.id}/edit").status_code == 403
    assert create(client, f"centre-{staff.lhr_counsellor.centre_id}").status_code == 403
    with pytest.raises(services.PartnerPermissionError):
        services.update_partner(Actor(staff.lhr_counsellor), protectorate,
                                services.PartnerData.from_partner(protectorate))
    assert partner_count() == 11


def test_manager_adds_a_local_partner_with_phone_in_e164_and_audit(client, staff):
    login(client, staff.lhr_manager)
    response = create(client, f"centre-{staff.lhr_manager.centre_id}")
    assert response.status_code == 302
    partner = partner_named("Punjab Legal Aid Clinic")
    assert partner.centre_id == staff.lhr_manager.centre_id and partner.country == "PK"
    assert partner.phone == "+924299201234"
    assert partner.service_codes == ["legal_aid"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "partner"))
    assert (event.action, event.object_id, event.user_id) == ("create", partner.id,
                                                              staff.lhr_manager.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "+92 42 99201234" in page and "Legal advice and aid" in page


def test_manager_may_add_national_partners_of_their_own_country_only(client, staff):
    login(client, staff.lhr_manager)
    assert create(client, "national-PK", name="Pakistan helpline").status_code == 302
    assert partner_named("Pakistan helpline").is_national
    # Other countries and other centres are not offered; forged values are refused.
    form = client.get("/partners/new").get_data(as_text=True)
    assert 'value="national-IQ"' not in form
    assert f'value="centre-{staff.isb_manager.centre_id}"' not in form
    for scope in ("national-IQ", f"centre-{staff.isb_manager.centre_id}"):
        response = create(client, scope, name="Forged")
        assert response.status_code == 200
        assert 'id="scope-error"' in response.get_data(as_text=True)
    assert partner_named("Forged") is None
    with pytest.raises(services.PartnerPermissionError):
        services.create_partner(Actor(staff.lhr_manager), services.PartnerData(
            name="Forged", kind="ngo", country="IQ", services="health"))


def test_manager_edits_national_partners_of_their_country_and_local_ones_of_their_centre(
        seeded, app, client, staff):
    protectorate = partner_named(LAHORE_PROTECTORATE)
    isb_desk = services.create_partner(Actor(staff.isb_manager), services.PartnerData(
        name="Islamabad desk", kind="ngo", country="PK", centre_id=staff.isb_manager.centre_id,
        services="health"))
    momd = partner_named(MOMD)
    login(client, staff.lhr_manager)
    form = client.get(f"/partners/{protectorate.id}/edit")
    assert form.status_code == 200
    assert 'selected value="national-PK"' in form.get_data(as_text=True)
    response = post_form(client, f"/partners/{protectorate.id}/edit", {
        "name": LAHORE_PROTECTORATE, "kind": "government", "scope": "national-PK",
        "services": ["emigration_registration", "recruiter_verification"], "city": "Lahore",
        "phone": "042 99201234", "hours": "Mon–Sat 8–14", "active": "y",
    }, token_from="/partners/")
    assert response.status_code == 302
    db.session.expire_all()
    assert protectorate.hours == "Mon–Sat 8–14" and protectorate.phone == "+924299201234"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update",
                                                       AuditEvent.object_type == "partner"))
    assert event.summary == "changed: phone, hours"

    assert client.get(f"/partners/{isb_desk.id}/edit").status_code == 404
    assert client.get(f"/partners/{momd.id}/edit").status_code == 404

    # A Baghdad manager cannot even see the Pakistani partners.
    bgw_manager = make_user(Role.MANAGER, "BGW")
    baghdad = app.test_client()
    login(baghdad, bgw_manager)
    assert baghdad.get(f"/partners/{protectorate.id}/edit").status_code == 404
    assert baghdad.get(f"/partners/{momd.id}/edit").status_code == 200


def test_admin_keeps_partners_anywhere_and_phone_follows_the_partner_country(client, staff):
    login(client, staff.admin)
    form = client.get("/partners/new").get_data(as_text=True)
    for scope in ("national-PK", "national-IQ", "national-BD", f"centre-{centre('EBL').id}"):
        assert f'value="{scope}"' in form
    # An Iraqi mobile number is valid for an Iraqi partner and not for a Pakistani one.
    response = create(client, "national-PK", name="Wrong phone", phone="0750 123 4567")
    assert response.status_code == 200
    assert 'id="phone-error"' in response.get_data(as_text=True)
    response = create(client, f"centre-{centre('EBL').id}", name="Erbil clinic",
                      phone="0750 123 4567")
    assert response.status_code == 302
    erbil = partner_named("Erbil clinic")
    assert (erbil.country, erbil.phone) == ("IQ", "+9647501234567")
    assert partner_named("Wrong phone") is None


def test_partner_form_checks_fields(client, staff):
    login(client, staff.lhr_manager)
    response = create(client, f"centre-{staff.lhr_manager.centre_id}", name="  ", services=None,
                      email="not an address", kind="")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    for field_id in ("name", "kind", "services", "email"):
        assert f'id="{field_id}-error"' in text, field_id
    assert partner_count() == 0
