"""Database set-up: SQLite pragmas, and migrations that match the models and go up and down."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from mrc.database import database_uri
from mrc.extensions import db
from tests.conftest import app_for


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(tmp_path):
    with (app_for(f"sqlite:///{tmp_path}/pragmas.sqlite3") as app, app.app_context(),
          db.engine.connect() as connection):
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 15000


def test_default_database_is_sqlite_in_instance_folder(tmp_path):
    assert database_uri(None, str(tmp_path)) == f"sqlite:///{tmp_path}/mrc.sqlite3"
    assert database_uri("postgres://u@h/db", "x") == "postgresql+psycopg://u@h/db"


def test_migration_head_matches_the_models(app):
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_every_migration_goes_down_and_up(tmp_path, database_url):
    url = database_url if not database_url.startswith("sqlite") else (
        f"sqlite:///{tmp_path}/updown.sqlite3")
    with app_for(url) as app, app.app_context():
        upgrade(revision="heads")
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade(revision="heads")
        assert "clients" in inspect(db.engine).get_table_names()
