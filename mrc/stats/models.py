from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mrc.auth.models import User
from mrc.centres.models import Centre
from mrc.database import UTCDateTime, utcnow
from mrc.extensions import db


class MonthSubmission(db.Model):
    """A centre's month, closed by its manager: the figures as they stood when submitted.

    ``figures`` is JSON ``{table key: {row code: value of the month}}`` with the stable codes of
    ``mrc.stats.services`` (never translated labels), so a later page can show, beside each
    current figure, the one that was reported. One submission per centre and month.
    """

    __tablename__ = "month_submissions"
    __table_args__ = (UniqueConstraint("centre_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    figures: Mapped[str] = mapped_column(Text)

    centre: Mapped[Centre] = relationship()
    submitted_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<MonthSubmission {self.centre_id} {self.month:%Y-%m}>"
