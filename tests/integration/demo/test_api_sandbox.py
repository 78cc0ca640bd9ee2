"""The API sandbox: on a demo deployment a bank's developer opens a sandbox bank and, with the credentials shown
once, reads through the API the demo firms' applications made to it, and nothing of any other bank; a deployment
that is not a sandbox has no such page; bad input changes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import page_csrf
from xinyidai import db, events
from xinyidai.config import get_settings
from xinyidai.demo.generator import generate
from xinyidai.identity.models import ApiClient, Organisation
from xinyidai.main import create_app
from xinyidai.orders.models import FinancingOrder

SECRET = re.compile(r'data-testid="{}">([^<]+)<')


@pytest.fixture(scope="module")
def district(module_committed_database: db.Database) -> sessionmaker[Session]:
    """A demo district as `make demo` leaves it: generated, committed, its events delivered."""
    factory = module_committed_database.session_factory
    with db.transaction(factory) as session:
        generate(session, enterprises=60, seed=5)
    events.dispatch_pending(session_factory=factory)
    return factory


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XINYIDAI_API_SANDBOX", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _open(client: TestClient, name: str) -> dict[str, str]:
    opened = client.post("/api-sandbox", data={"name": name, "csrf_token": page_csrf(client, "/api-sandbox")},
                         follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/api-sandbox/credentials", opened.text
    page = client.get("/api-sandbox/credentials")
    assert page.status_code == 200
    found = {key: SECRET.pattern.format(testid) for key, testid in (
        ("username", "sandbox-username"), ("password", "sandbox-password"), ("client_id", "client-id"),
        ("client_secret", "client-secret"))}
    values = {key: re.search(pattern, page.text).group(1) for key, pattern in found.items()}  # type: ignore[union-attr]
    assert values["client_secret"] not in client.get("/api-sandbox/credentials").text  # shown once
    return values


def test_a_sandbox_bank_reads_its_demo_applications_through_the_api_and_nothing_else(
        district: sessionmaker[Session], sandbox: None) -> None:
    app = create_app(session_factory=district)
    with TestClient(app) as first, TestClient(app) as second:
        assert "接口沙箱" in first.get("/").text  # every page says the data are made up
        mine = _open(first, "渝北测试银行")
        theirs = _open(second, "南岸测试银行")
        token = first.post("/api/v1/oauth/token", data={
            "grant_type": "client_credentials", "client_id": mine["client_id"],
            "client_secret": mine["client_secret"]}).json()["access_token"]
        orders = first.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
        assert orders.status_code == 200, orders.text
    with district() as session:
        organisation = session.scalars(select(Organisation).where(Organisation.name == "沙箱·渝北测试银行")).one()
        own = session.scalars(select(FinancingOrder.order_no).where(
            FinancingOrder.bank_organisation_id == organisation.id)).all()
    assert len(own) == 3
    assert sorted(o["order_no"] for o in orders.json()) == sorted(own)
    assert mine["username"] != theirs["username"]
    # The developer's login works in the portal too (the same person walks an application through).
    with TestClient(app) as portal:
        login = portal.post("/login", data={"username": mine["username"], "password": mine["password"],
                                            "csrf_token": page_csrf(portal, "/login")}, follow_redirects=False)
        assert login.status_code == 303


def _count(factory: sessionmaker[Session], table: type[Organisation] | type[ApiClient]) -> int | None:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(table))


def test_a_deployment_that_is_not_a_sandbox_opens_no_sandbox_bank(district: sessionmaker[Session]) -> None:
    before = _count(district, Organisation)
    with TestClient(create_app(session_factory=district)) as client:
        assert client.get("/api-sandbox").status_code == 404
        refused = client.post("/api-sandbox", data={"name": "某银行", "csrf_token": page_csrf(client, "/login")})
        assert refused.status_code == 404
        assert "接口沙箱" not in client.get("/").text
    assert _count(district, Organisation) == before


@pytest.mark.parametrize("name", ["", "x", "银" * 41])
def test_a_bad_name_is_refused_in_words_and_opens_nothing(
        district: sessionmaker[Session], sandbox: None, name: str) -> None:
    clients = _count(district, ApiClient)
    with TestClient(create_app(session_factory=district)) as client:
        refused = client.post("/api-sandbox", data={"name": name, "csrf_token": page_csrf(client, "/api-sandbox")})
    assert refused.status_code == 422 and "机构名称" in refused.text
    assert _count(district, ApiClient) == clients


def test_developers_opening_at_once_never_pass_the_sandbox_cap(
        district: sessionmaker[Session], sandbox: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with district() as session:
        opened = session.scalar(select(func.count()).select_from(Organisation).where(
            Organisation.name.like("沙箱·%"))) or 0
    monkeypatch.setenv("XINYIDAI_API_SANDBOX_MAX_BANKS", str(opened + 1))
    get_settings.cache_clear()
    app = create_app(session_factory=district)

    def attempt(number: int) -> int:
        with TestClient(app) as client:
            return client.post("/api-sandbox", data={"name": f"并发测试银行{number}",
                                                     "csrf_token": page_csrf(client, "/api-sandbox")},
                               follow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = sorted(pool.map(attempt, range(6)))
    assert answers == [303, 403, 403, 403, 403, 403], answers
    with district() as session:
        assert session.scalar(select(func.count()).select_from(Organisation).where(
            Organisation.name.like("沙箱·并发测试银行%"))) == 1
