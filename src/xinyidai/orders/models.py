"""Financing orders and their timelines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyidai.db import Base, BigId, IdPk, Rate, UtcDateTime


class FinancingOrder(Base):
    """An entity's application for a product, carried to the bank (融资需求订单)."""

    __tablename__ = "financing_order"

    id: Mapped[IdPk]
    order_no: Mapped[str] = mapped_column(String(24), unique=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    # None: relayed from the node it was filed at (`origin_node`), where its applicant is a user.
    applicant_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    origin_node: Mapped[str | None] = mapped_column(String(6))
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("product.id"))
    # The version of the product's terms the order applied to (None: orders older than product versions).
    product_version_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("product_version.id"))
    bank_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    term_months: Mapped[int]
    repayment_method: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)

    estimate_score: Mapped[int]
    estimate_grade: Mapped[str] = mapped_column(String(4))
    estimated_line_fen: Mapped[int] = mapped_column(BigInteger)
    estimated_rate: Mapped[Decimal] = mapped_column(Rate)
    estimate_reasons: Mapped[list[Any]] = mapped_column(JSON)
    assessor_version: Mapped[str] = mapped_column(String(40))

    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadline_date: Mapped[date] = mapped_column(index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handled_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))

    approved_line_fen: Mapped[int | None] = mapped_column(BigInteger)
    approved_rate: Mapped[Decimal | None] = mapped_column(Rate)
    approved_term_months: Mapped[int | None]
    approved_repayment_method: Mapped[str | None] = mapped_column(String(30))
    rejection_reason: Mapped[str | None] = mapped_column(Text)

    # The loan officer's proposal (审贷分离): the terms a manager approves as they stand, or returns.
    proposed_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    proposed_line_fen: Mapped[int | None] = mapped_column(BigInteger)
    proposed_rate: Mapped[Decimal | None] = mapped_column(Rate)
    proposed_term_months: Mapped[int | None]
    proposed_repayment_method: Mapped[str | None] = mapped_column(String(30))
    proposal_note: Mapped[str | None] = mapped_column(Text)
    # Above the product's committee threshold, the first of the two managers who must approve.
    first_approved_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    return_reason: Mapped[str | None] = mapped_column(Text)

    # The order's whole life: what it asks for (a new line, a renewal, a deferral), the need it was sent with, the
    # line or drawdown it is about (loans' ids: loans sit above orders, so no foreign key), and the firm's words.
    kind: Mapped[str] = mapped_column(String(10), default="new", server_default="new", index=True)
    need_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("financing_need.id"), index=True)
    credit_line_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    drawdown_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    deferral_maturity_date: Mapped[date | None]
    request_reason: Mapped[str | None] = mapped_column(Text)
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    events: Mapped[list[OrderEvent]] = relationship(
        lazy="selectin", order_by="OrderEvent.id", cascade="all, delete-orphan", back_populates="order"
    )


class OrderEvent(Base):
    """One state change of an order, with who made it and any note."""

    __tablename__ = "order_event"

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("financing_order.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    actor_organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    note: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A change of status, or (status unchanged) a supervisor's prompt or the bank's answer (`policy.EntryKind`).
    kind: Mapped[str] = mapped_column(String(10), default="status", server_default="status")

    order: Mapped[FinancingOrder] = relationship(back_populates="events")


class FinancingNeed(Base):
    """One financing need a firm sent to up to three banks' products at once (一次需求，多家银行): each order of it is
    decided by its bank alone; the firm takes one approval (offer), the others are withdrawn or declined."""

    __tablename__ = "financing_need"

    id: Mapped[IdPk]
    need_no: Mapped[str] = mapped_column(String(24), unique=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    applicant_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    term_months: Mapped[int]
    repayment_method: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set once, under the need's row lock: the order whose offer the firm took.
    accepted_order_id: Mapped[int | None] = mapped_column(BigInteger)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OrderPrompt(Base):
    """A supervisor's prompt (督办) to the bank about an order, and the bank's answer."""

    __tablename__ = "order_prompt"

    id: Mapped[IdPk]
    order_id: Mapped[int] = mapped_column(BigId, ForeignKey("financing_order.id"), index=True)
    bank_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    prompted_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    prompted_by_organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    message: Mapped[str] = mapped_column(Text)
    prompted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class FinancingOrderDraft(Base):
    """An application, or a financing need to several banks, a clerk (经办人) prepared for the firm's administrator
    to confirm (待确认).

    It is not an order: no bank sees it and it authorises nothing. Confirming it applies (or sends the need) as the
    administrator (every check runs then) and keeps the order's (or the need's) id here.
    """

    __tablename__ = "financing_order_draft"

    id: Mapped[IdPk]
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    prepared_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    prepared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("product.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    term_months: Mapped[int]
    repayment_method: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    decided_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("financing_order.id"))
    # A prepared need (一次需求，多家银行): the products it goes to, in the order chosen (`product_id` is the first);
    # None for a single application. Confirmed, it keeps the need it sent.
    need_product_ids: Mapped[list[int] | None] = mapped_column(JSON)
    need_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("financing_need.id"))
