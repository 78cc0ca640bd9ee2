"""Drawdowns: drawing on a line (checked by `policy.drawdown_problems`), the schedule it gets, and reading them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from xinyidai import clock, db, events, idempotency
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.auth.scoping import scope
from xinyidai.loans import ledger, lines, policy, schedule
from xinyidai.loans.enums import Account, Classification, DrawdownStatus, FeeMode, LineStatus
from xinyidai.loans.events import DrawdownMade
from xinyidai.loans.exceptions import DrawdownNotFound, LineNotFound, LoanRuleBroken, refuse
from xinyidai.loans.models import CreditLine, Drawdown, Installment
from xinyidai.loans.schemas import BalancesRead, DrawdownCreate, DrawdownRead, InstallmentRead
from xinyidai.products import service as products_service
from xinyidai.products.enums import ProductKind, RepaymentMethod

# What the firm's industry-chain communities with a lender let it draw in all (None: it is a member of none):
# chains sits above loans, so main wires it in.
CommunityDrawable = Callable[[Session, int, int], int | None]  # (session, enterprise_id, lender organisation id)
_community_drawable: CommunityDrawable = lambda session, enterprise_id, lender_id: None  # noqa: E731


def use_community_drawable(source: CommunityDrawable) -> None:
    """Set where drawdowns on chain lines read what the firm's communities let it draw."""
    global _community_drawable
    _community_drawable = source


def draw(session: Session, *, principal: Principal, line_id: int, drawdown_in: DrawdownCreate,
         idempotency_key: str) -> Drawdown:
    """Draw on a line within its available limit; a retried key returns the first drawdown."""
    line = lines.get_line(session, principal=principal, line_id=line_id, lock=True)
    if principal.enterprise_id != line.enterprise_id:
        raise LineNotFound("未找到该授信额度", message_en="credit line not found")
    previous = session.scalars(select(Drawdown).where(
        Drawdown.credit_line_id == line.id, Drawdown.idempotency_key == idempotency_key)).one_or_none()
    if previous is not None:
        return idempotency.replay_or_refuse(
            previous, stored=(previous.principal_fen, previous.term_months, previous.method),
            new=(drawdown_in.amount_fen, drawdown_in.term_months, drawdown_in.method),
            message="该幂等键已用于另一笔用信申请", message_en="Idempotency-Key reused")
    today = clock.today()
    product = products_service.get(session, product_id=line.product_id)
    refuse(policy.drawdown_problems(
        amount_fen=drawdown_in.amount_fen, term_months=drawdown_in.term_months, method=drawdown_in.method,
        value_date=drawdown_in.value_date, today=today,
        line=_line_state(session, line, community_room_fen=_community_room(session, line, product.kind)),
        day_closed=ledger.day_closed(session, business_date=today)))
    try:
        plan = schedule.build(principal_fen=drawdown_in.amount_fen, annual_rate=line.annual_rate,
                              months=drawdown_in.term_months, method=drawdown_in.method, start_date=today,
                              guarantee_fee_rate=line.guarantee_fee_rate,
                              day_count=schedule.DayCount(product.day_count))
    except schedule.ScheduleError as exc:
        raise LoanRuleBroken(str(exc), message_en="invalid schedule") from exc
    fee_mode = FeeMode(product.fee_mode)
    drawdown = Drawdown(
        credit_line_id=line.id, enterprise_id=line.enterprise_id, bank_organisation_id=line.bank_organisation_id,
        idempotency_key=idempotency_key, principal_fen=drawdown_in.amount_fen, method=drawdown_in.method,
        term_months=drawdown_in.term_months, value_date=today, maturity_date=plan.installments[-1].due_date,
        annual_rate=line.annual_rate, rate_ppm=policy.to_ppm(line.annual_rate),
        overdue_rate_ppm=policy.to_ppm(line.annual_rate * (1 + product.overdue_markup)),
        fee_rate_ppm=policy.to_ppm(line.guarantee_fee_rate) if fee_mode == FeeMode.DAILY else 0,
        year_days=schedule.DayCount(product.day_count).year_days, fee_mode=fee_mode,
        prepayment_rule=product.prepayment_rule, status=DrawdownStatus.ACTIVE,
        bal_principal=0, bal_principal_overdue=0, bal_interest_accrued=0, bal_interest_overdue=0, bal_penalty=0,
        bal_fee_accrued=0, bal_fee_overdue=0, carry_interest=0, carry_penalty=0, carry_fee=0,
        accrued_through_ordinal=today.toordinal() - 1, overdue_since_ordinal=None, days_past_due=0,
        classification=Classification.NORMAL, created_at=clock.now(),
    )
    session.add(drawdown)
    session.flush()
    add_installments(session, drawdown, plan, first_number=1)
    postings = [policy.Posting(Account.PRINCIPAL, drawdown.principal_fen),
                policy.Posting(Account.CASH, -drawdown.principal_fen)]
    if fee_mode == FeeMode.UPFRONT and plan.total_guarantee_fee_fen:
        postings += [policy.Posting(Account.FEE_ACCRUED, plan.total_guarantee_fee_fen),
                     policy.Posting(Account.FEE_PAYABLE, -plan.total_guarantee_fee_fen)]
    ledger.post(session, drawdown=drawdown, kind="drawdown", postings=postings, business_date=today)
    audit_service.record(session, action="loans.drawdown", actor=principal, subject_type="drawdown",
                         subject_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
                         detail={"amount_fen": drawdown.principal_fen, "idempotency_key": idempotency_key})
    events.publish(session=session, event=DrawdownMade(
        drawdown_id=drawdown.id, credit_line_id=line.id, enterprise_id=drawdown.enterprise_id,
        bank_organisation_id=drawdown.bank_organisation_id, amount_fen=drawdown.principal_fen,
    ))
    return drawdown


def _line_state(session: Session, line: CreditLine, *, community_room_fen: int | None = None) -> policy.LineState:
    return policy.LineState(
        status=LineStatus(line.status), status_reason=line.status_reason, valid_until=line.valid_until,
        available_fen=line.limit_fen - lines.used_fen(session, line_id=line.id),
        repayment_methods=list(line.repayment_methods), term_options=[int(t) for t in line.term_options],
        in_arrears=lines.in_arrears(session, line_id=line.id), community_room_fen=community_room_fen,
    )


def _community_room(session: Session, line: CreditLine, product_kind: str) -> int | None:
    """On a chain line: what the firm's communities with the line's bank let it draw, less what it owes on all its
    chain lines at that bank (the community line is shared by them); None on any other line."""
    if product_kind != ProductKind.CHAIN:
        return None
    drawable = _community_drawable(session, line.enterprise_id, line.bank_organisation_id)
    if drawable is None:
        return None
    chain_lines = [other.id for other in lines.lines_of_enterprise(session, enterprise_id=line.enterprise_id)
                   if other.bank_organisation_id == line.bank_organisation_id
                   and products_service.get(session, product_id=other.product_id).kind == ProductKind.CHAIN]
    return drawable - sum(lines.used_fen(session, line_id=line_id) for line_id in chain_lines)


def add_installments(session: Session, drawdown: Drawdown, plan: schedule.Schedule, *, first_number: int) -> None:
    """Store a schedule's installments on the drawdown, numbered on from `first_number`."""
    for offset, item in enumerate(plan.installments):
        session.add(Installment(
            drawdown_id=drawdown.id, number=first_number + offset, due_date=item.due_date,
            due_ordinal=item.due_date.toordinal(), principal_fen=item.principal_fen,
            scheduled_interest_fen=item.interest_fen, principal_paid_fen=0, overdue_principal_fen=0,
            overdue_interest_fen=0, overdue_paid_fen=0, superseded=False,
        ))
    session.flush()
    session.refresh(drawdown, ["installments"])


def live_installments(drawdown: Drawdown) -> list[Installment]:
    """The drawdown's installments not superseded by a recast, in schedule order."""
    return [i for i in drawdown.installments if not i.superseded]


def scoped_drawdowns(query: Select[Drawdown], principal: Principal) -> Select[Drawdown]:
    """`query` narrowed to the drawdowns the caller may see."""
    return scope(query, principal, bank_column=Drawdown.bank_organisation_id,
                 enterprise_column=Drawdown.enterprise_id)


def get_drawdown(session: Session, *, principal: Principal, drawdown_id: int, lock: bool = False) -> Drawdown:
    """A drawdown the caller may see; `lock` takes its row lock for a money operation."""
    query = scoped_drawdowns(select(Drawdown).where(Drawdown.id == drawdown_id), principal)
    if lock:
        query = query.with_for_update()
    drawdown = session.scalars(query).first()
    if drawdown is None:
        raise DrawdownNotFound("未找到该笔用信", message_en="drawdown not found")
    return drawdown


def get_drawdown_for_settlement(session: Session, *, drawdown_id: int) -> Drawdown:
    """A drawdown, row-locked, for a settlement by the risk-sharing parties (no caller scope)."""
    drawdown = session.scalars(select(Drawdown).where(Drawdown.id == drawdown_id).with_for_update()).first()
    if drawdown is None:
        raise DrawdownNotFound("未找到该笔用信", message_en="drawdown not found")
    return drawdown


def list_drawdowns(session: Session, *, principal: Principal, line_id: int | None = None,
                   limit: int = 500) -> Sequence[Drawdown]:
    """The drawdowns the caller may see, newest first."""
    query = scoped_drawdowns(select(Drawdown), principal).order_by(Drawdown.id.desc()).limit(limit)
    if line_id is not None:
        query = query.where(Drawdown.credit_line_id == line_id)
    return session.scalars(query).all()


def active_drawdowns_of_products(session: Session, *, product_ids: Sequence[int]) -> Sequence[Drawdown]:
    """Active drawdowns made under any of `product_ids`, oldest first (no caller scope: risk-sharing parties)."""
    if not product_ids:
        return []
    return session.scalars(
        select(Drawdown).join(CreditLine, CreditLine.id == Drawdown.credit_line_id)
        .where(CreditLine.product_id.in_(product_ids), Drawdown.status == DrawdownStatus.ACTIVE)
        .order_by(Drawdown.id)
    ).all()


def balances_of(drawdown: Drawdown) -> BalancesRead:
    """The drawdown's balances by kind."""
    return BalancesRead(
        principal_fen=drawdown.bal_principal, principal_overdue_fen=drawdown.bal_principal_overdue,
        interest_accrued_fen=drawdown.bal_interest_accrued, interest_overdue_fen=drawdown.bal_interest_overdue,
        penalty_fen=drawdown.bal_penalty, fee_accrued_fen=drawdown.bal_fee_accrued,
        fee_overdue_fen=drawdown.bal_fee_overdue, total_fen=ledger.total_owed(drawdown),
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
                superseded=i.superseded, compensated=i.compensated,
            )
            for i in drawdown.installments
        ],
    )


def drawn_after(session: Session, *, after_id: int, limit: int = 1000) -> list[tuple[Drawdown, int]]:
    """Drawdowns by id after `after_id`, each with the order its line was opened on (for a change feed: writers
    held back meanwhile)."""
    db.hold_writers_back(session, "drawdown")
    rows = session.execute(select(Drawdown, CreditLine.order_id).join(CreditLine, CreditLine.id ==
                                                                      Drawdown.credit_line_id)
                           .where(Drawdown.id > after_id).order_by(Drawdown.id).limit(limit)).all()
    return [(drawdown, int(order_id)) for drawdown, order_id in rows]


@dataclass(frozen=True, slots=True)
class Arrears:
    """An entity's worst standing over its drawdowns: whether one is overdue (from its due date's end of day) or in
    default, and the most days past due."""

    overdue: bool
    defaulted: bool
    days_past_due: int


_DEFAULTED = (DrawdownStatus.DEFAULTED, DrawdownStatus.COMPENSATED)


def arrears_of_enterprises(session: Session, *, enterprise_ids: Sequence[int]) -> dict[int, Arrears]:
    """For each of the entities that is overdue or in default on a drawdown, its worst standing (others absent)."""
    if not enterprise_ids:
        return {}
    defaulted = Drawdown.status.in_(_DEFAULTED)
    overdue = and_(Drawdown.status == DrawdownStatus.ACTIVE, Drawdown.overdue_since_ordinal.is_not(None))
    rows = session.execute(
        select(Drawdown.enterprise_id, func.max(Drawdown.days_past_due), func.max(case((defaulted, 1), else_=0)),
               func.max(case((overdue, 1), else_=0)))
        .where(Drawdown.enterprise_id.in_(enterprise_ids), or_(defaulted, overdue))
        .group_by(Drawdown.enterprise_id)).all()
    return {enterprise_id: Arrears(overdue=bool(is_overdue), defaulted=bool(is_defaulted), days_past_due=int(days or 0))
            for enterprise_id, days, is_defaulted, is_overdue in rows}
