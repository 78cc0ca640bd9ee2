"""Portal pages of loan servicing: the enterprise's lines and drawdowns, the bank's portfolio, the public calculator."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.dependencies import BankStaffDep, EnterpriseUserDep, LoanPartyDep, Public, csrf_protect
from xinyidai.auth.principal import Principal
from xinyidai.errors import DomainError
from xinyidai.identity import service as identity_service
from xinyidai.loans import calculator, service
from xinyidai.loans.enums import (
    CLASSIFICATION_LABELS,
    DRAWDOWN_STATUS_LABELS,
    LINE_STATUS_LABELS,
    Account,
    Classification,
    DrawdownStatus,
    LineStatus,
)
from xinyidai.loans.models import Drawdown
from xinyidai.loans.schedule import ScheduleError
from xinyidai.loans.schemas import DrawdownCreate, InstallmentRead, LineRead, RepaymentCreate
from xinyidai.money import InvalidAmount, InvalidRate, parse_percent, parse_yuan
from xinyidai.portal import i18n
from xinyidai.portal.forms import form_errors
from xinyidai.portal.templating import render
from xinyidai.products import service as products_service
from xinyidai.products.enums import REPAYMENT_METHOD_LABELS, RepaymentMethod
from xinyidai.registry import service as registry_service
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PublicPage = Depends(Public())

FormKey = Annotated[str, Form(min_length=8, max_length=100)]

ENTRY_KIND_LABELS = {
    "drawdown": "放款", "accrual": "计息", "due_transfer": "到期转逾期", "repayment": "还款",
    "compensation": "代偿", "recovery": "追偿",
}
# "正常" already means an active account in the English catalogue; the classification needs its own words.
CLASSIFICATION_LABELS_EN = {
    Classification.NORMAL: "Normal", Classification.SPECIAL_MENTION: "Special mention",
    Classification.SUBSTANDARD: "Substandard", Classification.DOUBTFUL: "Doubtful", Classification.LOSS: "Loss",
}
# The receivable accounts in the order the portal shows them, with their Chinese names.
RECEIVABLE_LABELS: tuple[tuple[Account, str, str], ...] = (
    (Account.PRINCIPAL, "principal_fen", "本金"),
    (Account.PRINCIPAL_OVERDUE, "principal_overdue_fen", "逾期本金"),
    (Account.INTEREST_ACCRUED, "interest_accrued_fen", "应计利息"),
    (Account.INTEREST_OVERDUE, "interest_overdue_fen", "逾期利息"),
    (Account.PENALTY, "penalty_fen", "罚息"),
    (Account.FEE_ACCRUED, "fee_accrued_fen", "担保费"),
    (Account.FEE_OVERDUE, "fee_overdue_fen", "逾期担保费"),
)
# Badge colours (classes of the portal stylesheet) by state.
LINE_BADGES = {LineStatus.ACTIVE: "approved", LineStatus.FROZEN: "rejected", LineStatus.EXPIRED: "withdrawn",
               LineStatus.CLOSED: "withdrawn"}
DRAWDOWN_BADGES = {DrawdownStatus.ACTIVE: "submitted", DrawdownStatus.SETTLED: "approved",
                   DrawdownStatus.DEFAULTED: "rejected", DrawdownStatus.COMPENSATED: "rejected"}
CLASSIFICATION_BADGES = {Classification.NORMAL: "approved", Classification.SPECIAL_MENTION: "accepted",
                         Classification.SUBSTANDARD: "rejected", Classification.DOUBTFUL: "rejected",
                         Classification.LOSS: "rejected"}
CALCULATOR_DEFAULTS = {"principal": "10000", "annual_rate": "3.5", "months": "12",
                       "method": RepaymentMethod.EQUAL_INSTALLMENT.value, "fee_rate": "1.2"}


def classification_labels(request: Request) -> dict[Classification, str]:
    """The five categories' names in the visitor's language."""
    return CLASSIFICATION_LABELS_EN if i18n.language_of(request) == "en" else CLASSIFICATION_LABELS


def labels(request: Request) -> dict[str, Any]:
    return {
        "line_status_labels": LINE_STATUS_LABELS, "drawdown_status_labels": DRAWDOWN_STATUS_LABELS,
        "classification_labels": classification_labels(request), "method_labels": REPAYMENT_METHOD_LABELS,
        "entry_kind_labels": ENTRY_KIND_LABELS, "receivables": RECEIVABLE_LABELS,
        "line_badges": LINE_BADGES, "drawdown_badges": DRAWDOWN_BADGES, "classification_badges": CLASSIFICATION_BADGES,
    }


def new_idempotency_key() -> str:
    """A fresh key for one money form: a resubmitted form carries the same key and is applied once."""
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class DrawdownRow:
    """One drawdown as the portfolio and the enterprise's list show it; amounts in fen."""

    id: int
    credit_line_id: int
    enterprise_id: int
    enterprise_name: str
    value_date: date
    maturity_date: date
    principal_fen: int
    method: RepaymentMethod
    term_months: int
    outstanding_principal_fen: int
    overdue_fen: int
    total_owed_fen: int
    days_past_due: int
    status: DrawdownStatus
    classification: Classification


class _Names:
    """Enterprise and organisation names, looked up once per request."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._enterprises: dict[int, str] = {}
        self._organisations: dict[int, str] = {}

    def enterprise(self, enterprise_id: int) -> str:
        if enterprise_id not in self._enterprises:
            self._enterprises[enterprise_id] = registry_service.get(self.session, enterprise_id=enterprise_id).name
        return self._enterprises[enterprise_id]

    def organisation(self, organisation_id: int) -> str:
        if organisation_id not in self._organisations:
            self._organisations[organisation_id] = identity_service.get_organisation(
                self.session, organisation_id=organisation_id).name
        return self._organisations[organisation_id]


def _row(drawdown: Drawdown, names: _Names) -> DrawdownRow:
    return DrawdownRow(
        id=drawdown.id, credit_line_id=drawdown.credit_line_id, enterprise_id=drawdown.enterprise_id,
        enterprise_name=names.enterprise(drawdown.enterprise_id), value_date=drawdown.value_date,
        maturity_date=drawdown.maturity_date, principal_fen=drawdown.principal_fen,
        method=RepaymentMethod(drawdown.method), term_months=drawdown.term_months,
        outstanding_principal_fen=drawdown.bal_principal + drawdown.bal_principal_overdue,
        overdue_fen=drawdown.bal_principal_overdue + drawdown.bal_interest_overdue + drawdown.bal_fee_overdue
        + drawdown.bal_penalty,
        total_owed_fen=service.total_owed(drawdown), days_past_due=drawdown.days_past_due,
        status=DrawdownStatus(drawdown.status), classification=Classification(drawdown.classification),
    )


# The enterprise's lines and drawdowns ----------------------------------------------------------------


def _loans_page(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
                errors: dict[int, list[str]] | None = None, forms: dict[int, dict[str, str]] | None = None) -> Response:
    lines = [service.to_line_read(session, line) for line in service.list_lines(session, principal=principal)]
    names = _Names(session)
    errors = errors or {}
    visible = {line.id for line in lines}
    return render(request, "loans/loans.html", {
        **labels(request),
        "lines": lines,
        "product_names": {line.product_id: products_service.get(session, product_id=line.product_id).name
                          for line in lines},
        "bank_names": {line.bank_organisation_id: names.organisation(line.bank_organisation_id) for line in lines},
        "drawdowns": [_row(d, names) for d in service.list_drawdowns(session, principal=principal)],
        "keys": {line.id: new_idempotency_key() for line in lines},
        "line_errors": errors,
        "errors": [message for line_id, messages in errors.items() if line_id not in visible for message in messages],
        "forms": forms or {},
    }, status_code=status_code)


@router.get("/loans", response_class=HTMLResponse)
def loans_page(request: Request, session: SessionDep, principal: EnterpriseUserDep) -> Response:
    """The enterprise's credit lines, a drawdown form on each, and its drawdowns."""
    return _loans_page(request, session, principal)


def _quote_context(*, principal_fen: int, annual_rate: Decimal, months: int, method: RepaymentMethod,
                   fee_rate: Decimal) -> dict[str, Any]:
    quote = calculator.quote(principal_fen=principal_fen, annual_rate=annual_rate, months=months, method=method,
                             guarantee_fee_rate=fee_rate, start_date=clock.today())
    return {"quote": quote, "principal_fen": principal_fen}


@router.post("/loans/lines/{line_id}/preview", response_class=HTMLResponse)
def preview(
    request: Request, session: SessionDep, principal: EnterpriseUserDep, line_id: IdPath,
    amount: Annotated[str, Form(max_length=30)] = "",
    term_months: Annotated[str, Form(max_length=4)] = "",
    repayment_method: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    """The schedule a drawdown on the line would have (an htmx partial); computes and writes nothing."""
    line = service.to_line_read(session, service.get_line(session, principal=principal, line_id=line_id))
    context: dict[str, Any] = {**labels(request), "preview": True}
    if not amount.strip():
        return render(request, "loans/_quote.html", {**context, "hint": "输入用信金额后显示还款计划"})
    try:
        amount_fen = parse_yuan(amount)
        term, method = int(term_months), RepaymentMethod(repayment_method)
        if amount_fen <= 0:
            raise InvalidAmount("用信金额必须大于零")
        if term not in line.term_options or method not in line.repayment_methods:
            raise ValueError(term_months)
        context.update(_quote_context(principal_fen=amount_fen, annual_rate=line.annual_rate, months=term,
                                      method=method, fee_rate=line.guarantee_fee_rate))
        if amount_fen > line.available_fen:
            context["warning"] = "用信金额超过可用额度，提交时将被拒绝"
    except InvalidAmount as exc:
        context["errors"] = [str(exc)]
    except ScheduleError as exc:
        context["errors"] = [str(exc)]
    except ValueError:
        context["errors"] = ["请选择期限和还款方式"]
    # Always 200: htmx swaps only successful responses, and the message belongs in the preview.
    return render(request, "loans/_quote.html", context)


@router.post("/loans/lines/{line_id}/drawdowns", response_class=HTMLResponse)
def draw(
    request: Request, session: SessionDep, principal: EnterpriseUserDep, line_id: IdPath,
    amount: Annotated[str, Form(max_length=30)],
    term_months: Annotated[str, Form(max_length=4)],
    repayment_method: Annotated[str, Form(max_length=30)],
    idempotency_key: FormKey,
) -> Response:
    """Draw on a line; a resubmitted form (same idempotency key) returns the first drawdown."""
    form = {"amount": amount, "term_months": term_months, "repayment_method": repayment_method}
    try:
        drawdown_in = DrawdownCreate(amount_fen=parse_yuan(amount), term_months=int(term_months),
                                     method=RepaymentMethod(repayment_method))
        drawdown = service.draw(session, principal=principal, line_id=line_id, drawdown_in=drawdown_in,
                                idempotency_key=idempotency_key)
    except DomainError as exc:
        session.rollback()
        return _loans_page(request, session, principal, status_code=exc.status_code,
                           errors={line_id: [exc.message]}, forms={line_id: form})
    except InvalidAmount as exc:
        return _loans_page(request, session, principal, status_code=422, errors={line_id: [str(exc)]},
                           forms={line_id: form})
    except ValidationError as exc:
        # Only the amount is typed in; the term and the method are chosen from the line's offer.
        refused = form_errors(exc, {"amount_fen": "金额必须大于零"}, default="请选择期限和还款方式")
        return _loans_page(request, session, principal, status_code=422, errors={line_id: refused},
                           forms={line_id: form})
    except ValueError:
        return _loans_page(request, session, principal, status_code=422, errors={line_id: ["请选择期限和还款方式"]},
                           forms={line_id: form})
    return RedirectResponse(f"/loans/drawdowns/{drawdown.id}?drawn=1", status_code=303)


# One drawdown ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallmentRow:
    """A scheduled installment with its state in words."""

    item: InstallmentRead
    state: str


def _installment_state(item: InstallmentRead, status: DrawdownStatus, today: date) -> str:
    if item.superseded:
        return "已作废（提前还款后重排）"
    if item.overdue_fen > 0:
        return "逾期"
    paid = item.principal_fen > 0 and item.principal_paid_fen >= item.principal_fen
    if item.compensated:
        # The guarantor paid the bank, not the borrower: the borrower owes it to the guarantor now.
        return "代偿" if paid else "部分代偿"
    if paid:
        return "已还"
    if status in (DrawdownStatus.DEFAULTED, DrawdownStatus.COMPENSATED):
        return "已违约"  # end of day no longer moves a defaulted drawdown's installments
    if item.due_date < today or status == DrawdownStatus.SETTLED:
        return "已还"  # end of day moves what is unpaid at a due date to overdue
    if item.due_date == today:
        return "今日到期"
    return "未到期"


def _drawdown_page(request: Request, session: Session, principal: Principal, drawdown: Drawdown, *,
                   status_code: int = 200, **extra: Any) -> Response:
    read = service.to_drawdown_read(drawdown)
    line = service.to_line_read(session, service.get_line(session, principal=principal,
                                                          line_id=drawdown.credit_line_id))
    names = _Names(session)
    today = clock.today()
    flash = None
    if request.query_params.get("drawn") == "1":
        flash = "用信成功，资金已发放"
    elif request.query_params.get("repaid") == "1":
        flash = "还款成功" if read.status != DrawdownStatus.SETTLED else "还款成功，该笔用信已结清"
    return render(request, "loans/drawdown.html", {
        **labels(request),
        "drawdown": read,
        "line": line,
        "product_name": products_service.get(session, product_id=line.product_id).name,
        "enterprise_name": names.enterprise(drawdown.enterprise_id),
        "bank_name": names.organisation(drawdown.bank_organisation_id),
        "installments": [InstallmentRow(i, _installment_state(i, read.status, today)) for i in read.installments],
        "statement": service.merge_accruals(service.statement(session, drawdown_id=drawdown.id)),
        "due_now_fen": sum(service.owed(drawdown, today).values()),
        "can_repay": principal.enterprise_id == drawdown.enterprise_id and read.status == DrawdownStatus.ACTIVE,
        "idempotency_key": new_idempotency_key(),
        "flash": flash,
        "form": {},
        **extra,
    }, status_code=status_code)


@router.get("/loans/drawdowns/{drawdown_id}", response_class=HTMLResponse)
def drawdown_page(request: Request, session: SessionDep, principal: LoanPartyDep,
                  drawdown_id: IdPath) -> Response:
    """A drawdown: balances by kind, classification, schedule, statement; the enterprise's repayment form."""
    drawdown = service.get_drawdown(session, principal=principal, drawdown_id=drawdown_id)
    return _drawdown_page(request, session, principal, drawdown)


@router.post("/loans/drawdowns/{drawdown_id}/repayments", response_class=HTMLResponse)
def repay(
    request: Request, session: SessionDep, principal: EnterpriseUserDep, drawdown_id: IdPath,
    amount: Annotated[str, Form(max_length=30)],
    idempotency_key: FormKey,
) -> Response:
    """Repay a drawdown; a resubmitted form (same idempotency key) applies the money once."""
    form = {"amount": amount}
    try:
        repayment_in = RepaymentCreate(amount_fen=parse_yuan(amount))
        service.repay(session, principal=principal, drawdown_id=drawdown_id, repayment_in=repayment_in,
                      idempotency_key=idempotency_key)
    except DomainError as exc:
        session.rollback()
        drawdown = service.get_drawdown(session, principal=principal, drawdown_id=drawdown_id)
        return _drawdown_page(request, session, principal, drawdown, status_code=exc.status_code,
                              errors=[exc.message], form=form)
    except (InvalidAmount, ValidationError) as exc:
        message = str(exc) if isinstance(exc, InvalidAmount) else "还款金额必须大于零"
        drawdown = service.get_drawdown(session, principal=principal, drawdown_id=drawdown_id)
        return _drawdown_page(request, session, principal, drawdown, status_code=422, errors=[message], form=form)
    return RedirectResponse(f"/loans/drawdowns/{drawdown_id}?repaid=1", status_code=303)


# The bank's portfolio --------------------------------------------------------------------------------


PORTFOLIO_FLASH = {"frozen": "授信额度已冻结", "active": "授信额度已解冻"}


def _portfolio_page(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
                    **extra: Any) -> Response:
    names = _Names(session)
    summary = service.portfolio_summary(session, principal=principal)
    lines: list[LineRead] = [service.to_line_read(session, line)
                             for line in service.list_lines(session, principal=principal)]
    drawdowns = [_row(d, names) for d in service.list_drawdowns(session, principal=principal)]
    return render(request, "loans/portfolio.html", {
        **labels(request),
        "summary": [(category, *summary[category]) for category in Classification],
        "summary_count": sum(count for count, _ in summary.values()),
        "summary_principal_fen": sum(principal_fen for _, principal_fen in summary.values()),
        "drawdowns": drawdowns,
        "overdue_count": sum(1 for d in drawdowns if d.overdue_fen > 0 and d.status != DrawdownStatus.SETTLED),
        "lines": lines,
        "enterprise_names": {line.enterprise_id: names.enterprise(line.enterprise_id) for line in lines},
        "flash": PORTFOLIO_FLASH.get(request.query_params.get("done", "")),
        **extra,
    }, status_code=status_code)


@router.get("/bank/portfolio", response_class=HTMLResponse)
def portfolio(request: Request, session: SessionDep, principal: BankStaffDep) -> Response:
    """The bank's drawdowns with balances and classification, a five-category summary, and its lines."""
    return _portfolio_page(request, session, principal)


@router.post("/bank/lines/{line_id}/status", response_class=HTMLResponse)
def set_line_status(
    request: Request, session: SessionDep, principal: BankStaffDep, line_id: IdPath,
    status: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The bank freezes or unfreezes a line, with a reason."""
    if status not in (LineStatus.FROZEN, LineStatus.ACTIVE):
        return _portfolio_page(request, session, principal, status_code=422, errors=["只能冻结或解冻授信额度"])
    try:
        service.set_line_status(session, principal=principal, line_id=line_id, status=LineStatus(status),
                                reason=reason)
    except DomainError as exc:
        session.rollback()
        return _portfolio_page(request, session, principal, status_code=exc.status_code,
                               errors=[exc.message])
    return RedirectResponse(f"/bank/portfolio?done={status}", status_code=303)


# The public calculator -------------------------------------------------------------------------------


@router.get("/calculator", response_class=HTMLResponse, dependencies=[PublicPage])
def calculator_page(
    request: Request,
    principal: Annotated[Text | None, Query(max_length=30)] = None,
    annual_rate: Annotated[Text | None, Query(max_length=10)] = None,
    months: Annotated[Text | None, Query(max_length=4)] = None,
    method: Annotated[Text | None, Query(max_length=30)] = None,
    fee_rate: Annotated[Text | None, Query(max_length=10)] = None,
) -> Response:
    """The borrower's cost calculator; htmx swaps the result as the form changes."""
    given = {"principal": principal, "annual_rate": annual_rate, "months": months, "method": method,
             "fee_rate": fee_rate}
    form = {key: (value if value is not None else CALCULATOR_DEFAULTS[key]) for key, value in given.items()}
    context: dict[str, Any] = {**labels(request), "form": form, "methods": list(RepaymentMethod)}
    try:
        principal_fen = parse_yuan(form["principal"])
        if principal_fen <= 0:
            raise InvalidAmount("借款金额必须大于零")
        term = int(form["months"])
        context.update(_quote_context(
            principal_fen=principal_fen, annual_rate=parse_percent(form["annual_rate"]), months=term,
            method=RepaymentMethod(form["method"]),
            fee_rate=parse_percent(form["fee_rate"] or "0"),
        ))
    except (InvalidAmount, InvalidRate, ScheduleError) as exc:
        context["errors"] = [str(exc)]
    except ValueError:
        context["errors"] = ["期限须为1至360之间的整数（月），并选择还款方式"]
    if request.headers.get("hx-request") and not request.headers.get("hx-history-restore-request"):
        return render(request, "loans/_quote.html", context)
    explain = calculator.explain_chongxindai_cost(i18n.language_of(request))
    return render(request, "loans/calculator.html", {**context, "explain": explain})
