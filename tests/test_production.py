"""Production settings: the app refuses to start in production with debug on or a missing,
short or example secret key; the instance folder and the SQLite files are owner-only."""

import os
import sqlite3
import stat

import pytest

from mrc import create_app
from mrc.config import UnsafeSettings
from mrc.extensions import db

GOOD_KEY = "9f1c2d7e5b3a4c6d8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b"


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean environment with the instance folder in ``tmp_path``."""
    for name in ("SECRET_KEY", "DATABASE_URL", "MRC_ENV", "FLASK_DEBUG", "MRC_PROXY_COUNT",
                 "MRC_SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MRC_INSTANCE_PATH", str(tmp_path / "instance"))
    return monkeypatch


def build():
    app = create_app()
    with app.app_context():
        db.engine.dispose()
    return app


@pytest.mark.parametrize("key, problem", [
    (None, "SECRET_KEY is not set"),
    ("", "SECRET_KEY is not set"),
    ("dev", "well-known example"),
    ("change-me", "well-known example"),
    ("short but not known", "shorter than 32 characters"),
])
def test_production_refuses_a_weak_secret_key(environment, key, problem):
    environment.setenv("MRC_ENV", "production")
    if key is not None:
        environment.setenv("SECRET_KEY", key)
    with pytest.raises(UnsafeSettings, match=problem) as refused:
        build()
    assert "MRC_ENV=production, refusing to start" in str(refused.value)
    assert "token_hex" in str(refused.value)  # says how to make a good one


def test_production_refuses_debug(environment):
    environment.setenv("MRC_ENV", "production")
    environment.setenv("SECRET_KEY", GOOD_KEY)
    environment.setenv("FLASK_DEBUG", "1")
    with pytest.raises(UnsafeSettings, match="debug mode is on"):
        build()


def test_production_refuses_a_key_from_instance_config(environment, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('SECRET_KEY = "secret"\nENVIRONMENT = "production"\n')
    with pytest.raises(UnsafeSettings, match="well-known example"):
        build()


def test_production_starts_with_safe_settings(environment, tmp_path):
    environment.setenv("MRC_ENV", "production")
    environment.setenv("SECRET_KEY", GOOD_KEY)
    app = build()
    assert app.config["ENVIRONMENT"] == "production" and not app.debug
    assert app.config["SECRET_KEY"] == GOOD_KEY
    # A missing key is never made up in production: nothing was written.
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_development_makes_up_a_key_and_allows_debug(environment, tmp_path):
    environment.setenv("FLASK_DEBUG", "1")
    app = build()
    assert app.debug and len(app.config["SECRET_KEY"]) >= 32
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The loosest umask: files would be created readable and writable by everyone."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_instance_folder_and_sqlite_files_are_owner_only(environment, tmp_path, open_umask):
    app = build()
    instance = tmp_path / "instance"
    database = instance / "mrc.sqlite3"
    assert mode(instance) == 0o700
    # Write through the app's engine (WAL): SQLite creates the file, then -wal and -shm.
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO probe VALUES (1)")
            wal, shm = instance / "mrc.sqlite3-wal", instance / "mrc.sqlite3-shm"
            assert wal.exists() and shm.exists()
            assert (mode(database), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
        db.engine.dispose()
    assert not wal.exists()  # the last connection closed: SQLite removed it
    # A new connection recreates -wal and -shm, with the database file's 0600.
    with app.app_context():
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO probe VALUES (2)")
            assert (mode(wal), mode(shm)) == (0o600, 0o600)
        db.engine.dispose()


def test_existing_open_files_are_tightened(environment, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    database = instance / "mrc.sqlite3"
    sqlite3.connect(database).close()
    database.chmod(0o644)
    build()
    assert mode(instance) == 0o700
    assert mode(database) == 0o600


def test_the_wsgi_entry_point_leaves_what_it_loaded_out_of_full_collections(environment):
    """A full garbage collection walked the ~140,000 objects every worker loads at start:
    60-90 ms in the middle of some request (the slowest searches of the search benchmark).
    wsgi.py, which every gunicorn worker imports, freezes them."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    frozen = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
        [sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"],
        cwd=root, env=os.environ, check=True, capture_output=True, text=True).stdout
    assert int(frozen.strip().splitlines()[-1]) > 50_000
