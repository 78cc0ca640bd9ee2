"""Use cases of financing orders: apply, list and read (scoped), accept, propose, approve or return, reject,
withdraw, and the firm's exposure the bank sees; a clerk's prepared application or financing need (a draft) that the
firm's administrator confirms (it is then applied, or sent: `lifecycle`) or discards."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from xinyidai import clock, db, events, workdays
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.auth.scoping import scope
from xinyidai.config import get_settings
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.errors import DomainError
from xinyidai.identity import service as identity_service
from xinyidai.money import format_yuan
from xinyidai.orders import policy
from xinyidai.orders.events import (
    DeferralDecided,
    OrderApproved,
    OrderOffered,
    OrderRejected,
    OrderSubmitted,
    OrderWithdrawn,
    RenewalDecided,
)
from xinyidai.orders.exceptions import (
    ApplicationBlocked,
    DraftKindMismatch,
    DutyRefused,
    IllegalOrderTransition,
    InvalidApplication,
    OrderDraftNotFound,
    OrderNotFound,
)
from xinyidai.orders.models import FinancingOrder, FinancingOrderDraft, OrderEvent
from xinyidai.orders.policy import Action, DraftKind, EntryKind, LineExposure, OrderKind, OrderStatus
from xinyidai.orders.schemas import (
    AssessmentRead,
    EstimateCreate,
    EstimateRead,
    ExposureLineRead,
    ExposureOrderRead,
    ExposureRead,
    OrderApprove,
    OrderCreate,
    OrderDraftConfirm,
    OrderDraftCreate,
    OrderDraftRead,
    OrderEventRead,
    OrderPropose,
    OrderRead,
    OrderReject,
    OrderReturn,
    OrderWithdraw,
    ProposalRead,
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


LineExposureSource = Callable[[Session, int], Sequence[LineExposure]]
# The firm's credit lines on the platform (any bank, any status). Lines live in loans, above orders, so the application
# wiring (main.py) provides them, read from loans at the moment they are asked for: a copy kept here from events
# would need every change of a line (opened, drawn, repaid, frozen, closed, lapsed) published and could lag behind
# the line an approval is about to duplicate. Without the wiring no line is known.
_line_exposure: LineExposureSource = lambda session, enterprise_id: ()  # noqa: E731


def use_line_exposure(source: LineExposureSource) -> None:
    """Let orders see the firm's credit lines (for the bank's exposure view and the one-live-line rule)."""
    global _line_exposure
    _line_exposure = source


def lines_of(session: Session, *, enterprise_id: int) -> Sequence[LineExposure]:
    """The firm's credit lines at every bank, as loans reports them through the wiring (none without it)."""
    return _line_exposure(session, enterprise_id)


def tell_firm(session: Session, order: FinancingOrder, *, subject: str, body: str) -> None:
    """A message (站内消息) to the order's firm about its order; a firm with no account here (a relayed order) is told
    at its own node."""
    organisation = identity_service.get_enterprise_organisation(session, enterprise_id=order.enterprise_id)
    if organisation is not None:
        identity_service.notify(session, organisation_id=organisation.id, subject=subject, body=body,
                                link=f"/orders/{order.id}")


def tell_bank(session: Session, order: FinancingOrder, *, subject: str, body: str) -> None:
    """A message (站内消息) to the order's bank about the order."""
    identity_service.notify(session, organisation_id=order.bank_organisation_id, subject=subject, body=body,
                            link=f"/orders/{order.id}")


def kind_label(order: FinancingOrder) -> str:
    """What the order is, in words (融资申请, 续贷申请, 延期还本申请)."""
    return policy.KIND_LABELS[OrderKind(order.kind)]


def new_order_no(session: Session) -> str:
    """A fresh order number (XYD + date + 8 random digits), not yet taken.

    Random rather than counted, so that a number tells no one how many orders the platform took that day; drawn
    again when taken, since among 12,000 orders of one day two equal draws are likelier than not."""
    while True:
        number = f"XYD{clock.today():%Y%m%d}{secrets.randbelow(10**8):08d}"
        if session.scalar(select(FinancingOrder.id).where(FinancingOrder.order_no == number)) is None:
            return number


def record_event(order: FinancingOrder, *, principal: Principal, from_status: OrderStatus | None,
                 to_status: OrderStatus, note: str | None = None, kind: EntryKind = EntryKind.STATUS) -> None:
    """Add an entry to the order's timeline: a change of status, or (status unchanged) a prompt or its answer."""
    order.events.append(OrderEvent(
        from_status=from_status, to_status=to_status, actor_user_id=principal.user_id,
        actor_organisation_id=principal.organisation_id, note=note, occurred_at=clock.now(), kind=kind,
    ))


_record_event = record_event


def applicant(session: Session, principal: Principal) -> registry_service.EnterpriseView:
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
    enterprise = applicant(session, principal)
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


def apply(session: Session, *, principal: Principal, order_in: OrderCreate,
          prepared_by_user_id: int | None = None) -> FinancingOrder:
    """An entity applies for a product: gate, checks, pre-assessment, authorisation, order. `prepared_by_user_id`:
    the clerk whose prepared application the administrator confirms (named on the timeline and in the audit)."""
    consent_service.require_may_bind(principal)  # applying authorises the bank: the firm's administrator's act
    if not order_in.authorise:
        raise InvalidApplication(
            "请勾选授权：申请需授权平台和受理银行查询、使用本主体的信用信息",
            message_en="the application needs the applicant's authorisation",
        )
    enterprise = applicant(session, principal)
    assert principal.user_id is not None  # _applicant refuses callers without a user
    product = products_service.get_published(session, product_id=order_in.product_id)
    problems = policy.application_problems(
        amount_fen=order_in.amount_fen, term_months=order_in.term_months,
        repayment_method=order_in.repayment_method, terms=terms_of(product),
    )
    if problems:
        raise InvalidApplication("；".join(problems), message_en="application outside the product's terms")
    _refuse_second_line(session, enterprise_id=enterprise.id, product=product)
    estimate = scoring_service.pre_assess(session, enterprise_id=enterprise.id, bounds=bounds_of(product),
                                          product_id=product.id)
    calendar = workdays.load_calendar(session)
    order = FinancingOrder(
        order_no=new_order_no(session), enterprise_id=enterprise.id, applicant_user_id=principal.user_id,
        product_id=product.id, product_version_id=product.current_version_id,
        bank_organisation_id=product.bank_organisation_id,
        amount_fen=order_in.amount_fen, term_months=order_in.term_months,
        repayment_method=order_in.repayment_method, purpose=order_in.purpose.strip(),
        status=OrderStatus.SUBMITTED, estimate_score=estimate.score, estimate_grade=estimate.grade,
        estimated_line_fen=estimate.line_fen, estimated_rate=estimate.annual_rate,
        estimate_reasons=estimate.reasons, assessor_version=estimate.assessor, submitted_at=clock.now(),
        deadline_date=calendar.add_workdays(clock.today(), get_settings().order_sla_working_days),
    )
    note = None
    if prepared_by_user_id is not None:
        note = f"经办人{_user_name(session, prepared_by_user_id)}准备，企业管理员{principal.display_name}确认提交"
    _record_event(order, principal=principal, from_status=None, to_status=OrderStatus.SUBMITTED, note=note)
    session.add(order)
    session.flush()
    if estimate.decision_id is not None:
        scoring_service.attach_order(session, decision_id=estimate.decision_id, order_id=order.id)
    grant_review(session, principal=principal, order=order, prepared_by_user_id=prepared_by_user_id)
    audit_service.record(session, action="orders.submitted", actor=principal, subject_type="financing_order",
                         subject_id=order.id, enterprise_id=enterprise.id,
                         detail={"prepared_by_user_id": prepared_by_user_id} if prepared_by_user_id else None)
    events.publish(session=session, event=OrderSubmitted(
        order_id=order.id, order_no=order.order_no, enterprise_id=enterprise.id,
        bank_organisation_id=order.bank_organisation_id, amount_fen=order.amount_fen,
    ))
    return order


def grant_review(session: Session, *, principal: Principal, order: FinancingOrder,
                 prepared_by_user_id: int | None = None) -> None:
    """The firm's authorisation that applying gives: the order's bank and the platform may read its credit
    information for the review of this order (purpose_ref: the order's number)."""
    assert principal.user_id is not None
    recipients = [order.bank_organisation_id]
    recipients += [o.id for o in identity_service.list_organisations(session, kind=OrgKind.PLATFORM_OPERATOR)]
    # Applying grants every catalogue category for the review, periodic over an open data window: what a bank
    # needs to decide; restricted sub-categories stay withheld by their sensitivity whatever the grant says.
    categories = [c.code for c in creditdata_service.list_categories(session)]
    for recipient in recipients:
        consent_service.grant(
            session, enterprise_id=order.enterprise_id, granted_by_user_id=principal.user_id,
            recipient_organisation_id=recipient, purpose=consent_service.Purpose.FINANCING_APPLICATION,
            purpose_ref=order.order_no, categories=categories, prepared_by_user_id=prepared_by_user_id,
        )


def _user_name(session: Session, user_id: int) -> str:
    try:
        return identity_service.get_user(session, user_id=user_id).display_name
    except DomainError:
        return f"#{user_id}"


def prepare(session: Session, *, principal: Principal, draft_in: OrderDraftCreate,
            ip_address: str | None = None) -> FinancingOrderDraft:
    """A clerk (or the administrator) prepares an application for the firm's administrator to confirm: checked as
    applying would be (the gate, the product's terms), stored as a draft that no bank sees and that authorises
    nothing; the administrators are told it waits."""
    consent_service.require_may_prepare(principal)
    applicant(session, principal)
    product = products_service.get_published(session, product_id=draft_in.product_id)
    problems = policy.application_problems(
        amount_fen=draft_in.amount_fen, term_months=draft_in.term_months,
        repayment_method=draft_in.repayment_method, terms=terms_of(product),
    )
    if problems:
        raise InvalidApplication("；".join(problems), message_en="application outside the product's terms")
    return store_draft(session, principal=principal, kind=DraftKind.APPLICATION, products=[product],
                       amount_fen=draft_in.amount_fen, term_months=draft_in.term_months,
                       repayment_method=draft_in.repayment_method, purpose=draft_in.purpose, ip_address=ip_address)


def _draft_words(kind: DraftKind, names: Sequence[str]) -> tuple[str, str]:
    """What a draft is, in words: its noun (融资申请, 融资需求) and what it asks for (the product, or the banks')."""
    if kind is DraftKind.NEED:
        return "融资需求", f"发送给{len(names)}家银行（{'、'.join(names)}）的"
    return "融资申请", f"{names[0]}的"


def store_draft(session: Session, *, principal: Principal, kind: DraftKind,
                products: Sequence[products_service.ProductView], amount_fen: int, term_months: int,
                repayment_method: str, purpose: str, ip_address: str | None = None) -> FinancingOrderDraft:
    """Keep what a clerk prepared (an application, or a need to several banks; checked by the caller as applying or
    sending would be) as a draft that no bank sees and that authorises nothing, audited; the firm's administrators
    are told it waits for them."""
    enterprise_id = consent_service.require_may_prepare(principal)
    assert principal.user_id is not None  # require_may_prepare refuses callers without a user
    draft = FinancingOrderDraft(
        enterprise_id=enterprise_id, prepared_by_user_id=principal.user_id, prepared_at=clock.now(),
        product_id=products[0].id, amount_fen=amount_fen, term_months=term_months,
        repayment_method=repayment_method, purpose=purpose.strip(), status=consent_service.DraftStatus.WAITING,
        need_product_ids=[p.id for p in products] if kind is DraftKind.NEED else None,
    )
    session.add(draft)
    session.flush()
    detail: dict[str, object] = {"product_id": draft.product_id, "amount_fen": draft.amount_fen,
                                 "term_months": draft.term_months}
    if draft.need_product_ids is not None:
        detail["need_product_ids"] = draft.need_product_ids
    audit_service.record(session, action="orders.draft_prepared", actor=principal,
                         subject_type="financing_order_draft", subject_id=draft.id, enterprise_id=enterprise_id,
                         ip_address=ip_address, detail=detail)
    names = [p.name for p in products]
    noun, what = _draft_words(kind, names)
    consent_service.notify_administrators(
        session, principal=principal, subject=f"待您确认的{noun}：{'、'.join(names)}",
        body=(f"经办人{principal.display_name or _user_name(session, principal.user_id)}准备了{what}{noun}"
              f"（{format_yuan(draft.amount_fen)}元，{draft.term_months}个月）。确认提交前银行看不到该{noun}，也未授权"
              "任何机构；请查看后确认提交或放弃。"),
        link=f"/enterprise/drafts/{draft.id}")
    return draft


def draft_kind(draft: FinancingOrderDraft) -> DraftKind:
    """Whether the draft is one application or a need to several banks."""
    return DraftKind.APPLICATION if draft.need_product_ids is None else DraftKind.NEED


def draft_product_ids(draft: FinancingOrderDraft) -> list[int]:
    """The products the draft goes to: its one product, or each of its need's."""
    return [draft.product_id] if draft.need_product_ids is None else [int(i) for i in draft.need_product_ids]


def list_drafts(session: Session, *, principal: Principal,
                status: consent_service.DraftStatus | None = consent_service.DraftStatus.WAITING,
                ) -> Sequence[FinancingOrderDraft]:
    """The caller's firm's prepared applications and needs, newest first: those waiting for the administrator, or
    of one status, or all (None). Nobody but the firm's own people sees them."""
    if principal.enterprise_id is None:
        return []
    query = select(FinancingOrderDraft).where(FinancingOrderDraft.enterprise_id == principal.enterprise_id)
    if status is not None:
        query = query.where(FinancingOrderDraft.status == status)
    return session.scalars(query.order_by(FinancingOrderDraft.id.desc())).all()


def get_draft(session: Session, *, principal: Principal, draft_id: int,
              for_update: bool = False) -> FinancingOrderDraft:
    """One of the caller's firm's prepared applications or needs; any other id is simply not found."""
    query = select(FinancingOrderDraft).where(FinancingOrderDraft.id == draft_id,
                                              FinancingOrderDraft.enterprise_id == principal.enterprise_id)
    draft = session.scalars(query.with_for_update() if for_update else query).first() \
        if principal.enterprise_id is not None else None
    if draft is None:
        raise OrderDraftNotFound("未找到该待确认的融资申请", message_en="draft application not found")
    return draft


def decide_draft(session: Session, *, principal: Principal, draft_id: int, action: consent_service.DraftAction,
                 kind: DraftKind | None = None) -> FinancingOrderDraft:
    """The draft, under its row lock, if the caller may confirm or discard it now (`kind`: and it is of that kind);
    a clerk never confirms, not even a draft of their own."""
    # Locked: two administrators confirming at once make one order (or need), and the second is told it is done.
    draft = get_draft(session, principal=principal, draft_id=draft_id, for_update=True)
    consent_service.require_draft_action(principal, action, prepared_by_user_id=draft.prepared_by_user_id,
                                         status=consent_service.DraftStatus(draft.status))
    if kind is not None and draft_kind(draft) is not kind:
        if kind is DraftKind.APPLICATION:
            raise DraftKindMismatch("这是发送给多家银行的融资需求，请按融资需求确认提交",
                                    message_en="this draft is a financing need: confirm it as a need")
        raise DraftKindMismatch("这是单笔融资申请，请按融资申请确认提交",
                                message_en="this draft is a single application: confirm it as an application")
    return draft


def _tell_preparer(session: Session, *, principal: Principal, draft: FinancingOrderDraft, outcome: str,
                   link: str) -> None:
    if draft.prepared_by_user_id != principal.user_id:
        names = [products_service.get(session, product_id=pid).name for pid in draft_product_ids(draft)]
        noun, what = _draft_words(draft_kind(draft), names)
        identity_service.notify(session, user_id=draft.prepared_by_user_id,
                                subject=f"您准备的{noun}{outcome}：{'、'.join(names)}",
                                body=f"企业管理员{principal.display_name}{outcome}您准备的{what}{noun}。",
                                link=link)


def settle_confirmed(session: Session, *, principal: Principal, draft: FinancingOrderDraft,
                     order: FinancingOrder | None = None, need_id: int | None = None, need_no: str | None = None,
                     ip_address: str | None = None) -> None:
    """Mark a draft confirmed with what its confirmation made (the order, or the need), audited with both the
    preparer and the confirmer; the preparer is told."""
    draft.status = consent_service.DraftStatus.CONFIRMED
    draft.decided_by_user_id = principal.user_id
    draft.decided_at = clock.now()
    draft.order_id = order.id if order is not None else None
    draft.need_id = need_id
    session.flush()
    made: dict[str, object] = ({"order_id": order.id, "order_no": order.order_no} if order is not None
                               else {"need_id": need_id, "need_no": need_no})
    audit_service.record(session, action="orders.draft_confirmed", actor=principal,
                         subject_type="financing_order_draft", subject_id=draft.id, enterprise_id=draft.enterprise_id,
                         ip_address=ip_address,
                         detail={"prepared_by_user_id": draft.prepared_by_user_id,
                                 "confirmed_by_user_id": principal.user_id, **made})
    _tell_preparer(session, principal=principal, draft=draft, outcome="已确认提交",
                   link=f"/orders/{order.id}" if order is not None else f"/enterprise/needs/{need_id}")


def confirm_draft(session: Session, *, principal: Principal, draft_id: int,
                  confirm_in: OrderDraftConfirm, ip_address: str | None = None) -> FinancingOrder:
    """The administrator confirms a clerk's prepared application: it is applied exactly as if the administrator had
    applied (every check runs again now), and the audit names both the preparer and the confirmer. A clerk never
    confirms, not even a draft of their own; a prepared need is confirmed as a need (`lifecycle`)."""
    draft = decide_draft(session, principal=principal, draft_id=draft_id,
                         action=consent_service.DraftAction.CONFIRM, kind=DraftKind.APPLICATION)
    order = apply(session, principal=principal, order_in=OrderCreate(
        product_id=draft.product_id, amount_fen=draft.amount_fen, term_months=draft.term_months,
        repayment_method=RepaymentMethod(draft.repayment_method), purpose=draft.purpose,
        authorise=confirm_in.authorise), prepared_by_user_id=draft.prepared_by_user_id)
    settle_confirmed(session, principal=principal, draft=draft, order=order, ip_address=ip_address)
    return order


def discard_draft(session: Session, *, principal: Principal, draft_id: int,
                  ip_address: str | None = None) -> FinancingOrderDraft:
    """The administrator (or the clerk who prepared it) discards a prepared application or need: nothing was
    applied or sent."""
    draft = decide_draft(session, principal=principal, draft_id=draft_id,
                         action=consent_service.DraftAction.DISCARD)
    draft.status = consent_service.DraftStatus.DISCARDED
    draft.decided_by_user_id = principal.user_id
    draft.decided_at = clock.now()
    session.flush()
    audit_service.record(session, action="orders.draft_discarded", actor=principal,
                         subject_type="financing_order_draft", subject_id=draft.id, enterprise_id=draft.enterprise_id,
                         ip_address=ip_address,
                         detail={"prepared_by_user_id": draft.prepared_by_user_id,
                                 "discarded_by_user_id": principal.user_id})
    _tell_preparer(session, principal=principal, draft=draft, outcome="已放弃", link=f"/enterprise/drafts/{draft.id}")
    return draft


def draft_to_read(session: Session, draft: FinancingOrderDraft) -> OrderDraftRead:
    """A prepared application or need with its products' and its preparer's names."""
    product_ids = draft_product_ids(draft)
    names = [products_service.get(session, product_id=pid).name for pid in product_ids]
    return OrderDraftRead(
        id=draft.id, kind=draft_kind(draft), enterprise_id=draft.enterprise_id, product_id=draft.product_id,
        product_name=names[0], product_ids=product_ids, product_names=names,
        amount_fen=draft.amount_fen, term_months=draft.term_months,
        repayment_method=RepaymentMethod(draft.repayment_method), purpose=draft.purpose,
        status=consent_service.DraftStatus(draft.status), prepared_by_user_id=draft.prepared_by_user_id,
        prepared_by_name=_user_name(session, draft.prepared_by_user_id), prepared_at=draft.prepared_at,
        decided_by_user_id=draft.decided_by_user_id, decided_at=draft.decided_at, order_id=draft.order_id,
        need_id=draft.need_id,
    )


def _scoped(query: Select[FinancingOrder], principal: Principal) -> Select[FinancingOrder]:
    return scope(query, principal, bank_column=FinancingOrder.bank_organisation_id,
                 enterprise_column=FinancingOrder.enterprise_id)


def applicant_enterprises_query() -> Select[int]:
    """Every entity that has ever submitted a financing order (融资申请), as rows (enterprise_id): a query for other
    contexts to join (outreach's coverage), never a table."""
    return select(FinancingOrder.enterprise_id.label("enterprise_id")).distinct()


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


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """Refuse (409) a change of status the machine does not allow."""
    try:
        policy.transition(current, target)
    except policy.IllegalTransition as exc:
        raise IllegalOrderTransition(str(exc), message_en=f"cannot go from {current} to {target}") from exc


def move(session: Session, order: FinancingOrder, *, principal: Principal, target: OrderStatus,
         note: str | None = None, action: str | None = None, detail: dict[str, object] | None = None) -> OrderStatus:
    """Change the order's status as the machine allows, on its timeline and in the audit."""
    current = OrderStatus(order.status)
    check_transition(current, target)
    order.status = target
    _record_event(order, principal=principal, from_status=current, to_status=target, note=note)
    audit_service.record(
        session, action=action or f"orders.{target}", actor=principal,
        subject_type="financing_order", subject_id=order.id, enterprise_id=order.enterprise_id,
        detail={"from": current, **({"note": note} if note else {}), **(detail or {})},
    )
    return current


def require_bank_of(order: FinancingOrder, principal: Principal) -> None:
    """Only the order's bank acts on it as a bank; to anyone else it is not found."""
    if principal.organisation_id != order.bank_organisation_id:
        raise OrderNotFound("未找到该订单", message_en="order not found")


def accept(session: Session, *, principal: Principal, order: FinancingOrder) -> FinancingOrder:
    """The bank takes the order into processing (受理)."""
    require_bank_of(order, principal)
    _require_duty(order, principal, Action.ACCEPT)
    move(session, order, principal=principal, target=OrderStatus.ACCEPTED)
    order.accepted_at = clock.now()
    order.handled_by_user_id = principal.user_id
    session.flush()
    return order


def duties_of(order: FinancingOrder) -> policy.Duties:
    """Who has acted on the order's current proposal, for the separation-of-duties rules."""
    return policy.Duties(status=OrderStatus(order.status), proposed_by=order.proposed_by_user_id,
                         first_approved_by=order.first_approved_by_user_id)


def allowed_actions(*, principal: Principal, order: FinancingOrder) -> frozenset[Action]:
    """What the caller may do to the order now (the workbench shows only these forms)."""
    if principal.organisation_id != order.bank_organisation_id:
        return frozenset()
    return frozenset(policy.allowed_actions(roles=principal.roles, user_id=principal.user_id,
                                            duties=duties_of(order)))


def _require_duty(order: FinancingOrder, principal: Principal, action: Action) -> None:
    problems = policy.duty_problems(action, roles=principal.roles, user_id=principal.user_id,
                                    duties=duties_of(order))
    if problems:
        raise DutyRefused("；".join(problems), message_en=f"separation of duties: this caller may not {action}")


def _approval_terms_problems(session: Session, order: FinancingOrder, *, line_fen: int, annual_rate: Decimal,
                             term_months: int, repayment_method: str) -> None:
    product = products_service.get(session, product_id=order.product_id)
    problems = policy.approval_problems(
        line_fen=line_fen, annual_rate=annual_rate, term_months=term_months, repayment_method=repayment_method,
        terms=terms_of(product),
    )
    if problems:
        raise InvalidApplication("；".join(problems), message_en="terms outside the product's terms")


def propose(session: Session, *, principal: Principal, order: FinancingOrder,
            proposal_in: OrderPropose) -> FinancingOrder:
    """The loan officer proposes the line, rate, term and repayment method for a manager to approve."""
    require_bank_of(order, principal)
    if order.kind == OrderKind.DEFERRAL:
        raise IllegalOrderTransition("延期还本申请按企业申请的新到期日提出审批建议，无需填写额度和利率",
                                     message_en="a deferral is proposed as requested (propose-deferral)")
    check_transition(OrderStatus(order.status), OrderStatus.PROPOSED)
    _require_duty(order, principal, Action.PROPOSE)
    _approval_terms_problems(session, order, line_fen=proposal_in.line_fen, annual_rate=proposal_in.annual_rate,
                             term_months=proposal_in.term_months, repayment_method=proposal_in.repayment_method)
    move(session, order, principal=principal, target=OrderStatus.PROPOSED, note=proposal_in.note, detail={
        "line_fen": proposal_in.line_fen, "annual_rate": str(proposal_in.annual_rate),
        "term_months": proposal_in.term_months, "repayment_method": str(proposal_in.repayment_method)})
    order.proposed_by_user_id = principal.user_id
    order.proposed_at = clock.now()
    order.proposed_line_fen = proposal_in.line_fen
    order.proposed_rate = proposal_in.annual_rate
    order.proposed_term_months = proposal_in.term_months
    order.proposed_repayment_method = proposal_in.repayment_method
    order.proposal_note = proposal_in.note
    order.first_approved_by_user_id = None
    order.return_reason = None
    order.handled_by_user_id = principal.user_id
    session.flush()
    return order


def approve(session: Session, *, principal: Principal, order: FinancingOrder,
            decision_in: OrderApprove) -> FinancingOrder:
    """A manager approves the officer's proposal as it stands; above the product's committee threshold the first
    manager's approval waits for a second, different manager's. Nobody approves what they proposed."""
    require_bank_of(order, principal)
    current = OrderStatus(order.status)
    if current not in policy.AWAITING_APPROVAL:
        check_transition(current, OrderStatus.APPROVED)
    _require_duty(order, principal, Action.APPROVE)
    line_fen, rate = order.proposed_line_fen, order.proposed_rate
    term_months, method = order.proposed_term_months, order.proposed_repayment_method
    if line_fen is None or rate is None or term_months is None or method is None:
        raise IllegalOrderTransition("订单尚无客户经理的审批建议", message_en="order has no proposal")
    kind = OrderKind(order.kind)
    product = products_service.get(session, product_id=order.product_id)
    if kind is not OrderKind.DEFERRAL:
        # The product may have changed since the proposal: the approval is checked against it as it is now.
        _approval_terms_problems(session, order, line_fen=line_fen, annual_rate=rate, term_months=term_months,
                                 repayment_method=method)
    if kind is OrderKind.NEW:
        _refuse_second_line(session, enterprise_id=order.enterprise_id, product=product,
                            excluding_order_id=order.id)
    target = policy.approval_target(current, line_fen=line_fen, threshold_fen=product.committee_threshold_fen,
                                    in_need=order.need_id is not None)
    move(session, order, principal=principal, target=target, note=decision_in.note,
          detail={"proposed_by_user_id": order.proposed_by_user_id,
                  "first_approved_by_user_id": order.first_approved_by_user_id})
    if target is OrderStatus.COMMITTEE:
        order.first_approved_by_user_id = principal.user_id
        session.flush()
        return order
    order.approved_line_fen = line_fen
    order.approved_rate = rate
    order.approved_term_months = term_months
    order.approved_repayment_method = method
    order.decided_at = clock.now()
    order.handled_by_user_id = principal.user_id
    session.flush()
    _publish_approval(session, order, product_name=product.name)
    return order


def _publish_approval(session: Session, order: FinancingOrder, *, product_name: str) -> None:
    """What a final approval publishes and tells the firm, by the order's kind: the line opens (a single order), an
    offer waits for the firm (inside a need), the line is renewed, or the drawdown gets its new schedule."""
    kind = OrderKind(order.kind)
    assert order.approved_line_fen is not None and order.approved_rate is not None
    common = {"order_id": order.id, "order_no": order.order_no, "enterprise_id": order.enterprise_id,
              "bank_organisation_id": order.bank_organisation_id}
    terms = f"额度{format_yuan(order.approved_line_fen)}元，年化利率{order.approved_rate * 100:.2f}%"
    if kind is OrderKind.RENEWAL:
        assert order.credit_line_id is not None
        events.publish(session=session, event=RenewalDecided(
            **common, credit_line_id=order.credit_line_id, approved=True, line_fen=order.approved_line_fen,
            annual_rate=order.approved_rate))
        tell_firm(session, order, subject=f"续贷已获批准：LINE{order.credit_line_id}",
                  body=f"银行已批准您的续贷申请{order.order_no}（{terms}），授信额度有效期自原到期日起延续，"
                       "存量用信不受影响。")
    elif kind is OrderKind.DEFERRAL:
        assert order.drawdown_id is not None and order.deferral_maturity_date is not None
        events.publish(session=session, event=DeferralDecided(
            **common, drawdown_id=order.drawdown_id, approved=True, new_maturity_date=order.deferral_maturity_date))
        tell_firm(session, order, subject=f"延期还本已获批准：用信{order.drawdown_id}",
                  body=f"银行已批准您的延期还本申请{order.order_no}，到期日延至{order.deferral_maturity_date}，"
                       "剩余本金按新的还款计划归还，利息按合同利率继续计收。")
    elif OrderStatus(order.status) is OrderStatus.OFFERED:
        assert order.need_id is not None
        events.publish(session=session, event=OrderOffered(
            **common, need_id=order.need_id, line_fen=order.approved_line_fen, annual_rate=order.approved_rate))
        tell_firm(session, order, subject=f"银行已批复您的融资需求：{product_name}",
                  body=f"{product_name}已批准您的融资申请{order.order_no}（{terms}）。请在融资需求页比较各银行批复后"
                       "接受其中一家；接受后其他银行的申请将自动撤回。")
    else:
        events.publish(session=session, event=approved_event_of(order))
        tell_firm(session, order, subject=f"融资申请已获批准：{product_name}",
                  body=f"银行已批准您的融资申请{order.order_no}（{terms}），授信额度即将开立。")


def return_proposal(session: Session, *, principal: Principal, order: FinancingOrder,
                    return_in: OrderReturn) -> FinancingOrder:
    """A manager sends the proposal back to the officer with a reason; the officer proposes again."""
    require_bank_of(order, principal)
    if OrderStatus(order.status) not in policy.AWAITING_APPROVAL:
        raise IllegalOrderTransition("订单没有待审批的审批建议", message_en="no proposal awaits approval")
    _require_duty(order, principal, Action.RETURN)
    problems = policy.return_problems(return_in.reason)
    if problems:
        raise InvalidApplication("；".join(problems), message_en="a return needs a reason")
    reason = return_in.reason.strip()
    move(session, order, principal=principal, target=OrderStatus.ACCEPTED, note=reason, action="orders.returned")
    order.return_reason = reason
    order.first_approved_by_user_id = None
    session.flush()
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
    """The bank rejects; the reason is mandatory and shown to the enterprise. Once proposed, a manager rejects."""
    require_bank_of(order, principal)
    _require_duty(order, principal, Action.REJECT)
    problems = policy.rejection_problems(rejection_in.reason)
    if problems:
        raise InvalidApplication("；".join(problems), message_en="a rejection needs a reason")
    reason = rejection_in.reason.strip()
    move(session, order, principal=principal, target=OrderStatus.REJECTED, note=reason)
    order.rejection_reason = reason
    order.decided_at = clock.now()
    order.handled_by_user_id = principal.user_id
    session.flush()
    kind = OrderKind(order.kind)
    if kind is OrderKind.RENEWAL:
        assert order.credit_line_id is not None
        events.publish(session=session, event=RenewalDecided(
            order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
            bank_organisation_id=order.bank_organisation_id, credit_line_id=order.credit_line_id, approved=False,
            reason=reason))
    elif kind is OrderKind.DEFERRAL:
        assert order.drawdown_id is not None and order.deferral_maturity_date is not None
        events.publish(session=session, event=DeferralDecided(
            order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
            bank_organisation_id=order.bank_organisation_id, drawdown_id=order.drawdown_id, approved=False,
            new_maturity_date=order.deferral_maturity_date, reason=reason))
    else:
        events.publish(session=session, event=OrderRejected(
            order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id, reason=reason,
            bank_organisation_id=order.bank_organisation_id,
        ))
    tell_firm(session, order, subject=f"您的{kind_label(order)}未获批准：{order.order_no}",
              body=f"银行未批准您的{kind_label(order)}{order.order_no}。原因：{reason}")
    return order


def withdraw(session: Session, *, principal: Principal, order: FinancingOrder,
             withdraw_in: OrderWithdraw | None = None) -> FinancingOrder:
    """The enterprise withdraws its open application, saying why; the bank is told."""
    if principal.enterprise_id != order.enterprise_id:
        raise OrderNotFound("未找到该订单", message_en="order not found")
    reason = (withdraw_in.reason if withdraw_in is not None else "企业撤回申请").strip()
    problems = policy.withdrawal_problems(reason)
    if problems:
        raise InvalidApplication("；".join(problems), message_en="a withdrawal needs a reason")
    close_withdrawn(session, order, principal=principal, reason=reason)
    return order


def close_withdrawn(session: Session, order: FinancingOrder, *, principal: Principal, reason: str,
                    action: str = "orders.withdrawn") -> None:
    """Withdraw an open order with a reason: timeline, audit, the bank's message and the event."""
    move(session, order, principal=principal, target=OrderStatus.WITHDRAWN, note=reason, action=action)
    order.withdrawal_reason = reason
    order.decided_at = clock.now()
    session.flush()
    tell_bank(session, order, subject=f"企业已撤回{kind_label(order)}：{order.order_no}",
              body=f"企业已撤回{kind_label(order)}{order.order_no}。原因：{reason}")
    events.publish(session=session, event=OrderWithdrawn(
        order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
        bank_organisation_id=order.bank_organisation_id, reason=reason))


def assessment_withheld(session: Session, *, viewer: Principal | None, order: FinancingOrder) -> str | None:
    """Why `viewer` may no longer see what the pre-assessment drew from the firm's credit information (score,
    grade, PD, reasons, portrait), or None if it may. The one rule for the API and the portal: the order's bank
    sees them only while the authorisation the application granted is live; the firm and anyone else the order is
    shown to are not concerned. Consent decides without the refusal path: showing a bank its own order is no
    attempt to read the firm's information, and must not put a refusal on the firm's access log each time."""
    return _assessments_withheld(session, viewer=viewer, orders=[order]).get(order.id)


def _assessments_withheld(session: Session, *, viewer: Principal | None,
                          orders: Sequence[FinancingOrder]) -> dict[int, str]:
    """`assessment_withheld` of each of `orders` that has a reason, by order id, in one read of the grants."""
    own = [o for o in orders if viewer is not None and o.bank_organisation_id == viewer.organisation_id]
    if viewer is None or viewer.organisation_id is None or not own:
        return {}
    decisions = consent_service.decide_many(session, recipient_organisation_id=viewer.organisation_id,
                                            purpose=consent_service.Purpose.FINANCING_APPLICATION,
                                            references=[(o.enterprise_id, o.order_no) for o in own])
    return {o.id: decision.reason_zh for o in own
            if not (decision := decisions[(o.enterprise_id, o.order_no)]).allowed}


def to_read(session: Session, order: FinancingOrder, *, viewer: Principal | None = None) -> OrderRead:
    """The order with its estimate, deadline status and timeline, as `viewer` may see it
    (`assessment_withheld`); without a viewer, whole."""
    return to_reads(session, [order], viewer=viewer)[0]


def to_reads(session: Session, orders: Sequence[FinancingOrder], *,
             viewer: Principal | None = None) -> list[OrderRead]:
    """Orders as `to_read` gives each, in their order: their applicants' names, their products and the holiday
    calendar are read once for the whole list (their timelines come with the orders), so a list page makes the
    same few queries whether it shows one order or two hundred."""
    if not orders:
        return []
    names = registry_service.names_by_id(session, enterprise_ids=[o.enterprise_id for o in orders])
    products = products_service.get_many(session, product_ids=[o.product_id for o in orders])
    calendar = workdays.load_calendar(session)
    today = clock.today()
    withheld = _assessments_withheld(session, viewer=viewer, orders=orders)
    return [_read(order, enterprise_name=names[order.enterprise_id], product=products[order.product_id],
                  calendar=calendar, today=today, withheld=withheld.get(order.id)) for order in orders]


def _estimate_read(order: FinancingOrder, withheld: str | None) -> EstimateRead:
    if withheld is not None:
        return EstimateRead(score=None, grade=None, line_fen=order.estimated_line_fen,
                            annual_rate=order.estimated_rate, reasons=[], assessor_version=order.assessor_version,
                            withheld=withheld)
    return EstimateRead(score=order.estimate_score, grade=order.estimate_grade, line_fen=order.estimated_line_fen,
                        annual_rate=order.estimated_rate, reasons=list(order.estimate_reasons),
                        assessor_version=order.assessor_version)


def _read(order: FinancingOrder, *, enterprise_name: str, product: products_service.ProductView,
          calendar: workdays.WorkCalendar, today: date, withheld: str | None = None) -> OrderRead:
    status = OrderStatus(order.status)
    return OrderRead(
        id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
        enterprise_name=enterprise_name, product_id=product.id, product_name=product.name,
        origin_node=order.origin_node,
        bank_organisation_id=order.bank_organisation_id, amount_fen=order.amount_fen,
        term_months=order.term_months, repayment_method=RepaymentMethod(order.repayment_method),
        purpose=order.purpose, status=status,
        estimate=_estimate_read(order, withheld),
        submitted_at=order.submitted_at, deadline_date=order.deadline_date,
        is_late=policy.is_late(status, order.deadline_date, today),
        working_days_left=calendar.workdays_between(today, order.deadline_date),
        accepted_at=order.accepted_at, decided_at=order.decided_at, approved_line_fen=order.approved_line_fen,
        approved_rate=order.approved_rate, approved_term_months=order.approved_term_months,
        approved_repayment_method=(
            RepaymentMethod(order.approved_repayment_method) if order.approved_repayment_method else None
        ),
        rejection_reason=order.rejection_reason, proposal=_proposal_read(order, product),
        return_reason=order.return_reason, kind=OrderKind(order.kind), need_id=order.need_id,
        credit_line_id=order.credit_line_id, drawdown_id=order.drawdown_id,
        deferral_maturity_date=order.deferral_maturity_date, request_reason=order.request_reason,
        withdrawal_reason=order.withdrawal_reason,
        timeline=[
            OrderEventRead(
                from_status=OrderStatus(e.from_status) if e.from_status else None,
                to_status=OrderStatus(e.to_status), actor_organisation_id=e.actor_organisation_id,
                note=e.note, occurred_at=e.occurred_at, kind=EntryKind(e.kind or EntryKind.STATUS),
            )
            for e in order.events
        ],
    )


def order_number(session: Session, *, order_id: int) -> str | None:
    """An order's number (XYD…), to name it where it is referred to by id (the audit log); None if there is none."""
    return session.scalar(select(FinancingOrder.order_no).where(FinancingOrder.id == order_id))


def bank_of(session: Session, *, order_id: int) -> int | None:
    """The bank an order was filed with; None if there is no such order."""
    return session.scalar(select(FinancingOrder.bank_organisation_id).where(FinancingOrder.id == order_id))


def _proposal_read(order: FinancingOrder, product: products_service.ProductView) -> ProposalRead | None:
    if (order.proposed_line_fen is None or order.proposed_rate is None or order.proposed_term_months is None
            or order.proposed_repayment_method is None):
        return None
    return ProposalRead(
        proposed_by_user_id=order.proposed_by_user_id, proposed_at=order.proposed_at,
        line_fen=order.proposed_line_fen, annual_rate=order.proposed_rate, term_months=order.proposed_term_months,
        repayment_method=RepaymentMethod(order.proposed_repayment_method), note=order.proposal_note,
        needs_committee=policy.needs_committee(order.proposed_line_fen, product.committee_threshold_fen),
        first_approved_by_user_id=order.first_approved_by_user_id,
    )


def _approved_order_ids(session: Session, *, enterprise_id: int, product_id: int,
                        excluding_order_id: int | None = None) -> list[int]:
    query = select(FinancingOrder.id).where(
        FinancingOrder.enterprise_id == enterprise_id, FinancingOrder.product_id == product_id,
        FinancingOrder.status == OrderStatus.APPROVED, FinancingOrder.kind == OrderKind.NEW)
    if excluding_order_id is not None:
        query = query.where(FinancingOrder.id != excluding_order_id)
    return list(session.scalars(query))


def _refuse_second_line(session: Session, *, enterprise_id: int, product: products_service.ProductView,
                        excluding_order_id: int | None = None) -> None:
    """A product that allows one live line per firm refuses applying for, or approving, a second one."""
    if not product.one_live_line_per_firm:
        return
    problems = policy.second_line_problems(
        one_live_line_per_firm=True, product_id=product.id, lines=_line_exposure(session, enterprise_id),
        approved_order_ids=_approved_order_ids(session, enterprise_id=enterprise_id, product_id=product.id,
                                               excluding_order_id=excluding_order_id),
        today=clock.today(),
    )
    if problems:
        raise InvalidApplication("；".join(problems), message_en="the product allows one live line per firm")


def exposure_for(session: Session, *, principal: Principal, order: FinancingOrder) -> ExposureRead:
    """The firm's live credit lines and its other open orders across the platform, for the order's bank and only
    while the application's authorisation allows the bank to read the firm's information; each view is audited."""
    require_bank_of(order, principal)
    decision = consent_service.decide(session, enterprise_id=order.enterprise_id,
                                      recipient_organisation_id=principal.organisation_id,
                                      purpose=consent_service.Purpose.FINANCING_APPLICATION,
                                      purpose_ref=order.order_no)
    if not decision.allowed:
        return ExposureRead(lines=[], orders=[], live_limit_fen=0, refusal=decision.reason_zh)
    today = clock.today()
    lines = [line for line in _line_exposure(session, order.enterprise_id) if policy.is_live(line, today)]
    opened = {line.order_id for line in _line_exposure(session, order.enterprise_id)}
    others = session.scalars(select(FinancingOrder).where(
        FinancingOrder.enterprise_id == order.enterprise_id, FinancingOrder.id != order.id,
        FinancingOrder.status.in_([*policy.OPEN_STATUSES, OrderStatus.APPROVED, OrderStatus.OFFERED]),
    ).order_by(FinancingOrder.id)).all()
    pending = [o for o in others if o.status != OrderStatus.APPROVED
               or (o.kind == OrderKind.NEW and o.id not in opened)]
    audit_service.record(session, action="orders.exposure_viewed", actor=principal, subject_type="financing_order",
                         subject_id=order.id, enterprise_id=order.enterprise_id,
                         detail={"purpose_ref": order.order_no, "lines": len(lines), "orders": len(pending)})
    return ExposureRead(
        lines=[ExposureLineRead(line_id=line.line_id, lender_name=line.lender_name, product_id=line.product_id,
                                limit_fen=line.limit_fen, used_fen=line.used_fen, status=line.status,
                                valid_until=line.valid_until) for line in lines],
        orders=[ExposureOrderRead(order_no=o.order_no, bank_organisation_id=o.bank_organisation_id,
                                  product_id=o.product_id, amount_fen=o.amount_fen, status=OrderStatus(o.status),
                                  submitted_at=o.submitted_at) for o in pending],
        live_limit_fen=sum(line.limit_fen for line in lines),
    )


# Orders across the platform network: filed at the firm's node for a product its bank serves at another node, the
# order is relayed there (`receive_relayed`) and the bank's handling comes back (`apply_outcome`). The network
# context carries them; these are the only ways it changes orders.


def list_relayed_after(session: Session, *, after_id: int, limit: int = 1000) -> Sequence[FinancingOrder]:
    """Orders filed here for network products (served by a bank at another node), by id after `after_id`."""
    network_products = [p.id for p in products_service.list_network_products(session)]
    if not network_products:
        return []
    db.hold_writers_back(session, "financing_order")
    return session.scalars(select(FinancingOrder).where(FinancingOrder.id > after_id,
                                                        FinancingOrder.product_id.in_(network_products))
                           .order_by(FinancingOrder.id).limit(limit)).all()


def events_of_relayed_after(session: Session, *, after_id: int, limit: int = 1000) -> Sequence[OrderEvent]:
    """Timeline entries, by id after `after_id`, of orders relayed here from another node."""
    db.hold_writers_back(session, "order_event")
    return session.scalars(select(OrderEvent).join(FinancingOrder, FinancingOrder.id == OrderEvent.order_id)
                           .where(OrderEvent.id > after_id, FinancingOrder.origin_node.is_not(None),
                                  OrderEvent.kind == EntryKind.STATUS)
                           .order_by(OrderEvent.id).limit(limit)).all()


def get_many_relayed(session: Session, *, order_ids: set[int]) -> Sequence[FinancingOrder]:
    """Those of these orders that were relayed here from another node."""
    if not order_ids:
        return []
    return session.scalars(select(FinancingOrder).where(FinancingOrder.id.in_(sorted(order_ids)),
                                                        FinancingOrder.origin_node.is_not(None))).all()


def get_by_number(session: Session, *, order_no: str) -> FinancingOrder | None:
    """The order with this number, or None."""
    return session.scalars(select(FinancingOrder).where(FinancingOrder.order_no == order_no)).first()


def receive_relayed(session: Session, *, origin_node: str, order_no: str, enterprise_id: int, product_id: int,
                    amount_fen: int, term_months: int, repayment_method: str, purpose: str,
                    estimate: EstimateRead, submitted_at: datetime) -> FinancingOrder:
    """An order the firm filed at node `origin_node` for a product of a bank of this node: it enters the bank's
    workbench as one filed here would (the product's terms checked, the same deadline), with no applicant user
    here and its node named on its timeline. The firm's authorisation is kept by the caller (consent)."""
    product = products_service.get_published(session, product_id=product_id)
    if product.served_by_node is not None:
        raise InvalidApplication("该产品不由本节点的银行提供", message_en="product not served at this node")
    problems = policy.application_problems(amount_fen=amount_fen, term_months=term_months,
                                           repayment_method=repayment_method, terms=terms_of(product))
    if problems:
        raise InvalidApplication("；".join(problems), message_en="application outside the product's terms")
    if get_by_number(session, order_no=order_no) is not None:
        raise InvalidApplication(f"订单号 {order_no} 已被使用", message_en="order number taken")
    calendar = workdays.load_calendar(session)
    order = FinancingOrder(
        order_no=order_no, enterprise_id=enterprise_id, applicant_user_id=None, origin_node=origin_node,
        product_id=product.id, bank_organisation_id=product.bank_organisation_id, amount_fen=amount_fen,
        term_months=term_months, repayment_method=repayment_method, purpose=purpose.strip(),
        status=OrderStatus.SUBMITTED, estimate_score=estimate.score, estimate_grade=estimate.grade,
        estimated_line_fen=estimate.line_fen, estimated_rate=estimate.annual_rate,
        estimate_reasons=list(estimate.reasons), assessor_version=estimate.assessor_version,
        submitted_at=submitted_at,
        deadline_date=calendar.add_workdays(submitted_at.date(), get_settings().order_sla_working_days),
    )
    order.events.append(OrderEvent(from_status=None, to_status=OrderStatus.SUBMITTED, note=f"由平台网络节点 "
                                   f"{origin_node} 的企业提交", occurred_at=submitted_at))
    session.add(order)
    session.flush()
    audit_service.record(session, action="orders.network_received",
                         actor=audit_service.Actor.system(f"network:{origin_node}"), subject_type="financing_order",
                         subject_id=order.id, enterprise_id=enterprise_id,
                         detail={"order_no": order_no, "origin_node": origin_node})
    events.publish(session=session, event=OrderSubmitted(
        order_id=order.id, order_no=order.order_no, enterprise_id=enterprise_id,
        bank_organisation_id=order.bank_organisation_id, amount_fen=order.amount_fen,
    ))
    return order


def apply_outcome(session: Session, *, order: FinancingOrder, outcome: policy.Outcome, served_by_node: str) -> None:
    """Apply to an order filed here what its bank did at the node serving its product: its status, decision and a
    timeline entry (named as the bank's). No event is published: the credit line lives at the bank's node."""
    current = OrderStatus(order.status)
    order.status = outcome.status
    order.accepted_at = outcome.accepted_at or order.accepted_at
    order.decided_at = outcome.decided_at or order.decided_at
    if outcome.status is OrderStatus.APPROVED:
        order.approved_line_fen, order.approved_rate = outcome.approved_line_fen, outcome.approved_rate
        order.approved_term_months = outcome.approved_term_months
        order.approved_repayment_method = outcome.approved_repayment_method
    if outcome.status is OrderStatus.REJECTED:
        order.rejection_reason = outcome.rejection_reason
    order.events.append(OrderEvent(from_status=current, to_status=outcome.status,
                                   actor_organisation_id=order.bank_organisation_id, note=outcome.note,
                                   occurred_at=outcome.occurred_at))
    session.flush()
    audit_service.record(session, action="orders.network_outcome",
                         actor=audit_service.Actor.system(f"network:{served_by_node}",
                                                          organisation_id=order.bank_organisation_id),
                         subject_type="financing_order", subject_id=order.id, enterprise_id=order.enterprise_id,
                         detail={"from": current, "to": outcome.status, "served_by_node": served_by_node})


# Statistics (read by reporting: each a set-based query over what was known before `until`) ----------------------

_DECIDED = (OrderStatus.APPROVED.value, OrderStatus.OFFERED.value, OrderStatus.REJECTED.value)
_PASSED = (OrderStatus.APPROVED.value, OrderStatus.OFFERED.value)
_CLOSED = tuple(s.value for s in OrderStatus if s not in policy.OPEN_STATUSES)


@dataclass(frozen=True, slots=True)
class OrderTotals:
    """New financing orders in a period: submitted and their amounts; decided, passed and the amount approved."""

    submitted: int
    requested_fen: int
    decided: int
    passed: int
    approved_fen: int


def order_totals(session: Session, *, since: datetime | None, until: datetime) -> OrderTotals:
    """New orders submitted in [since, until) and the bank decisions made in it (the first decision event of
    each order falling in the period: approved or offered counts as passed, rejected as not)."""
    submitted = select(func.count(), func.coalesce(func.sum(FinancingOrder.amount_fen), 0)).where(
        FinancingOrder.kind == OrderKind.NEW.value, FinancingOrder.submitted_at < until)
    if since is not None:
        submitted = submitted.where(FinancingOrder.submitted_at >= since)
    count, requested = session.execute(submitted).one()
    first = (select(OrderEvent.order_id, func.min(OrderEvent.occurred_at).label("at"))
             .where(OrderEvent.to_status.in_(_DECIDED), OrderEvent.occurred_at < until)
             .group_by(OrderEvent.order_id).subquery())
    passed_event = (select(OrderEvent.id).where(OrderEvent.order_id == first.c.order_id,
                                                OrderEvent.occurred_at == first.c.at,
                                                OrderEvent.to_status.in_(_PASSED)).exists())
    decided = (select(func.count(),
                      func.count().filter(passed_event),
                      func.coalesce(func.sum(case((passed_event, FinancingOrder.approved_line_fen), else_=0)), 0))
               .select_from(first).join(FinancingOrder, FinancingOrder.id == first.c.order_id)
               .where(FinancingOrder.kind == OrderKind.NEW.value))
    if since is not None:
        decided = decided.where(first.c.at >= since)
    decided_count, passed, approved = session.execute(decided).one()
    return OrderTotals(submitted=int(count), requested_fen=int(requested), decided=int(decided_count),
                       passed=int(passed), approved_fen=int(approved))


def late_orders_by_bank(session: Session, *, as_of: date, until: datetime) -> dict[int, int]:
    """Per bank, the new orders still open at `until` (no event closing them before it) whose deadline was
    before `as_of`: what the 督办 list showed on that day."""
    closed = select(OrderEvent.id).where(OrderEvent.order_id == FinancingOrder.id,
                                         OrderEvent.to_status.in_(_CLOSED), OrderEvent.occurred_at < until).exists()
    rows = session.execute(
        select(FinancingOrder.bank_organisation_id, func.count())
        .where(FinancingOrder.kind == OrderKind.NEW.value, FinancingOrder.submitted_at < until,
               FinancingOrder.deadline_date < as_of, ~closed)
        .group_by(FinancingOrder.bank_organisation_id)).all()
    return {int(bank): int(n) for bank, n in rows}
