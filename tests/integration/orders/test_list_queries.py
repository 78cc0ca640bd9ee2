"""Lists of orders read their applicants, products and the calendar once for the whole list: the bank's workbench,
the orders API and the firm's home page make as many queries for twelve orders as for one (the load test found
three queries an order, two hundred orders on a busy workbench)."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from tests.integration.conftest import World, counted_selects, login
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate, OrderPropose
from xinyidai.products.enums import RepaymentMethod


def _apply(session: Session, world: World, username: str, product_id: int) -> None:
    orders_service.apply(session, principal=world.principal(session, username), order_in=OrderCreate(
        product_id=product_id, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    session.commit()


def _queries(client: TestClient, connection: Connection, path: str) -> int:
    assert client.get(path).status_code == 200  # once to warm up what a process does only once
    with counted_selects(connection) as seen:
        response = client.get(path)
    assert response.status_code == 200, response.text
    return len(seen)


def test_order_lists_make_the_same_queries_for_one_order_as_for_twelve(
    session: Session, world: World, connection: Connection, client: TestClient
) -> None:
    _apply(session, world, "good", world.product_a)
    pages = {"a.officer": ["/bank/workbench", "/bank/workbench?view=all", "/api/v1/orders"], "good": ["/enterprise"]}
    before = {}
    for username, paths in pages.items():
        login(client, username)
        before.update({(username, p): _queries(client, connection, p) for p in paths})
    for n in range(11):  # two applicants, both products, one order with a proposal (which reads its product)
        _apply(session, world, "good" if n % 2 else "other", world.product_a if n % 3 else world.product_b)
    officer = world.principal(session, "a.officer")
    proposed = orders_service.list_for(session, principal=officer)[0]
    orders_service.accept(session, principal=officer, order=proposed)
    orders_service.propose(session, principal=officer, order=proposed, proposal_in=OrderPropose(
        line_fen=10_000_000, annual_rate=Decimal("0.05"), term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
    session.commit()
    after = {}
    for username, paths in pages.items():
        login(client, username)
        after.update({(username, p): _queries(client, connection, p) for p in paths})
    assert len(client.get("/api/v1/orders").json()) == 6  # the firm's own: one, then five more
    login(client, "a.officer")
    listed = client.get("/api/v1/orders").json()
    assert len(listed) == 8 and any(o["proposal"] for o in listed)  # bank A's: product A's orders
    assert after == before
