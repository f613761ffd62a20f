"""Database set-up: SQLite pragmas, and migrations that match the models and go up and down."""

import pytest
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


def test_postgresql_connections_run_without_jit(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    with db.engine.connect() as connection:
        assert connection.execute(text("SHOW jit")).scalar() == "off"
        connection.rollback()
        assert connection.execute(text("SHOW jit")).scalar() == "off"


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


def test_migrations_rebuild_tables_of_a_populated_sqlite_database(tmp_path):
    """A batch migration copies and drops a table other rows refer to (clients): it must work
    with data present, and leave foreign keys enforced on the connections afterwards."""
    from mrc.actor import Actor
    from mrc.auth.models import User
    from mrc.clients.services import ClientData, register_client

    with app_for(f"sqlite:///{tmp_path}/populated.sqlite3") as app, app.app_context():
        upgrade(revision="0006")
        # Rows written as the schema of 0006 has them (the models are newer).
        db.session.execute(text(
            "INSERT INTO centres (code, name, country, city, address, phone, email, "
            "default_locale, timezone, active) VALUES ('LHR', 'MRC Lahore', 'PK', 'Lahore', "
            "'', '', '', 'ur', 'Asia/Karachi', 1)"))
        db.session.execute(text(
            "INSERT INTO users (username, display_name, password_hash, role, centre_id, active, "
            "created_at) SELECT 'm', 'M', '-', 'manager', id, 1, '2026-01-01 00:00:00' "
            "FROM centres"))
        ids = {"centre": db.session.scalar(text("SELECT id FROM centres")),
               "user": db.session.scalar(text("SELECT id FROM users"))}
        db.session.execute(text(
            "INSERT INTO clients (reference, centre_id, given_name, family_name, "
            "given_name_native, family_name_native, sex, nationality, national_id, phone, "
            "province, district, education, occupation, skills, languages, migration_status, "
            "destination_country, destination_sector, heard_about, consent_date, "
            "consent_recorded_by_id, consent_services, consent_follow_up, "
            "consent_referral_sharing, consent_statistics, trafficking_indication, "
            "smuggling_indication, protection_concern, created_at, created_by_id, updated_at, "
            "last_visit_at) VALUES ('LHR-2020-000001', :centre, 'Ali', 'Raza', '', '', 'male', "
            "'PK', '', '', '', '', '', '', '', '', 'intending', '', '', '', '2026-01-01', :user, "
            "1, 0, 0, 0, 0, 0, 0, '2026-01-01 00:00:00', :user, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')"), ids)
        db.session.execute(text("INSERT INTO client_search_keys (client_id, kind, value) "
                                "SELECT id, 'name', 'ali' FROM clients"))
        db.session.commit()
        db.session.remove()
        upgrade(revision="heads")
        assert db.session.scalar(text("SELECT count(*) FROM client_search_keys")) == 1
        register_client(Actor(db.session.get(User, ids["user"])), ClientData(
            given_name="Sana", sex="female", nationality="PK", migration_status="intending",
            birth_year=1990, consent_services=True), confirmed_new=True)
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_commit_keeping_loaded_keeps_what_it_is_given_and_expires_the_rest(app):
    from mrc.centres.models import Centre
    from mrc.database import commit_keeping_loaded

    kept, other = db.session.scalars(db.select(Centre).order_by(Centre.code).limit(2)).all()
    kept.phone = "+92 42 0000000"  # written by the commit, still readable after it
    commit_keeping_loaded(db.session, [kept])
    assert not inspect(kept).expired_attributes
    assert inspect(other).expired_attributes  # read again when next used, as after any commit
    assert db.session().expire_on_commit  # the next commit expires everything again
    db.session.expire_all()
    assert db.session.get(Centre, kept.id).phone == "+92 42 0000000"
