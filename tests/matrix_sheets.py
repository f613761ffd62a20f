"""Permission matrix rows of information sheets (collected by tests/test_permissions.py).

{sheet} is a sheet with an Urdu draft (national content: the same for both centres);
{sheet_group_session} and {sheet_referral} belong to LHR (the test users' centre) or ISB.
Print forms posted without a body come back with their errors (200) once access is granted.
"""

from datetime import time

from mrc.actor import Actor
from mrc.centres.services import centre_today
from mrc.extensions import db
from mrc.group_sessions.services import GroupSessionData, create_group_session, local_start
from mrc.partners.models import Partner
from mrc.referrals.services import ReferralData, make_referral
from mrc.sheets.models import InfoSheet, SheetVersion

ANONYMOUS, COUNSELLOR, MANAGER, ADMIN = "anonymous", "counsellor", "manager", "admin"
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
ALL_OK = {ANONYMOUS: REDIRECT, COUNSELLOR: OK, MANAGER: OK, ADMIN: OK}
EDITORS = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}
OTHER_CENTRE = {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: OK}

SHEET = "/sheets/{sheet}"

ROUTES = [
    ("sheets.index", "GET", "/sheets/", ALL_OK, None),
    ("sheets.show", "GET", SHEET, ALL_OK, None),
    ("sheets.edit", "GET", SHEET + "/ur/edit", EDITORS, None),
    ("sheets.edit", "POST", SHEET + "/ur/edit", EDITORS, None),
    ("sheets.preview", "GET", SHEET + "/ur/preview", EDITORS, None),
    ("sheets.publish", "POST", SHEET + "/ur/publish", EDITORS, None),
    ("sheets.copies", "GET", "/sheets/copies", ALL_OK, None),
    ("sheets.copies", "POST", "/sheets/copies", ALL_OK, None),
    ("sheets.print_for_client", "POST", "/sheets/client/{own_client}", ALL_OK, OTHER_CENTRE),
    ("sheets.print_for_group_session", "POST", "/sheets/group-session/{sheet_group_session}",
     ALL_OK, OTHER_CENTRE),
    ("sheets.referral_slip", "POST", "/sheets/referral/{sheet_referral}/slip", ALL_OK,
     OTHER_CENTRE),
]


def _sheet() -> int:
    sheet = db.session.scalar(db.select(InfoSheet).where(InfoSheet.topic == "matrix_topic"))
    if sheet is None:
        sheet = InfoSheet(topic="matrix_topic", position=1, sources="FACTS.md")
        db.session.add(sheet)
        db.session.flush()
        db.session.add(SheetVersion(sheet_id=sheet.id, language="ur", number=1,
                                    title="قانونی طریقہ", body="# عنوان\nمتن۔\n", status="draft"))
        db.session.commit()
    return sheet.id


def _group_session_at(user) -> int:
    data = GroupSessionData(kind="awareness",
                            starts_at=local_start(user.centre, centre_today(user.centre), time(10)),
                            venue="Community hall", venue_type="community")
    return create_group_session(Actor(user), data).id


def _referral(manager, client) -> int:
    partner = Partner(name="Legal aid network", kind="legal_aid", services="legal_aid",
                      country="PK", centre_id=None, city="Islamabad")
    db.session.add(partner)
    db.session.commit()
    data = ReferralData(partner_id=partner.id, service="legal_aid", reason="Contract dispute.",
                        urgency="routine", follow_up_due=centre_today(client.centre),
                        consent_override=True, override_reason="Matrix test.")
    return make_referral(Actor(manager), client, data).id


def make_objects(staff, own_client, other_client):
    sheet = _sheet()
    return (
        {"sheet": sheet, "sheet_group_session": _group_session_at(staff.lhr_counsellor),
         "sheet_referral": _referral(staff.lhr_manager, own_client)},
        {"sheet": sheet, "sheet_group_session": _group_session_at(staff.isb_counsellor),
         "sheet_referral": _referral(staff.isb_manager, other_client)},
    )
