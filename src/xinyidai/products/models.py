"""Financial products that banks publish on the platform."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime

Rate = Numeric(9, 6)


class Product(Base):
    """A loan product with its bounds: rate range, fee, line, repayment methods and terms."""

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
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
