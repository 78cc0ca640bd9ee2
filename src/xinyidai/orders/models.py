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

    order: Mapped[FinancingOrder] = relationship(back_populates="events")


class FinancingOrderDraft(Base):
    """An application a clerk (经办人) prepared for the firm's administrator to confirm (待确认).

    It is not an order: no bank sees it and it authorises nothing. Confirming it applies as the administrator
    (every check of applying runs then) and keeps the order's id here.
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
