from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.auth.models import User
from mrc.centres.models import Centre
from mrc.clients.models import Client
from mrc.database import UTCDateTime, utcnow
from mrc.extensions import db
from mrc.partners.models import Partner


class Referral(db.Model):
    """A client sent to a partner for a service. Scoped by ``centre_id`` (the client's centre).

    ``status`` moves only along ``mrc.referrals.services.ALLOWED_TRANSITIONS``; every move is a
    ``ReferralStatusChange``.
    """

    __tablename__ = "referrals"
    __table_args__ = (
        # Statistics: referrals made by a centre in a month.
        Index("ix_referrals_centre_created_at", "centre_id", "created_at"),
        # A partner's referrals, of one centre: the partners a centre has referred to.
        Index("ix_referrals_partner_centre", "partner_id", "centre_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    service: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20), index=True)
    follow_up_due: Mapped[date] = mapped_column(Date, index=True)
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Set only when a manager sent the referral although the client had not agreed to sharing.
    consent_override_reason: Mapped[str | None] = mapped_column(Text)
    consent_override_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    centre: Mapped[Centre] = relationship()
    client: Mapped[Client] = relationship()
    partner: Mapped[Partner] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    consent_override_by: Mapped[User | None] = relationship(foreign_keys=[consent_override_by_id])
    changes: Mapped[list["ReferralStatusChange"]] = relationship(
        back_populates="referral",
        order_by="ReferralStatusChange.changed_at, ReferralStatusChange.id",
    )

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.status}>"


class ReferralStatusChange(db.Model):
    """One move of a referral's status: who, when, from what to what, and a note."""

    __tablename__ = "referral_status_changes"
    __table_args__ = (
        # A referral's status at a given moment: its latest change before it.
        Index("ix_referral_status_changes_referral_changed_at", "referral_id", "changed_at"),
        # Statistics: referrals completed at a centre in a month.
        Index("ix_referral_status_changes_centre_changed_at", "centre_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="changes")
    changed_by: Mapped[User] = relationship()
