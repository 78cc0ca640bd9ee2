"""The order's whole life beyond one application: one need sent to several banks (or prepared by a clerk for the
administrator to confirm) and the offer the firm takes (一次需求，多家银行), renewal of a line (续贷), deferral of a
drawdown's principal (延期还本), and service-quality supervision (督办) of orders past their deadline.

Loans sit above orders: what orders need to know of a line or a drawdown comes through the wiring (main.py), as
`service.lines_of` and `use_drawdown_facts`; what loans must do (open, renew a line; reschedule a drawdown) they do
on the events published here and in `service`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyidai import clock, events, workdays
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.consent import service as consent_service
from xinyidai.identity import service as identity_service
from xinyidai.money import format_yuan
from xinyidai.orders import policy, service
from xinyidai.orders.events import (
    DeferralRequested,
    OfferAccepted,
    OfferDeclined,
    OrderPrompted,
    PromptAnswered,
    RenewalRequested,
)
from xinyidai.orders.exceptions import (
    DutyRefused,
    IllegalOrderTransition,
    InvalidApplication,
    LoanSubjectNotFound,
    NeedNotFound,
    OrderNotFound,
    PromptNotFound,
)
from xinyidai.orders.models import FinancingNeed, FinancingOrder, FinancingOrderDraft, OrderPrompt
from xinyidai.orders.policy import Action, DraftKind, DrawdownFacts, EntryKind, OrderKind, OrderStatus
from xinyidai.orders.schemas import (
    DeferralCreate,
    DeferralPropose,
    LateBankRead,
    NeedCreate,
    NeedDraftCreate,
    NeedRead,
    OrderCreate,
    OrderDraftConfirm,
    OrderRead,
    PromptAnswer,
    PromptCreate,
    PromptRead,
    RenewalCreate,
)
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.scoring import service as scoring_service

DrawdownFactsSource = Callable[[Session, int], DrawdownFacts | None]
# A drawdown's facts for a deferral request; loans provides them through the wiring (main.py). Without it no
# drawdown is known.
_drawdown_facts: DrawdownFactsSource = lambda session, drawdown_id: None  # noqa: E731


def use_drawdown_facts(source: DrawdownFactsSource) -> None:
    """Let orders read a drawdown's facts (for deferral requests)."""
    global _drawdown_facts
    _drawdown_facts = source


def drawdown_facts(session: Session, *, drawdown_id: int) -> DrawdownFacts | None:
    """A drawdown's facts as loans reports them through the wiring (None when unknown)."""
    return _drawdown_facts(session, drawdown_id)


# One need, several banks -------------------------------------------------------------------------------------------


def _new_need_no() -> str:
    return f"XQ{clock.today():%Y%m%d}{secrets.randbelow(10**8):08d}"


def _need_products(session: Session, need_in: NeedDraftCreate) -> Sequence[products_service.ProductView]:
    """The need's products, each published, of different banks, served at this node, and each taking the need's
    amount, term and method; any refusal refuses the whole need."""
    products = [products_service.get_published(session, product_id=pid) for pid in need_in.product_ids]
    problems = policy.need_problems([(p.id, p.bank_organisation_id) for p in products])
    if any(p.served_by_node is not None for p in products):
        problems.append("融资需求只能发送给本节点银行的产品")
    if problems:
        raise InvalidApplication("；".join(problems), message_en="a need goes to one to three banks' products")
    for product in products:
        found = policy.application_problems(amount_fen=need_in.amount_fen, term_months=need_in.term_months,
                                            repayment_method=need_in.repayment_method,
                                            terms=service.terms_of(product))
        if found:
            problems.append(f"{product.name}：" + "，".join(found))
    if problems:
        raise InvalidApplication("；".join(problems), message_en="the need is outside a product's terms")
    return products


def send_need(session: Session, *, principal: Principal, need_in: NeedCreate,
              prepared_by_user_id: int | None = None) -> FinancingNeed:
    """The firm sends one financing need to up to three published products of different banks: one order for
    each, every check of applying run for each (a refusal of any refuses the whole need), each bank deciding alone.
    `prepared_by_user_id`: the clerk whose prepared need the administrator confirms (named on each order's timeline
    and in the audit)."""
    consent_service.require_may_bind(principal)
    if principal.enterprise_id is None or principal.user_id is None:
        raise InvalidApplication("只有完成实名注册的市场主体可以申请融资", message_en="only enterprises apply")
    products = _need_products(session, need_in)
    need = FinancingNeed(
        need_no=_new_need_no(), enterprise_id=principal.enterprise_id, applicant_user_id=principal.user_id,
        amount_fen=need_in.amount_fen, term_months=need_in.term_months, repayment_method=need_in.repayment_method,
        purpose=need_in.purpose.strip(), created_at=clock.now(),
    )
    session.add(need)
    session.flush()
    for product in products:
        order = service.apply(session, principal=principal, order_in=OrderCreate(
            product_id=product.id, amount_fen=need_in.amount_fen, term_months=need_in.term_months,
            repayment_method=need_in.repayment_method, purpose=need_in.purpose, authorise=need_in.authorise),
            prepared_by_user_id=prepared_by_user_id)
        order.need_id = need.id
        # The need's words first; the preparer and the confirmer after them, as `service.apply` wrote them.
        entry = order.events[-1]
        entry.note = "；".join(n for n in (f"融资需求{need.need_no}同时发送给{len(products)}家银行，各银行独立审批",
                                          entry.note) if n)
    session.flush()
    detail: dict[str, object] = {"need_no": need.need_no, "product_ids": [p.id for p in products]}
    if prepared_by_user_id is not None:
        detail["prepared_by_user_id"] = prepared_by_user_id
    audit_service.record(session, action="orders.need_sent", actor=principal, subject_type="financing_need",
                         subject_id=need.id, enterprise_id=need.enterprise_id, detail=detail)
    return need


def prepare_need(session: Session, *, principal: Principal, draft_in: NeedDraftCreate,
                 ip_address: str | None = None) -> FinancingOrderDraft:
    """A clerk (or the administrator) prepares a financing need to several banks for the firm's administrator to
    confirm: checked as sending it would be (the gate, one product per bank, each product's terms), kept as a draft
    that no bank sees and that authorises nothing (`service.store_draft`); the administrators are told it waits."""
    consent_service.require_may_prepare(principal)
    service.applicant(session, principal)
    products = _need_products(session, draft_in)
    return service.store_draft(session, principal=principal, kind=DraftKind.NEED, products=products,
                               amount_fen=draft_in.amount_fen, term_months=draft_in.term_months,
                               repayment_method=draft_in.repayment_method, purpose=draft_in.purpose,
                               ip_address=ip_address)


def confirm_need_draft(session: Session, *, principal: Principal, draft_id: int, confirm_in: OrderDraftConfirm,
                       ip_address: str | None = None) -> FinancingNeed:
    """The administrator confirms a clerk's prepared need: it is sent exactly as if the administrator had sent it
    (every check runs again now, each bank authorised by the administrator), and the audit names both the preparer
    and the confirmer. A clerk never confirms, not even a need of their own."""
    draft = service.decide_draft(session, principal=principal, draft_id=draft_id,
                                 action=consent_service.DraftAction.CONFIRM, kind=DraftKind.NEED)
    need = send_need(session, principal=principal, need_in=NeedCreate(
        product_ids=service.draft_product_ids(draft), amount_fen=draft.amount_fen, term_months=draft.term_months,
        repayment_method=RepaymentMethod(draft.repayment_method), purpose=draft.purpose,
        authorise=confirm_in.authorise), prepared_by_user_id=draft.prepared_by_user_id)
    service.settle_confirmed(session, principal=principal, draft=draft, need_id=need.id, need_no=need.need_no,
                             ip_address=ip_address)
    return need


def get_need(session: Session, *, principal: Principal, need_id: int, lock: bool = False) -> FinancingNeed:
    """One of the caller's firm's needs (`lock`: its row lock, re-read); any other id is simply not found."""
    query = select(FinancingNeed).where(FinancingNeed.id == need_id,
                                        FinancingNeed.enterprise_id == principal.enterprise_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    need = session.scalars(query).first() if principal.enterprise_id is not None else None
    if need is None:
        raise NeedNotFound("未找到该融资需求", message_en="financing need not found")
    return need


def list_needs(session: Session, *, principal: Principal) -> Sequence[FinancingNeed]:
    """The caller's firm's needs, newest first."""
    if principal.enterprise_id is None:
        return []
    return session.scalars(select(FinancingNeed).where(FinancingNeed.enterprise_id == principal.enterprise_id)
                           .order_by(FinancingNeed.id.desc()).limit(200)).all()


def orders_of_need(session: Session, *, need_id: int, lock: bool = False) -> Sequence[FinancingOrder]:
    """The orders of a need, in the order they were made."""
    query = select(FinancingOrder).where(FinancingOrder.need_id == need_id).order_by(FinancingOrder.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).all()


def need_to_read(session: Session, need: FinancingNeed) -> NeedRead:
    """A need with its orders and its status."""
    orders = orders_of_need(session, need_id=need.id)
    return NeedRead(
        id=need.id, need_no=need.need_no, enterprise_id=need.enterprise_id, amount_fen=need.amount_fen,
        term_months=need.term_months, repayment_method=RepaymentMethod(need.repayment_method), purpose=need.purpose,
        status=policy.need_status([OrderStatus(o.status) for o in orders],
                                  accepted=need.accepted_order_id is not None),
        created_at=need.created_at, accepted_order_id=need.accepted_order_id, accepted_at=need.accepted_at,
        orders=service.to_reads(session, orders),
    )


def accept_offer(session: Session, *, principal: Principal, order: FinancingOrder) -> FinancingNeed:
    """The firm takes one bank's offer of its need: that order is approved and its line opens (OrderApproved);
    every other offer is declined and every other open order withdrawn, each bank told. Under the need's row lock:
    of two acceptances at once, one opens a line and the other is refused."""
    consent_service.require_may_bind(principal)
    if principal.enterprise_id != order.enterprise_id:
        raise OrderNotFound("未找到该订单", message_en="order not found")
    if order.need_id is None:
        raise IllegalOrderTransition("该订单不属于多家银行的融资需求，银行批准即生效，无需接受",
                                     message_en="not an order of a need")
    need = get_need(session, principal=principal, need_id=order.need_id, lock=True)
    orders = orders_of_need(session, need_id=need.id, lock=True)
    try:
        plan = policy.offer_acceptance(order.id, [(o.id, OrderStatus(o.status)) for o in orders],
                                       accepted_order_id=need.accepted_order_id)
    except ValueError as exc:
        raise IllegalOrderTransition(str(exc), message_en="the offer cannot be accepted") from exc
    by_id = {o.id: o for o in orders}
    taken = by_id[plan.approve]
    common = {"enterprise_id": need.enterprise_id, "need_id": need.id}
    service.move(session, taken, principal=principal, target=OrderStatus.APPROVED, note="企业接受该银行批复",
                 action="orders.offer_accepted")
    need.accepted_order_id = taken.id
    need.accepted_at = clock.now()
    session.flush()
    events.publish(session=session, event=OfferAccepted(
        order_id=taken.id, order_no=taken.order_no, bank_organisation_id=taken.bank_organisation_id, **common))
    events.publish(session=session, event=service.approved_event_of(taken))
    service.tell_bank(session, taken, subject=f"企业已接受贵行批复：{taken.order_no}",
                      body=f"企业已接受贵行对融资申请{taken.order_no}的批复，授信额度即将开立。")
    for order_id in plan.decline:
        declined = by_id[order_id]
        service.move(session, declined, principal=principal, target=OrderStatus.DECLINED,
                     note="企业已接受其他银行的批复", action="orders.offer_declined")
        events.publish(session=session, event=OfferDeclined(
            order_id=declined.id, order_no=declined.order_no, bank_organisation_id=declined.bank_organisation_id,
            accepted_order_id=taken.id, **common))
        service.tell_bank(session, declined, subject=f"企业已选择其他银行：{declined.order_no}",
                          body=f"企业已接受其他银行对同一融资需求的批复，贵行对{declined.order_no}的批复未被接受。")
    for order_id in plan.withdraw:
        service.close_withdrawn(session, by_id[order_id], principal=principal,
                                reason="企业已接受其他银行对同一融资需求的批复")
    service.tell_firm(session, taken, subject=f"您已接受{_lender(session, taken)}的批复",
                      body=f"融资需求{need.need_no}：您已接受{taken.order_no}的批复，授信额度即将开立；"
                           f"其他{len(plan.decline) + len(plan.withdraw)}家银行的申请已撤回或谢绝并已通知银行。")
    session.flush()
    return need


def _lender(session: Session, order: FinancingOrder) -> str:
    return identity_service.get_organisation(session, organisation_id=order.bank_organisation_id).name


# Renewal and deferral ----------------------------------------------------------------------------------------------


def _pending(session: Session, *, kind: OrderKind, credit_line_id: int | None = None,
             drawdown_id: int | None = None) -> bool:
    query = select(func.count()).select_from(FinancingOrder).where(
        FinancingOrder.kind == kind, FinancingOrder.status.in_(list(policy.OPEN_STATUSES)))
    if credit_line_id is not None:
        query = query.where(FinancingOrder.credit_line_id == credit_line_id)
    if drawdown_id is not None:
        query = query.where(FinancingOrder.drawdown_id == drawdown_id)
    return bool(session.scalar(query))


@dataclass(frozen=True)
class _Request:
    kind: OrderKind
    enterprise_id: int
    product: products_service.ProductView
    bank_organisation_id: int
    amount_fen: int
    term_months: int
    repayment_method: str
    reason: str
    credit_line_id: int
    drawdown_id: int | None = None
    deferral_maturity_date: date | None = None


def _file(session: Session, *, principal: Principal, request: _Request, note: str) -> FinancingOrder:
    """An order of kind renewal or deferral: pre-assessed, with a deadline, authorised for its bank's review."""
    assert principal.user_id is not None
    estimate = scoring_service.pre_assess(session, enterprise_id=request.enterprise_id,
                                          bounds=service.bounds_of(request.product), product_id=request.product.id)
    calendar = workdays.load_calendar(session)
    order = FinancingOrder(
        order_no=service.new_order_no(session), enterprise_id=request.enterprise_id,
        applicant_user_id=principal.user_id,
        product_id=request.product.id, bank_organisation_id=request.bank_organisation_id,
        amount_fen=request.amount_fen, term_months=request.term_months, repayment_method=request.repayment_method,
        purpose=request.reason, status=OrderStatus.SUBMITTED, estimate_score=estimate.score,
        estimate_grade=estimate.grade, estimated_line_fen=estimate.line_fen, estimated_rate=estimate.annual_rate,
        estimate_reasons=estimate.reasons, assessor_version=estimate.assessor, submitted_at=clock.now(),
        deadline_date=calendar.add_workdays(clock.today(), get_settings().order_sla_working_days),
        kind=request.kind, credit_line_id=request.credit_line_id, drawdown_id=request.drawdown_id,
        deferral_maturity_date=request.deferral_maturity_date, request_reason=request.reason,
    )
    service.record_event(order, principal=principal, from_status=None, to_status=OrderStatus.SUBMITTED, note=note)
    session.add(order)
    session.flush()
    if estimate.decision_id is not None:
        scoring_service.attach_order(session, decision_id=estimate.decision_id, order_id=order.id)
    service.grant_review(session, principal=principal, order=order)
    action = "orders.renewal_requested" if request.kind is OrderKind.RENEWAL else "orders.deferral_requested"
    audit_service.record(session, action=action, actor=principal,
                         subject_type="financing_order", subject_id=order.id, enterprise_id=order.enterprise_id,
                         detail={"credit_line_id": request.credit_line_id, "drawdown_id": request.drawdown_id})
    return order


def request_renewal(session: Session, *, principal: Principal, line_id: int,
                    renewal_in: RenewalCreate) -> FinancingOrder:
    """The firm asks to renew a line before it expires, without repaying first (续贷): where the product allows it
    and within the renewal window; it reaches the line's bank as an order of kind renewal."""
    consent_service.require_may_bind(principal)
    if not renewal_in.authorise:
        raise InvalidApplication("请勾选授权：续贷需授权银行查询、使用本主体的信用信息",
                                 message_en="the renewal needs the firm's authorisation")
    enterprise = service.applicant(session, principal)
    line = next((x for x in service.lines_of(session, enterprise_id=enterprise.id) if x.line_id == line_id), None)
    if line is None:
        raise LoanSubjectNotFound("未找到该授信额度", message_en="credit line not found")
    product = products_service.get(session, product_id=line.product_id)
    today = clock.today()
    problems = policy.renewal_problems(
        allows_renewal=product.allows_renewal, line_status=line.status, valid_until=line.valid_until, today=today,
        pending=_pending(session, kind=OrderKind.RENEWAL, credit_line_id=line.line_id))
    if problems:
        raise InvalidApplication("；".join(problems), message_en="the line cannot be renewed now")
    reason = renewal_in.reason.strip()
    order = _file(session, principal=principal, request=_Request(
        kind=OrderKind.RENEWAL, enterprise_id=enterprise.id, product=product,
        bank_organisation_id=line.bank_organisation_id, amount_fen=line.limit_fen,
        term_months=max(int(t) for t in product.term_options), repayment_method=str(product.repayment_methods[0]),
        reason=reason, credit_line_id=line.line_id),
        note=f"申请续贷授信额度LINE{line.line_id}（额度{format_yuan(line.limit_fen)}元，{line.valid_until}到期）")
    events.publish(session=session, event=RenewalRequested(
        order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
        bank_organisation_id=order.bank_organisation_id, credit_line_id=line.line_id))
    service.tell_bank(session, order, subject=f"新的续贷申请：LINE{line.line_id}",
                      body=f"{enterprise.name}申请续贷授信额度LINE{line.line_id}（{line.valid_until}到期）：{reason}")
    return order


def request_deferral(session: Session, *, principal: Principal, deferral_in: DeferralCreate) -> FinancingOrder:
    """The firm asks to defer a drawdown's principal to a later maturity (延期还本): where the product allows it and
    the drawdown repays normally; it reaches the bank as an order of kind deferral."""
    consent_service.require_may_bind(principal)
    if not deferral_in.authorise:
        raise InvalidApplication("请勾选授权：延期还本需授权银行查询、使用本主体的信用信息",
                                 message_en="the deferral needs the firm's authorisation")
    enterprise = service.applicant(session, principal)
    facts = _drawdown_facts(session, deferral_in.drawdown_id)
    if facts is None or facts.enterprise_id != enterprise.id:
        raise LoanSubjectNotFound("未找到该笔用信", message_en="drawdown not found")
    product = products_service.get(session, product_id=facts.product_id)
    problems = policy.deferral_problems(
        allows_deferral=product.allows_deferral, drawdown=facts, new_maturity_date=deferral_in.new_maturity_date,
        today=clock.today(), pending=_pending(session, kind=OrderKind.DEFERRAL, drawdown_id=facts.drawdown_id))
    if problems:
        raise InvalidApplication("；".join(problems), message_en="the drawdown cannot be deferred so")
    reason = deferral_in.reason.strip()
    order = _file(session, principal=principal, request=_Request(
        kind=OrderKind.DEFERRAL, enterprise_id=enterprise.id, product=product,
        bank_organisation_id=facts.bank_organisation_id, amount_fen=facts.outstanding_principal_fen,
        term_months=facts.term_months, repayment_method=facts.method, reason=reason,
        credit_line_id=facts.credit_line_id, drawdown_id=facts.drawdown_id,
        deferral_maturity_date=deferral_in.new_maturity_date),
        note=f"申请用信{facts.drawdown_id}延期还本：到期日由{facts.maturity_date}延至{deferral_in.new_maturity_date}")
    events.publish(session=session, event=DeferralRequested(
        order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
        bank_organisation_id=order.bank_organisation_id, drawdown_id=facts.drawdown_id,
        new_maturity_date=deferral_in.new_maturity_date))
    service.tell_bank(session, order, subject=f"新的延期还本申请：用信{facts.drawdown_id}",
                      body=f"{enterprise.name}申请用信{facts.drawdown_id}延期还本，到期日由{facts.maturity_date}"
                           f"延至{deferral_in.new_maturity_date}：{reason}")
    return order


def propose_deferral(session: Session, *, principal: Principal, order: FinancingOrder,
                     proposal_in: DeferralPropose) -> FinancingOrder:
    """The loan officer proposes to grant a deferral as the firm asked (the outstanding principal, at the drawdown's
    contract rate, to the new maturity), for a manager to approve (审贷分离)."""
    service.require_bank_of(order, principal)
    if order.kind != OrderKind.DEFERRAL or order.drawdown_id is None:
        raise IllegalOrderTransition("该订单不是延期还本申请", message_en="not a deferral")
    service.check_transition(OrderStatus(order.status), OrderStatus.PROPOSED)
    problems = policy.duty_problems(Action.PROPOSE, roles=principal.roles, user_id=principal.user_id,
                                    duties=service.duties_of(order))
    if problems:
        raise DutyRefused("；".join(problems), message_en="separation of duties: this caller may not propose")
    facts = _drawdown_facts(session, order.drawdown_id)
    if facts is None:
        raise LoanSubjectNotFound("未找到该笔用信", message_en="drawdown not found")
    note = proposal_in.note.strip() if proposal_in.note else None
    service.move(session, order, principal=principal, target=OrderStatus.PROPOSED, note=note,
                 detail={"new_maturity_date": str(order.deferral_maturity_date)})
    order.proposed_by_user_id = principal.user_id
    order.proposed_at = clock.now()
    order.proposed_line_fen = facts.outstanding_principal_fen
    order.proposed_rate = facts.annual_rate
    order.proposed_term_months = order.term_months
    order.proposed_repayment_method = order.repayment_method
    order.proposal_note = note
    order.first_approved_by_user_id = None
    order.return_reason = None
    order.handled_by_user_id = principal.user_id
    session.flush()
    return order


# Service-quality supervision (督办) ----------------------------------------------------------------------------------


def late_by_bank(session: Session) -> list[LateBankRead]:
    """Orders past their ten-working-day deadline and still open, grouped by bank, most late first (for the
    development-and-reform commission, the regulator and the platform)."""
    late = session.scalars(select(FinancingOrder).where(
        FinancingOrder.status.in_(list(policy.OPEN_STATUSES)), FinancingOrder.deadline_date < clock.today(),
    ).order_by(FinancingOrder.deadline_date, FinancingOrder.id).limit(1000)).all()
    reads = service.to_reads(session, late)
    grouped: dict[int, list[OrderRead]] = {}
    for read in reads:
        grouped.setdefault(read.bank_organisation_id, []).append(read)
    result = [LateBankRead(bank_organisation_id=bank_id,
                           bank_name=identity_service.get_organisation(session, organisation_id=bank_id).name,
                           late_count=len(orders), orders=orders)
              for bank_id, orders in grouped.items()]
    return sorted(result, key=lambda r: (-r.late_count, r.bank_organisation_id))


def get_any(session: Session, *, order_id: int) -> FinancingOrder:
    """An order by id, for the oversight roles that see every bank's orders."""
    order = session.get(FinancingOrder, order_id)
    if order is None:
        raise OrderNotFound("未找到该订单", message_en="order not found")
    return order


def prompt(session: Session, *, principal: Principal, order_id: int, prompt_in: PromptCreate) -> OrderPrompt:
    """A supervisor prompts (督办) the order's bank with a message: on the order's timeline, on the bank's
    workbench, told to the bank and the firm."""
    order = get_any(session, order_id=order_id)
    status = OrderStatus(order.status)
    problems = policy.prompt_problems(prompt_in.message, status=status)
    if problems:
        raise InvalidApplication("；".join(problems), message_en="the order cannot be prompted so")
    message = prompt_in.message.strip()
    item = OrderPrompt(order_id=order.id, bank_organisation_id=order.bank_organisation_id,
                       prompted_by_user_id=principal.user_id, prompted_by_organisation_id=principal.organisation_id,
                       message=message, prompted_at=clock.now())
    session.add(item)
    service.record_event(order, principal=principal, from_status=status, to_status=status, note=message,
                         kind=EntryKind.PROMPT)
    session.flush()
    audit_service.record(session, action="orders.prompted", actor=principal, subject_type="financing_order",
                         subject_id=order.id, enterprise_id=order.enterprise_id,
                         detail={"prompt_id": item.id, "late": policy.is_late(status, order.deadline_date,
                                                                               clock.today())})
    service.tell_bank(session, order, subject=f"监管督办：{order.order_no}",
                      body=f"监管部门督办{service.kind_label(order)}{order.order_no}（办理时限{order.deadline_date}）："
                           f"{message}。请尽快办理并在订单页答复。")
    service.tell_firm(session, order, subject=f"您的{service.kind_label(order)}已被督办",
                      body=f"监管部门已就{order.order_no}督办银行，请留意办理进度。")
    events.publish(session=session, event=OrderPrompted(
        order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
        bank_organisation_id=order.bank_organisation_id, prompt_id=item.id, message=message))
    return item


def answer(session: Session, *, principal: Principal, prompt_id: int, answer_in: PromptAnswer) -> OrderPrompt:
    """The bank answers a prompt about one of its orders, once; the answer is on the order's timeline and the
    prompting organisation is told."""
    item = session.scalars(select(OrderPrompt).where(
        OrderPrompt.id == prompt_id, OrderPrompt.bank_organisation_id == principal.organisation_id,
    ).with_for_update()).first()
    if item is None:
        raise PromptNotFound("未找到该督办", message_en="prompt not found")
    problems = policy.answer_problems(answer_in.answer, already_answered=item.answer is not None)
    if problems:
        raise InvalidApplication("；".join(problems), message_en="the prompt cannot be answered so")
    order = get_any(session, order_id=item.order_id)
    item.answer = answer_in.answer.strip()
    item.answered_by_user_id = principal.user_id
    item.answered_at = clock.now()
    status = OrderStatus(order.status)
    service.record_event(order, principal=principal, from_status=status, to_status=status, note=item.answer,
                         kind=EntryKind.ANSWER)
    session.flush()
    audit_service.record(session, action="orders.prompt_answered", actor=principal, subject_type="financing_order",
                         subject_id=order.id, enterprise_id=order.enterprise_id, detail={"prompt_id": item.id})
    if item.prompted_by_organisation_id is not None:
        identity_service.notify(session, organisation_id=item.prompted_by_organisation_id,
                                subject=f"银行已答复督办：{order.order_no}", body=item.answer,
                                link="/supervision/late-orders")
    events.publish(session=session, event=PromptAnswered(
        order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
        bank_organisation_id=order.bank_organisation_id, prompt_id=item.id))
    return item


def prompts_for_bank(session: Session, *, principal: Principal, open_only: bool = True) -> Sequence[OrderPrompt]:
    """The prompts addressed to the caller's bank, newest first (by default only those not yet answered)."""
    query = select(OrderPrompt).where(OrderPrompt.bank_organisation_id == principal.organisation_id)
    if open_only:
        query = query.where(OrderPrompt.answered_at.is_(None))
    return session.scalars(query.order_by(OrderPrompt.id.desc()).limit(200)).all()


def prompts_of(session: Session, *, order_id: int) -> Sequence[OrderPrompt]:
    """The prompts about one order, oldest first."""
    return session.scalars(select(OrderPrompt).where(OrderPrompt.order_id == order_id)
                           .order_by(OrderPrompt.id)).all()


def prompt_to_read(session: Session, item: OrderPrompt) -> PromptRead:
    """A prompt with its order's number."""
    return PromptRead(id=item.id, order_id=item.order_id, order_no=service.order_number(session,
                                                                                         order_id=item.order_id) or "",
                      bank_organisation_id=item.bank_organisation_id, message=item.message,
                      prompted_at=item.prompted_at, prompted_by_organisation_id=item.prompted_by_organisation_id,
                      answer=item.answer, answered_at=item.answered_at)
