"""Every page without parameters, as an admin, a manager and a counsellor, on an existing database.

Usage: .venv/bin/python benchmarks/pages.py --database-url URL [--centre LHR] [--runs 3]
       [--counsellor USERNAME]

Meant for the 1M-client archive of ``flask mrc archive-data`` (see README, Benchmarks): it
migrates the database to the newest schema, adds three benchmark accounts if missing
(``bench-pages-admin``, ``bench-pages-manager`` and ``bench-pages-counsellor`` of ``--centre``;
``--counsellor`` times an existing counsellor instead, such as ``lhr-counsellor-4`` of the
archive, who has tens of thousands of clients and referrals), signs each in through the login
form and times each page through the test client (the whole request: views, templates,
queries). It prints the median of ``--runs`` in milliseconds per page and role, and marks the
pages slower than one second.
"""

import argparse
import re
import secrets
import statistics
import time

from common import benchmark_app
from flask_migrate import upgrade
from sqlalchemy import select

from mrc.auth.models import Role, User
from mrc.auth.passwords import hash_password
from mrc.centres.models import Centre
from mrc.extensions import db

SLOW_MS = 1000
# Sign-out, and the pages that only redirect or send a file that is not a page.
SKIPPED = {"/logout", "/favicon.ico"}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def benchmark_account(username: str, role: Role, centre: Centre | None, password: str) -> str:
    """The account ``username``, created if missing, its password set to ``password``."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, display_name=username, role=role,
                    centre_id=centre.id if centre else None, password_hash="-")
        db.session.add(user)
    user.password_hash = hash_password(password)
    db.session.commit()
    return username


def signed_in(app, username: str, password: str):
    client = app.test_client()
    token = _CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": username,
                                           "password": password})
    if response.status_code != 302:
        raise SystemExit(f"{username} could not sign in ({response.status_code})")
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--centre", default="LHR")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--counsellor", help="time this existing counsellor's pages too")
    args = parser.parse_args()

    app = benchmark_app(args.database_url, "mrc-pages-")
    password = secrets.token_urlsafe(16)
    with app.app_context():
        upgrade(revision="heads")
        centre = db.session.scalar(select(Centre).where(Centre.code == args.centre))
        if centre is None:
            raise SystemExit(f"no centre {args.centre}")
        accounts = [benchmark_account("bench-pages-admin", Role.ADMIN, None, password),
                    benchmark_account("bench-pages-manager", Role.MANAGER, centre, password),
                    benchmark_account("bench-pages-counsellor", Role.COUNSELLOR, centre,
                                      password)]
        if args.counsellor:
            existing = db.session.scalar(select(User).where(User.username == args.counsellor))
            if existing is None or existing.role != Role.COUNSELLOR:
                raise SystemExit(f"no counsellor {args.counsellor}")
            # Its own password is not known: it is given the run's (archive accounts only).
            accounts.append(benchmark_account(args.counsellor, Role.COUNSELLOR,
                                              existing.centre, password))
        pages = sorted(rule.rule for rule in app.url_map.iter_rules()
                       if "GET" in rule.methods and not rule.arguments
                       and not rule.rule.startswith("/static") and rule.rule not in SKIPPED)
        print(f"{db.engine.dialect.name}: {len(pages)} pages, {args.runs} runs each, median ms")

    for username in accounts:
        client = signed_in(app, username, password)
        for page in pages:
            times = []
            for _run in range(args.runs):
                started = time.perf_counter()
                response = client.get(page)
                times.append((time.perf_counter() - started) * 1000)
            median = statistics.median(times)
            if response.status_code in (403, 404):
                continue  # not this role's page
            slow = "  SLOW" if median > SLOW_MS else ""
            print(f"{username:24s} {page:32s} {response.status_code}  {median:8.1f}{slow}",
                  flush=True)


if __name__ == "__main__":
    main()
