"""Writing and reading the audit log."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, insert

from mrc.actor import Actor
from mrc.audit.models import AuditEvent
from mrc.extensions import db
from mrc.security import scoped

ACTION_LABELS = {
    "login": _l("Logged in"),
    "failed_login": _l("Failed login"),
    "logout": _l("Logged out"),
    "view": _l("Viewed"),
    "view_sensitive": _l("Viewed protected details"),
    "search": _l("Searched"),
    "create": _l("Created"),
    "update": _l("Changed"),
    "password_change": _l("Changed own password"),
    "deactivate": _l("Deactivated"),
    "activate": _l("Activated"),
    "export": _l("Exported"),
    "print": _l("Printed"),
    "publish": _l("Published"),
    "anonymise": _l("Anonymised"),
    "submit": _l("Submitted"),
    "merge": _l("Merged two records"),
    "unmerge": _l("Undid a merge"),
}
ACTIONS = tuple(ACTION_LABELS)

OBJECT_TYPE_LABELS = {
    "client": _l("Client"),
    "user": _l("User"),
    "centre": _l("Centre"),
    "counselling_session": _l("Counselling session"),
    "group_session": _l("Group session"),
    "partner": _l("Partner organisation"),
    "referral": _l("Referral"),
    "statistics": _l("Statistics"),
    "info_sheet": _l("Information sheet"),
    "sheet_print": _l("Sheet print"),
}


def record(
    actor: Actor | None,
    action: str,
    *,
    object_type: str = "",
    object_id: int | None = None,
    centre_id: int | None = None,
    summary: str = "",
    username: str | None = None,
    remote_addr: str | None = None,
) -> None:
    """Write an audit event in the current transaction (committed or rolled back with it).

    ``summary`` names what changed, never the sensitive values themselves. Written by one
    INSERT rather than through the unit of work: every read of a client record writes one,
    and flushing an added object cost a lookup by phone more than the lookup itself.
    """
    user = actor.user if actor else None
    db.session.execute(_INSERT_EVENT, {
        "user_id": user.id if user else None,
        "username": username if username is not None else (user.username if user else ""),
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "centre_id": centre_id if centre_id is not None else (user.centre_id if user else None),
        "remote_addr": (remote_addr if remote_addr is not None
                        else (actor.remote_addr if actor else ""))[:45],
        "summary": summary[:500],
    })


_INSERT_EVENT = insert(AuditEvent.__table__)


@dataclass
class AuditFilter:
    user_id: int | None = None
    centre_id: int | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    timezone: str = "UTC"


def filtered_events(actor: Actor, wanted: AuditFilter) -> Select:
    """Audit events the actor may see, newest first; dates are days in ``wanted.timezone``."""
    statement = scoped(AuditEvent, actor.user)
    if wanted.user_id:
        statement = statement.where(AuditEvent.user_id == wanted.user_id)
    if wanted.centre_id:
        statement = statement.where(AuditEvent.centre_id == wanted.centre_id)
    if wanted.action:
        statement = statement.where(AuditEvent.action == wanted.action)
    if wanted.object_type:
        statement = statement.where(AuditEvent.object_type == wanted.object_type)
    if wanted.object_id:
        statement = statement.where(AuditEvent.object_id == wanted.object_id)
    zone = ZoneInfo(wanted.timezone)
    if wanted.date_from:
        statement = statement.where(
            AuditEvent.at >= datetime.combine(wanted.date_from, time.min, zone)
        )
    if wanted.date_to:
        statement = statement.where(
            AuditEvent.at < datetime.combine(wanted.date_to + timedelta(days=1), time.min, zone)
        )
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
