"""Verification (核验) against a real HTTP server on 127.0.0.1 playing the tax and social-insurance sources:
yes, no, unknown entity, a source down, late or refusing, who may ask, and that only the answer is kept."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai.audit.models import AuditEntry
from xinyidai.config import get_settings
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import verification
from xinyidai.creditdata.enums import VerificationResult
from xinyidai.creditdata.models import CreditRecord, Verification
from xinyidai.errors import DomainError, Forbidden
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service

SECRET = b"shared-with-the-sources-in-this-test"
# What the sources know and the platform must never keep: it appears in every answer they give.
LEDGER_MARKER = "欠税明细-不得留存"


class _Source(BaseHTTPRequestHandler):
    """The departments' verification endpoints, each with its own data (set on the server)."""

    server: _SourceServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        timestamp = self.headers.get("X-Xinyidai-Timestamp", "")
        expected = hmac.new(SECRET, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        self.server.requests.append(json.loads(body))
        if not hmac.compare_digest(expected, self.headers.get("X-Xinyidai-Signature", "")):
            return self._reply(401, {"error": "bad signature"})
        question = json.loads(body)
        if self.path == "/broken":
            return self._reply(500, {"error": "internal"})
        if self.path == "/slow":
            time.sleep(1.5)
            return self._reply(200, {"result": "yes"})
        if self.path == "/nonsense":
            return self._reply(200, {"result": ["yes"]})
        uscc, params = question["uscc"], question["parameters"]
        if self.path == "/tax":
            ledger = self.server.tax_arrears
            if uscc not in ledger:
                return self._reply(200, {"result": "unknown"})
            owing = [a for a in ledger[uscc] if a["since"] <= params["as_of"] and (
                a["cleared"] is None or a["cleared"] > params["as_of"])]
            return self._reply(200, {"result": "no" if owing else "yes", "reference": f"SW-{len(self.server.requests)}",
                                     "arrears": owing, "note": LEDGER_MARKER})
        if self.path == "/hrss":
            months = self.server.paid_months.get(uscc)
            if months is None:
                return self._reply(200, {"result": "unknown"})
            return self._reply(200, {"result": "yes" if months >= params["months"] else "no",
                                     "reference": "RS-0001", "paid_months": months, "note": LEDGER_MARKER})
        return self._reply(404, {})

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _SourceServer(ThreadingHTTPServer):
    daemon_threads = True
    tax_arrears: dict[str, list[dict[str, Any]]]
    paid_months: dict[str, int]
    requests: list[dict[str, Any]]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (the timeout test) breaks the pipe: expected, not worth a traceback."""


@pytest.fixture(scope="module")
def source() -> Iterator[_SourceServer]:
    """The sources, listening on a free port of 127.0.0.1."""
    server = _SourceServer(("127.0.0.1", 0), _Source)
    server.tax_arrears, server.paid_months, server.requests = {}, {}, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    probe = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = probe.server_address[1]
    probe.server_close()
    return int(port)


def _endpoints(source: _SourceServer) -> dict[str, str]:
    base = f"http://127.0.0.1:{source.server_address[1]}"
    return {"tax": f"{base}/tax", "hrss": f"{base}/hrss", "housing_fund": f"{base}/slow",
            "real_estate": f"{base}/broken"}


@pytest.fixture
def verifier(source: _SourceServer, session: Session, world: World) -> verification.HttpVerifier:
    """The real adapter pointed at the sources; the fixture world's entities seeded into their data."""
    good = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    other = registry_service.get(session, enterprise_id=world.other_enterprise).uscc
    source.tax_arrears.clear()
    source.tax_arrears.update({
        good: [{"since": "2025-03-01", "cleared": "2025-04-10", "amount": "1200.00"}],
        other: [{"since": "2026-10-16", "cleared": None, "amount": "98765.43"}],
    })
    source.paid_months.clear()
    source.paid_months.update({good: 12, other: 5})
    return verification.HttpVerifier(endpoints=_endpoints(source), secret=SECRET, timeout=0.5)


def _ask(session: Session, world: World, verifier: verification.Verifier, condition: str, *,
         enterprise: int | None = None, username: str = "admin", **parameters: Any) -> Verification:
    return verification.verify(session, principal=world.principal(session, username),
                               enterprise_id=enterprise or world.good_enterprise, condition=condition,
                               parameters=parameters, purpose="贷前核验", verifier=verifier)


def test_the_tax_source_answers_yes_and_no_as_of_a_date(session: Session, world: World,
                                                         verifier: verification.HttpVerifier) -> None:
    assert _ask(session, world, verifier, "tax_no_arrears").result == VerificationResult.YES
    # The good entity owed tax in March 2025, cleared in April: on 1 April 2025 it had arrears.
    then = _ask(session, world, verifier, "tax_no_arrears", as_of="2025-04-01")
    assert then.result == VerificationResult.NO and then.parameters == {"as_of": "2025-04-01"}
    other = _ask(session, world, verifier, "tax_no_arrears", enterprise=world.other_enterprise)
    assert (other.result, other.source_department, other.source_reference) == (VerificationResult.NO, "tax", "SW-3")
    assert other.answered_at is not None and other.parameters == {"as_of": "2026-11-23"}


def test_social_insurance_months_and_an_entity_the_source_does_not_know(
        session: Session, world: World, verifier: verification.HttpVerifier) -> None:
    assert _ask(session, world, verifier, "social_insurance_paid_months", months=12).result == VerificationResult.YES
    short = _ask(session, world, verifier, "social_insurance_paid_months", enterprise=world.other_enterprise, months=6)
    assert short.result == VerificationResult.NO
    unknown = _ask(session, world, verifier, "social_insurance_paid_months", enterprise=world.late_enterprise,
                   months=6)
    assert (unknown.result, unknown.source_reference) == (VerificationResult.UNKNOWN, None)
    assert unknown.answered_at is not None


def test_a_source_down_late_broken_or_unconfigured_gives_unavailable_never_an_error(
        session: Session, world: World, source: _SourceServer, verifier: verification.HttpVerifier) -> None:
    late = _ask(session, world, verifier, "housing_fund_paid_months", months=6)  # the source sleeps past 0.5 s
    assert (late.result, late.answered_at) == (VerificationResult.UNAVAILABLE, None)
    assert _ask(session, world, verifier, "real_estate_owned").result == VerificationResult.UNAVAILABLE  # HTTP 500
    down = verification.HttpVerifier(endpoints={"tax": f"http://127.0.0.1:{_closed_port()}/tax"}, secret=SECRET,
                                     timeout=0.5)
    assert _ask(session, world, down, "tax_no_arrears").result == VerificationResult.UNAVAILABLE
    base = f"http://127.0.0.1:{source.server_address[1]}"
    nonsense = verification.HttpVerifier(endpoints={"tax": f"{base}/nonsense"}, secret=SECRET, timeout=0.5)
    assert _ask(session, world, nonsense, "tax_no_arrears").result == VerificationResult.UNAVAILABLE
    unsigned = verification.HttpVerifier(endpoints=_endpoints(source), secret=b"not-the-shared-secret", timeout=0.5)
    assert _ask(session, world, unsigned, "tax_no_arrears").result == VerificationResult.UNAVAILABLE
    unconfigured = verification.HttpVerifier(endpoints={}, secret=SECRET, timeout=0.5)
    assert _ask(session, world, unconfigured, "tax_no_arrears").result == VerificationResult.UNAVAILABLE
    assert session.scalar(select(func.count()).select_from(Verification)) == 6


def test_only_the_answer_is_kept(session: Session, world: World, source: _SourceServer,
                                 verifier: verification.HttpVerifier) -> None:
    records_before = session.scalar(select(func.count()).select_from(CreditRecord))
    asked = _ask(session, world, verifier, "tax_no_arrears", enterprise=world.other_enterprise)
    # The source did send its ledger ...
    assert source.requests[-1]["uscc"] == registry_service.get(session, enterprise_id=world.other_enterprise).uscc
    # ... and none of it is anywhere in the database: not in the verification, not in the audit, no record.
    stored = json.dumps([{c.name: str(getattr(row, c.name)) for c in type(row).__table__.columns}
                         for row in [*session.scalars(select(Verification)), *session.scalars(select(AuditEntry))]],
                        ensure_ascii=False)
    assert LEDGER_MARKER not in stored and "98765" not in stored and "2026-10-16" not in stored
    assert session.scalar(select(func.count()).select_from(CreditRecord)) == records_before
    assert (asked.condition, asked.purpose, asked.asked_by_user_id) == (
        "tax_no_arrears", "贷前核验", world.principal(session, "admin").user_id)
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "creditdata.verified")).one()
    assert (audit.enterprise_id, audit.subject_id, audit.purpose) == (world.other_enterprise, str(asked.id), "贷前核验")
    assert audit.detail == {"condition": "tax_no_arrears", "result": "no"}


def _order(session: Session, world: World) -> FinancingOrder:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    session.commit()
    return order


def test_a_bank_asks_only_under_the_entitys_authorisation_for_it(
        session: Session, world: World, verifier: verification.HttpVerifier) -> None:
    def ask(username: str, ref: str | None) -> Verification:
        return verification.verify(session, principal=world.principal(session, username),
                                   enterprise_id=world.good_enterprise, condition="tax_no_arrears", parameters={},
                                   purpose="授信审查", purpose_ref=ref, verifier=verifier)

    with pytest.raises(Forbidden, match="未授权"):
        ask("a.officer", None)
    order = _order(session, world)
    asked = ask("a.officer", order.order_no)
    assert asked.result == VerificationResult.YES and asked.asked_by_organisation_id == world.bank_a
    assert asked.purpose == f"授信审查（financing_application:{order.order_no}）"
    with pytest.raises(Forbidden):  # bank B was not authorised by this application
        ask("b.officer", order.order_no)
    with pytest.raises(Forbidden):  # a department officer is no institution the entity authorises
        ask("tax.officer", order.order_no)
    with pytest.raises(Forbidden):  # another entity
        ask("other", None)
    assert ask("good", None).result == VerificationResult.YES  # the entity itself
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                           user_id=world.principal(session, "good").user_id or 0)
    with pytest.raises(Forbidden):
        ask("a.officer", order.order_no)
    # The bank sees the questions it put; the entity sees all of them.
    officer_view = verification.list_verifications(session, principal=world.principal(session, "a.officer"),
                                                   enterprise_id=world.good_enterprise)
    assert [v.id for v in officer_view] == [asked.id]
    assert len(verification.list_verifications(session, principal=world.principal(session, "good"),
                                               enterprise_id=world.good_enterprise)) == 2


@pytest.mark.parametrize(("condition", "parameters", "message"), [
    ("credit_score_above", {}, "不支持核验条件"),
    ("tax_no_arrears", {"as_of": "2027-01-01"}, "不能晚于今天"),
    ("tax_no_arrears", {"as_of": "yesterday"}, "as_of"),
    ("social_insurance_paid_months", {}, "months"),
    ("social_insurance_paid_months", {"months": 13}, "months"),
    ("real_estate_owned", {"address": "南坪"}, "address"),
])
def test_bad_questions_are_refused_before_any_source_is_asked(
        session: Session, world: World, source: _SourceServer, verifier: verification.HttpVerifier,
        condition: str, parameters: dict[str, Any], message: str) -> None:
    asked_before = len(source.requests)
    with pytest.raises(DomainError, match=message):
        _ask(session, world, verifier, condition, **parameters)
    assert len(source.requests) == asked_before
    assert session.scalar(select(func.count()).select_from(Verification)) == 0


@pytest.fixture
def configured(source: _SourceServer, verifier: verification.HttpVerifier,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The deployment's settings point at the sources (as XINYIDAI_VERIFICATION_* would)."""
    monkeypatch.setenv("XINYIDAI_VERIFICATION_ENDPOINTS", json.dumps(_endpoints(source)))
    monkeypatch.setenv("XINYIDAI_VERIFICATION_SECRET", SECRET.decode())
    monkeypatch.setenv("XINYIDAI_VERIFICATION_TIMEOUT_SECONDS", "0.5")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_api_asks_through_the_configured_sources(client: TestClient, session: Session, world: World,
                                                     configured: None) -> None:
    login(client, "admin")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    body = {"enterprise_id": world.other_enterprise, "condition": "social_insurance_paid_months",
            "parameters": {"months": 3}, "purpose": "平台抽查"}
    response = client.post("/api/v1/verifications", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert {k: response.json()[k] for k in ("result", "source_department", "source_reference")} == {
        "result": "yes", "source_department": "hrss", "source_reference": "RS-0001"}
    assert '"paid_months"' not in response.text and "note" not in response.json()
    bad = client.post("/api/v1/verifications", json={**body, "parameters": {"months": 0}}, headers=headers)
    assert bad.status_code == 400 and "参数不正确" in bad.json()["message"]
    listed = client.get(f"/api/v1/verifications?enterprise_id={world.other_enterprise}")
    assert [v["result"] for v in listed.json()] == ["yes"]
    assert client.get("/api/v1/verifications?enterprise_id=0").status_code == 422
    client.cookies.clear()
    login(client, "b.officer")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    refused = client.post("/api/v1/verifications", json={**body, "purpose_ref": "XYD2026112300000001"},
                          headers=headers)
    assert refused.status_code == 403 and "授权" in refused.json()["message"]
    assert client.post("/api/v1/verifications", json=body).status_code == 403  # no CSRF token with a cookie session
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Verification)) == 1
