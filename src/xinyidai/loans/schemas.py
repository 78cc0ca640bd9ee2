"""API shapes of loan servicing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from xinyidai.loans.enums import Classification, DrawdownStatus, LineStatus
from xinyidai.money import AmountFen
from xinyidai.products.enums import RepaymentMethod


class DrawdownCreate(BaseModel):
    """Money to draw on a line; the value date is today."""

    amount_fen: AmountFen
    term_months: int = Field(ge=1, le=360)
    method: RepaymentMethod
    value_date: date | None = Field(default=None, description="Must be today when given")


class RepaymentCreate(BaseModel):
    """A repayment; the value date is today."""

    amount_fen: AmountFen
    value_date: date | None = Field(default=None, description="Must be today when given")


class LineRead(BaseModel):
    """A credit line with what is still available."""

    id: int
    order_id: int
    enterprise_id: int
    bank_organisation_id: int
    product_id: int
    limit_fen: int
    used_fen: int
    available_fen: int
    annual_rate: Decimal
    guarantee_fee_rate: Decimal
    repayment_methods: list[RepaymentMethod]
    term_options: list[int]
    valid_from: date
    valid_until: date
    status: LineStatus
    status_reason: str | None


class InstallmentRead(BaseModel):
    """One scheduled repayment."""

    number: int
    due_date: date
    principal_fen: int
    scheduled_interest_fen: int
    principal_paid_fen: int
    overdue_fen: int
    superseded: bool
    compensated: bool = False


class BalancesRead(BaseModel):
    """What the borrower owes, by kind."""

    principal_fen: int
    principal_overdue_fen: int
    interest_accrued_fen: int
    interest_overdue_fen: int
    penalty_fen: int
    fee_accrued_fen: int
    fee_overdue_fen: int
    total_fen: int


class DrawdownRead(BaseModel):
    """A drawdown with its balances, status and schedule."""

    id: int
    credit_line_id: int
    enterprise_id: int
    principal_fen: int
    method: RepaymentMethod
    term_months: int
    value_date: date
    maturity_date: date
    annual_rate: Decimal
    status: DrawdownStatus
    days_past_due: int
    classification: Classification
    balances: BalancesRead
    installments: list[InstallmentRead]


class RepaymentRead(BaseModel):
    """A repayment and how it was applied."""

    id: int
    drawdown_id: int
    amount_fen: int
    value_date: date
    allocation: dict[str, int]
    balances: BalancesRead
