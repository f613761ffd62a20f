from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.auth.models import User
from mrc.centres.models import Centre
from mrc.clients.models import Client
from mrc.database import UTCDateTime, utcnow
from mrc.extensions import db
from mrc.partners.models import Partner


class GroupSession(db.Model):
    """A pre-departure orientation, awareness session or outreach event run by a centre."""

    __tablename__ = "group_sessions"
    __table_args__ = (
        # The list is per centre, newest first.
        Index("ix_group_sessions_centre_starts_at", "centre_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(String(200))
    venue_type: Mapped[str] = mapped_column(String(20))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    facilitators: Mapped[str] = mapped_column(String(300), default="")
    topics: Mapped[str] = mapped_column(String(300), default="")  # space-separated codes
    destination_country: Mapped[str] = mapped_column(String(2), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    centre: Mapped[Centre] = relationship()
    partner: Mapped[Partner | None] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def topic_codes(self) -> list[str]:
        return self.topics.split() if self.topics else []

    def __repr__(self) -> str:
        return f"<GroupSession {self.id} {self.kind}>"


class GroupSessionAttendee(db.Model):
    """A registered client who attended a group session (``centre_id`` is the session's)."""

    __tablename__ = "group_session_attendees"
    __table_args__ = (UniqueConstraint("group_session_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    group_session_id: Mapped[int] = mapped_column(
        ForeignKey("group_sessions.id", ondelete="CASCADE")
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group_session: Mapped[GroupSession] = relationship()
    client: Mapped[Client] = relationship()


class GroupSessionHeadCount(db.Model):
    """People who took part without registering, counted by sex and (if known) age group.

    ``age_group`` NULL means "age not known". SQL treats NULLs as distinct in the unique
    constraint, so ``services.set_head_counts`` replaces a session's rows as a whole.
    """

    __tablename__ = "group_session_head_counts"
    __table_args__ = (UniqueConstraint("group_session_id", "sex", "age_group"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    group_session_id: Mapped[int] = mapped_column(
        ForeignKey("group_sessions.id", ondelete="CASCADE")
    )
    sex: Mapped[str] = mapped_column(String(12))
    age_group: Mapped[str | None] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(Integer)
