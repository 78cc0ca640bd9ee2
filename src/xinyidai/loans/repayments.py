"""Repayments and third-party settlements: money in, allocated to buckets and installments by `policy`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyidai import clock, events, idempotency
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.loans import classification, drawdowns, ledger, lines, policy, schedule
from xinyidai.loans.enums import Account, DrawdownStatus
from xinyidai.loans.events import RepaymentReceived
from xinyidai.loans.exceptions import DrawdownNotFound, refuse
from xinyidai.loans.models import Drawdown, Installment, JournalEntry, Repayment
from xinyidai.loans.schemas import RepaymentCreate, RepaymentRead
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod


def owed(drawdown: Drawdown, today: date) -> dict[str, int]:
    """What the borrower owes today, by repayment bucket (the rest of the principal is prepayable)."""
    due_today = sum(i.principal_fen - i.principal_paid_fen for i in drawdowns.live_installments(drawdown)
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


def repay(session: Session, *, principal: Principal, drawdown_id: int, repayment_in: RepaymentCreate,
          idempotency_key: str) -> Repayment:
    """Repay at any time: overdue amounts and interest to date first, then principal (随借随还).

    The Idempotency-Key is the borrower's and bound to this operation on this drawdown: the same request again
    replays the first repayment, the key on another drawdown or for another amount is refused. Two requests with
    one key at the same moment meet at the key's unique constraint: the second waits for the first and replays it.
    """
    drawdown = drawdowns.get_drawdown(session, principal=principal, drawdown_id=drawdown_id, lock=True)
    if principal.enterprise_id != drawdown.enterprise_id:
        raise DrawdownNotFound("未找到该笔用信", message_en="drawdown not found")
    previous = _repayment_by_key(session, drawdown.enterprise_id, idempotency_key)
    if previous is not None:
        return _replay(previous, drawdown_id=drawdown.id, repayment_in=repayment_in)
    try:
        with session.begin_nested():
            repayment = _apply(session, drawdown, repayment_in, idempotency_key)
    except IntegrityError:
        # The same key used at the same moment (on another drawdown): the other request won; answer as its replay.
        session.expire(drawdown)
        previous = _repayment_by_key(session, drawdown.enterprise_id, idempotency_key)
        if previous is None:
            raise
        return _replay(previous, drawdown_id=drawdown.id, repayment_in=repayment_in)
    audit_service.record(session, action="loans.repayment", actor=principal, subject_type="drawdown",
                         subject_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
                         detail={"allocation": repayment.allocation})
    events.publish(session=session, event=RepaymentReceived(
        drawdown_id=drawdown.id, enterprise_id=drawdown.enterprise_id, amount_fen=repayment_in.amount_fen,
        settled=drawdown.status == DrawdownStatus.SETTLED,
    ))
    return repayment


def _repayment_by_key(session: Session, enterprise_id: int, idempotency_key: str) -> Repayment | None:
    return session.scalars(select(Repayment).where(
        Repayment.enterprise_id == enterprise_id, Repayment.idempotency_key == idempotency_key)).one_or_none()


def _replay(previous: Repayment, *, drawdown_id: int, repayment_in: RepaymentCreate) -> Repayment:
    """The earlier repayment under the key, if this is the same request again (same drawdown, same amount)."""
    return idempotency.replay_or_refuse(
        previous, stored={"drawdown_id": previous.drawdown_id, "amount_fen": previous.amount_fen},
        new={"drawdown_id": drawdown_id, "amount_fen": repayment_in.amount_fen},
        message="该幂等键已用于另一笔还款（其他用信或其他金额），请为新的还款使用新的幂等键",
        message_en="Idempotency-Key already used for another repayment (another drawdown or amount)")


def _apply(session: Session, drawdown: Drawdown, repayment_in: RepaymentCreate, idempotency_key: str) -> Repayment:
    """Post the repayment, show it on the installments and record it under its key (flushed last)."""
    today = clock.today()
    refuse(policy.repayment_problems(
        amount_fen=repayment_in.amount_fen, value_date=repayment_in.value_date, today=today,
        active=drawdown.status == DrawdownStatus.ACTIVE,
        owed_fen=ledger.total_owed(drawdown), day_closed=ledger.day_closed(session, business_date=today)))
    product = products_service.get(session, product_id=lines.product_id_of(session, drawdown=drawdown))
    split = policy.allocate(repayment_in.amount_fen, owed(drawdown, today), product.allocation_order)
    credit = {bucket: policy.BUCKET_ACCOUNTS.get(bucket, Account.PRINCIPAL) for bucket in split}
    postings = [policy.Posting(Account.CASH, repayment_in.amount_fen)]
    postings += [policy.Posting(credit[bucket], -amount) for bucket, amount in split.items()]
    entry = ledger.post(session, drawdown=drawdown, kind="repayment", postings=postings, business_date=today)
    _apply_to_installments(drawdown, today, overdue_fen=split.get("principal_overdue", 0)
                           + split.get("interest_overdue", 0), principal_overdue_fen=split.get("principal_overdue", 0),
                           principal_due_fen=split.get("principal_due", 0))
    if split.get(policy.PREPAYMENT_BUCKET, 0) and drawdown.bal_principal > 0:
        _recast(session, drawdown, today)
    session.flush()
    if ledger.total_owed(drawdown) == 0:
        drawdown.status = DrawdownStatus.SETTLED
        drawdown.settled_date = today
        for item in drawdowns.live_installments(drawdown):
            if item.due_date > today:
                item.superseded = True
    repayment = Repayment(drawdown_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
                          idempotency_key=idempotency_key, amount_fen=repayment_in.amount_fen, value_date=today,
                          allocation=split, entry_id=entry.id, created_at=clock.now())
    session.add(repayment)
    session.flush()
    return repayment


def _state(item: Installment) -> policy.InstallmentState:
    return policy.InstallmentState(
        due_date=item.due_date, principal_fen=item.principal_fen, principal_paid_fen=item.principal_paid_fen,
        overdue_principal_fen=item.overdue_principal_fen, overdue_interest_fen=item.overdue_interest_fen,
        overdue_paid_fen=item.overdue_paid_fen)


def _apply_to_installments(drawdown: Drawdown, today: date, *, overdue_fen: int = 0, principal_overdue_fen: int = 0,
                           principal_due_fen: int = 0, principal_not_due_fen: int = 0) -> None:
    """Show money paid to the drawdown's buckets on its installments, and restart the days-past-due count."""
    live = drawdowns.live_installments(drawdown)
    after = policy.apply_to_installments(
        [_state(item) for item in live], today=today, overdue_fen=overdue_fen,
        principal_overdue_fen=principal_overdue_fen, principal_due_fen=principal_due_fen,
        principal_not_due_fen=principal_not_due_fen)
    for item, state in zip(live, after, strict=True):
        item.principal_paid_fen = state.principal_paid_fen
        item.overdue_paid_fen = state.overdue_paid_fen
    arrears_left = bool(drawdown.bal_principal_overdue or drawdown.bal_interest_overdue or drawdown.bal_fee_overdue
                        or drawdown.bal_penalty)
    drawdown.overdue_since_ordinal = policy.overdue_since(after, current=drawdown.overdue_since_ordinal,
                                                          arrears_left=arrears_left)
    drawdown.days_past_due = today.toordinal() - drawdown.overdue_since_ordinal \
        if drawdown.overdue_since_ordinal is not None else 0


def _recast(session: Session, drawdown: Drawdown, today: date) -> None:
    future = [i for i in drawdowns.live_installments(drawdown) if i.due_date > today]
    if not future:
        return
    current_payment = future[0].principal_fen + future[0].scheduled_interest_fen
    if drawdown.method == schedule.HARVEST_BULLET:  # the same due dates, interest on what is left
        past = [i.due_date for i in drawdowns.live_installments(drawdown) if i.due_date <= today]
        plan = schedule.bullet_on_dates(
            principal_fen=drawdown.bal_principal, annual_rate=drawdown.annual_rate,
            start_date=max(past, default=drawdown.value_date), due_dates=[i.due_date for i in future],
            day_count=schedule.DayCount.ACT_360 if drawdown.year_days == 360 else schedule.DayCount.ACT_365)
        _replace_future(session, drawdown, future, plan)
        return
    method = RepaymentMethod(drawdown.method)
    plan = schedule.recast(
        outstanding_principal_fen=drawdown.bal_principal, annual_rate=drawdown.annual_rate, method=method,
        remaining_months=len(future), next_due_date=future[0].due_date,
        rule=schedule.PrepaymentRule(drawdown.prepayment_rule),
        current_payment_fen=future[0].principal_fen if method == RepaymentMethod.EQUAL_PRINCIPAL else current_payment,
        due_day=drawdown.value_date.day,
    )
    _replace_future(session, drawdown, future, plan)


def _replace_future(session: Session, drawdown: Drawdown, future: list[Installment], plan: schedule.Schedule) -> None:
    for item in future:
        item.superseded = True
    session.flush()
    drawdowns.add_installments(session, drawdown, plan,
                               first_number=max(i.number for i in drawdown.installments) + 1)
    drawdown.maturity_date = plan.installments[-1].due_date


def to_repayment_read(session: Session, repayment: Repayment) -> RepaymentRead:
    """A repayment with the drawdown's balances after it."""
    drawdown = session.get(Drawdown, repayment.drawdown_id)
    assert drawdown is not None
    return RepaymentRead(id=repayment.id, drawdown_id=repayment.drawdown_id, amount_fen=repayment.amount_fen,
                         value_date=repayment.value_date, allocation=dict(repayment.allocation),
                         balances=drawdowns.balances_of(drawdown))


def settle_claim(session: Session, *, drawdown: Drawdown, amount_fen: int, kind: str, memo: str) -> JournalEntry:
    """Money received from a third party settles the bank's claim on a drawdown, principal first.

    A guarantor's compensation (kind "compensation", 代偿) makes the drawdown compensated and marks the
    installments it settled: the borrower did not pay them, it now owes them to the guarantor.
    """
    refuse(policy.claim_problems(amount_fen=amount_fen, owed_fen=ledger.total_owed(drawdown)))
    taken = policy.split_claim(amount_fen, ledger.cached_balances(drawdown))
    postings = [policy.Posting(Account.CASH, amount_fen)]
    postings += [policy.Posting(account, -take) for account, take in taken.items()]
    today = clock.today()
    entry = ledger.post(session, drawdown=drawdown, kind=kind, postings=postings, business_date=today, memo=memo)
    before = {item.id: (item.principal_paid_fen, item.overdue_paid_fen)
              for item in drawdowns.live_installments(drawdown)}
    # The installments show what the claim settled: overdue amounts oldest first, then principal not yet due.
    _apply_to_installments(
        drawdown, today,
        overdue_fen=taken.get(Account.PRINCIPAL_OVERDUE, 0) + taken.get(Account.INTEREST_OVERDUE, 0),
        principal_overdue_fen=taken.get(Account.PRINCIPAL_OVERDUE, 0),
        principal_not_due_fen=taken.get(Account.PRINCIPAL, 0))
    if kind == "compensation":
        drawdown.status = DrawdownStatus.COMPENSATED
        for item in drawdowns.live_installments(drawdown):
            if (item.principal_paid_fen, item.overdue_paid_fen) != before[item.id]:
                item.compensated = True
    if DrawdownStatus(drawdown.status) in policy.IMPAIRED_STATUSES:
        # Days past due may have restarted above; the classification follows the borrower's debt, still impaired.
        drawdown.classification = policy.classify(
            drawdown.days_past_due, classification.get_classification_bands(
                session, bank_organisation_id=drawdown.bank_organisation_id), status=DrawdownStatus(drawdown.status))
    session.flush()
    return entry
