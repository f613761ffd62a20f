"""Search and duplicate-check latency on a demo registry.

Usage: .venv/bin/python benchmarks/search.py [--clients-per-centre 4000] [--queries 200]
       [--database-url postgresql://postgres@127.0.0.1:5432/bench]

Builds a fresh database (SQLite in a temporary folder unless --database-url is given), fills it
with deterministic demo clients, then times registry searches by name prefix, phone in another
format, national ID and reference, and the duplicate check run on registration, as a
counsellor of one centre. Prints p50 and p95 in milliseconds for each.
"""

import argparse
import random
import statistics
import time

from sqlalchemy import select

from common import benchmark_app, fresh_schema, percentile
from mrc.actor import Actor
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.centres.services import seed_centres
from mrc.clients.demo import generate_demo_clients
from mrc.clients.models import Client
from mrc.clients.services import ClientData, find_duplicates, search_clients
from mrc.extensions import db


def timed(function, repeats: list) -> list[float]:
    times = []
    for argument in repeats:
        start = time.perf_counter()
        function(argument)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients-per-centre", type=int, default=4000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    app = benchmark_app(args.database_url, "mrc-bench-")
    with app.app_context(), app.test_request_context():
        fresh_schema()
        seed_centres()
        users = {}
        started = time.perf_counter()
        for centre in db.session.scalars(select(Centre).order_by(Centre.code)):
            user = User(username=f"bench-{centre.code.lower()}", display_name="Bench",
                        password_hash="-", role=Role.COUNSELLOR, centre_id=centre.id)
            db.session.add(user)
            db.session.commit()
            users[centre.code] = user
            generate_demo_clients(centre, user, args.clients_per_centre, seed=7)
        total = db.session.scalar(select(db.func.count()).select_from(Client))
        print(f"{db.engine.dialect.name}: {total} clients generated in "
              f"{time.perf_counter() - started:.1f} s")

        actor = Actor(users["LHR"], "benchmark")
        sample = list(db.session.scalars(
            select(Client).where(Client.centre_id == users["LHR"].centre_id)
            .order_by(Client.id).limit(5000)))
        rng = random.Random(1)
        picks = [rng.choice(sample) for _ in range(args.queries)]
        with_phone = [c for c in picks if c.phone] or picks
        with_id = [c for c in picks if c.national_id] or picks

        def search(term):
            search_clients(actor, term, page=1, per_page=25)

        def local_phone(client):  # +923001234567 -> 0300 1234567
            digits = client.phone[3:]
            return f"0{digits[:3]} {digits[3:]}"

        cases = {
            "name prefix (2 words)": [f"{c.given_name[:4]} {c.family_name[:3]}" for c in picks],
            "phone, local format": [local_phone(c) for c in with_phone],
            "national ID": [c.national_id.replace("-", "") for c in with_id],
            "reference": [c.reference.lower() for c in picks],
        }
        for label, terms in cases.items():
            times = timed(search, terms)
            print(f"search by {label:24s} p50 {statistics.median(times):6.1f} ms   "
                  f"p95 {percentile(times, 0.95):6.1f} ms   ({len(times)} queries)")

        def duplicate_check(client):
            find_duplicates(actor, ClientData(
                given_name=client.given_name, family_name=client.family_name,
                given_name_native=client.given_name_native,
                family_name_native=client.family_name_native, sex=client.sex,
                nationality=client.nationality, migration_status=client.migration_status,
                birth_year=client.birth_year, phone=client.phone,
                national_id=client.national_id, consent_services=True))

        times = timed(duplicate_check, picks)
        print(f"duplicate check on registration   p50 {statistics.median(times):6.1f} ms   "
              f"p95 {percentile(times, 0.95):6.1f} ms   ({len(times)} checks)")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
