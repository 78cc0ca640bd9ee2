"""Use cases of financing orders: apply, list and read (scoped), accept, approve, reject, withdraw."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from xinyidai import clock, events, workdays
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.auth.scoping import scope
from xinyidai.config import get_settings
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.identity import service as identity_service
from xinyidai.orders import policy
from xinyidai.orders.events import OrderApproved, OrderRejected, OrderSubmitted
from xinyidai.orders.exceptions import (
    ApplicationBlocked,
    IllegalOrderTransition,
    InvalidApplication,
    OrderNotFound,
)
from xinyidai.orders.models import FinancingOrder, OrderEvent
from xinyidai.orders.policy import OrderStatus
from xinyidai.orders.schemas import (
    AssessmentRead,
    EstimateCreate,
    EstimateRead,
    OrderApprove,
    OrderCreate,
    OrderEventRead,
    OrderRead,
    OrderReject,
)
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service
from xinyidai.scoring import service as scoring_service
from xinyidai.scoring.preassessment import Estimate, ProductBounds


def terms_of(product: products_service.ProductView) -> policy.ProductTerms:
    """The product facts the order rules check against."""
    return policy.ProductTerms(
        min_rate=product.min_rate, max_rate=product.max_rate, min_amount_fen=product.min_amount_fen,
        max_line_fen=product.max_line_fen, repayment_methods=frozenset(product.repayment_methods),
        term_options=frozenset(int(t) for t in product.term_options),
    )


def bounds_of(product: products_service.ProductView) -> ProductBounds:
    """The product bounds the pre-assessment works within."""
    return ProductBounds(min_rate=product.min_rate, max_rate=product.max_rate,
                         max_line_fen=product.max_line_fen, min_amount_fen=product.min_amount_fen)


def _new_order_no() -> str:
    return f"XYD{clock.today():%Y%m%d}{secrets.randbelow(10**8):08d}"


def _record_event(order: FinancingOrder, *, principal: Principal, from_status: OrderStatus | None,
                  to_status: OrderStatus, note: str | None = None) -> None:
    order.events.append(OrderEvent(
        from_status=from_status, to_status=to_status, actor_user_id=principal.user_id,
        actor_organisation_id=principal.organisation_id, note=note, occurred_at=clock.now(),
    ))


def _applicant(session: Session, principal: Principal) -> registry_service.EnterpriseView:
    """The caller's entity, if it may apply at all (a registered entity past the annual-report gate)."""
    if principal.enterprise_id is None or principal.user_id is None:
        raise InvalidApplication("只有完成实名注册的市场主体可以申请融资", message_en="only enterprises apply")
    enterprise = registry_service.get(session, enterprise_id=principal.enterprise_id)
    gate = registry_service.annual_report_gate(enterprise)
    if not gate.allowed:
        raise ApplicationBlocked(
            "暂不能申请：" + "；".join(f.message for f in gate.findings),
            message_en="the entity must remedy its registry status first",
            findings=[f.__dict__ for f in gate.findings],
        )
    return enterprise


def estimate(session: Session, *, principal: Principal, estimate_in: EstimateCreate) -> Estimate:
    """The entity's on-demand pre-assessment for a product (测一测) without applying: the same champion, policy and
    stored decision as an application's, so a later application finds the same answer."""
    enterprise = _applicant(session, principal)
    product = products_service.get_published(session, product_id=estimate_in.product_id)
    estimated = scoring_service.pre_assess(session, enterprise_id=enterprise.id, bounds=bounds_of(product),
                                           product_id=product.id)
    audit_service.record(session, action="orders.estimated", actor=principal, subject_type="financial_product",
                         subject_id=product.id, enterprise_id=enterprise.id,
                         detail={"assessor": estimated.assessor, "decision_id": estimated.decision_id})
    return estimated


def to_assessment_read(estimated: Estimate, *, product_id: int) -> AssessmentRead:
    """An on-demand pre-assessment as the API returns it."""
    return AssessmentRead(product_id=product_id, score=estimated.score, grade=estimated.grade,
                          line_fen=estimated.line_fen, annual_rate=estimated.annual_rate,
                          reasons=list(estimated.reasons), assessor_version=estimated.assessor, pd=estimated.pd,
                          decision_id=estimated.decision_id, as_of=clock.today(), outcome=estimated.outcome,
                          broken_rules=list(estimated.broken_rules), remedies=list(estimated.remedies))


def apply(session: Session, *, principal: Principal, order_in: OrderCreate) -> FinancingOrder:
    """An entity applies for a product: gate, checks, pre-assessment, authorisation, order."""
    consent_service.require_may_bind(principal)  # applying authorises the bank: the firm's administrator's act
    if not order_in.authorise:
        raise InvalidApplication(
            "请勾选授权：申请需授权平台和受理银行查询、使用本主体的信用信息",
            message_en="the application needs the applicant's authorisation",
        )
    enterprise = _applicant(session, principal)
    assert principal.user_id is not None  # _applicant refuses callers without a user
    product = products_service.get_published(session, product_id=order_in.product_id)
    problems = policy.application_problems(
        amount_fen=order_in.amount_fen, term_months=order_in.term_months,
        repayment_method=order_in.repayment_method, terms=terms_of(product),
    )
    if problems:
        raise InvalidApplication("；".join(problems), message_en="application outside the product's terms")
    estimate = scoring_service.pre_assess(session, enterprise_id=enterprise.id, bounds=bounds_of(product),
                                          product_id=product.id)
    calendar = workdays.load_calendar(session)
    order = FinancingOrder(
        order_no=_new_order_no(), enterprise_id=enterprise.id, applicant_user_id=principal.user_id,
        product_id=product.id, bank_organisation_id=product.bank_organisation_id,
        amount_fen=order_in.amount_fen, term_months=order_in.term_months,
        repayment_method=order_in.repayment_method, purpose=order_in.purpose.strip(),
        status=OrderStatus.SUBMITTED, estimate_score=estimate.score, estimate_grade=estimate.grade,
        estimated_line_fen=estimate.line_fen, estimated_rate=estimate.annual_rate,
        estimate_reasons=estimate.reasons, assessor_version=estimate.assessor, submitted_at=clock.now(),
        deadline_date=calendar.add_workdays(clock.today(), get_settings().order_sla_working_days),
    )
    _record_event(order, principal=principal, from_status=None, to_status=OrderStatus.SUBMITTED)
    session.add(order)
    session.flush()
    if estimate.decision_id is not None:
        scoring_service.attach_order(session, decision_id=estimate.decision_id, order_id=order.id)
    recipients = [product.bank_organisation_id]
    recipients += [o.id for o in identity_service.list_organisations(session, kind=OrgKind.PLATFORM_OPERATOR)]
    # Applying grants every catalogue category for the review, periodic over an open data window: what a bank
    # needs to decide; restricted sub-categories stay withheld by their sensitivity whatever the grant says.
    categories = [c.code for c in creditdata_service.list_categories(session)]
    for recipient in recipients:
        consent_service.grant(
            session, enterprise_id=enterprise.id, granted_by_user_id=principal.user_id,
            recipient_organisation_id=recipient, purpose=consent_service.Purpose.FINANCING_APPLICATION,
            purpose_ref=order.order_no, categories=categories,
        )
    audit_service.record(session, action="orders.submitted", actor=principal, subject_type="financing_order",
                         subject_id=order.id, enterprise_id=enterprise.id)
    events.publish(session=session, event=OrderSubmitted(
        order_id=order.id, order_no=order.order_no, enterprise_id=enterprise.id,
        bank_organisation_id=order.bank_organisation_id, amount_fen=order.amount_fen,
    ))
    return order


def _scoped(query: Select[FinancingOrder], principal: Principal) -> Select[FinancingOrder]:
    return scope(query, principal, bank_column=FinancingOrder.bank_organisation_id,
                 enterprise_column=FinancingOrder.enterprise_id)


def get_for(session: Session, *, principal: Principal, order_id: int) -> FinancingOrder:
    """An order the caller may see; any other id is simply not found."""
    order = session.scalars(_scoped(select(FinancingOrder).where(FinancingOrder.id == order_id), principal)).first()
    if order is None:
        raise OrderNotFound("未找到该订单", message_en="order not found")
    return order


def list_for(session: Session, *, principal: Principal, status: OrderStatus | None = None,
             open_only: bool = False, late_only: bool = False, limit: int = 200) -> Sequence[FinancingOrder]:
    """The orders the caller may see, newest first; optionally by status, only open or only late ones."""
    query = _scoped(select(FinancingOrder), principal).order_by(FinancingOrder.id.desc()).limit(limit)
    if status is not None:
        query = query.where(FinancingOrder.status == status)
    if open_only:
        query = query.where(FinancingOrder.status.in_(list(policy.OPEN_STATUSES)))
    if late_only:
        query = query.where(
            FinancingOrder.status.in_(list(policy.OPEN_STATUSES)), FinancingOrder.deadline_date < clock.today()
        )
    return session.scalars(query).all()


def _move(session: Session, order: FinancingOrder, *, principal: Principal, target: OrderStatus,
          note: str | None = None) -> OrderStatus:
    current = OrderStatus(order.status)
    try:
        policy.transition(current, target)
    except policy.IllegalTransition as exc:
        raise IllegalOrderTransition(str(exc), message_en=f"cannot go from {current} to {target}") from exc
    order.status = target
    _record_event(order, principal=principal, from_status=current, to_status=target, note=note)
    audit_service.record(
        session, action=f"orders.{target}", actor=principal,
        subject_type="financing_order", subject_id=order.id, enterprise_id=order.enterprise_id,
        detail={"from": current, "note": note} if note else {"from": current},
    )
    return current


def _require_bank_of(order: FinancingOrder, principal: Principal) -> None:
    if principal.organisation_id != order.bank_organisation_id:
        raise OrderNotFound("未找到该订单", message_en="order not found")


def accept(session: Session, *, principal: Principal, order: FinancingOrder) -> FinancingOrder:
    """The bank takes the order into processing (受理)."""
    _require_bank_of(order, principal)
    _move(session, order, principal=principal, target=OrderStatus.ACCEPTED)
    order.accepted_at = clock.now()
    order.handled_by_user_id = principal.user_id
    session.flush()
    return order


def approve(session: Session, *, principal: Principal, order: FinancingOrder,
            decision_in: OrderApprove) -> FinancingOrder:
    """The bank approves with a line, rate, term and repayment method inside the product's terms."""
    _require_bank_of(order, principal)
    product = products_service.get(session, product_id=order.product_id)
    problems = policy.approval_problems(
        line_fen=decision_in.line_fen, annual_rate=decision_in.annual_rate,
        term_months=decision_in.term_months, repayment_method=decision_in.repayment_method,
        terms=terms_of(product),
    )
    if problems:
        raise InvalidApplication("；".join(problems), message_en="approval outside the product's terms")
    _move(session, order, principal=principal, target=OrderStatus.APPROVED, note=decision_in.note)
    order.approved_line_fen = decision_in.line_fen
    order.approved_rate = decision_in.annual_rate
    order.approved_term_months = decision_in.term_months
    order.approved_repayment_method = decision_in.repayment_method
    order.decided_at = clock.now()
    order.handled_by_user_id = principal.user_id
    session.flush()
    events.publish(session=session, event=approved_event_of(order))
    return order


def approved_event_of(order: FinancingOrder) -> OrderApproved:
    """The OrderApproved event of an approved order (what opens its credit line)."""
    if order.status != OrderStatus.APPROVED or order.approved_line_fen is None or order.approved_rate is None:
        raise IllegalOrderTransition("订单尚未批准", message_en="order is not approved")
    return OrderApproved(
        order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
        bank_organisation_id=order.bank_organisation_id, product_id=order.product_id,
        line_fen=order.approved_line_fen, annual_rate=order.approved_rate,
        term_months=order.approved_term_months or order.term_months,
        repayment_method=order.approved_repayment_method or order.repayment_method,
    )


def reject(session: Session, *, principal: Principal, order: FinancingOrder,
           rejection_in: OrderReject) -> FinancingOrder:
    """The bank rejects; the reason is mandatory and shown to the enterprise."""
    _require_bank_of(order, principal)
    problems = policy.rejection_problems(rejection_in.reason)
    if problems:
        raise InvalidApplication("；".join(problems), message_en="a rejection needs a reason")
    reason = rejection_in.reason.strip()
    _move(session, order, principal=principal, target=OrderStatus.REJECTED, note=reason)
    order.rejection_reason = reason
    order.decided_at = clock.now()
    order.handled_by_user_id = principal.user_id
    session.flush()
    events.publish(session=session, event=OrderRejected(
        order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id, reason=reason,
    ))
    return order


def withdraw(session: Session, *, principal: Principal, order: FinancingOrder) -> FinancingOrder:
    """The enterprise withdraws its open application."""
    if principal.enterprise_id != order.enterprise_id:
        raise OrderNotFound("未找到该订单", message_en="order not found")
    _move(session, order, principal=principal, target=OrderStatus.WITHDRAWN)
    session.flush()
    return order


def to_read(session: Session, order: FinancingOrder) -> OrderRead:
    """The order with its estimate, deadline status and timeline."""
    enterprise = registry_service.get(session, enterprise_id=order.enterprise_id)
    product = products_service.get(session, product_id=order.product_id)
    today = clock.today()
    status = OrderStatus(order.status)
    calendar = workdays.load_calendar(session)
    return OrderRead(
        id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
        enterprise_name=enterprise.name, product_id=product.id, product_name=product.name,
        bank_organisation_id=order.bank_organisation_id, amount_fen=order.amount_fen,
        term_months=order.term_months, repayment_method=RepaymentMethod(order.repayment_method),
        purpose=order.purpose, status=status,
        estimate=EstimateRead(
            score=order.estimate_score, grade=order.estimate_grade, line_fen=order.estimated_line_fen,
            annual_rate=order.estimated_rate, reasons=list(order.estimate_reasons),
            assessor_version=order.assessor_version,
        ),
        submitted_at=order.submitted_at, deadline_date=order.deadline_date,
        is_late=policy.is_late(status, order.deadline_date, today),
        working_days_left=calendar.workdays_between(today, order.deadline_date),
        accepted_at=order.accepted_at, decided_at=order.decided_at, approved_line_fen=order.approved_line_fen,
        approved_rate=order.approved_rate, approved_term_months=order.approved_term_months,
        approved_repayment_method=(
            RepaymentMethod(order.approved_repayment_method) if order.approved_repayment_method else None
        ),
        rejection_reason=order.rejection_reason,
        timeline=[
            OrderEventRead(
                from_status=OrderStatus(e.from_status) if e.from_status else None,
                to_status=OrderStatus(e.to_status), actor_organisation_id=e.actor_organisation_id,
                note=e.note, occurred_at=e.occurred_at,
            )
            for e in order.events
        ],
    )
