"""How long the retention query and anonymisation take on a database of realistic size.

Usage: .venv/bin/python benchmarks/retention.py [--clients 20000] [--sessions-per-client 3]
       [--database-url postgresql://postgres@127.0.0.1:5432/bench]

Builds (in a temporary SQLite file unless a URL is given) ``--clients`` clients per centre at
two centres, registered over the last eight years, each with counselling sessions and some with
referrals and group attendances, by bulk inserts. Prints: the time of the "due now" query (a
range of the clients' kept last activity per centre), the time of the manager's next-month
page query (first page and count), how many clients are due, and the time to anonymise 100 of
them (including the WAL checkpoint on SQLite).
"""

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text

from common import benchmark_app, fresh_schema
from mrc.actor import Actor
from mrc.auth.models import Role, User
from mrc.auth.services import create_user
from mrc.centres.models import Centre
from mrc.centres.services import seed_centres
from mrc.clients import privacy
from mrc.clients.activity import refresh_last_activity
from mrc.clients.models import Client
from mrc.counselling.models import CounsellingSession
from mrc.extensions import db


def build(clients: int, sessions: int, seed: int) -> User:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    manager = None
    for code in ("LHR", "ISB"):
        centre = db.session.scalar(select(Centre).where(Centre.code == code))
        user = create_user(None, username=f"{code.lower()}-bench", display_name="Bench",
                           password="a quiet river at dawn 42", role=Role.MANAGER,
                           centre_id=centre.id)
        manager = manager or user
        rows = []
        for number in range(clients):
            created = now - timedelta(days=rng.randint(0, 8 * 365))
            rows.append(dict(reference=f"{code}-2000-{number:06d}", centre_id=centre.id,
                             given_name="Bench", family_name=f"Person {number}",
                             given_name_native="", family_name_native="", sex="female",
                             birth_year=1990, nationality="PK", national_id="", phone="",
                             province="", district="", education="", occupation="", skills="",
                             languages="", migration_status="potential",
                             destination_country="", destination_sector="", heard_about="",
                             consent_date=created.date(), consent_recorded_by_id=user.id,
                             consent_services=True, consent_follow_up=False,
                             consent_referral_sharing=False, consent_statistics=False,
                             trafficking_indication=False, smuggling_indication=False,
                             protection_concern=False, created_at=created,
                             created_by_id=user.id, updated_at=created, last_visit_at=created))
        db.session.execute(insert(Client), rows)
        ids = db.session.execute(select(Client.id, Client.created_at)
                                 .where(Client.centre_id == centre.id)).all()
        session_rows = []
        for client_id, created in ids:
            for _ in range(rng.randint(0, sessions)):
                held = min(now, created + timedelta(days=rng.randint(0, 3 * 365)))
                session_rows.append(dict(centre_id=centre.id, client_id=client_id,
                                         counsellor_id=user.id, held_at=held, channel="walk_in",
                                         duration_minutes=30, topics="legal_pathways",
                                         pathways="", notes="Bench note", created_by_id=user.id,
                                         created_at=held, updated_at=held))
        db.session.execute(insert(CounsellingSession), session_rows)
        # Rows written by statement, as the archive generator writes them.
        refresh_last_activity(db.session, [client_id for client_id, _created in ids])
        db.session.commit()
    return manager


def timed(label, function):
    start = time.perf_counter()
    result = function()
    print(f"{label}: {(time.perf_counter() - start) * 1000:.1f} ms")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20000, help="per centre")
    parser.add_argument("--sessions-per-client", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    app = benchmark_app(args.database_url, "mrc-retention-")
    with app.test_request_context():
        fresh_schema()
        seed_centres()
        manager = timed("build", lambda: build(args.clients, args.sessions_per_client,
                                               args.seed))
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does after a bulk load; without statistics the planner takes
            # the freshly loaded tables for empty and picks nested loops.
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        print(f"{db.engine.dialect.name}: {2 * args.clients} clients, "
              f"{db.session.query(CounsellingSession).count()} counselling sessions")
        due = timed("due now, all centres", privacy.clients_due_now)
        print(f"clients due now: {len(due)}")
        page = timed("next-month page of one centre (count + 50 rows)",
                     lambda: privacy.retention_due(Actor(manager)))
        print(f"due within a month at {manager.centre.code}: {page.total}")
        timed("anonymise 100 (one checkpoint at the end)",
              lambda: privacy.run_retention(due[:100]))
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
