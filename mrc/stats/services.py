"""Monthly activity statistics of a centre (or of all centres, for admins).

A month is a month of the centre's LOCAL calendar: its first and last instants are converted to
UTC with the centre's time zone, so with several centres each one has its own bounds. Every
figure is counted by the database (GROUP BY, SUM of CASE); Python only places the aggregated
counts into tables. Each figure is computed for the chosen month, the month before and the same
month a year before, with the same query on another period. Anonymised clients are counted.

Age groups are the age at the activity date (the UTC calendar date of the activity, which can
differ from the local date by a few hours around midnight): exact from ``date_of_birth`` when
known, otherwise ``activity year - birth_year``; "unknown" when neither is known.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, extract, false, func, literal, or_, select

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.centres.models import Centre
from mrc.clients.choices import SEX
from mrc.clients.models import Client
from mrc.counselling.choices import CHANNELS, TOPICS
from mrc.counselling.models import CounsellingSession
from mrc.extensions import db
from mrc.group_sessions.choices import AGE_GROUPS, AGE_UNKNOWN_LABEL
from mrc.group_sessions.choices import KINDS as GROUP_KINDS
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.partners.choices import KINDS as PARTNER_KINDS
from mrc.partners.choices import SERVICES
from mrc.partners.models import Partner
from mrc.referrals.choices import STATUSES
from mrc.referrals.models import Referral, ReferralStatusChange

UNKNOWN = "unknown"
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


def parse_month(value: str | None) -> date | None:
    """``YYYY-MM`` (what ``<input type="month">`` sends) to the first day of that month."""
    try:
        year, month = (value or "").strip().split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        return None


@dataclass(frozen=True)
class Period:
    """One local-calendar month for a set of centres: per centre, its [start, end) in UTC."""

    month: date
    bounds: dict[int, tuple[datetime, datetime]]

    @classmethod
    def of(cls, month: date, centres: list[Centre]) -> "Period":
        bounds = {}
        for centre in centres:
            zone = ZoneInfo(centre.timezone)
            start = datetime.combine(month, time(), zone).astimezone(UTC)
            end = datetime.combine(add_months(month, 1), time(), zone).astimezone(UTC)
            bounds[centre.id] = (start, end)
        return cls(month=month, bounds=bounds)

    @property
    def next_month(self) -> date:
        return add_months(self.month, 1)

    def within(self, centre_column, column):
        """SQL: ``column`` falls in this month of the row's centre."""
        return or_(false(), *[
            and_(centre_column == centre_id, column >= start, column < end)
            for centre_id, (start, end) in self.bounds.items()
        ])

    def before_end(self, centre_column, column):
        """SQL: ``column`` is before the end of this month of the row's centre."""
        return or_(false(), *[
            and_(centre_column == centre_id, column < end)
            for centre_id, (_start, end) in self.bounds.items()
        ])

    def of_centres(self, centre_column):
        return centre_column.in_(list(self.bounds))


# ---------------------------------------------------------------------------------------------
# Age group in SQL (portable: EXTRACT compiles to strftime on SQLite)
# ---------------------------------------------------------------------------------------------

def age_group(at, date_of_birth=Client.date_of_birth, birth_year=Client.birth_year):
    """SQL CASE: the age-group code of a client at the timestamp ``at``."""
    at_year, at_month, at_day = (extract(part, at) for part in ("year", "month", "day"))
    born_month, born_day = extract("month", date_of_birth), extract("day", date_of_birth)
    birthday_not_yet = or_(at_month < born_month,
                           and_(at_month == born_month, at_day < born_day))
    age = case(
        (date_of_birth.is_not(None),
         at_year - extract("year", date_of_birth) - case((birthday_not_yet, 1), else_=0)),
        else_=at_year - birth_year,
    )
    return case(
        (and_(date_of_birth.is_(None), birth_year.is_(None)), literal(UNKNOWN)),
        (age < 18, literal("under_18")),
        (age < 25, literal("18_24")),
        (age < 35, literal("25_34")),
        (age < 50, literal("35_49")),
        else_=literal("50_plus"),
    )


# ---------------------------------------------------------------------------------------------
# The aggregate queries of one period. Each returns {key: count}.
# ---------------------------------------------------------------------------------------------

def _counts(statement) -> dict:
    """Rows (key..., count) of an aggregate query as {key or (keys...): count}."""
    result = {}
    for row in db.session.execute(statement):
        *keys, count = row
        result[keys[0] if len(keys) == 1 else tuple(keys)] = int(count or 0)
    return result


def _by_sex_age(statement) -> dict:
    """Count the rows of ``statement`` (columns sex, age_group) by sex and age group.

    Grouping happens in an outer query on the subquery's columns, so the age-group CASE with
    its bound parameters is not repeated in GROUP BY (PostgreSQL would not match it).
    """
    rows = statement.subquery()
    return _counts(
        select(rows.c.sex, rows.c.age_group, func.count())
        .group_by(rows.c.sex, rows.c.age_group)
    )


def new_clients_by_sex_age(period: Period) -> dict:
    return _by_sex_age(
        select(Client.sex, age_group(Client.created_at).label("age_group"))
        .where(period.within(Client.centre_id, Client.created_at))
    )


def counselled_clients_by_sex_age(period: Period) -> dict:
    """Unique clients counselled, aged at their first session of the month."""
    first = (
        select(CounsellingSession.client_id, func.min(CounsellingSession.held_at).label("first_at"))
        .where(period.within(CounsellingSession.centre_id, CounsellingSession.held_at))
        .group_by(CounsellingSession.client_id)
        .subquery()
    )
    return _by_sex_age(
        select(Client.sex, age_group(first.c.first_at).label("age_group"))
        .select_from(Client)
        .join(first, first.c.client_id == Client.id)
    )


def sessions_by_sex_age(period: Period) -> dict:
    return _by_sex_age(
        select(Client.sex, age_group(CounsellingSession.held_at).label("age_group"))
        .select_from(CounsellingSession)
        .join(Client, Client.id == CounsellingSession.client_id)
        .where(period.within(CounsellingSession.centre_id, CounsellingSession.held_at))
    )


def sessions_by_channel(period: Period) -> dict:
    return _counts(
        select(CounsellingSession.channel, func.count(CounsellingSession.id))
        .where(period.within(CounsellingSession.centre_id, CounsellingSession.held_at))
        .group_by(CounsellingSession.channel)
    )


def sessions_by_topic(period: Period) -> dict:
    """One SUM(CASE ... LIKE '% code %') per known topic code, in one query."""
    padded = literal(" ") + CounsellingSession.topics + literal(" ")
    columns = [
        func.coalesce(func.sum(case((padded.like(f"% {code} %"), 1), else_=0)), 0).label(code)
        for code, _label in TOPICS
    ]
    row = db.session.execute(
        select(*columns)
        .where(period.within(CounsellingSession.centre_id, CounsellingSession.held_at))
    ).one()
    return {code: int(value or 0) for (code, _label), value in zip(TOPICS, row, strict=True)}


def group_sessions_by_kind(period: Period) -> dict:
    return _counts(
        select(GroupSession.kind, func.count(GroupSession.id))
        .where(period.within(GroupSession.centre_id, GroupSession.starts_at))
        .group_by(GroupSession.kind)
    )


def group_attendees_by_kind_sex(period: Period) -> dict:
    """Registered attendees (clients) by session kind and sex."""
    return _counts(
        select(GroupSession.kind, Client.sex, func.count(GroupSessionAttendee.id))
        .join(GroupSession, GroupSession.id == GroupSessionAttendee.group_session_id)
        .join(Client, Client.id == GroupSessionAttendee.client_id)
        .where(period.within(GroupSession.centre_id, GroupSession.starts_at))
        .group_by(GroupSession.kind, Client.sex)
    )


def group_head_counts_by_kind_sex(period: Period) -> dict:
    """People counted without registering, by session kind and sex."""
    return _counts(
        select(GroupSession.kind, GroupSessionHeadCount.sex, func.sum(GroupSessionHeadCount.count))
        .join(GroupSession, GroupSession.id == GroupSessionHeadCount.group_session_id)
        .where(period.within(GroupSession.centre_id, GroupSession.starts_at))
        .group_by(GroupSession.kind, GroupSessionHeadCount.sex)
    )


def _referrals_made(period: Period):
    return period.within(Referral.centre_id, Referral.created_at)


def referrals_by_partner_kind(period: Period) -> dict:
    return _counts(
        select(Partner.kind, func.count(Referral.id))
        .join(Partner, Partner.id == Referral.partner_id)
        .where(_referrals_made(period))
        .group_by(Partner.kind)
    )


def referrals_by_partner(period: Period) -> dict:
    """{(partner id, partner name): count}."""
    return _counts(
        select(Partner.id, Partner.name, func.count(Referral.id))
        .join(Partner, Partner.id == Referral.partner_id)
        .where(_referrals_made(period))
        .group_by(Partner.id, Partner.name)
    )


def referrals_by_service(period: Period) -> dict:
    return _counts(
        select(Referral.service, func.count(Referral.id))
        .where(_referrals_made(period))
        .group_by(Referral.service)
    )


def referral_status_at_month_end(period: Period) -> dict:
    """Referrals made in the month, by their status at the month's end.

    The status is the latest change on or before the month end; if every change came later,
    the status before the first of them; with no change at all, the current status.
    """
    change = ReferralStatusChange
    until_end = period.before_end(change.centre_id, change.changed_at)
    latest_before = (
        select(change.to_status)
        .where(change.referral_id == Referral.id, until_end)
        .order_by(change.changed_at.desc(), change.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    first_after = (
        select(change.from_status)
        .where(change.referral_id == Referral.id, ~until_end)
        .order_by(change.changed_at, change.id)
        .limit(1)
        .scalar_subquery()
    )
    statuses = (
        select(func.coalesce(latest_before, first_after, Referral.status).label("status"))
        .where(_referrals_made(period))
        .subquery()
    )
    return _counts(select(statuses.c.status, func.count()).group_by(statuses.c.status))


def referrals_completed(period: Period) -> int:
    """Referrals marked completed during the month (whenever they were made)."""
    change = ReferralStatusChange
    return int(db.session.scalar(
        select(func.count(func.distinct(change.referral_id)))
        .where(change.to_status == "completed", period.within(change.centre_id, change.changed_at))
    ) or 0)


def follow_ups(period: Period) -> dict:
    """{"done": follow-ups marked done in the month, "overdue": open at month end and due before
    the month's last day ended}."""
    session = CounsellingSession
    done = func.sum(case((period.within(session.centre_id, session.follow_up_done_at), 1), else_=0))
    open_at_end = or_(session.follow_up_done_at.is_(None),
                      ~period.before_end(session.centre_id, session.follow_up_done_at))
    overdue = func.sum(case(
        (and_(session.follow_up_on < period.next_month, open_at_end,
              period.before_end(session.centre_id, session.held_at)), 1),
        else_=0,
    ))
    row = db.session.execute(
        select(done, overdue)
        .where(period.of_centres(session.centre_id), session.follow_up_on.is_not(None))
    ).one()
    return {"done": int(row[0] or 0), "overdue": int(row[1] or 0)}


# ---------------------------------------------------------------------------------------------
# Tables: one figure per row, for the month, the month before and the month a year before
# ---------------------------------------------------------------------------------------------

@dataclass
class Row:
    label: str
    current: int
    previous: int
    year_ago: int
    level: int = 1  # 0: total, 1: a line, 2: a detail line (hidden on the page when all zero)

    @property
    def change_previous(self) -> int:
        return self.current - self.previous

    @property
    def change_year(self) -> int:
        return self.current - self.year_ago

    @property
    def is_empty(self) -> bool:
        return not (self.current or self.previous or self.year_ago)


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


@dataclass
class MonthlyStatistics:
    month: date
    previous_month: date
    year_ago_month: date
    centres: list[Centre]
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(table for table in self.tables if table.key == key)


def _three(periods, function):
    return [function(period) for period in periods]


def _row(label, results, key, level=1) -> Row:
    return Row(str(label), *(result.get(key, 0) for result in results), level=level)


def _sum_row(label, results, keys, level=0) -> Row:
    return Row(str(label), *(sum(result.get(key, 0) for key in keys) for result in results),
               level=level)


def _sex_age_table(key, title, results) -> Table:
    table = Table(key, title)
    everything = [(sex, group) for sex, _label in SEX for group in AGE_GROUP_CODES]
    table.rows.append(_sum_row(_l("Total"), results, everything))
    for sex, sex_label in SEX:
        table.rows.append(_sum_row(sex_label, results, [(sex, g) for g in AGE_GROUP_CODES], 1))
        for group in AGE_GROUP_CODES:
            table.rows.append(_row(
                _l("%(sex)s, %(age_group)s", sex=sex_label, age_group=AGE_GROUP_LABELS[group]),
                results, (sex, group), level=2))
    return table


def _coded_table(key, title, results, choices, total=True) -> Table:
    table = Table(key, title)
    if total:
        table.rows.append(Row(str(_l("Total")), *(sum(r.values()) for r in results), level=0))
    known = [code for code, _label in choices]
    for code, label in choices:
        table.rows.append(_row(label, results, code))
    others = sorted({code for result in results for code in result if code not in known})
    for code in others:  # codes no longer in the vocabulary still add up
        table.rows.append(_row(code, results, code))
    return table


def _group_table(sessions, attendees, head_counts) -> Table:
    table = Table("group_sessions", str(_l("Group sessions and people reached")))
    for kind, kind_label in GROUP_KINDS:
        table.rows.append(Row(
            str(_l("%(kind)s: sessions held", kind=kind_label)),
            *(result.get(kind, 0) for result in sessions), level=0))
        keys = [(kind, sex) for sex, _label in SEX]
        people = [sum(a.get(k, 0) + h.get(k, 0) for k in keys)
                  for a, h in zip(attendees, head_counts, strict=True)]
        table.rows.append(Row(str(_l("%(kind)s: people reached", kind=kind_label)), *people))
        table.rows.append(_sum_row(_l("%(kind)s: registered participants", kind=kind_label),
                                   attendees, keys, level=2))
        table.rows.append(_sum_row(_l("%(kind)s: counted without registering", kind=kind_label),
                                   head_counts, keys, level=2))
        for sex, sex_label in SEX:
            table.rows.append(Row(
                str(_l("%(kind)s: people reached, %(sex)s", kind=kind_label, sex=sex_label)),
                *(a.get((kind, sex), 0) + h.get((kind, sex), 0)
                  for a, h in zip(attendees, head_counts, strict=True)),
                level=2))
    return table


def _partner_table(results) -> Table:
    table = Table("referrals_by_partner", str(_l("Referrals made, by partner")))
    table.rows.append(Row(str(_l("Total")), *(sum(r.values()) for r in results), level=0))
    partners = sorted({key for result in results for key in result}, key=lambda k: (k[1], k[0]))
    for key in partners:
        table.rows.append(_row(key[1], results, key))
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


def monthly_statistics(actor: Actor, month: date, centre_id: int | None = None
                       ) -> MonthlyStatistics:
    """Every table for ``month`` (any day of it) at one centre, or all centres (admins)."""
    centres = statistics_centres(actor, centre_id)
    month = month_start(month)
    months = [month, add_months(month, -1), add_months(month, -12)]
    periods = [Period.of(m, centres) for m in months]

    follow = _three(periods, follow_ups)
    tables = [
        _sex_age_table("new_clients", str(_l("New clients registered")),
                       _three(periods, new_clients_by_sex_age)),
        _sex_age_table("clients_counselled", str(_l("Clients counselled (each person once)")),
                       _three(periods, counselled_clients_by_sex_age)),
        _sex_age_table("sessions", str(_l("Counselling sessions")),
                       _three(periods, sessions_by_sex_age)),
        _coded_table("sessions_by_channel", str(_l("Counselling sessions, by channel")),
                     _three(periods, sessions_by_channel), CHANNELS),
        # A session can have several topics: no total.
        _coded_table("sessions_by_topic", str(_l("Counselling sessions, by topic")),
                     _three(periods, sessions_by_topic), TOPICS, total=False),
        _group_table(_three(periods, group_sessions_by_kind),
                     _three(periods, group_attendees_by_kind_sex),
                     _three(periods, group_head_counts_by_kind_sex)),
        _coded_table("referrals_by_partner_kind", str(_l("Referrals made, by kind of partner")),
                     _three(periods, referrals_by_partner_kind), PARTNER_KINDS),
        _partner_table(_three(periods, referrals_by_partner)),
        _coded_table("referrals_by_service", str(_l("Referrals made, by service")),
                     _three(periods, referrals_by_service), SERVICES),
        _coded_table("referral_status",
                     str(_l("Referrals made in the month, by status at the month's end")),
                     _three(periods, referral_status_at_month_end), STATUSES),
        Table("outcomes", str(_l("Completed referrals and follow-ups")), [
            Row(str(_l("Referrals completed in the month")),
                *_three(periods, referrals_completed)),
            Row(str(_l("Follow-ups done in the month")), *(f["done"] for f in follow)),
            Row(str(_l("Follow-ups overdue at the month's end")), *(f["overdue"] for f in follow)),
        ]),
    ]
    return MonthlyStatistics(month=months[0], previous_month=months[1], year_ago_month=months[2],
                             centres=centres, tables=tables)


# ---------------------------------------------------------------------------------------------
# CSV export
# ---------------------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(actor: Actor, month: date, centre_id: int | None = None) -> str:
    """The statistics as CSV text (with BOM), one section per table; audited."""
    stats = monthly_statistics(actor, month, centre_id)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([neutralise(str(_l("Centre"))),
                     neutralise(", ".join(c.name for c in stats.centres))])
    writer.writerow([neutralise(str(_l("Month"))), stats.month.strftime("%Y-%m")])
    headers = [
        str(_l("This month (%(month)s)", month=format_date(stats.month, "MMMM yyyy"))),
        str(_l("Previous month (%(month)s)", month=format_date(stats.previous_month, "MMMM yyyy"))),
        str(_l("Change vs previous month")),
        str(_l("A year before (%(month)s)", month=format_date(stats.year_ago_month, "MMMM yyyy"))),
        str(_l("Change vs a year before")),
    ]
    for table in stats.tables:
        writer.writerow([])
        writer.writerow([neutralise(table.title)] + [neutralise(h) for h in headers])
        for row in table.rows:
            writer.writerow([neutralise(row.label), row.current, row.previous,
                             row.change_previous, row.year_ago, row.change_year])
    audit.record(actor, "export", object_type="statistics",
                 centre_id=centre_id or (actor.user.centre_id if actor.user.centre_id else None),
                 summary=f"month={stats.month:%Y-%m} centres="
                         + ",".join(c.code for c in stats.centres))
    db.session.commit()
    return out.getvalue()
