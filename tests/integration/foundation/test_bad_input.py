"""Bad input is a clear 4xx on SQLite and PostgreSQL alike, refused by the schema before the database sees it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import World, login, page_csrf, uscc
from xinyidai.auth.enums import Role
from xinyidai.config import get_settings
from xinyidai.creditdata import imports
from xinyidai.creditdata.models import CreditRecord
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import Organisation
from xinyidai.identity.schemas import ApiClientCreate
from xinyidai.main import create_app
from xinyidai.registry.models import Enterprise


def _csrf(client: TestClient, username: str) -> dict[str, str]:
    login(client, username)
    return {"X-CSRF-Token": page_csrf(client, "/account")}


def test_an_id_beyond_64_bits_in_a_query_is_a_422(client: TestClient) -> None:
    login(client, "admin")
    response = client.get("/api/v1/admin/users", params={"organisation_id": str(2**63)})
    assert response.status_code == 422, response.text
    assert client.get("/api/v1/admin/users", params={"organisation_id": str(2**63 - 1)}).json() == []


def test_the_api_documents_the_body_of_its_422_and_answers_it(client: TestClient) -> None:
    # Integrators read the error body from the document: it is the one the application sends (code, messages and
    # the invalid fields), not the framework's default that no response of this API has.
    login(client, "admin")
    document = client.app.openapi()
    declared = document["paths"]["/api/v1/admin/users"]["get"]["responses"]["422"]["content"]["application/json"]
    assert declared["schema"] == {"$ref": "#/components/schemas/ErrorRead"}
    assert {"code", "message"} <= set(document["components"]["schemas"]["ErrorRead"]["required"])
    response = client.get("/api/v1/admin/users", params={"organisation_id": "x"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "organisation_id"
    schemathesis.openapi.from_dict(document)["/api/v1/admin/users"]["GET"].validate_response(response)


def _enterprise(world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uscc": uscc("MA0000099"), "name": "重庆戊贸易有限公司", "kind": "enterprise", "legal_rep_name": "钱七",
        "legal_rep_id_number": "500108198505051230", "registration_date": "2019-01-01", "industry_code": "F52",
        "district_area_id": world.area,
    }
    body.update(changes)
    return body


@pytest.mark.parametrize("changes", [
    {"address": "重庆市南岸区" * 20_000},  # over the column's 200: a 500 on PostgreSQL, stored whole on SQLite
    {"address": "南坪街道\x00"},  # NUL: PostgreSQL cannot store it
    {"name": "重庆\u202e司公限有"},  # a bidirectional override: reads otherwise than it is stored
    {"registered_capital_fen": True},
    {"registered_capital_fen": "100"},
    {"is_abnormal": "yes"},
])
def test_bad_text_numbers_and_flags_are_refused_before_the_database(
        session: Session, world: World, client: TestClient, changes: dict[str, Any]) -> None:
    headers = _csrf(client, "admin")
    response = client.post("/api/v1/registry/enterprises", json=_enterprise(world, **changes), headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request"
    assert session.scalar(select(func.count()).select_from(Enterprise).where(
        Enterprise.uscc == uscc("MA0000099"))) == 0


@pytest.mark.parametrize("changes", [{"amount_fen": True}, {"amount_fen": "100000"}, {"amount_fen": 1000.5},
                                     {"authorise": "yes"}, {"authorise": 1}])
def test_money_and_consent_are_strictly_typed(world: World, client: TestClient, changes: dict[str, Any]) -> None:
    headers = _csrf(client, "good")
    body = {"product_id": world.product_a, "amount_fen": 10_000_000, "term_months": 12,
            "repayment_method": "equal_installment", "purpose": "采购原材料", "authorise": True, **changes}
    response = client.post("/api/v1/orders", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert {e["field"] for e in response.json()["errors"]} == set(changes)


def test_a_30_digit_count_is_refused_by_file_and_push_alike(session: Session, world: World,
                                                             client: TestClient) -> None:
    row = {"uscc": uscc("MA0000001"), "report_year": "2025", "filed_date": "2026-03-01", "employees": "9" * 30}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(row.keys())
    writer.writerow(row.values())
    batch = imports.import_file(session, principal=world.principal(session, "amr.officer"), item_code="annual_report",
                                source=io.BytesIO(buffer.getvalue().encode()), file_name="annual.csv")
    session.commit()
    assert (batch.status, batch.rows_stored, batch.rows_rejected) == ("committed", 0, 1)
    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=world.amr_org, name="市场监管数据交换", roles=[Role.DEPARTMENT_DATA_OFFICER]))
    session.commit()
    token = identity_service.issue_client_token(session, client_id=created.client_id,
                                                client_secret=created.client_secret).token
    session.commit()
    assert token is not None
    pushed = client.post("/api/v1/credit-data/annual_report/rows", json={"rows": [row]},
                         headers={"Authorization": f"Bearer {token.access_token}", "Idempotency-Key": "annual-000001"})
    assert pushed.status_code == 201, pushed.text
    assert [(r["status"], r["errors"][0]["field"]) for r in pushed.json()["rows"]] == [("refused", "employees")]
    assert session.scalar(select(func.count()).select_from(CreditRecord)) == 0


@pytest.fixture
def small_bodies(monkeypatch: pytest.MonkeyPatch, session_factory: sessionmaker[Session],
                 world: World) -> Iterator[TestClient]:
    """The application with the smallest bound on a request's body it allows (1 MB; a network batch's bound no
    larger), over the test's transaction."""
    monkeypatch.setenv("XINYIDAI_REQUEST_MAX_BYTES", str(1 << 20))
    monkeypatch.setenv("XINYIDAI_NETWORK_BATCH_MAX_BYTES", str(1 << 20))
    get_settings.cache_clear()
    with TestClient(create_app(session_factory=session_factory), base_url="http://testserver") as client:
        yield client
    get_settings.cache_clear()


def _organisations(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Organisation)) or 0


def test_a_json_body_past_the_bound_is_a_413_before_it_is_read(session: Session, small_bodies: TestClient) -> None:
    headers = {**_csrf(small_bodies, "admin"), "Content-Type": "application/json"}
    before = _organisations(session)
    body = json.dumps({"name": "丁银行", "kind": "bank", "padding": "x" * (1 << 20)})
    response = small_bodies.post("/api/v1/admin/organisations", content=body, headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "request_too_large"
    # Sent without a length (chunked), it stops being read at the bound: refused all the same (a 400).
    chunks = (part.encode() for part in ('{"name": "丁银行", "kind": "bank", "padding": "', *["x" * 65536] * 20, '"}'))
    response = small_bodies.post("/api/v1/admin/organisations", content=chunks, headers=headers)
    assert 400 <= response.status_code < 500, response.text
    # A portal form is answered with a page; within the bound, the same request is served.
    page = small_bodies.post("/admin/organisations", data={"name": "丁银行", "kind": "bank", "x": "y" * (1 << 20)},
                             headers=headers | {"Content-Type": "application/x-www-form-urlencoded"})
    assert page.status_code == 413 and "请求内容过大" in page.text
    session.expire_all()
    assert _organisations(session) == before
    served = small_bodies.post("/api/v1/admin/organisations", json={"name": "丁银行", "kind": "bank"}, headers=headers)
    assert served.status_code == 201, served.text


@pytest.mark.parametrize(("username", "path", "params"), [
    ("guarantor", "/api/v1/policy-articles", {"q": "政策\x00"}),
    ("a.officer", "/api/v1/enterprises/1/credit-file", {"purpose_ref": "R-1\x00"}),
    ("admin", "/api/v1/network/messages", {"peer": "\x00"}),
    ("admin", "/admin/audit", {"uscc": "\x00"}),
    ("admin", "/login", {"next": "/account\x00"}),
    ("a.manager", "/bank/workbench", {"view": "open\u202e"}),
])
def test_a_nul_or_bidi_control_in_a_query_is_a_422_on_every_engine(
        client: TestClient, world: World, username: str, path: str, params: dict[str, str]) -> None:
    # PostgreSQL refuses a NUL in a query's text as in a stored one: each was a 500 there.
    login(client, username)
    assert client.get(path, params=params).status_code == 422


@pytest.mark.parametrize("path", ["/admin/models/9223372036854775808/promote",
                                  "/admin/scoring/runs/9223372036854775808"])
def test_an_id_beyond_64_bits_in_a_page_path_is_a_422(client: TestClient, world: World, path: str) -> None:
    login(client, "admin")
    assert client.get(path).status_code == 422
