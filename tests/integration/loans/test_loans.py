"""Loan servicing through the real database: lines, drawdowns, daily accrual, repayments, end of day,
overdue, classification, default and risk sharing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai import clock, events
from xinyidai.audit.actor import Actor
from xinyidai.audit.models import AuditEntry
from xinyidai.clock import BUSINESS_TZ
from xinyidai.errors import DomainError, IdempotencyConflict
from xinyidai.guarantee import service as guarantee_service
from xinyidai.guarantee.models import Compensation
from xinyidai.identity.models import User
from xinyidai.loans import eod
from xinyidai.loans import service as loans_service
from xinyidai.loans.enums import Account, LineStatus
from xinyidai.loans.models import CreditLine, Drawdown, EodRun, JournalEntry, LedgerPosting
from xinyidai.loans.schemas import DrawdownCreate, RepaymentCreate
from xinyidai.main import wire_events
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products.enums import RepaymentMethod

SYSTEM = Actor.system("test")


def _line(session: Session, world: World, *, line_fen: int = 100_000_000, rate: str = "0.035") -> CreditLine:
    wire_events()
    good = world.principal(session, "good")
    order = orders_service.apply(session, principal=good, order_in=OrderCreate(
        product_id=world.product_a, amount_fen=line_fen, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="补充流动资金", authorise=True))
    officer = world.principal(session, "a.officer")
    orders_service.accept(session, principal=officer, order=order)
    orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
        line_fen=line_fen, annual_rate=Decimal(rate), term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
    orders_service.approve(session, principal=world.principal(session, "a.manager"), order=order,
                           decision_in=OrderApprove())
    session.commit()
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()
    return session.scalars(select(CreditLine).where(CreditLine.order_id == order.id)).one()


def _draw(session: Session, world: World, line: CreditLine, amount_fen: int, *, months: int = 12,
          method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT, key: str = "draw-0001") -> Drawdown:
    drawdown = loans_service.draw(session, principal=world.principal(session, "good"), line_id=line.id,
                                  drawdown_in=DrawdownCreate(amount_fen=amount_fen, term_months=months, method=method),
                                  idempotency_key=key)
    session.commit()
    return drawdown


def _end_days(session: Session, fixed: clock.FixedClock, last: date) -> None:
    """Run end of day for each date up to `last`, each at 23:00 of its day, then open the next morning."""
    day = clock.today()
    while day <= last:
        fixed._at = datetime(day.year, day.month, day.day, 23, 0, tzinfo=BUSINESS_TZ)
        eod.run(session, business_date=day, actor=SYSTEM)
        day += timedelta(days=1)
    fixed._at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=BUSINESS_TZ)
    session.commit()
    session.expire_all()


def _assert_ledger_sound(session: Session, drawdown: Drawdown) -> None:
    session.expire_all()
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None
    assert loans_service.verify_balances(session, drawdown=fresh) == []
    unbalanced = session.execute(
        select(LedgerPosting.entry_id).group_by(LedgerPosting.entry_id).having(func.sum(LedgerPosting.amount_fen) != 0)
    ).all()
    assert unbalanced == []
    for column in loans_service.BALANCE_COLUMNS.values():
        assert getattr(fresh, column) >= 0, column


def test_an_approved_order_opens_a_line_the_enterprise_sees(client: TestClient, session: Session,
                                                            world: World) -> None:
    line = _line(session, world, line_fen=30_000_000)
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    lines = client.get("/api/v1/lines", headers=headers).json()
    assert [(x["id"], x["limit_fen"], x["available_fen"], x["status"]) for x in lines] == [
        (line.id, 30_000_000, 30_000_000, "active")]
    assert lines[0]["valid_until"] == "2027-11-23"


def test_daily_interest_and_fee_match_the_published_cost(session: Session, world: World,
                                                         frozen_clock: clock.FixedClock) -> None:
    # 10,000 yuan for 30 days at 3.5% (ACT/360) is 10,000 x 3.5% x 30 / 360 = 29.17 yuan of interest;
    # the 1.2% guarantee fee is 10,000 x 1.2% x 30 / 360 = 10.00 yuan: the source's "about 39 yuan".
    line = _line(session, world)
    drawdown = _draw(session, world, line, 1_000_000)
    _end_days(session, frozen_clock, date(2026, 12, 22))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None
    assert (fresh.bal_interest_accrued, fresh.bal_fee_accrued) == (2917, 1000)
    _assert_ledger_sound(session, drawdown)


def test_a_repayment_pays_interest_to_date_then_prepays_and_recasts(session: Session, world: World,
                                                                    frozen_clock: clock.FixedClock) -> None:
    line = _line(session, world)
    drawdown = _draw(session, world, line, 1_000_000, months=6)
    # On 22 December, the day before the first due date, 29 days have accrued:
    # interest 10,000 x 3.5% x 29 / 360 = 28.19, fee 10,000 x 1.2% x 29 / 360 = 9.67.
    _end_days(session, frozen_clock, date(2026, 12, 21))
    repayment = loans_service.repay(session, principal=world.principal(session, "good"), drawdown_id=drawdown.id,
                                    repayment_in=RepaymentCreate(amount_fen=100_000), idempotency_key="repay-0001")
    session.commit()
    assert repayment.allocation == {"interest": 2819, "fee": 967, "principal_prepaid": 96_214}
    session.expire_all()
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and fresh.bal_principal == 1_000_000 - 96_214
    live = [i for i in fresh.installments if not i.superseded]
    assert sum(i.principal_fen for i in live) == fresh.bal_principal
    assert live[0].due_date == date(2026, 12, 23) and len(live) <= 6
    _assert_ledger_sound(session, drawdown)
    # The line's availability comes back with the repaid principal.
    assert loans_service.to_line_read(session, line).available_fen == 100_000_000 - fresh.bal_principal
    # On the due date itself, a repayment settles that installment before anything is prepaid.
    _end_days(session, frozen_clock, date(2026, 12, 22))
    due = next(i for i in fresh.installments if not i.superseded and i.due_date == date(2026, 12, 23))
    owed = loans_service.owed(fresh, date(2026, 12, 23))
    installment = owed["interest"] + owed["fee"] + due.principal_fen
    on_time = loans_service.repay(session, principal=world.principal(session, "good"), drawdown_id=drawdown.id,
                                  repayment_in=RepaymentCreate(amount_fen=installment), idempotency_key="repay-0002")
    session.commit()
    assert on_time.allocation["principal_due"] == due.principal_fen and "principal_prepaid" not in on_time.allocation
    _end_days(session, frozen_clock, date(2026, 12, 23))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and fresh.bal_principal_overdue == 0 and fresh.days_past_due == 0


def test_repaying_more_than_is_owed_is_refused_and_posts_nothing(session: Session, world: World) -> None:
    line = _line(session, world)
    drawdown = _draw(session, world, line, 1_000_000)
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    with pytest.raises(DomainError, match=r"还款金额超过全部应还金额10,000\.00元"):
        loans_service.repay(session, principal=world.principal(session, "good"), drawdown_id=drawdown.id,
                            repayment_in=RepaymentCreate(amount_fen=1_000_001), idempotency_key="repay-too-much")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries


def test_drawdowns_and_repayments_are_idempotent(client: TestClient, session: Session, world: World) -> None:
    line = _line(session, world)
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/account"), "Idempotency-Key": "k-draw-1"}
    body = {"amount_fen": 2_000_000, "term_months": 6, "method": "equal_principal"}
    first = client.post(f"/api/v1/lines/{line.id}/drawdowns", json=body, headers=headers)
    again = client.post(f"/api/v1/lines/{line.id}/drawdowns", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    other = client.post(f"/api/v1/lines/{line.id}/drawdowns", json={**body, "amount_fen": 3_000_000}, headers=headers)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    drawdown_id = first.json()["id"]
    pay = {**headers, "Idempotency-Key": "k-pay-0001"}
    paid = [client.post(f"/api/v1/drawdowns/{drawdown_id}/repayments", json={"amount_fen": 50_000}, headers=pay)
            for _ in range(2)]
    assert [p.status_code for p in paid] == [201, 201] and paid[0].json()["id"] == paid[1].json()["id"]
    assert session.scalar(select(func.count()).select_from(JournalEntry).where(
        JournalEntry.drawdown_id == drawdown_id)) == 2
    missing = client.post(f"/api/v1/drawdowns/{drawdown_id}/repayments", json={"amount_fen": 1},
                          headers={"X-CSRF-Token": headers["X-CSRF-Token"]})
    assert missing.status_code == 422


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"amount_fen": 100_000_001, "term_months": 6, "method": "equal_principal"}, 400, "超过可用额度"),
        ({"amount_fen": 0, "term_months": 6, "method": "equal_principal"}, 422, "请求参数不正确"),
        ({"amount_fen": -100, "term_months": 6, "method": "equal_principal"}, 422, "请求参数不正确"),
        ({"amount_fen": 100_000, "term_months": 7, "method": "equal_principal"}, 400, "用信期限须为"),
        ({"amount_fen": 100_000, "term_months": 6, "method": "equal_principal", "value_date": "2026-11-20"},
         400, "起息日只能为当日"),
    ],
)
def test_bad_drawdowns_are_refused_and_post_nothing(client: TestClient, session: Session, world: World,
                                                     body: dict[str, object], status: int, message: str) -> None:
    line = _line(session, world)
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/account"), "Idempotency-Key": "k-bad-draw"}
    before = session.scalar(select(func.count()).select_from(LedgerPosting))
    response = client.post(f"/api/v1/lines/{line.id}/drawdowns", json=body, headers=headers)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]
    assert session.scalar(select(func.count()).select_from(LedgerPosting)) == before


def test_frozen_and_expired_lines_take_no_drawdowns(client: TestClient, session: Session, world: World,
                                                    frozen_clock: clock.FixedClock) -> None:
    line = _line(session, world)
    login(client, "a.officer")
    bank = {"X-CSRF-Token": page_csrf(client, "/account")}
    frozen = client.post(f"/api/v1/lines/{line.id}/status", json={"status": "frozen", "reason": "风险预警：欠税"},
                         headers=bank)
    assert frozen.status_code == 200 and frozen.json()["status"] == "frozen"
    client.cookies.clear()
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/account"), "Idempotency-Key": "k-frozen"}
    body = {"amount_fen": 100_000, "term_months": 6, "method": "equal_principal"}
    refused = client.post(f"/api/v1/lines/{line.id}/drawdowns", json=body, headers=headers)
    assert refused.status_code == 400 and "授信额度已冻结：风险预警：欠税" in refused.json()["message"]
    loans_service.set_line_status(session, principal=world.principal(session, "a.officer"), line_id=line.id,
                                  status=LineStatus.ACTIVE, reason="预警解除")
    session.commit()
    frozen_clock.advance(timedelta(days=400))
    with pytest.raises(DomainError, match="到期或已关闭"):
        loans_service.draw(session, principal=world.principal(session, "good"), line_id=line.id,
                           drawdown_in=DrawdownCreate(amount_fen=100_000, term_months=6,
                                                      method=RepaymentMethod.EQUAL_PRINCIPAL),
                           idempotency_key="k-expired")


def test_end_of_day_reruns_change_nothing_and_missed_days_are_caught_up(
    session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    line = _line(session, world)
    drawdown = _draw(session, world, line, 1_000_000)
    frozen_clock.advance(timedelta(days=5))  # five business dates go by without an end of day
    runs = eod.catch_up(session, through=date(2026, 11, 27), actor=SYSTEM)
    assert [r.business_date for r in runs] == [date(2026, 11, d) for d in range(23, 28)]
    for eod_run in runs:  # the run's record counts what it wrote (INSERT … SELECT row counts on every database)
        entries = session.scalar(select(func.count()).select_from(JournalEntry)
                                 .where(JournalEntry.eod_run_id == eod_run.id))
        written = session.scalar(select(func.count()).select_from(LedgerPosting).join(
            JournalEntry, JournalEntry.id == LedgerPosting.entry_id).where(JournalEntry.eod_run_id == eod_run.id))
        assert (eod_run.drawdowns_accrued, eod_run.entries_made, eod_run.postings_made) == (1, entries, written)
        assert entries == 1 and written == 4  # interest and guarantee fee, each a debit and a credit
    postings = session.scalar(select(func.count()).select_from(LedgerPosting))
    again = eod.run(session, business_date=date(2026, 11, 25), actor=SYSTEM)
    assert again.status == "done" and eod.catch_up(session, through=date(2026, 11, 27), actor=SYSTEM) == []
    assert session.scalar(select(func.count()).select_from(LedgerPosting)) == postings
    session.expire_all()
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and fresh.bal_interest_accrued == 486  # 10,000 x 3.5% x 5 / 360 = 4.86
    _assert_ledger_sound(session, drawdown)


def test_one_call_catches_up_at_most_a_year_of_end_of_day_and_never_the_future(
        client: TestClient, session: Session, frozen_clock: clock.FixedClock) -> None:
    # An end of day run long ago (here by the API itself, for a date before any drawdown) must not make the next
    # call run every date since in one request: it is refused at once, saying how to run it in parts.
    login(client, "admin")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    long_ago = clock.today() - timedelta(days=eod.MAX_CATCH_UP_DAYS + 30)
    first = client.post("/api/v1/admin/end-of-day", params={"through": long_ago.isoformat()}, headers=headers)
    assert first.status_code == 200 and [r["business_date"] for r in first.json()] == [long_ago.isoformat()]
    refused = client.post("/api/v1/admin/end-of-day", headers=headers)
    assert refused.status_code == 400 and refused.json()["code"] == "loan_rule_broken", refused.text
    until = long_ago + timedelta(days=eod.MAX_CATCH_UP_DAYS)
    assert f"执行至{until}" in refused.json()["message"]
    future = client.post("/api/v1/admin/end-of-day", params={"through": "9999-12-31"}, headers=headers)
    assert future.status_code == 400 and "未来日期" in future.json()["message"]
    assert session.scalar(select(func.count()).select_from(EodRun)) == 1  # nothing ran after the first
    # The date that ran is audited as the admin's, with what it did; the refusals wrote no entry.
    audited = session.scalars(select(AuditEntry).where(AuditEntry.action == eod.AUDIT_ACTION)).all()
    admin = session.scalars(select(User).where(User.username == "admin")).one()
    assert [(e.actor_user_id, e.subject_type, e.detail["business_date"]) for e in audited] == [
        (admin.id, "eod_run", long_ago.isoformat())]


def test_missed_installments_go_overdue_are_classified_and_default_with_risk_sharing(
    session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    guarantor = world.guarantor_org
    guarantee_service.create_agreement(session, product_id=world.product_a,
                                       guarantor_shares={guarantor: Decimal("0.8")}, bank_share=Decimal("0.2"))
    line = _line(session, world)
    drawdown = _draw(session, world, line, 1_000_000, months=6)
    _end_days(session, frozen_clock, date(2026, 12, 23))  # the first installment falls due, unpaid
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and fresh.bal_principal_overdue > 0 and fresh.bal_interest_overdue > 0
    _end_days(session, frozen_clock, date(2026, 12, 24))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and (fresh.days_past_due, fresh.classification) == (1, "special_mention")
    assert fresh.bal_penalty > 0  # overdue interest at the rate plus 50%
    _end_days(session, frozen_clock, date(2027, 3, 22))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and (fresh.days_past_due, fresh.status) == (89, "active")
    assert fresh.classification == "special_mention"
    _end_days(session, frozen_clock, date(2027, 3, 23))
    fresh = session.get(Drawdown, drawdown.id)
    # Defaulted is credit-impaired: at least substandard, though only 90 days past due.
    assert fresh is not None and (fresh.days_past_due, fresh.status, fresh.classification) == (
        90, "defaulted", "substandard")
    claim = loans_service.total_owed(fresh)
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()
    compensation = session.scalars(select(Compensation)).one()
    assert compensation.amount_fen == claim * 8 // 10 or compensation.amount_fen == claim - claim * 2 // 10
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and loans_service.total_owed(fresh) == claim - compensation.amount_fen
    _assert_ledger_sound(session, drawdown)
    frozen = session.get(CreditLine, line.id)
    assert frozen is not None and frozen.status == LineStatus.FROZEN and "违约" in (frozen.status_reason or "")
    # The installments show what compensation settled: overdue amounts oldest first, then principal not yet due.
    live = [i for i in fresh.installments if not i.superseded]
    assert sum(i.principal_paid_fen for i in live) == 1_000_000 - fresh.bal_principal - fresh.bal_principal_overdue
    assert sum(i.overdue_principal_fen + i.overdue_interest_fen - i.overdue_paid_fen for i in live) == (
        fresh.bal_principal_overdue + fresh.bal_interest_overdue)
    assert live[0].principal_paid_fen == live[0].principal_fen and live[-1].principal_paid_fen == 0
    # Days past due now count from the oldest installment still unpaid (the fourth, due on 23 March),
    # and the rest of the arrears keeps ageing through the bands after default.
    _end_days(session, frozen_clock, date(2027, 3, 24))
    fresh = session.get(Drawdown, drawdown.id)
    # Compensated, the borrower's debt stays impaired: at least substandard, then worse as it ages.
    assert fresh is not None and (fresh.status, fresh.days_past_due, fresh.classification) == (
        "compensated", 1, "substandard")
    _end_days(session, frozen_clock, date(2027, 9, 19))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and (fresh.status, fresh.days_past_due, fresh.classification) == (
        "compensated", 180, "substandard")
    _end_days(session, frozen_clock, date(2027, 9, 20))
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and (fresh.status, fresh.days_past_due, fresh.classification) == (
        "compensated", 181, "doubtful")
    recovery = guarantee_service.recover(session, drawdown_id=drawdown.id, amount_fen=100_000,
                                         idempotency_key="recovery-1")
    assert recovery.distribution == {str(guarantor): 80_000, "bank": 20_000}
    # The same recovery retried is the same recovery; the key reused for another amount is refused.
    assert guarantee_service.recover(session, drawdown_id=drawdown.id, amount_fen=100_000,
                                     idempotency_key="recovery-1").id == recovery.id
    with pytest.raises(IdempotencyConflict):
        guarantee_service.recover(session, drawdown_id=drawdown.id, amount_fen=50_000, idempotency_key="recovery-1")
    _assert_ledger_sound(session, drawdown)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 100)), min_size=1, max_size=3),
       amount=st.integers(10_000, 5_000_000),
       method=st.sampled_from(list(RepaymentMethod)))
def test_property_ledger_balances_and_everything_paid_is_accounted_for(
    session: Session, world: World, frozen_clock: clock.FixedClock,
    steps: list[tuple[int, int]], amount: int, method: RepaymentMethod,
) -> None:
    # The fixtures live across examples, and so does time: each example continues where the last stopped,
    # on one line, so that every end of day it needs is still ahead of it.
    line: CreditLine | None = getattr(world, "property_line", None)
    if line is None:
        line = _line(session, world)
        world.property_line = line  # type: ignore[attr-defined]
    example = getattr(world, "property_examples", 0) + 1
    world.property_examples = example  # type: ignore[attr-defined]
    drawdown = _draw(session, world, line, amount, months=6, method=method, key=f"draw-{example:04d}")
    borrower = world.principal(session, "good")
    paid = 0
    for number, (days, percent) in enumerate(steps):
        if days:
            _end_days(session, frozen_clock, clock.today() + timedelta(days=days - 1))
        fresh = session.get(Drawdown, drawdown.id)
        assert fresh is not None and fresh.status == "active"
        pay = loans_service.total_owed(fresh) * percent // 100
        if pay > 0:
            loans_service.repay(session, principal=borrower, drawdown_id=drawdown.id,
                                repayment_in=RepaymentCreate(amount_fen=pay), idempotency_key=f"pay-{example}-{number}")
            session.commit()
            paid += pay
        _assert_ledger_sound(session, drawdown)
        fresh = session.get(Drawdown, drawdown.id)
        if fresh is not None and fresh.status == "settled":
            break
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None
    if fresh.status == "active":
        rest = loans_service.total_owed(fresh)
        loans_service.repay(session, principal=borrower, drawdown_id=drawdown.id,
                            repayment_in=RepaymentCreate(amount_fen=rest), idempotency_key=f"pay-{example}-final")
        session.commit()
        paid += rest
    session.expire_all()
    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and fresh.status == "settled" and loans_service.total_owed(fresh) == 0
    balances = loans_service.ledger_balances(session, drawdown_id=drawdown.id)
    income = -(balances.get(Account.INTEREST_INCOME, 0) + balances.get(Account.PENALTY_INCOME, 0)
               + balances.get(Account.FEE_PAYABLE, 0))
    # Total paid = principal + interest + overdue interest + fees; the cash account nets to what was earned.
    assert paid == amount + income
    assert balances.get(Account.CASH, 0) == paid - amount
    _assert_ledger_sound(session, drawdown)
    # A repeated end of day changes nothing.
    eod.catch_up(session, through=clock.today() - timedelta(days=1), actor=SYSTEM)
    postings = session.scalar(select(func.count()).select_from(LedgerPosting))
    eod.run(session, business_date=clock.today() - timedelta(days=1), actor=SYSTEM)
    assert session.scalar(select(func.count()).select_from(LedgerPosting)) == postings
