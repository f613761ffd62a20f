"""What every benchmark script needs: an app on a database of its own, and percentiles.

Scripts are run by path (``.venv/bin/python benchmarks/x.py``), so they import this module as
``common``.
"""

import tempfile
import time
from contextlib import contextmanager

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import MetaData, event

from mrc import create_app, freeze_loaded_objects
from mrc.extensions import db


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def benchmark_app(database_url: str | None, prefix: str, **config) -> Flask:
    """An app on ``database_url``, or on a new SQLite file in a temporary folder; password
    hashing made cheap (accounts are created, never attacked)."""
    url = database_url or f"sqlite:///{tempfile.mkdtemp(prefix=prefix)}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST_KIB": 1024,
                      "ARGON2_PARALLELISM": 1, **config})
    freeze_loaded_objects()  # as wsgi.py does for every worker
    return app


def empty_database() -> None:
    """Drop every table of the app's database (inside an app context)."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)


def fresh_schema() -> None:
    """An empty database at the newest schema (inside an app context)."""
    empty_database()
    upgrade(revision="heads")


def timed(function, runs: int) -> list[float]:
    """Milliseconds of ``runs`` calls of ``function``, after one warm-up call."""
    function()
    times = []
    for _run in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


@contextmanager
def statements_sent():
    """The (SQL, parameters) the database receives inside the block: a list, filled as they
    go (executemany batches left out)."""
    sent: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, executemany):
        if not executemany:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def captured_statements(function) -> list[tuple[str, object]]:
    """The (SQL, parameters) the database receives during one call of ``function``."""
    with statements_sent() as sent:
        function()
    return sent


def run_raw(statements, commit: bool = False) -> None:
    """Execute ``statements`` through the DBAPI connection and fetch every row; then commit
    (``commit``) or roll back."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            if (statement.lstrip().upper().startswith("BEGIN")
                    and getattr(connection.driver_connection, "in_transaction", False)):
                connection.commit()  # the service committed here (SQLite: BEGIN is captured)
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
        cursor.close()
        if commit:
            connection.commit()
        else:
            connection.rollback()
    finally:
        connection.close()
