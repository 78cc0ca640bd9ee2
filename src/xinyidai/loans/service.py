"""Use cases of loan servicing: open and freeze lines, draw, repay, read balances, verify the ledger."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from xinyidai import clock, events
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.auth.scoping import scope
from xinyidai.loans import policy, schedule
from xinyidai.loans.enums import Account, Classification, DrawdownStatus, FeeMode, LineStatus
from xinyidai.loans.events import DrawdownMade, RepaymentReceived
from xinyidai.loans.exceptions import DrawdownNotFound, IdempotencyConflict, LineNotFound, LoanRuleBroken
from xinyidai.loans.models import (
    ClassificationBand,
    CreditLine,
    Drawdown,
    EodRun,
    Installment,
    JournalEntry,
    LedgerPosting,
    Repayment,
)
from xinyidai.loans.schemas import (
    BalancesRead,
    DrawdownCreate,
    DrawdownRead,
    InstallmentRead,
    LineRead,
    RepaymentCreate,
    RepaymentRead,
)
from xinyidai.money import format_yuan
from xinyidai.orders.events import OrderApproved
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.workdays import add_months

PPM = Decimal(1_000_000)

BALANCE_COLUMNS: dict[Account, str] = {
    Account.PRINCIPAL: "bal_principal",
    Account.PRINCIPAL_OVERDUE: "bal_principal_overdue",
    Account.INTEREST_ACCRUED: "bal_interest_accrued",
    Account.INTEREST_OVERDUE: "bal_interest_overdue",
    Account.PENALTY: "bal_penalty",
    Account.FEE_ACCRUED: "bal_fee_accrued",
    Account.FEE_OVERDUE: "bal_fee_overdue",
}


def to_ppm(rate: Decimal) -> int:
    """A rate as integer parts per million."""
    return int((rate * PPM).to_integral_value(rounding=ROUND_HALF_UP))


# Lines ---------------------------------------------------------------------------------------------


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


def used_fen(session: Session, *, line_id: int) -> int:
    """Principal outstanding on the line's drawdowns (repaid principal is available again)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Drawdown.bal_principal + Drawdown.bal_principal_overdue), 0)).where(
            Drawdown.credit_line_id == line_id, Drawdown.status != DrawdownStatus.SETTLED
        )
    )
    return int(total or 0)


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


# Ledger --------------------------------------------------------------------------------------------


def post(session: Session, *, drawdown: Drawdown, kind: str, postings: Sequence[policy.Posting],
         business_date: date, memo: str | None = None) -> JournalEntry:
    """Record one balanced entry and move the drawdown's cached balances with it."""
    postings = [p for p in postings if p.amount_fen]
    policy.check_balanced(postings)
    entry = JournalEntry(drawdown_id=drawdown.id, business_date=business_date, kind=kind, memo=memo,
                         created_at=clock.now())
    session.add(entry)
    session.flush()
    session.add_all(LedgerPosting(entry_id=entry.id, drawdown_id=drawdown.id, account=p.account,
                                  amount_fen=p.amount_fen) for p in postings)
    for p in postings:
        column = BALANCE_COLUMNS.get(p.account)
        if column is not None:
            setattr(drawdown, column, getattr(drawdown, column) + p.amount_fen)
    session.flush()
    return entry


def ledger_balances(session: Session, *, drawdown_id: int) -> dict[Account, int]:
    """Balances by account, derived from the postings alone."""
    rows = session.execute(
        select(LedgerPosting.account, func.sum(LedgerPosting.amount_fen))
        .where(LedgerPosting.drawdown_id == drawdown_id)
        .group_by(LedgerPosting.account)
    ).all()
    return {Account(account): int(total) for account, total in rows}


def verify_balances(session: Session, *, drawdown: Drawdown) -> list[str]:
    """Differences between the cached balances and the ledger (empty when they agree)."""
    derived = ledger_balances(session, drawdown_id=drawdown.id)
    problems = []
    for account, column in BALANCE_COLUMNS.items():
        if getattr(drawdown, column) != derived.get(account, 0):
            problems.append(f"{account}: cached {getattr(drawdown, column)} != ledger {derived.get(account, 0)}")
    if sum(derived.values()) != 0:
        problems.append(f"ledger does not balance: {sum(derived.values())}")
    return problems


# Drawdowns -----------------------------------------------------------------------------------------


def _require_value_date_today(value_date: date | None, today: date) -> None:
    if value_date is not None and value_date != today:
        raise LoanRuleBroken(f"起息日只能为当日（{today}），不能倒起息或预约", message_en="value date must be today")


def _require_day_open(session: Session, today: date) -> None:
    if session.scalar(select(EodRun.id).where(EodRun.business_date == today, EodRun.status == "done")):
        raise LoanRuleBroken("今日日终处理已完成，请于下一个营业日办理", message_en="end of day has run for today")


def draw(session: Session, *, principal: Principal, line_id: int, drawdown_in: DrawdownCreate,
         idempotency_key: str) -> Drawdown:
    """Draw on a line within its available limit; a retried key returns the first drawdown."""
    line = get_line(session, principal=principal, line_id=line_id, lock=True)
    if principal.enterprise_id != line.enterprise_id:
        raise LineNotFound("未找到该授信额度", message_en="credit line not found")
    previous = session.scalars(select(Drawdown).where(
        Drawdown.credit_line_id == line.id, Drawdown.idempotency_key == idempotency_key)).one_or_none()
    if previous is not None:
        same = (previous.principal_fen, previous.term_months, previous.method) == (
            drawdown_in.amount_fen, drawdown_in.term_months, drawdown_in.method)
        if not same:
            raise IdempotencyConflict("该幂等键已用于另一笔用信申请", message_en="Idempotency-Key reused")
        return previous
    today = clock.today()
    _require_value_date_today(drawdown_in.value_date, today)
    if line.status == LineStatus.FROZEN:
        raise LoanRuleBroken(f"授信额度已冻结：{line.status_reason or ''}，暂不能用信", message_en="line is frozen")
    if line.status != LineStatus.ACTIVE or line.valid_until < today:
        raise LoanRuleBroken(f"授信额度已于{line.valid_until}到期或已关闭，不能用信",
                             message_en="line expired or closed")
    in_arrears = session.scalar(select(func.count()).select_from(Drawdown).where(
        Drawdown.credit_line_id == line.id,
        (Drawdown.status == DrawdownStatus.DEFAULTED) | (Drawdown.overdue_since_ordinal.is_not(None)),
    ))
    if in_arrears:
        raise LoanRuleBroken("该额度下有逾期未还款项，请先还清逾期款项后再用信", message_en="line has arrears")
    available = line.limit_fen - used_fen(session, line_id=line.id)
    if drawdown_in.amount_fen > available:
        raise LoanRuleBroken(f"用信金额超过可用额度{format_yuan(max(0, available))}元",
                             message_en="amount above the available limit", available_fen=max(0, available))
    if drawdown_in.method not in line.repayment_methods:
        raise LoanRuleBroken("该额度不提供所选还款方式", message_en="repayment method not offered")
    if drawdown_in.term_months not in [int(t) for t in line.term_options]:
        options = "、".join(str(t) for t in line.term_options)
        raise LoanRuleBroken(f"用信期限须为{options}个月之一", message_en="term not offered")
    _require_day_open(session, today)
    product = products_service.get(session, product_id=line.product_id)
    try:
        plan = schedule.build(principal_fen=drawdown_in.amount_fen, annual_rate=line.annual_rate,
                              months=drawdown_in.term_months, method=drawdown_in.method, start_date=today,
                              guarantee_fee_rate=line.guarantee_fee_rate)
    except schedule.ScheduleError as exc:
        raise LoanRuleBroken(str(exc), message_en="invalid schedule") from exc
    fee_mode = FeeMode(product.fee_mode)
    rate_ppm = to_ppm(line.annual_rate)
    drawdown = Drawdown(
        credit_line_id=line.id, enterprise_id=line.enterprise_id, bank_organisation_id=line.bank_organisation_id,
        idempotency_key=idempotency_key, principal_fen=drawdown_in.amount_fen, method=drawdown_in.method,
        term_months=drawdown_in.term_months, value_date=today, maturity_date=plan.installments[-1].due_date,
        annual_rate=line.annual_rate, rate_ppm=rate_ppm,
        overdue_rate_ppm=to_ppm(line.annual_rate * (1 + product.overdue_markup)),
        fee_rate_ppm=to_ppm(line.guarantee_fee_rate) if fee_mode == FeeMode.DAILY else 0,
        year_days=schedule.DayCount(product.day_count).year_days, fee_mode=fee_mode,
        prepayment_rule=product.prepayment_rule, status=DrawdownStatus.ACTIVE,
        bal_principal=0, bal_principal_overdue=0, bal_interest_accrued=0, bal_interest_overdue=0, bal_penalty=0,
        bal_fee_accrued=0, bal_fee_overdue=0, carry_interest=0, carry_penalty=0, carry_fee=0,
        accrued_through_ordinal=today.toordinal() - 1, overdue_since_ordinal=None, days_past_due=0,
        classification=Classification.NORMAL, created_at=clock.now(),
    )
    session.add(drawdown)
    session.flush()
    _add_installments(session, drawdown, plan, first_number=1)
    postings = [policy.Posting(Account.PRINCIPAL, drawdown.principal_fen),
                policy.Posting(Account.CASH, -drawdown.principal_fen)]
    if fee_mode == FeeMode.UPFRONT and plan.total_guarantee_fee_fen:
        postings += [policy.Posting(Account.FEE_ACCRUED, plan.total_guarantee_fee_fen),
                     policy.Posting(Account.FEE_PAYABLE, -plan.total_guarantee_fee_fen)]
    post(session, drawdown=drawdown, kind="drawdown", postings=postings, business_date=today)
    audit_service.record(session, action="loans.drawdown", actor=principal, subject_type="drawdown",
                         subject_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
                         detail={"amount_fen": drawdown.principal_fen, "idempotency_key": idempotency_key})
    events.publish(session=session, event=DrawdownMade(
        drawdown_id=drawdown.id, credit_line_id=line.id, enterprise_id=drawdown.enterprise_id,
        bank_organisation_id=drawdown.bank_organisation_id, amount_fen=drawdown.principal_fen,
    ))
    return drawdown


def _add_installments(session: Session, drawdown: Drawdown, plan: schedule.Schedule, *, first_number: int) -> None:
    for offset, item in enumerate(plan.installments):
        session.add(Installment(
            drawdown_id=drawdown.id, number=first_number + offset, due_date=item.due_date,
            due_ordinal=item.due_date.toordinal(), principal_fen=item.principal_fen,
            scheduled_interest_fen=item.interest_fen, principal_paid_fen=0, overdue_principal_fen=0,
            overdue_interest_fen=0, overdue_paid_fen=0, superseded=False,
        ))
    session.flush()
    session.refresh(drawdown, ["installments"])


def _scoped_drawdowns(query: Select[Drawdown], principal: Principal) -> Select[Drawdown]:
    return scope(query, principal, bank_column=Drawdown.bank_organisation_id,
                 enterprise_column=Drawdown.enterprise_id)


def get_drawdown(session: Session, *, principal: Principal, drawdown_id: int, lock: bool = False) -> Drawdown:
    """A drawdown the caller may see; `lock` takes its row lock for a money operation."""
    query = _scoped_drawdowns(select(Drawdown).where(Drawdown.id == drawdown_id), principal)
    if lock:
        query = query.with_for_update()
    drawdown = session.scalars(query).first()
    if drawdown is None:
        raise DrawdownNotFound("未找到该笔用信", message_en="drawdown not found")
    return drawdown


def list_drawdowns(session: Session, *, principal: Principal, line_id: int | None = None,
                   limit: int = 500) -> Sequence[Drawdown]:
    """The drawdowns the caller may see, newest first."""
    query = _scoped_drawdowns(select(Drawdown), principal).order_by(Drawdown.id.desc()).limit(limit)
    if line_id is not None:
        query = query.where(Drawdown.credit_line_id == line_id)
    return session.scalars(query).all()


# Repayments ----------------------------------------------------------------------------------------


def _live_installments(drawdown: Drawdown) -> list[Installment]:
    return [i for i in drawdown.installments if not i.superseded]


def owed(drawdown: Drawdown, today: date) -> dict[str, int]:
    """What the borrower owes today, by repayment bucket (the rest of the principal is prepayable)."""
    due_today = sum(i.principal_fen - i.principal_paid_fen for i in _live_installments(drawdown)
                    if i.due_date == today)
    return {
        "penalty": drawdown.bal_penalty,
        "interest_overdue": drawdown.bal_interest_overdue,
        "fee_overdue": drawdown.bal_fee_overdue,
        "principal_overdue": drawdown.bal_principal_overdue,
        "interest": drawdown.bal_interest_accrued,
        "fee": drawdown.bal_fee_accrued,
        "principal_due": min(due_today, drawdown.bal_principal),
    }


def total_owed(drawdown: Drawdown) -> int:
    """Everything the borrower owes now, prepaying all principal."""
    return sum(getattr(drawdown, column) for column in BALANCE_COLUMNS.values())


def repay(session: Session, *, principal: Principal, drawdown_id: int, repayment_in: RepaymentCreate,
          idempotency_key: str) -> Repayment:
    """Repay at any time: overdue amounts and interest to date first, then principal (随借随还)."""
    drawdown = get_drawdown(session, principal=principal, drawdown_id=drawdown_id, lock=True)
    if principal.enterprise_id != drawdown.enterprise_id:
        raise DrawdownNotFound("未找到该笔用信", message_en="drawdown not found")
    previous = session.scalars(select(Repayment).where(
        Repayment.drawdown_id == drawdown.id, Repayment.idempotency_key == idempotency_key)).one_or_none()
    if previous is not None:
        if previous.amount_fen != repayment_in.amount_fen:
            raise IdempotencyConflict("该幂等键已用于另一笔还款", message_en="Idempotency-Key reused")
        return previous
    if drawdown.status != DrawdownStatus.ACTIVE:
        raise LoanRuleBroken("该笔用信已结清或已进入代偿处理，不能还款", message_en="drawdown is not active")
    today = clock.today()
    _require_value_date_today(repayment_in.value_date, today)
    _require_day_open(session, today)
    maximum = total_owed(drawdown)
    if repayment_in.amount_fen > maximum:
        # Stated rule: no overpayment is held; the borrower is told the amount that settles the loan.
        raise LoanRuleBroken(f"还款金额超过全部应还金额{format_yuan(maximum)}元（含提前还清的本金）",
                             message_en="repayment exceeds everything owed", maximum_fen=maximum)
    product = products_service.get(session, product_id=_line_product_id(session, drawdown))
    split = policy.allocate(repayment_in.amount_fen, owed(drawdown, today), product.allocation_order)
    credit = {bucket: policy.BUCKET_ACCOUNTS.get(bucket, Account.PRINCIPAL) for bucket in split}
    postings = [policy.Posting(Account.CASH, repayment_in.amount_fen)]
    postings += [policy.Posting(credit[bucket], -amount) for bucket, amount in split.items()]
    entry = post(session, drawdown=drawdown, kind="repayment", postings=postings, business_date=today)
    _apply_to_installments(session, drawdown, split, today)
    if total_owed(drawdown) == 0:
        drawdown.status = DrawdownStatus.SETTLED
        drawdown.settled_date = today
        for item in _live_installments(drawdown):
            if item.due_date > today:
                item.superseded = True
    repayment = Repayment(drawdown_id=drawdown.id, idempotency_key=idempotency_key,
                          amount_fen=repayment_in.amount_fen, value_date=today, allocation=split,
                          entry_id=entry.id, created_at=clock.now())
    session.add(repayment)
    session.flush()
    audit_service.record(session, action="loans.repayment", actor=principal, subject_type="drawdown",
                         subject_id=drawdown.id, enterprise_id=drawdown.enterprise_id, detail={"allocation": split})
    events.publish(session=session, event=RepaymentReceived(
        drawdown_id=drawdown.id, enterprise_id=drawdown.enterprise_id, amount_fen=repayment_in.amount_fen,
        settled=drawdown.status == DrawdownStatus.SETTLED,
    ))
    return repayment


def _line_product_id(session: Session, drawdown: Drawdown) -> int:
    line = session.get(CreditLine, drawdown.credit_line_id)
    assert line is not None
    return line.product_id


def _apply_to_installments(session: Session, drawdown: Drawdown, split: dict[str, int], today: date) -> None:
    live = _live_installments(drawdown)
    overdue_paid = split.get("principal_overdue", 0) + split.get("interest_overdue", 0)
    for item in live:  # oldest overdue installments first
        if overdue_paid <= 0:
            break
        open_fen = item.overdue_principal_fen + item.overdue_interest_fen - item.overdue_paid_fen
        take = min(open_fen, overdue_paid)
        if take > 0:
            item.overdue_paid_fen += take
            overdue_paid -= take
    principal_overdue_paid = split.get("principal_overdue", 0)
    for item in live:
        if principal_overdue_paid <= 0:
            break
        unpaid = min(item.overdue_principal_fen, item.principal_fen - item.principal_paid_fen)
        take = min(unpaid, principal_overdue_paid)
        if take > 0:
            item.principal_paid_fen += take
            principal_overdue_paid -= take
    due_paid = split.get("principal_due", 0)
    for item in live:
        if item.due_date == today and due_paid > 0:
            take = min(item.principal_fen - item.principal_paid_fen, due_paid)
            item.principal_paid_fen += take
            due_paid -= take
    still_overdue = [i.due_ordinal for i in live
                     if i.overdue_paid_fen < i.overdue_principal_fen + i.overdue_interest_fen]
    any_overdue = drawdown.bal_principal_overdue or drawdown.bal_interest_overdue or drawdown.bal_fee_overdue \
        or drawdown.bal_penalty
    drawdown.overdue_since_ordinal = min(still_overdue) if still_overdue else (
        drawdown.overdue_since_ordinal if any_overdue else None)
    drawdown.days_past_due = today.toordinal() - drawdown.overdue_since_ordinal \
        if drawdown.overdue_since_ordinal is not None else 0
    prepaid = split.get(policy.PREPAYMENT_BUCKET, 0)
    if prepaid and drawdown.bal_principal > 0:
        _recast(session, drawdown, today)
    session.flush()


def _recast(session: Session, drawdown: Drawdown, today: date) -> None:
    future = [i for i in _live_installments(drawdown) if i.due_date > today]
    if not future:
        return
    current_payment = future[0].principal_fen + future[0].scheduled_interest_fen
    method = RepaymentMethod(drawdown.method)
    plan = schedule.recast(
        outstanding_principal_fen=drawdown.bal_principal, annual_rate=drawdown.annual_rate, method=method,
        remaining_months=len(future), next_due_date=future[0].due_date,
        rule=schedule.PrepaymentRule(drawdown.prepayment_rule),
        current_payment_fen=future[0].principal_fen if method == RepaymentMethod.EQUAL_PRINCIPAL else current_payment,
        due_day=drawdown.value_date.day,
    )
    for item in future:
        item.superseded = True
    session.flush()
    _add_installments(session, drawdown, plan, first_number=max(i.number for i in drawdown.installments) + 1)
    drawdown.maturity_date = plan.installments[-1].due_date


def balances_of(drawdown: Drawdown) -> BalancesRead:
    """The drawdown's balances by kind."""
    return BalancesRead(
        principal_fen=drawdown.bal_principal, principal_overdue_fen=drawdown.bal_principal_overdue,
        interest_accrued_fen=drawdown.bal_interest_accrued, interest_overdue_fen=drawdown.bal_interest_overdue,
        penalty_fen=drawdown.bal_penalty, fee_accrued_fen=drawdown.bal_fee_accrued,
        fee_overdue_fen=drawdown.bal_fee_overdue, total_fen=total_owed(drawdown),
    )


def to_drawdown_read(drawdown: Drawdown) -> DrawdownRead:
    """A drawdown with balances and schedule."""
    return DrawdownRead(
        id=drawdown.id, credit_line_id=drawdown.credit_line_id, enterprise_id=drawdown.enterprise_id,
        principal_fen=drawdown.principal_fen, method=RepaymentMethod(drawdown.method),
        term_months=drawdown.term_months, value_date=drawdown.value_date, maturity_date=drawdown.maturity_date,
        annual_rate=drawdown.annual_rate, status=DrawdownStatus(drawdown.status),
        days_past_due=drawdown.days_past_due, classification=Classification(drawdown.classification),
        balances=balances_of(drawdown),
        installments=[
            InstallmentRead(
                number=i.number, due_date=i.due_date, principal_fen=i.principal_fen,
                scheduled_interest_fen=i.scheduled_interest_fen, principal_paid_fen=i.principal_paid_fen,
                overdue_fen=i.overdue_principal_fen + i.overdue_interest_fen - i.overdue_paid_fen,
                superseded=i.superseded,
            )
            for i in drawdown.installments
        ],
    )


def to_repayment_read(session: Session, repayment: Repayment) -> RepaymentRead:
    """A repayment with the drawdown's balances after it."""
    drawdown = session.get(Drawdown, repayment.drawdown_id)
    assert drawdown is not None
    return RepaymentRead(id=repayment.id, drawdown_id=repayment.drawdown_id, amount_fen=repayment.amount_fen,
                         value_date=repayment.value_date, allocation=dict(repayment.allocation),
                         balances=balances_of(drawdown))



# Claims settled by third parties (guarantors' compensation, recoveries) --------------------------

CLAIM_ORDER: tuple[Account, ...] = (
    Account.PRINCIPAL_OVERDUE, Account.PRINCIPAL, Account.INTEREST_OVERDUE, Account.INTEREST_ACCRUED,
    Account.PENALTY, Account.FEE_OVERDUE, Account.FEE_ACCRUED,
)


def get_drawdown_for_settlement(session: Session, *, drawdown_id: int) -> Drawdown:
    """A drawdown, row-locked, for a settlement by the risk-sharing parties (no caller scope)."""
    drawdown = session.scalars(select(Drawdown).where(Drawdown.id == drawdown_id).with_for_update()).first()
    if drawdown is None:
        raise DrawdownNotFound("未找到该笔用信", message_en="drawdown not found")
    return drawdown


def settle_claim(session: Session, *, drawdown: Drawdown, amount_fen: int, kind: str, memo: str) -> JournalEntry:
    """Money received from a third party settles the bank's claim on a drawdown, principal first."""
    if amount_fen <= 0 or amount_fen > total_owed(drawdown):
        raise LoanRuleBroken("结算金额必须大于0且不超过剩余债权", message_en="settlement outside the claim")
    remaining = amount_fen
    taken: dict[Account, int] = {}
    for account in CLAIM_ORDER:
        take = min(remaining, getattr(drawdown, BALANCE_COLUMNS[account]))
        if take:
            taken[account] = take
            remaining -= take
    postings = [policy.Posting(Account.CASH, amount_fen)]
    postings += [policy.Posting(account, -take) for account, take in taken.items()]
    today = clock.today()
    entry = post(session, drawdown=drawdown, kind=kind, postings=postings, business_date=today, memo=memo)
    # The installments show what the claim settled: overdue amounts oldest first, then principal not yet due.
    _apply_to_installments(session, drawdown, {
        "principal_overdue": taken.get(Account.PRINCIPAL_OVERDUE, 0),
        "interest_overdue": taken.get(Account.INTEREST_OVERDUE, 0),
    }, today)
    not_due = taken.get(Account.PRINCIPAL, 0)
    for item in _live_installments(drawdown):
        take = min(item.principal_fen - item.principal_paid_fen - item.overdue_principal_fen, not_due)
        if take > 0:
            item.principal_paid_fen += take
            not_due -= take
    session.flush()
    return entry


def product_id_of(session: Session, *, drawdown: Drawdown) -> int:
    """The product a drawdown was made under."""
    return _line_product_id(session, drawdown)


# Read-only views for the portal ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One journal entry of a drawdown's statement: its date, kind and the amount posted to each account."""

    entry_id: int
    business_date: date
    kind: str
    memo: str | None
    amounts: dict[Account, int]
    through_date: date | None = None  # set when consecutive daily accruals are shown as one line

    def amount(self, account: Account | str) -> int:
        """The amount posted to `account` (debit positive), 0 when the entry does not touch it."""
        return self.amounts.get(Account(account), 0)

    @property
    def receivable_change_fen(self) -> int:
        """How much the entry changed what the borrower owes."""
        return sum(self.amounts.get(account, 0) for account in BALANCE_COLUMNS)


def statement(session: Session, *, drawdown_id: int) -> list[StatementEntry]:
    """A drawdown's journal entries in order, each with its postings summed by account (no caller scope)."""
    entries = session.scalars(select(JournalEntry).where(JournalEntry.drawdown_id == drawdown_id)
                              .order_by(JournalEntry.business_date, JournalEntry.id)).all()
    amounts: dict[int, dict[Account, int]] = {entry.id: {} for entry in entries}
    rows = session.execute(
        select(LedgerPosting.entry_id, LedgerPosting.account, func.sum(LedgerPosting.amount_fen))
        .where(LedgerPosting.drawdown_id == drawdown_id)
        .group_by(LedgerPosting.entry_id, LedgerPosting.account)
    ).all()
    for entry_id, account, total in rows:
        if entry_id in amounts:
            amounts[entry_id][Account(account)] = int(total)
    return [StatementEntry(entry_id=e.id, business_date=e.business_date, kind=e.kind, memo=e.memo,
                           amounts=amounts[e.id]) for e in entries]


def merge_accruals(entries: Sequence[StatementEntry]) -> list[StatementEntry]:
    """The statement with each run of consecutive daily accruals shown as one line covering its dates."""
    merged: list[StatementEntry] = []
    for entry in entries:
        last = merged[-1] if merged else None
        if last is not None and entry.kind == last.kind == "accrual":
            amounts = dict(last.amounts)
            for account, amount in entry.amounts.items():
                amounts[account] = amounts.get(account, 0) + amount
            merged[-1] = StatementEntry(entry_id=last.entry_id, business_date=last.business_date, kind="accrual",
                                        memo=last.memo, amounts=amounts, through_date=entry.business_date)
        else:
            merged.append(entry)
    return merged


def portfolio_summary(session: Session, *, principal: Principal) -> dict[Classification, tuple[int, int]]:
    """Outstanding drawdowns the caller may see, by five-category classification: (count, principal in fen)."""
    outstanding = Drawdown.bal_principal + Drawdown.bal_principal_overdue
    query = (_scoped_drawdowns(select(Drawdown), principal)
             .with_only_columns(Drawdown.classification, func.count(), func.coalesce(func.sum(outstanding), 0))
             .where(Drawdown.status != DrawdownStatus.SETTLED)
             .group_by(Drawdown.classification))
    summary = {category: (0, 0) for category in Classification}
    for category, count, principal_fen in session.execute(query).all():
        summary[Classification(category)] = (int(count), int(principal_fen))
    return summary


def active_drawdowns_of_products(session: Session, *, product_ids: Sequence[int]) -> Sequence[Drawdown]:
    """Active drawdowns made under any of `product_ids`, oldest first (no caller scope: risk-sharing parties)."""
    if not product_ids:
        return []
    return session.scalars(
        select(Drawdown).join(CreditLine, CreditLine.id == Drawdown.credit_line_id)
        .where(CreditLine.product_id.in_(product_ids), Drawdown.status == DrawdownStatus.ACTIVE)
        .order_by(Drawdown.id)
    ).all()


# Classification bands ------------------------------------------------------------------------------


def get_classification_bands(session: Session, *, bank_organisation_id: int) -> list[tuple[int, Classification]]:
    """The bank's days-past-due bands, or the platform default when it has set none."""
    rows = session.scalars(select(ClassificationBand).where(
        ClassificationBand.bank_organisation_id == bank_organisation_id)).all()
    if not rows:
        return list(policy.DEFAULT_BANDS)
    return sorted((row.min_days_past_due, Classification(row.category)) for row in rows)


def set_classification_bands(session: Session, *, principal: Principal,
                             bands: Sequence[tuple[int, Classification]]) -> list[tuple[int, Classification]]:
    """A bank sets the days-past-due band of each category; end of day classifies with them."""
    if principal.organisation_kind != OrgKind.BANK:
        raise LoanRuleBroken("只有银行可以设置五级分类标准", message_en="only banks set classification bands")
    problems = policy.validate_bands(bands)
    if problems:
        raise LoanRuleBroken("；".join(problems), message_en="invalid classification bands")
    for row in session.scalars(select(ClassificationBand).where(
            ClassificationBand.bank_organisation_id == principal.organisation_id)):
        session.delete(row)
    session.flush()
    session.add_all(ClassificationBand(bank_organisation_id=principal.organisation_id, category=category,
                                       min_days_past_due=minimum) for minimum, category in bands)
    audit_service.record(session, action="loans.classification_bands_set", actor=principal,
                         detail={"bands": [[m, c.value] for m, c in sorted(bands)]})
    session.flush()
    return get_classification_bands(session, bank_organisation_id=principal.organisation_id)
