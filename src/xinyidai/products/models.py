"""Financial products that banks publish on the platform."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, Rate, UtcDateTime

# Which owed amounts a repayment settles first (a product may order them differently).
DEFAULT_ALLOCATION_ORDER = (
    "penalty", "interest_overdue", "fee_overdue", "principal_overdue", "interest", "fee", "principal_due",
)


class Product(Base):
    """A loan product with its bounds: rate range, fee, line, repayment methods and terms; the row holds the terms of
    the version on sale (or of the latest draft before the first review), every version is kept in
    `product_version`."""

    __tablename__ = "product"

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    bank_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    min_rate: Mapped[Decimal] = mapped_column(Rate)
    max_rate: Mapped[Decimal] = mapped_column(Rate)
    guarantee_fee_rate: Mapped[Decimal] = mapped_column(Rate)
    min_amount_fen: Mapped[int] = mapped_column(BigInteger)
    max_line_fen: Mapped[int] = mapped_column(BigInteger)
    repayment_methods: Mapped[list[Any]] = mapped_column(JSON)
    term_options: Mapped[list[Any]] = mapped_column(JSON)
    # Servicing terms of the loans made under the product.
    day_count: Mapped[str] = mapped_column(String(10), default="act_360", server_default="act_360")
    overdue_markup: Mapped[Decimal] = mapped_column(Rate, default=Decimal("0.5"), server_default="0.5")
    fee_mode: Mapped[str] = mapped_column(String(10), default="daily", server_default="daily")
    prepayment_rule: Mapped[str] = mapped_column(String(20), default="shorten_term", server_default="shorten_term")
    allocation_order: Mapped[list[Any]] = mapped_column(JSON, default=lambda: list(DEFAULT_ALLOCATION_ORDER))
    line_validity_months: Mapped[int] = mapped_column(default=12, server_default="12")
    default_trigger_days: Mapped[int] = mapped_column(default=90, server_default="90")
    # Lines above this amount need two managers' approval (a committee of two); None: one manager suffices.
    committee_threshold_fen: Mapped[int | None] = mapped_column(BigInteger)
    # Refuse a firm a second live line under this product.
    one_live_line_per_firm: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The facts of the financial supermarket (金融超市): kind, how rate and line are set, risk sharing, who may apply.
    kind: Mapped[str] = mapped_column(String(30), default="pure_credit", server_default="pure_credit", index=True)
    rate_mode: Mapped[str] = mapped_column(String(20), default="evaluated", server_default="evaluated")
    guarantee_arrangement: Mapped[str] = mapped_column(String(40), default="none", server_default="none")
    # Rules a firm must meet, as data: [{"field": ..., "op": ..., "value": ...}] (`products.eligibility`).
    eligibility: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    required_documents: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    # {"kind": "evaluated"} or {"kind": "per_mu", "crop": ..., "amount_per_mu_fen": ...} (capped by max_line_fen).
    line_rule: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: {"kind": "evaluated"},
                                                      server_default=text("""'{"kind": "evaluated"}'"""))
    # The firm may ask to renew a line before it expires without repaying first (可续贷), and to defer the principal
    # of a drawdown (可延期还本); the bank decides each request.
    allows_renewal: Mapped[bool] = mapped_column(default=False, server_default=false())
    allows_deferral: Mapped[bool] = mapped_column(default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # The version whose terms the row holds (on sale once published); no foreign key, the version names its product.
    current_version_id: Mapped[int | None] = mapped_column(BigId)
    # Why the platform returned the latest version to the bank.
    review_note: Mapped[str | None] = mapped_column(String(500))
    # A network product: served by its bank at that node (the bank has no account here); None: a bank of this node.
    served_by_node: Mapped[str | None] = mapped_column(String(6))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProductVersion(Base):
    """One immutable version of a product's terms (terms, eligibility, line rule): who made it, when, why, and the
    platform's review of it. Only its review status and review fields change after it is made."""

    __tablename__ = "product_version"
    __table_args__ = (UniqueConstraint("product_id", "number"),)

    id: Mapped[IdPk]
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("product.id"), index=True)
    number: Mapped[int]
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reviewed_by_user_id: Mapped[int | None] = mapped_column(BigId)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    review_note: Mapped[str | None] = mapped_column(String(500))
