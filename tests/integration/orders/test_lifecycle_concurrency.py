"""Two acceptances of a need's offers at once open exactly one credit line (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import build_world
from xinyidai import clock, db, events
from xinyidai.errors import DomainError
from xinyidai.loans.models import CreditLine
from xinyidai.main import wire_events
from xinyidai.orders import lifecycle
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingNeed, FinancingOrder
from xinyidai.orders.schemas import NeedCreate, OrderApprove, OrderPropose
from xinyidai.products.enums import RepaymentMethod

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="concurrency is tested on PostgreSQL (the PostgreSQL run of make test); SQLite serialises writers",
)


@pytest.mark.parametrize("same_offer", [False, True], ids=["two-offers", "one-offer-twice"])
def test_two_acceptances_at_once_open_one_line(committed_database: db.Database, frozen_clock: clock.FixedClock,
                                                same_offer: bool) -> None:
    wire_events()
    factory = committed_database.session_factory
    with db.transaction(factory) as session:
        world = build_world(session)
        good = world.principal(session, "good")
        need = lifecycle.send_need(session, principal=good, need_in=NeedCreate(
            product_ids=[world.product_a, world.product_b], amount_fen=30_000_000, term_months=12,
            repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="扩大生产", authorise=True))
        need_id = need.id
        for order in lifecycle.orders_of_need(session, need_id=need_id):
            bank = "a" if order.bank_organisation_id == world.bank_a else "b"
            officer = world.principal(session, f"{bank}.officer")
            orders_service.accept(session, principal=officer, order=order)
            orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
                line_fen=30_000_000, annual_rate=Decimal("0.05"), term_months=12,
                repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
            orders_service.approve(session, principal=world.principal(session, f"{bank}.manager"), order=order,
                                   decision_in=OrderApprove())
        order_ids = [o.id for o in lifecycle.orders_of_need(session, need_id=need_id)]
    targets = [order_ids[0], order_ids[0]] if same_offer else order_ids
    barrier = threading.Barrier(2)

    def accept(order_id: int) -> str:
        try:
            with db.transaction(factory) as session:
                order = orders_service.get_for(session, principal=good, order_id=order_id)
                barrier.wait(timeout=10)
                lifecycle.accept_offer(session, principal=good, order=order)
            return "accepted"
        except DomainError as exc:
            assert "已接受了一家银行的批复" in exc.message or "只有已批准待接受的批复可以接受" in exc.message
            return "refused"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(accept, targets))
    assert sorted(outcomes) == ["accepted", "refused"]
    events.dispatch_pending(session_factory=factory)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(CreditLine)) == 1
        need_row = session.get(FinancingNeed, need_id)
        assert need_row is not None and need_row.accepted_order_id is not None
        statuses = sorted(session.scalars(select(FinancingOrder.status).where(FinancingOrder.need_id == need_id)))
        assert statuses == ["approved", "declined"]
        line = session.scalars(select(CreditLine)).one()
        assert line.order_id == need_row.accepted_order_id
