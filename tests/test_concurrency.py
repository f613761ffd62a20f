"""Concurrent writers: SQLite transactions take the write lock before they write (mrc.database).

Many threads register clients at once, through the services and through the web form: no
"database is locked", every row present, references unique. On SQLite, a GET runs in a
deferred transaction, every write runs under BEGIN IMMEDIATE, and a request that writes after
reading waits for the lock instead of failing. The thread tests run on PostgreSQL too.
"""

import threading

import pytest
from sqlalchemy import event, func, select, update

from mrc.actor import Actor
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.clients.models import Client
from mrc.clients.services import ClientData, register_client
from mrc.database import is_sqlite
from mrc.extensions import db
from tests.conftest import csrf_token, login, make_user

THREADS = 8
EACH = 4


def _person(thread: int, number: int) -> ClientData:
    return ClientData(given_name=f"Thread{thread}", family_name=f"Person{number}", sex="female",
                      nationality="PK", migration_status="potential", birth_year=1990,
                      consent_services=True)


def _run_together(target, count: int) -> list[BaseException]:
    """Run ``target(index)`` in ``count`` threads released at the same moment."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index):
        try:
            barrier.wait()
            target(index)
        except BaseException as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _assert_all_registered(expected: int) -> None:
    db.session.rollback()
    references = db.session.scalars(select(Client.reference)).all()
    assert len(references) == expected
    assert len(set(references)) == expected


def test_threads_registering_through_the_services_neither_fail_nor_lose_rows(
        app, staff, monkeypatch):
    # As outside a request in production (CLI, scripts): transactions begin IMMEDIATE.
    monkeypatch.setitem(app.config, "SQLITE_IMMEDIATE_OUTSIDE_REQUESTS", True)
    user_ids = [staff.lhr_counsellor.id, staff.lhr_manager.id]
    db.session.commit()  # this thread holds no transaction while the others write

    def register(index):
        with app.app_context():
            user = db.session.get(User, user_ids[index % 2])
            for number in range(EACH):
                register_client(Actor(user), _person(index, number), confirmed_new=True)
            db.session.remove()

    errors = _run_together(register, THREADS)
    monkeypatch.setitem(app.config, "SQLITE_IMMEDIATE_OUTSIDE_REQUESTS", False)
    assert errors == []
    _assert_all_registered(THREADS * EACH)


def test_threads_posting_the_registration_form_neither_fail_nor_lose_rows(app, staff):
    clients = []
    for index in range(THREADS):
        user = make_user(Role.COUNSELLOR, "LHR", username=f"lhr-writer-{index}")
        test_client = app.test_client()
        login(test_client, user)
        clients.append((test_client, csrf_token(test_client, "/")))
    db.session.commit()
    answers: list[int] = []

    def post(index):
        test_client, token = clients[index]
        for number in range(EACH):
            response = test_client.post("/clients/register", data={
                "csrf_token": token, "given_name": f"Writer{index}",
                "family_name": f"Number{number}", "sex": "male", "nationality": "PK",
                "migration_status": "intending", "birth_year": "1991",
                "consent_services": "y", "confirmed_new": "yes"})
            answers.append(response.status_code)

    errors = _run_together(post, THREADS)
    assert errors == []
    assert answers == [302] * (THREADS * EACH)
    _assert_all_registered(THREADS * EACH)


@pytest.fixture
def statements(app):
    """Every statement SQLite receives (BEGINs included), as (connection number, SQL)."""
    if not is_sqlite(db.engine):
        pytest.skip("the write lock is SQLite's; PostgreSQL locks rows, not the database")
    seen: list[tuple[int, str]] = []

    def trace(dbapi_connection, _record):
        number = id(dbapi_connection)
        dbapi_connection.set_trace_callback(lambda sql: seen.append((number, sql)))

    db.session.commit()
    db.engine.dispose()  # new connections, each traced
    event.listen(db.engine, "connect", trace)
    yield seen
    event.remove(db.engine, "connect", trace)
    db.session.rollback()
    db.engine.dispose()


def _writes_are_locked_first(seen: list[tuple[int, str]]) -> list[str]:
    """Each write's transaction, per connection: the BEGIN it ran under."""
    current: dict[int, str] = {}
    under = []
    for number, sql in seen:
        word = sql.lstrip().split(None, 1)[0].upper()
        if word == "BEGIN":
            current[number] = sql.strip().upper()
        elif word in ("COMMIT", "ROLLBACK"):
            current[number] = "none"
        elif word in ("INSERT", "UPDATE", "DELETE"):
            under.append(current.get(number, "none"))
    return under


def test_a_get_reads_deferred_and_every_write_holds_the_lock_first(client, staff, statements):
    login(client, staff.lhr_counsellor)
    token = csrf_token(client, "/")
    statements.clear()
    assert client.get("/clients/").status_code == 200
    begins = [sql for _, sql in statements if sql.startswith("BEGIN")]
    assert begins[0] == "BEGIN"
    statements.clear()
    response = client.post("/clients/register", data={
        "csrf_token": token, "given_name": "Locked", "family_name": "First", "sex": "male",
        "nationality": "PK", "migration_status": "intending", "birth_year": "1991",
        "consent_services": "y", "confirmed_new": "yes"})
    assert response.status_code == 302
    under = _writes_are_locked_first(statements)
    assert under and set(under) == {"BEGIN IMMEDIATE"}


def test_a_request_that_writes_after_reading_waits_for_the_lock(app, staff, statements):
    """Without taking the lock first, SQLite refuses the write at once (SQLITE_BUSY_SNAPSHOT)."""
    user_id = staff.lhr_counsellor.id
    db.session.commit()

    def write_elsewhere(_index):
        with app.app_context():
            register_client(Actor(db.session.get(User, user_id)), _person(0, 0),
                            confirmed_new=True)
            db.session.remove()

    with app.test_request_context("/", method="GET"), db.engine.connect() as reader:
        assert reader.scalar(select(func.count()).select_from(Client)) == 0
        assert _run_together(write_elsewhere, 1) == []  # after the reader's snapshot began
        reader.execute(update(Centre).where(Centre.code == "LHR").values(city="Lahore!"))
        reader.commit()
    db.session.rollback()
    assert db.session.scalar(select(Centre.city).where(Centre.code == "LHR")) == "Lahore!"
    assert set(_writes_are_locked_first(statements)) == {"BEGIN IMMEDIATE"}
