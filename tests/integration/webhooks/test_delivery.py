"""Webhooks against a real HTTP receiver the test starts on 127.0.0.1: an event caused by a request (a firm applies to
bank A) reaches bank A's endpoint signed, retried with a growing delay until it is answered, or moved to the dead
letters after the last attempt and redelivered by the bank; a rotated secret signs beside the new one during its
grace period; and the request that caused the event never waits for the receiver.

The database really commits (the deliveries are sent by the job engine's background threads); the engine is the
in-process one, as on a laptop: deliveries never run in the request even there."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.conftest import World, build_world, login, page_csrf
from tests.integration.webhooks.receiver import Receiver, running, verify_signature
from xinyidai import clock, db, jobs
from xinyidai.config import get_settings
from xinyidai.main import create_app
from xinyidai.webhooks.models import WebhookEndpoint

RETRY_BASE = 0.3


@pytest.fixture
def engine() -> Iterator[jobs.InProcess]:
    """The in-process engine of the test, drained before the database goes."""
    engine = jobs.InProcess()
    jobs.use(engine)
    yield engine
    engine.background.wait_idle(30)
    jobs.use(None)


@pytest.fixture
def district(committed_database: db.Database, monkeypatch: pytest.MonkeyPatch,
             engine: jobs.InProcess) -> Iterator[tuple[db.Database, World, TestClient]]:
    """The fixture world, committed, served by the application; webhooks retried quickly and allowed to 127.0.0.1."""
    for key, value in {"WEBHOOK_ALLOW_LOCAL_HTTP": "true", "WEBHOOK_RETRY_BASE_SECONDS": str(RETRY_BASE),
                       "WEBHOOK_MAX_ATTEMPTS": "3", "WEBHOOK_TIMEOUT_SECONDS": "5"}.items():
        monkeypatch.setenv(f"XINYIDAI_{key}", value)
    get_settings.cache_clear()
    with db.transaction(committed_database.session_factory) as session:
        world = build_world(session)
    with TestClient(create_app(session_factory=committed_database.session_factory),
                    base_url="http://testserver") as client:
        yield committed_database, world, client


def _as(client: TestClient, username: str, page: str) -> dict[str, str]:
    client.cookies.clear()
    login(client, username)
    return {"X-CSRF-Token": page_csrf(client, page)}


def _register(client: TestClient, url: str, events: list[str] | None = None) -> dict[str, Any]:
    headers = _as(client, "a.manager", "/institution/webhooks")
    created = client.post("/api/v1/webhooks/endpoints", headers=headers,
                          json={"url": url, "events": events or ["orders.submitted"], "description": "信贷系统"})
    assert created.status_code == 201, created.text
    return dict(created.json())


def _apply(client: TestClient, world: World, username: str = "good") -> float:
    """The firm applies to bank A's product (the request that causes `orders.submitted`); how long it took."""
    headers = _as(client, username, "/enterprise")
    started = time.monotonic()
    applied = client.post("/api/v1/orders", headers=headers, json={
        "product_id": world.product_a, "amount_fen": 20_000_000, "term_months": 12,
        "repayment_method": "equal_installment", "purpose": "采购原材料", "authorise": True})
    took = time.monotonic() - started
    assert applied.status_code == 201, applied.text
    return took


def _deliveries(client: TestClient, **query: str) -> list[dict[str, Any]]:
    _as(client, "a.manager", "/institution/webhooks")
    listed = client.get("/api/v1/webhooks/deliveries", params=query)
    assert listed.status_code == 200, listed.text
    return list(listed.json())


def _settled(client: TestClient, status: str, timeout: float = 30.0) -> dict[str, Any]:
    """The only delivery, once it has reached `status`, with its attempts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _deliveries(client)
        if found and found[0]["status"] == status:
            one = client.get(f"/api/v1/webhooks/deliveries/{found[0]['id']}")
            assert one.status_code == 200
            return dict(one.json())
        time.sleep(0.1)
    raise AssertionError(f"no delivery reached {status}: {_deliveries(client)}")


def test_a_receiver_failing_twice_gets_three_signed_attempts_with_a_growing_delay_and_one_delivery(
        district: tuple[db.Database, World, TestClient]) -> None:
    _, world, client = district
    with running(Receiver(fail_first=2)) as receiver:
        endpoint = _register(client, receiver.url)
        secret = endpoint["secret"]
        assert secret.startswith("whsec_") and "secret" not in client.get("/api/v1/webhooks/endpoints").json()[0]
        _apply(client, world)
        got = receiver.wait_for(3)
        delivery = _settled(client, "delivered")

    assert [r.answered for r in got] == [500, 500, 200]
    # A busy machine may only lengthen the waits: the receiver saw at least the scheduled delays, base then twice the
    # base (that the schedule doubles is `policy.retry_delay`'s unit test; the waits as measured need not, when a
    # busy machine stretched the first).
    first_gap, second_gap = got[1].at - got[0].at, got[2].at - got[1].at
    assert first_gap >= RETRY_BASE * 0.8 and second_gap >= 2 * RETRY_BASE * 0.8
    for request in got:
        assert verify_signature(secret, body=request.body, timestamp=request.headers["X-Xinyidai-Timestamp"],
                                signature_header=request.headers["X-Xinyidai-Signature"])
        assert not verify_signature("whsec_someone-else", body=request.body,
                                    timestamp=request.headers["X-Xinyidai-Timestamp"],
                                    signature_header=request.headers["X-Xinyidai-Signature"])
        assert request.headers["X-Xinyidai-Event"] == "orders.submitted"
        assert request.headers["X-Xinyidai-Delivery"] == str(delivery["id"])
    assert len({r.body for r in got}) == 1  # the same body each time: the receiver can tell a repeat by its id
    assert b'"event":"orders.submitted"' in got[0].body and b'"bank_organisation_id":' in got[0].body

    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 3, 200)
    log = delivery["attempt_log"]
    assert [(a["number"], a["status_code"], a["succeeded"]) for a in log] == [
        (1, 500, False), (2, 500, False), (3, 200, True)]
    assert log[0]["next_attempt_at"] and log[1]["next_attempt_at"] and log[2]["next_attempt_at"] is None
    scheduled = [datetime.fromisoformat(a["next_attempt_at"]) - datetime.fromisoformat(a["started_at"])
                 - timedelta(milliseconds=a["duration_ms"]) for a in log[:2]]
    assert scheduled[0] >= timedelta(seconds=RETRY_BASE * 0.8)
    assert scheduled[1] >= timedelta(seconds=2 * RETRY_BASE * 0.8)
    assert all(a["duration_ms"] >= 0 for a in log) and log[0]["error"] == "HTTP 500"
    assert len(_deliveries(client)) == 1  # one delivery, however many attempts


def test_a_receiver_that_never_answers_well_ends_in_the_dead_letters_and_a_redelivery_succeeds(
        district: tuple[db.Database, World, TestClient]) -> None:
    _, world, client = district
    with running(Receiver(always_fail=True)) as receiver:
        _register(client, receiver.url)
        _apply(client, world)
        receiver.wait_for(3)
        dead = _settled(client, "dead")
        assert dead["attempts"] == 3 and dead["dead_at"] and dead["next_attempt_at"] is None
        assert [d["id"] for d in _deliveries(client, status="dead")] == [dead["id"]]
        assert _deliveries(client, status="delivered") == []
        page = client.get("/institution/webhooks?status=dead")
        assert page.status_code == 200 and f'/institution/webhooks/deliveries/{dead["id"]}' in page.text

        receiver.always_fail = False  # the bank fixes its receiver, then asks for the dead letter again
        headers = _as(client, "a.manager", "/institution/webhooks")
        again = client.post(f"/api/v1/webhooks/deliveries/{dead['id']}/redeliver", headers=headers)
        assert again.status_code == 202, again.text
        assert client.post(f"/api/v1/webhooks/deliveries/{dead['id']}/redeliver",
                           headers=headers).status_code in (202, 409)  # in flight, or already delivered: no harm
        got = receiver.wait_for(4)
        delivered = _settled(client, "delivered")
    assert got[3].answered == 200
    assert delivered["redelivered_count"] >= 1 and delivered["dead_at"] is None
    assert [a["status_code"] for a in delivered["attempt_log"]][:4] == [500, 500, 500, 200]
    assert _deliveries(client, status="dead") == []


def test_a_rotated_secret_signs_beside_the_new_one_during_its_grace_period(
        district: tuple[db.Database, World, TestClient]) -> None:
    database, world, client = district
    with running(Receiver()) as receiver:
        endpoint = _register(client, receiver.url)
        old = endpoint["secret"]
        headers = _as(client, "a.manager", "/institution/webhooks")
        rotated = client.post(f"/api/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret", headers=headers)
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["secret"]
        assert new != old and rotated.json()["previous_secret_expires_at"]
        _apply(client, world)
        [during] = receiver.wait_for(1)
        delivery = _settled(client, "delivered")

        # Past the grace period only the new secret signs.
        with db.transaction(database.session_factory) as session:
            session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint["id"])
                            .values(previous_secret_expires_at=clock.now()))
        headers = _as(client, "a.manager", "/institution/webhooks")
        assert client.post(f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver",
                           headers=headers).status_code == 202
        after = receiver.wait_for(2)[1]

    def valid(secret: str, request: Any) -> bool:
        return verify_signature(secret, body=request.body, timestamp=request.headers["X-Xinyidai-Timestamp"],
                                signature_header=request.headers["X-Xinyidai-Signature"])

    assert during.headers["X-Xinyidai-Signature"].count("v1=") == 2
    assert valid(old, during) and valid(new, during)
    assert after.headers["X-Xinyidai-Signature"].count("v1=") == 1
    assert valid(new, after) and not valid(old, after)


def test_the_request_that_causes_an_event_never_waits_for_a_slow_receiver(
        district: tuple[db.Database, World, TestClient]) -> None:
    _, world, client = district
    with running(Receiver(sleep=3.0)) as receiver:
        _register(client, receiver.url)
        took = _apply(client, world)
        assert receiver.got == []  # the request has returned: the receiver has not answered yet
        assert took < 2.5, took
        receiver.wait_for(1)
        delivered = _settled(client, "delivered")
    assert delivered["attempt_log"][0]["duration_ms"] >= 2500
