"""Search and duplicate-check latency, against the same SQL run directly.

Usage: .venv/bin/python benchmarks/search.py [--clients-per-centre 4000] [--queries 200]
       [--database-url URL] [--existing [--revision REV]]

Without --existing it builds a fresh database (SQLite in a temporary folder unless
--database-url is given) and fills it with deterministic demo clients. With --existing it uses
the database at --database-url as it is (e.g. the 1,000,000-client archive of
``flask mrc archive-data``, see benchmarks/stats.py), migrated to the newest schema first (or
to --revision; after the search-key rules change run ``flask mrc rebuild-search-keys`` first).

Then, as a counsellor of the Lahore centre, it times registry searches by name prefix, phone in
another format, national ID and reference, and the duplicate check run on registration, for
clients picked at random, after ``--warm-up`` calls of the same kind on other clients picked at
random (as a worker that has served others: SQLAlchemy has compiled the common shapes of
lookup, the common keys' counts are remembered; ``--warm-up 0`` for a worker's first calls);
and the first and fourth pages of searches for names more people have than a search gathers
(``COMMON_NAMES``, ``COMMON_NAME_CALLS`` times each); last, as an admin (every centre), searches
by name prefix and full name of clients of all centres picked at random. For each it prints
p50 and p95 in milliseconds, and the p50 of running the very statements each call sent
(captured during that call) directly through the DBAPI connection, the gap between the two
p50s, and the ratio service/raw. Targets (issue #7) on 1M clients: search p95 <= 50 ms,
duplicate check p95 <= 100 ms, ratio <= 1.5. Last, the same for the least an audited read
costs (a counsellor opening one client's record): the floor under every gap above.
"""

import argparse
import random
import statistics
import time

from common import benchmark_app, fresh_schema, percentile, run_raw, statements_sent
from flask_migrate import upgrade
from sqlalchemy import func, select, true
from sqlalchemy.orm import joinedload

from mrc.actor import Actor
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.centres.services import seed_centres
from mrc.clients.demo import generate_demo_clients
from mrc.clients.models import Client
from mrc.clients.services import ClientData, find_duplicates, search_clients, view_client
from mrc.extensions import db
from mrc.security import get_scoped_or_404


# Names that more than 1,000 Lahore clients of the 1M-client archive have: one word (its key
# not counted: the walk of the centre's clients), and two pairs of common words (1,585 and
# 2,083 people, gathered whole: the slowest such pairs of a scratch survey of nine).
COMMON_NAMES = ("muhammad", "muhammad ali", "muhammad ahmed")
# Calls of each page of them: of ten, the p95 was the slowest call.
COMMON_NAME_CALLS = 40


def paired_times(function, arguments: list) -> tuple[list[float], list[float]]:
    """Milliseconds of ``function(argument)`` for each argument, and of running the very
    statements that call sent directly, right after it (so a busy moment falls on both, and
    what a call remembered from earlier calls, such as key counts, spares both alike)."""
    times, raw_times = [], []
    with statements_sent() as sent:  # one listener for the whole run
        for argument in arguments:
            sent.clear()
            start = time.perf_counter()
            function(argument)
            times.append((time.perf_counter() - start) * 1000)
            statements = list(sent)
            start = time.perf_counter()
            # The service commits (its audit record): so does the replay, for the same work.
            run_raw(statements, commit=True)
            raw_times.append((time.perf_counter() - start) * 1000)
    return times, raw_times


def report(label: str, times: list[float], raw: list[float], target: float) -> None:
    median, raw_median = statistics.median(times), statistics.median(raw)
    ratio = median / raw_median if raw_median else float("inf")
    p95 = percentile(times, 0.95)
    verdict = "ok" if p95 <= target and ratio <= 1.5 else "MISSED"
    # The gap is what the service adds to the database's work: for a lookup the database
    # answers in a tenth of a millisecond it is the whole ratio.
    print(f"{label:34s} p50 {median:6.1f} ms  p95 {p95:6.1f} ms  raw p50 {raw_median:6.1f} ms  "
          f"gap {median - raw_median:4.1f} ms  ratio {ratio:4.2f}  "
          f"({len(times)}; p95 <= {target:.0f} ms, ratio <= 1.5: {verdict})")


def bench_user(username: str, role: Role, centre: Centre | None) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        # Nobody can log in with this hash; the benchmark acts through the services only.
        user = User(username=username, display_name="Bench", password_hash="-",
                    role=role, centre_id=centre.id if centre else None)
        db.session.add(user)
        db.session.commit()
    return user


def bench_counsellor(centre: Centre) -> User:
    return bench_user(f"bench-{centre.code.lower()}", Role.COUNSELLOR, centre)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients-per-centre", type=int, default=4000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=100,
                        help="calls of each kind on other clients first (default: 100)")
    parser.add_argument("--database-url")
    parser.add_argument("--existing", action="store_true",
                        help="use the clients already in --database-url")
    parser.add_argument("--revision", default="heads",
                        help="with --existing: migrate to this revision first (default: heads)")
    args = parser.parse_args()
    if args.existing and not args.database_url:
        parser.error("--existing needs --database-url")

    app = benchmark_app(args.database_url, "mrc-bench-")
    with app.app_context(), app.test_request_context():
        if args.existing:
            upgrade(revision=args.revision)
        else:
            fresh_schema()
            seed_centres()
            started = time.perf_counter()
            for centre in db.session.scalars(select(Centre).order_by(Centre.code)):
                generate_demo_clients(centre, bench_counsellor(centre), args.clients_per_centre,
                                      seed=7)
            print(f"{db.engine.dialect.name}: clients generated in "
                  f"{time.perf_counter() - started:.1f} s")
        total = db.session.scalar(select(func.count()).select_from(Client))
        lahore = db.session.scalar(select(Centre).where(Centre.code == "LHR"))
        in_lahore = db.session.scalar(
            select(func.count()).select_from(Client).where(Client.centre_id == lahore.id))
        print(f"{db.engine.dialect.name}: {total:,d} clients, {in_lahore:,d} of them in Lahore")

        counsellor_id = bench_counsellor(lahore).id
        admin_id = bench_user("bench-admin", Role.ADMIN, None).id

        def random_clients(count: int, seed: int, other_than=frozenset(),
                           centre: Centre | None = lahore) -> list[Client]:
            """Random clients of ``centre`` (None: all centres), by id, without a scan; none
            of ``other_than`` unless the centre has too few clients for that."""
            in_centre = true() if centre is None else Client.centre_id == centre.id
            last_id = db.session.scalar(select(func.max(Client.id)).where(in_centre))
            rng, picked, tries = random.Random(seed), [], 0
            while len(picked) < count:
                tries += 1
                client = db.session.scalar(
                    select(Client).where(in_centre, Client.id >= rng.randint(1, last_id),
                                         Client.anonymised_at.is_(None))
                    .order_by(Client.id).limit(1))
                if client is not None and (client.id not in other_than
                                           or tries > 50 * count):
                    picked.append(client)
            return picked

        def local_phone(client):  # +923001234567 -> 0300 1234567
            digits = client.phone[3:]
            return f"0{digits[:3]} {digits[3:]}"

        def calls_for(picks: list[Client]) -> dict[str, list]:
            """Search terms of each kind, and registrations, for ``picks``."""
            with_phone = [c for c in picks if c.phone] or picks
            with_id = [c for c in picks if c.national_id] or picks
            return {
                "name prefix (2 words)": [f"{c.given_name[:4]} {c.family_name[:3]}"
                                          for c in picks],
                "full name": [f"{c.given_name} {c.family_name}" for c in picks],
                "phone, local format": [local_phone(c) for c in with_phone],
                "national ID": [c.national_id.replace("-", "") for c in with_id],
                "reference": [c.reference.lower() for c in picks],
                "registration": [(ClientData.from_client(c), c.id) for c in picks],
            }

        picks = random_clients(args.queries, seed=1)
        cases = calls_for(picks)
        warm_up = calls_for(random_clients(args.warm_up, seed=2,
                                           other_than={c.id for c in picks}))
        print(f"each kind after {args.warm_up} calls on other clients")
        registrations = cases.pop("registration")
        # An admin searches every centre: names of clients of all centres.
        everywhere = calls_for(random_clients(args.queries, seed=3, centre=None))
        everywhere_warm_up = calls_for(random_clients(args.warm_up, seed=4, centre=None))
        db.session.remove()  # nothing of the preparation stays in the session

        def as_a_request(call, user_id: int = counsellor_id):
            """``call(actor, argument)`` as a request makes it: a new session, the user and
            their centre loaded in one statement (as the session loader,
            ``mrc.auth.services.user_for_session``, loads them with the session row), the
            call, its commit."""
            def run(argument):
                db.session.remove()
                user = db.session.scalar(select(User).options(joinedload(User.centre))
                                         .where(User.id == user_id))
                call(Actor(user, "benchmark"), argument)
            return run

        search = as_a_request(
            lambda actor, term: search_clients(actor, term, page=1, per_page=25))
        for label, terms in cases.items():
            for term in warm_up[label]:
                search(term)
            report(f"search by {label}", *paired_times(search, terms), target=50)

        # Names more people have than a search gathers list the 100 of them seen last: their
        # first and last pages.
        found = {}
        search_page = as_a_request(lambda actor, term_page: found.__setitem__(
            term_page, search_clients(actor, term_page[0], page=term_page[1], per_page=25)))
        for term in COMMON_NAMES:
            for page in (1, 4):
                search_page((term, page))  # the first of its kind is in the warm-up above
                times = paired_times(search_page, [(term, page)] * COMMON_NAME_CALLS)
                results = found[(term, page)]
                listed = ("the 100 seen last" if results.recent_only
                          else f"{results.total} found")
                report(f'"{term}" page {page} ({listed})', *times, target=50)

        duplicate_check = as_a_request(
            lambda actor, registration: find_duplicates(actor, registration[0],
                                                        exclude_id=registration[1]))
        for registration in warm_up["registration"]:
            duplicate_check(registration)
        report("duplicate check on registration",
               *paired_times(duplicate_check, registrations), target=100)

        admin_search = as_a_request(
            lambda actor, term: search_clients(actor, term, page=1, per_page=25),
            user_id=admin_id)
        for label in ("name prefix (2 words)", "full name"):
            for term in everywhere_warm_up[label]:
                admin_search(term)
            report(f"admin, all centres: {label}",
                   *paired_times(admin_search, everywhere[label]), target=50)

        # The least any audited read of a client costs in this stack: the request's user, the
        # client by primary key (as its page loads it), the audit record and the commit. Its
        # gap is the floor of every row above: the ORM's work, not the search's.
        open_record = as_a_request(lambda actor, client_id: view_client(
            actor, get_scoped_or_404(Client, client_id, actor.user)))
        for client in random_clients(args.warm_up, seed=5):
            open_record(client.id)
        opened = [client.id for client in random_clients(args.queries, seed=6)]
        report("floor: opening one client's record", *paired_times(open_record, opened),
               target=50)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
