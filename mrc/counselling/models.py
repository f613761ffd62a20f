from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.auth.models import User
from mrc.clients.models import Client
from mrc.database import UTCDateTime, utcnow
from mrc.extensions import db


class CounsellingSession(db.Model):
    """One individual counselling session with one client.

    Scoped by ``centre_id``, the client's centre (copied from the client so that
    ``mrc.security.scoped`` needs no join). ``notes`` are sensitive: see
    ``mrc.counselling.services.may_read_notes``.
    """

    __tablename__ = "counselling_sessions"
    __table_args__ = (
        # "My sessions", newest first.
        Index("ix_counselling_sessions_counsellor_held_at", "counsellor_id", "held_at"),
        # Open follow-ups of a centre by due date (home page); with the other two columns it
        # also covers the statistics' follow-up sums (an index-only scan, no table rows).
        Index("ix_counselling_sessions_centre_follow_up", "centre_id", "follow_up_on",
              "follow_up_done_at", "held_at"),
        # Statistics: sessions held at a centre in a month, with the client's facts, so that
        # the monthly tables read the index alone (no join to clients, no table rows).
        Index("ix_counselling_sessions_centre_held_at", "centre_id", "held_at"),
        Index("ix_counselling_sessions_statistics", "centre_id", "held_at", "client_sex",
              "client_age_group", "client_previous_session_at", "client_destination",
              "channel", "topics"),
        # Statistics: follow-ups done in a month, and those still open at its end.
        Index("ix_counselling_sessions_centre_follow_up_done", "centre_id", "follow_up_done_at",
              "follow_up_on", "held_at"),
        # The client's sessions in order (their previous session, the timeline).
        Index("ix_counselling_sessions_client_held_at", "client_id", "held_at"),
        # Open follow-ups of every centre by due date (an admin's home page): only the open
        # ones, a small share of all sessions.
        Index("ix_counselling_sessions_open_follow_ups", "follow_up_on", "held_at", "id",
              sqlite_where=text("follow_up_done_at IS NULL AND follow_up_on IS NOT NULL"),
              postgresql_where=text("follow_up_done_at IS NULL AND follow_up_on IS NOT NULL")),
        # Open follow-ups of a centre with their counsellor and client (a manager's counts per
        # counsellor): PostgreSQL reads them from the index alone.
        Index("ix_counselling_sessions_open_follow_ups_by_centre", "centre_id", "follow_up_on",
              "counsellor_id", "client_id",
              sqlite_where=text("follow_up_done_at IS NULL AND follow_up_on IS NOT NULL"),
              postgresql_where=text("follow_up_done_at IS NULL AND follow_up_on IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    topics: Mapped[str] = mapped_column(String(300))  # space-separated codes
    pathways: Mapped[str] = mapped_column(String(200), default="")  # space-separated codes
    notes: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Facts of the client kept on the session for the statistics (``mrc.stats.facts`` keeps
    # them right after every flush): sex, age group on the day of the session, stated
    # destination, and when the client's previous session was held (None for the first), so
    # that "each person once" is a count of sessions, not a DISTINCT over a join.
    client_sex: Mapped[str] = mapped_column(String(12), server_default="")
    client_age_group: Mapped[str] = mapped_column(String(8), server_default="")
    client_destination: Mapped[str] = mapped_column(String(2), server_default="")
    client_previous_session_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client] = relationship()
    counsellor: Mapped[User] = relationship(foreign_keys=[counsellor_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    changes: Mapped[list["CounsellingSessionChange"]] = relationship(
        back_populates="counselling", order_by="CounsellingSessionChange.id"
    )

    @property
    def topic_codes(self) -> list[str]:
        return self.topics.split() if self.topics else []

    @property
    def pathway_codes(self) -> list[str]:
        return self.pathways.split() if self.pathways else []

    @property
    def follow_up_open(self) -> bool:
        return self.follow_up_on is not None and self.follow_up_done_at is None

    def __repr__(self) -> str:
        return f"<CounsellingSession {self.id} client={self.client_id}>"


class CounsellingSessionChange(db.Model):
    """One changed field of one edit of a counselling session (the session's history).

    Old and new values are stored codes (channel, topics), ISO dates, UTC times or user ids;
    for ``notes`` only the fact of the change is kept, never the text.
    """

    __tablename__ = "counselling_session_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("counselling_sessions.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    field: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str] = mapped_column(String(300), default="")
    new_value: Mapped[str] = mapped_column(String(300), default="")
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    counselling: Mapped[CounsellingSession] = relationship(back_populates="changes")
    changed_by: Mapped[User] = relationship()
