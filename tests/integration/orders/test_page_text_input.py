"""The order pages' free text (a manager's note, a reason, a prompt and its answer) is held to the platform's text
rule by the form itself: a NUL or a bidirectional control is a 422 and changes nothing, never the schema's
ValidationError escaping the page as a 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.schemas import OrderCreate, OrderPropose
from xinyidai.products.enums import RepaymentMethod


def _proposed(session: Session, world: World) -> FinancingOrder:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=50_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="补充流动资金", authorise=True))
    officer = world.principal(session, "a.officer")
    orders_service.accept(session, principal=officer, order=order)
    orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
        line_fen=50_000_000, annual_rate=Decimal("0.035"), term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
    session.commit()
    return order


@pytest.mark.parametrize(("action", "field"), [("approve", "note"), ("return", "reason")])
@pytest.mark.parametrize("text", ["同意\x00", "同意\u202e"])
def test_a_managers_text_with_a_nul_or_a_bidi_control_is_a_422_and_the_order_stays(
        client: TestClient, session: Session, world: World, action: str, field: str, text: str) -> None:
    order = _proposed(session, world)
    login(client, "a.manager")
    token = page_csrf(client, f"/orders/{order.id}")
    response = client.post(f"/orders/{order.id}/{action}", data={field: text, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 422, response.text
    session.expire_all()
    assert session.get(FinancingOrder, order.id).status == "proposed"
