from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
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


class MonthlyFigure(db.Model):
    """One figure of one ended month of one centre, as counted from its records: the monthly
    roll-up that periods of several months or centres add up (``mrc.stats.rollup``).

    ``figure`` names the count (e.g. ``sessions_by_sex_age``), ``key`` and ``key2`` its row
    (e.g. ``female`` and ``25_34``), ``gap`` for the "each person once" counts how many months
    before this one the person's previous session was (``NO_EARLIER`` for none). A row with
    figure ``computed`` marks the month as counted, so that a month with no activity is not
    counted again. Rows are deleted when a record of the month changes.
    """

    __tablename__ = "monthly_figures"
    __table_args__ = (
        UniqueConstraint("centre_id", "month_index", "figure", "key", "key2", "gap"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    month_index: Mapped[int] = mapped_column(Integer)  # year * 12 + month - 1: plain arithmetic
    figure: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200), default="")
    key2: Mapped[str] = mapped_column(String(200), default="")  # e.g. a partner's name
    gap: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[int] = mapped_column(Integer)


class MonthlyFiguresVersion(db.Model):
    """A centre's counter of changes to its records: monthly figures counted while it moved
    are not kept (they may have been counted from records being changed at that moment)."""

    __tablename__ = "monthly_figures_versions"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True,
                                           autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
