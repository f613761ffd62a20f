"""Merging two records of the same person, and undoing a merge.

A manager merges a duplicate into the record that stays (the survivor): counselling sessions,
referrals, group attendances and sheet prints move to the survivor; the duplicate is kept as a
redirect (``Client.merged_into_id``) without search keys of its own: its keys become the
survivor's, so searches and duplicate warnings find the person (once) by what either record
had, while the duplicate's reference still leads to the person. Every changed row is listed
in ``ClientMergeMove`` so that an admin can undo the merge exactly. Both steps are audited.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select, update

from mrc.actor import Actor
from mrc.audit import services as audit
from mrc.auth.models import Role
from mrc.clients.activity import refresh_last_activity
from mrc.clients.models import Client, ClientMerge, ClientMergeMove, ClientSearchKey
from mrc.clients.services import refresh_search_keys
from mrc.database import utcnow
from mrc.errors import FieldError
from mrc.extensions import db
from mrc.security import find_scoped, scoped
from mrc.stats.rollup import clients_records_moved


class MergeRefused(FieldError):
    """The merge (or its undo) cannot be done; the message says why, beside ``field``."""


def _attendance_model():
    from mrc.group_sessions.models import GroupSessionAttendee

    return GroupSessionAttendee


def _moving_models() -> list:
    """Models whose rows belong to a client and simply move to the survivor."""
    from mrc.counselling.models import CounsellingSession
    from mrc.referrals.models import Referral
    from mrc.sheets.models import SheetPrint

    return [CounsellingSession, Referral, SheetPrint]


def may_merge(actor: Actor) -> bool:
    return actor.user.role in (Role.MANAGER, Role.ADMIN)


def find_duplicate_record(actor: Actor, survivor: Client, reference: str) -> Client:
    """The record (by reference) to merge into ``survivor``, checked; raises MergeRefused."""
    reference = (reference or "").strip().upper()
    other = db.session.scalar(scoped(Client, actor.user).where(Client.reference == reference))
    if other is None:
        raise MergeRefused("reference", _l("No client with this reference in your centre."))
    if other.id == survivor.id:
        raise MergeRefused("reference", _l("This is the record you are on: give the other one."))
    if other.merged_into_id is not None:
        raise MergeRefused("reference", _l("That record was already merged into another one."))
    if other.anonymised_at is not None or survivor.anonymised_at is not None:
        raise MergeRefused("reference", _l("Anonymised records cannot be merged."))
    if other.centre_id != survivor.centre_id:
        raise MergeRefused("reference", _l("Only records of the same centre can be merged."))
    return other


def activity_counts(client: Client) -> dict[str, int]:
    """How many rows of each kind would move with ``client`` (shown before confirming)."""
    counts = {}
    for model in [*_moving_models(), _attendance_model()]:
        counts[model.__tablename__] = db.session.scalar(
            select(db.func.count()).select_from(model).where(model.client_id == client.id))
    return counts


def _records_moved(survivor: Client, duplicate: Client) -> None:
    """Rows moved between the two by statement, not through the unit of work: what is kept
    from them (the statistics, each client's last activity) is recomputed."""
    clients_records_moved(db.session, [survivor.id, duplicate.id])
    refresh_last_activity(db.session, [survivor.id, duplicate.id])


def merge_clients(actor: Actor, survivor: Client, duplicate: Client) -> ClientMerge:
    """Move everything of ``duplicate`` to ``survivor`` and make ``duplicate`` a redirect."""
    if not may_merge(actor):
        raise MergeRefused("reference", _l("Only managers can merge records."))
    duplicate = find_duplicate_record(actor, survivor, duplicate.reference)
    if find_scoped(Client, survivor.id, actor.user) is None:
        raise MergeRefused("reference", _l("No client with this reference in your centre."))
    merge = ClientMerge(survivor_id=survivor.id, merged_id=duplicate.id,
                        merged_by_id=actor.user.id, merged_at=utcnow())
    db.session.add(merge)
    db.session.flush()
    moves = []
    for model in _moving_models():
        ids = list(db.session.scalars(select(model.id).where(model.client_id == duplicate.id)))
        if ids:
            db.session.execute(update(model).where(model.id.in_(ids))
                               .values(client_id=survivor.id))
            moves += [{"merge_id": merge.id, "table_name": model.__tablename__, "row_id": i,
                       "action": "moved"} for i in ids]
    attendee = _attendance_model()
    attended = set(db.session.scalars(
        select(attendee.group_session_id).where(attendee.client_id == survivor.id)))
    for row in db.session.scalars(select(attendee).where(attendee.client_id == duplicate.id)):
        # Both records attended the same session: one person, one attendance.
        action = "dropped" if row.group_session_id in attended else "moved"
        moves.append({"merge_id": merge.id, "table_name": attendee.__tablename__,
                      "row_id": row.id, "action": action,
                      "group_session_id": row.group_session_id})
    dropped = [m["row_id"] for m in moves if m["action"] == "dropped"]
    if dropped:
        db.session.execute(delete(attendee).where(attendee.id.in_(dropped)))
    db.session.execute(
        update(attendee).where(attendee.client_id == duplicate.id).values(client_id=survivor.id))
    if moves:
        db.session.execute(insert(ClientMergeMove), moves)
    _records_moved(survivor, duplicate)
    duplicate.merged_into_id = survivor.id
    db.session.execute(delete(ClientSearchKey).where(ClientSearchKey.client_id == duplicate.id))
    refresh_search_keys(survivor)  # now with the duplicate's keys
    survivor.last_visit_at = max(survivor.last_visit_at, duplicate.last_visit_at)
    summary = f"merged {duplicate.reference} into {survivor.reference}; {len(moves)} rows"
    for client in (survivor, duplicate):
        audit.record(actor, "merge", object_type="client", object_id=client.id,
                     centre_id=client.centre_id, summary=summary)
    db.session.commit()
    return merge


def undo_merge(actor: Actor, merge: ClientMerge) -> None:
    """Put every moved row back on the duplicate, restore dropped attendances, make the
    duplicate a record of its own again (with its search keys). Admins only."""
    if actor.user.role != Role.ADMIN:
        raise MergeRefused("merge", _l("Only admins can undo a merge."))
    if merge.undone_at is not None:
        raise MergeRefused("merge", _l("This merge was undone already."))
    duplicate, survivor = merge.merged, merge.survivor
    tables = {model.__tablename__: model for model in [*_moving_models(), _attendance_model()]}
    attendee = _attendance_model()
    for move in merge.moves:
        model = tables[move.table_name]
        if move.action == "moved":
            db.session.execute(update(model).where(model.id == move.row_id)
                               .values(client_id=duplicate.id))
        else:
            db.session.execute(insert(attendee).values(
                id=move.row_id, centre_id=survivor.centre_id,
                group_session_id=move.group_session_id, client_id=duplicate.id,
                added_by_id=merge.merged_by_id, added_at=merge.merged_at))
    _records_moved(survivor, duplicate)
    duplicate.merged_into_id = None
    refresh_search_keys(duplicate)
    refresh_search_keys(survivor)  # without the duplicate's keys
    merge.undone_at = utcnow()
    merge.undone_by_id = actor.user.id
    summary = f"undid merge of {duplicate.reference} into {survivor.reference}"
    for client in (survivor, duplicate):
        audit.record(actor, "unmerge", object_type="client", object_id=client.id,
                     centre_id=client.centre_id, summary=summary)
    db.session.commit()


def merges_page(actor: Actor, *, page: int, per_page: int):
    """Merges in the actor's scope (the survivor's centre), newest first.

    Each merge's survivor is looked up in scope (one probe per merge): as "survivor among the
    clients in scope", SQLite listed every client of the centre first (0.1-0.3 s on a million
    clients, with no merge at all)."""
    survivor_in_scope = (scoped(Client, actor.user)
                         .where(Client.id == ClientMerge.survivor_id).exists())
    statement = (
        select(ClientMerge)
        .where(survivor_in_scope)
        .order_by(ClientMerge.merged_at.desc(), ClientMerge.id.desc())
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)
