"""Credit lines: opened by an approved order, frozen and unfrozen by the bank or by a default, read with usage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, String, cast, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.auth.scoping import scope
from xinyidai.loans.enums import DrawdownStatus, LineStatus
from xinyidai.loans.exceptions import LineNotFound, LoanRuleBroken
from xinyidai.loans.models import CreditLine, Drawdown
from xinyidai.loans.schemas import LineRead
from xinyidai.orders.events import OrderApproved
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.workdays import add_months


def open_line(session: Session, *, approved: OrderApproved) -> CreditLine:
    """Open the credit line an approved order grants; a second call for the same order returns it."""
    existing = session.scalars(select(CreditLine).where(CreditLine.order_id == approved.order_id)).one_or_none()
    if existing is not None:
        return existing
    product = products_service.get(session, product_id=approved.product_id)
    today = clock.today()
    line = CreditLine(
        order_id=approved.order_id, enterprise_id=approved.enterprise_id,
        bank_organisation_id=approved.bank_organisation_id, product_id=product.id, limit_fen=approved.line_fen,
        annual_rate=approved.annual_rate, guarantee_fee_rate=product.guarantee_fee_rate,
        repayment_methods=list(product.repayment_methods),
        term_options=[t for t in product.term_options if int(t) <= approved.term_months] or [approved.term_months],
        valid_from=today, valid_until=add_months(today, product.line_validity_months),
        status=LineStatus.ACTIVE, created_at=clock.now(),
    )
    session.add(line)
    session.flush()
    audit_service.record(session, action="loans.line_opened",
                         actor=audit_service.Actor.system("order_approved", organisation_id=line.bank_organisation_id),
                         subject_type="credit_line", subject_id=line.id, enterprise_id=line.enterprise_id)
    return line


LINE_REFERENCE_PREFIX = "LINE"  # a line's reference, as a post-loan authorisation names it: LINE<id>
UNSETTLED = (DrawdownStatus.ACTIVE, DrawdownStatus.DEFAULTED, DrawdownStatus.COMPENSATED)


def line_reference(line_id: int) -> str:
    """The reference under which a firm authorises post-loan management of one line (LINE<id>)."""
    return f"{LINE_REFERENCE_PREFIX}{line_id}"


def exposure_query(*, today: date) -> Select[int, int, int, int, str, date]:
    """Every credit line that carries exposure today, as rows (line_id, enterprise_id, bank_organisation_id,
    product_id, reference, since): a line active and in term, or one with a drawdown not settled (drawn, overdue,
    defaulted or compensated). A query for other contexts to join (monitoring's watch list), never a table."""
    unsettled = exists().where(Drawdown.credit_line_id == CreditLine.id, Drawdown.status.in_(UNSETTLED))
    return select(
        CreditLine.id.label("line_id"), CreditLine.enterprise_id.label("enterprise_id"),
        CreditLine.bank_organisation_id.label("bank_organisation_id"), CreditLine.product_id.label("product_id"),
        (literal(LINE_REFERENCE_PREFIX, String) + cast(CreditLine.id, String(20))).label("reference"),
        CreditLine.valid_from.label("since"),
    ).where(or_((CreditLine.status == LineStatus.ACTIVE) & (CreditLine.valid_until >= today), unsettled))


def credited_enterprises_query() -> Select[int]:
    """Every entity a bank has ever granted a line (授信), as rows (enterprise_id): a query for other contexts to join
    (outreach's coverage), never a table."""
    return select(CreditLine.enterprise_id.label("enterprise_id")).distinct()


def financed_enterprises_query() -> Select[int]:
    """Every entity that has ever drawn money on a line (获得贷款), as rows (enterprise_id): a query for other
    contexts to join (outreach's coverage), never a table."""
    return select(Drawdown.enterprise_id.label("enterprise_id")).distinct()


def on_order_approved(session: Session, event: OrderApproved) -> None:
    """Domain-event handler: an approved order opens its line."""
    open_line(session, approved=event)


def _scoped_lines(query: Select[CreditLine], principal: Principal) -> Select[CreditLine]:
    return scope(query, principal, bank_column=CreditLine.bank_organisation_id,
                 enterprise_column=CreditLine.enterprise_id)


def get_line(session: Session, *, principal: Principal, line_id: int, lock: bool = False) -> CreditLine:
    """A line the caller may see; `lock` takes its row lock for a money operation."""
    query = _scoped_lines(select(CreditLine).where(CreditLine.id == line_id), principal)
    if lock:
        query = query.with_for_update()
    line = session.scalars(query).first()
    if line is None:
        raise LineNotFound("未找到该授信额度", message_en="credit line not found")
    return line


def list_lines(session: Session, *, principal: Principal) -> Sequence[CreditLine]:
    """The lines the caller may see."""
    return session.scalars(_scoped_lines(select(CreditLine), principal).order_by(CreditLine.id.desc())).all()


def lines_of_enterprise(session: Session, *, enterprise_id: int) -> Sequence[CreditLine]:
    """Every line of one firm at any bank (unscoped: for the platform's exposure view and rules, not for callers)."""
    return session.scalars(
        select(CreditLine).where(CreditLine.enterprise_id == enterprise_id).order_by(CreditLine.id)
    ).all()


def used_fen(session: Session, *, line_id: int) -> int:
    """Principal outstanding on the line's drawdowns (repaid principal is available again)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Drawdown.bal_principal + Drawdown.bal_principal_overdue), 0)).where(
            Drawdown.credit_line_id == line_id, Drawdown.status != DrawdownStatus.SETTLED
        )
    )
    return int(total or 0)


def in_arrears(session: Session, *, line_id: int) -> bool:
    """Whether any drawdown on the line is overdue, defaulted or compensated."""
    count = session.scalar(select(func.count()).select_from(Drawdown).where(
        Drawdown.credit_line_id == line_id,
        Drawdown.status.in_([DrawdownStatus.DEFAULTED, DrawdownStatus.COMPENSATED])
        | (Drawdown.overdue_since_ordinal.is_not(None)),
    ))
    return bool(count)


def product_id_of(session: Session, *, drawdown: Drawdown) -> int:
    """The product a drawdown was made under."""
    line = session.get(CreditLine, drawdown.credit_line_id)
    assert line is not None
    return line.product_id


def set_line_status(session: Session, *, principal: Principal, line_id: int, status: LineStatus,
                    reason: str) -> CreditLine:
    """The bank freezes, unfreezes or closes a line; a frozen line takes no new drawdowns."""
    line = get_line(session, principal=principal, line_id=line_id, lock=True)
    if principal.organisation_id != line.bank_organisation_id:
        raise LineNotFound("未找到该授信额度", message_en="credit line not found")
    if line.status in (LineStatus.CLOSED, LineStatus.EXPIRED) and status != line.status:
        raise LoanRuleBroken("已关闭或到期的授信额度不能变更状态", message_en="line is closed or expired")
    if len(reason.strip()) < 2:
        raise LoanRuleBroken("请填写变更原因", message_en="a reason is required")
    line.status = status
    line.status_reason = reason.strip()
    audit_service.record(session, action=f"loans.line_{status}", actor=principal, subject_type="credit_line",
                         subject_id=line.id, enterprise_id=line.enterprise_id, detail={"reason": reason})
    session.flush()
    return line


def freeze_for_default(session: Session, *, drawdown: Drawdown) -> None:
    """End of day freezes the line of a drawdown that has just defaulted (no principal: the platform acts)."""
    line = session.get(CreditLine, drawdown.credit_line_id)
    if line is None or line.status != LineStatus.ACTIVE:
        return
    line.status = LineStatus.FROZEN
    line.status_reason = f"用信第{drawdown.id}号逾期{drawdown.days_past_due}天已违约"
    audit_service.record(session, action=f"loans.line_{LineStatus.FROZEN}",
                         actor=audit_service.Actor.system("end_of_day"), subject_type="credit_line",
                         subject_id=line.id, enterprise_id=line.enterprise_id,
                         detail={"reason": line.status_reason, "drawdown_id": drawdown.id})


def to_line_read(session: Session, line: CreditLine) -> LineRead:
    """A line with its used and available amounts."""
    used = used_fen(session, line_id=line.id)
    status = LineStatus(line.status)
    if status == LineStatus.ACTIVE and line.valid_until < clock.today():
        status = LineStatus.EXPIRED
    return LineRead(
        id=line.id, order_id=line.order_id, enterprise_id=line.enterprise_id,
        bank_organisation_id=line.bank_organisation_id, product_id=line.product_id, limit_fen=line.limit_fen,
        used_fen=used, available_fen=max(0, line.limit_fen - used), annual_rate=line.annual_rate,
        guarantee_fee_rate=line.guarantee_fee_rate,
        repayment_methods=[RepaymentMethod(m) for m in line.repayment_methods],
        term_options=[int(t) for t in line.term_options], valid_from=line.valid_from, valid_until=line.valid_until,
        status=status, status_reason=line.status_reason,
    )
