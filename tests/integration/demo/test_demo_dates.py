"""The demo dates nothing after the moment it runs, whatever the hour: run before the working day has begun in
Chongqing, its orders "submitted today" are not submitted in the afternoon to come, and the authorisations their
applications gave are in force, so the bank can use them (信易查) at once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.consent import service as consent_service
from xinyidai.consent.models import Authorisation
from xinyidai.demo.generator import generate
from xinyidai.guarantee.models import Recovery
from xinyidai.orders.models import FinancingOrder, OrderEvent
from xinyidai.orders.policy import OPEN_STATUSES


def test_a_demo_generated_before_the_working_day_dates_nothing_in_the_future(session: Session) -> None:
    with clock.use(clock.at(2026, 11, 23, 1, 30)):  # half past one in the morning in Chongqing
        generate(session, enterprises=120, seed=11)
        now = clock.now()
        orders = session.scalars(select(FinancingOrder)).all()
        moments = [o.submitted_at for o in orders] + [o.accepted_at for o in orders if o.accepted_at] + [
            o.decided_at for o in orders if o.decided_at]
        moments += list(session.scalars(select(OrderEvent.occurred_at)))
        moments += list(session.scalars(select(Authorisation.valid_from)))
        moments += list(session.scalars(select(Recovery.created_at)))
        assert moments and [m for m in moments if m > now] == []
        open_orders = [o for o in orders if o.status in OPEN_STATUSES]
        assert open_orders
        for order in open_orders:
            grants = consent_service.list_for_reference(session, purpose_ref=order.order_no)
            assert grants and {consent_service.status(g) for g in grants} == {consent_service.Status.ACTIVE}
