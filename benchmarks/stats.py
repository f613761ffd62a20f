"""Monthly statistics on a large archive: service time against the same SQL run directly.

Usage: .venv/bin/python benchmarks/stats.py --database-url URL [--generate] [--runs 10]
       [--centre LHR] [--month 2026-10] [--clients 1000000 --sessions 5000000 ...]

URL is a SQLite file (``sqlite:////path/archive.sqlite3``) or PostgreSQL
(``postgresql://postgres@127.0.0.1:5432/mrc_bench``). With --generate the database is emptied,
migrated and filled with ``flask mrc archive-data``'s archive first (generation time and rows per
second are printed); without it the database is only migrated to the newest schema (which adds
missing indexes; the time is printed) and must hold an archive already.

Then, as an admin, it times (median and p95 over --runs warm runs):
  * one centre-month: ``monthly_statistics(actor, month, centre_id)``     target <= 200 ms
  * a national year: all centres, the 12 months up to --month            target <= 1 s
and for each, the same aggregate SQL run directly: the statements and parameters the service
emits are captured during one call (SQLAlchemy ``before_cursor_execute``) and executed again,
exactly, through the raw DBAPI connection. The ratio service/raw has a target of <= 1.5.
"""

import argparse
import inspect
import statistics
import time
from datetime import date

from common import benchmark_app, captured_statements, empty_database, percentile, run_raw
from flask_migrate import upgrade
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.clients.models import Client, ClientSearchKey
from mrc.counselling.models import CounsellingSession
from mrc.extensions import db
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.referrals.models import Referral, ReferralStatusChange
from mrc.stats import services
from mrc.stats.archive import Sizes, generate_archive
from mrc.stats.rollup import forget_everything

TABLES = (Client, ClientSearchKey, CounsellingSession, GroupSession, GroupSessionAttendee,
          GroupSessionHeadCount, Referral, ReferralStatusChange)


def milliseconds(function) -> float:
    start = time.perf_counter()
    function()
    return (time.perf_counter() - start) * 1000


def paired(function, raw_function, runs: int) -> tuple[list[float], list[float]]:
    """Times of ``function`` and ``raw_function`` run alternately (so that a busy moment of a
    shared machine falls on both), after one warm-up run each."""
    function()
    raw_function()
    times, raw_times = [], []
    for _run in range(runs):
        times.append(milliseconds(function))
        raw_times.append(milliseconds(raw_function))
    return times, raw_times


def benchmark_admin() -> User:
    user = db.session.scalar(select(User).where(User.username == "bench-stats-admin"))
    if user is None:
        # Nobody can log in with this hash; the benchmark acts through the services only.
        user = User(username="bench-stats-admin", display_name="Benchmark", password_hash="-",
                    role=Role.ADMIN, centre_id=None)
        db.session.add(user)
        db.session.commit()
    return user


def archive_arguments(parser: argparse.ArgumentParser, defaults: Sizes, runs: int) -> None:
    """The options every archive benchmark takes: database, --generate and the archive's size,
    --runs, the centre and month to time."""
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--generate", action="store_true",
                        help="empty the database and generate the archive first")
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--centre", default="LHR", help="centre code of the centre-month")
    parser.add_argument("--month", help="YYYY-MM (default: last month)")
    for name in ("clients", "sessions", "group_sessions", "referrals", "years"):
        parser.add_argument("--" + name.replace("_", "-"), type=int,
                            default=getattr(defaults, name))
    parser.add_argument("--seed", type=int, default=1)


def prepared_archive(args) -> str:
    """Migrate the database (emptied and filled with the archive first with --generate);
    inside an app context. Returns the database engine's name."""
    engine = db.engine.dialect.name
    if args.generate:
        empty_database()
    started = time.perf_counter()
    upgrade(revision="heads")
    print(f"{engine}: migrated to the newest schema in {time.perf_counter() - started:.1f} s")
    if args.generate:
        sizes = Sizes(args.clients, args.sessions, args.group_sessions, args.referrals,
                      args.years)
        result = generate_archive(sizes, args.seed)
        print(f"{engine}: archive of {result.total:,d} rows generated in "
              f"{result.seconds:.0f} s: {result.rows_per_second:,.0f} rows/second")
    return engine


def chosen_month(args) -> date:
    return services.parse_month(args.month) if args.month else services.default_month(
        date.today())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    archive_arguments(parser, Sizes(), runs=10)
    args = parser.parse_args()

    app = benchmark_app(args.database_url, "mrc-stats-")
    with app.app_context(), app.test_request_context():
        prepared_archive(args)
        for model in TABLES:
            rows = db.session.scalar(select(func.count()).select_from(model))
            print(f"  {model.__tablename__:28s} {rows:>12,d}")

        # Start with no month kept, so that the first call of each case shows the cost of
        # counting them.
        forget_everything(db.session)
        db.session.commit()
        actor = Actor(benchmark_admin(), "benchmark")
        month = chosen_month(args)
        centre = db.session.scalar(select(Centre).where(Centre.code == args.centre.upper()))
        first = services.add_months(month, -11)
        has_ranges = "last_month" in inspect.signature(services.monthly_statistics).parameters

        # Each call ends its transaction, as a request does: on SQLite a transaction kept open
        # would not see the months the previous call kept (another connection wrote them).
        def centre_month():
            services.monthly_statistics(actor, month, centre.id)
            db.session.rollback()

        def national_year():
            if has_ranges:
                services.monthly_statistics(actor, first, None, last_month=month)
            else:
                services.monthly_statistics(actor, month, None)
            db.session.rollback()

        national_label = (f"all centres {first:%Y-%m}..{month:%Y-%m}" if has_ranges
                          else f"all centres {month:%Y-%m} (ONE month: no ranges yet)")
        cases = [(f"{centre.code} {month:%Y-%m} (centre-month)", centre_month, 200),
                 (national_label, national_year, 1000)]
        print()
        print(f"{'case':44s} {'median':>9s} {'p95':>9s} {'raw SQL':>9s} {'ratio':>6s} "
              f"{'SQL':>4s}  target")
        first_calls = []
        for label, function, target in cases:
            # The first call counts and keeps the months not kept yet (the roll-up); the SQL
            # replayed is that of a call after it, as every later call makes.
            first_calls.append((label, milliseconds(function)))
            statements = captured_statements(function)
            times, raw = paired(function, lambda statements=statements: run_raw(statements),
                                args.runs)
            median, raw_median = statistics.median(times), statistics.median(raw)
            ratio = median / raw_median if raw_median else float("inf")
            verdict = "ok" if median <= target and ratio <= 1.5 else "MISSED"
            print(f"{label:44s} {median:7.0f}ms {percentile(times, 0.95):7.0f}ms "
                  f"{raw_median:7.0f}ms {ratio:6.2f} {len(statements):4d}  "
                  f"<= {target} ms, ratio <= 1.5: {verdict}")
        print(f"({args.runs} warm runs each, service and raw SQL alternately; "
              "SQL = statements per call)")
        for label, took in first_calls:
            print(f"first call, {label}: {took:,.0f} ms (months not kept yet counted and kept)")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
