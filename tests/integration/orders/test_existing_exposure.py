"""Existing exposure: the bank sees on the order the firm's live lines and open orders across the platform (under
the application's authorisation), and a product may refuse a firm a second live line, when it applies and again
when the manager approves."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai import events
from xinyidai.consent import service as consent_service
from xinyidai.loans.models import CreditLine
from xinyidai.main import wire_events
from xinyidai.orders import service as orders_service
from xinyidai.orders.exceptions import InvalidApplication
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products.enums import RepaymentMethod
from xinyidai.products.models import Product

REFUSAL = "该产品每户仅限一笔有效授信，该企业已持有该产品的有效授信"


def _apply(session: Session, world: World, product_id: int, amount_fen: int = 32_000_000) -> FinancingOrder:
    return orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=product_id, amount_fen=amount_fen, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="补充流动资金", authorise=True))


def _propose(session: Session, world: World, order: FinancingOrder, line_fen: int = 32_000_000) -> None:
    officer = world.principal(session, "a.officer")
    orders_service.accept(session, principal=officer, order=order)
    orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
        line_fen=line_fen, annual_rate=Decimal("0.045"), term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))


def _live_line(session: Session, world: World) -> CreditLine:
    """The firm's live 320,000 yuan line under product A (its order approved, the line opened after commit)."""
    wire_events()
    order = _apply(session, world, world.product_a)
    _propose(session, world, order)
    orders_service.approve(session, principal=world.principal(session, "a.manager"), order=order,
                           decision_in=OrderApprove())
    session.commit()
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()
    return session.scalars(select(CreditLine).where(CreditLine.order_id == order.id)).one()


def _one_line_only(session: Session, world: World, *, value: bool = True) -> None:
    product = session.get(Product, world.product_a)
    assert product is not None
    product.one_live_line_per_firm = value
    session.flush()


def test_a_product_with_one_live_line_per_firm_refuses_the_second_application(session: Session,
                                                                              world: World) -> None:
    line = _live_line(session, world)
    # Without the rule the firm may apply again (the bank then sees the exposure and decides).
    _apply(session, world, world.product_a)
    _one_line_only(session, world)
    with pytest.raises(InvalidApplication, match=f"{REFUSAL}：LINE{line.id}（额度320,000.00元）"):
        _apply(session, world, world.product_a)
    # Another product (here at another bank) is not concerned.
    _apply(session, world, world.product_b, amount_fen=20_000_000)


def test_the_rule_is_checked_again_when_the_manager_approves(session: Session, world: World) -> None:
    wire_events()
    first = _apply(session, world, world.product_a)
    second = _apply(session, world, world.product_a)
    _propose(session, world, first)
    _propose(session, world, second)
    _one_line_only(session, world)
    manager = world.principal(session, "a.manager")
    orders_service.approve(session, principal=manager, order=first, decision_in=OrderApprove())
    # The first approval's line is opened only after commit: the approved order already counts.
    with pytest.raises(InvalidApplication, match=f"{REFUSAL}：已批准待开立的额度"):
        orders_service.approve(session, principal=manager, order=second, decision_in=OrderApprove())
    session.commit()
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()
    second = session.get(FinancingOrder, second.id)  # type: ignore[assignment]
    with pytest.raises(InvalidApplication, match=f"{REFUSAL}：LINE"):
        orders_service.approve(session, principal=manager, order=second, decision_in=OrderApprove())
    assert second.status == "proposed"


def test_the_bank_sees_the_firms_live_lines_and_open_orders_under_the_authorisation(
        client: TestClient, session: Session, world: World) -> None:
    line = _live_line(session, world)
    elsewhere = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_b, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="购置设备", authorise=True))
    again = _apply(session, world, world.product_a)
    session.commit()

    exposure = orders_service.exposure_for(session, principal=world.principal(session, "a.officer"), order=again)
    assert [(x.line_id, x.limit_fen, x.status) for x in exposure.lines] == [(line.id, 32_000_000, "active")]
    assert exposure.live_limit_fen == 32_000_000 and exposure.refusal is None
    assert [o.order_no for o in exposure.orders] == [elsewhere.order_no]  # another bank's open order too

    login(client, "a.manager")
    page = client.get(f"/orders/{again.id}")
    assert page.status_code == 200
    assert 'data-testid="exposure"' in page.text and f"LINE{line.id}" in page.text and "320,000.00" in page.text
    assert elsewhere.order_no in page.text
    api = client.get(f"/api/v1/orders/{again.id}/exposure")
    assert api.status_code == 200 and api.json()["live_limit_fen"] == 32_000_000
    # Another bank does not see the order at all; the enterprise is not offered the bank's view.
    client.cookies.clear()
    login(client, "b.officer")
    assert client.get(f"/api/v1/orders/{again.id}/exposure").status_code == 404

    # Once the firm revokes the application's authorisation, the bank is told why instead.
    grant = next(a for a in consent_service.list_for_reference(session, purpose_ref=again.order_no)
                 if a.recipient_organisation_id == world.bank_a)
    good = world.principal(session, "good")
    assert good.user_id is not None
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                           user_id=good.user_id)
    session.commit()
    refused = orders_service.exposure_for(session, principal=world.principal(session, "a.officer"), order=again)
    assert refused.lines == [] and refused.orders == [] and refused.refusal


def test_the_portal_refuses_the_second_application_in_chinese(client: TestClient, session: Session,
                                                             world: World) -> None:
    _live_line(session, world)
    _one_line_only(session, world)
    session.commit()
    login(client, "good")
    path = f"/enterprise/apply/{world.product_a}"
    response = client.post(path, data={
        "csrf_token": page_csrf(client, path), "amount": "100000", "term_months": "12",
        "repayment_method": "equal_installment", "purpose": "补充流动资金", "authorise": "yes"})
    assert response.status_code == 400 and REFUSAL in response.text
