"""Permission matrix rows of referrals (see tests/test_permissions.py).

{own_client} is a client of LHR (the test users' centre) or of ISB; {referral} a referral of
such a client, made by that centre's manager.
"""

from mrc.actor import Actor
from mrc.centres.services import centre_today
from mrc.extensions import db
from mrc.partners.models import Partner
from mrc.referrals.services import ReferralData, make_referral

ANONYMOUS, COUNSELLOR, MANAGER, ADMIN = "anonymous", "counsellor", "manager", "admin"

OK, REDIRECT, NOT_FOUND = 200, 302, 404
ALL_OK = {ANONYMOUS: REDIRECT, COUNSELLOR: OK, MANAGER: OK, ADMIN: OK}
ALL_REDIRECT = {ANONYMOUS: REDIRECT, COUNSELLOR: REDIRECT, MANAGER: REDIRECT, ADMIN: REDIRECT}
OTHER_CENTRE = {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: OK}
OTHER_CENTRE_SAVED = {**OTHER_CENTRE, ADMIN: REDIRECT}

ROUTES = [
    ("referrals.index", "GET", "/referrals/", ALL_OK, None),
    ("referrals.new", "GET", "/clients/{own_client}/referrals/new", ALL_OK, OTHER_CENTRE),
    # An empty form is shown again with its errors (200) once access is granted.
    ("referrals.new", "POST", "/clients/{own_client}/referrals/new", ALL_OK, OTHER_CENTRE),
    ("referrals.show", "GET", "/referrals/{referral}", ALL_OK, OTHER_CENTRE),
    # Valid bodies: the change is saved and the page redirects to the referral.
    ("referrals.change_status", "POST", "/referrals/{referral}/status", ALL_REDIRECT,
     OTHER_CENTRE_SAVED),
    ("referrals.change_follow_up", "POST", "/referrals/{referral}/follow-up", ALL_REDIRECT,
     OTHER_CENTRE_SAVED),
]

POST_BODIES = {
    "/referrals/{referral}/status": {"to_status": "accepted", "note": "Partner called back."},
    "/referrals/{referral}/follow-up": {"follow_up_due": "2099-12-31"},
}


def _referral(manager, client, partner_id: int) -> int:
    data = ReferralData(partner_id=partner_id, service="legal_aid", reason="Contract dispute.",
                        urgency="routine", follow_up_due=centre_today(client.centre),
                        consent_override=True, override_reason="Matrix test.")
    return make_referral(Actor(manager), client, data).id


def make_objects(staff, own_client, other_client):
    partner = Partner(name="National legal aid network", kind="legal_aid", services="legal_aid",
                      country="PK", centre_id=None, city="Islamabad")
    db.session.add(partner)
    db.session.commit()
    return (
        {"referral": _referral(staff.lhr_manager, own_client, partner.id)},
        {"referral": _referral(staff.isb_manager, other_client, partner.id)},
    )
