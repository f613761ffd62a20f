"""The permission matrix: every route × role × own or other centre.

Every route the app has must appear in ROUTES here or in a feature's ``tests/matrix_*.py``
module; a new route without a row fails ``test_every_route_is_in_the_matrix``.

A feature module defines ``ROUTES`` (rows as below), optionally ``POST_BODIES`` (path template
-> form body), and ``make_objects(staff, own_client, other_client)`` returning two dicts of
path placeholders: objects at the user's own centre (LHR) and at another centre (ISB).
"""

import importlib
import pkgutil
from pathlib import Path

import pytest

from mrc.auth.models import Role
from mrc.clients.services import ClientData, register_client
from mrc.actor import Actor
from tests.conftest import login, make_user, post_form

COUNSELLOR, MANAGER, ADMIN, ANONYMOUS = "counsellor", "manager", "admin", "anonymous"
ROLES = [ANONYMOUS, COUNSELLOR, MANAGER, ADMIN]

# (endpoint, method, path template, {role: expected status for an object of the user's own
# centre}, {role: expected status for another centre's object} or None when no object)
# {own} and {other} in the path are replaced by ids of objects at LHR (the user's centre)
# and at ISB. 302 for anonymous means "sent to the login page".
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
ALL_OK = {ANONYMOUS: REDIRECT, COUNSELLOR: OK, MANAGER: OK, ADMIN: OK}

ROUTES = [
    ("core.home", "GET", "/", ALL_OK, None),
    ("core.set_language", "POST", "/language", {r: REDIRECT for r in ROLES}, None),
    ("core.favicon", "GET", "/favicon.ico", {r: 301 for r in ROLES}, None),
    ("auth.login", "GET", "/login", {ANONYMOUS: OK, COUNSELLOR: REDIRECT, MANAGER: REDIRECT,
                                     ADMIN: REDIRECT}, None),
    ("auth.login", "POST", "/login", {ANONYMOUS: OK, COUNSELLOR: REDIRECT, MANAGER: REDIRECT,
                                      ADMIN: REDIRECT}, None),
    ("auth.logout", "POST", "/logout", {r: REDIRECT for r in ROLES}, None),
    ("auth.change_password", "GET", "/account/password", ALL_OK, None),
    ("auth.change_password", "POST", "/account/password", ALL_OK, None),
    ("auth.users", "GET", "/users/",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}, None),
    ("auth.new_user", "GET", "/users/new",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}, None),
    ("auth.new_user", "POST", "/users/new",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}, None),
    ("auth.edit_user", "GET", "/users/{own_user}",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK},
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: NOT_FOUND, ADMIN: OK}),
    ("auth.edit_user", "POST", "/users/{own_user}",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK},
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: NOT_FOUND, ADMIN: OK}),
    ("centres.index", "GET", "/centres/",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: FORBIDDEN, ADMIN: OK}, None),
    ("centres.edit", "GET", "/centres/{own_centre}",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: FORBIDDEN, ADMIN: OK},
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: FORBIDDEN, ADMIN: OK}),
    # Fields missing from the body keep their saved values, so the admin's save succeeds.
    ("centres.edit", "POST", "/centres/{own_centre}",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: FORBIDDEN, ADMIN: REDIRECT},
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: FORBIDDEN, ADMIN: REDIRECT}),
    ("clients.index", "GET", "/clients/", ALL_OK, None),
    ("clients.index", "POST", "/clients/", ALL_OK, None),
    ("clients.register", "GET", "/clients/register", {r: REDIRECT for r in ROLES}, None),
    ("clients.register", "POST", "/clients/register",
     {ANONYMOUS: REDIRECT, COUNSELLOR: OK, MANAGER: OK, ADMIN: REDIRECT}, None),
    ("clients.show", "GET", "/clients/{own_client}",
     ALL_OK, {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: OK}),
    ("clients.edit", "GET", "/clients/{own_client}/edit",
     ALL_OK, {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: OK}),
    ("clients.edit", "POST", "/clients/{own_client}/edit",
     ALL_OK, {ANONYMOUS: REDIRECT, COUNSELLOR: NOT_FOUND, MANAGER: NOT_FOUND, ADMIN: OK}),
    ("audit.index", "GET", "/audit/",
     {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: FORBIDDEN, ADMIN: OK}, None),
]

# Form bodies that make a POST valid enough to reach the access check and a page.
POST_BODIES = {
    "/clients/": {"term": "nobody by this name"},
    "/clients/register": {"term": "New Person", "start": "1"},
    "/language": {"locale": "en"},
}


FEATURE_MODULES = [
    importlib.import_module(f"tests.{info.name}")
    for info in pkgutil.iter_modules([str(Path(__file__).parent)])
    if info.name.startswith("matrix_")
]
ALL_ROUTES = ROUTES + [row for module in FEATURE_MODULES for row in module.ROUTES]
for module in FEATURE_MODULES:
    POST_BODIES.update(getattr(module, "POST_BODIES", {}))


def test_every_route_is_in_the_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in ALL_ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in covered, f"{rule.endpoint} {method} not in matrix"


def _objects(staff, modules=FEATURE_MODULES):
    """The objects the paths name, at the user's centre ("own") and at another ("other"):
    those of the rows above, and those of the feature ``modules`` (default: all)."""
    def client_at(user):
        data = ClientData(given_name="Test", family_name="Person", sex="female",
                          nationality="PK", migration_status="potential", birth_year=1990,
                          consent_services=True)
        return register_client(Actor(user), data, confirmed_new=True)

    own_client, other_client = client_at(staff.lhr_counsellor), client_at(staff.isb_counsellor)
    objects = {
        "own": {"own_client": own_client.id,
                "own_user": make_user(Role.COUNSELLOR, "LHR", username="lhr-other").id,
                "own_centre": staff.lhr_counsellor.centre_id},
        "other": {"own_client": other_client.id,
                  "own_user": staff.isb_counsellor.id,
                  "own_centre": staff.isb_counsellor.centre_id},
    }
    for module in modules:
        own, other = module.make_objects(staff, own_client, other_client)
        objects["own"].update(own)
        objects["other"].update(other)
    return objects


CASES = [
    (endpoint, method, path, role, scope, expected[role], module)
    for module, rows in [(None, ROUTES), *[(m, m.ROUTES) for m in FEATURE_MODULES]]
    for endpoint, method, path, own, other in rows
    for scope, expected in (("own", own), ("other", other))
    if expected is not None
    for role in ROLES
]


@pytest.mark.parametrize(
    "endpoint, method, path, role, scope, expected, module", CASES,
    ids=[f"{c[0]}-{c[1]}-{c[3]}-{c[4]}" for c in CASES],
)
def test_permission_matrix(client, staff, endpoint, method, path, role, scope, expected,
                           module):
    # Only the objects of the case's own rows: making every module's for each of the 557
    # cases was nearly half of the suite's time.
    objects = _objects(staff, [module] if module else [])
    users = {COUNSELLOR: staff.lhr_counsellor, MANAGER: staff.lhr_manager, ADMIN: staff.admin}
    if role != ANONYMOUS:
        login(client, users[role])
    url = path.format(**objects[scope])
    if method == "GET":
        response = client.get(url)
    else:
        # Forms without a body are shown again with errors (200) once access is granted.
        body = POST_BODIES.get(path, {})
        response = post_form(client, url, body, token_from="/login" if role == ANONYMOUS else "/")
    assert response.status_code == expected, f"{role} {method} {url}"
