"""Group sessions and their attendance: create, update, view, add and remove attendees, head
counts, totals and the printed attendance sheet.

Every function takes the acting user, scopes through ``mrc.security.scoped``, writes the audit
event and commits (or leaves nothing behind on error).
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.centres.models import Centre
from mrc.centres.services import centre_now
from mrc.clients import services as registry
from mrc.clients.models import Client
from mrc.database import commit_keeping_loaded
from mrc.errors import FieldError
from mrc.extensions import db
from mrc.group_sessions import choices
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee, GroupSessionHeadCount
from mrc.partners.models import Partner
from mrc.security import find_scoped, scoped
from mrc.stats import rollup

MAX_MATCHES = 10
MAX_HEAD_COUNT = 100_000


@dataclass
class GroupSessionData:
    """What a counsellor types about a group session, already validated by the form."""

    kind: str
    starts_at: datetime  # time-zone aware
    venue: str
    venue_type: str
    partner_id: int | None = None
    facilitators: str = ""
    topics: str = ""  # space-separated codes
    destination_country: str = ""
    notes: str = ""

    @classmethod
    def from_group_session(cls, group_session: GroupSession) -> "GroupSessionData":
        return cls(**{f.name: getattr(group_session, f.name) for f in fields(cls)})


class GroupSessionError(FieldError):
    """Input the service refuses; ``field`` names the form field the message belongs beside."""


class NotInCentre(LookupError):
    """The client belongs to another centre than the session (the view answers 404)."""


# --- time -------------------------------------------------------------------------------------

def local_start(centre: Centre, day: date, at: time) -> datetime:
    """A date and time typed in the centre's local time, as an aware datetime."""
    return datetime.combine(day, at, ZoneInfo(centre.timezone))


def local_parts(group_session: GroupSession) -> tuple[date, time]:
    """The session's start as a date and a time in its centre's local time."""
    local = group_session.starts_at.astimezone(ZoneInfo(group_session.centre.timezone))
    return local.date(), local.time().replace(second=0, microsecond=0, tzinfo=None)


# --- sessions ---------------------------------------------------------------------------------

def partners_for(actor: Actor) -> list[Partner]:
    """Partner organisations the actor may choose: the ones visible to them, active first."""
    statement = scoped(Partner, actor.user).order_by(Partner.active.desc(), Partner.name)
    return list(db.session.scalars(statement))


def _check(actor: Actor, data: GroupSessionData) -> None:
    if data.kind not in dict(choices.KINDS):
        raise GroupSessionError("kind", _l("Choose the kind of session."))
    if data.venue_type not in dict(choices.VENUE_TYPES):
        raise GroupSessionError("venue_type", _l("Choose the type of venue."))
    if not data.venue.strip():
        raise GroupSessionError("venue", _l("Enter where the session takes place."))
    if data.starts_at.tzinfo is None:
        raise ValueError("naive start time")
    if data.kind == choices.PDO and not data.destination_country:
        raise GroupSessionError(
            "destination_country",
            _l("Choose the destination country of the pre-departure orientation."),
        )
    unknown_topics = set(data.topics.split()) - set(dict(choices.TOPICS))
    if unknown_topics:
        raise GroupSessionError("topics", _l("Choose topics from the list."))
    if data.partner_id is not None:
        if find_scoped(Partner, data.partner_id, actor.user) is None:
            raise GroupSessionError("partner_id",
                                    _l("Choose a partner organisation from the list."))


def _apply(group_session: GroupSession, data: GroupSessionData) -> list[str]:
    changed = []
    for f in fields(GroupSessionData):
        value = getattr(data, f.name)
        if isinstance(value, str):
            value = value.strip()
        if getattr(group_session, f.name) != value:
            setattr(group_session, f.name, value)
            changed.append(f.name)
    return changed


def create_group_session(actor: Actor, data: GroupSessionData) -> GroupSession:
    """Record a session at the actor's centre.

    Raises ``GroupSessionError`` (with the field it concerns) for refused input, and for users
    without a centre (``field`` None). Nothing is saved then.
    """
    user = actor.user
    if user.centre is None:
        raise GroupSessionError(None, _l("Only staff of a centre can record group sessions."))
    _check(actor, data)
    group_session = GroupSession(centre_id=user.centre_id, created_by_id=user.id)
    _apply(group_session, data)
    db.session.add(group_session)
    db.session.flush()
    audit.record(actor, "create", object_type="group_session", object_id=group_session.id,
                 centre_id=group_session.centre_id, summary="created")
    db.session.commit()
    return group_session


def update_group_session(actor: Actor, group_session: GroupSession,
                         data: GroupSessionData) -> list[str]:
    """Save changes to a session the actor can see; returns the names of the changed fields."""
    _check(actor, data)
    changed = _apply(group_session, data)
    if changed:
        if "starts_at" in changed:
            for attendee in _attendee_rows(actor, group_session):
                _note_visit(attendee.client, group_session)
        # Field names only: venue, facilitators and notes are free text.
        audit.record(actor, "update", object_type="group_session", object_id=group_session.id,
                     centre_id=group_session.centre_id, summary="changed: " + ", ".join(changed))
    db.session.commit()
    return changed


def view_group_session(actor: Actor, group_session: GroupSession) -> None:
    """Record that the actor opened the session's page (it lists clients by name)."""
    audit.record(actor, "view", object_type="group_session", object_id=group_session.id,
                 centre_id=group_session.centre_id)
    db.session.commit()


def record_sheet_print(actor: Actor, group_session: GroupSession) -> None:
    """Record that the actor opened the printable attendance sheet."""
    audit.record(actor, "view", object_type="group_session", object_id=group_session.id,
                 centre_id=group_session.centre_id, summary="attendance sheet")
    db.session.commit()


def list_group_sessions(actor: Actor, *, kind: str | None = None, page: int, per_page: int):
    """A page of the sessions the actor may see, newest first, optionally of one kind."""
    statement = scoped(GroupSession, actor.user)
    if kind:
        statement = statement.where(GroupSession.kind == kind)
    statement = statement.order_by(GroupSession.starts_at.desc(), GroupSession.id.desc())
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def upcoming_group_sessions(actor: Actor, limit: int = 5) -> list[GroupSession]:
    """Sessions from the start of today (the centre's local day) on, soonest first."""
    centre = actor.user.centre
    if centre is None:
        return []
    start_of_day = centre_now(centre).replace(hour=0, minute=0, second=0, microsecond=0)
    statement = (
        scoped(GroupSession, actor.user)
        .where(GroupSession.starts_at >= start_of_day)
        .order_by(GroupSession.starts_at, GroupSession.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


# --- attendance -------------------------------------------------------------------------------

def _attendee_rows(actor: Actor, group_session: GroupSession) -> list[GroupSessionAttendee]:
    statement = (
        scoped(GroupSessionAttendee, actor.user)
        .join(Client, Client.id == GroupSessionAttendee.client_id)
        .where(GroupSessionAttendee.group_session_id == group_session.id)
        .order_by(Client.given_name, Client.family_name, Client.id)
    )
    return list(db.session.scalars(statement))


def attendees(actor: Actor, group_session: GroupSession) -> list[Client]:
    """The registered clients who attended, by name."""
    return [row.client for row in _attendee_rows(actor, group_session)]


def _note_visit(client: Client, group_session: GroupSession) -> None:
    if client.last_visit_at is None or client.last_visit_at < group_session.starts_at:
        client.last_visit_at = group_session.starts_at


def is_attending(group_session: GroupSession, client: Client) -> bool:
    return db.session.scalar(
        select(GroupSessionAttendee.id).where(
            GroupSessionAttendee.group_session_id == group_session.id,
            GroupSessionAttendee.client_id == client.id,
        )
    ) is not None


def add_attendee(actor: Actor, group_session: GroupSession, client: Client) -> bool:
    """Put a registered client on the session's attendance; False if they were on it already.

    The client must be one the actor can see (the view fetches it scoped) and belong to the
    session's centre, else ``NotInCentre``. The client's last visit becomes the session's start
    when that is later.
    """
    if client.centre_id != group_session.centre_id:
        raise NotInCentre(client.id)
    if is_attending(group_session, client):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(GroupSessionAttendee(
                centre_id=group_session.centre_id,
                group_session_id=group_session.id,
                client_id=client.id,
                added_by_id=actor.user.id,
            ))
    except IntegrityError:  # added by another request at the same moment
        return False
    _note_visit(client, group_session)
    audit.record(actor, "update", object_type="group_session", object_id=group_session.id,
                 centre_id=group_session.centre_id, summary="attendee added")
    db.session.commit()
    return True


def remove_attendee(actor: Actor, group_session: GroupSession, client_id: int) -> Client | None:
    """Take a client off the attendance; the client, or None if they were not on it."""
    row = db.session.scalar(
        scoped(GroupSessionAttendee, actor.user).where(
            GroupSessionAttendee.group_session_id == group_session.id,
            GroupSessionAttendee.client_id == client_id,
        )
    )
    if row is None:
        return None
    client = row.client
    db.session.delete(row)
    audit.record(actor, "update", object_type="group_session", object_id=group_session.id,
                 centre_id=group_session.centre_id, summary="attendee removed")
    db.session.commit()
    return client


def add_registered_client(actor: Actor, group_session_id, client: Client) -> GroupSession | None:
    """After registering ``client`` from a session's page, put them on its attendance.

    ``group_session_id`` comes from the registration form as typed; a session the actor cannot
    see, or of another centre, is ignored (None): the registration itself has succeeded.
    """
    try:
        wanted = int(str(group_session_id).strip())
    except ValueError:
        return None
    group_session = find_scoped(GroupSession, wanted, actor.user)
    if group_session is None or group_session.centre_id != client.centre_id:
        return None
    add_attendee(actor, group_session, client)
    return group_session


@dataclass
class Match:
    client: Client
    attending: bool


def find_clients(actor: Actor, group_session: GroupSession, term: str,
                 limit: int = MAX_MATCHES) -> list[Match] | None:
    """Clients of the session's centre matching ``term`` (registry search), at most ``limit``.

    None when the term holds nothing to search for. The search is audited without the term.
    """
    plan = registry.search_plan(term or "", group_session.centre.country,
                                centre_id=group_session.centre_id)
    if plan is None:
        return None
    in_centre = (scoped(Client, actor.user)
                 .where(Client.anonymised_at.is_(None),
                        Client.centre_id == group_session.centre_id))
    if plan.spelled_too_common():
        found, total = [], registry.SEARCH_MATCH_LIMIT + 1
    else:
        rows = db.session.execute(
            in_centre.where(plan.condition).add_columns(func.count().over())
            .order_by(*plan.order_by).limit(limit),
            plan.parameters,
        ).all()
        found = [client for client, _total in rows]
        total = rows[0][1] if rows else 0
    if plan.walks_to_those_seen_last(total):
        # As in the registry's search: which people the lookup gathered of a name more have
        # is arbitrary; those seen last of all who have it come first instead.
        recent, parameters = plan.recently_seen(limit=limit)
        found = list(db.session.scalars(
            in_centre.where(Client.id.in_(select(recent.c.client_id)))
            .order_by(Client.last_visit_at.desc(), Client.id.desc()),
            parameters))
    attending = set(db.session.scalars(
        select(GroupSessionAttendee.client_id).where(
            GroupSessionAttendee.group_session_id == group_session.id,
            GroupSessionAttendee.client_id.in_([client.id for client in found]),
        )
    )) if found else set()
    # Never the term itself: it is personal data.
    audit.record(actor, "search", object_type="client", centre_id=group_session.centre_id,
                 summary=f"attendees of group session {group_session.id} by {plan.kind}; "
                         f"{len(found)} found")
    commit_keeping_loaded(db.session, found)
    return [Match(client, client.id in attending) for client in found]


# --- head counts and totals -------------------------------------------------------------------

HeadCountKey = tuple[str, str | None]  # (sex, age group or None for "not known")


def head_count_keys() -> list[HeadCountKey]:
    ages = [None] + [value for value, _label in choices.AGE_GROUPS]
    return [(sex, age) for age in ages for sex, _label in choices.HEAD_COUNT_SEXES]


def head_counts(group_session: GroupSession) -> dict[HeadCountKey, int]:
    rows = db.session.execute(
        select(GroupSessionHeadCount.sex, GroupSessionHeadCount.age_group,
               GroupSessionHeadCount.count)
        .where(GroupSessionHeadCount.group_session_id == group_session.id)
    ).all()
    return {(sex, age): count for sex, age, count in rows}


def set_head_counts(actor: Actor, group_session: GroupSession,
                    counts: dict[HeadCountKey, int]) -> bool:
    """Replace the session's head counts with ``counts``; True if anything changed.

    Keys not given count as zero. Raises ``GroupSessionError`` for an unknown sex or age group
    or a count that is not a whole number from 0 to 100,000; nothing is saved then.
    """
    allowed = set(head_count_keys())
    wanted = {}
    for key, count in counts.items():
        if key not in allowed:
            raise GroupSessionError(None, _l("Unknown sex or age group."))
        if isinstance(count, bool) or not isinstance(count, int) or not (
                0 <= count <= MAX_HEAD_COUNT):
            raise GroupSessionError(None, _l("Enter a number of people, 0 or more."))
        if count:
            wanted[key] = count
    if wanted == head_counts(group_session):
        return False
    db.session.execute(delete(GroupSessionHeadCount).where(
        GroupSessionHeadCount.group_session_id == group_session.id))
    # Deleted by statement, not through the unit of work: the month's statistics are redone.
    rollup.forget_moment(db.session, group_session.centre_id, group_session.starts_at)
    for (sex, age_group), count in wanted.items():
        db.session.add(GroupSessionHeadCount(
            centre_id=group_session.centre_id, group_session_id=group_session.id,
            sex=sex, age_group=age_group, count=count,
        ))
    audit.record(actor, "update", object_type="group_session", object_id=group_session.id,
                 centre_id=group_session.centre_id, summary="head counts changed")
    db.session.commit()
    return True


@dataclass
class TotalsRow:
    sex: str
    registered: int
    counted: int

    @property
    def total(self) -> int:
        return self.registered + self.counted


@dataclass
class Totals:
    rows: list[TotalsRow]

    @property
    def registered(self) -> int:
        return sum(row.registered for row in self.rows)

    @property
    def counted(self) -> int:
        return sum(row.counted for row in self.rows)

    @property
    def total(self) -> int:
        return self.registered + self.counted

    def by_sex(self) -> dict[str, int]:
        return {row.sex: row.total for row in self.rows}


def participant_totals(group_session: GroupSession) -> Totals:
    """Registered attendees plus head counts, by sex (computed by SQL aggregation).

    Female, male and other always appear; "not stated" only when a registered attendee is.
    """
    registered = dict(db.session.execute(
        select(Client.sex, func.count())
        .join(GroupSessionAttendee, GroupSessionAttendee.client_id == Client.id)
        .where(GroupSessionAttendee.group_session_id == group_session.id)
        .group_by(Client.sex)
    ).all())
    counted = dict(db.session.execute(
        select(GroupSessionHeadCount.sex, func.sum(GroupSessionHeadCount.count))
        .where(GroupSessionHeadCount.group_session_id == group_session.id)
        .group_by(GroupSessionHeadCount.sex)
    ).all())
    sexes = [sex for sex, _label in choices.HEAD_COUNT_SEXES]
    sexes += [sex for sex in registered if sex not in sexes]
    return Totals([TotalsRow(sex, int(registered.get(sex, 0)), int(counted.get(sex, 0) or 0))
                   for sex in sexes])


def participant_counts(group_sessions: list[GroupSession]) -> dict[int, int]:
    """Total participants (registered + counted) of each given session, in two queries."""
    ids = [group_session.id for group_session in group_sessions]
    if not ids:
        return {}
    totals = dict.fromkeys(ids, 0)
    for session_id, number in db.session.execute(
        select(GroupSessionAttendee.group_session_id, func.count())
        .where(GroupSessionAttendee.group_session_id.in_(ids))
        .group_by(GroupSessionAttendee.group_session_id)
    ):
        totals[session_id] += int(number)
    for session_id, number in db.session.execute(
        select(GroupSessionHeadCount.group_session_id, func.sum(GroupSessionHeadCount.count))
        .where(GroupSessionHeadCount.group_session_id.in_(ids))
        .group_by(GroupSessionHeadCount.group_session_id)
    ):
        totals[session_id] += int(number or 0)
    return totals
