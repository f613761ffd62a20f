"""The one place that knows which database engine is underneath.

SQLite (the embedded default) and PostgreSQL (production) differ in connection set-up, in
collation and in time-zone handling; everything specific to one of them lives here.
"""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import scoped_session
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


def install_postgresql_settings(engine: Engine) -> None:
    """Turn PostgreSQL's JIT compilation off on every new connection: the statistics'
    aggregates over a national year cost enough to trigger it, and compiling took ~40 ms per
    statement, more than it saved (measured on the 1M-client archive: 2.8 s -> 2.0 s)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _settings(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()  # a SET inside a transaction rolled back would be undone


def install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int) -> None:
    """Turn on WAL, a busy timeout and foreign keys for every new SQLite connection, and let
    every transaction take the write lock before its first write (never by upgrading a read
    snapshot, which SQLite refuses at once when another connection wrote meanwhile)."""
    if not is_sqlite(engine):
        return
    _install_sqlite_begin(engine)

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_connection, _record):
        # sqlite3 would otherwise emit its own deferred BEGIN before the first write only;
        # we emit BEGIN ourselves (SQLAlchemy's documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted and overwritten content is zeroed, so anonymised values leave the file.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


# Why BEGIN IMMEDIATE. A deferred SQLite transaction reads first and asks for the write lock
# only at its first write. If another connection wrote meanwhile, that upgrade fails at once
# with SQLITE_BUSY ("database is locked"): the busy timeout does not help, because waiting could
# deadlock two readers that both want to write. BEGIN IMMEDIATE takes the write lock before
# anything is read or written, waiting up to the busy timeout for the writer before it, so two
# writers queue instead of failing. So no transaction here ever upgrades a read snapshot:
#
# - Outside requests (CLI commands, scripts) a transaction begins IMMEDIATE: it will most
#   likely write, and what it read stays true until it commits.
# - Requests begin deferred, so readers (in WAL mode never blocked by a writer) do not queue
#   behind writers. Before the first write of a request's transaction (an insert, the audit
#   row of a view, the session's last-seen time), the read snapshot is ended and the
#   transaction begun again with BEGIN IMMEDIATE: the write waits its turn instead of failing.
#   The lock is then held from the first write to the commit only, not while the form is
#   parsed and checked or the page rendered: the load test (benchmarks/load.py) showed that
#   holding it for whole posted requests makes writers queue past the busy timeout when the
#   CPU is busy. What was read before the first write is as fresh as PostgreSQL's READ
#   COMMITTED, which the app must be correct under anyway; counters that must not race are
#   single UPDATE ... RETURNING statements (clients.services.next_reference).
IMMEDIATE, DEFERRED, ON_FIRST_WRITE = "BEGIN IMMEDIATE", "BEGIN", ""
_WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE", "SAVEPOINT")
_MODE = "mrc_sqlite_begin"


def sqlite_begin_statement() -> str:
    """How a SQLite transaction begins: ``DEFERRED`` (locking before its first write) in a
    request, ``IMMEDIATE`` outside requests.

    With ``SQLITE_IMMEDIATE_OUTSIDE_REQUESTS`` off (the test suite), code outside a request
    reads without a transaction and takes the write lock before its first write
    (``ON_FIRST_WRITE``): a test's own reads between two requests then neither hold the lock
    the requests need nor keep a snapshot older than what the requests wrote.
    """
    from flask import current_app, has_app_context, has_request_context

    if has_request_context():
        return DEFERRED
    if has_app_context() and not current_app.config.get("SQLITE_IMMEDIATE_OUTSIDE_REQUESTS",
                                                        True):
        return ON_FIRST_WRITE
    return IMMEDIATE


def _install_sqlite_begin(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _begin(connection):
        mode = sqlite_begin_statement()
        connection.info[_MODE] = mode
        if mode:
            connection.exec_driver_sql(mode)

    @event.listens_for(engine, "before_cursor_execute")
    def _lock_before_first_write(connection, cursor, statement, parameters, context,
                                 executemany):
        mode = connection.info.get(_MODE, IMMEDIATE)
        if mode == IMMEDIATE or not statement.lstrip().upper().startswith(_WRITE_STATEMENTS):
            return
        connection.info[_MODE] = IMMEDIATE
        if mode == DEFERRED:
            # Nothing was written (and no savepoint opened) yet: ending the transaction only
            # releases the read snapshot.
            cursor.execute("COMMIT")
        cursor.execute(IMMEDIATE)


def holds_sqlite_write_lock(connection) -> bool:
    """Whether ``connection``'s transaction holds SQLite's write lock (begun IMMEDIATE outside
    a request, or written to): a write through another connection would wait for it until
    the busy timeout, then fail."""
    return (is_sqlite(connection.engine) and connection.in_transaction()
            and connection.info.get(_MODE) == IMMEDIATE)


def commit_keeping_loaded(session, objects) -> None:
    """Commit, keeping ``objects`` as loaded: a commit expires every object of the session,
    and a page reading a list of them afterwards would load them all again. Everything else
    expires as after any commit."""
    current = session() if isinstance(session, scoped_session) else session
    kept = {id(instance) for instance in objects}
    expire_on_commit = current.expire_on_commit
    current.expire_on_commit = False
    try:
        current.commit()
    finally:
        current.expire_on_commit = expire_on_commit
    for instance in list(current.identity_map.values()):
        if id(instance) not in kept:
            current.expire(instance)


def id_chunks(ids, size: int = 500):
    """The distinct ids of ``ids`` (None left out), in order, ``size`` at a time: the IN lists
    of statements that recompute kept copies for the rows a flush touched."""
    ordered = sorted({value for value in ids if value is not None})
    for start in range(0, len(ordered), size):
        yield ordered[start:start + size]


def attribute_values(state, name: str) -> list:
    """Every value attribute ``name`` of an instance's ``state`` (``sqlalchemy.inspect``) had
    in the current flush: old, new or unchanged, without None. For the flush listeners that
    keep copies right (``mrc.stats``, ``mrc.clients.activity``)."""
    history = state.attrs[name].history
    return [value for value in (*history.added, *history.unchanged, *history.deleted)
            if value is not None]


def attributes_changed(state, names) -> bool:
    """Whether any attribute of ``names`` changes in the current flush."""
    return any(state.attrs[name].history.has_changes() for name in names)


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
