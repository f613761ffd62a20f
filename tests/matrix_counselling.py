"""Permission matrix rows of counselling sessions (collected by tests/test_permissions.py).

{own_counselling} is a session the Lahore test counsellor held with their own client;
{colleague_counselling} one that a Lahore colleague held with a client assigned to the
colleague, so the Lahore test counsellor may see it but not change it. The "other" objects
are sessions at Islamabad.
"""

from datetime import timedelta

from mrc.actor import Actor
from mrc.auth.models import Role
from mrc.centres.services import centre_today
from mrc.clients.services import ClientData, register_client
from mrc.counselling.services import SessionData, log_session
from mrc.database import utcnow
from tests.conftest import make_user

ANONYMOUS, COUNSELLOR, MANAGER, ADMIN = "anonymous", "counsellor", "manager", "admin"
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
ALL_OK = {ANONYMOUS: REDIRECT, COUNSELLOR: OK, MANAGER: OK, ADMIN: OK}
OTHER_CENTRE = {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: OK}
ONLY_INVOLVED = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}
DONE = {ANONYMOUS: REDIRECT, COUNSELLOR: REDIRECT, MANAGER: REDIRECT, ADMIN: REDIRECT}

ROUTES = [
    # Forms posted without a body come back with errors beside the fields (200).
    ("counselling.new", "GET", "/clients/{own_client}/counselling/new", ALL_OK, OTHER_CENTRE),
    ("counselling.new", "POST", "/clients/{own_client}/counselling/new", ALL_OK, OTHER_CENTRE),
    ("counselling.show", "GET", "/counselling/{own_counselling}", ALL_OK, OTHER_CENTRE),
    ("counselling.show", "GET", "/counselling/{colleague_counselling}", ALL_OK, OTHER_CENTRE),
    ("counselling.edit", "GET", "/counselling/{own_counselling}/edit", ALL_OK, OTHER_CENTRE),
    ("counselling.edit", "POST", "/counselling/{own_counselling}/edit", ALL_OK, OTHER_CENTRE),
    ("counselling.edit", "GET", "/counselling/{colleague_counselling}/edit", ONLY_INVOLVED,
     OTHER_CENTRE),
    ("counselling.edit", "POST", "/counselling/{colleague_counselling}/edit", ONLY_INVOLVED,
     OTHER_CENTRE),
    ("counselling.follow_up_done", "POST", "/counselling/{own_counselling}/follow-up-done",
     DONE, {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: REDIRECT}),
    ("counselling.follow_up_done", "POST",
     "/counselling/{colleague_counselling}/follow-up-done",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: REDIRECT, ADMIN: REDIRECT},
     {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: REDIRECT}),
    ("counselling.mine", "GET", "/counselling/mine", ALL_OK, None),
]


def _session(counsellor, client):
    data = SessionData(held_at=utcnow() - timedelta(hours=1), counsellor_id=counsellor.id,
                       channel="walk_in", duration_minutes=20, topics=["legal_pathways"],
                       notes="private notes", follow_up_on=centre_today(client.centre))
    return log_session(Actor(counsellor), client, data)


def make_objects(staff, own_client, other_client):
    colleague = make_user(Role.COUNSELLOR, "LHR", username="lhr-colleague")
    colleague_client = register_client(Actor(colleague), ClientData(
        given_name="Colleague", family_name="Client", sex="male", nationality="PK",
        migration_status="intending", birth_year=1985, consent_services=True,
    ), confirmed_new=True)
    isb_colleague_client = register_client(Actor(staff.isb_manager), ClientData(
        given_name="Other", family_name="Client", sex="male", nationality="PK",
        migration_status="intending", birth_year=1985, consent_services=True,
    ), confirmed_new=True)
    own = {
        "own_counselling": _session(staff.lhr_counsellor, own_client).id,
        "colleague_counselling": _session(colleague, colleague_client).id,
    }
    other = {
        "own_counselling": _session(staff.isb_counsellor, other_client).id,
        "colleague_counselling": _session(staff.isb_manager, isb_colleague_client).id,
    }
    return own, other
