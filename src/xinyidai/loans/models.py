"""Credit lines, drawdowns, installments, the double-entry ledger and end-of-day runs.

Money columns are integer fen. Rates used by the end-of-day SQL are also kept as integer parts per
million (`*_ppm`), so that accrual is integer arithmetic, identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyidai.db import Base, BigId, IdPk, Rate, UtcDateTime


class CreditLine(Base):
    """The limit a bank grants an entity when it approves an order (授信)."""

    __tablename__ = "credit_line"

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("financing_order.id"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    bank_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("product.id"))
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    annual_rate: Mapped[Decimal] = mapped_column(Rate)
    guarantee_fee_rate: Mapped[Decimal] = mapped_column(Rate)
    repayment_methods: Mapped[list[Any]] = mapped_column(JSON)
    term_options: Mapped[list[Any]] = mapped_column(JSON)
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Drawdown(Base):
    """Money drawn on a line, with its own term, method and schedule (用信)."""

    __tablename__ = "drawdown"
    __table_args__ = (
        UniqueConstraint("credit_line_id", "idempotency_key"),
        Index("ix_drawdown_status_bank", "status", "bank_organisation_id"),
    )

    id: Mapped[IdPk]
    credit_line_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_line.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    bank_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(30))
    term_months: Mapped[int]
    value_date: Mapped[date]
    maturity_date: Mapped[date]
    annual_rate: Mapped[Decimal] = mapped_column(Rate)
    rate_ppm: Mapped[int]
    overdue_rate_ppm: Mapped[int]
    fee_rate_ppm: Mapped[int]
    year_days: Mapped[int]
    fee_mode: Mapped[str] = mapped_column(String(10))
    prepayment_rule: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    # Cached balances per account; `service.verify_balances` checks them against the postings.
    bal_principal: Mapped[int] = mapped_column(BigInteger, default=0)
    bal_principal_overdue: Mapped[int] = mapped_column(BigInteger, default=0)
    bal_interest_accrued: Mapped[int] = mapped_column(BigInteger, default=0)
    bal_interest_overdue: Mapped[int] = mapped_column(BigInteger, default=0)
    bal_penalty: Mapped[int] = mapped_column(BigInteger, default=0)
    bal_fee_accrued: Mapped[int] = mapped_column(BigInteger, default=0)
    bal_fee_overdue: Mapped[int] = mapped_column(BigInteger, default=0)
    # Sub-fen remainders of daily accrual, in fen-ppm units (fen × 1e6 × days-in-year basis).
    carry_interest: Mapped[int] = mapped_column(BigInteger, default=0)
    carry_penalty: Mapped[int] = mapped_column(BigInteger, default=0)
    carry_fee: Mapped[int] = mapped_column(BigInteger, default=0)
    # Days as date ordinals, so that end-of-day date arithmetic is integer SQL on both engines.
    accrued_through_ordinal: Mapped[int]
    overdue_since_ordinal: Mapped[int | None]
    days_past_due: Mapped[int] = mapped_column(default=0)
    classification: Mapped[str] = mapped_column(String(20), default="normal")
    settled_date: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    installments: Mapped[list[Installment]] = relationship(
        lazy="selectin", order_by="(Installment.due_date, Installment.id)", back_populates="drawdown"
    )


class Installment(Base):
    """One scheduled repayment; superseded rows are kept when a prepayment recasts the schedule."""

    __tablename__ = "installment"
    __table_args__ = (Index("ix_installment_due", "due_ordinal", "superseded"),)

    id: Mapped[IdPk]
    drawdown_id: Mapped[int] = mapped_column(BigId, ForeignKey("drawdown.id"), index=True)
    number: Mapped[int]
    due_date: Mapped[date]
    due_ordinal: Mapped[int]
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    scheduled_interest_fen: Mapped[int] = mapped_column(BigInteger)
    principal_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # Amounts moved to overdue at the due date, and what has been paid of them since.
    overdue_principal_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    overdue_interest_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    overdue_paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # Whether the guarantors' compensation (代偿) settled any of it: the borrower did not pay it, it owes it to them.
    compensated: Mapped[bool] = mapped_column(default=False)
    superseded: Mapped[bool] = mapped_column(default=False)

    drawdown: Mapped[Drawdown] = relationship(back_populates="installments")


class JournalEntry(Base):
    """One balanced financial event; never updated or deleted, corrected by a reversing entry."""

    __tablename__ = "journal_entry"
    __table_args__ = (Index("ix_journal_entry_run", "eod_run_id", "kind"),)

    id: Mapped[IdPk]
    drawdown_id: Mapped[int] = mapped_column(BigId, ForeignKey("drawdown.id"), index=True)
    business_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(30))
    eod_run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("eod_run.id"))
    reverses_entry_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("journal_entry.id"))
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LedgerPosting(Base):
    """One leg of a journal entry: debit positive, credit negative."""

    __tablename__ = "ledger_posting"

    id: Mapped[IdPk]
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("journal_entry.id"), index=True)
    drawdown_id: Mapped[int] = mapped_column(BigId, ForeignKey("drawdown.id"), index=True)
    account: Mapped[str] = mapped_column(String(30))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class Repayment(Base):
    """A repayment as received, with its allocation; the idempotency key makes retries harmless.

    A key belongs to the borrower that sent it, bound to the drawdown it repaid: unique per enterprise, so that a
    key reused on another drawdown, even at the same moment, is found and refused rather than applied twice.
    """

    __tablename__ = "repayment"
    __table_args__ = (UniqueConstraint("enterprise_id", "idempotency_key"),)

    id: Mapped[IdPk]
    drawdown_id: Mapped[int] = mapped_column(BigId, ForeignKey("drawdown.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    value_date: Mapped[date]
    allocation: Mapped[dict[str, Any]] = mapped_column(JSON)
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("journal_entry.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ClassificationBand(Base):
    """A bank's days-past-due threshold for one category of the five-category classification."""

    __tablename__ = "classification_band"
    __table_args__ = (UniqueConstraint("bank_organisation_id", "category"),)

    id: Mapped[IdPk]
    bank_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    category: Mapped[str] = mapped_column(String(20))
    min_days_past_due: Mapped[int]


class EodRun(Base):
    """The record of one end-of-day run for one business date."""

    __tablename__ = "eod_run"

    id: Mapped[IdPk]
    business_date: Mapped[date] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    drawdowns_accrued: Mapped[int] = mapped_column(default=0)
    entries_made: Mapped[int] = mapped_column(default=0)
    postings_made: Mapped[int] = mapped_column(default=0)
    defaults_triggered: Mapped[int] = mapped_column(default=0)


class CreditLineRenewal(Base):
    """A renewal (续贷) of a line, kept as a fact: the line row carries its current validity and terms, each renewal
    row what they were before and after, and the order that decided it. Drawdowns stay on the line."""

    __tablename__ = "credit_line_renewal"

    id: Mapped[IdPk]
    credit_line_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_line.id"), index=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("financing_order.id"), unique=True)
    previous_valid_until: Mapped[date]
    new_valid_until: Mapped[date]
    previous_limit_fen: Mapped[int] = mapped_column(BigInteger)
    new_limit_fen: Mapped[int] = mapped_column(BigInteger)
    previous_rate: Mapped[Decimal] = mapped_column(Rate)
    new_rate: Mapped[Decimal] = mapped_column(Rate)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DrawdownDeferral(Base):
    """A deferral of a drawdown's principal (延期还本): the installments still to come were superseded (kept) and a new
    schedule of the remaining principal added from `first_number`, to the new maturity."""

    __tablename__ = "drawdown_deferral"

    id: Mapped[IdPk]
    drawdown_id: Mapped[int] = mapped_column(BigId, ForeignKey("drawdown.id"), index=True)
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("financing_order.id"), unique=True)
    previous_maturity_date: Mapped[date]
    new_maturity_date: Mapped[date]
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    first_number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
