"""API shapes of products."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from xinyidai.money import AmountFen
from xinyidai.products.enums import (
    GuaranteeArrangement,
    LineRuleKind,
    ProductKind,
    ProductStatus,
    RateMode,
    RepaymentMethod,
    VersionStatus,
)
from xinyidai.products.models import DEFAULT_ALLOCATION_ORDER
from xinyidai.text import Text

MAX_TERM_MONTHS = 360  # thirty years: the longest term a product may offer

ShortText = Annotated[Text, Field(max_length=40)]
RuleInt = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
# The value of an eligibility rule: a flag, a number, a word, a list of words, or a small mapping of them.
RuleValue = (StrictBool | RuleInt | ShortText | Annotated[list[ShortText], Field(max_length=100)]
             | Annotated[dict[Annotated[Text, Field(max_length=20)], StrictBool | RuleInt | ShortText],
                         Field(max_length=5)])


class EligibilityRuleCreate(BaseModel):
    """One eligibility rule: a field of the firm's profile, an operator and a value (see `products.eligibility`)."""

    model_config = ConfigDict(extra="forbid")

    field: Text = Field(min_length=1, max_length=40, examples=["years_in_business"])
    op: Text = Field(min_length=1, max_length=16, examples=[">="])
    value: RuleValue = Field(examples=[2])


class LineRuleCreate(BaseModel):
    """How a firm's line is set: by the credit evaluation, or per 亩 of a crop (capped by the product's line)."""

    model_config = ConfigDict(extra="forbid")

    kind: LineRuleKind = LineRuleKind.EVALUATED
    crop: Text | None = Field(default=None, min_length=1, max_length=20, examples=["花椒"])
    amount_per_mu_fen: AmountFen | None = Field(default=None, examples=[300_000])


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
    term_options: list[Annotated[int, Field(ge=1, le=MAX_TERM_MONTHS)]] = Field(min_length=1, max_length=60)
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
    kind: ProductKind = ProductKind.PURE_CREDIT
    rate_mode: RateMode = RateMode.EVALUATED
    guarantee_arrangement: GuaranteeArrangement = GuaranteeArrangement.NONE
    eligibility: list[EligibilityRuleCreate] = Field(default_factory=list, max_length=30)
    required_documents: list[Annotated[Text, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=20)
    line_rule: LineRuleCreate = Field(default_factory=LineRuleCreate)
    allows_renewal: StrictBool = Field(default=False, description="可续贷: lines may be renewed before they expire")
    allows_deferral: StrictBool = Field(default=False, description="可延期还本: drawdowns' principal may be deferred")

    @field_validator("allocation_order")
    @classmethod
    def _allocation_is_a_permutation(cls, value: list[str]) -> list[str]:
        if sorted(value) != sorted(DEFAULT_ALLOCATION_ORDER):
            raise ValueError(f"allocation_order must order exactly {sorted(DEFAULT_ALLOCATION_ORDER)}")
        return value


class ProductUpdate(ProductCreate):
    """New terms for a product (a new version): every term again, with a note of what changed; the code stays."""

    code: Text = Field(default="", max_length=40, description="ignored: a product keeps its code")
    note: Text = Field(default="", max_length=500)


class ProductReviewCreate(BaseModel):
    """The platform's review of a version waiting for it: put on the shelf, or return with a reason."""

    approve: StrictBool
    note: Text = Field(default="", max_length=500)


class ProductWithdrawCreate(BaseModel):
    """A bank takes its product off the shelf."""

    note: Text = Field(default="", max_length=500)


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
    kind: ProductKind = ProductKind.PURE_CREDIT
    rate_mode: RateMode = RateMode.EVALUATED
    guarantee_arrangement: GuaranteeArrangement = GuaranteeArrangement.NONE
    eligibility: list[dict[str, Any]] = Field(default_factory=list)
    required_documents: list[str] = Field(default_factory=list)
    line_rule: dict[str, Any] = Field(default_factory=lambda: {"kind": "evaluated"})
    current_version_id: int | None = None
    review_note: str | None = None


class ProductVersionRead(BaseModel):
    """One version of a product's terms and its review."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    product_id: int
    number: int
    terms: dict[str, Any]
    status: VersionStatus
    note: str
    created_by_user_id: int | None
    created_at: datetime
    submitted_at: datetime | None
    reviewed_by_user_id: int | None
    reviewed_at: datetime | None
    review_note: str | None


class ShelfProductRead(BaseModel):
    """A product on the shelf as the public sees it: its terms in words and its lender's name."""

    id: int
    code: str
    name: str
    description: str
    lender_id: int
    lender_name: str
    kind: ProductKind
    kind_label: str
    rate_mode: RateMode
    min_rate: Decimal
    max_rate: Decimal
    guarantee_fee_rate: Decimal
    min_amount_fen: int
    max_line_fen: int
    min_term_months: int
    max_term_months: int
    term_options: list[int]
    repayment_methods: list[RepaymentMethod]
    repayment_method_labels: list[str]
    guarantee_arrangement: GuaranteeArrangement
    guarantee_arrangement_label: str
    line_rule: dict[str, Any]
    line_rule_label: str
    requirements: list[str]
    required_documents: list[str]
    version_number: int | None
    published_at: datetime | None


class MatchedProductRead(BaseModel):
    """A product ranked for the firm, with the estimate for it and why it stands where it does."""

    rank: int
    product: ShelfProductRead
    approval_probability: float
    estimated_rate: Decimal
    estimated_line_fen: int
    expected_value_fen: int
    reasons: list[str]
    reasons_en: list[str]


class IneligibleProductRead(BaseModel):
    """A product the firm may not apply for, with each rule that excludes it in words."""

    product: ShelfProductRead
    failures: list[str]
    failures_en: list[str]


class MatchRead(BaseModel):
    """Every product on the shelf for one firm: the eligible ones ranked, the others apart with their reasons."""

    enterprise_id: int
    as_of: datetime
    score: int
    grade: str
    pd: float | None
    assessor: str
    eligible: list[MatchedProductRead]
    ineligible: list[IneligibleProductRead]
