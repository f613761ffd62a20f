"""Information sheets: a topic, its versions per language, and every print of one."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.auth.models import User
from mrc.database import UTCDateTime, utcnow
from mrc.extensions import db

DRAFT, PUBLISHED = "draft", "published"


class InfoSheet(db.Model):
    """A topic (e.g. working abroad legally). National content: not scoped by centre."""

    __tablename__ = "info_sheets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sources: Mapped[str] = mapped_column(Text, default="")  # one source a line
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list["SheetVersion"]] = relationship(
        back_populates="sheet", order_by="SheetVersion.language, SheetVersion.number")

    @property
    def source_list(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"<InfoSheet {self.topic}>"


class SheetVersion(db.Model):
    """One numbered text of a sheet in one language. A published version is never edited:
    editing it starts the next draft."""

    __tablename__ = "sheet_versions"
    __table_args__ = (UniqueConstraint("sheet_id", "language", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("info_sheets.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    review_date: Mapped[date | None] = mapped_column(Date)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    sheet: Mapped[InfoSheet] = relationship(back_populates="versions")
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def is_draft(self) -> bool:
        return self.status != PUBLISHED

    def __repr__(self) -> str:
        return f"<SheetVersion {self.sheet_id} {self.language} {self.number} {self.status}>"


class SheetPrint(db.Model):
    """A sheet printed: for a client, for each attendee of a group session, or ``copies``
    copies for an outreach event. Counts as information provided. Scoped by ``centre_id``."""

    __tablename__ = "sheet_prints"
    __table_args__ = (Index("ix_sheet_prints_centre_printed_at", "centre_id", "printed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    sheet_version_id: Mapped[int] = mapped_column(ForeignKey("sheet_versions.id"))
    topic: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(8))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    group_session_id: Mapped[int | None] = mapped_column(ForeignKey("group_sessions.id"))
    copies: Mapped[int] = mapped_column(Integer, default=1)
    printed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sheet_version: Mapped[SheetVersion] = relationship()
    printed_by: Mapped[User] = relationship()
