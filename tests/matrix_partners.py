"""Permission matrix rows of the partner directory (see tests/test_permissions.py).

{partner} is a local partner of LHR (the test users' centre) or of ISB.
"""

from mrc.extensions import db
from mrc.partners.models import Partner

ANONYMOUS, COUNSELLOR, MANAGER, ADMIN = "anonymous", "counsellor", "manager", "admin"

OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
ALL_OK = {ANONYMOUS: REDIRECT, COUNSELLOR: OK, MANAGER: OK, ADMIN: OK}
EDITORS_ONLY = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}
OTHER_CENTRE = {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: OK}

ROUTES = [
    ("partners.index", "GET", "/partners/", ALL_OK, None),
    ("partners.show", "GET", "/partners/{partner}", ALL_OK, OTHER_CENTRE),
    ("partners.new", "GET", "/partners/new", EDITORS_ONLY, None),
    # An empty form is shown again with its errors (200) once access is granted.
    ("partners.new", "POST", "/partners/new", EDITORS_ONLY, None),
    ("partners.edit", "GET", "/partners/{partner}/edit", EDITORS_ONLY, OTHER_CENTRE),
    ("partners.edit", "POST", "/partners/{partner}/edit", EDITORS_ONLY, OTHER_CENTRE),
]


def _local_partner(user, name: str) -> int:
    partner = Partner(name=name, kind="ngo", services="legal_aid", country="PK",
                      centre_id=user.centre_id, city=user.centre.city)
    db.session.add(partner)
    db.session.commit()
    return partner.id


def make_objects(staff, own_client, other_client):
    return (
        {"partner": _local_partner(staff.lhr_counsellor, "Lahore legal aid desk")},
        {"partner": _local_partner(staff.isb_counsellor, "Islamabad legal aid desk")},
    )
