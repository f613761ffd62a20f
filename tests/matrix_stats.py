"""Permission matrix rows of the monthly statistics (see tests/test_permissions.py).

Managers see their own centre's statistics, admins any centre or all; counsellors are refused.
"""

ANONYMOUS, COUNSELLOR, MANAGER, ADMIN = "anonymous", "counsellor", "manager", "admin"
OK, REDIRECT, FORBIDDEN = 200, 302, 403
MANAGERS = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}

ROUTES = [
    ("stats.index", "GET", "/stats/", MANAGERS, None),
    ("stats.index", "GET", "/stats/?month=2026-03", MANAGERS, None),
    ("stats.export", "GET", "/stats/export.csv?month=2026-03", MANAGERS, None),
]


def make_objects(staff, own_client, other_client):
    return {}, {}
