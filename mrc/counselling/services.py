"""Counselling sessions: log, view, edit with history, mark follow-ups done, and the lists of
follow-ups due for the home page.

Every function takes the acting user, scopes through ``mrc.security.scoped``, writes the audit
event and commits; on error nothing is saved.
"""

from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal_column, or_, select
from sqlalchemy.orm import joinedload

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import Role, User
from mrc.centres.services import centre_today
from mrc.clients.models import Client
from mrc.clients.services import counsellors_of
from mrc.counselling import choices, validation
from mrc.counselling.models import CounsellingSession, CounsellingSessionChange
from mrc.database import utcnow
from mrc.extensions import db
from mrc.i18n import isolate
from mrc.pagination import Page
from mrc.security import can_see_sensitive, find_scoped, scoped

OBJECT_TYPE = "counselling_session"
# Fields whose text is never copied into the history or the audit log.
PRIVATE_FIELDS = ("notes",)


@dataclass
class SessionData:
    """What a counsellor records about one session, already parsed by the form.

    ``held_at`` is time-zone aware; ``topics`` and ``pathways`` are lists of codes.
    """

    held_at: datetime
    counsellor_id: int
    channel: str
    duration_minutes: int
    topics: list[str]
    pathways: list[str] = field(default_factory=list)
    notes: str = ""
    follow_up_on: date | None = None

    @classmethod
    def from_session(cls, counselling: CounsellingSession) -> "SessionData":
        return cls(
            held_at=counselling.held_at,
            counsellor_id=counselling.counsellor_id,
            channel=counselling.channel,
            duration_minutes=counselling.duration_minutes,
            topics=counselling.topic_codes,
            pathways=counselling.pathway_codes,
            notes=counselling.notes,
            follow_up_on=counselling.follow_up_on,
        )


class SessionInvalid(ValueError):
    """The data breaks a rule. ``errors`` maps form field names to translated messages;
    ``field`` and ``message`` are the first of them."""

    def __init__(self, errors: dict):
        self.errors = errors
        self.field, self.message = next(iter(errors.items()))
        super().__init__(f"invalid: {', '.join(errors)}")


class NotAllowed(PermissionError):
    """The actor may see the session but not change it (403 in a view)."""


# --- who may do what ----------------------------------------------------------------------------

def may_read_notes(user: User, counselling: CounsellingSession) -> bool:
    """Notes are sensitive (``mrc.security.can_see_sensitive``): the client's assigned
    counsellor, managers of the centre, admins, and the counsellor who held the session."""
    return can_see_sensitive(user, counselling.client, author_id=counselling.counsellor_id)


def may_edit(user: User, counselling: CounsellingSession) -> bool:
    """Edits and follow-ups: the same people who may read the notes (the form shows them)."""
    return may_read_notes(user, counselling)


def _require_scope(user: User, model, object_id: int) -> None:
    if find_scoped(model, object_id, user) is None:
        raise LookupError(f"{model.__tablename__} {object_id} is not in the actor's scope")


# --- checking -------------------------------------------------------------------------------

def counsellor_choices(centre_id: int, *, keep: User | None = None) -> list[User]:
    """Who may be named as a session's counsellor: active counsellors and managers of the
    centre, plus ``keep`` (the saved counsellor, who may since have left)."""
    users = counsellors_of(centre_id)
    if keep is not None and keep not in users:
        users.append(keep)
    return users


def _in_vocabulary_order(codes: list[str], vocabulary) -> list[str]:
    order = {value: index for index, (value, _label) in enumerate(vocabulary)}
    return sorted(dict.fromkeys(codes), key=lambda code: (order.get(code, len(order)), code))


def _clean(data: SessionData) -> SessionData:
    """Minutes only (the form has no seconds), codes once each in the vocabulary's order."""
    return SessionData(
        held_at=data.held_at.replace(second=0, microsecond=0),
        counsellor_id=data.counsellor_id,
        channel=data.channel,
        duration_minutes=data.duration_minutes,
        topics=_in_vocabulary_order(data.topics, choices.TOPICS),
        pathways=_in_vocabulary_order(data.pathways, choices.PATHWAYS),
        notes=(data.notes or "").replace("\r\n", "\n").strip(),
        follow_up_on=data.follow_up_on,
    )


def check(client: Client, data: SessionData, *, previous: SessionData | None = None) -> None:
    """Raise ``SessionInvalid`` with every broken rule; ``previous`` is the saved session when
    editing (its unchanged time, follow-up date and counsellor stay acceptable)."""
    errors = {}

    def run(name, check_function, *args, **kwargs):
        try:
            check_function(*args, **kwargs)
        except ValueError as error:
            errors[name] = error.args[0]

    if data.held_at.tzinfo is None:
        raise ValueError("held_at must be time-zone aware")
    run("held_at", validation.check_held_at, data.held_at, now=utcnow(),
        previous=previous.held_at if previous else None)
    run("channel", validation.check_channel, data.channel)
    run("duration_minutes", validation.check_duration, data.duration_minutes)
    run("topics", validation.check_topics, data.topics)
    run("pathways", validation.check_pathways, data.pathways)
    run("notes", validation.check_notes, data.notes)
    run("follow_up_on", validation.check_follow_up, data.follow_up_on,
        today=centre_today(client.centre), previous=previous.follow_up_on if previous else None)
    allowed = {user.id for user in counsellors_of(client.centre_id)}
    if previous is not None:
        allowed.add(previous.counsellor_id)
    if data.counsellor_id not in allowed:
        errors["counsellor_id"] = _l("Choose a counsellor of the client's centre.")
    if errors:
        raise SessionInvalid(errors)


def _stored(value) -> str:
    """A field's value as kept in the history: codes, ISO dates, UTC times, ids."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _apply(counselling: CounsellingSession, data: SessionData) -> None:
    counselling.held_at = data.held_at
    counselling.counsellor_id = data.counsellor_id
    counselling.channel = data.channel
    counselling.duration_minutes = data.duration_minutes
    counselling.topics = " ".join(data.topics)
    counselling.pathways = " ".join(data.pathways)
    counselling.notes = data.notes
    counselling.follow_up_on = data.follow_up_on


def _note_visit(client: Client, held_at: datetime) -> None:
    if client.last_visit_at is None or held_at > client.last_visit_at:
        client.last_visit_at = held_at


# --- writing --------------------------------------------------------------------------------

def log_session(actor: Actor, client: Client, data: SessionData) -> CounsellingSession:
    """Record a session with ``client`` (who must be in the actor's scope).

    Raises ``SessionInvalid`` (nothing saved) and ``LookupError`` for a client out of scope.
    The client's last visit moves to the session's time when that is later.
    """
    _require_scope(actor.user, Client, client.id)
    data = _clean(data)
    check(client, data)
    counselling = CounsellingSession(
        centre_id=client.centre_id,
        client_id=client.id,
        created_by_id=actor.user.id,
    )
    _apply(counselling, data)
    db.session.add(counselling)
    _note_visit(client, data.held_at)
    db.session.flush()
    audit.record(actor, "create", object_type=OBJECT_TYPE, object_id=counselling.id,
                 centre_id=counselling.centre_id, summary=f"logged for client {client.id}")
    db.session.commit()
    return counselling


def update_session(actor: Actor, counselling: CounsellingSession, data: SessionData) -> list[str]:
    """Save an edit; returns the names of the changed fields (empty when nothing changed).

    Each changed field gets a history row; for the notes only the fact of the change is kept.
    A new follow-up date opens the follow-up again.
    Raises ``NotAllowed`` (not the session's counsellor, nor the client's, nor a manager),
    ``SessionInvalid`` and ``LookupError`` (out of scope); nothing is saved then.
    """
    _require_scope(actor.user, CounsellingSession, counselling.id)
    if not may_edit(actor.user, counselling):
        raise NotAllowed("only the counsellors of the session or client, or a manager")
    previous = SessionData.from_session(counselling)
    data = _clean(data)
    check(counselling.client, data, previous=previous)
    changed = [f.name for f in fields(SessionData)
               if getattr(previous, f.name) != getattr(data, f.name)]
    if not changed:
        return []
    now = utcnow()
    for name in changed:
        private = name in PRIVATE_FIELDS
        db.session.add(CounsellingSessionChange(
            session_id=counselling.id,
            centre_id=counselling.centre_id,
            field=name,
            old_value="" if private else _stored(getattr(previous, name)),
            new_value="" if private else _stored(getattr(data, name)),
            changed_by_id=actor.user.id,
            changed_at=now,
        ))
    _apply(counselling, data)
    if "follow_up_on" in changed:
        counselling.follow_up_done_at = None  # a new date is a new follow-up, still to do
    if "held_at" in changed:
        _note_visit(counselling.client, data.held_at)
    audit.record(actor, "update", object_type=OBJECT_TYPE, object_id=counselling.id,
                 centre_id=counselling.centre_id, summary="changed: " + ", ".join(changed))
    db.session.commit()
    return changed


def mark_follow_up_done(actor: Actor, counselling: CounsellingSession) -> bool:
    """Close the session's open follow-up; False when there was none open (nothing changes).

    Raises ``NotAllowed`` and ``LookupError`` like ``update_session``.
    """
    _require_scope(actor.user, CounsellingSession, counselling.id)
    if not may_edit(actor.user, counselling):
        raise NotAllowed("only the counsellors of the session or client, or a manager")
    if not counselling.follow_up_open:
        return False
    counselling.follow_up_done_at = utcnow()
    audit.record(actor, "update", object_type=OBJECT_TYPE, object_id=counselling.id,
                 centre_id=counselling.centre_id, summary="follow-up done")
    db.session.commit()
    return True


def view_session(actor: Actor, counselling: CounsellingSession) -> bool:
    """Record that the actor opened the session's page; True when the page may show the notes
    (``may_read_notes``), whose view is recorded as well (the field name, never the text)."""
    audit.record(actor, "view", object_type=OBJECT_TYPE, object_id=counselling.id,
                 centre_id=counselling.centre_id)
    with_notes = may_read_notes(actor.user, counselling)
    if with_notes:
        audit.record(actor, "view_sensitive", object_type=OBJECT_TYPE, object_id=counselling.id,
                     centre_id=counselling.centre_id, summary="fields: notes")
    db.session.commit()
    return with_notes


# --- reading --------------------------------------------------------------------------------

def history(counselling: CounsellingSession) -> list[CounsellingSessionChange]:
    """The session's changes, newest first."""
    return list(db.session.scalars(
        select(CounsellingSessionChange)
        .where(CounsellingSessionChange.session_id == counselling.id)
        .options(joinedload(CounsellingSessionChange.changed_by))
        .order_by(CounsellingSessionChange.changed_at.desc(), CounsellingSessionChange.id.desc())
    ))


def my_sessions(actor: Actor, *, page: int, per_page: int):
    """A page of the sessions the actor held, newest first."""
    statement = (
        scoped(CounsellingSession, actor.user)
        .where(CounsellingSession.counsellor_id == actor.user.id)
        .options(joinedload(CounsellingSession.client))
        .order_by(CounsellingSession.held_at.desc(), CounsellingSession.id.desc())
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def sessions_of_client(client: Client) -> list[CounsellingSession]:
    """Every session with the client, oldest first (the client is already in scope)."""
    return list(db.session.scalars(
        select(CounsellingSession)
        .where(CounsellingSession.client_id == client.id)
        .options(joinedload(CounsellingSession.counsellor))
        .order_by(CounsellingSession.held_at, CounsellingSession.id)
    ))


def _open_follow_ups(actor: Actor):
    """Follow-ups not done in the actor's scope, of clients who are not anonymised and have
    not withdrawn their consent to being contacted for follow-up (``mrc.clients.privacy``).

    Callers compare ``follow_up_on`` with a day, which leaves out sessions without a
    follow-up; a separate ``IS NOT NULL`` made SQLite read the index by it instead of by the
    day, every open follow-up of the centre."""
    from mrc.clients.privacy import follow_up_contact_allowed  # imported late: it imports us

    still_open = CounsellingSession.follow_up_done_at.is_(None)
    if actor.user.centre_id is None and db.engine.dialect.name == "sqlite":
        # Every centre's (an admin's): SQLite took "not done" for a rare condition and read
        # the open follow-ups through the index by centre and completion, skipping from
        # centre to centre, then sorted them all for the page and the capped count (0.9 s
        # for the admin's follow-ups on the 1M-client archive). Said to be common
        # (likelihood() only informs the planner), it walks the index of open follow-ups in
        # the page's order: 24 ms.
        still_open = func.likelihood(still_open, literal_column("0.9"))
    # Each session's client is probed (OFFSET 0 keeps PostgreSQL from making the EXISTS a
    # join; SQLite probes anyway). Joined, PostgreSQL hashed every client of every centre to
    # count a manager's open follow-ups per counsellor (1M clients read for Lahore's 59,000
    # follow-ups: 450 ms; probed, 150-200 ms).
    client_may_be_contacted = (
        select(literal_column("1"))
        .where(Client.id == CounsellingSession.client_id,
               Client.anonymised_at.is_(None),
               follow_up_contact_allowed())
        .offset(0)
        .exists())
    return scoped(CounsellingSession, actor.user).where(still_open, client_may_be_contacted)


def _for_counsellor(statement, user: User):
    """A counsellor's own sessions and the sessions of clients assigned to them.

    The assigned clients are a list the database makes once (by the index of clients by
    counsellor) and checks each session against: as an OR across sessions and clients,
    PostgreSQL joined every open follow-up of the centre to every client (1.8 s on the
    1M-client archive for a counsellor with no follow-ups open, now 0.18 s)."""
    assigned = select(Client.id).where(Client.assigned_counsellor_id == user.id)
    return statement.where(or_(CounsellingSession.counsellor_id == user.id,
                               CounsellingSession.client_id.in_(assigned)))


FOLLOW_UPS_PER_PAGE = 25
# Follow-ups left open pile up over the years (a national archive holds 100,000 of one
# centre's): overdue ones are counted up to this many, and listed in the pages it fills.
OVERDUE_COUNTED_UP_TO = 1000


# The order of the follow-up indexes, so that the database walks one and stops at the limit.
# follow_up_done_at (NULL in every row) is named so that PostgreSQL sees the order of the
# centre's index (centre, follow_up_on, follow_up_done_at, held_at); the index of all open
# follow-ups (follow_up_on, held_at, id) serves an admin's, of every centre.
_FOLLOW_UP_ORDER = (CounsellingSession.follow_up_on, CounsellingSession.follow_up_done_at,
                    CounsellingSession.held_at, CounsellingSession.id)


@dataclass
class FollowUpsDue:
    """One page of the open follow-ups due by today (those due today first, then the overdue
    ones, soonest-due first), how many are due today, and how many are overdue (counted up to
    ``OVERDUE_COUNTED_UP_TO``: ``overdue_more`` says there are more)."""

    page: Page
    due_today: int
    overdue: int
    overdue_more: bool = False


def follow_ups_due(actor: Actor, *, today: date, counsellor_id: int | None = None,
                   page: int = 1, per_page: int = FOLLOW_UPS_PER_PAGE) -> FollowUpsDue:
    """Open follow-ups due by ``today`` (the centre's date), a page of them and their counts.

    A counsellor gets their own sessions and those of clients assigned to them
    (``counsellor_id`` is ignored). Managers and admins get everything in their scope, or the
    sessions held by one counsellor when ``counsellor_id`` is given (as counted by
    ``follow_up_counts_by_counsellor``). Only the page shown is read, in the order of the
    follow-up index.
    """
    statement = _open_follow_ups(actor)
    if actor.user.role == Role.COUNSELLOR:
        statement = _for_counsellor(statement, actor.user)
    elif counsellor_id is not None:
        statement = statement.where(CounsellingSession.counsellor_id == counsellor_id)
    due = statement.where(CounsellingSession.follow_up_on == today)
    overdue = statement.where(CounsellingSession.follow_up_on < today)
    due_count = db.session.scalar(select(func.count()).select_from(due.subquery()))
    # Ordered like the follow-up index, so that PostgreSQL walks it and stops at the limit
    # (unordered, it chose to merge-join all sessions with all clients: 1 s instead of 26 ms).
    overdue_count = db.session.scalar(select(func.count()).select_from(
        overdue.with_only_columns(CounsellingSession.id)
        .order_by(*_FOLLOW_UP_ORDER)
        .limit(OVERDUE_COUNTED_UP_TO + 1).subquery()))
    overdue_more = overdue_count > OVERDUE_COUNTED_UP_TO
    overdue_count = min(overdue_count, OVERDUE_COUNTED_UP_TO)
    total = due_count + overdue_count
    page = min(max(page, 1), Page.count(total, per_page))
    start, end = (page - 1) * per_page, min(page * per_page, total)
    items = []
    for part, first, count in ((due, 0, due_count), (overdue, due_count, overdue_count)):
        # The rows of this part that fall on the page.
        offset, stop = max(start - first, 0), min(end - first, count)
        if stop > offset:
            items += db.session.scalars(
                part.options(joinedload(CounsellingSession.client),
                             joinedload(CounsellingSession.counsellor))
                .order_by(*_FOLLOW_UP_ORDER)
                .limit(stop - offset).offset(offset))
    return FollowUpsDue(Page(items, page, per_page, total), due_count, overdue_count,
                        overdue_more)


def follow_up_counts_by_counsellor(actor: Actor, *, today: date) -> list[tuple[User, int, int]]:
    """(counsellor, due today, overdue) for each counsellor of the actor's centre, by name.

    Counted in the database (GROUP BY the session's counsellor). Every active counsellor and
    manager of the centre appears, with zeros if need be, and so does anyone else who still
    has open follow-ups (someone who left). A counsellor gets their own row only; an admin
    without a centre gets the counsellors of every centre who have open follow-ups.
    """
    due_today = func.sum(case((CounsellingSession.follow_up_on == today, 1), else_=0))
    overdue = func.sum(case((CounsellingSession.follow_up_on < today, 1), else_=0))
    statement = (
        _open_follow_ups(actor)
        .where(CounsellingSession.follow_up_on <= today)
        .with_only_columns(CounsellingSession.counsellor_id, due_today, overdue,
                           maintain_column_froms=True)
        .group_by(CounsellingSession.counsellor_id)
    )
    user = actor.user
    if user.role == Role.COUNSELLOR:
        statement = statement.where(CounsellingSession.counsellor_id == user.id)
    counts = {row[0]: (int(row[1] or 0), int(row[2] or 0))
              for row in db.session.execute(statement)}
    if user.role == Role.COUNSELLOR:
        people = [user]
    else:
        people = counsellors_of(user.centre_id) if user.centre_id else []
    missing = set(counts) - {person.id for person in people}
    if missing:
        people += db.session.scalars(select(User).where(User.id.in_(missing)))
    people.sort(key=lambda person: (person.display_name.casefold(), person.id))
    return [(person, *counts.get(person.id, (0, 0))) for person in people]


def timeline_entries(client: Client):
    """The client's sessions for the timeline on the client's page (no notes)."""
    from flask import url_for
    from flask_babel import format_decimal
    from flask_babel import gettext as _

    from mrc.clients.timeline import TimelineEntry

    return [
        TimelineEntry(
            at=counselling.held_at,
            kind="counselling",
            text=_("Counselling by %(name)s (%(channel)s, %(minutes)s min)",
                   name=isolate(counselling.counsellor.display_name),
                   channel=choices.label_for(choices.CHANNELS, counselling.channel),
                   minutes=format_decimal(counselling.duration_minutes)),
            url=url_for("counselling.show", counselling_id=counselling.id),
        )
        for counselling in sessions_of_client(client)
    ]
