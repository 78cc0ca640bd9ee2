"""API shapes of financing orders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from xinyidai.consent.service import DraftStatus
from xinyidai.db import DbId
from xinyidai.money import AmountFen
from xinyidai.orders.policy import DraftKind, EntryKind, NeedStatus, OrderKind, OrderStatus
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


class OrderDraftCreate(BaseModel):
    """An application a clerk (经办人) prepares for the firm's administrator to confirm; it authorises nothing and no
    bank sees it until confirmed."""

    product_id: DbId
    amount_fen: AmountFen
    term_months: int = Field(gt=0, le=360)
    repayment_method: RepaymentMethod
    purpose: Text = Field(min_length=2, max_length=500)


class OrderDraftConfirm(BaseModel):
    """The administrator's confirmation of a prepared application: applying authorises the platform and the bank."""

    model_config = ConfigDict(extra="forbid")

    authorise: StrictBool = Field(description="The administrator authorises the platform and the bank (each bank of "
                                              "a need) to use the firm's credit information for this application")


class OrderDraftRead(BaseModel):
    """A prepared application or need: who prepared it and when, where it stands, and the order (or the need) its
    confirmation made."""

    id: int
    kind: DraftKind
    enterprise_id: int
    product_id: int = Field(description="The product applied for; of a need, the first of its products")
    product_name: str
    product_ids: list[int] = Field(description="Every product it goes to: one for an application, one to three for "
                                               "a need")
    product_names: list[str]
    amount_fen: int
    term_months: int
    repayment_method: RepaymentMethod
    purpose: str
    status: DraftStatus
    prepared_by_user_id: int
    prepared_by_name: str
    prepared_at: datetime
    decided_by_user_id: int | None
    decided_at: datetime | None
    order_id: int | None
    need_id: int | None


class EstimateCreate(BaseModel):
    """An on-demand pre-assessment for a product (测一测), without applying."""

    product_id: DbId


class OrderPropose(BaseModel):
    """The loan officer's proposed terms, for a manager to approve; the rate is an annual fraction."""

    line_fen: AmountFen
    annual_rate: Decimal = Field(gt=0, le=Decimal("0.24"), decimal_places=6)
    term_months: int = Field(gt=0, le=360)
    repayment_method: RepaymentMethod
    note: Text | None = Field(default=None, max_length=500)


class OrderApprove(BaseModel):
    """A manager's approval of the officer's proposal as it stands (to change the terms, return it)."""

    model_config = ConfigDict(extra="forbid")

    note: Text | None = Field(default=None, max_length=500)


class OrderReturn(BaseModel):
    """A manager sends the proposal back to the officer, saying what to put right."""

    reason: Text = Field(min_length=1, max_length=1000)


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
    kind: EntryKind = EntryKind.STATUS


class EstimateRead(BaseModel):
    """The pre-assessment shown when applying. For the order's bank, what it drew from the firm's credit
    information (score, grade, reasons) only while the application's authorisation is live: after revocation or
    expiry they are empty and `withheld` says why."""

    score: int | None
    grade: str | None
    line_fen: int
    annual_rate: Decimal
    reasons: list[str]
    assessor_version: str
    withheld: str | None = Field(default=None, description="Why the score, grade and reasons are no longer shown "
                                                           "to the bank (the authorisation was revoked or expired)")


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


class ProposalRead(BaseModel):
    """The loan officer's proposal awaiting (or given) a manager's approval."""

    proposed_by_user_id: int | None
    proposed_at: datetime | None
    line_fen: int
    annual_rate: Decimal
    term_months: int
    repayment_method: RepaymentMethod
    note: str | None
    needs_committee: bool
    first_approved_by_user_id: int | None


class OrderRead(BaseModel):
    """An order as its enterprise and its bank see it."""

    id: int
    order_no: str
    enterprise_id: int
    enterprise_name: str
    product_id: DbId
    product_name: str
    origin_node: str | None = Field(default=None, description="Relayed from this node of the platform network")
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
    proposal: ProposalRead | None
    return_reason: str | None
    timeline: list[OrderEventRead]
    kind: OrderKind = OrderKind.NEW
    need_id: int | None = None
    credit_line_id: int | None = Field(default=None, description="Renewal and deferral: the line concerned")
    drawdown_id: int | None = Field(default=None, description="Deferral: the drawdown whose principal is deferred")
    deferral_maturity_date: date | None = None
    request_reason: str | None = None
    withdrawal_reason: str | None = None


class ExposureLineRead(BaseModel):
    """One of the firm's live credit lines on the platform, at whichever bank."""

    line_id: int
    lender_name: str
    product_id: int
    limit_fen: int
    used_fen: int
    status: str
    valid_until: date


class ExposureOrderRead(BaseModel):
    """One of the firm's other open (or approved, line still opening) orders on the platform."""

    order_no: str
    bank_organisation_id: int
    product_id: int
    amount_fen: int
    status: OrderStatus
    submitted_at: datetime


class ExposureRead(BaseModel):
    """What the firm already holds or asks for on the platform, shown to the order's bank under the
    authorisation; `refusal` says why it is not shown."""

    lines: list[ExposureLineRead]
    orders: list[ExposureOrderRead]
    live_limit_fen: int
    refusal: str | None = None


class OrderWithdraw(BaseModel):
    """The firm withdraws its open order; the reason is shown to the bank."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=1, max_length=500)


class NeedDraftCreate(BaseModel):
    """A financing need to up to three published products of different banks that a clerk (经办人) prepares for the
    firm's administrator to confirm; it authorises nothing and no bank sees it until confirmed."""

    # A clerk cannot authorise: an `authorise` sent here is refused rather than silently ignored.
    model_config = ConfigDict(extra="forbid")

    product_ids: list[DbId] = Field(min_length=1, max_length=3)
    amount_fen: AmountFen
    term_months: int = Field(gt=0, le=360)
    repayment_method: RepaymentMethod
    purpose: Text = Field(min_length=2, max_length=500)


class NeedCreate(NeedDraftCreate):
    """One financing need sent at once to up to three published products of different banks (一次需求，多家银行)."""

    model_config = ConfigDict(extra="ignore")

    authorise: StrictBool = Field(description="The applicant authorises the platform and each chosen bank to use its "
                                              "credit information for this need")


class NeedRead(BaseModel):
    """A financing need with its orders (one per bank) and the offer the firm took, if any."""

    id: int
    need_no: str
    enterprise_id: int
    amount_fen: int
    term_months: int
    repayment_method: RepaymentMethod
    purpose: str
    status: NeedStatus
    created_at: datetime
    accepted_order_id: int | None
    accepted_at: datetime | None
    orders: list[OrderRead]


class RenewalCreate(BaseModel):
    """The firm asks to renew a credit line before it expires (续贷), without repaying first."""

    model_config = ConfigDict(extra="forbid")

    reason: Text = Field(min_length=2, max_length=500)
    authorise: StrictBool = Field(description="The firm authorises the line's bank to use its credit information "
                                              "to review the renewal")


class DeferralCreate(BaseModel):
    """The firm asks to defer a drawdown's principal to a later maturity (延期还本)."""

    model_config = ConfigDict(extra="forbid")

    drawdown_id: DbId
    new_maturity_date: date
    reason: Text = Field(min_length=2, max_length=500)
    authorise: StrictBool = Field(description="The firm authorises the bank to use its credit information to review "
                                              "the deferral")


class DeferralPropose(BaseModel):
    """The loan officer proposes to grant the deferral as requested, for a manager to approve."""

    model_config = ConfigDict(extra="forbid")

    note: Text | None = Field(default=None, max_length=500)


class PromptCreate(BaseModel):
    """A supervisor's prompt (督办) to the order's bank."""

    model_config = ConfigDict(extra="forbid")

    message: Text = Field(min_length=1, max_length=1000)


class PromptAnswer(BaseModel):
    """The bank's answer to a prompt."""

    model_config = ConfigDict(extra="forbid")

    answer: Text = Field(min_length=1, max_length=1000)


class PromptRead(BaseModel):
    """A prompt and its answer."""

    id: int
    order_id: int
    order_no: str
    bank_organisation_id: int
    message: str
    prompted_at: datetime
    prompted_by_organisation_id: int | None
    answer: str | None
    answered_at: datetime | None


class LateBankRead(BaseModel):
    """One bank's orders past their ten-working-day deadline (服务质量监督)."""

    bank_organisation_id: int
    bank_name: str
    late_count: int
    orders: list[OrderRead]
