"""API shapes of financing orders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field, StrictBool

from xinyidai.db import DbId
from xinyidai.money import AmountFen
from xinyidai.orders.policy import OrderStatus
from xinyidai.products.enums import RepaymentMethod
from xinyidai.text import Text


class OrderCreate(BaseModel):
    """An entity's application; submitting it authorises the platform and the bank."""

    product_id: DbId
    amount_fen: AmountFen
    term_months: int = Field(gt=0, le=360)
    repayment_method: RepaymentMethod
    purpose: Text = Field(min_length=2, max_length=500)
    authorise: StrictBool = Field(description="The applicant authorises the platform and the bank to use its credit "
                                        "information for this application")


class EstimateCreate(BaseModel):
    """An on-demand pre-assessment for a product (测一测), without applying."""

    product_id: DbId


class OrderApprove(BaseModel):
    """The bank's approval terms; the rate is an annual fraction."""

    line_fen: AmountFen
    annual_rate: Decimal = Field(gt=0, le=Decimal("0.24"), decimal_places=6)
    term_months: int = Field(gt=0, le=360)
    repayment_method: RepaymentMethod
    note: str | None = Field(default=None, max_length=500)


class OrderReject(BaseModel):
    """The bank's rejection; the reason is shown to the enterprise."""

    reason: str = Field(min_length=1, max_length=1000)


class OrderEventRead(BaseModel):
    """One entry of the timeline."""

    from_status: OrderStatus | None
    to_status: OrderStatus
    actor_organisation_id: int | None
    note: str | None
    occurred_at: datetime


class EstimateRead(BaseModel):
    """The pre-assessment shown when applying."""

    score: int
    grade: str
    line_fen: int
    annual_rate: Decimal
    reasons: list[str]
    assessor_version: str


class AssessmentRead(EstimateRead):
    """An on-demand pre-assessment: the estimate, with the model's PD and the stored decision it can be reproduced
    from."""

    product_id: int
    pd: float | None
    decision_id: int | None
    as_of: date
    outcome: str  # "approve", "decline" (no line: show the reasons and the remedies, not a rate) or "remediate"
    broken_rules: list[str]  # the credit policy's hard rules the entity breaks, in plain Chinese
    remedies: list[str]  # what the entity can do about them


class OrderRead(BaseModel):
    """An order as its enterprise and its bank see it."""

    id: int
    order_no: str
    enterprise_id: int
    enterprise_name: str
    product_id: DbId
    product_name: str
    bank_organisation_id: int
    amount_fen: int
    term_months: int
    repayment_method: RepaymentMethod
    purpose: str
    status: OrderStatus
    estimate: EstimateRead
    submitted_at: datetime
    deadline_date: date
    is_late: bool
    working_days_left: int
    accepted_at: datetime | None
    decided_at: datetime | None
    approved_line_fen: int | None
    approved_rate: Decimal | None
    approved_term_months: int | None
    approved_repayment_method: RepaymentMethod | None
    rejection_reason: str | None
    timeline: list[OrderEventRead]
