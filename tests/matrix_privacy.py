"""Permission matrix rows of the person's rights and retention (see tests/test_permissions.py).

Managers and admins only: counsellors get 403; another centre's client 404 (admins see all).
"""

ANONYMOUS, COUNSELLOR, MANAGER, ADMIN = "anonymous", "counsellor", "manager", "admin"
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404

MANAGERS_OK = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}
OTHER_CENTRE = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: NOT_FOUND, ADMIN: OK}

ROUTES = [
    ("clients.privacy_page", "GET", "/clients/{own_client}/privacy", MANAGERS_OK, OTHER_CENTRE),
    ("clients.export_json", "GET", "/clients/{own_client}/everything.json", MANAGERS_OK,
     OTHER_CENTRE),
    ("clients.export_pdf", "GET", "/clients/{own_client}/everything.pdf?lang=en", MANAGERS_OK,
     OTHER_CENTRE),
    ("clients.corrections", "GET", "/clients/{own_client}/corrections", MANAGERS_OK,
     OTHER_CENTRE),
    # An empty body is shown again with its errors (200) once access is granted.
    ("clients.change_consent", "POST", "/clients/{own_client}/consent", MANAGERS_OK,
     OTHER_CENTRE),
    ("clients.anonymise", "GET", "/clients/{own_client}/anonymise", MANAGERS_OK, OTHER_CENTRE),
    # The confirmation is missing: the page is shown again and nothing is erased.
    ("clients.anonymise", "POST", "/clients/{own_client}/anonymise", MANAGERS_OK,
     OTHER_CENTRE),
    ("clients.retention", "GET", "/clients/retention", MANAGERS_OK, None),
]


def make_objects(staff, own_client, other_client):
    return {}, {}
