"""No personal data in logs: a registration with an identity number, a login by mobile number, a bank's 信易查
and whatever a library logs leave identity and mobile numbers out of every log line."""

from __future__ import annotations

import logging

import pytest
import structlog
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import PASSWORD, World, login, page_csrf, uscc
from xinyidai import db
from xinyidai.config import get_settings
from xinyidai.main import create_app
from xinyidai.observability import WITHHELD
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products.enums import RepaymentMethod

MOBILE = "13912345678"


def _lines(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)


def test_registration_login_and_lookup_leave_no_identity_or_mobile_number_in_the_logs(
        client: TestClient, session: Session, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    token = page_csrf(client, "/register")
    registered = client.post("/register", data={
        "uscc": uscc("MA0000004"), "legal_rep_name": "赵六", "id_number": world.unregistered_id_number,
        "username": MOBILE, "display_name": "赵六", "password": PASSWORD, "csrf_token": token})
    assert registered.status_code == 200 and "注册成功" in registered.text  # shown on /login after the redirect
    token = page_csrf(client, "/login")
    assert client.post("/login", data={"username": MOBILE, "password": "wrong-" + PASSWORD,
                                       "csrf_token": token}).status_code in (200, 401)
    login(client, MOBILE)
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    session.commit()
    client.cookies.clear()
    login(client, "a.officer")
    assert client.get(f"/api/v1/orders/{order.id}/credit-lookup").status_code == 200
    # A careless caller's line, and uvicorn's access line for a URL that carries both numbers.
    structlog.get_logger("careless").warning("user registered", id_number=world.unregistered_id_number,
                                             note=f"by {MOBILE}")
    logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1", "GET",
                                             f"/x?id={world.unregistered_id_number}&m={MOBILE}", "1.1", 200)
    try:
        raise ValueError(f"cannot match {world.unregistered_id_number}")
    except ValueError:
        logging.getLogger("xinyidai.test").exception("failed for %s", MOBILE)
    lines = _lines(caplog)
    assert lines.count("http.request") >= 6  # the requests were logged…
    assert "/api/v1/orders/{order_id}/credit-lookup" in lines  # …by route template
    assert world.unregistered_id_number not in lines and MOBILE not in lines  # …and no number is in any line
    assert world.good_id_number not in lines
    assert lines.count(WITHHELD) >= 5 and "cannot match" in lines and "user registered" in lines


def test_a_failed_statement_logs_no_sql_parameters(database: db.Database, caplog: pytest.LogCaptureFixture) -> None:
    """A 500's traceback carries the failed statement: never its parameters (a legal representative's name)."""
    caplog.set_level(logging.INFO)
    with pytest.raises(DBAPIError) as failed, database.engine.connect() as connection:
        connection.execute(text("SELECT legal_rep_name FROM no_such_table WHERE legal_rep_name = :name"),
                           {"name": "欧阳正义"})
    try:
        raise failed.value
    except DBAPIError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    lines = _lines(caplog)
    assert "no_such_table" in lines  # the statement is there to debug with…
    assert "欧阳正义" not in lines and "欧阳正义" not in str(failed.value)  # …its parameters are not


@pytest.mark.parametrize("peer", ["127.0.0.1", "10.8.0.5"])
def test_metrics_are_served_to_the_operators_network_or_token_only(
        session_factory: sessionmaker[Session], world: World, monkeypatch: pytest.MonkeyPatch, peer: str) -> None:
    monkeypatch.setenv("XINYIDAI_METRICS_ALLOWED_NETWORKS", '["10.8.0.0/24"]')
    monkeypatch.setenv("XINYIDAI_METRICS_TOKEN", "scrape-token-0123456789")
    get_settings.cache_clear()
    try:
        app = create_app(session_factory=session_factory)
        with TestClient(app, client=(peer, 50000)) as allowed, TestClient(app, client=("203.0.113.9", 50000)) as other:
            expected = 200 if peer == "10.8.0.5" else 403  # loopback is allowed only by default
            assert allowed.get("/metrics").status_code == expected
            assert other.get("/metrics").status_code == 403
            assert other.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
            scraped = other.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
            assert scraped.status_code == 200 and "xinyidai_http_requests_total" in scraped.text
    finally:
        get_settings.cache_clear()


def test_metrics_by_default_only_to_loopback(session_factory: sessionmaker[Session], world: World) -> None:
    app = create_app(session_factory=session_factory)
    with TestClient(app, client=("127.0.0.1", 50000)) as local, TestClient(app, client=("198.51.100.7", 1)) as far:
        assert local.get("/metrics").status_code == 200
        assert far.get("/metrics").status_code == 403
