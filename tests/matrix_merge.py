"""Permission matrix rows of merging duplicate records (see tests/test_permissions.py).

{merge} is a merge of two clients of LHR (the test users' centre) or of ISB.
"""

from mrc.actor import Actor
from mrc.clients.merge import merge_clients
from mrc.clients.services import ClientData, register_client

ANONYMOUS, COUNSELLOR, MANAGER, ADMIN = "anonymous", "counsellor", "manager", "admin"
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
MANAGERS = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}
OTHER_CENTRE = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: NOT_FOUND, ADMIN: OK}
ADMINS_UNDO = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: FORBIDDEN, ADMIN: REDIRECT}

ROUTES = [
    ("clients.merge_into", "GET", "/clients/{own_client}/merge", MANAGERS, OTHER_CENTRE),
    # An empty form is shown again with its error.
    ("clients.merge_into", "POST", "/clients/{own_client}/merge", MANAGERS, OTHER_CENTRE),
    ("clients.merges", "GET", "/clients/merges", MANAGERS, None),
    ("clients.undo_merge", "POST", "/clients/merges/{merge}/undo", ADMINS_UNDO, ADMINS_UNDO),
]


def _merge(manager, survivor) -> int:
    duplicate = register_client(Actor(manager), ClientData(
        given_name="Twice", family_name="Registered", sex="female", nationality="PK",
        migration_status="intending", birth_year=1990, consent_services=True,
    ), confirmed_new=True)
    return merge_clients(Actor(manager), survivor, duplicate).id


def make_objects(staff, own_client, other_client):
    return ({"merge": _merge(staff.lhr_manager, own_client)},
            {"merge": _merge(staff.isb_manager, other_client)})
