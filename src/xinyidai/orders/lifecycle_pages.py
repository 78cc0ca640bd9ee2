"""Portal pages of the order's whole life: the firm's need to several banks and its offers, withdrawal, renewal and
deferral requests, the officer's deferral proposal, the bank's answer to a prompt, and the supervisors' page of late
orders with its prompt form. Irreversible steps ask for an explicit confirmation (a box to tick) before they run."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.dependencies import BankOfficerDep, BankStaffDep, EnterpriseUserDep, OversightDep, csrf_protect
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service
from xinyidai.errors import DomainError
from xinyidai.money import InvalidAmount, parse_yuan
from xinyidai.orders import lifecycle, pages, policy, service
from xinyidai.orders.dependencies import CurrentOrder
from xinyidai.orders.exceptions import LoanSubjectNotFound
from xinyidai.orders.schemas import (
    DeferralCreate,
    DeferralPropose,
    NeedCreate,
    NeedDraftCreate,
    OrderWithdraw,
    PromptAnswer,
    PromptCreate,
    RenewalCreate,
)
from xinyidai.portal.forms import form_errors
from xinyidai.portal.templating import render
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

LABELS = {**pages.LABELS, "need_status_labels": policy.NEED_STATUS_LABELS, "kind_labels": policy.KIND_LABELS}
CONFIRM_NEEDED = "请勾选确认后再提交"


# One need, several banks ---------------------------------------------------------------------------------------------


def _need_form(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
               **extra: Any) -> Response:
    products = [p for p in products_service.list_published(session) if p.served_by_node is None]
    return render(request, "orders/need_new.html", {
        **LABELS, "products": products, "form": {}, "chosen": [],
        "may_bind": consent_service.may_bind_enterprise(principal.roles),
        "may_prepare": consent_service.may_prepare_for_enterprise(principal.roles), **extra,
    }, status_code=status_code)


@router.get("/enterprise/needs/new", response_class=HTMLResponse)
def need_page(request: Request, session: SessionDep, principal: EnterpriseUserDep) -> Response:
    """One need, several banks: the form that sends one financing need to up to three banks' products (the
    administrator), or prepares it for the administrator to confirm (a clerk)."""
    return _need_form(request, session, principal)


def _submit_need(request: Request, session: Session, principal: Principal, *, amount: str, term_months: str,
                 repayment_method: str, purpose: str, product_ids: list[str] | None,
                 act: Callable[[NeedDraftCreate], str]) -> Response:
    """Read the need form and hand it to `act` (send, or prepare), which says where to go next; anything refused
    shows the form again with the reason, as it was filled."""
    form = {"amount": amount, "term_months": term_months, "repayment_method": repayment_method, "purpose": purpose}
    chosen = [c for c in (product_ids or []) if c.isdigit()]

    def again(errors: list[str], status_code: int) -> Response:
        return _need_form(request, session, principal, form=form, chosen=chosen, errors=errors,
                          status_code=status_code)

    try:
        location = act(NeedDraftCreate(
            product_ids=[int(c) for c in chosen], amount_fen=parse_yuan(amount), term_months=int(term_months),
            repayment_method=RepaymentMethod(repayment_method), purpose=purpose))
    except DomainError as exc:
        session.rollback()
        return again([exc.message], exc.status_code)
    except InvalidAmount as exc:
        return again([str(exc)], 422)
    except ValidationError as exc:
        return again(form_errors(exc, {"product_ids": "请选择一至三个不同银行的产品"}, labels=pages.FIELD_LABELS),
                     422)
    except ValueError:
        return again(["请选择期限和还款方式"], 422)
    return RedirectResponse(location, status_code=303)


@router.post("/enterprise/needs/new", response_class=HTMLResponse)
def send_need(
    request: Request, session: SessionDep, principal: EnterpriseUserDep,
    amount: Annotated[str, Form(max_length=30)],
    term_months: Annotated[str, Form(max_length=4)],
    repayment_method: Annotated[str, Form(max_length=30)],
    purpose: Annotated[str, Form(max_length=500)],
    product_ids: Annotated[list[str] | None, Form(max_length=10)] = None,
    authorise: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """Send the need: one order per chosen product; show the need with its orders."""
    def send(fields: NeedDraftCreate) -> str:
        need_in = NeedCreate(**fields.model_dump(), authorise=authorise == "yes")
        return f"/enterprise/needs/{lifecycle.send_need(session, principal=principal, need_in=need_in).id}?sent=1"

    return _submit_need(request, session, principal, amount=amount, term_months=term_months,
                        repayment_method=repayment_method, purpose=purpose, product_ids=product_ids, act=send)


@router.post("/enterprise/needs/new/draft", response_class=HTMLResponse)
def prepare_need(
    request: Request, session: SessionDep, principal: EnterpriseUserDep,
    amount: Annotated[str, Form(max_length=30)],
    term_months: Annotated[str, Form(max_length=4)],
    repayment_method: Annotated[str, Form(max_length=30)],
    purpose: Annotated[str, Form(max_length=500)],
    product_ids: Annotated[list[str] | None, Form(max_length=10)] = None,
) -> Response:
    """提交管理员确认: a clerk prepares the need for the firm's administrator, who confirms (and so sends it and
    authorises each bank) or discards it; until then no bank sees it."""
    def prepare(fields: NeedDraftCreate) -> str:
        draft = lifecycle.prepare_need(session, principal=principal, draft_in=fields, ip_address=client_ip(request))
        return f"/enterprise/drafts/{draft.id}?prepared=1"

    return _submit_need(request, session, principal, amount=amount, term_months=term_months,
                        repayment_method=repayment_method, purpose=purpose, product_ids=product_ids, act=prepare)


def _need_page(request: Request, session: Session, principal: Principal, need_id: int, *, status_code: int = 200,
               **extra: Any) -> Response:
    need = lifecycle.get_need(session, principal=principal, need_id=need_id)
    return render(request, "orders/need.html", {
        **LABELS, "need": lifecycle.need_to_read(session, need),
        "may_bind": consent_service.may_bind_enterprise(principal.roles),
        "sent": request.query_params.get("sent") == "1",
        "accepted": request.query_params.get("accepted") == "1", **extra,
    }, status_code=status_code)


@router.get("/enterprise/needs/{need_id}", response_class=HTMLResponse)
def need_detail(request: Request, session: SessionDep, principal: EnterpriseUserDep, need_id: IdPath) -> Response:
    """A need: each bank's order and offer, and the button that takes one offer."""
    return _need_page(request, session, principal, need_id)


@router.post("/orders/{order_id}/accept-offer", response_class=HTMLResponse)
def accept_offer(request: Request, session: SessionDep, principal: EnterpriseUserDep, order: CurrentOrder,
                 confirm: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    """Take this bank's offer (after ticking the confirmation): the others are withdrawn or declined."""
    need_id = order.need_id
    if need_id is None:
        return pages.order_page_response(request, session, order, status_code=409,
                                         errors=["该订单不属于多家银行的融资需求"])
    if confirm != "yes":
        return _need_page(request, session, principal, need_id, status_code=422, errors=[CONFIRM_NEEDED])
    try:
        lifecycle.accept_offer(session, principal=principal, order=order)
    except DomainError as exc:
        session.rollback()
        return _need_page(request, session, principal, need_id, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse(f"/enterprise/needs/{need_id}?accepted=1", status_code=303)


# Withdrawal ------------------------------------------------------------------------------------------------------


@router.post("/orders/{order_id}/withdraw", response_class=HTMLResponse)
def withdraw(request: Request, session: SessionDep, principal: EnterpriseUserDep, order: CurrentOrder,
             reason: Annotated[str, Form(max_length=500)] = "",
             confirm: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    """The firm withdraws its open order, with a reason (after ticking the confirmation); the bank is told."""
    if confirm != "yes":
        return pages.order_page_response(request, session, order, status_code=422, errors=[CONFIRM_NEEDED])
    try:
        service.withdraw(session, principal=principal, order=order, withdraw_in=OrderWithdraw(reason=reason or " "))
    except DomainError as exc:
        session.rollback()
        return pages.order_page_response(request, session, order, status_code=exc.status_code,
                                         errors=[exc.message])
    except ValidationError:
        return pages.order_page_response(request, session, order, status_code=422, errors=["撤回原因不超过500字"])
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


# Renewal and deferral ----------------------------------------------------------------------------------------------


def _renewal_page(request: Request, session: Session, principal: Principal, line_id: int, *, status_code: int = 200,
                  **extra: Any) -> Response:
    assert principal.enterprise_id is not None
    line = next((x for x in service.lines_of(session, enterprise_id=principal.enterprise_id)
                 if x.line_id == line_id), None)
    if line is None:
        raise LoanSubjectNotFound("未找到该授信额度", message_en="credit line not found")
    product = products_service.get(session, product_id=line.product_id)
    first, last = policy.renewal_window(line.valid_until)
    return render(request, "orders/renewal.html", {
        **LABELS, "line": line, "product": product, "window_first": first, "window_last": last,
        "today": clock.today(), "may_bind": consent_service.may_bind_enterprise(principal.roles), "form": {},
        **extra}, status_code=status_code)


@router.get("/enterprise/lines/{line_id}/renewal", response_class=HTMLResponse)
def renewal_page(request: Request, session: SessionDep, principal: EnterpriseUserDep, line_id: IdPath) -> Response:
    """续贷: the renewal request form for one of the firm's lines, with its window."""
    return _renewal_page(request, session, principal, line_id)


@router.post("/enterprise/lines/{line_id}/renewal", response_class=HTMLResponse)
def request_renewal(request: Request, session: SessionDep, principal: EnterpriseUserDep, line_id: IdPath,
                    reason: Annotated[str, Form(max_length=500)] = "",
                    authorise: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    """Ask the bank to renew the line; show the renewal order."""
    try:
        order = lifecycle.request_renewal(session, principal=principal, line_id=line_id, renewal_in=RenewalCreate(
            reason=reason or " ", authorise=authorise == "yes"))
    except DomainError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _renewal_page(request, session, principal, line_id, status_code=exc.status_code,
                             errors=[exc.message], form={"reason": reason})
    except ValidationError:
        return _renewal_page(request, session, principal, line_id, status_code=422,
                             errors=["请填写续贷原因（2至500字）"], form={"reason": reason})
    return RedirectResponse(f"/orders/{order.id}?submitted=1", status_code=303)


def _deferral_page(request: Request, session: Session, principal: Principal, drawdown_id: int, *,
                   status_code: int = 200, **extra: Any) -> Response:
    facts = lifecycle.drawdown_facts(session, drawdown_id=drawdown_id)
    if facts is None or facts.enterprise_id != principal.enterprise_id:
        raise LoanSubjectNotFound("未找到该笔用信", message_en="drawdown not found")
    product = products_service.get(session, product_id=facts.product_id)
    return render(request, "orders/deferral.html", {
        **LABELS, "drawdown": facts, "product": product,
        "dates": policy.deferral_dates(facts.maturity_date, facts.due_day),
        "may_bind": consent_service.may_bind_enterprise(principal.roles), "form": {}, **extra,
    }, status_code=status_code)


@router.get("/enterprise/drawdowns/{drawdown_id}/deferral", response_class=HTMLResponse)
def deferral_page(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                  drawdown_id: IdPath) -> Response:
    """延期还本: the deferral request form for one of the firm's drawdowns, with the maturities it may choose."""
    return _deferral_page(request, session, principal, drawdown_id)


@router.post("/enterprise/drawdowns/{drawdown_id}/deferral", response_class=HTMLResponse)
def request_deferral(request: Request, session: SessionDep, principal: EnterpriseUserDep, drawdown_id: IdPath,
                     new_maturity_date: Annotated[str, Form(max_length=10)] = "",
                     reason: Annotated[str, Form(max_length=500)] = "",
                     authorise: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    """Ask the bank to defer the drawdown's principal; show the deferral order."""
    form = {"new_maturity_date": new_maturity_date, "reason": reason}
    try:
        order = lifecycle.request_deferral(session, principal=principal, deferral_in=DeferralCreate(
            drawdown_id=drawdown_id, new_maturity_date=date.fromisoformat(new_maturity_date), reason=reason or " ",
            authorise=authorise == "yes"))
    except DomainError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _deferral_page(request, session, principal, drawdown_id, status_code=exc.status_code,
                              errors=[exc.message], form=form)
    except ValidationError:
        return _deferral_page(request, session, principal, drawdown_id, status_code=422,
                              errors=["请填写延期原因（2至500字）"], form=form)
    except ValueError:
        return _deferral_page(request, session, principal, drawdown_id, status_code=422,
                              errors=["请选择新的到期日"], form=form)
    return RedirectResponse(f"/orders/{order.id}?submitted=1", status_code=303)


@router.post("/orders/{order_id}/propose-deferral", response_class=HTMLResponse)
def propose_deferral(request: Request, session: SessionDep, principal: BankOfficerDep, order: CurrentOrder,
                     note: Annotated[Text, Form(max_length=500)] = "") -> Response:
    """The loan officer proposes to grant the deferral as requested, for a manager to approve."""
    try:
        lifecycle.propose_deferral(session, principal=principal, order=order,
                                   proposal_in=DeferralPropose(note=note.strip() or None))
    except DomainError as exc:
        session.rollback()
        return pages.order_page_response(request, session, order, status_code=exc.status_code,
                                         errors=[exc.message])
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


# Supervision (督办) -------------------------------------------------------------------------------------------------


def _supervision_page(request: Request, session: Session, *, status_code: int = 200, **extra: Any) -> Response:
    banks = lifecycle.late_by_bank(session)
    prompts = {o.id: [lifecycle.prompt_to_read(session, p) for p in lifecycle.prompts_of(session, order_id=o.id)]
               for bank in banks for o in bank.orders}
    return render(request, "orders/supervision.html", {
        **LABELS, "banks": banks, "prompts": prompts, "prompted": request.query_params.get("prompted") == "1",
        **extra}, status_code=status_code)


@router.get("/supervision/late-orders", response_class=HTMLResponse)
def late_orders(request: Request, session: SessionDep, principal: OversightDep) -> Response:
    """服务质量监督: orders past their ten-working-day deadline by bank, each with its prompts and a prompt form."""
    return _supervision_page(request, session)


@router.post("/supervision/orders/{order_id}/prompt", response_class=HTMLResponse)
def prompt(request: Request, session: SessionDep, principal: OversightDep, order_id: IdPath,
           message: Annotated[Text, Form(max_length=1000)] = "") -> Response:
    """Prompt (督办) the order's bank with a message."""
    try:
        lifecycle.prompt(session, principal=principal, order_id=order_id,
                         prompt_in=PromptCreate(message=message or " "))
    except DomainError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _supervision_page(request, session, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse("/supervision/late-orders?prompted=1", status_code=303)


@router.post("/orders/{order_id}/prompts/{prompt_id}/answer", response_class=HTMLResponse)
def answer_prompt(request: Request, session: SessionDep, principal: BankStaffDep, order: CurrentOrder,
                  prompt_id: IdPath, answer: Annotated[Text, Form(max_length=1000)] = "") -> Response:
    """The bank answers a prompt about the order."""
    try:
        lifecycle.answer(session, principal=principal, prompt_id=prompt_id,
                         answer_in=PromptAnswer(answer=answer or " "))
    except DomainError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return pages.order_page_response(request, session, order, status_code=exc.status_code,
                                         errors=[exc.message])
    return RedirectResponse(f"/orders/{order.id}", status_code=303)
