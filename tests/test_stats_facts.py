"""The client's facts copied on each counselling session for the statistics (mrc.stats.facts)
stay right whatever changes: the client's record, the sessions, a merge and its undo, and the
migration that fills them on an existing database."""

from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from mrc.actor import Actor
from mrc.clients.merge import merge_clients, undo_merge
from mrc.counselling.models import CounsellingSession
from mrc.extensions import db
from mrc.stats import services
from mrc.stats.facts import stale_session_count
from tests.test_stats import counsel, make_client, utc


def copies(client) -> list[tuple]:
    """(held on, sex, age group, destination, previous session on) of each session, in order."""
    rows = db.session.execute(
        select(CounsellingSession.held_at, CounsellingSession.client_sex,
               CounsellingSession.client_age_group, CounsellingSession.client_destination,
               CounsellingSession.client_previous_session_at)
        .where(CounsellingSession.client_id == client.id)
        .order_by(CounsellingSession.held_at))
    return [(held.date(), sex, group, destination, previous.date() if previous else None)
            for held, sex, group, destination, previous in rows]


def test_copies_follow_the_client_and_the_order_of_sessions(app, staff):
    user = staff.lhr_counsellor
    # Born 20 March 2008: 17 before that day, 18 from it.
    person = make_client(user, "LHR", "female", created_at=utc(2026, 3, 1, 5),
                         date_of_birth=date(2008, 3, 20), destination="IT")
    counsel(user, person, utc(2026, 3, 25, 6))
    counsel(user, person, utc(2026, 3, 10, 6))  # logged later, held earlier
    db.session.commit()
    assert copies(person) == [
        (date(2026, 3, 10), "female", "under_18", "IT", None),
        (date(2026, 3, 25), "female", "18_24", "IT", date(2026, 3, 10)),
    ]

    # A correction of the record reaches every session.
    person.sex, person.date_of_birth, person.destination_country = "male", None, "DE"
    person.birth_year = 1990
    db.session.commit()
    assert [row[1:4] for row in copies(person)] == [("male", "35_49", "DE")] * 2

    # A session moved before the others, then one deleted: the order is kept up to date.
    third = counsel(user, person, utc(2026, 3, 30, 6))
    third.held_at = utc(2026, 3, 1, 6)
    db.session.commit()
    assert [(row[0], row[4]) for row in copies(person)] == [
        (date(2026, 3, 1), None), (date(2026, 3, 10), date(2026, 3, 1)),
        (date(2026, 3, 25), date(2026, 3, 10))]
    db.session.delete(third)
    db.session.commit()
    assert [(row[0], row[4]) for row in copies(person)] == [
        (date(2026, 3, 10), None), (date(2026, 3, 25), date(2026, 3, 10))]
    assert stale_session_count(db.session) == 0


def test_a_merged_person_is_counselled_once_and_registered_once(app, staff):
    actor = Actor(staff.lhr_manager)
    user = staff.lhr_counsellor
    survivor = make_client(user, "LHR", "female", created_at=utc(2026, 3, 2, 5),
                           birth_year=1990)
    duplicate = make_client(user, "LHR", "female", created_at=utc(2026, 3, 5, 5),
                            birth_year=1990)
    counsel(user, survivor, utc(2026, 3, 3, 6))
    counsel(user, duplicate, utc(2026, 3, 12, 6))
    db.session.commit()

    def march():
        stats = services.monthly_statistics(actor, date(2026, 3, 1))
        return (stats.table("new_clients").row("Total").current,
                stats.table("clients_counselled").row("Total").current,
                stats.table("sessions").row("Total").current)

    assert march() == (2, 2, 2)
    merge = merge_clients(actor, survivor, duplicate)
    assert march() == (1, 1, 2)  # one person, registered once, counselled twice
    assert stale_session_count(db.session) == 0
    undo_merge(Actor(staff.admin), merge)
    db.session.commit()
    assert march() == (2, 2, 2)
    assert stale_session_count(db.session) == 0


def test_the_migration_fills_the_copies_of_existing_sessions(app, staff):
    user = staff.lhr_counsellor
    person = make_client(user, "LHR", "male", created_at=utc(2026, 3, 1, 5), birth_year=2000,
                         destination="SA")
    counsel(user, person, utc(2026, 3, 10, 6))
    counsel(user, person, utc(2026, 3, 12, 6))
    db.session.commit()
    expected = copies(person)
    assert expected[1] == (date(2026, 3, 12), "male", "25_34", "SA", date(2026, 3, 10))

    db.session.remove()
    downgrade(revision="0013")  # the copies are gone with their columns...
    upgrade(revision="heads")   # ...and filled again from the clients and sessions
    db.session.expire_all()
    assert copies(person) == expected
    assert stale_session_count(db.session) == 0


def test_the_command_checks_and_rebuilds_the_copies(app, staff, runner):
    user = staff.lhr_counsellor
    person = make_client(user, "LHR", "female", created_at=utc(2026, 3, 1, 5), birth_year=1990)
    counsel(user, person, utc(2026, 3, 10, 6))
    db.session.commit()
    # As a bulk import would leave them: rows written by statement, copies blank.
    db.session.execute(update(CounsellingSession).values(client_sex="", client_age_group=""))
    db.session.commit()

    result = runner.invoke(args=["mrc", "statistics-facts", "--check"])
    assert result.exit_code == 1 and "1 counselling sessions with out-of-date" in result.output
    result = runner.invoke(args=["mrc", "statistics-facts"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["mrc", "statistics-facts", "--check"])
    assert result.exit_code == 0 and "0 counselling sessions" in result.output
    db.session.expire_all()
    assert copies(person)[0][1:3] == ("female", "35_49")
