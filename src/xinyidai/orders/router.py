"""REST API of financing orders."""

from __future__ import annotations

from fastapi import APIRouter, Request

from xinyidai.auth.dependencies import (
    BankManagerDep,
    BankOfficerDep,
    BankStaffDep,
    EnterpriseUserDep,
    LoanPartyDep,
    OversightDep,
)
from xinyidai.consent.service import DraftStatus
from xinyidai.creditdata.credit_file import read_credit_file
from xinyidai.creditdata.schemas import CreditFileRead
from xinyidai.orders import lifecycle, service
from xinyidai.orders.dependencies import CurrentOrder
from xinyidai.orders.policy import OrderStatus
from xinyidai.orders.schemas import (
    AssessmentRead,
    DeferralCreate,
    DeferralPropose,
    EstimateCreate,
    ExposureRead,
    LateBankRead,
    NeedCreate,
    NeedDraftCreate,
    NeedRead,
    OrderApprove,
    OrderCreate,
    OrderDraftConfirm,
    OrderDraftCreate,
    OrderDraftRead,
    OrderPropose,
    OrderRead,
    OrderReject,
    OrderReturn,
    OrderWithdraw,
    PromptAnswer,
    PromptCreate,
    PromptRead,
    RenewalCreate,
)
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])
supervision_router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])


@router.post("", response_model=OrderRead, status_code=201)
def apply(
    session: SessionDep, principal: EnterpriseUserDep, order_in: OrderCreate
) -> OrderRead:
    """Apply for a product; the response carries the pre-assessment."""
    return service.to_read(session, service.apply(session, principal=principal, order_in=order_in))


@router.post("/estimate", response_model=AssessmentRead)
def estimate(
    session: SessionDep, principal: EnterpriseUserDep, estimate_in: EstimateCreate
) -> AssessmentRead:
    """The caller's on-demand pre-assessment for a product (score, PD, line, rate, reasons, model version),
    without applying."""
    estimated = service.estimate(session, principal=principal, estimate_in=estimate_in)
    return service.to_assessment_read(estimated, product_id=estimate_in.product_id)


# A clerk (经办人) prepares, the administrator confirms: a prepared application binds nothing and no bank sees it.
# Declared before "/{order_id}", which would otherwise take "drafts" for an order's id.


@router.post("/drafts", response_model=OrderDraftRead, status_code=201)
def prepare(request: Request, session: SessionDep, principal: EnterpriseUserDep,
            draft_in: OrderDraftCreate) -> OrderDraftRead:
    """Prepare an application for the firm's administrator to confirm (a clerk's way to apply); it is checked as an
    application would be, authorises nothing and no bank sees it."""
    draft = service.prepare(session, principal=principal, draft_in=draft_in, ip_address=client_ip(request))
    return service.draft_to_read(session, draft)


@router.get("/drafts", response_model=list[OrderDraftRead])
def list_drafts(session: SessionDep, principal: EnterpriseUserDep,
                status: DraftStatus | None = DraftStatus.WAITING) -> list[OrderDraftRead]:
    """The firm's prepared applications and needs, newest first: those waiting for the administrator unless
    `status` says otherwise."""
    return [service.draft_to_read(session, d) for d in service.list_drafts(session, principal=principal,
                                                                           status=status)]


@router.get("/drafts/{draft_id}", response_model=OrderDraftRead)
def get_draft(session: SessionDep, principal: EnterpriseUserDep, draft_id: IdPath) -> OrderDraftRead:
    """One of the firm's prepared applications or needs; another firm's is not found."""
    return service.draft_to_read(session, service.get_draft(session, principal=principal, draft_id=draft_id))


@router.post("/drafts/{draft_id}/confirm", response_model=OrderRead, status_code=201)
def confirm_draft(request: Request, session: SessionDep, principal: EnterpriseUserDep, draft_id: IdPath,
                  confirm_in: OrderDraftConfirm) -> OrderRead:
    """The administrator confirms a prepared application: it is applied now, as the administrator, and the bank
    sees it. A clerk is refused (403); a prepared need is confirmed at /needs/drafts/{draft_id}/confirm (409 here)."""
    order = service.confirm_draft(session, principal=principal, draft_id=draft_id, confirm_in=confirm_in,
                                  ip_address=client_ip(request))
    return service.to_read(session, order)


@router.post("/drafts/{draft_id}/discard", response_model=OrderDraftRead)
def discard_draft(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                  draft_id: IdPath) -> OrderDraftRead:
    """The administrator, or the clerk who prepared it, discards a prepared application or need."""
    draft = service.discard_draft(session, principal=principal, draft_id=draft_id, ip_address=client_ip(request))
    return service.draft_to_read(session, draft)


# The order's whole life: one need to several banks, renewal, deferral and the bank's answers to prompts. Declared
# before "/{order_id}" like the drafts.


@router.post("/needs", response_model=NeedRead, status_code=201)
def send_need(session: SessionDep, principal: EnterpriseUserDep, need_in: NeedCreate) -> NeedRead:
    """Send one financing need to up to three published products of different banks: one order each, each bank
    deciding alone."""
    return lifecycle.need_to_read(session, lifecycle.send_need(session, principal=principal, need_in=need_in))


@router.post("/needs/drafts", response_model=OrderDraftRead, status_code=201)
def prepare_need(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                 draft_in: NeedDraftCreate) -> OrderDraftRead:
    """Prepare a financing need to up to three banks' products for the firm's administrator to confirm (a clerk's
    way to send one); it is checked as sending would be, authorises nothing and no bank sees it. It is listed, read
    and discarded with the prepared applications (/drafts)."""
    draft = lifecycle.prepare_need(session, principal=principal, draft_in=draft_in, ip_address=client_ip(request))
    return service.draft_to_read(session, draft)


@router.post("/needs/drafts/{draft_id}/confirm", response_model=NeedRead, status_code=201)
def confirm_need_draft(request: Request, session: SessionDep, principal: EnterpriseUserDep, draft_id: IdPath,
                       confirm_in: OrderDraftConfirm) -> NeedRead:
    """The administrator confirms a prepared need: it is sent now, as the administrator, one order per bank, and
    each bank sees its own. A clerk is refused (403)."""
    need = lifecycle.confirm_need_draft(session, principal=principal, draft_id=draft_id, confirm_in=confirm_in,
                                        ip_address=client_ip(request))
    return lifecycle.need_to_read(session, need)


@router.get("/needs", response_model=list[NeedRead])
def list_needs(session: SessionDep, principal: EnterpriseUserDep) -> list[NeedRead]:
    """The firm's financing needs, newest first, with their orders."""
    return [lifecycle.need_to_read(session, n) for n in lifecycle.list_needs(session, principal=principal)]


@router.get("/needs/{need_id}", response_model=NeedRead)
def get_need(session: SessionDep, principal: EnterpriseUserDep, need_id: IdPath) -> NeedRead:
    """One of the firm's needs with its orders and offers; another firm's is not found."""
    return lifecycle.need_to_read(session, lifecycle.get_need(session, principal=principal, need_id=need_id))


@router.post("/lines/{line_id}/renewal", response_model=OrderRead, status_code=201)
def request_renewal(session: SessionDep, principal: EnterpriseUserDep, line_id: IdPath,
                    renewal_in: RenewalCreate) -> OrderRead:
    """Ask the line's bank to renew the line `line_id` before it expires (续贷), without repaying first; the product
    must allow it and the request fall within the renewal window (90 to 30 days before expiry)."""
    return service.to_read(session, lifecycle.request_renewal(session, principal=principal, line_id=line_id,
                                                              renewal_in=renewal_in))


@router.post("/deferrals", response_model=OrderRead, status_code=201)
def request_deferral(session: SessionDep, principal: EnterpriseUserDep, deferral_in: DeferralCreate) -> OrderRead:
    """Ask the bank to defer a drawdown's principal to a later due day (延期还本), with a reason."""
    return service.to_read(session, lifecycle.request_deferral(session, principal=principal,
                                                               deferral_in=deferral_in))


@router.get("/prompts", response_model=list[PromptRead])
def list_prompts(session: SessionDep, principal: BankStaffDep, answered: bool = False) -> list[PromptRead]:
    """The prompts (督办) addressed to the caller's bank: those awaiting an answer, or all with `answered`."""
    return [lifecycle.prompt_to_read(session, p)
            for p in lifecycle.prompts_for_bank(session, principal=principal, open_only=not answered)]


@router.post("/prompts/{prompt_id}/answer", response_model=PromptRead)
def answer_prompt(session: SessionDep, principal: BankStaffDep, prompt_id: IdPath,
                  answer_in: PromptAnswer) -> PromptRead:
    """The bank answers a prompt about one of its orders (once); another bank's prompt is not found."""
    return lifecycle.prompt_to_read(session, lifecycle.answer(session, principal=principal, prompt_id=prompt_id,
                                                              answer_in=answer_in))


@router.get("", response_model=list[OrderRead])
def list_orders(
    session: SessionDep,
    principal: LoanPartyDep,
    status: OrderStatus | None = None,
    late: bool = False,
) -> list[OrderRead]:
    """The caller's orders: its own for an enterprise, its bank's for a bank."""
    orders = service.list_for(session, principal=principal, status=status, late_only=late)
    return service.to_reads(session, orders, viewer=principal)


@router.get("/{order_id}", response_model=OrderRead)
def get_order(session: SessionDep, principal: LoanPartyDep, order: CurrentOrder) -> OrderRead:
    """One order with its timeline (the bank sees the estimate's score, grade and reasons only while the
    application's authorisation is live)."""
    return service.to_read(session, order, viewer=principal)


@router.get("/{order_id}/credit-lookup", response_model=CreditFileRead)
def credit_lookup(request: Request, session: SessionDep, principal: BankStaffDep,
                  order: CurrentOrder) -> CreditFileRead:
    """信易查: the applicant's credit information for the order's bank, under the authorisation the application
    gave (the categories it covers, desensitised for the caller's role); refused once it is revoked or expired."""
    return read_credit_file(session, principal=principal, enterprise_id=order.enterprise_id,
                            purpose_ref=order.order_no, ip_address=client_ip(request))


@router.post("/{order_id}/accept", response_model=OrderRead)
def accept(session: SessionDep, principal: BankStaffDep,
           order: CurrentOrder) -> OrderRead:
    """The bank accepts the order for processing."""
    return service.to_read(session, service.accept(session, principal=principal, order=order), viewer=principal)


@router.get("/{order_id}/exposure", response_model=ExposureRead)
def exposure(session: SessionDep, principal: BankStaffDep, order: CurrentOrder) -> ExposureRead:
    """The firm's live credit lines and other open orders on the platform, for the order's bank under the
    application's authorisation."""
    return service.exposure_for(session, principal=principal, order=order)


@router.post("/{order_id}/propose", response_model=OrderRead)
def propose(session: SessionDep, principal: BankOfficerDep, order: CurrentOrder,
            proposal_in: OrderPropose) -> OrderRead:
    """The loan officer proposes line, rate, term and repayment method for a manager to approve."""
    return service.to_read(session, service.propose(session, principal=principal, order=order,
                                                    proposal_in=proposal_in), viewer=principal)


@router.post("/{order_id}/approve", response_model=OrderRead)
def approve(session: SessionDep, principal: BankManagerDep, order: CurrentOrder,
            decision_in: OrderApprove) -> OrderRead:
    """A manager approves the officer's proposal (a second manager too above the product's committee threshold)."""
    return service.to_read(session, service.approve(session, principal=principal, order=order,
                                                    decision_in=decision_in), viewer=principal)


@router.post("/{order_id}/return", response_model=OrderRead)
def return_proposal(session: SessionDep, principal: BankManagerDep, order: CurrentOrder,
                    return_in: OrderReturn) -> OrderRead:
    """A manager sends the proposal back to the officer with a reason."""
    return service.to_read(session, service.return_proposal(session, principal=principal, order=order,
                                                            return_in=return_in), viewer=principal)


@router.post("/{order_id}/reject", response_model=OrderRead)
def reject(session: SessionDep, principal: BankStaffDep, order: CurrentOrder,
           rejection_in: OrderReject) -> OrderRead:
    """The bank rejects, with a reason the enterprise sees."""
    return service.to_read(session, service.reject(session, principal=principal, order=order,
                                                   rejection_in=rejection_in), viewer=principal)


@router.post("/{order_id}/withdraw", response_model=OrderRead)
def withdraw(session: SessionDep, principal: EnterpriseUserDep,
             order: CurrentOrder, withdraw_in: OrderWithdraw | None = None) -> OrderRead:
    """The enterprise withdraws its open application, with a reason the bank is told."""
    return service.to_read(session, service.withdraw(session, principal=principal, order=order,
                                                     withdraw_in=withdraw_in))


@router.post("/{order_id}/accept-offer", response_model=NeedRead)
def accept_offer(session: SessionDep, principal: EnterpriseUserDep, order: CurrentOrder) -> NeedRead:
    """The firm takes this bank's offer of its need: the line opens for it alone, the other banks' orders are
    withdrawn or declined, each bank told."""
    return lifecycle.need_to_read(session, lifecycle.accept_offer(session, principal=principal, order=order))


@router.post("/{order_id}/propose-deferral", response_model=OrderRead)
def propose_deferral(session: SessionDep, principal: BankOfficerDep, order: CurrentOrder,
                     proposal_in: DeferralPropose) -> OrderRead:
    """The loan officer proposes to grant a deferral as requested, for a manager to approve."""
    return service.to_read(session, lifecycle.propose_deferral(session, principal=principal, order=order,
                                                               proposal_in=proposal_in), viewer=principal)


@supervision_router.get("/late-orders", response_model=list[LateBankRead])
def late_orders(session: SessionDep, principal: OversightDep) -> list[LateBankRead]:
    """Orders past their ten-working-day deadline and still open, by bank (服务质量监督)."""
    return lifecycle.late_by_bank(session)


@supervision_router.post("/orders/{order_id}/prompts", response_model=PromptRead, status_code=201)
def prompt(session: SessionDep, principal: OversightDep, order_id: IdPath, prompt_in: PromptCreate) -> PromptRead:
    """Prompt (督办) the order's bank with a message; it goes on the order's timeline and the bank's workbench."""
    return lifecycle.prompt_to_read(session, lifecycle.prompt(session, principal=principal, order_id=order_id,
                                                              prompt_in=prompt_in))
