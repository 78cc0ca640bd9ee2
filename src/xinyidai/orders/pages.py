"""Portal pages of financing: the enterprise's home and application (a clerk's prepared application or need, which
the firm's administrator confirms or discards), the order page, the bank workbench."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai.auth.dependencies import BankManagerDep, BankOfficerDep, BankStaffDep, EnterpriseUserDep, csrf_protect
from xinyidai.auth.principal import Principal
from xinyidai.auth.scoping import own_enterprise_id
from xinyidai.consent import service as consent_service
from xinyidai.errors import DomainError, Forbidden
from xinyidai.money import InvalidAmount, InvalidRate, parse_percent, parse_yuan
from xinyidai.orders import lifecycle, service
from xinyidai.orders.dependencies import CurrentOrder
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.policy import ENTRY_LABELS, KIND_LABELS, STATUS_LABELS, DraftKind, OrderKind, OrderStatus
from xinyidai.orders.schemas import (
    EstimateCreate,
    OrderApprove,
    OrderCreate,
    OrderDraftConfirm,
    OrderDraftCreate,
    OrderPropose,
    OrderReject,
    OrderReturn,
)
from xinyidai.portal import i18n
from xinyidai.portal.forms import form_errors
from xinyidai.portal.templating import render
from xinyidai.products import service as products_service
from xinyidai.products.enums import REPAYMENT_METHOD_LABELS, RepaymentMethod
from xinyidai.registry import service as registry_service
from xinyidai.scoring import service as scoring_service
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

LABELS = {"status_labels": STATUS_LABELS, "method_labels": REPAYMENT_METHOD_LABELS, "kind_labels": KIND_LABELS,
          "entry_labels": ENTRY_LABELS}


# The labels of the application and approval forms, to name a refused field in Chinese.
FIELD_LABELS = {"amount_fen": "申请金额", "term_months": "期限", "repayment_method": "还款方式", "purpose": "资金用途",
                "line_fen": "授信额度", "annual_rate": "年化利率", "note": "备注"}
PURPOSE_ERROR = {"purpose": "资金用途至少2个字"}


@router.get("/enterprise", response_class=HTMLResponse)
def enterprise_home(request: Request, session: SessionDep,
                    principal: EnterpriseUserDep) -> Response:
    """The entity's home: registry card, annual-report status, products, its orders."""
    enterprise = registry_service.get(session, enterprise_id=own_enterprise_id(principal))
    portrait = scoring_service.read_portrait(session, principal=principal, enterprise_id=enterprise.id)
    return render(request, "orders/enterprise_home.html", {
        **LABELS,
        "portrait": portrait, "portrait_chart": scoring_service.radar_data_url(portrait, i18n.language_of(request)),
        "enterprise": registry_service.to_read(enterprise),
        "gate": registry_service.annual_report_gate(enterprise),
        "products": products_service.list_published(session),
        "orders": service.to_reads(session, service.list_for(session, principal=principal)),
        "drafts": [service.draft_to_read(session, d) for d in service.list_drafts(session, principal=principal)],
        "draft_status_labels": consent_service.DRAFT_STATUS_LABELS,
        "discarded": request.query_params.get("discarded") == "1",
        "may_bind": consent_service.may_bind_enterprise(principal.roles),
    })


@router.post("/enterprise/estimate/{product_id}", response_class=HTMLResponse)
def estimate(request: Request, session: SessionDep, principal: EnterpriseUserDep,
             product_id: IdPath) -> Response:
    """测一测: what the product would offer the entity now (an htmx partial), without applying."""
    try:
        estimated = service.estimate(session, principal=principal, estimate_in=EstimateCreate(product_id=product_id))
    except DomainError as exc:
        session.rollback()
        # Always 200: htmx swaps only successful responses, and the reason belongs where the answer would be.
        return render(request, "orders/_estimate.html", {"error": exc.message, "product_id": product_id})
    return render(request, "orders/_estimate.html",
                  {"estimate": service.to_assessment_read(estimated, product_id=product_id), "product_id": product_id})


def _apply_context(session: Session, principal: Principal, product: products_service.ProductView,
                   **extra: Any) -> dict[str, Any]:
    enterprise = registry_service.get(session, enterprise_id=own_enterprise_id(principal))
    return {**LABELS, "product": product, "gate": registry_service.annual_report_gate(enterprise),
            "form": {}, "may_bind": consent_service.may_bind_enterprise(principal.roles), **extra}


@router.get("/enterprise/apply/{product_id}", response_class=HTMLResponse)
def apply_page(request: Request, session: SessionDep,
               principal: EnterpriseUserDep, product_id: IdPath) -> Response:
    """The application form, or what must be put right first."""
    product = products_service.get_published(session, product_id=product_id)
    return render(request, "orders/apply.html", _apply_context(session, principal, product))


@router.post("/enterprise/apply/{product_id}", response_class=HTMLResponse)
def apply(
    request: Request, session: SessionDep, principal: EnterpriseUserDep,
    product_id: IdPath,
    amount: Annotated[str, Form(max_length=30)],
    term_months: Annotated[str, Form(max_length=4)],
    repayment_method: Annotated[str, Form(max_length=30)],
    purpose: Annotated[str, Form(max_length=500)],
    authorise: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """Submit the application; show the order with its estimate."""
    product = products_service.get_published(session, product_id=product_id)
    form = {"amount": amount, "term_months": term_months, "repayment_method": repayment_method, "purpose": purpose}
    try:
        order_in = OrderCreate(
            product_id=product.id, amount_fen=parse_yuan(amount), term_months=int(term_months),
            repayment_method=RepaymentMethod(repayment_method), purpose=purpose, authorise=authorise == "yes",
        )
        order = service.apply(session, principal=principal, order_in=order_in)
    except DomainError as exc:
        session.rollback()
        return render(request, "orders/apply.html",
                      _apply_context(session, principal, product, form=form, errors=[exc.message]),
                      status_code=exc.status_code)
    except InvalidAmount as exc:
        return render(request, "orders/apply.html",
                      _apply_context(session, principal, product, form=form, errors=[str(exc)]), status_code=422)
    except ValidationError as exc:
        return render(request, "orders/apply.html",
                      _apply_context(session, principal, product, form=form,
                                     errors=form_errors(exc, PURPOSE_ERROR, labels=FIELD_LABELS)), status_code=422)
    except ValueError:
        return render(request, "orders/apply.html",
                      _apply_context(session, principal, product, form=form, errors=["请选择期限和还款方式"]),
                      status_code=422)
    return RedirectResponse(f"/orders/{order.id}?submitted=1", status_code=303)


@router.post("/enterprise/apply/{product_id}/draft", response_class=HTMLResponse)
def prepare(
    request: Request, session: SessionDep, principal: EnterpriseUserDep,
    product_id: IdPath,
    amount: Annotated[str, Form(max_length=30)],
    term_months: Annotated[str, Form(max_length=4)],
    repayment_method: Annotated[str, Form(max_length=30)],
    purpose: Annotated[str, Form(max_length=500)],
) -> Response:
    """提交管理员确认: a clerk prepares the application for the firm's administrator, who confirms (and so applies and
    authorises) or discards it; until then no bank sees it."""
    product = products_service.get_published(session, product_id=product_id)
    form = {"amount": amount, "term_months": term_months, "repayment_method": repayment_method, "purpose": purpose}

    def again(errors: list[str], status_code: int) -> Response:
        return render(request, "orders/apply.html",
                      _apply_context(session, principal, product, form=form, errors=errors), status_code=status_code)

    try:
        draft_in = OrderDraftCreate(
            product_id=product.id, amount_fen=parse_yuan(amount), term_months=int(term_months),
            repayment_method=RepaymentMethod(repayment_method), purpose=purpose,
        )
        draft = service.prepare(session, principal=principal, draft_in=draft_in, ip_address=client_ip(request))
    except DomainError as exc:
        session.rollback()
        return again([exc.message], exc.status_code)
    except InvalidAmount as exc:
        return again([str(exc)], 422)
    except ValidationError as exc:
        return again(form_errors(exc, PURPOSE_ERROR, labels=FIELD_LABELS), 422)
    except ValueError:
        return again(["请选择期限和还款方式"], 422)
    return RedirectResponse(f"/enterprise/drafts/{draft.id}?prepared=1", status_code=303)


def _draft_page(request: Request, session: Session, principal: Principal, draft_id: int, *, status_code: int = 200,
                **extra: Any) -> Response:
    draft = service.get_draft(session, principal=principal, draft_id=draft_id)
    read = service.draft_to_read(session, draft)
    waiting = read.status is consent_service.DraftStatus.WAITING
    return render(request, "orders/draft.html", {
        **LABELS, "draft": read, "draft_status_labels": consent_service.DRAFT_STATUS_LABELS,
        "is_need": read.kind is DraftKind.NEED,
        "may_confirm": waiting and consent_service.may_bind_enterprise(principal.roles),
        "may_discard": waiting and (consent_service.may_bind_enterprise(principal.roles)
                                    or principal.user_id == read.prepared_by_user_id),
        "prepared": request.query_params.get("prepared") == "1", **extra,
    }, status_code=status_code)


@router.get("/enterprise/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(request: Request, session: SessionDep, principal: EnterpriseUserDep, draft_id: IdPath) -> Response:
    """A prepared application or need: what the clerk prepared (the product, or each bank's), by whom and when; the
    administrator confirms or discards it here. Another firm's is not found."""
    return _draft_page(request, session, principal, draft_id)


@router.post("/enterprise/drafts/{draft_id}/confirm", response_class=HTMLResponse)
def confirm_draft(request: Request, session: SessionDep, principal: EnterpriseUserDep, draft_id: IdPath,
                  authorise: Annotated[str | None, Form(max_length=5)] = None) -> Response:
    """The administrator confirms a prepared application (it is applied now, as the administrator; the bank sees
    it) or a prepared need (it is sent now, one order per bank)."""
    confirm_in = OrderDraftConfirm(authorise=authorise == "yes")
    try:
        if service.draft_kind(service.get_draft(session, principal=principal, draft_id=draft_id)) is DraftKind.NEED:
            need = lifecycle.confirm_need_draft(session, principal=principal, draft_id=draft_id,
                                                confirm_in=confirm_in, ip_address=client_ip(request))
            return RedirectResponse(f"/enterprise/needs/{need.id}?sent=1", status_code=303)
        order = service.confirm_draft(session, principal=principal, draft_id=draft_id, confirm_in=confirm_in,
                                      ip_address=client_ip(request))
    except DomainError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _draft_page(request, session, principal, draft_id, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse(f"/orders/{order.id}?submitted=1", status_code=303)


@router.post("/enterprise/drafts/{draft_id}/discard", response_class=HTMLResponse)
def discard_draft(request: Request, session: SessionDep, principal: EnterpriseUserDep, draft_id: IdPath) -> Response:
    """The administrator, or the clerk who prepared it, discards a prepared application; nothing was applied."""
    try:
        service.discard_draft(session, principal=principal, draft_id=draft_id, ip_address=client_ip(request))
    except DomainError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _draft_page(request, session, principal, draft_id, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse("/enterprise?discarded=1", status_code=303)


def _bank_assessment(request: Request, session: Session, order: FinancingOrder,
                     withheld: str | None) -> dict[str, Any]:
    """What the order's bank may see of the assessment drawn from the entity's credit information: while the
    authorisation the application granted is live, the portrait (read, spent and audited like the credit file, once
    per view of the page) and the pre-assessment's score, PD and reasons; once it is revoked or expired, none of
    them, and why. `withheld` is what the order's read says (`service.assessment_withheld`, the API's rule too),
    decided once for all of them."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or principal.organisation_id != order.bank_organisation_id:
        return {}
    if withheld is not None:
        return {"portrait_error": withheld, "assessment_withheld": withheld}
    try:
        portrait = scoring_service.read_portrait(session, principal=principal, enterprise_id=order.enterprise_id,
                                                 purpose_ref=order.order_no, ip_address=client_ip(request))
    except Forbidden as exc:
        return {"portrait_error": exc.message, "assessment_withheld": exc.message}
    return {"portrait": portrait, "portrait_chart": scoring_service.radar_data_url(portrait, i18n.language_of(request))}


def _bank_view(request: Request, session: Session, order: FinancingOrder) -> dict[str, Any]:
    """What the order's bank sees beside the order: the steps this person may take (审贷分离) and the firm's
    exposure on the platform under the application's authorisation."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None or principal.organisation_id != order.bank_organisation_id:
        return {"actions": frozenset()}
    return {"actions": frozenset(a.value for a in service.allowed_actions(principal=principal, order=order)),
            "exposure": service.exposure_for(session, principal=principal, order=order)}


def _order_page(request: Request, session: Session, order: FinancingOrder, *, status_code: int = 200,
                **extra: Any) -> Response:
    product = products_service.get(session, product_id=order.product_id)
    read = service.to_read(session, order, viewer=getattr(request.state, "principal", None))
    return render(request, "orders/order.html", {
        **LABELS, "order": read, "product": product,
        **_bank_assessment(request, session, order, read.estimate.withheld), **_bank_view(request, session, order),
        "decision": scoring_service.for_order(session, order_id=order.id),
        "prompts": [lifecycle.prompt_to_read(session, p) for p in lifecycle.prompts_of(session, order_id=order.id)],
        "is_deferral": order.kind == OrderKind.DEFERRAL,
        "submitted": request.query_params.get("submitted") == "1", **extra,
    }, status_code=status_code)


def order_page_response(request: Request, session: Session, order: FinancingOrder, *, status_code: int = 200,
                        **extra: Any) -> Response:
    """The order page (for the lifecycle pages to answer a refused step on it)."""
    return _order_page(request, session, order, status_code=status_code, **extra)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, session: SessionDep, order: CurrentOrder) -> Response:
    """An order: estimate, decision and timeline; the bank's actions when it may act."""
    return _order_page(request, session, order)


@router.post("/orders/{order_id}/accept", response_class=HTMLResponse)
def accept(request: Request, session: SessionDep, principal: BankStaffDep,
           order: CurrentOrder) -> Response:
    """The bank accepts the order."""
    try:
        service.accept(session, principal=principal, order=order)
    except DomainError as exc:
        session.rollback()
        return _order_page(request, session, order, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


@router.post("/orders/{order_id}/propose", response_class=HTMLResponse)
def propose(
    request: Request, session: SessionDep, principal: BankOfficerDep,
    order: CurrentOrder,
    line: Annotated[str, Form(max_length=30)],
    annual_rate: Annotated[str, Form(max_length=10)],
    term_months: Annotated[str, Form(max_length=4)],
    repayment_method: Annotated[str, Form(max_length=30)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The loan officer proposes the terms for a manager to approve."""
    try:
        proposal_in = OrderPropose(
            line_fen=parse_yuan(line), annual_rate=parse_percent(annual_rate), term_months=int(term_months),
            repayment_method=RepaymentMethod(repayment_method), note=note.strip() or None,
        )
        service.propose(session, principal=principal, order=order, proposal_in=proposal_in)
    except DomainError as exc:
        session.rollback()
        return _order_page(request, session, order, status_code=exc.status_code, errors=[exc.message])
    except (InvalidAmount, InvalidRate) as exc:
        return _order_page(request, session, order, status_code=422, errors=[str(exc)])
    except ValidationError as exc:
        return _order_page(request, session, order, status_code=422, errors=form_errors(exc, labels=FIELD_LABELS))
    except ValueError:
        return _order_page(request, session, order, status_code=422, errors=["请选择期限和还款方式"])
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


@router.post("/orders/{order_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request, session: SessionDep, principal: BankManagerDep,
    order: CurrentOrder, note: Annotated[Text, Form(max_length=500)] = "",
) -> Response:
    """A manager approves the officer's proposal."""
    try:
        service.approve(session, principal=principal, order=order,
                        decision_in=OrderApprove(note=note.strip() or None))
    except DomainError as exc:
        session.rollback()
        return _order_page(request, session, order, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


@router.post("/orders/{order_id}/return", response_class=HTMLResponse)
def return_proposal(request: Request, session: SessionDep, principal: BankManagerDep,
                    order: CurrentOrder, reason: Annotated[Text, Form(max_length=1000)] = "") -> Response:
    """A manager sends the proposal back to the officer with a reason."""
    try:
        service.return_proposal(session, principal=principal, order=order,
                                return_in=OrderReturn(reason=reason or " "))
    except DomainError as exc:
        session.rollback()
        return _order_page(request, session, order, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


@router.post("/orders/{order_id}/reject", response_class=HTMLResponse)
def reject(request: Request, session: SessionDep, principal: BankStaffDep,
           order: CurrentOrder, reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """The bank rejects with a reason."""
    try:
        service.reject(session, principal=principal, order=order, rejection_in=OrderReject(reason=reason or " "))
    except DomainError as exc:
        session.rollback()
        return _order_page(request, session, order, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse(f"/orders/{order.id}", status_code=303)


QUEUE_FILTERS = {
    "open": ("待办", None),
    "submitted": ("待受理", OrderStatus.SUBMITTED),
    "accepted": ("处理中", OrderStatus.ACCEPTED),
    "proposed": ("待审批", OrderStatus.PROPOSED),
    "committee": ("待第二位审批", OrderStatus.COMMITTEE),
    "late": ("超时订单", None),
    "all": ("全部", None),
}


def _queue(session: Session, principal: Principal, view: str) -> list[Any]:
    if view == "late":
        orders = service.list_for(session, principal=principal, late_only=True)
    elif view == "open":
        orders = service.list_for(session, principal=principal, open_only=True)
    else:
        orders = service.list_for(session, principal=principal, status=QUEUE_FILTERS.get(view, ("", None))[1])
    return service.to_reads(session, orders, viewer=principal)


@router.get("/bank/workbench", response_class=HTMLResponse)
def workbench(request: Request, session: SessionDep, principal: BankStaffDep,
              view: Annotated[Text, Query(max_length=20)] = "open") -> Response:
    """The bank's queue of orders; htmx swaps the table when the filter changes."""
    view = view if view in QUEUE_FILTERS else "open"
    context = {**LABELS, "orders": _queue(session, principal, view), "view": view, "filters": QUEUE_FILTERS,
               "prompts": [lifecycle.prompt_to_read(session, p)
                           for p in lifecycle.prompts_for_bank(session, principal=principal)]}
    if request.headers.get("hx-request"):
        return render(request, "orders/_queue.html", context)
    return render(request, "orders/workbench.html", context)
