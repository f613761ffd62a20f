"""Statistics charts and exports on an archive: chart queries, XLSX and the PDF report.

Usage: .venv/bin/python benchmarks/stats_exports.py --database-url URL [--generate]
       [--runs 5] [--centre LHR] [--month 2026-10] [--clients 20000 --sessions 100000 ...]

The database is prepared as in ``benchmarks/stats.py`` (``--generate`` empties it and fills it
with ``flask mrc archive-data``'s synthetic archive). Then, as an admin, it prints the median
and p95 (ms) over --runs warm runs of: the chart data of one centre-month and of all centres
(``charts.monthly_charts``: five 12-month trend queries and the sex × age query), the XLSX
export and the PDF report of one centre-month in English and in Urdu. Each export also writes
its audit row, as in production.
"""

import argparse
import statistics

from flask_babel import force_locale
from sqlalchemy import select

from common import benchmark_app, percentile, timed
from stats import archive_arguments, benchmark_admin, chosen_month, prepared_archive
from mrc.actor import Actor
from mrc.centres.models import Centre
from mrc.extensions import db
from mrc.stats import charts, exports, services
from mrc.stats.archive import Sizes


def report(name: str, times: list[float]) -> None:
    print(f"  {name:44s} median {statistics.median(times):8.1f} ms   "
          f"p95 {percentile(times, 0.95):8.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    archive_arguments(parser, Sizes(clients=20_000, sessions=100_000, group_sessions=4_000,
                                    referrals=20_000, years=2), runs=5)
    args = parser.parse_args()

    app = benchmark_app(args.database_url, "mrc-stats-")
    with app.app_context(), app.test_request_context():
        engine = prepared_archive(args)
        actor = Actor(benchmark_admin(), "benchmark")
        month = chosen_month(args)
        centre = db.session.scalar(select(Centre).where(Centre.code == args.centre.upper()))
        print(f"{engine}: {args.centre} and all centres, {month:%Y-%m}, {args.runs} runs")
        one = services.monthly_statistics(actor, month, centre.id)
        every = services.monthly_statistics(actor, month)
        report("chart data, one centre-month", timed(lambda: charts.monthly_charts(one),
                                                      args.runs))
        report("chart data, all centres", timed(lambda: charts.monthly_charts(every), args.runs))
        report("XLSX export, one centre-month",
               timed(lambda: exports.export_xlsx(actor, month, centre.id), args.runs))
        for locale in ("en", "ur"):
            with force_locale(locale):
                times = timed(lambda: exports.report_pdf(actor, month, centre.id), args.runs)
            report(f"PDF report ({locale}), one centre-month", times)


if __name__ == "__main__":
    main()
