"""When each client was last active, kept on their row for the retention list.

A client is due for anonymisation once their centre's retention years have passed since their
last activity: their registration, a counselling session, a group session they attended, a
referral made for them or a change of its status. Worked out from the activity tables, that is
an aggregate over every record of a centre: the manager's retention page took 14 s for a centre
of 250,000 clients (benchmarks/pages.py on the national archive). So ``clients.last_activity_at``
keeps it, and the page reads one range of an index.

It is kept right in one place, as the statistics facts are (``mrc.stats.facts``): after every
flush, the clients whose activity rows were added, changed or removed are recomputed from the
activity tables by one UPDATE (``refresh_last_activity``). Statements that bypass the unit of
work (moving records on a merge and its undo, the archive generator) call it themselves.
``stale_count`` counts clients whose kept time differs from their records (tests;
``flask mrc last-activity --check``).
"""

from collections.abc import Iterable

import click
from flask.cli import with_appcontext
from sqlalchemy import event, func, select, type_coerce, update
from sqlalchemy import inspect as inspect_state
from sqlalchemy.orm import Session

from mrc.clients.models import Client
from mrc.counselling.models import CounsellingSession
from mrc.database import UTCDateTime, attribute_values, attributes_changed, id_chunks
from mrc.extensions import db
from mrc.group_sessions.models import GroupSession, GroupSessionAttendee
from mrc.progress import progressbar
from mrc.referrals.models import Referral, ReferralStatusChange

_clients = Client.__table__


def last_activity():
    """SQL of a ``clients`` row's last activity: the latest of its registration and of every
    activity recorded for it (each latest found through an index on the client's id)."""
    client_id = _clients.c.id
    latest = [
        select(func.max(CounsellingSession.held_at))
        .where(CounsellingSession.client_id == client_id),
        select(func.max(GroupSession.starts_at))
        .join(GroupSessionAttendee, GroupSessionAttendee.group_session_id == GroupSession.id)
        .where(GroupSessionAttendee.client_id == client_id),
        select(func.max(Referral.created_at)).where(Referral.client_id == client_id),
        select(func.max(ReferralStatusChange.changed_at))
        .join(Referral, Referral.id == ReferralStatusChange.referral_id)
        .where(Referral.client_id == client_id),
    ]
    # SQLite's max() of several values is NULL if one is; PostgreSQL's GREATEST skips NULLs.
    greatest = func.max if db.engine.dialect.name == "sqlite" else func.greatest
    return type_coerce(greatest(_clients.c.created_at,
                                *[func.coalesce(part.scalar_subquery(), _clients.c.created_at)
                                  for part in latest]), UTCDateTime())


def refresh_last_activity(connection, client_ids: Iterable[int]) -> None:
    """Recompute ``last_activity_at`` of ``client_ids`` (every client: the command, by range).

    ``connection``: a SQLAlchemy Connection or Session (the caller's transaction)."""
    statement = update(_clients).values(last_activity_at=last_activity())
    for chunk in id_chunks(client_ids):
        connection.execute(statement.where(_clients.c.id.in_(chunk)))


def refresh_last_activity_of_range(connection, first_client_id: int, end_client_id: int,
                                   progress=None, batch: int = 20_000) -> None:
    """Recompute ``last_activity_at`` of clients ``first_client_id`` up to (not including)
    ``end_client_id``, ``batch`` ids per statement, calling ``progress(n)`` after each."""
    for start in range(first_client_id, end_client_id, batch):
        stop = min(start + batch, end_client_id)
        connection.execute(update(_clients).values(last_activity_at=last_activity())
                           .where(_clients.c.id >= start, _clients.c.id < stop))
        if progress is not None:
            progress(stop - start)


def stale_count(connection) -> int:
    """How many clients' kept last activity differs from their records."""
    return connection.execute(
        select(func.count()).select_from(_clients)
        .where(_clients.c.last_activity_at.is_distinct_from(last_activity()))).scalar()


# For each kind of activity row: the columns that place it in a client's activity.
_ACTIVITY_COLUMNS = {
    CounsellingSession: ("client_id", "held_at"),
    GroupSessionAttendee: ("client_id",),
    Referral: ("client_id", "created_at"),
}


def _clients_touched(session: Session) -> set[int]:
    """Ids of the clients whose last activity this flush may change."""
    touched: set[int] = set()
    group_sessions: set[int] = set()
    referrals: set[int] = set()
    # A new client's last activity is their registration (the column's default).
    for instance in (*session.new, *session.dirty, *session.deleted):
        kind = type(instance)
        if kind not in _ACTIVITY_COLUMNS and kind not in (GroupSession, ReferralStatusChange):
            continue
        state = inspect_state(instance)
        added_or_removed = instance in session.new or instance in session.deleted
        if kind in _ACTIVITY_COLUMNS:
            if added_or_removed or attributes_changed(state, _ACTIVITY_COLUMNS[kind]):
                touched.update(attribute_values(state, "client_id"))
        elif kind is GroupSession:
            if instance in session.dirty and attributes_changed(state, ("starts_at",)):
                group_sessions.add(instance.id)
        elif added_or_removed or attributes_changed(state, ("changed_at", "referral_id")):
            referrals.update(attribute_values(state, "referral_id"))
    if group_sessions:
        touched.update(session.connection().execute(
            select(GroupSessionAttendee.client_id)
            .where(GroupSessionAttendee.group_session_id.in_(group_sessions))).scalars())
    if referrals:
        touched.update(session.connection().execute(
            select(Referral.client_id).where(Referral.id.in_(referrals))).scalars())
    touched.discard(None)
    return touched


def _after_flush(session: Session, _flush_context) -> None:
    touched = _clients_touched(session)
    if touched:
        refresh_last_activity(session.connection(), touched)


def install() -> None:
    """Keep ``last_activity_at`` right after every flush of every ORM session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


@click.command("last-activity")
@click.option("--check", is_flag=True,
              help="Only count the clients whose kept last activity is out of date; exit 1 "
                   "if any.")
@with_appcontext
def last_activity_command(check):
    """Recompute every client's last activity (kept for the retention list) from the records,
    after rows were written around the service (a bulk import, a restore by hand)."""
    if check:
        stale = stale_count(db.session)
        click.echo(f"{stale:,d} clients with an out-of-date last activity")
        raise SystemExit(1 if stale else 0)
    end = (db.session.scalar(select(func.max(_clients.c.id))) or 0) + 1
    with progressbar(length=end, label="Clients whose last activity is recomputed") as bar:
        refresh_last_activity_of_range(db.session, 0, end, progress=bar.update)
    db.session.commit()
    click.echo("Last activity recomputed.")
