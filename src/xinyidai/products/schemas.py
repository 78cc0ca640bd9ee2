"""API shapes of products."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from xinyidai.money import MAX_FEN
from xinyidai.products.enums import ProductStatus, RepaymentMethod


class ProductCreate(BaseModel):
    """A bank's new product; rates are annual fractions (0.035 is 3.5%)."""

    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=2, max_length=100)
    description: str = ""
    min_rate: Decimal = Field(gt=0, le=Decimal("0.24"), decimal_places=6)
    max_rate: Decimal = Field(gt=0, le=Decimal("0.24"), decimal_places=6)
    guarantee_fee_rate: Decimal = Field(ge=0, le=Decimal("0.05"), decimal_places=6)
    min_amount_fen: int = Field(gt=0, le=MAX_FEN)
    max_line_fen: int = Field(gt=0, le=MAX_FEN)
    repayment_methods: list[RepaymentMethod] = Field(min_length=1)
    term_options: list[int] = Field(min_length=1)


class ProductRead(BaseModel):
    """A product as enterprises and banks see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    bank_organisation_id: int
    description: str
    min_rate: Decimal
    max_rate: Decimal
    guarantee_fee_rate: Decimal
    min_amount_fen: int
    max_line_fen: int
    repayment_methods: list[RepaymentMethod]
    term_options: list[int]
    status: ProductStatus
    published_at: datetime | None
