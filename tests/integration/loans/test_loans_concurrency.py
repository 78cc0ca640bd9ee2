"""Parallel drawdowns on one line never exceed its limit (PostgreSQL row locks)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import World, build_world
from xinyidai import clock, db
from xinyidai.errors import DomainError
from xinyidai.loans import service as loans_service
from xinyidai.loans.models import CreditLine, Drawdown
from xinyidai.loans.schemas import DrawdownCreate
from xinyidai.orders import service as orders_service
from xinyidai.orders.events import OrderApproved
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products.enums import RepaymentMethod

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="concurrency is tested on PostgreSQL (the PostgreSQL run of make test); SQLite serialises writers",
)


def approved_line(session: Session, world: World) -> CreditLine:
    """A 1,000,000-yuan line of `good` at `world`'s bank: applied, accepted, proposed, approved and opened."""
    good = world.principal(session, "good")
    order = orders_service.apply(session, principal=good, order_in=OrderCreate(
        product_id=world.product_a, amount_fen=100_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="备货", authorise=True))
    officer = world.principal(session, "a.officer")
    orders_service.accept(session, principal=officer, order=order)
    orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
        line_fen=100_000_000, annual_rate=Decimal("0.05"), term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
    orders_service.approve(session, principal=world.principal(session, "a.manager"), order=order,
                           decision_in=OrderApprove())
    line = loans_service.open_line(session, approved=OrderApproved(
        order_id=order.id, order_no=order.order_no, enterprise_id=order.enterprise_id,
        bank_organisation_id=order.bank_organisation_id, product_id=order.product_id, line_fen=100_000_000,
        annual_rate=Decimal("0.05"), term_months=12, repayment_method="equal_installment"))
    return line


def test_parallel_drawdowns_never_exceed_the_limit(committed_database: db.Database,
                                                  frozen_clock: clock.FixedClock) -> None:
    factory = committed_database.session_factory
    with db.transaction(factory) as session:
        world = build_world(session)
        good = world.principal(session, "good")
        line_id = approved_line(session, world).id

    def draw(number: int) -> str:
        try:
            with db.transaction(factory) as session:
                loans_service.draw(session, principal=good, line_id=line_id, idempotency_key=f"parallel-{number:03d}",
                                   drawdown_in=DrawdownCreate(amount_fen=15_000_000, term_months=6,
                                                              method=RepaymentMethod.EQUAL_PRINCIPAL))
            return "drawn"
        except DomainError as exc:
            assert "超过可用额度" in exc.message
            return "refused"

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(draw, range(24)))

    # 1,000,000 yuan line, 150,000 yuan each: exactly six fit.
    assert outcomes.count("drawn") == 6 and outcomes.count("refused") == 18
    with factory() as session:
        total = session.scalar(select(func.sum(Drawdown.principal_fen)).where(Drawdown.credit_line_id == line_id))
        assert total == 90_000_000
        for drawdown in session.scalars(select(Drawdown)):
            assert loans_service.verify_balances(session, drawdown=drawdown) == []
