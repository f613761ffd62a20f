"""Permission matrix rows of the monthly statistics (see tests/test_permissions.py).

Managers see their own centre's statistics, admins any centre or all; counsellors are refused.
Managers submit (close) their own centre's month, admins a chosen centre's.
"""

ANONYMOUS, COUNSELLOR, MANAGER, ADMIN = "anonymous", "counsellor", "manager", "admin"
OK, REDIRECT, FORBIDDEN = 200, 302, 403
MANAGERS = {ANONYMOUS: REDIRECT, COUNSELLOR: FORBIDDEN, MANAGER: OK, ADMIN: OK}

ROUTES = [
    ("stats.index", "GET", "/stats/", MANAGERS, None),
    ("stats.index", "GET", "/stats/?month=2026-03", MANAGERS, None),
    ("stats.export", "GET", "/stats/export.csv?month=2026-03", MANAGERS, None),
    ("stats.export_xlsx", "GET", "/stats/export.xlsx?month=2026-03", MANAGERS, None),
    ("stats.report_pdf", "GET", "/stats/report.pdf?month=2026-03", MANAGERS, None),
    ("stats.index", "GET", "/stats/?month=2026-01&to=2026-03", MANAGERS, None),
    # Closing a month: the confirmation page, with the centre (managers: always their own).
    ("stats.submit", "GET", "/stats/submit?month=2026-03", MANAGERS, None),
    ("stats.submit", "GET", "/stats/submit?month=2026-03&centre={own_centre}", MANAGERS,
     MANAGERS),
    # An empty form is shown again with its errors (200) once access is granted.
    ("stats.submit", "POST", "/stats/submit", MANAGERS, None),
]


def make_objects(staff, own_client, other_client):
    return {}, {}
