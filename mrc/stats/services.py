"""Monthly activity statistics of a centre (or of all centres, for admins).

A month is a month of the centre's LOCAL calendar: its first and last instants are converted to
UTC with the centre's time zone, so with several centres each one has its own bounds. Every
figure is counted by the database (GROUP BY, SUM of CASE); Python only places the aggregated
counts into tables. Each figure is computed for the chosen months (one, or a range of up to
24), the as many months just before and the same months a year before, with the same query on
another period. Anonymised clients are counted; a record merged into another is not a new
client.

The month a manager reports on (one month of one centre) is counted from its records every
time (``live_counts``); counselling sessions carry the facts of their client for this
(``mrc.stats.facts``). The comparisons and anything larger — a range, all centres, a national
year — add up the kept figures of ended months (``mrc.stats.rollup``), which are counted once by
the same queries and dropped when a record of their month changes.

A manager closes a month by submitting it (``submit_month``): the figures are stored by stable
row codes, and the page of a submitted month shows them beside the current ones, with the records
of the month created or changed since.

Age groups are the age at the activity date (the UTC calendar date of the activity, which can
differ from the local date by a few hours around midnight): exact from ``date_of_birth`` when
known, otherwise ``activity year - birth_year``; "unknown" when neither is known.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import format_date, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.exc import IntegrityError

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.centres.models import Centre
from mrc.centres.services import centre_today
from mrc.clients.choices import MIGRATION_STATUS, SEX
from mrc.clients.models import Client
from mrc.counselling.choices import CHANNELS, TOPICS
from mrc.counselling.models import CounsellingSession
from mrc.database import UTCDateTime, utcnow
from mrc.extensions import db
from mrc.group_sessions.choices import AGE_GROUPS, AGE_UNKNOWN_LABEL
from mrc.group_sessions.choices import KINDS as GROUP_KINDS
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.i18n import country_name, language_name
from mrc.partners.choices import KINDS as PARTNER_KINDS
from mrc.partners.choices import SERVICES
from mrc.partners.models import Partner
from mrc.referrals.choices import STATUSES
from mrc.referrals.models import Referral, ReferralStatusChange
from mrc.sheets.models import InfoSheet, SheetPrint, SheetVersion
from mrc.stats import rollup
from mrc.stats.facts import UNKNOWN, age_group
from mrc.stats.models import MonthSubmission

AGE_GROUP_CODES = [code for code, _label in AGE_GROUPS] + [UNKNOWN]
AGE_GROUP_LABELS = dict(AGE_GROUPS) | {UNKNOWN: AGE_UNKNOWN_LABEL}


class StatisticsAccessDenied(Exception):
    """The actor may not see statistics of the centre asked for (counsellors, other centres)."""


# ---------------------------------------------------------------------------------------------
# Months and periods
# ---------------------------------------------------------------------------------------------

def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + (month.month - 1) + count
    return date(index // 12, index % 12 + 1, 1)


def default_month(today: date) -> date:
    """Last month: the one a manager reports on."""
    return add_months(month_start(today), -1)


def current_month(centres: list[Centre]) -> date:
    """The month in progress: the latest month that has begun in the local calendar of any
    of ``centres`` (UTC's without any); a later month has no figures yet, only zeros."""
    return max((month_start(centre_today(centre)) for centre in centres),
               default=month_start(utcnow().date()))


def parse_month(value: str | None) -> date | None:
    """``YYYY-MM`` (what ``<input type="month">`` sends) to the first day of that month."""
    try:
        year, month = (value or "").strip().split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


def months_between(first: date, last: date) -> int:
    """How many months ``first`` through ``last`` span, both included (1 for the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


# The centre and bounds of a one-centre period in statements built once for every such period
# (``Period.one_centre_placeholder``); their values are ``Period.parameters``.
_CENTRE = bindparam("period_centre", type_=Integer)
_START = bindparam("period_start", type_=UTCDateTime())
_END = bindparam("period_end", type_=UTCDateTime())
_NEXT_MONTH = bindparam("period_next_month", type_=Date)


@dataclass(frozen=True)
class Period:
    """Local-calendar months ``month`` through ``last_month`` (None: one month) for a set of
    centres: per centre, its [start, end) in UTC."""

    month: date | None
    bounds: dict[int, tuple[datetime, datetime]]
    last_month: date | None = None

    @classmethod
    def one_centre_placeholder(cls) -> "Period":
        """A period of one centre whose centre, bounds and next month are bind parameters
        without values: a statement built from it runs for any one-centre period given that
        period's ``parameters`` (and fails, rather than counting another period, if any of
        them is missing)."""
        return cls(month=None, bounds={_CENTRE: (_START, _END)})

    @property
    def parameters(self) -> dict:
        """The values of a one-centre period's bind parameters (``one_centre_placeholder``)."""
        (centre_id, (start, end)), = self.bounds.items()
        return {_CENTRE.key: centre_id, _START.key: start, _END.key: end,
                _NEXT_MONTH.key: self.next_month}

    @classmethod
    def of(cls, month: date, centres: list[Centre], last_month: date | None = None
           ) -> "Period":
        after = add_months(last_month or month, 1)
        bounds = {}
        for centre in centres:
            zone = ZoneInfo(centre.timezone)
            start = datetime.combine(month, time(), zone).astimezone(UTC)
            end = datetime.combine(after, time(), zone).astimezone(UTC)
            bounds[centre.id] = (start, end)
        return cls(month=month, bounds=bounds, last_month=last_month)

    @property
    def end_month(self) -> date:
        """The last month of the period."""
        return self.last_month or self.month

    @property
    def next_month(self):
        """The first month after the period (a bind parameter in the placeholder)."""
        if self.month is None:
            return _NEXT_MONTH
        return add_months(self.end_month, 1)

    def within(self, centre_column, column):
        """SQL: ``column`` falls in this month of the row's centre.

        The months of several centres differ by their time zones; the envelope (any of the
        centres, from the earliest start to the latest end) in front lets the database range
        over its (centre, time) index instead of testing every row against every centre.
        """
        if not self.bounds:
            return false()
        if len(self.bounds) == 1:
            (centre_id, (start, end)), = self.bounds.items()
            return and_(centre_column == centre_id, column >= start, column < end)
        starts, ends = zip(*self.bounds.values(), strict=True)
        return and_(
            centre_column.in_(list(self.bounds)), column >= min(starts), column < max(ends),
            or_(*[and_(centre_column == centre_id, column >= start, column < end)
                  for centre_id, (start, end) in self.bounds.items()]),
        )

    def before_start(self, centre_column, column):
        """SQL: ``column`` is before the start of this month of the row's centre."""
        return or_(false(), *[
            and_(centre_column == centre_id, column < start)
            for centre_id, (start, _end) in self.bounds.items()
        ])

    def at_or_after_end(self, centre_column, column):
        """SQL: ``column`` is at or after the end of this month of the row's centre (with the
        envelope in front, as in ``within``)."""
        if not self.bounds:
            return false()
        if len(self.bounds) == 1:
            (centre_id, (_start, end)), = self.bounds.items()
            return and_(centre_column == centre_id, column >= end)
        return and_(
            centre_column.in_(list(self.bounds)),
            column >= min(end for _start, end in self.bounds.values()),
            or_(*[and_(centre_column == centre_id, column >= end)
                  for centre_id, (_start, end) in self.bounds.items()]),
        )

    def before_end(self, centre_column, column):
        """SQL: ``column`` is before the end of this month of the row's centre."""
        return or_(false(), *[
            and_(centre_column == centre_id, column < end)
            for centre_id, (_start, end) in self.bounds.items()
        ])

    def of_centres(self, centre_column):
        if len(self.bounds) == 1:
            return centre_column == next(iter(self.bounds))
        return centre_column.in_(list(self.bounds))


# ---------------------------------------------------------------------------------------------
# The aggregate queries of one period: each figure is a SELECT of (key..., count), and all of
# them are sent as one statement (``live_counts``).
# ---------------------------------------------------------------------------------------------

def _counts(statement) -> dict:
    """Rows (key..., count) of an aggregate query as {key or (keys...): count}."""
    result = {}
    for row in db.session.execute(statement):
        *keys, count = row
        result[keys[0] if len(keys) == 1 else tuple(keys)] = int(count or 0)
    return result


def _by_sex_age(statement):
    """SQL: the rows of ``statement`` (columns sex, age_group) counted by sex and age group.

    Grouping happens in an outer query on the subquery's columns, so the age-group CASE with
    its bound parameters is not repeated in GROUP BY (PostgreSQL would not match it).
    """
    rows = statement.subquery()
    return (select(rows.c.sex, rows.c.age_group, func.count())
            .group_by(rows.c.sex, rows.c.age_group))


def _registered(period: Period):
    """SQL: the client was registered in the period, and is not a second record of a person
    registered before (merged into another record)."""
    return and_(period.within(Client.centre_id, Client.created_at),
                Client.merged_into_id.is_(None))


def _new_clients_by_sex_age(period: Period):
    return _by_sex_age(
        select(Client.sex,
               age_group(Client.created_at, Client.date_of_birth, Client.birth_year)
               .label("age_group"))
        .where(_registered(period))
    )


def _new_clients_by_migration_status(period: Period):
    return (select(Client.migration_status, func.count(Client.id))
            .where(_registered(period))
            .group_by(Client.migration_status))


def _new_clients_by_destination(period: Period):
    """Destination country code ("" when not stated)."""
    return (select(Client.destination_country, func.count(Client.id))
            .where(_registered(period))
            .group_by(Client.destination_country))


# Counselling sessions carry the client's sex, age group on the day, destination and previous
# session (``mrc.stats.facts``): their tables read one index, with no join to clients.
_session = CounsellingSession


def _held(period: Period):
    return period.within(_session.centre_id, _session.held_at)


def _first_of_period(period: Period):
    """SQL: the session is the client's first of the period (each person counted once)."""
    return or_(_session.client_previous_session_at.is_(None),
               period.before_start(_session.centre_id, _session.client_previous_session_at))


def _counselled_clients_by_sex_age(period: Period):
    """Unique clients counselled, aged at their first session of the month."""
    return (select(_session.client_sex, _session.client_age_group, func.count())
            .where(_held(period), _first_of_period(period))
            .group_by(_session.client_sex, _session.client_age_group))


def _counselled_clients_by_destination(period: Period):
    """Unique clients counselled by destination country code ("" when not stated)."""
    return (select(_session.client_destination, func.count())
            .where(_held(period), _first_of_period(period))
            .group_by(_session.client_destination))


def _sessions_by_sex_age(period: Period):
    return (select(_session.client_sex, _session.client_age_group, func.count())
            .where(_held(period))
            .group_by(_session.client_sex, _session.client_age_group))


def _sessions_by_channel(period: Period):
    return (select(_session.channel, func.count())
            .where(_held(period))
            .group_by(_session.channel))


def _sessions_by_topic_combination(period: Period):
    """Sessions by their combination of topics (GROUP BY the stored codes: a few hundred
    combinations however many sessions); ``_by_topic`` adds each to each of its topics."""
    return (select(_session.topics, func.count())
            .where(_held(period))
            .group_by(_session.topics))


def _by_topic(by_combination: dict) -> dict:
    """{topic code: sessions with that topic}: a session with three topics counts once under
    each."""
    by_topic: dict[str, int] = {}
    for combination, count in by_combination.items():
        for code in set((combination or "").split()):
            by_topic[code] = by_topic.get(code, 0) + count
    return by_topic


def _group_sessions_by_kind(period: Period):
    return (select(GroupSession.kind, func.count(GroupSession.id))
            .where(period.within(GroupSession.centre_id, GroupSession.starts_at))
            .group_by(GroupSession.kind))


def _group_attendees_by_kind_sex(period: Period):
    """Registered attendees (clients) by session kind and sex."""
    return (select(GroupSession.kind, Client.sex, func.count(GroupSessionAttendee.id))
            .join(GroupSession, GroupSession.id == GroupSessionAttendee.group_session_id)
            .join(Client, Client.id == GroupSessionAttendee.client_id)
            .where(period.within(GroupSession.centre_id, GroupSession.starts_at))
            .group_by(GroupSession.kind, Client.sex))


def _group_head_counts_by_kind_sex(period: Period):
    """People counted without registering, by session kind and sex."""
    return (select(GroupSession.kind, GroupSessionHeadCount.sex,
                   func.sum(GroupSessionHeadCount.count))
            .join(GroupSession, GroupSession.id == GroupSessionHeadCount.group_session_id)
            .where(period.within(GroupSession.centre_id, GroupSession.starts_at))
            .group_by(GroupSession.kind, GroupSessionHeadCount.sex))


def _referrals_made(period: Period):
    return period.within(Referral.centre_id, Referral.created_at)


def _referrals_by_partner_kind(period: Period):
    return (select(Partner.kind, func.count(Referral.id))
            .join(Partner, Partner.id == Referral.partner_id)
            .where(_referrals_made(period))
            .group_by(Partner.kind))


def _referrals_by_partner(period: Period):
    """Keys (partner id, partner name)."""
    return (select(Partner.id, Partner.name, func.count(Referral.id))
            .join(Partner, Partner.id == Referral.partner_id)
            .where(_referrals_made(period))
            .group_by(Partner.id, Partner.name))


def _referrals_by_service(period: Period):
    return (select(Referral.service, func.count(Referral.id))
            .where(_referrals_made(period))
            .group_by(Referral.service))


def _statuses_at_month_end(period: Period):
    """The centre and the status at the month's end of each referral made in the month.

    Every change of status is recorded with the status it changed from
    (``mrc.referrals.services.change_status``), so the status at the month's end is the one the
    first later change changed from, and with no later change the current status. Only the
    changes after the month's end are read (few, for a month that ended recently), instead of
    looking up the latest change of every referral.
    """
    change = ReferralStatusChange
    status_before_first_later_change = (
        select(change.from_status)
        .where(change.referral_id == Referral.id,
               period.at_or_after_end(change.centre_id, change.changed_at))
        .order_by(change.changed_at, change.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(Referral.centre_id,
               func.coalesce(status_before_first_later_change, Referral.status).label("status"))
        .where(_referrals_made(period))
        .subquery()
    )


def _referral_status_at_month_end(period: Period):
    statuses = _statuses_at_month_end(period)
    return select(statuses.c.status, func.count()).group_by(statuses.c.status)


def referral_status_at_month_end(period: Period) -> dict:
    """Referrals made in the month, by their status at the month's end."""
    return _counts(_referral_status_at_month_end(period))


def referral_status_at_month_end_by_centre(period: Period) -> dict[int, dict]:
    """``referral_status_at_month_end`` of each centre: {centre id: {status: count}}."""
    statuses = _statuses_at_month_end(period)
    result: dict[int, dict] = {}
    for (centre_id, status), count in _counts(
            select(statuses.c.centre_id, statuses.c.status, func.count())
            .group_by(statuses.c.centre_id, statuses.c.status)).items():
        result.setdefault(centre_id, {})[status] = count
    return result


def _referrals_completed(period: Period):
    """Referrals marked completed during the month (whenever they were made)."""
    change = ReferralStatusChange
    return (select(func.count(func.distinct(change.referral_id)))
            .where(change.to_status == "completed",
                   period.within(change.centre_id, change.changed_at)))


def _follow_ups(period: Period, where, when=None):
    """SQL: the follow-ups of the period's centres matching ``where`` (and ``when``)."""
    counted = func.count() if when is None else func.coalesce(
        func.sum(case((when, 1), else_=0)), 0)
    return (select(counted).where(period.of_centres(_session.centre_id), where)
            .scalar_subquery())


def _follow_ups_done(period: Period):
    """Follow-ups marked done in the month."""
    return select(_follow_ups(period, period.within(_session.centre_id,
                                                    _session.follow_up_done_at)))


def _follow_ups_overdue(period: Period):
    """Follow-ups open at the month's end and due before its last day ended.

    Two counts over the (centre, done at) index: never done, and done after the month's end,
    so that only open and late follow-ups are read, not every one ever due. The due-date
    conditions are tested on those rows (in CASE, not WHERE: in WHERE, SQLite's planner would
    range over the due-date index instead, i.e. over every follow-up ever due).
    """
    due = and_(_session.follow_up_on < period.next_month,
               period.before_end(_session.centre_id, _session.held_at))
    never_done = and_(_session.follow_up_done_at.is_(None), _session.follow_up_on.is_not(None))
    done_late = period.at_or_after_end(_session.centre_id, _session.follow_up_done_at)
    return select(_follow_ups(period, never_done, due) + _follow_ups(period, done_late, due))


def _sheets_printed_by_topic_language(period: Period):
    """Copies of information sheets printed, by (topic, language)."""
    return (select(SheetPrint.topic, SheetPrint.language, func.sum(SheetPrint.copies))
            .where(period.within(SheetPrint.centre_id, SheetPrint.printed_at))
            .group_by(SheetPrint.topic, SheetPrint.language))


# Every count the tables are made of: {name: SELECT of (key..., count) for a period}. A figure
# without keys is a single number, under the key "".
FIGURES = {
    "new_clients_by_sex_age": _new_clients_by_sex_age,
    "new_clients_by_migration_status": _new_clients_by_migration_status,
    "new_clients_by_destination": _new_clients_by_destination,
    "counselled_clients_by_sex_age": _counselled_clients_by_sex_age,
    "counselled_clients_by_destination": _counselled_clients_by_destination,
    "sessions_by_sex_age": _sessions_by_sex_age,
    "sessions_by_channel": _sessions_by_channel,
    "sessions_by_topic": _sessions_by_topic_combination,  # read through _by_topic
    "group_sessions_by_kind": _group_sessions_by_kind,
    "group_attendees_by_kind_sex": _group_attendees_by_kind_sex,
    "group_head_counts_by_kind_sex": _group_head_counts_by_kind_sex,
    "referrals_by_partner_kind": _referrals_by_partner_kind,
    "referrals_by_partner": _referrals_by_partner,  # (partner id, name)
    "referrals_by_service": _referrals_by_service,
    "sheets_printed": _sheets_printed_by_topic_language,
    "referrals_completed": _referrals_completed,
    "follow_ups_done": _follow_ups_done,
    "follow_ups_overdue": _follow_ups_overdue,
    "referral_status": _referral_status_at_month_end,
}
# Counted only where asked for: the roll-up keeps statuses per range, not per month.
WITH_STATUS_ONLY = ("referral_status",)
# Figures whose first key is a number, read back from text (partner id, name).
INTEGER_FIRST = {"referrals_by_partner"}


def figure_key(name: str, keys: tuple):
    """A figure's key as the tables use it, from its key columns read as text: "" for a
    single number, one value, or a pair; the first key a number where ``INTEGER_FIRST``."""
    if not keys:
        return ""
    first = int(keys[0]) if name in INTEGER_FIRST else keys[0]
    return (first, *keys[1:]) if len(keys) > 1 else first


class _FiguresStatement(NamedTuple):
    """Every figure of a period as one statement: rows (figure name, key, key2, count); and
    how many of the keys each figure has."""

    statement: object
    key_counts: dict[str, int]


def _as_text(column):
    """The key column as text: every figure shares the key columns of one statement."""
    return column if isinstance(column.type, String) else cast(column, String)


def _figures_statement(period: Period, names: tuple[str, ...]) -> _FiguresStatement:
    """The figures ``names`` of ``period`` as one UNION ALL: one statement instead of one per
    figure (each statement costs its own round of SQLAlchemy work, more than most of these
    counts cost the database)."""
    parts, key_counts = [], {}
    for name in names:
        statement = FIGURES[name](period)
        *keys, count = statement.selected_columns
        key_counts[name] = len(keys)
        keys = [_as_text(key) for key in keys] + [null(), null()]
        parts.append(statement.with_only_columns(
            literal(name, String).label("figure"), keys[0].label("key"),
            keys[1].label("key2"), count.label("value"), maintain_column_froms=True))
    return _FiguresStatement(union_all(*parts), key_counts)


@lru_cache(maxsize=None)
def _one_centre_statement(names: tuple[str, ...]) -> _FiguresStatement:
    """``_figures_statement`` of any one-centre period, built once: the centre and the
    period's bounds are bind parameters (``Period.parameters``)."""
    return _figures_statement(Period.one_centre_placeholder(), names)


def live_counts(period: Period, *, with_status: bool = True) -> dict[str, dict]:
    """Every count the tables are made of, for ``period``, counted from the records:
    {name: {key: count}} (a single number under the key "")."""
    names = tuple(name for name in FIGURES if with_status or name not in WITH_STATUS_ONLY)
    if len(period.bounds) == 1:
        statement, key_counts = _one_centre_statement(names)
        parameters = period.parameters
    else:
        statement, key_counts = _figures_statement(period, names)
        parameters = {}
    counts: dict[str, dict] = {name: {} for name in names}
    for name, key, key2, value in db.session.execute(statement, parameters):
        counts[name][figure_key(name, (key, key2)[:key_counts[name]])] = int(value or 0)
    counts["sessions_by_topic"] = _by_topic(counts["sessions_by_topic"])
    return counts


def top_destinations(counselled_by_destination: dict, limit: int = 10) -> list[str]:
    """The stated destination countries of most clients counselled, most first (ties by
    code), from ``counselled_clients_by_destination``'s counts."""
    stated = [(count, code) for code, count in counselled_by_destination.items() if code]
    return [code for count, code in sorted(stated, key=lambda pair: (-pair[0], pair[1]))][:limit]


def sheet_titles(language: str) -> dict[str, str]:
    """{topic: title} of each sheet in ``language`` (else English): row labels only."""
    titles = {}
    rows = db.session.execute(
        select(InfoSheet.topic, SheetVersion.language, SheetVersion.title)
        .join(SheetVersion, SheetVersion.sheet_id == InfoSheet.id)
        .where(SheetVersion.language.in_([language, "en"]))
        .order_by(SheetVersion.number)
    )
    for topic, version_language, title in rows:
        if version_language == language or topic not in titles:
            titles[topic] = title  # the latest version, the user's language first
    return titles


def changed_after(period: Period, since: datetime) -> dict[str, int]:
    """Records of the period created or changed after ``since`` (a submission), by kind.

    Clients by registration, counselling sessions by when held, group sessions by start (an
    attendee added later counts as a change), referrals by when made.
    """
    def count(model, when, *more):
        later = or_(model.created_at > since, model.updated_at > since, *more)
        return int(db.session.scalar(
            select(func.count(model.id)).where(period.within(model.centre_id, when), later)
        ) or 0)

    attendee_added = (
        select(GroupSessionAttendee.id)
        .where(GroupSessionAttendee.group_session_id == GroupSession.id,
               GroupSessionAttendee.added_at > since)
        .exists()
    )
    return {
        "clients": count(Client, Client.created_at),
        "counselling_sessions": count(CounsellingSession, CounsellingSession.held_at),
        "group_sessions": count(GroupSession, GroupSession.starts_at, attendee_added),
        "referrals": count(Referral, Referral.created_at),
    }


def period_counts(period: Period, centres: list[Centre], *, reported: bool) -> dict[str, dict]:
    """``live_counts`` of ``period``. The month a manager reports on (one month of one centre,
    ``reported``) is counted from its records, every time; comparisons and larger periods add
    up the kept monthly figures (``mrc.stats.rollup``), the same counts kept."""
    if reported and len(centres) == 1 and period.last_month is None:
        return live_counts(period)
    return rollup.counts(period, centres)


# ---------------------------------------------------------------------------------------------
# Tables: one figure per row, for the months chosen, the months before and a year before
# ---------------------------------------------------------------------------------------------

MAX_MONTHS = 24
# The records whose later changes a submitted month lists (keys of ``changed_after``).
CHANGE_KINDS = [
    ("clients", _l("Clients")),
    ("counselling_sessions", _l("Counselling sessions")),
    ("group_sessions", _l("Group sessions")),
    ("referrals", _l("Referrals")),
]


@dataclass
class Row:
    """One figure. ``code`` is stable across languages (submissions store figures by it)."""

    label: str
    current: int
    previous: int
    year_ago: int
    level: int = 1  # 0: total, 1: a line, 2: a detail line (hidden on the page when all zero)
    code: str = ""
    submitted: int | None = None  # the figure as submitted, for a submitted month

    @property
    def change_previous(self) -> int:
        return self.current - self.previous

    @property
    def change_year(self) -> int:
        return self.current - self.year_ago

    @property
    def is_empty(self) -> bool:
        return not (self.current or self.previous or self.year_ago or self.submitted)

    @property
    def differs(self) -> bool:
        """The current figure is not the one submitted."""
        return self.submitted is not None and self.submitted != self.current


@dataclass
class Table:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)

    def row(self, label) -> Row:
        """The row labelled ``label`` (tests and the CSV use it)."""
        return next(row for row in self.rows if str(row.label) == str(label))

    def values(self) -> dict[str, tuple[int, int, int]]:
        return {str(row.label): (row.current, row.previous, row.year_ago) for row in self.rows}

    def figures(self) -> dict[str, int]:
        """{row code: figure of the months chosen}: what a submission stores."""
        return {row.code: row.current for row in self.rows}


def months_label(first: date, last: date | None = None) -> str:
    """"March 2026", or "March 2026 to May 2026" for several months, in the user's language."""
    if last is None or last == first:
        return format_date(first, "MMMM yyyy")
    return str(_l("%(first)s to %(last)s", first=format_date(first, "MMMM yyyy"),
                  last=format_date(last, "MMMM yyyy")))


@dataclass
class MonthlyStatistics:
    """The tables of ``month`` through ``last_month``, compared with the months just before
    (as many) and with the same months a year before."""

    month: date
    previous_month: date
    year_ago_month: date
    centres: list[Centre]
    tables: list[Table]
    last_month: date | None = None
    submission: MonthSubmission | None = None
    # For a submitted month: {kind: records of the month created or changed since}.
    changed_since_submission: dict[str, int] = field(default_factory=dict)
    # For one month of several centres: each centre with its submission of the month, or None.
    centre_submissions: list[tuple[Centre, MonthSubmission | None]] = field(
        default_factory=list)

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)

    @property
    def end_month(self) -> date:
        return self.last_month or self.month

    @property
    def month_count(self) -> int:
        return months_between(self.month, self.end_month)

    @property
    def previous_end_month(self) -> date:
        return add_months(self.previous_month, self.month_count - 1)

    @property
    def year_ago_end_month(self) -> date:
        return add_months(self.year_ago_month, self.month_count - 1)

    @property
    def current_label(self) -> str:
        return months_label(self.month, self.end_month)

    @property
    def previous_label(self) -> str:
        return months_label(self.previous_month, self.previous_end_month)

    @property
    def year_ago_label(self) -> str:
        return months_label(self.year_ago_month, self.year_ago_end_month)

    @property
    def column_titles(self) -> list[str]:
        """The titles of the five number columns, in the current locale: the months chosen,
        the months before, the change, the same months a year before, the change. The page
        and every export use them; a range is named as months, not as one month."""
        if self.month_count == 1:
            chosen = [_l("This month (%(month)s)", month=self.current_label),
                      _l("Previous month (%(month)s)", month=self.previous_label),
                      _l("Change vs previous month")]
        else:
            chosen = [_l("These months (%(months)s)", months=self.current_label),
                      _l("The months before (%(months)s)", months=self.previous_label),
                      _l("Change vs the months before")]
        return [str(title) for title in chosen] + [
            str(_l("A year before (%(month)s)", month=self.year_ago_label)),
            str(_l("Change vs a year before")),
        ]

    @property
    def changed_since_submission_total(self) -> int:
        return sum(self.changed_since_submission.values())

    @property
    def changes_since_submission(self) -> list[tuple[str, int]]:
        """(translated kind of record, how many) for each kind with later changes."""
        return [(str(label), self.changed_since_submission[kind])
                for kind, label in CHANGE_KINDS if self.changed_since_submission.get(kind)]

    def figures(self) -> dict[str, dict[str, int]]:
        """{table key: {row code: figure}} of the months chosen."""
        return {table.key: table.figures() for table in self.tables}


def _counts_of(periods: list[Period], centres: list[Centre]) -> list[dict[str, dict]]:
    """``period_counts`` of each period; a period equal to an earlier one (the months before
    a 12-month range are the same months a year before) is counted once."""
    counted = {}
    for position, period in enumerate(periods):
        key = (period.month, period.end_month)
        if key not in counted:
            counted[key] = period_counts(period, centres, reported=position == 0)
    return [counted[(period.month, period.end_month)] for period in periods]


class _LabelKey(NamedTuple):
    """What a lazy label's text depends on besides the language: its gettext call, hashable
    (lazy arguments as their own keys)."""

    func: object
    args: tuple
    kwargs: tuple


def _label_key(label):
    """``label``'s key when it is lazy; any other value as it is."""
    if isinstance(label, LazyString):
        return _LabelKey(label._func, label._args, tuple(sorted(
            (name, _label_key(value)) for name, value in label._kwargs.items())))
    return label


@lru_cache(maxsize=4096)
def _translated(locale: str, key: _LabelKey) -> str:
    """The text of a lazy label in ``locale`` (the current one when first asked)."""
    return str(key.func(*key.args, **{
        name: _translated(locale, value) if isinstance(value, _LabelKey) else value
        for name, value in key.kwargs}))


def _text(label) -> str:
    """``label`` in the user's language, remembered per language: the tables name their rows
    with the same few hundred labels on every view, and each translation through Flask-Babel
    looks up its request context three times (two thirds of building the tables)."""
    if not isinstance(label, LazyString):
        return str(label)
    return _translated(str(get_locale()), _label_key(label))


def _row(label, results, key, level=1, code=None) -> Row:
    return Row(_text(label), *(result.get(key, 0) for result in results), level=level,
               code=str(key) if code is None else code)


def _sum_row(label, results, keys, level=0, code="total") -> Row:
    return Row(_text(label), *(sum(result.get(key, 0) for key in keys) for result in results),
               level=level, code=code)


def _total_row(results) -> Row:
    return Row(_text(_l("Total")), *(sum(r.values()) for r in results), level=0, code="total")


def _sex_age_table(key, title, results) -> Table:
    table = Table(key, title)
    everything = [(sex, group) for sex, _label in SEX for group in AGE_GROUP_CODES]
    table.rows.append(_sum_row(_l("Total"), results, everything))
    for sex, sex_label in SEX:
        table.rows.append(_sum_row(sex_label, results, [(sex, g) for g in AGE_GROUP_CODES], 1,
                                   code=sex))
        for group in AGE_GROUP_CODES:
            table.rows.append(_row(
                _l("%(sex)s, %(age_group)s", sex=sex_label, age_group=AGE_GROUP_LABELS[group]),
                results, (sex, group), level=2, code=f"{sex}:{group}"))
    return table


def _coded_table(key, title, results, choices, total=True) -> Table:
    table = Table(key, title)
    if total:
        table.rows.append(_total_row(results))
    known = [code for code, _label in choices]
    for code, label in choices:
        table.rows.append(_row(label, results, code))
    others = sorted({code for result in results for code in result if code not in known})
    for code in others:  # codes no longer in the vocabulary still add up
        table.rows.append(_row(code, results, code))
    return table


def _ranked_table(key, title, results, choices) -> Table:
    """A coded table ordered by the figure of the months chosen, most first (no total)."""
    table = _coded_table(key, title, results, choices, total=False)
    table.rows.sort(key=lambda row: -row.current)  # stable: ties keep the vocabulary's order
    return table


NOT_STATED = "none"  # the row code of clients with no destination stated


def _country_row(results, code) -> Row:
    label = country_name(code) if code else _l("Not stated")
    return _row(label, results, code, code=code or NOT_STATED)


def _country_table(key, title, results) -> Table:
    """A total, then every destination with a figure in any period, most first, by name."""
    table = Table(key, title, [_total_row(results)])
    codes = {code for result in results for code in result}
    rows = [_country_row(results, code) for code in codes if code]
    rows.sort(key=lambda row: (-row.current, -row.previous, -row.year_ago, row.label))
    table.rows.extend(rows)
    if "" in codes:
        table.rows.append(_country_row(results, ""))
    return table


def _top_destinations_table(results, top: list[str]) -> Table:
    table = Table("top_destinations",
                  str(_l("Most asked-about destinations (clients counselled)")))
    table.rows.extend(_country_row(results, code) for code in top)
    return table


def _sheet_tables(results) -> list[Table]:
    """Copies printed by topic, and by language (each a total of the (topic, language) sums)."""
    titles = sheet_titles(str(get_locale() or "en"))
    tables = []
    for position, key, title, label in (
        (0, "sheets_by_topic", _l("Information sheets printed, by topic"),
         lambda topic: titles.get(topic, topic)),
        (1, "sheets_by_language", _l("Information sheets printed, by language"),
         language_name),
    ):
        by = [{} for _result in results]
        for summed, result in zip(by, results, strict=True):
            for pair, copies in result.items():
                summed[pair[position]] = summed.get(pair[position], 0) + copies
        table = Table(key, str(title), [_total_row(by)])
        codes = sorted({code for summed in by for code in summed})
        rows = [_row(label(code), by, code, code=f"{key.split('_')[-1]}:{code}")
                for code in codes]
        rows.sort(key=lambda row: (-row.current, row.label))
        table.rows.extend(rows)
        tables.append(table)
    return tables


def _group_table(sessions, attendees, head_counts) -> Table:
    table = Table("group_sessions", str(_l("Group sessions and people reached")))
    for kind, kind_label in GROUP_KINDS:
        table.rows.append(Row(
            str(_l("%(kind)s: sessions held", kind=kind_label)),
            *(result.get(kind, 0) for result in sessions), level=0, code=f"{kind}:sessions"))
        keys = [(kind, sex) for sex, _label in SEX]
        people = [sum(a.get(k, 0) + h.get(k, 0) for k in keys)
                  for a, h in zip(attendees, head_counts, strict=True)]
        table.rows.append(Row(str(_l("%(kind)s: people reached", kind=kind_label)), *people,
                              code=f"{kind}:people"))
        table.rows.append(_sum_row(_l("%(kind)s: registered participants", kind=kind_label),
                                   attendees, keys, level=2, code=f"{kind}:registered"))
        table.rows.append(_sum_row(_l("%(kind)s: counted without registering", kind=kind_label),
                                   head_counts, keys, level=2, code=f"{kind}:counted"))
        for sex, sex_label in SEX:
            table.rows.append(Row(
                str(_l("%(kind)s: people reached, %(sex)s", kind=kind_label, sex=sex_label)),
                *(a.get((kind, sex), 0) + h.get((kind, sex), 0)
                  for a, h in zip(attendees, head_counts, strict=True)),
                level=2, code=f"{kind}:people:{sex}"))
    return table


def _partner_table(results) -> Table:
    table = Table("referrals_by_partner", str(_l("Referrals made, by partner")))
    table.rows.append(_total_row(results))
    partners = sorted({key for result in results for key in result}, key=lambda k: (k[1], k[0]))
    for key in partners:
        table.rows.append(_row(key[1], results, key, code=f"partner:{key[0]}"))
    return table


def statistics_centres(actor: Actor, centre_id: int | None) -> list[Centre]:
    """The centres ``actor`` asks statistics for: managers their own, admins one or all."""
    user = actor.user
    if user.role == Role.ADMIN:
        query = select(Centre).order_by(Centre.code)
        if centre_id:
            query = query.where(Centre.id == centre_id)
        centres = list(db.session.scalars(query))
        if centre_id and not centres:
            raise StatisticsAccessDenied()
        return centres
    if user.role != Role.MANAGER or user.centre is None:
        raise StatisticsAccessDenied()
    if centre_id and centre_id != user.centre_id:
        raise StatisticsAccessDenied()
    return [user.centre]


class InvalidMonths(ValueError):
    """The last month is before the first, or the range is longer than ``MAX_MONTHS``."""


def month_range(month: date, last_month: date | None) -> tuple[date, date]:
    """(first, last) months of a range; raises ``InvalidMonths``."""
    first = month_start(month)
    last = month_start(last_month) if last_month else first
    if last < first or months_between(first, last) > MAX_MONTHS:
        raise InvalidMonths()
    return first, last


def monthly_statistics(actor: Actor, month: date, centre_id: int | None = None,
                       last_month: date | None = None) -> MonthlyStatistics:
    """Every table for ``month`` through ``last_month`` (any day of each; None: ``month``
    only) at one centre, or all centres (admins). The comparisons are the as many months just
    before and the same months a year before. A submitted single month of one centre also
    carries its submission, the submitted figures and the records changed since.

    Raises ``StatisticsAccessDenied`` and ``InvalidMonths``.
    """
    centres = statistics_centres(actor, centre_id)
    first, last = month_range(month, last_month)
    count = months_between(first, last)
    months = [first, add_months(first, -count), add_months(first, -12)]
    periods = [Period.of(m, centres, add_months(m, count - 1) if count > 1 else None)
               for m in months]

    counted = _counts_of(periods, centres)

    def three(name: str) -> list[dict]:
        return [counts.get(name, {}) for counts in counted]

    def in_period(one_month, several_months) -> str:
        """A title that names the period: ``one_month``'s wording, or the range's."""
        return str(one_month if count == 1 else several_months)

    topics = three("sessions_by_topic")
    counselled_destinations = three("counselled_clients_by_destination")
    tables = [
        _sex_age_table("new_clients", str(_l("New clients registered")),
                       three("new_clients_by_sex_age")),
        _coded_table("new_clients_by_migration_status",
                     str(_l("New clients, by migration status")),
                     three("new_clients_by_migration_status"), MIGRATION_STATUS),
        _country_table("new_clients_by_destination",
                       str(_l("New clients, by destination country")),
                       three("new_clients_by_destination")),
        _sex_age_table("clients_counselled", str(_l("Clients counselled (each person once)")),
                       three("counselled_clients_by_sex_age")),
        _country_table("clients_counselled_by_destination",
                       str(_l("Clients counselled, by destination country (each person once)")),
                       counselled_destinations),
        _top_destinations_table(counselled_destinations,
                                top_destinations(counselled_destinations[0])),
        _sex_age_table("sessions", str(_l("Counselling sessions")),
                       three("sessions_by_sex_age")),
        _coded_table("sessions_by_channel", str(_l("Counselling sessions, by channel")),
                     three("sessions_by_channel"), CHANNELS),
        # A session can have several topics: no total.
        _coded_table("sessions_by_topic", str(_l("Counselling sessions, by topic")),
                     topics, TOPICS, total=False),
        _ranked_table("top_topics", str(_l("Most asked-about topics (counselling sessions)")),
                      topics, TOPICS),
        _group_table(three("group_sessions_by_kind"),
                     three("group_attendees_by_kind_sex"),
                     three("group_head_counts_by_kind_sex")),
        _coded_table("referrals_by_partner_kind", str(_l("Referrals made, by kind of partner")),
                     three("referrals_by_partner_kind"), PARTNER_KINDS),
        _partner_table(three("referrals_by_partner")),
        _coded_table("referrals_by_service", str(_l("Referrals made, by service")),
                     three("referrals_by_service"), SERVICES),
        _coded_table("referral_status", in_period(
            _l("Referrals made in the month, by status at the month's end"),
            _l("Referrals made in these months, by status at the end of the last month")),
            three("referral_status"), STATUSES),
        *_sheet_tables(three("sheets_printed")),
        Table("outcomes", str(_l("Completed referrals and follow-ups")), [
            Row(in_period(_l("Referrals completed in the month"),
                          _l("Referrals completed in these months")),
                *(counts.get("", 0) for counts in three("referrals_completed")),
                code="referrals_completed"),
            Row(in_period(_l("Follow-ups done in the month"),
                          _l("Follow-ups done in these months")),
                *(f.get("", 0) for f in three("follow_ups_done")), code="follow_ups_done"),
            Row(in_period(_l("Follow-ups overdue at the month's end"),
                          _l("Follow-ups overdue at the end of the last month")),
                *(f.get("", 0) for f in three("follow_ups_overdue")), code="follow_ups_overdue"),
        ]),
    ]
    stats = MonthlyStatistics(month=months[0], previous_month=months[1],
                              year_ago_month=months[2], centres=centres, tables=tables,
                              last_month=last if count > 1 else None)
    if count == 1 and len(centres) == 1:
        _compare_with_submission(stats, periods[0])
    elif count == 1:
        submitted = {submission.centre_id: submission for submission in db.session.scalars(
            select(MonthSubmission).where(MonthSubmission.month == first,
                                          MonthSubmission.centre_id.in_([c.id for c in centres])))}
        stats.centre_submissions = [(centre, submitted.get(centre.id)) for centre in centres]
    return stats


# ---------------------------------------------------------------------------------------------
# Closing a month: the figures as submitted, kept beside the current ones
# ---------------------------------------------------------------------------------------------

class SubmissionRefused(Exception):
    """The month cannot be submitted; ``message`` says why (translated lazily)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class AlreadySubmitted(SubmissionRefused):
    """The centre's month was submitted before (``submission``); it stays as submitted."""

    def __init__(self, submission: MonthSubmission):
        super().__init__(_l("This month was already submitted; a submitted month cannot be "
                            "submitted again."))
        self.submission = submission


def find_submission(centre_id: int, month: date) -> MonthSubmission | None:
    return db.session.scalar(select(MonthSubmission).where(
        MonthSubmission.centre_id == centre_id, MonthSubmission.month == month_start(month)))


def _vanished_label(code: str) -> str:
    """The label of a submitted row that has no figure any more, from its code."""
    kind, _sep, value = code.partition(":")
    if code == NOT_STATED:
        return str(_l("Not stated"))
    if len(code) == 2 and code.isupper():
        return country_name(code)
    if kind == "partner" and value.isdigit():
        return db.session.scalar(select(Partner.name).where(Partner.id == int(value))) or code
    if kind == "topic":
        return sheet_titles(str(get_locale() or "en")).get(value, value)
    if kind == "language":
        return language_name(value)
    return code


def _compare_with_submission(stats: MonthlyStatistics, period: Period) -> None:
    submission = find_submission(stats.centres[0].id, stats.month)
    if submission is None:
        return
    stats.submission = submission
    figures = json.loads(submission.figures)
    for table in stats.tables:
        if table.key not in figures:  # a table added after the submission
            continue
        submitted = figures[table.key]
        for row in table.rows:
            row.submitted = int(submitted.get(row.code, 0))
        # A row of the submission with no figure now (e.g. a partner's only referral moved to
        # another month) still shows what was submitted.
        present = {row.code for row in table.rows}
        for code, value in submitted.items():
            if code not in present and value:
                table.rows.append(Row(_vanished_label(code), 0, 0, 0, code=code,
                                      submitted=int(value)))
    stats.changed_since_submission = changed_after(period, submission.submitted_at)


def can_submit(stats: MonthlyStatistics) -> bool:
    """The page shows one ended month of one centre that is not submitted yet."""
    if stats.month_count != 1 or len(stats.centres) != 1 or stats.submission is not None:
        return False
    return stats.month < month_start(centre_today(stats.centres[0]))


def submit_month(actor: Actor, month: date, centre_id: int | None = None) -> MonthSubmission:
    """Close one centre's month: store every table's figures of that month; audited.

    A manager submits their own centre's month, an admin a chosen centre's. Only a month that
    has ended in the centre's calendar can be submitted, and only once: corrections made later
    show beside the submitted figures instead of replacing them.
    Raises ``StatisticsAccessDenied``, ``SubmissionRefused`` and ``AlreadySubmitted``.
    """
    centres = statistics_centres(actor, centre_id)
    if len(centres) != 1:
        raise SubmissionRefused(_l("Choose the centre whose month you submit."))
    centre, month = centres[0], month_start(month)
    if month >= month_start(centre_today(centre)):
        raise SubmissionRefused(_l("A month can be submitted once it has ended."))
    existing = find_submission(centre.id, month)
    if existing is not None:
        raise AlreadySubmitted(existing)
    stats = monthly_statistics(actor, month, centre.id)
    submission = MonthSubmission(centre_id=centre.id, month=month, submitted_by_id=actor.user.id,
                                 figures=json.dumps(stats.figures(), sort_keys=True))
    db.session.add(submission)
    try:
        db.session.flush()
    except IntegrityError:  # submitted at the same moment by someone else
        db.session.rollback()
        raise AlreadySubmitted(find_submission(centre.id, month)) from None
    audit.record(actor, "submit", object_type="statistics", object_id=submission.id,
                 centre_id=centre.id, summary=f"month={month:%Y-%m} centre={centre.code}")
    db.session.commit()
    return submission

