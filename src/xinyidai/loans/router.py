"""REST API of loan servicing and the public loan calculator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from xinyidai import clock
from xinyidai.auth.dependencies import (
    BankManagerDep,
    BankStaffDep,
    EnterpriseUserDep,
    LoanPartyDep,
    PlatformAdminDep,
    Public,
)
from xinyidai.loans import calculator, eod, service
from xinyidai.loans.enums import Classification, LineStatus
from xinyidai.loans.exceptions import LoanRuleBroken
from xinyidai.loans.schedule import ScheduleError
from xinyidai.loans.schemas import DrawdownCreate, DrawdownRead, LineRead, RepaymentCreate, RepaymentRead
from xinyidai.money import AmountFen
from xinyidai.products.enums import RepaymentMethod
from xinyidai.text import Text
from xinyidai.web import IdempotencyKey, IdPath, SessionDep

router = APIRouter(prefix="/api/v1", tags=["loans"])



class LineStatusUpdate(BaseModel):
    """A bank's change of a line's status, with its reason."""

    status: LineStatus
    reason: Text = Field(min_length=2, max_length=200)


class QuoteRequest(BaseModel):
    """What the calculator needs."""

    principal_fen: AmountFen
    annual_rate: Decimal = Field(ge=0, le=1, decimal_places=6)
    months: int = Field(ge=1, le=360)
    method: RepaymentMethod
    guarantee_fee_rate: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("0.1"), decimal_places=6)
    start_date: date | None = None


class QuoteInstallment(BaseModel):
    """One row of a quoted schedule."""

    number: int
    due_date: date
    principal_fen: int
    interest_fen: int
    guarantee_fee_fen: int
    total_fen: int
    closing_principal_fen: int


class QuoteRead(BaseModel):
    """A quoted schedule and its total cost."""

    total_interest_fen: int
    total_guarantee_fee_fen: int
    total_cost_fen: int
    headline_total_interest_fen: int | None
    installments: list[QuoteInstallment]


@router.post("/calculator", response_model=QuoteRead, dependencies=[Depends(Public())])
def quote(quote_in: QuoteRequest) -> QuoteRead:
    """The schedule and total cost of a loan (public calculator)."""
    try:
        result = calculator.quote(
            principal_fen=quote_in.principal_fen, annual_rate=quote_in.annual_rate, months=quote_in.months,
            method=quote_in.method, guarantee_fee_rate=quote_in.guarantee_fee_rate,
            start_date=quote_in.start_date or clock.today(),
        )
    except ScheduleError as exc:
        raise LoanRuleBroken(str(exc), message_en="invalid calculator input") from exc
    return QuoteRead(
        total_interest_fen=result.total_interest_fen, total_guarantee_fee_fen=result.total_guarantee_fee_fen,
        total_cost_fen=result.total_cost_fen, headline_total_interest_fen=result.headline_total_interest_fen,
        installments=[QuoteInstallment(
            number=i.number, due_date=i.due_date, principal_fen=i.principal_fen, interest_fen=i.interest_fen,
            guarantee_fee_fen=i.guarantee_fee_fen, total_fen=i.total_fen, closing_principal_fen=i.closing_principal_fen,
        ) for i in result.schedule.installments],
    )


@router.get("/lines", response_model=list[LineRead])
def list_lines(session: SessionDep, principal: LoanPartyDep) -> list[LineRead]:
    """The caller's credit lines."""
    return [service.to_line_read(session, line) for line in service.list_lines(session, principal=principal)]


@router.get("/lines/{line_id}", response_model=LineRead)
def get_line(session: SessionDep, principal: LoanPartyDep, line_id: IdPath) -> LineRead:
    """One credit line with its available amount."""
    return service.to_line_read(session, service.get_line(session, principal=principal, line_id=line_id))


@router.post("/lines/{line_id}/status", response_model=LineRead)
def set_line_status(session: SessionDep, principal: BankStaffDep, line_id: IdPath,
                    update_in: LineStatusUpdate) -> LineRead:
    """The bank freezes, unfreezes or closes a line."""
    line = service.set_line_status(session, principal=principal, line_id=line_id, status=update_in.status,
                                   reason=update_in.reason)
    return service.to_line_read(session, line)


@router.post("/lines/{line_id}/drawdowns", response_model=DrawdownRead, status_code=201)
def draw(session: SessionDep, principal: EnterpriseUserDep, line_id: IdPath,
         drawdown_in: DrawdownCreate, idempotency_key: IdempotencyKey) -> DrawdownRead:
    """Draw on a line; retrying with the same Idempotency-Key returns the same drawdown."""
    drawdown = service.draw(session, principal=principal, line_id=line_id, drawdown_in=drawdown_in,
                            idempotency_key=idempotency_key)
    return service.to_drawdown_read(drawdown)


@router.get("/drawdowns", response_model=list[DrawdownRead])
def list_drawdowns(session: SessionDep, principal: LoanPartyDep) -> list[DrawdownRead]:
    """The caller's drawdowns."""
    return [service.to_drawdown_read(d) for d in service.list_drawdowns(session, principal=principal)]


@router.get("/drawdowns/{drawdown_id}", response_model=DrawdownRead)
def get_drawdown(session: SessionDep, principal: LoanPartyDep,
                 drawdown_id: IdPath) -> DrawdownRead:
    """One drawdown with its balances and schedule."""
    return service.to_drawdown_read(service.get_drawdown(session, principal=principal, drawdown_id=drawdown_id))


@router.post("/drawdowns/{drawdown_id}/repayments", response_model=RepaymentRead, status_code=201)
def repay(session: SessionDep, principal: EnterpriseUserDep, drawdown_id: IdPath,
          repayment_in: RepaymentCreate, idempotency_key: IdempotencyKey) -> RepaymentRead:
    """Repay; retrying with the same Idempotency-Key applies the money once."""
    repayment = service.repay(session, principal=principal, drawdown_id=drawdown_id, repayment_in=repayment_in,
                              idempotency_key=idempotency_key)
    return service.to_repayment_read(session, repayment)


class EodRunRead(BaseModel):
    """The record of an end-of-day run."""

    business_date: date
    status: str
    drawdowns_accrued: int
    entries_made: int
    postings_made: int
    defaults_triggered: int


@router.post("/admin/end-of-day", response_model=list[EodRunRead])
def run_end_of_day(session: SessionDep, principal: PlatformAdminDep,
                   through: date | None = None) -> list[EodRunRead]:
    """Run end of day for every date not yet done, up to `through` (default today); each date run is audited."""
    runs = eod.catch_up(session, through=through or clock.today(), actor=principal)
    return [EodRunRead(business_date=r.business_date, status=r.status, drawdowns_accrued=r.drawdowns_accrued,
                       entries_made=r.entries_made, postings_made=r.postings_made,
                       defaults_triggered=r.defaults_triggered) for r in runs]


class BandRead(BaseModel):
    """The lowest days past due of one classification category."""

    category: Classification
    min_days_past_due: int = Field(ge=0, le=10_000)


@router.get("/bank/classification-bands", response_model=list[BandRead])
def get_bands(session: SessionDep, principal: BankStaffDep) -> list[BandRead]:
    """The bank's five-category classification bands."""
    bands = service.get_classification_bands(session, bank_organisation_id=principal.organisation_id)
    return [BandRead(category=c, min_days_past_due=m) for m, c in bands]


@router.put("/bank/classification-bands", response_model=list[BandRead])
def set_bands(session: SessionDep, principal: BankManagerDep,
              bands_in: list[BandRead]) -> list[BandRead]:
    """The bank manager sets the days-past-due band of each category."""
    bands = service.set_classification_bands(
        session, principal=principal, bands=[(b.min_days_past_due, b.category) for b in bands_in])
    return [BandRead(category=c, min_days_past_due=m) for m, c in bands]
