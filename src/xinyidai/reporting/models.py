"""The commission's targets and the archived monthly reports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, LargeBinary, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class ReportingTarget(Base):
    """A target (目标) the commission tracks a figure against: a share (0.30) or a count/amount, by a date."""

    __tablename__ = "reporting_target"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    figure_code: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal] = mapped_column(Numeric(20, 4))
    unit: Mapped[str] = mapped_column(String(10))
    due_date: Mapped[date | None]
    note: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by_user_id: Mapped[int | None] = mapped_column(BigInteger)


class MonthlyReport(Base):
    """A monthly report (月报): the month's figures as of its end, the workbook and the PDF, archived."""

    __tablename__ = "monthly_report"

    id: Mapped[IdPk]
    month: Mapped[str] = mapped_column(String(7), unique=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    figures_sha256: Mapped[str] = mapped_column(String(64))
    workbook: Mapped[bytes] = mapped_column(LargeBinary)
    workbook_sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    generations: Mapped[int] = mapped_column(default=1)


class ReceivedMonthlyReport(Base):
    """A child node's monthly report (下级节点月报) as received over the network (`reporting.monthly_report`): its
    figures snapshot and checksum, one row per node and month. A regeneration at the child replaces the figures
    (`generation` is the child's count, `revisions` how many versions arrived here)."""

    __tablename__ = "received_monthly_report"
    __table_args__ = (UniqueConstraint("node_code", "month"),)

    id: Mapped[IdPk]
    node_code: Mapped[str] = mapped_column(String(6))
    node_name: Mapped[str] = mapped_column(String(100))
    month: Mapped[str] = mapped_column(String(7), index=True)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    figures_sha256: Mapped[str] = mapped_column(String(64))
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    generation: Mapped[int]
    revisions: Mapped[int] = mapped_column(default=1)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BankSmeLending(Base):
    """What a bank reported as its new loans to small and micro firms (新增小微企业贷款) in a month, all its lending
    and not only the platform's: the denominator of the credit-loan target. A correction is a later row."""

    __tablename__ = "bank_sme_lending"

    id: Mapped[IdPk]
    bank_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by_user_id: Mapped[int | None] = mapped_column(BigInteger)
