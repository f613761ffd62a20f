"""Facts of the client kept on each counselling session, for the statistics.

The monthly tables count counselling sessions and the people counselled by the client's sex,
age group on the day of the session and stated destination. Read from the client's row, that is
a join per session and a DISTINCT per person: on a national archive (a million clients, five
million sessions) it made one centre-month take seconds. So each session carries a copy:
``client_sex``, ``client_age_group`` (on the session's day), ``client_destination``, and
``client_previous_session_at`` (when the same client was counselled before, None for their first
session). "Each person once" in a period is then a plain count: the sessions of the period whose
previous session, if any, was before the period began.

The copies are kept right in one place: after every flush, the sessions of every client whose
record (sex, birth, destination) or sessions changed are recomputed from the clients table by one
UPDATE (``refresh_session_facts``). Statements that bypass the unit of work (moving sessions on a
merge, the archive generator) call it themselves. ``stale_session_count`` finds sessions whose
copies disagree with what they would be now (tests; ``flask mrc statistics-facts --check``).
"""

from collections.abc import Iterable

import click
from flask.cli import with_appcontext
from sqlalchemy import and_, case, event, extract, func, literal, or_, select, update
from sqlalchemy import inspect as inspect_state
from sqlalchemy.orm import Session

from mrc.clients.models import Client
from mrc.counselling.models import CounsellingSession
from mrc.database import attributes_changed, id_chunks
from mrc.extensions import db
from mrc.progress import progressbar

UNKNOWN = "unknown"
# The client fields the copies depend on: a change to any of them refreshes the client's sessions.
CLIENT_FIELDS = ("sex", "date_of_birth", "birth_year", "destination_country")


def age_group(at, date_of_birth, birth_year):
    """SQL CASE: the age-group code of a person born ``date_of_birth`` (or in ``birth_year``)
    on the (UTC) date of the timestamp ``at``; "unknown" when neither is known.
    Portable: EXTRACT compiles to strftime on SQLite."""
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


_sessions = CounsellingSession.__table__
_clients = Client.__table__
_earlier = _sessions.alias("earlier")


def _of_client(column):
    return select(column).where(_clients.c.id == _sessions.c.client_id).scalar_subquery()


def _current_facts() -> dict:
    """{column: SQL of its value now} for a row of ``counselling_sessions``."""
    return {
        # Not an edit of the session: its "last changed" (``onupdate``) stays.
        "updated_at": _sessions.c.updated_at,
        "client_sex": _of_client(_clients.c.sex),
        "client_age_group": _of_client(
            age_group(_sessions.c.held_at, _clients.c.date_of_birth, _clients.c.birth_year)),
        "client_destination": _of_client(_clients.c.destination_country),
        # Ties in time are broken by id, so that of two sessions at the same instant exactly one
        # is the first of a period.
        "client_previous_session_at": (
            select(func.max(_earlier.c.held_at))
            .where(_earlier.c.client_id == _sessions.c.client_id,
                   or_(_earlier.c.held_at < _sessions.c.held_at,
                       and_(_earlier.c.held_at == _sessions.c.held_at,
                            _earlier.c.id < _sessions.c.id)))
            .scalar_subquery()
        ),
    }


def refresh_session_facts(connection, client_ids: Iterable[int] | None = None) -> None:
    """Recompute the copies on the sessions of ``client_ids`` (None: of every session).

    ``connection``: a SQLAlchemy Connection or Session (the caller's transaction)."""
    statement = update(_sessions).values(**_current_facts())
    if client_ids is None:
        connection.execute(statement)
        return
    for chunk in id_chunks(client_ids):
        connection.execute(statement.where(_sessions.c.client_id.in_(chunk)))


def refresh_session_facts_of_range(connection, first_client_id: int = 0,
                                   end_client_id: int | None = None, progress=None,
                                   batch: int = 20_000) -> None:
    """Recompute the copies on the sessions of clients ``first_client_id`` up to (not
    including) ``end_client_id`` (None: the last), ``batch`` client ids per statement, calling
    ``progress(n)`` with the number of client ids done after each. For the CLI and the archive
    generator (a range scan instead of a list of ids)."""
    if end_client_id is None:
        end_client_id = (connection.execute(select(func.max(_clients.c.id))).scalar() or 0) + 1
    for start in range(first_client_id, end_client_id, batch):
        stop = min(start + batch, end_client_id)
        connection.execute(update(_sessions).values(**_current_facts()).where(
            _sessions.c.client_id >= start, _sessions.c.client_id < stop))
        if progress is not None:
            progress(stop - start)


def stale_session_count(connection) -> int:
    """How many sessions have copies that differ from what they would be now."""
    differs = or_(*[getattr(_sessions.c, column).is_distinct_from(value)
                    for column, value in _current_facts().items() if column != "updated_at"])
    return connection.execute(
        select(func.count()).select_from(_sessions).where(differs)).scalar()


def _clients_touched(session: Session) -> set[int]:
    """Ids of the clients whose sessions' copies this flush may change."""
    touched = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, CounsellingSession):
            state = inspect_state(instance)
            touched.add(instance.client_id if instance.client_id is not None
                        else getattr(instance.client, "id", None))
            touched.update(state.attrs.client_id.history.deleted or ())
        elif isinstance(instance, Client) and instance.id is not None:
            state = inspect_state(instance)
            if attributes_changed(state, CLIENT_FIELDS):
                touched.add(instance.id)
    touched.discard(None)
    return touched


def _after_flush(session: Session, _flush_context) -> None:
    touched = _clients_touched(session)
    if touched:
        refresh_session_facts(session.connection(), touched)


def install() -> None:
    """Keep the copies right after every flush of every ORM session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)


@click.command("statistics-facts")
@click.option("--check", is_flag=True,
              help="Only count the sessions whose copies are out of date; exit 1 if any.")
@with_appcontext
def statistics_facts_command(check):
    """Recompute the client facts on every counselling session (after a bulk import)."""
    if check:
        stale = stale_session_count(db.session)
        click.echo(f"{stale:,d} counselling sessions with out-of-date statistics facts")
        raise SystemExit(1 if stale else 0)
    end = (db.session.scalar(select(func.max(_clients.c.id))) or 0) + 1
    with progressbar(length=end, label="Clients whose sessions are refreshed") as bar:
        refresh_session_facts_of_range(db.session, 0, end, progress=bar.update)
    db.session.commit()
    click.echo("Statistics facts refreshed.")
