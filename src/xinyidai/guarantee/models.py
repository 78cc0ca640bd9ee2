"""Risk-sharing agreements, compensations and recoveries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class RiskSharingAgreement(Base):
    """How a product's losses are split between guarantors and the bank (e.g. 80% / 20%)."""

    __tablename__ = "risk_sharing_agreement"

    id: Mapped[IdPk]
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("product.id"), unique=True)
    bank_share_ppm: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    shares: Mapped[list[GuarantorShare]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class GuarantorShare(Base):
    """One guarantor's share of an agreement, in parts per million."""

    __tablename__ = "guarantor_share"
    __table_args__ = (UniqueConstraint("agreement_id", "guarantor_organisation_id"),)

    id: Mapped[IdPk]
    agreement_id: Mapped[int] = mapped_column(BigId, ForeignKey("risk_sharing_agreement.id"), index=True)
    guarantor_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    share_ppm: Mapped[int]


class Compensation(Base):
    """A guarantor's payment of its share of a defaulted drawdown (代偿) and what it has recovered."""

    __tablename__ = "compensation"
    __table_args__ = (UniqueConstraint("drawdown_id", "guarantor_organisation_id"),)

    id: Mapped[IdPk]
    drawdown_id: Mapped[int] = mapped_column(BigId, ForeignKey("drawdown.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    bank_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    guarantor_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    share_ppm: Mapped[int]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    recovered_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    business_date: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Recovery(Base):
    """Money recovered from the defaulter (追偿) and how it was distributed by the agreement."""

    __tablename__ = "recovery"
    __table_args__ = (UniqueConstraint("drawdown_id", "idempotency_key"),)

    id: Mapped[IdPk]
    drawdown_id: Mapped[int] = mapped_column(BigId, ForeignKey("drawdown.id"), index=True)
    idempotency_key: Mapped[str]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    distribution: Mapped[dict[str, Any]] = mapped_column(JSON)
    business_date: Mapped[date]
    recovered_on: Mapped[date | None]  # when the money came in, as the guarantor says; the business date records it
    note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
