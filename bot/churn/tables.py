"""The churn capability's own state (never imported, IMPORT.md §11): weekly evaluations, which
give `at_risk_since`, STALE, "new" and "recovered" (churn-risk.md §4.5), the weekly digests posted
(the "previous digest" that "new" compares with), and flags recorded through the bot's button
(002_59a801b964a2a19e.txt:11515-11532)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime, utcnow


class ChurnEvaluation(Base):
    """One account's level at one weekly digest (one row per account per ISO week)."""

    __tablename__ = "churn_evaluations"
    __table_args__ = (UniqueConstraint("account_id", "week"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(8))  # ISO year-week, 2025-W23
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(16))
    f_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    score: Mapped[int] = mapped_column(Integer)


class ChurnFlag(Base):
    """An owner flagged the account through the bot: the note the handbook asks for, as posted."""

    __tablename__ = "churn_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    flagged_by: Mapped[str] = mapped_column(String(32))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    known: Mapped[str] = mapped_column(Text, default="")
    help_needed: Mapped[str] = mapped_column(Text, default="")
    mitigation: Mapped[str] = mapped_column(Text, default="")
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ChurnDigestRun(Base):
    """A weekly digest that was queued for posting (not a dry run): "new at risk" means new since the
    latest earlier one, and the first digest marks nothing new (churn-risk.md §4.8)."""

    __tablename__ = "churn_digest_runs"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # ISO year-week, 2025-W23
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
