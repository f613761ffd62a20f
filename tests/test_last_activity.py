"""Each client's kept last activity (``mrc.clients.activity``) follows every change of their
records, and the retention list and run read it."""

from datetime import UTC, datetime, timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, update

from mrc.actor import Actor
from mrc.clients import privacy
from mrc.clients.activity import stale_count
from mrc.clients.merge import merge_clients, undo_merge
from mrc.clients.models import Client
from mrc.counselling.models import CounsellingSession
from mrc.extensions import db
from mrc.group_sessions.models import GroupSessionAttendee
from mrc.partners.models import Partner
from mrc.partners.services import seed_partners
from tests.test_stats import counsel, group_session, make_client, refer, utc


def kept(client: Client) -> datetime:
    return db.session.scalar(select(Client.last_activity_at).where(Client.id == client.id))


def test_every_kind_of_activity_moves_it_and_undoing_one_moves_it_back(app, staff):
    user = staff.lhr_manager
    person = make_client(user, "LHR", "female", created_at=utc(2020, 1, 6, 9))
    assert kept(person) == utc(2020, 1, 6, 9)  # registration

    session = counsel(user, person, utc(2021, 2, 1, 9))
    assert kept(person) == utc(2021, 2, 1, 9)
    session.held_at = utc(2020, 6, 1, 9)  # an edit to an earlier time
    db.session.flush()
    assert kept(person) == utc(2020, 6, 1, 9)

    meeting = group_session(user, "LHR", "pre_departure", utc(2021, 3, 1, 9),
                            attendees=[person])
    db.session.flush()
    assert kept(person) == utc(2021, 3, 1, 9)
    meeting.starts_at = utc(2021, 4, 1, 9)  # the group session moved
    db.session.flush()
    assert kept(person) == utc(2021, 4, 1, 9)

    seed_partners()
    partner = db.session.scalar(select(Partner).limit(1))
    refer(user, person, partner, "legal_aid", utc(2021, 5, 1, 9), "accepted",
          changes=[("made", "accepted", utc(2021, 7, 1, 9))])
    db.session.flush()
    assert kept(person) == utc(2021, 7, 1, 9)  # the status change, after the referral

    for row in db.session.scalars(select(GroupSessionAttendee)):
        db.session.delete(row)
    db.session.delete(session)
    db.session.flush()
    assert kept(person) == utc(2021, 7, 1, 9)
    assert stale_count(db.session) == 0


def test_a_merge_moves_the_last_activity_with_the_records_and_its_undo_back(app, staff):
    manager = Actor(staff.lhr_manager)
    survivor = make_client(staff.lhr_manager, "LHR", "male", created_at=utc(2019, 1, 7, 9))
    duplicate = make_client(staff.lhr_manager, "LHR", "male", created_at=utc(2019, 2, 4, 9))
    counsel(staff.lhr_manager, duplicate, utc(2024, 5, 6, 9))
    db.session.commit()
    assert (kept(survivor), kept(duplicate)) == (utc(2019, 1, 7, 9), utc(2024, 5, 6, 9))

    merge = merge_clients(manager, survivor, duplicate)
    assert (kept(survivor), kept(duplicate)) == (utc(2024, 5, 6, 9), utc(2019, 2, 4, 9))
    undo_merge(Actor(staff.admin), merge)
    assert (kept(survivor), kept(duplicate)) == (utc(2019, 1, 7, 9), utc(2024, 5, 6, 9))
    assert stale_count(db.session) == 0


def test_statements_around_the_unit_of_work_are_found_and_mended(app, staff, runner):
    person = make_client(staff.lhr_manager, "LHR", "female", created_at=utc(2019, 1, 7, 9))
    counsel(staff.lhr_manager, person, utc(2019, 3, 4, 9))
    db.session.commit()
    db.session.execute(update(CounsellingSession).values(held_at=utc(2025, 3, 3, 9)))
    db.session.commit()
    assert stale_count(db.session) == 1

    check = runner.invoke(args=["mrc", "last-activity", "--check"])
    assert check.exit_code == 1 and "1 clients with an out-of-date last activity" in check.output
    mend = runner.invoke(args=["mrc", "last-activity"])
    assert mend.exit_code == 0, mend.output
    db.session.expire_all()
    assert kept(person) == utc(2025, 3, 3, 9)
    assert runner.invoke(args=["mrc", "last-activity", "--check"]).exit_code == 0


def test_the_run_checks_the_records_before_anonymising(app, staff):
    """Listed on an out-of-date kept time (a row written around the service), a client whose
    records show a recent activity is not anonymised, and their kept time is mended."""
    long_ago = datetime.now(UTC) - timedelta(days=7 * 366)
    person = make_client(staff.lhr_manager, "LHR", "female", created_at=long_ago)
    counsel(staff.lhr_manager, person, long_ago + timedelta(days=1))
    db.session.commit()
    due = privacy.clients_due_now()
    assert [item.client_id for item in due] == [person.id]
    recently = datetime.now(UTC) - timedelta(days=30)
    db.session.execute(update(CounsellingSession).values(held_at=recently))
    db.session.commit()

    assert privacy.run_retention(due) == 0
    db.session.expire_all()
    assert db.session.get(Client, person.id).anonymised_at is None
    assert abs(kept(person) - recently) < timedelta(seconds=1)
    assert privacy.clients_due_now() == []


def test_records_merged_into_another_are_left_to_it(app, staff):
    """A merged record keeps only its registration (its records moved): it would have fallen
    due years before the person stopped coming. It is erased with the record it joined."""
    long_ago = datetime.now(UTC) - timedelta(days=7 * 366)
    survivor = make_client(staff.lhr_manager, "LHR", "male", created_at=long_ago)
    duplicate = make_client(staff.lhr_manager, "LHR", "male", created_at=long_ago)
    counsel(staff.lhr_manager, survivor, datetime.now(UTC) - timedelta(days=10))
    db.session.commit()
    merge_clients(Actor(staff.lhr_manager), survivor, duplicate)
    assert kept(duplicate) == long_ago  # seven years: past Lahore's five
    assert privacy.clients_due_now() == []


def test_the_migration_fills_it_from_the_records(app, staff):
    user = staff.lhr_manager
    person = make_client(user, "LHR", "female", created_at=utc(2019, 1, 7, 9))
    group_session(user, "LHR", "awareness", utc(2022, 8, 1, 9), attendees=[person])
    counsel(user, person, utc(2021, 2, 1, 9))
    quiet = make_client(user, "LHR", "male", created_at=utc(2019, 1, 8, 9))
    db.session.commit()
    ids = (person.id, quiet.id)

    db.session.remove()
    downgrade(revision="0018")  # the column is gone...
    upgrade(revision="heads")   # ...and filled again from the records
    assert [kept(db.session.get(Client, client_id)) for client_id in ids] == [
        utc(2022, 8, 1, 9), utc(2019, 1, 8, 9)]
    assert stale_count(db.session) == 0


def test_the_admins_list_merges_the_centres_oldest_first_page_by_page(app, staff):
    now = datetime.now(UTC)
    ages = {"LHR": (9, 7, 6), "ISB": (10, 8, 5.5)}  # years since each client's registration
    people = {make_client(staff.lhr_manager, code, "female",
                          created_at=now - timedelta(days=int(years * 366))).id: years
              for code, all_years in ages.items() for years in all_years}
    db.session.commit()
    oldest_first = sorted(people, key=people.get, reverse=True)
    pages = [privacy.retention_due(Actor(staff.admin), page=page, per_page=2)
             for page in (1, 2, 3, 4)]
    assert [[item.client_id for item in page.items] for page in pages] == [
        oldest_first[0:2], oldest_first[2:4], oldest_first[4:6], []]
    assert {page.total for page in pages} == {6}
    lahore = privacy.retention_due(Actor(staff.lhr_manager), page=2, per_page=2)
    assert ([people[item.client_id] for item in lahore.items], lahore.total) == ([6], 3)
