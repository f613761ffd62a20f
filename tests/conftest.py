"""Fixtures: an app on SQLite (always) or on PostgreSQL (MRC_TEST_DATABASE_URL), users of each
role at two centres, and a ``login`` helper that posts the real form with its CSRF token."""

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import MetaData, event

from mrc import create_app
from mrc.auth.models import Role, User
from mrc.auth.services import create_user
from mrc.centres.models import Centre
from mrc.centres.services import seed_centres
from mrc.clients.services import key_rarity
from mrc.extensions import db

TEST_PASSWORD = "a quiet river at dawn 42"

FAST_TEST_SETTINGS = {
    "TESTING": True,
    "SECRET_KEY": "test secret key",
    # Argon2id stays the algorithm; only its cost is lowered to keep the suite fast.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST_KIB": 1024,
    "ARGON2_PARALLELISM": 1,
    # A test's own reads between requests must not hold SQLite's write lock (mrc.database).
    "SQLITE_IMMEDIATE_OUTSIDE_REQUESTS": False,
}


def _database_url(tmp_path_factory) -> str:
    configured = os.environ.get("MRC_TEST_DATABASE_URL")
    if configured:
        return configured
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def _drop_everything() -> None:
    """Empty a reused PostgreSQL test database, including Alembic's version table."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)


class RequestContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Tests keep an app context open for their own database work; without this, requests would
    share its ``g`` (and Flask-Login's cached user) and its database session.
    Its browser asks for English unless a test says otherwise.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


@contextmanager
def app_for(database_url: str):
    """An app on ``database_url`` whose connections are closed when the block ends."""
    app = create_app({**FAST_TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = RequestContextClient
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_app(database_url):
    """One app per test session, its database migrated to head with Alembic."""
    with app_for(database_url) as app:
        with app.app_context():
            _drop_everything()
            upgrade(revision="heads")
        yield app


@pytest.fixture
def app(migrated_app):
    """The session's app with every table emptied (children first) and the centres seeded."""
    with migrated_app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        seed_centres()
        migrated_app.config.update(FAST_TEST_SETTINGS)
        key_rarity.clear()  # counts of another test's keys: every test starts as a new worker
        yield migrated_app
        db.session.rollback()
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@contextmanager
def statements_sent():
    """The SQL statements the database receives inside the block: a list, filled as they go."""
    sent: list[str] = []

    def capture(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def centre(code: str) -> Centre:
    return db.session.scalar(db.select(Centre).where(Centre.code == code))


def make_user(role: Role, centre_code: str | None = "LHR", username: str | None = None) -> User:
    username = username or f"{(centre_code or 'all').lower()}-{role.value}"
    return create_user(
        None,
        username=username,
        display_name=username.replace("-", " ").title(),
        password=TEST_PASSWORD,
        role=role,
        centre_id=centre(centre_code).id if centre_code else None,
    )


@dataclass
class Staff:
    lhr_counsellor: User
    lhr_manager: User
    isb_counsellor: User
    isb_manager: User
    admin: User


@pytest.fixture
def staff(app) -> Staff:
    return Staff(
        lhr_counsellor=make_user(Role.COUNSELLOR, "LHR"),
        lhr_manager=make_user(Role.MANAGER, "LHR"),
        isb_counsellor=make_user(Role.COUNSELLOR, "ISB"),
        isb_manager=make_user(Role.MANAGER, "ISB"),
        admin=make_user(Role.ADMIN, None, username="admin"),
    )


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(test_client, path: str = "/login") -> str:
    """The CSRF token from a page's form, as a browser would send it."""
    page = test_client.get(path).get_data(as_text=True)
    match = _CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(test_client, user: User, password: str = TEST_PASSWORD, follow=False):
    """Log in through the real login form."""
    token = csrf_token(test_client, "/login")
    return test_client.post(
        "/login",
        data={"csrf_token": token, "username": user.username, "password": password},
        follow_redirects=follow,
    )


def post_form(test_client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST ``data`` to ``path`` with a CSRF token read from ``token_from`` (default: home)."""
    token = csrf_token(test_client, token_from or "/")
    return test_client.post(path, data={"csrf_token": token, **data}, **kwargs)
