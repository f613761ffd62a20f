from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.auth.models import User
from mrc.centres.models import Centre
from mrc.clients.search_keys import KEY_LENGTH
from mrc.database import UTCDateTime, search_key_type, utcnow
from mrc.extensions import db


def _registration_time(context) -> datetime:
    return context.get_current_parameters()["created_at"]


class Client(db.Model):
    """A person counselled by a centre. Scoped by ``centre_id`` (the registering centre)."""

    __tablename__ = "clients"
    __table_args__ = (
        # Statistics: clients registered at a centre in a month.
        Index("ix_clients_centre_created_at", "centre_id", "created_at"),
        # The records merged into some: a handful among all clients. Partial, so that SQLite's
        # statistics do not count every NULL as one value shared by all rows (it then scanned
        # the table for "merged into one of these", 150 ms on a million clients).
        Index("ix_clients_merged_into_id", "merged_into_id",
              sqlite_where=text("merged_into_id IS NOT NULL"),
              postgresql_where=text("merged_into_id IS NOT NULL")),
        # A counsellor's follow-ups and referrals of the clients assigned to them, and a
        # user's recent clients (those assigned to them, and those they registered), most
        # recently changed first.
        Index("ix_clients_assigned_counsellor_recent", "assigned_counsellor_id", "updated_at",
              sqlite_where=text("assigned_counsellor_id IS NOT NULL"),
              postgresql_where=text("assigned_counsellor_id IS NOT NULL")),
        Index("ix_clients_created_by_recent", "created_by_id", "updated_at"),
        # The retention list: the clients of a centre whose last activity is oldest, among
        # those not anonymised or merged into another record (erased with it).
        Index("ix_clients_retention", "centre_id", "last_activity_at",
              sqlite_where=text("anonymised_at IS NULL AND merged_into_id IS NULL"),
              postgresql_where=text("anonymised_at IS NULL AND merged_into_id IS NULL")),
        # The client list, most recently seen first: read backwards and stopped at the page
        # (a centre's clients are a share of every centre's, skipped while reading).
        Index("ix_clients_recently_seen", "last_visit_at", "id",
              sqlite_where=text("anonymised_at IS NULL AND merged_into_id IS NULL"),
              postgresql_where=text("anonymised_at IS NULL AND merged_into_id IS NULL")),
        # A centre's clients the same way: a name search that found more than it gathers
        # lists those seen last of all who have the name (``KeySql.recently_seen_with_keys``).
        Index("ix_clients_centre_recently_seen", "centre_id", "last_visit_at", "id",
              sqlite_where=text("anonymised_at IS NULL AND merged_into_id IS NULL"),
              postgresql_where=text("anonymised_at IS NULL AND merged_into_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)

    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100), default="")
    given_name_native: Mapped[str] = mapped_column(String(100), default="")
    family_name_native: Mapped[str] = mapped_column(String(100), default="")
    # As on the CNIC / B-form or NID, in Latin letters or the native script (one field): it
    # tells apart people who share a common name, and the duplicate check weighs it.
    father_name: Mapped[str] = mapped_column(String(100), default="")
    sex: Mapped[str] = mapped_column(String(12))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    birth_year: Mapped[int | None] = mapped_column(Integer, index=True)
    nationality: Mapped[str] = mapped_column(String(2))
    national_id: Mapped[str] = mapped_column(String(30), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")  # E.164
    province: Mapped[str] = mapped_column(String(80), default="")
    district: Mapped[str] = mapped_column(String(80), default="")
    education: Mapped[str] = mapped_column(String(20), default="")
    occupation: Mapped[str] = mapped_column(String(120), default="")
    skills: Mapped[str] = mapped_column(String(300), default="")
    languages: Mapped[str] = mapped_column(String(120), default="")  # space-separated codes
    migration_status: Mapped[str] = mapped_column(String(20))
    destination_country: Mapped[str] = mapped_column(String(2), default="")
    destination_sector: Mapped[str] = mapped_column(String(20), default="")
    heard_about: Mapped[str] = mapped_column(String(20), default="")

    consent_date: Mapped[date] = mapped_column(Date)
    consent_recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    consent_services: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_referral_sharing: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_statistics: Mapped[bool] = mapped_column(Boolean, default=False)

    # Sensitive: shown only to managers of the centre and the assigned counsellor.
    assigned_counsellor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    trafficking_indication: Mapped[bool] = mapped_column(Boolean, default=False)
    smuggling_indication: Mapped[bool] = mapped_column(Boolean, default=False)
    protection_concern: Mapped[bool] = mapped_column(Boolean, default=False)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_visit_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The latest of the registration and every activity recorded for the person, kept by
    # ``mrc.clients.activity`` for the retention list.
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime,
                                                              default=_registration_time)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when this record was merged into another one (the same person registered twice):
    # it is kept as a redirect so that links and references to it still lead somewhere.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))

    centre: Mapped[Centre] = relationship()
    assigned_counsellor: Mapped[User | None] = relationship(foreign_keys=[assigned_counsellor_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    consent_recorded_by: Mapped[User] = relationship(foreign_keys=[consent_recorded_by_id])
    search_keys: Mapped[list["ClientSearchKey"]] = relationship(
        back_populates="client", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def full_name_native(self) -> str:
        return " ".join(part for part in (self.given_name_native, self.family_name_native) if part)

    @property
    def language_codes(self) -> list[str]:
        return self.languages.split() if self.languages else []

    def __repr__(self) -> str:
        return f"<Client {self.reference}>"


class ClientSearchKey(db.Model):
    """Normalised keys that make search an index lookup instead of a scan.

    kind: ``name`` (one row per normalised name word, any script), ``sound`` (cross-script
    sound key of a name word, see ``mrc.clients.name_sounds``), ``typo`` (the sound key and
    its one-letter deletions: keys one typing mistake apart share one of them), ``father``
    (sound keys of the father's name), ``pair`` (two sound keys of the person's names,
    sorted, space-separated: ``search_keys.key_pairs``), ``words`` (two name words of the
    person's names, the same way), ``phone`` (E.164 digits), ``nid`` (national ID, letters
    and digits only).

    ``centre_id`` and ``birth_year`` are copies of the client's, or for the keys a survivor
    holds for a record merged into it, of that record's (kept by
    ``services.refresh_search_keys``, which runs on every change): a lookup then narrows to one
    centre, and the duplicate check to a few birth years, inside the index, before it reads a
    single client row. Keys written without them (NULL) are found again after
    ``flask mrc rebuild-search-keys``.
    """

    __tablename__ = "client_search_keys"
    __table_args__ = (
        # Every lookup: a key (or a prefix range of name keys) of one centre, near a birth year.
        Index("ix_client_search_keys_lookup", "kind", "value", "centre_id", "birth_year",
              "client_id"),
        # "Does this client also have that key?": index-only probes while intersecting keys,
        # and the delete of a client's keys.
        Index("ix_client_search_keys_client", "client_id", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(search_key_type(KEY_LENGTH))
    centre_id: Mapped[int | None] = mapped_column(Integer)
    birth_year: Mapped[int | None] = mapped_column(Integer)

    client: Mapped[Client] = relationship(back_populates="search_keys")


class ClientReferenceCounter(db.Model):
    """Last reference number handed out per centre and year (``LHR-2026-000123``)."""

    __tablename__ = "client_reference_counters"
    __table_args__ = (UniqueConstraint("centre_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class ClientMerge(db.Model):
    """Two records of one person merged: ``merged`` now redirects to ``survivor``.

    What moved is listed in ``ClientMergeMove`` so that an admin can undo the merge exactly.
    """

    __tablename__ = "client_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    merged_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    merged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    survivor: Mapped[Client] = relationship(foreign_keys=[survivor_id])
    merged: Mapped[Client] = relationship(foreign_keys=[merged_id])
    merged_by: Mapped[User] = relationship(foreign_keys=[merged_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])
    moves: Mapped[list["ClientMergeMove"]] = relationship(
        back_populates="merge", cascade="all, delete-orphan"
    )


class ClientMergeMove(db.Model):
    """One row a merge changed: ``moved`` to the survivor, or ``dropped`` (an attendance of a
    group session the survivor attended too; ``group_session_id`` lets undo restore it)."""

    __tablename__ = "client_merge_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merge_id: Mapped[int] = mapped_column(
        ForeignKey("client_merges.id", ondelete="CASCADE"), index=True
    )
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8))  # "moved" or "dropped"
    group_session_id: Mapped[int | None] = mapped_column(Integer)

    merge: Mapped[ClientMerge] = relationship(back_populates="moves")
