"""``flask mrc backup`` / ``flask mrc restore`` and a restore drill under concurrent writes."""

import os
import re
import sqlite3
import stat
import threading
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

import mrc.backup as backup_module
from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.audit.models import AuditEvent
from mrc.auth.models import Role, User
from mrc.backup import BackupError, audit_checksum, backup_database, row_counts
from mrc.centres.services import seed_centres
from mrc.clients.models import Client
from mrc.clients.services import ClientData, register_client
from mrc.extensions import db
from tests.conftest import app_for, login, make_user

sqlite_only = pytest.mark.skipif(
    bool(os.environ.get("MRC_TEST_DATABASE_URL")),
    reason="backup/restore commands are for SQLite; PostgreSQL uses pg_dump",
)


def _client_data(number: int) -> ClientData:
    return ClientData(given_name=f"Writer{number}", family_name="Drill", sex="female",
                      nationality="PK", migration_status="potential", birth_year=1990,
                      consent_services=True)


@pytest.fixture
def live(tmp_path, monkeypatch):
    """A migrated, file-based SQLite app in its own instance folder, with one counsellor."""
    instance = tmp_path / "live"
    monkeypatch.setenv("MRC_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with app_for("sqlite:///" + str(instance / "mrc.sqlite3")) as app:
        with app.app_context():
            upgrade(revision="heads")
            seed_centres()
            user = make_user(Role.COUNSELLOR, "LHR", username="drill-counsellor")
            actor = Actor(user, "127.0.0.1")
            for number in range(50):
                register_client(actor, _client_data(number), confirmed_new=True)
            app.config["drill_user_id"] = user.id
            db.session.remove()
        yield app


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _facts(path: Path):
    with closing(_connect(path)) as connection:
        return (connection.execute("PRAGMA integrity_check").fetchone()[0],
                row_counts(connection), audit_checksum(connection))


def _printed_counts(output: str) -> dict[str, int]:
    rows = output.split("Rows:\n", 1)[1].split("Audit log checksum", 1)[0]
    return {name: int(count) for name, count in re.findall(r"^  (\w+): (\d+)$", rows, re.M)}


def _printed_path(output: str) -> Path:
    return Path(re.search(r"^File: (.+)$", output, re.M).group(1))


class Writer(threading.Thread):
    """Keeps registering clients and writing audit events through the services."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app, self.writes, self.errors = app, 0, []
        self.stop = threading.Event()

    def run(self):
        try:
            with self.app.app_context():
                user = db.session.get(User, self.app.config["drill_user_id"])
                actor = Actor(user, "127.0.0.1")
                number = 1000
                while not self.stop.is_set():
                    client = register_client(actor, _client_data(number), confirmed_new=True)
                    audit.record(actor, "view", object_type="client", object_id=client.id,
                                 centre_id=client.centre_id)
                    db.session.commit()
                    self.writes += 1
                    number += 1
                db.session.remove()
        except Exception as error:  # reported by the test, not lost in the thread
            self.errors.append(error)

    def wait_for(self, writes: int, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while self.writes < writes and time.monotonic() < deadline and not self.errors:
            time.sleep(0.005)
        assert not self.errors, self.errors
        assert self.writes >= writes, "the writer thread made no progress"


@sqlite_only
def test_restore_drill_under_concurrent_writes(live, tmp_path, monkeypatch):
    # Small steps with a pause after each, so that the copy demonstrably spans many commits.
    monkeypatch.setattr(backup_module, "PAGES_PER_STEP", 2)
    writes_during_copy = []
    original_printer = backup_module._progress_printer

    def slow_printer(label):
        show = original_printer(label)

        def progress(done, total):
            writes_during_copy.append(writer.writes)
            time.sleep(0.01)
            show(done, total)
        return progress

    monkeypatch.setattr(backup_module, "_progress_printer", slow_printer)

    writer = Writer(live)
    writer.start()
    try:
        writer.wait_for(5)
        result = live.test_cli_runner().invoke(args=["mrc", "backup"])
        writer.wait_for(writer.writes + 5)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert not writer.errors, writer.errors
    assert result.exit_code == 0, result.output
    assert len(writes_during_copy) > 5
    assert writes_during_copy[-1] > writes_during_copy[0], "no write happened during the copy"
    assert "Backup: 100%" in result.output

    backup_file = _printed_path(result.output)
    assert backup_file.parent == tmp_path / "live" / "backups"  # default: instance/backups
    assert re.fullmatch(r"mrc-\d{8}-\d{6}\.sqlite3", backup_file.name)
    printed = _printed_counts(result.output)
    assert printed["clients"] >= 55 and printed["audit_events"] >= 55

    restored_folder = tmp_path / "restored"
    restored = live.test_cli_runner().invoke(
        args=["mrc", "restore", str(backup_file), "--into", str(restored_folder)])
    assert restored.exit_code == 0, restored.output
    assert f"MRC_INSTANCE_PATH={restored_folder.resolve()}" in restored.output
    restored_file = restored_folder / "mrc.sqlite3"

    backup_integrity, backup_counts, backup_checksum = _facts(backup_file)
    restored_integrity, restored_counts, restored_checksum = _facts(restored_file)
    assert backup_integrity == restored_integrity == "ok"
    assert backup_counts == restored_counts == printed
    assert backup_checksum == restored_checksum
    assert f"Audit log checksum (SHA-256): {backup_checksum}" in result.output
    assert _printed_counts(restored.output) == printed
    # The copy is a snapshot: the live database went on growing after it.
    with live.app_context():
        live_clients = db.session.scalar(select(func.count()).select_from(Client))
        db.session.remove()
    assert live_clients > printed["clients"]

    # Start the service on the restored instance folder as the restore command says, and log in.
    monkeypatch.setenv("MRC_INSTANCE_PATH", str(restored_folder))
    with app_for(None) as restored_app:
        with restored_app.app_context():
            assert restored_app.config["SQLALCHEMY_DATABASE_URI"].endswith(str(restored_file))
            user = db.session.scalar(select(User).where(User.username == "drill-counsellor"))
            response = login(restored_app.test_client(), user)
            assert response.status_code == 302 and "/login" not in response.location
            assert db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login")
            ) == 1
            db.session.remove()


@sqlite_only
def test_backup_file_is_owner_only_and_old_backups_are_pruned(live, tmp_path):
    dest = tmp_path / "backups"
    dest.mkdir(mode=0o700)
    old = [dest / f"mrc-2020010{day}-000000.sqlite3" for day in (1, 2, 3)]
    for path in old:
        path.write_bytes(b"old")
    unrelated = dest / "notes.txt"
    unrelated.write_text("not a backup")

    result = live.test_cli_runner().invoke(args=["mrc", "backup", "--dest", str(dest),
                                                 "--keep", "2"])
    assert result.exit_code == 0, result.output
    new = _printed_path(result.output)
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert sorted(dest.iterdir()) == sorted([old[2], new, unrelated])
    assert f"Removed old backup: {old[0]}" in result.output
    assert not [p for p in dest.iterdir() if p.name.endswith(("-wal", "-shm", "-journal"))]


@sqlite_only
def test_backup_creates_an_owner_only_folder(live, tmp_path):
    dest = tmp_path / "new" / "backups"
    result = live.test_cli_runner().invoke(args=["mrc", "backup", "--dest", str(dest)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(dest.stat().st_mode) == 0o700
    assert stat.S_IMODE(_printed_path(result.output).stat().st_mode) == 0o600


@sqlite_only
def test_two_backups_in_one_second_both_kept_in_order(live, tmp_path):
    source = Path(live.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    now = datetime(2026, 11, 25, 14, 0, 0, tzinfo=UTC)
    first = backup_database(source, tmp_path / "b", now=now)
    second = backup_database(source, tmp_path / "b", keep=1, now=now)
    assert first.path.name == "mrc-20261125-140000.sqlite3"
    assert second.path.name == "mrc-20261125-140000-2.sqlite3"
    assert second.removed == [first.path] and not first.path.exists()


@sqlite_only
def test_restore_refuses_to_overwrite(live, tmp_path):
    runner = live.test_cli_runner()
    backup_file = _printed_path(runner.invoke(
        args=["mrc", "backup", "--dest", str(tmp_path / "b")]).output)
    into = tmp_path / "existing"
    into.mkdir()
    (into / "mrc.sqlite3").write_bytes(b"precious")
    result = runner.invoke(args=["mrc", "restore", str(backup_file), "--into", str(into)])
    assert result.exit_code != 0 and "exists already" in result.output
    assert (into / "mrc.sqlite3").read_bytes() == b"precious"


@sqlite_only
def test_restore_refuses_a_damaged_backup(live, tmp_path):
    runner = live.test_cli_runner()
    backup_file = _printed_path(runner.invoke(
        args=["mrc", "backup", "--dest", str(tmp_path / "b")]).output)
    data = bytearray(backup_file.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size * 3: page_size * 6] = b"\xa5" * (page_size * 3)  # scribble over some pages
    backup_file.write_bytes(bytes(data))
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)

    for damaged, into in ((backup_file, tmp_path / "r1"), (garbage, tmp_path / "r2")):
        result = runner.invoke(args=["mrc", "restore", str(damaged), "--into", str(into)])
        assert result.exit_code != 0, result.output
        assert "restore refused" in result.output
        assert not (into / "mrc.sqlite3").exists()


@sqlite_only
def test_backup_refuses_a_damaged_database_and_keeps_older_backups(live, tmp_path):
    dest = tmp_path / "b"
    good = _printed_path(live.test_cli_runner().invoke(
        args=["mrc", "backup", "--dest", str(dest)]).output)
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(good.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size * 3: page_size * 6] = b"\xa5" * (page_size * 3)
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError):
        backup_database(damaged, dest, keep=1)
    assert list(dest.iterdir()) == [good]


@sqlite_only
def test_backup_refuses_a_missing_database(tmp_path):
    with pytest.raises(BackupError, match="no database"):
        backup_database(tmp_path / "absent.sqlite3", tmp_path / "b")
    assert not (tmp_path / "absent.sqlite3").exists()


def test_backup_refuses_on_postgresql(monkeypatch, tmp_path):
    monkeypatch.setenv("MRC_INSTANCE_PATH", str(tmp_path / "instance"))
    # No connection is made: the command refuses before touching the database.
    with app_for("postgresql://nobody@127.0.0.1:1/none") as app:
        result = app.test_cli_runner().invoke(args=["mrc", "backup"])
    assert result.exit_code != 0
    assert "PostgreSQL" in result.output and "pg_dump" in result.output
    assert not (tmp_path / "instance" / "backups").exists()


def test_audit_checksum_covers_every_column_in_id_order():
    def checksum(rows):
        with closing(sqlite3.connect(":memory:")) as connection:
            connection.execute("CREATE TABLE audit_events (id INTEGER PRIMARY KEY, "
                               "action TEXT, summary TEXT)")
            connection.executemany("INSERT INTO audit_events VALUES (?, ?, ?)", rows)
            return audit_checksum(connection)

    rows = [(1, "login", ""), (2, "view", "client")]
    assert checksum(rows) == checksum(list(reversed(rows)))
    assert len(checksum(rows)) == 64
    assert checksum(rows) != checksum([(1, "login", ""), (2, "view", "clients")])
    assert checksum(rows) != checksum(rows[:1])
