"""API shapes of products."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from xinyidai.money import AmountFen
from xinyidai.products.enums import ProductStatus, RepaymentMethod
from xinyidai.products.models import DEFAULT_ALLOCATION_ORDER
from xinyidai.text import Text


class ProductCreate(BaseModel):
    """A bank's new product; rates are annual fractions (0.035 is 3.5%)."""

    code: Text = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name: Text = Field(min_length=2, max_length=100)
    description: Text = Field(default="", max_length=2000)
    min_rate: Decimal = Field(gt=0, le=Decimal("0.24"), decimal_places=6)
    max_rate: Decimal = Field(gt=0, le=Decimal("0.24"), decimal_places=6)
    guarantee_fee_rate: Decimal = Field(ge=0, le=Decimal("0.05"), decimal_places=6)
    min_amount_fen: AmountFen
    max_line_fen: AmountFen
    repayment_methods: list[RepaymentMethod] = Field(min_length=1)
    term_options: list[int] = Field(min_length=1)
    day_count: Literal["act_360", "act_365"] = "act_360"
    overdue_markup: Decimal = Field(default=Decimal("0.5"), ge=0, le=1, decimal_places=6)
    fee_mode: Literal["daily", "upfront"] = "daily"
    prepayment_rule: Literal["shorten_term", "reduce_installment"] = "shorten_term"
    allocation_order: list[Annotated[Text, Field(max_length=40)]] = Field(
        default_factory=lambda: list(DEFAULT_ALLOCATION_ORDER))
    line_validity_months: int = Field(default=12, ge=1, le=60)
    default_trigger_days: int = Field(default=90, ge=1, le=720)
    committee_threshold_fen: AmountFen | None = Field(
        default=None, description="Lines above this need two managers' approval; none: one")
    one_live_line_per_firm: StrictBool = Field(default=False, description="Refuse a firm a second live line")
    allows_renewal: StrictBool = Field(default=False, description="可续贷: lines may be renewed before they expire")
    allows_deferral: StrictBool = Field(default=False, description="可延期还本: drawdowns' principal may be deferred")

    @field_validator("allocation_order")
    @classmethod
    def _allocation_is_a_permutation(cls, value: list[str]) -> list[str]:
        if sorted(value) != sorted(DEFAULT_ALLOCATION_ORDER):
            raise ValueError(f"allocation_order must order exactly {sorted(DEFAULT_ALLOCATION_ORDER)}")
        return value


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
    day_count: str
    overdue_markup: Decimal
    fee_mode: str
    prepayment_rule: str
    allocation_order: list[str]
    line_validity_months: int
    default_trigger_days: int
    committee_threshold_fen: int | None
    one_live_line_per_firm: bool
    allows_renewal: bool = False
    allows_deferral: bool = False
    status: ProductStatus
    published_at: datetime | None
    # A network product: served by its bank at this node of the platform network; None: a bank of this node.
    served_by_node: str | None = None
