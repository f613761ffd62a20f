"""The one place that knows which database engine is underneath.

SQLite (the embedded default) and PostgreSQL (production) differ in connection set-up, in
collation and in time-zone handling; everything specific to one of them lives here.
"""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

SQLITE_FILENAME = "mrc.sqlite3"


def database_uri(configured: str | None, instance_path: str) -> str:
    """Return the SQLAlchemy URL: the configured one, or the SQLite file in ``instance/``.

    ``postgres://`` and ``postgresql://`` URLs are pointed at psycopg 3.
    """
    if not configured:
        return "sqlite:///" + str(Path(instance_path) / SQLITE_FILENAME)
    for prefix in ("postgres://", "postgresql://"):
        if configured.startswith(prefix):
            return "postgresql+psycopg://" + configured[len(prefix):]
    return configured


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int) -> None:
    """Turn on WAL, a busy timeout and foreign keys for every new SQLite connection."""
    if not is_sqlite(engine):
        return

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned time-zone aware.

    SQLite keeps no time zone; storing naive UTC everywhere keeps both engines identical.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def search_key_type(length: int):
    """A string column compared byte-wise, so that prefix ranges (>= and <) follow code points.

    SQLite compares with memcmp already; PostgreSQL needs the "C" collation.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")
