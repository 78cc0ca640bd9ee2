"""A line's and a drawdown's later life, decided through orders: renewal of a line (续贷) and deferral of a
drawdown's principal (延期还本), each applied on the order's event and kept as a record.

Renewal keeps the line row (its drawdowns stay on it) and records the change: `CreditLineRenewal` holds the validity,
limit and rate before and after, and the order that decided it, so the line's history is never lost by the update of
its current terms. The new validity runs from the old expiry for the product's line validity; the renewed limit and
rate apply to drawdowns made from now on (outstanding drawdowns keep their contract rate and schedule).

Deferral keeps the installments still to come as superseded rows and adds the new schedule of the remaining principal
(`schedule.defer`) after them; `DrawdownDeferral` records the old and new maturity and the order.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.loans import drawdowns, schedule
from xinyidai.loans.exceptions import DrawdownNotFound, LineNotFound, LoanRuleBroken
from xinyidai.loans.models import CreditLine, CreditLineRenewal, Drawdown, DrawdownDeferral
from xinyidai.orders.events import DeferralDecided, RenewalDecided
from xinyidai.orders.policy import DrawdownFacts
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.workdays import add_months


def renew_line(session: Session, *, decided: RenewalDecided) -> CreditLineRenewal | None:
    """Renew the line an approved renewal names (a second call for the same order returns the first renewal)."""
    if not decided.approved or decided.line_fen is None or decided.annual_rate is None:
        return None
    existing = session.scalars(select(CreditLineRenewal).where(
        CreditLineRenewal.order_id == decided.order_id)).one_or_none()
    if existing is not None:
        return existing
    line = session.scalars(select(CreditLine).where(CreditLine.id == decided.credit_line_id).with_for_update()).first()
    if line is None:
        raise LineNotFound("未找到该授信额度", message_en="credit line not found")
    product = products_service.get(session, product_id=line.product_id)
    renewal = CreditLineRenewal(
        credit_line_id=line.id, order_id=decided.order_id, previous_valid_until=line.valid_until,
        new_valid_until=add_months(line.valid_until, product.line_validity_months),
        previous_limit_fen=line.limit_fen, new_limit_fen=decided.line_fen, previous_rate=line.annual_rate,
        new_rate=decided.annual_rate, created_at=clock.now())
    session.add(renewal)
    line.valid_until = renewal.new_valid_until
    line.limit_fen = decided.line_fen
    line.annual_rate = decided.annual_rate
    session.flush()
    audit_service.record(session, action="loans.line_renewed",
                         actor=audit_service.Actor.system("renewal_decided", organisation_id=line.bank_organisation_id),
                         subject_type="credit_line", subject_id=line.id, enterprise_id=line.enterprise_id,
                         detail={"order_id": decided.order_id,
                                 "previous_valid_until": str(renewal.previous_valid_until),
                                 "new_valid_until": str(renewal.new_valid_until)})
    return renewal


def on_renewal_decided(session: Session, event: RenewalDecided) -> None:
    """Domain-event handler: an approved renewal renews its line."""
    renew_line(session, decided=event)


def defer_drawdown(session: Session, *, decided: DeferralDecided) -> DrawdownDeferral | None:
    """Give the drawdown an approved deferral names its new schedule to the new maturity (a second call for the
    same order returns the first deferral)."""
    if not decided.approved:
        return None
    existing = session.scalars(select(DrawdownDeferral).where(
        DrawdownDeferral.order_id == decided.order_id)).one_or_none()
    if existing is not None:
        return existing
    drawdown = session.scalars(select(Drawdown).where(Drawdown.id == decided.drawdown_id).with_for_update()).first()
    if drawdown is None:
        raise DrawdownNotFound("未找到该笔用信", message_en="drawdown not found")
    today = clock.today()
    future = [i for i in drawdowns.live_installments(drawdown) if i.due_date > today]
    if not future or drawdown.bal_principal <= 0:
        raise LoanRuleBroken("该笔用信没有尚未到期的本金，不能延期", message_en="nothing left to defer")
    line = session.get(CreditLine, drawdown.credit_line_id)
    assert line is not None
    try:
        plan = schedule.defer(
            outstanding_principal_fen=drawdown.bal_principal, annual_rate=drawdown.annual_rate,
            method=RepaymentMethod(drawdown.method), next_due_date=future[0].due_date,
            new_maturity_date=decided.new_maturity_date, due_day=drawdown.value_date.day,
            guarantee_fee_rate=line.guarantee_fee_rate)
    except schedule.ScheduleError as exc:
        raise LoanRuleBroken(str(exc), message_en="invalid deferral schedule") from exc
    for item in future:
        item.superseded = True
    session.flush()
    first_number = max(i.number for i in drawdown.installments) + 1
    drawdowns.add_installments(session, drawdown, plan, first_number=first_number)
    deferral = DrawdownDeferral(drawdown_id=drawdown.id, order_id=decided.order_id,
                                previous_maturity_date=drawdown.maturity_date,
                                new_maturity_date=plan.installments[-1].due_date,
                                principal_fen=drawdown.bal_principal, first_number=first_number,
                                created_at=clock.now())
    session.add(deferral)
    drawdown.maturity_date = deferral.new_maturity_date
    session.flush()
    audit_service.record(session, action="loans.drawdown_deferred",
                         actor=audit_service.Actor.system("deferral_decided",
                                                          organisation_id=drawdown.bank_organisation_id),
                         subject_type="drawdown", subject_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
                         detail={"order_id": decided.order_id,
                                 "previous_maturity_date": str(deferral.previous_maturity_date),
                                 "new_maturity_date": str(deferral.new_maturity_date)})
    return deferral


def on_deferral_decided(session: Session, event: DeferralDecided) -> None:
    """Domain-event handler: an approved deferral reschedules its drawdown."""
    defer_drawdown(session, decided=event)


def drawdown_facts(session: Session, drawdown_id: int) -> DrawdownFacts | None:
    """A drawdown as orders need it for a deferral request (unscoped: orders check whose it is)."""
    drawdown = session.get(Drawdown, drawdown_id)
    if drawdown is None:
        return None
    line = session.get(CreditLine, drawdown.credit_line_id)
    assert line is not None
    arrears = bool(drawdown.overdue_since_ordinal is not None or drawdown.bal_principal_overdue
                   or drawdown.bal_interest_overdue or drawdown.bal_penalty)
    return DrawdownFacts(
        drawdown_id=drawdown.id, credit_line_id=line.id, enterprise_id=drawdown.enterprise_id,
        bank_organisation_id=drawdown.bank_organisation_id, product_id=line.product_id, status=drawdown.status,
        in_arrears=arrears,
        outstanding_principal_fen=drawdown.bal_principal, maturity_date=drawdown.maturity_date,
        due_day=drawdown.value_date.day, annual_rate=drawdown.annual_rate, method=drawdown.method,
        term_months=drawdown.term_months)


def renewals_of(session: Session, *, line_id: int) -> list[CreditLineRenewal]:
    """A line's renewals, oldest first."""
    return list(session.scalars(select(CreditLineRenewal).where(CreditLineRenewal.credit_line_id == line_id)
                                .order_by(CreditLineRenewal.id)))
