"""The synthetic archive (``flask mrc archive-data``): counts, integrity, statistics, search."""

from collections import Counter
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mrc.actor import Actor
from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.clients.models import Client, ClientReferenceCounter, ClientSearchKey
from mrc.clients.search_keys import keys_for
from mrc.clients.services import search_clients
from mrc.counselling.models import CounsellingSession
from mrc.extensions import db
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.referrals.models import Referral, ReferralStatusChange
from mrc.referrals.services import ALLOWED_TRANSITIONS
from mrc.stats.archive import ArchiveRefused, Sizes, generate_archive
from mrc.stats.services import add_months, month_start, monthly_statistics
from tests.conftest import make_user

SIZES = Sizes(clients=200, sessions=900, group_sessions=60, referrals=150, years=2)


@pytest.fixture
def archive(app):
    result = generate_archive(SIZES, seed=3)
    return result


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_counts_centres_and_staff(archive):
    assert count(Client) == 200
    assert count(CounsellingSession) == 900
    assert count(GroupSession) == 60
    assert count(Referral) == 150
    assert archive.rows["clients"] == 200
    assert archive.total == sum(count(model) for model in (
        Client, ClientSearchKey, CounsellingSession, Referral, ReferralStatusChange,
        GroupSession, GroupSessionAttendee, GroupSessionHeadCount))
    codes = set(db.session.scalars(select(Centre.code)))
    assert codes == {"ISB", "LHR", "BGW", "EBL", "DAC", "KHI", "PEW", "SYL"}
    # Every centre has clients and counsellors of its own.
    for centre in db.session.scalars(select(Centre)):
        assert count(Client, Client.centre_id == centre.id) > 0
        assert count(User, User.centre_id == centre.id, User.role == Role.COUNSELLOR) >= 2


def test_references_are_unique_and_counted(archive):
    references = list(db.session.scalars(select(Client.reference)))
    assert len(set(references)) == len(references)
    numbers = Counter()
    for client in db.session.scalars(select(Client)):
        code, year, number = client.reference.split("-")
        assert code == client.centre.code
        local = client.created_at.astimezone(ZoneInfo(client.centre.timezone))
        assert int(year) == local.year
        numbers[(client.centre_id, int(year))] = max(numbers[(client.centre_id, int(year))],
                                                     int(number))
    counters = {(row.centre_id, row.year): row.last_number
                for row in db.session.scalars(select(ClientReferenceCounter))}
    assert counters == dict(numbers)


def test_rows_belong_together(archive):
    client_centre = dict(db.session.execute(select(Client.id, Client.centre_id)).all())
    for model in (CounsellingSession, Referral, GroupSessionAttendee):
        for client_id, centre_id in db.session.execute(select(model.client_id, model.centre_id)):
            assert client_centre[client_id] == centre_id
    for attendee in db.session.scalars(select(GroupSessionAttendee)):
        assert attendee.group_session.centre_id == attendee.centre_id
        assert attendee.client.created_at <= attendee.group_session.starts_at
    now = datetime.now(UTC)
    for counselling in db.session.scalars(select(CounsellingSession)):
        assert counselling.client.created_at <= counselling.held_at <= now
        if counselling.follow_up_done_at:
            assert counselling.follow_up_on is not None
    for referral in db.session.scalars(select(Referral)):
        status = "made"
        for change in referral.changes:
            assert change.centre_id == referral.centre_id
            assert change.from_status == status
            assert change.to_status in ALLOWED_TRANSITIONS[status]
            assert referral.created_at <= change.changed_at <= now
            status = change.to_status
        assert referral.status == status
        assert referral.partner.country == referral.centre.country
    for client in db.session.scalars(select(Client)):
        assert client.last_visit_at >= client.created_at


def test_no_day_piles_up_the_sessions_or_follow_ups_after_the_archive(archive):
    """Returns and follow-ups that would fall after the archive's last day are not put on
    that day (they were: a fifth of a national archive's sessions were held on its last day,
    and half its open follow-ups were due on it)."""
    days = Counter(held_at.date() for held_at in db.session.scalars(
        select(CounsellingSession.held_at)))
    assert max(days.values()) <= 0.02 * sum(days.values()), days.most_common(3)
    due = Counter(db.session.scalars(select(CounsellingSession.follow_up_on).where(
        CounsellingSession.follow_up_on.is_not(None))))
    assert max(due.values()) <= 0.02 * sum(due.values()), due.most_common(3)
    assert max(due) > max(days)  # some follow-ups are due after the last day


def test_search_keys_are_the_services_keys(archive):
    for client in db.session.scalars(select(Client).order_by(Client.id).limit(50)):
        stored = sorted((key.kind, key.value) for key in client.search_keys)
        assert stored == sorted(keys_for(names=[client.full_name, client.full_name_native],
                                         phone_e164=client.phone,
                                         national_id=client.national_id))


def test_search_finds_a_generated_client(archive):
    client = db.session.scalar(select(Client).where(Client.phone != "", Client.centre.has(
        Centre.code == "LHR")).order_by(Client.id))
    counsellor = db.session.scalar(select(User).where(User.username == "lhr-counsellor"))
    page = search_clients(Actor(counsellor), client.phone, page=1, per_page=25)
    assert client.id in [found.id for found in page.items]
    page = search_clients(Actor(counsellor), client.reference, page=1, per_page=25)
    assert [found.id for found in page.items] == [client.id]


def _bounds(centre: Centre, month: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(centre.timezone)
    return (datetime.combine(month, time(), zone).astimezone(UTC),
            datetime.combine(add_months(month, 1), time(), zone).astimezone(UTC))


def _in_month(month: date, model, column) -> int:
    """Rows of ``model`` whose ``column`` falls in ``month`` of their centre, centre by centre."""
    total = 0
    for centre in db.session.scalars(select(Centre)):
        start, end = _bounds(centre, month)
        total += count(model, model.centre_id == centre.id, column >= start, column < end)
    return total


def test_statistics_equal_straightforward_counts(archive):
    admin = make_user(Role.ADMIN, None, username="admin")
    month = add_months(month_start(date.today()), -2)
    stats = monthly_statistics(Actor(admin), month)
    expected = {
        "new_clients": [_in_month(m, Client, Client.created_at) for m in
                        (stats.month, stats.previous_month, stats.year_ago_month)],
        "sessions": [_in_month(m, CounsellingSession, CounsellingSession.held_at) for m in
                     (stats.month, stats.previous_month, stats.year_ago_month)],
        "referrals_by_service": [_in_month(m, Referral, Referral.created_at) for m in
                                 (stats.month, stats.previous_month, stats.year_ago_month)],
    }
    assert expected["sessions"][0] > 0
    for key, figures in expected.items():
        total = stats.table(key).rows[0]
        assert [total.current, total.previous, total.year_ago] == figures, key
    held = [row for row in stats.table("group_sessions").rows if row.level == 0]
    assert sum(row.current for row in held) == _in_month(month, GroupSession,
                                                         GroupSession.starts_at)
    completed = 0
    for centre in db.session.scalars(select(Centre)):
        start, end = _bounds(centre, month)
        completed += count(ReferralStatusChange, ReferralStatusChange.centre_id == centre.id,
                           ReferralStatusChange.to_status == "completed",
                           ReferralStatusChange.changed_at >= start,
                           ReferralStatusChange.changed_at < end)
    assert stats.table("outcomes").rows[0].current == completed


def test_refuses_a_database_with_clients_unless_forced(archive, runner):
    with pytest.raises(ArchiveRefused):
        generate_archive(Sizes(clients=5, sessions=5, group_sessions=1, referrals=1, years=1),
                         seed=4)
    result = runner.invoke(args=["mrc", "archive-data", "--clients", "5"])
    assert result.exit_code != 0 and "--force" in result.output
    result = runner.invoke(args=["mrc", "archive-data", "--clients", "16", "--sessions", "40",
                                 "--group-sessions", "3", "--referrals", "8", "--years", "1",
                                 "--seed", "5", "--force"])
    assert result.exit_code == 0, result.output
    assert "rows/second" in result.output
    assert count(Client) == 216
    references = list(db.session.scalars(select(Client.reference)))
    assert len(set(references)) == len(references)
