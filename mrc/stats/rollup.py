"""Monthly figures: the statistics of a period of several months or centres, added up.

A national year is 96 centre-months; counting it from the records reads every session, client
and referral of the year (seconds on a million-client archive). So each ENDED month of each
centre is counted once, from its records, by the very queries of a single centre-month
(``services.live_counts``), and kept in ``monthly_figures``; a larger period is the SQL sum of
its months. Months not yet ended are always counted from the records.

Two kinds of figure are not plain sums and are kept so that they add up:
- "each person once" (clients counselled, by sex and age group, and by destination): each month
  keeps its first-of-the-month sessions by how many months before it the person's previous
  session was (``gap``); over months A..B a month M counts the sessions whose gap is larger than
  M - A, i.e. whose person was not counselled earlier in the period;
- follow-ups overdue at the period's end: the figure of its last month.
Referrals by status at the period's end are always counted from the records (few rows).

Figures are kept right by deleting them: every flush that changes a record of a centre deletes
that centre's figures from the record's month on (a client's correction: from the client's
first activity on), and moves the centre's version counter; a month counted while the counter
moved is not kept (``_store``). Statements that bypass the unit of work call ``forget``.
"""

from __future__ import annotations  # services imports this module: annotations stay unevaluated

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask.cli import with_appcontext
from sqlalchemy import case, delete, event, func, insert, or_, select, tuple_, update
from sqlalchemy import inspect as inspect_state
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mrc.centres.models import Centre
from mrc.clients.models import Client
from mrc.counselling.models import CounsellingSession
from mrc.database import attribute_values, attributes_changed, holds_sqlite_write_lock
from mrc.extensions import db
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.partners.models import Partner
from mrc.progress import progressbar
from mrc.referrals.models import Referral, ReferralStatusChange
from mrc.sheets.models import SheetPrint
from mrc.stats import services
from mrc.stats.facts import refresh_session_facts
from mrc.stats.models import MonthlyFigure, MonthlyFiguresVersion

COMPUTED = "computed"  # the marker row of a counted month
GAP_FIGURES = ("counselled_clients_by_sex_age", "counselled_clients_by_destination")
LAST_MONTH_FIGURES = ("follow_ups_overdue",)
# Referrals made in a range of months by their status at its end: kept per centre and range
# (key the status, key2 the range's first month index, at its last month's index), see
# _referral_status. Not a month's figure: never added up with them.
REFERRAL_STATUS_AT_END = "referral_status_at_end"
NOT_ADDED_UP = (COMPUTED, REFERRAL_STATUS_AT_END)
# Figures whose key is a pair (kept as key and key2).
PAIRS = {"new_clients_by_sex_age", "counselled_clients_by_sex_age", "sessions_by_sex_age",
         "group_attendees_by_kind_sex", "group_head_counts_by_kind_sex", "referrals_by_partner",
         "sheets_printed"}
# The gap of a first session ever, or of one too long ago to matter: a range has at most 24
# months (services.MAX_MONTHS).
NO_EARLIER = 24
# A month is "still open" for a change if it has not ended an hour from now (no transaction
# of the service lasts that long): a month ending while the change commits is forgotten too.
STILL_OPEN_FOR = timedelta(hours=1)
WROTE = "mrc.stats.rollup: wrote"  # session.info flag: this transaction has flushed changes


def month_index(month: date) -> int:
    return month.year * 12 + month.month - 1


def _local_month_index(moment, zone: ZoneInfo) -> int | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
    return month_index(moment)


# ---------------------------------------------------------------------------------------------
# Counting one month of one centre
# ---------------------------------------------------------------------------------------------

def _gap_column(centre: Centre, month: date):
    """SQL: how many months before ``month`` the session's client was counselled before
    (0: earlier the same month; ``NO_EARLIER``: never, or too long ago to matter)."""
    zone = ZoneInfo(centre.timezone)
    previous = CounsellingSession.client_previous_session_at
    starts = [datetime.combine(services.add_months(month, -gap), time(), zone).astimezone(UTC)
              for gap in range(NO_EARLIER)]
    return case((previous.is_(None), NO_EARLIER),
                *[(previous >= start, gap) for gap, start in enumerate(starts)],
                else_=NO_EARLIER)


def _counselled_by_gap(period: services.Period, centre: Centre, month: date) -> dict:
    gap = _gap_column(centre, month).label("gap")
    session = CounsellingSession
    held = period.within(session.centre_id, session.held_at)
    by_sex_age = services._counts(
        select(session.client_sex, session.client_age_group, gap, func.count())
        .where(held).group_by(session.client_sex, session.client_age_group, gap))
    by_destination = services._counts(
        select(session.client_destination, gap, func.count())
        .where(held).group_by(session.client_destination, gap))
    return {"counselled_clients_by_sex_age": by_sex_age,
            "counselled_clients_by_destination": by_destination}


def month_rows(centre: Centre, month: date) -> list[tuple[str, str, str, int, int]]:
    """(figure, key, key2, gap, value) of one month of one centre, counted from its records."""
    period = services.Period.of(month, [centre])
    counts = services.live_counts(period, with_status=False)
    counts.update(_counselled_by_gap(period, centre, month))
    rows = []
    for figure, values in counts.items():
        for key, value in values.items():
            if not value:
                continue
            parts = list(key) if isinstance(key, tuple) else [key]
            gap = parts.pop() if figure in GAP_FIGURES else 0
            parts = ["" if part is None else str(part) for part in parts] + ["", ""]
            rows.append((figure, parts[0], parts[1], int(gap), int(value)))
    return rows


# ---------------------------------------------------------------------------------------------
# Keeping and forgetting
# ---------------------------------------------------------------------------------------------

_versions = MonthlyFiguresVersion.__table__
_figures = MonthlyFigure.__table__


def _version(connection, centre_id: int) -> int:
    return connection.execute(
        select(_versions.c.version).where(_versions.c.centre_id == centre_id)).scalar() or 0


def _ensure_version_row(connection, centre_id: int) -> None:
    """The centre's version row, created at 0 if missing (by whichever connection is first)."""
    exists = connection.execute(select(_versions.c.centre_id).where(
        _versions.c.centre_id == centre_id)).first()
    if exists is None:
        try:
            with connection.begin_nested():
                connection.execute(insert(_versions).values(centre_id=centre_id, version=0))
        except IntegrityError:  # created at the same moment by another connection
            pass


def _keep(centre_id: int, counted_at_version: int, replaced, rows: list[dict]) -> bool:
    """Replace the centre's figures matching the conditions ``replaced`` by ``rows``, unless
    the centre's records changed since they were counted; whether they were kept."""
    try:
        with db.engine.begin() as connection:
            _ensure_version_row(connection, centre_id)
            # Write first: SQLite's write lock, or PostgreSQL's lock on the version row, waits
            # for a change (or another count of the month) being committed at this moment,
            # whose new version (or rows) are then seen below.
            connection.execute(update(_versions).where(_versions.c.centre_id == centre_id)
                               .values(version=_versions.c.version))
            if _version(connection, centre_id) != counted_at_version:
                return False
            connection.execute(delete(_figures).where(_figures.c.centre_id == centre_id,
                                                      *replaced))
            connection.execute(insert(_figures), rows)
    except IntegrityError:  # kept at the same moment by another request: theirs stays
        return False
    return True


def _store(centre_id: int, month: date, rows: list, counted_at_version: int) -> bool:
    """Keep the rows of a counted month, unless the centre's records changed meanwhile;
    whether they were kept."""
    index = month_index(month)
    return _keep(centre_id, counted_at_version,
                 [_figures.c.month_index == index, _figures.c.figure != REFERRAL_STATUS_AT_END],
                 [{"centre_id": centre_id, "month_index": index, "figure": figure, "key": key,
                   "key2": key2, "gap": gap, "value": value}
                  for figure, key, key2, gap, value in [*rows, (COMPUTED, "", "", 0, 1)]])


def _store_referral_status(centre_id: int, first: int, last: int, statuses: dict,
                           counted_at_version: int) -> bool:
    """Keep the referral statuses at the end of the range ``first``..``last`` (month
    indexes), with a marker row of no status (a range may have no referral)."""
    return _keep(centre_id, counted_at_version,
                 [_figures.c.month_index == last, _figures.c.figure == REFERRAL_STATUS_AT_END,
                  _figures.c.key2 == str(first)],
                 [{"centre_id": centre_id, "month_index": last, "figure": REFERRAL_STATUS_AT_END,
                   "key": status, "key2": str(first), "gap": 0, "value": value}
                  for status, value in [*statuses.items(), ("", 0)]])


def forget(connection, centre_id: int, from_month_index: int = 0) -> None:
    """Drop a centre's figures of ``from_month_index`` on (its records changed); inside the
    caller's transaction."""
    _ensure_version_row(connection, centre_id)
    connection.execute(update(_versions).where(_versions.c.centre_id == centre_id)
                       .values(version=_versions.c.version + 1))
    connection.execute(delete(_figures).where(_figures.c.centre_id == centre_id,
                                              _figures.c.month_index >= from_month_index))


def forget_everything(connection) -> None:
    for centre_id in connection.execute(select(Centre.id)).scalars().all():
        forget(connection, centre_id)


def clients_records_moved(session: Session, client_ids: Iterable[int]) -> None:
    """Records of these clients were moved between them by statement (a merge, its undo): the
    statistics facts on their sessions are recomputed and the figures they count in dropped."""
    client_ids = list(client_ids)
    refresh_session_facts(session, client_ids)
    forget_clients(session.connection(), client_ids)


def forget_clients(connection, client_ids: Iterable[int]) -> None:
    """Drop the figures every activity of these clients counts in (their records moved)."""
    earliest: dict[int, int] = {}
    zones = _zones(connection)
    for client_id in set(client_ids):
        for centre_id, moment in _client_activity(connection, client_id):
            index = _local_month_index(moment, zones[centre_id])
            if index is not None:
                earliest[centre_id] = min(index, earliest.get(centre_id, index))
    for centre_id, index in earliest.items():
        forget(connection, centre_id, index)


def _client_activity(connection, client_id: int) -> list[tuple[int, datetime]]:
    """(centre id, earliest time) of the client's registration and of each kind of activity."""
    firsts = [
        select(Client.centre_id, Client.created_at).where(Client.id == client_id),
        select(CounsellingSession.centre_id, func.min(CounsellingSession.held_at))
        .where(CounsellingSession.client_id == client_id)
        .group_by(CounsellingSession.centre_id),
        select(GroupSession.centre_id, func.min(GroupSession.starts_at))
        .join(GroupSessionAttendee, GroupSessionAttendee.group_session_id == GroupSession.id)
        .where(GroupSessionAttendee.client_id == client_id).group_by(GroupSession.centre_id),
        select(Referral.centre_id, func.min(Referral.created_at))
        .where(Referral.client_id == client_id).group_by(Referral.centre_id),
        select(SheetPrint.centre_id, func.min(SheetPrint.printed_at))
        .where(SheetPrint.client_id == client_id).group_by(SheetPrint.centre_id),
    ]
    return [tuple(row) for statement in firsts for row in connection.execute(statement)]


def _zones(connection) -> dict[int, ZoneInfo]:
    return {centre_id: ZoneInfo(zone) for centre_id, zone in
            connection.execute(select(Centre.id, Centre.timezone))}


# ---------------------------------------------------------------------------------------------
# Adding up a period
# ---------------------------------------------------------------------------------------------

def _not_kept(pairs: list[tuple[Centre, date]]) -> list[tuple[Centre, date]]:
    """The (centre, ended month) pairs of ``pairs`` with no kept figures."""
    if not pairs:
        return []
    indexes = [month_index(month) for _centre, month in pairs]
    kept = set(db.session.execute(
        select(MonthlyFigure.centre_id, MonthlyFigure.month_index)
        .where(MonthlyFigure.figure == COMPUTED,
               MonthlyFigure.centre_id.in_({centre.id for centre, _month in pairs}),
               MonthlyFigure.month_index.between(min(indexes), max(indexes)))).all())
    return [(centre, month) for centre, month in pairs
            if (centre.id, month_index(month)) not in kept]


def _add(result: dict, figure: str, key: str, key2: str, value: int) -> None:
    key = services.figure_key(figure, (key, key2) if figure in PAIRS else (key,))
    values = result.setdefault(figure, {})
    values[key] = values.get(key, 0) + int(value)


def _counts_apply(figure: str, index: int, gap: int, first: int, last: int) -> bool:
    """Whether a month's row adds to the period ``first``..``last`` (month indexes)."""
    if figure == COMPUTED:
        return False
    if figure in GAP_FIGURES:
        return gap > index - first
    if figure in LAST_MONTH_FIGURES:
        return index == last
    return True


def counts(period: services.Period, centres: list[Centre]) -> dict[str, dict]:
    """``services.live_counts`` of ``period`` (several months or centres), added up from the
    kept figures of its ended months and the counts of the others."""
    first_month, last_month = period.month, period.end_month
    months = [services.add_months(first_month, step)
              for step in range(services.months_between(first_month, last_month))]
    ended, open_months = [], []
    for centre in centres:
        this_month = services.month_start(services.centre_today(centre))
        for month in months:
            (ended if month < this_month else open_months).append((centre, month))
    # Months not kept yet are counted now, added below like the open ones, and kept only
    # after the sum of the kept ones was read (so that nothing is added twice).
    to_keep = []
    for centre, month in _not_kept(ended):
        to_keep.append((centre, month, _version(db.session, centre.id),
                        month_rows(centre, month)))
    counted = {(centre.id, month): rows for centre, month, _version_, rows in to_keep}
    open_months += [(centre, month) for centre, month, _version_, _rows in to_keep]
    first, last = month_index(first_month), month_index(last_month)
    figure, index = MonthlyFigure.figure, MonthlyFigure.month_index
    kept = db.session.execute(
        select(figure, MonthlyFigure.key, MonthlyFigure.key2, func.sum(MonthlyFigure.value))
        .where(MonthlyFigure.centre_id.in_([centre.id for centre in centres]),
               index.between(first, last), figure.not_in(NOT_ADDED_UP),
               or_(figure.not_in(GAP_FIGURES), MonthlyFigure.gap > index - first),
               or_(figure.not_in(LAST_MONTH_FIGURES), index == last),
               # Months counted above, maybe kept meanwhile by another request.
               *([tuple_(MonthlyFigure.centre_id, index).not_in(
                   [(centre.id, month_index(month)) for centre, month, _v, _r in to_keep])]
                 if to_keep else []))
        .group_by(figure, MonthlyFigure.key, MonthlyFigure.key2))
    result: dict[str, dict] = {}
    for row in kept:
        _add(result, *row)
    for centre, month in open_months:
        rows = counted[(centre.id, month)] if (centre.id, month) in counted else month_rows(
            centre, month)
        for name, key, key2, gap, value in rows:
            if _counts_apply(name, month_index(month), gap, first, last):
                _add(result, name, key, key2, value)
    result["referral_status"], statuses_to_keep = _referral_status(
        period, centres, {centre.id for centre, month in ended if month == last_month})
    # Not while this session has written or holds the write lock: the other connection
    # would wait for it.
    if not (db.session.info.get(WROTE) or holds_sqlite_write_lock(db.session.connection())):
        for centre, month, version, rows in to_keep:
            _store(centre.id, month, rows, version)
        for centre_id, statuses, version in statuses_to_keep:
            _store_referral_status(centre_id, first, last, statuses, version)
    return result


def _referral_status(period: services.Period, centres: list[Centre], ended: set[int]
                     ) -> tuple[dict, list[tuple[int, dict, int]]]:
    """Referrals made in ``period`` by their status at its end, of all ``centres``; and, for
    the centres whose period has ``ended`` but whose statuses were not kept, (centre id,
    statuses, version) to keep.

    Once the period has ended its statuses stay true: a later change of status is recorded
    with the status it changed from (see ``services.referral_status_at_month_end``). A change
    to a record of the period's months drops them with the months (``forget``).
    """
    first, last = month_index(period.month), month_index(period.end_month)
    kept: dict[int, dict] = {}
    if ended:
        for centre_id, status, value in db.session.execute(
                select(MonthlyFigure.centre_id, MonthlyFigure.key, MonthlyFigure.value)
                .where(MonthlyFigure.figure == REFERRAL_STATUS_AT_END,
                       MonthlyFigure.centre_id.in_(ended), MonthlyFigure.month_index == last,
                       MonthlyFigure.key2 == str(first))):
            kept.setdefault(centre_id, {})[status] = value
    missing = [centre.id for centre in centres if centre.id not in kept]
    versions = {centre_id: _version(db.session, centre_id)  # before counting: see _keep
                for centre_id in missing if centre_id in ended}
    counted = services.referral_status_at_month_end_by_centre(services.Period(
        period.month, {centre_id: period.bounds[centre_id] for centre_id in missing},
        period.last_month)) if missing else {}
    total: dict[str, int] = {}
    for statuses in (*kept.values(), *counted.values()):
        for status, value in statuses.items():
            if status:  # not the marker
                total[status] = total.get(status, 0) + value
    return total, [(centre_id, counted.get(centre_id, {}), version)
                   for centre_id, version in versions.items()]


# ---------------------------------------------------------------------------------------------
# Forgetting what a flush changes
# ---------------------------------------------------------------------------------------------

# For each kind of record: the columns whose times place it in months, and the other columns a
# figure depends on. A new or deleted record counts in the months of its times; an edited one
# in the months of its changed times (old and new), and in all its months if another of these
# columns changed. Other edits (notes, a referral's outcome text) change no figure.
FIGURE_COLUMNS = {
    CounsellingSession: (("held_at", "follow_up_on", "follow_up_done_at"),
                         ("centre_id", "client_id", "channel", "topics")),
    Client: (("created_at",), ()),  # its other fields: CLIENT_FIELDS
    GroupSession: (("starts_at",), ("centre_id", "kind")),
    Referral: (("created_at",), ("centre_id", "partner_id", "service")),
    ReferralStatusChange: (("changed_at",), ("centre_id", "referral_id", "to_status")),
    SheetPrint: (("printed_at",), ("centre_id", "topic", "language", "copies")),
}
# A client's fields that its figures depend on (in every month of their activity).
CLIENT_FIELDS = ("sex", "date_of_birth", "birth_year", "destination_country",
                 "migration_status", "merged_into_id", "centre_id", "created_at")
# Fields of partners and centres kept in, or deciding, every month's figures.
EVERYWHERE_FIELDS = {Partner: ("kind", "name"), Centre: ("timezone",)}


def _record_times(session: Session, instance, state) -> list:
    """The times that place what changed about ``instance`` in months."""
    time_columns, other_columns = FIGURE_COLUMNS[type(instance)]
    if (instance in session.new or instance in session.deleted
            or attributes_changed(state, other_columns)):
        names = time_columns
    else:
        names = [name for name in time_columns if attributes_changed(state, (name,))]
    return [value for name in names for value in attribute_values(state, name)]


def _changes(session: Session) -> tuple[dict[int, list], set[int], bool]:
    """({centre id: [times]}, ids of clients whose record changed, whether a partner's or a
    centre's figures-deciding fields changed) of what this flush writes."""
    times: dict[int, list] = {}
    clients: set[int] = set()
    everything = False
    connection = session.connection()
    for instance in (*session.new, *session.dirty, *session.deleted):
        state = inspect_state(instance)
        if type(instance) in EVERYWHERE_FIELDS:
            everything = everything or (instance in session.dirty and attributes_changed(
                state, EVERYWHERE_FIELDS[type(instance)]))
        elif isinstance(instance, Client) and instance in session.dirty:
            if attributes_changed(state, CLIENT_FIELDS):
                clients.add(instance.id)
        elif isinstance(instance, (GroupSessionAttendee, GroupSessionHeadCount)):
            starts_at = connection.execute(select(GroupSession.starts_at).where(
                GroupSession.id == instance.group_session_id)).scalar()
            times.setdefault(instance.centre_id, []).append(starts_at)
        elif type(instance) in FIGURE_COLUMNS:
            moments = _record_times(session, instance, state)
            for centre_id in attribute_values(state, "centre_id") if moments else ():
                times.setdefault(centre_id, []).extend(moments)
    return times, clients, everything


def _after_flush(session: Session, _flush_context) -> None:
    session.info[WROTE] = True
    times, clients, everything = _changes(session)
    if not (times or clients or everything):
        return
    connection = session.connection()
    if everything:
        forget_everything(connection)
        return
    zones = _zones(connection)
    soon = datetime.now(UTC) + STILL_OPEN_FOR
    for centre_id, moments in times.items():
        indexes = [_local_month_index(moment, zones[centre_id]) for moment in moments]
        indexes = [index for index in indexes if index is not None]
        # Most changes are to this month's records, which no figure is kept for: the centre's
        # version (one row) then stays untouched, instead of being a lock every write takes.
        if indexes and min(indexes) < _local_month_index(soon, zones[centre_id]):
            forget(connection, centre_id, min(indexes))
    if clients:
        forget_clients(connection, clients)


def _transaction_ended(session: Session, *_args) -> None:
    session.info.pop(WROTE, None)


def forget_moment(connection, centre_id: int, moment) -> None:
    """Drop a centre's figures from the month of ``moment`` on (a change made by statement)."""
    index = _local_month_index(moment, _zones(connection)[centre_id])
    forget(connection, centre_id, index if index is not None else 0)


def install() -> None:
    """Forget the figures each flush changes, for every ORM session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "after_commit", _transaction_ended)
        event.listen(Session, "after_rollback", _transaction_ended)



def _kept_rows(centre_id: int, index: int) -> set[tuple]:
    return set(db.session.execute(
        select(MonthlyFigure.figure, MonthlyFigure.key, MonthlyFigure.key2, MonthlyFigure.gap,
               MonthlyFigure.value)
        .where(MonthlyFigure.centre_id == centre_id, MonthlyFigure.month_index == index,
               MonthlyFigure.figure.not_in(NOT_ADDED_UP))).all())


def _kept_referral_statuses() -> list[tuple[tuple[int, int, int], dict]]:
    """Every kept range's referral statuses: ((centre id, first, last month index),
    {status: referrals}), the marker row left out."""
    ranges: dict[tuple[int, int, int], dict] = {}
    for centre_id, last, first, status, value in db.session.execute(
            select(MonthlyFigure.centre_id, MonthlyFigure.month_index, MonthlyFigure.key2,
                   MonthlyFigure.key, MonthlyFigure.value)
            .where(MonthlyFigure.figure == REFERRAL_STATUS_AT_END)
            .order_by(MonthlyFigure.centre_id, MonthlyFigure.month_index, MonthlyFigure.key2)):
        statuses = ranges.setdefault((centre_id, int(first), last), {})
        if status:
            statuses[status] = value
    return list(ranges.items())


def _referral_statuses_of(centre_id: int, first: int, last: int) -> dict:
    """The referral statuses at the end of the months ``first``..``last`` of a centre,
    counted from its records (as they are kept: no status without referrals)."""
    centre = db.session.get(Centre, centre_id)
    period = services.Period.of(_month_of(first), [centre],
                                _month_of(last) if last != first else None)
    return {status: count for status, count in
            services.referral_status_at_month_end(period).items() if count}


def _month_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _ended_months() -> list[tuple[Centre, date]]:
    """Every ended month of every centre, from the centre's first registration on."""
    pairs = []
    for centre in db.session.scalars(select(Centre).order_by(Centre.code)):
        first_registered = db.session.scalar(
            select(func.min(Client.created_at)).where(Client.centre_id == centre.id))
        if first_registered is None:
            continue
        month = _month_of(_local_month_index(first_registered, ZoneInfo(centre.timezone)))
        this_month = services.month_start(services.centre_today(centre))
        while month < this_month:
            pairs.append((centre, month))
            month = services.add_months(month, 1)
    return pairs


@click.command("statistics-months")
@click.option("--check", is_flag=True,
              help="Count the kept months, and the kept referral statuses of ranges, again "
                   "and drop those that differ (exit 1 if any).")
@with_appcontext
def statistics_months_command(check):
    """Count and keep every ended month of every centre not kept yet, from the centre's first
    registration on (so that the first view of a long period needs no counting)."""
    pairs = _ended_months()
    missing = _not_kept(pairs)
    if check:
        kept = [pair for pair in pairs if pair not in missing]
        differing, dropped_from = 0, {}
        with progressbar(kept, label="Kept centre-months checked") as bar:
            for centre, month in bar:
                index = month_index(month)
                if index >= dropped_from.get(centre.id, index + 1):
                    continue  # dropped with an earlier month of the centre
                counted = {tuple(row) for row in month_rows(centre, month)}
                if counted != _kept_rows(centre.id, index):
                    differing += 1
                    dropped_from[centre.id] = index
                    forget(db.session, centre.id, index)
                    db.session.commit()
                db.session.rollback()
        click.echo(f"{differing:,d} of {len(kept):,d} kept months differed from their records "
                   "and were dropped (they are counted again when needed).")
        ranges = _kept_referral_statuses()  # after the months: those dropped with them are gone
        differing_ranges = 0
        with progressbar(ranges, label="Kept referral statuses checked") as bar:
            for (centre_id, first, last), kept_statuses in bar:
                if _referral_statuses_of(centre_id, first, last) != kept_statuses:
                    differing_ranges += 1
                    forget(db.session, centre_id, first)
                    db.session.commit()
                db.session.rollback()
        click.echo(f"{differing_ranges:,d} of {len(ranges):,d} kept ranges' referral statuses "
                   "differed from their records and were dropped with their months.")
        raise SystemExit(1 if differing or differing_ranges else 0)
    db.session.rollback()  # a new snapshot for each month's counting (see _store)
    with progressbar(missing, label="Centre-months counted") as bar:
        for centre, month in bar:
            centre_id = centre.id
            version = _version(db.session, centre_id)  # before counting: see _store
            rows = month_rows(centre, month)
            # Ends this transaction, and with it SQLite's write lock outside requests, which
            # the connection that keeps the month would otherwise wait for (nothing may be
            # read through the session until then: it would begin again).
            db.session.rollback()
            _store(centre_id, month, rows, version)
    click.echo(f"{len(missing):,d} months counted and kept; {len(pairs) - len(missing):,d} "
               "were kept already.")
