from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, and_, false, or_, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.auth.models import Role, User
from mrc.centres.models import Centre
from mrc.database import UTCDateTime, utcnow
from mrc.extensions import db


class Partner(db.Model):
    """An organisation centres refer people to.

    A national partner (no ``centre_id``) is visible to every centre of its country; a local
    one only to its centre.
    """

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    services: Mapped[str] = mapped_column(String(400), default="")  # space-separated codes
    country: Mapped[str] = mapped_column(String(2), index=True)
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"), index=True)
    city: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")  # E.164
    email: Mapped[str] = mapped_column(String(120), default="")
    hours: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    centre: Mapped[Centre | None] = relationship()

    @property
    def service_codes(self) -> list[str]:
        return self.services.split() if self.services else []

    @property
    def is_national(self) -> bool:
        return self.centre_id is None

    @classmethod
    def visible_to(cls, user: User):
        """The scoping condition used by ``mrc.security.scoped``."""
        if user.role == Role.ADMIN:
            return true()
        if user.centre is None:
            return false()
        return or_(
            cls.centre_id == user.centre_id,
            and_(cls.centre_id.is_(None), cls.country == user.centre.country),
        )
