from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from mrc.database import UTCDateTime, utcnow
from mrc.extensions import db


class AuditEvent(db.Model):
    """One append-only line of the audit log. Never holds sensitive values themselves."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_centre_at", "centre_id", "at"),
        Index("ix_audit_events_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Kept as typed so that failed logins for unknown names and later renames stay readable.
    username: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(20), index=True)
    object_type: Mapped[str] = mapped_column(String(30), default="")
    object_id: Mapped[int | None] = mapped_column(Integer)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    remote_addr: Mapped[str] = mapped_column(String(45), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_changes(_mapper, _connection, target):
    raise AppendOnlyError("audit events are append-only")
