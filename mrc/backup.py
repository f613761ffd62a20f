"""Backing up and restoring the SQLite database (``flask mrc backup`` / ``flask mrc restore``).

Copies are made with SQLite's online backup API, never by copying the file: the service keeps
running and writing while the copy is made, and the copy is one consistent snapshot (the
source is read inside one read transaction, which WAL mode lets writers go on beside).
PostgreSQL installations use ``pg_dump`` / ``pg_restore`` instead (see README, "Backups").
"""

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from mrc.database import SQLITE_FILENAME

BACKUP_NAME = re.compile(r"^mrc-(\d{8})-(\d{6})(?:-(\d+))?\.sqlite3$")
PAGES_PER_STEP = 1024
POSTGRESQL_MESSAGE = (
    "This installation uses PostgreSQL (DATABASE_URL is set): 'flask mrc backup' only backs up "
    "the SQLite database. Use pg_dump instead, for example\n"
    '  pg_dump --format=custom --file=/backups/mrc-$(date -u +%Y%m%d-%H%M%S).dump "$DATABASE_URL"\n'
    "and restore with pg_restore into an empty database (see README.md, \"Backups\")."
)


class BackupError(Exception):
    """A backup or restore that was refused or failed its checks; the message says why."""


@dataclass
class CopyReport:
    path: Path
    size: int
    counts: dict[str, int]
    audit_checksum: str
    alembic_versions: list[str]
    removed: list[Path] = field(default_factory=list)


ProgressCallback = Callable[[int, int], None]


# --- reading a database ----------------------------------------------------------------------

def _connect(path: Path, *, timeout: float = 15.0) -> sqlite3.Connection:
    # Autocommit mode: transactions are begun and ended explicitly below.
    return sqlite3.connect(str(path), timeout=timeout, isolation_level=None)


def _tables(connection: sqlite3.Connection) -> list[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'alembic_version' ORDER BY name"
    ).fetchall()
    return [name for (name,) in rows]


def row_counts(connection: sqlite3.Connection) -> dict[str, int]:
    """The number of rows of every application table (Alembic's own table left out)."""
    return {
        # Table names come from sqlite_master of our own schema, never from input.
        table: connection.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 # nosec B608
        .fetchone()[0]
        for table in _tables(connection)
    }


def alembic_versions(connection: sqlite3.Connection) -> list[str]:
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:
        return []
    return sorted(version for (version,) in rows)


def integrity_problems(connection: sqlite3.Connection) -> list[str]:
    """``PRAGMA integrity_check``'s findings; an empty list when the database is sound."""
    try:
        rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        return [str(error)]
    messages = [message for (message,) in rows]
    return [] if messages == ["ok"] else messages


def _json_value(value):
    if isinstance(value, bytes | bytearray | memoryview):
        return {"hex": bytes(value).hex()}
    if isinstance(value, int | float | str) or value is None:
        return value
    return str(value)


def audit_checksum(connection) -> str:
    """SHA-256 over every row of ``audit_events`` in id order, all columns with their names.

    ``connection`` is a DB-API connection (``sqlite3.Connection``) or a SQLAlchemy
    ``Connection``. Two copies of one database give the same checksum; checksums are only
    comparable between databases of the same engine (values are hashed as the driver
    returns them).
    """
    statement = "SELECT * FROM audit_events ORDER BY id"
    if hasattr(connection, "exec_driver_sql"):
        result = connection.exec_driver_sql(statement)
        columns, rows = list(result.keys()), result
    else:
        cursor = connection.cursor()
        cursor.execute(statement)
        columns, rows = [d[0] for d in cursor.description], cursor
    digest = hashlib.sha256()
    digest.update(json.dumps(columns).encode() + b"\n")
    for row in rows:
        line = json.dumps([_json_value(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        digest.update(line.encode() + b"\n")
    return digest.hexdigest()


# --- copying ---------------------------------------------------------------------------------

def _create_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only (0600), refusing to reuse an existing file."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)


def _private_directory(path: Path) -> None:
    """Make the folder (owner-only when it is created here)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _copy(source: sqlite3.Connection, target_path: Path, progress: ProgressCallback | None,
          pages: int) -> None:
    """Copy ``source`` (already inside a read transaction) into the new file ``target_path``."""
    target = _connect(target_path)
    try:
        def report(_status, remaining, total):
            if progress:
                progress(total - remaining, total)

        source.backup(target, pages=pages, progress=report)
        # A copy taken from a WAL database says "WAL" in its header; a backup file is one
        # self-contained file, so switch it to a rollback journal.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()


def _check_copy(path: Path, expected_versions: list[str]) -> tuple[dict[str, int], str, list[str]]:
    copy = _connect(path)
    try:
        problems = integrity_problems(copy)
        if problems:
            raise BackupError(f"integrity check of {path} failed: " + "; ".join(problems[:5]))
        versions = alembic_versions(copy)
        if versions != expected_versions:
            raise BackupError(f"schema version of {path} is {versions or 'missing'}, "
                              f"expected {expected_versions}")
        return row_counts(copy), audit_checksum(copy), versions
    finally:
        copy.close()


def _remove_quietly(path: Path) -> None:
    for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)


def _backup_sort_key(path: Path):
    match = BACKUP_NAME.match(path.name)
    return (match.group(1), match.group(2), int(match.group(3) or 0))


def backup_files(folder: Path) -> list[Path]:
    """The backups made by this command in ``folder``, oldest first (other files ignored)."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_file() and BACKUP_NAME.match(p.name)]
    return sorted(found, key=_backup_sort_key)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups in ``folder``; returns what was deleted."""
    old = backup_files(folder)[:-keep] if keep > 0 else backup_files(folder)
    for path in old:
        path.unlink()
    return old


def _new_backup_path(folder: Path, now: datetime) -> Path:
    stem = "mrc-" + now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    candidate, number = folder / f"{stem}.sqlite3", 1
    while True:
        try:
            _create_private_file(candidate)
            return candidate
        except FileExistsError:
            number += 1  # two backups within one second
            candidate = folder / f"{stem}-{number}.sqlite3"


def backup_database(source_path: Path, folder: Path, *, keep: int = 7,
                    progress: ProgressCallback | None = None, pages: int | None = None,
                    timeout: float = 15.0, now: datetime | None = None) -> CopyReport:
    """Back up the SQLite database at ``source_path`` into a new timestamped file in ``folder``.

    The copy is checked (integrity, same schema version as the source), then all but the newest
    ``keep`` backups in ``folder`` are deleted. A copy that fails its checks is deleted and
    ``BackupError`` raised; older backups are then left alone.
    """
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path}")
    _private_directory(folder)
    source = _connect(source_path, timeout=timeout)
    target_path = None
    try:
        # One read transaction for the whole copy: a fixed snapshot however long it takes,
        # while other connections keep writing to the WAL.
        source.execute("BEGIN")
        problems = integrity_problems(source)
        if problems:
            raise BackupError("the live database fails its integrity check: "
                              + "; ".join(problems[:5]))
        versions = alembic_versions(source)
        target_path = _new_backup_path(folder, now or datetime.now(UTC))
        _copy(source, target_path, progress, pages or PAGES_PER_STEP)
        source.execute("COMMIT")
        counts, checksum, versions = _check_copy(target_path, versions)
    except BaseException:
        if target_path is not None:
            _remove_quietly(target_path)
        raise
    finally:
        source.close()
    removed = prune(folder, keep)
    return CopyReport(path=target_path, size=target_path.stat().st_size, counts=counts,
                      audit_checksum=checksum, alembic_versions=versions, removed=removed)


def restore_database(backup_path: Path, instance_folder: Path, *,
                     progress: ProgressCallback | None = None,
                     pages: int | None = None) -> CopyReport:
    """Restore ``backup_path`` as ``instance_folder/mrc.sqlite3``, a new instance folder.

    Refuses when that database exists already; checks the backup before and the result after.
    """
    if not backup_path.is_file():
        raise BackupError(f"no backup file at {backup_path}")
    target_path = instance_folder / SQLITE_FILENAME
    if any(Path(f"{target_path}{suffix}").exists() for suffix in ("", "-wal", "-journal")):
        raise BackupError(f"{target_path} exists already: restore into a new, empty folder")
    # Read-only: checking a backup must never change it.
    source = sqlite3.connect(f"{backup_path.resolve().as_uri()}?mode=ro", uri=True,
                             isolation_level=None)
    created = False
    try:
        problems = integrity_problems(source)
        if problems:
            raise BackupError(f"{backup_path} fails its integrity check: "
                              + "; ".join(problems[:5]))
        versions = alembic_versions(source)
        if not versions:
            raise BackupError(f"{backup_path} is not an MRC database (no schema version)")
        _private_directory(instance_folder)
        _create_private_file(target_path)
        created = True
        source.execute("BEGIN")
        _copy(source, target_path, progress, pages or PAGES_PER_STEP)
        source.execute("COMMIT")
        counts, checksum, versions = _check_copy(target_path, versions)
    except sqlite3.DatabaseError as error:
        if created:
            _remove_quietly(target_path)
        raise BackupError(f"{backup_path} cannot be read as an SQLite database: {error}") from error
    except BaseException:
        if created:
            _remove_quietly(target_path)
        raise
    finally:
        source.close()
    return CopyReport(path=target_path, size=target_path.stat().st_size, counts=counts,
                      audit_checksum=checksum, alembic_versions=versions)


# --- commands (registered on ``flask mrc`` in mrc/cli.py) ------------------------------------

def _progress_printer(label: str) -> ProgressCallback:
    shown = {"tenth": -1}

    def show(done: int, total: int) -> None:
        percent = 100 if total == 0 else done * 100 // total
        if percent // 10 > shown["tenth"]:  # at most one line per 10 %
            shown["tenth"] = percent // 10
            click.echo(f"{label}: {percent}% ({done}/{total} pages)")

    return show


def _echo_report(report: CopyReport) -> None:
    click.echo(f"File: {report.path}")
    click.echo(f"Size: {report.size} bytes")
    click.echo("Integrity check: ok; schema version: " + ", ".join(report.alembic_versions))
    click.echo("Rows:")
    for table, count in report.counts.items():
        click.echo(f"  {table}: {count}")
    click.echo(f"Audit log checksum (SHA-256): {report.audit_checksum}")


def _sqlite_path() -> Path:
    from mrc.database import is_sqlite
    from mrc.extensions import db

    if not is_sqlite(db.engine):
        raise click.ClickException(POSTGRESQL_MESSAGE)
    database = db.engine.url.database
    if database in (None, "", ":memory:"):
        raise click.ClickException("the database is in memory; there is nothing to back up")
    return Path(database)


@click.command("backup")
@click.option("--dest", "dest", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the backups [default: instance/backups].")
@click.option("--keep", default=7, show_default=True, type=click.IntRange(1),
              help="How many of the newest backups in the folder to keep.")
@with_appcontext
def backup_command(dest, keep):
    """Back up the SQLite database while the service runs (owner-only file, checked)."""
    source = _sqlite_path()
    folder = dest or Path(current_app.instance_path) / "backups"
    timeout = current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
    try:
        report = backup_database(source, folder, keep=keep, timeout=timeout,
                                 progress=_progress_printer("Backup"))
    except (BackupError, sqlite3.Error, OSError) as error:
        raise click.ClickException(f"backup failed: {error}") from error
    click.echo("Backup complete.")
    _echo_report(report)
    for path in report.removed:
        click.echo(f"Removed old backup: {path}")
    click.echo(f"Also keep a copy of {Path(current_app.instance_path) / 'secret_key'} "
               "(and instance/config.py if you have one) somewhere safe.")


@click.command("restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--into", "into", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new instance folder to restore into (must not hold mrc.sqlite3).")
def restore_command(backup_file, into):
    """Restore a backup into a new instance folder; the running installation is not touched."""
    try:
        report = restore_database(backup_file, into, progress=_progress_printer("Restore"))
    except (BackupError, sqlite3.Error, OSError) as error:
        raise click.ClickException(f"restore refused: {error}") from error
    click.echo("Restore complete.")
    _echo_report(report)
    folder = into.resolve()
    click.echo("\nTo run the service on the restored database (DATABASE_URL must not be set):")
    click.echo(f"  export MRC_INSTANCE_PATH={folder}")
    click.echo("  .venv/bin/flask --app wsgi mrc init      # applies newer migrations, if any")
    click.echo("  .venv/bin/gunicorn --bind 127.0.0.1:8000 wsgi:app")
    click.echo(f"Copy the old instance's secret_key (and config.py) into {folder} first to keep "
               "existing sessions valid; otherwise a new key is made and everybody logs in again.")
