"""A bank's endpoints through the API and the page: bad input refused with a clear message and nothing stored, each
bank sees only its own endpoints and deliveries, the catalogue and the OpenAPI document describe every event, a
domain event becomes one delivery per endpoint that picked it (once, however often it is handed over), and a
revoked authorisation reaches the institution it was given to."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import World, login, page_csrf
from xinyidai import clock, events, jobs
from xinyidai.audit.models import AuditEntry
from xinyidai.config import get_settings
from xinyidai.consent import service as consent_service
from xinyidai.consent.policy import Purpose
from xinyidai.main import create_app
from xinyidai.webhooks import catalogue
from xinyidai.webhooks import service as webhooks_service
from xinyidai.webhooks.models import WebhookDelivery, WebhookEndpoint

URL = "https://bank-a.example.com/xinyidai/hooks"


class Recording:
    """An engine that only notes what is deferred (nothing is sent in these tests)."""

    name = "recording"

    def __init__(self) -> None:
        self.deferred: list[tuple[str, dict[str, Any]]] = []

    def defer(self, name: str, kwargs: dict[str, Any], *, factory: Any = None) -> None:
        self.deferred.append((name, kwargs))

    def defer_many(self, name: str, kwargs_list: list[dict[str, Any]], *, factory: Any = None) -> None:
        self.deferred.extend((name, kwargs) for kwargs in kwargs_list)

    def defer_later(self, name: str, kwargs: dict[str, Any], *, delay_seconds: float, factory: Any = None) -> None:
        self.deferred.append((name, kwargs))

    def run_worker(self, *, queues: Any, concurrency: int) -> None:
        raise NotImplementedError


@pytest.fixture(autouse=True)
def recording() -> Iterator[Recording]:
    engine = Recording()
    jobs.use(engine)
    yield engine
    jobs.use(None)


def _as(client: TestClient, username: str, page: str = "/account") -> dict[str, str]:
    client.cookies.clear()
    login(client, username)
    return {"X-CSRF-Token": page_csrf(client, page)}


def _endpoints(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0)


@pytest.mark.parametrize(("body", "says"), [
    ({"url": "http://bank-a.example.com/hooks", "events": ["orders.submitted"]}, "https"),
    ({"url": "http://127.0.0.1:9000/hooks", "events": ["orders.submitted"]}, "https"),
    ({"url": "https://10.1.2.3/hooks", "events": ["orders.submitted"]}, "内网"),
    ({"url": "https://user:pw@bank-a.example.com/hooks", "events": ["orders.submitted"]}, "用户名"),
    ({"url": "ftp://bank-a.example.com/hooks", "events": ["orders.submitted"]}, "https"),
    ({"url": URL, "events": ["orders.submitted", "orders.teleported"]}, "orders.teleported"),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_stored(
        client: TestClient, session: Session, world: World, body: dict[str, Any], says: str) -> None:
    headers = _as(client, "a.manager")
    refused = client.post("/api/v1/webhooks/endpoints", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert says in refused.json()["message"]
    assert _endpoints(session) == 0


def test_malformed_input_is_a_422_and_only_managers_of_an_institution_register(
        client: TestClient, session: Session, world: World) -> None:
    headers = _as(client, "a.manager")
    for body in ({"url": URL, "events": []}, {"url": URL}, {"url": "x" * 600, "events": ["orders.submitted"]},
                 {"url": URL, "events": ["x" * 101]}, {"url": URL, "events": ["orders.submitted"] * 51}):
        assert client.post("/api/v1/webhooks/endpoints", json=body, headers=headers).status_code == 422
    for username in ("a.officer", "good", "admin"):
        headers = _as(client, username)
        assert client.post("/api/v1/webhooks/endpoints", json={"url": URL, "events": ["orders.submitted"]},
                           headers=headers).status_code == 403
    assert _endpoints(session) == 0


def test_a_bank_sees_only_its_own_endpoints_and_deliveries(client: TestClient, session: Session,
                                                             world: World) -> None:
    headers = _as(client, "a.manager")
    created = client.post("/api/v1/webhooks/endpoints", headers=headers,
                          json={"url": URL, "events": ["orders.submitted"], "description": "甲行"}).json()
    session.expire_all()
    published = events.PublishedEvent(id=424242, name="orders.submitted", occurred_at=clock.now(), payload={
        "order_id": 1, "order_no": "XYD1", "enterprise_id": world.good_enterprise,
        "bank_organisation_id": world.bank_a, "amount_fen": 100})
    [delivery] = webhooks_service.forward(session, published=published, organisation_id=world.bank_a)
    session.commit()

    headers = _as(client, "b.manager")
    assert client.get("/api/v1/webhooks/endpoints").json() == []
    assert client.get(f"/api/v1/webhooks/endpoints/{created['id']}").status_code == 404
    assert client.patch(f"/api/v1/webhooks/endpoints/{created['id']}", json={"enabled": False},
                        headers=headers).status_code == 404
    assert client.post(f"/api/v1/webhooks/endpoints/{created['id']}/rotate-secret",
                       headers=headers).status_code == 404
    assert client.delete(f"/api/v1/webhooks/endpoints/{created['id']}", headers=headers).status_code == 404
    assert client.get("/api/v1/webhooks/deliveries").json() == []
    assert client.get(f"/api/v1/webhooks/deliveries/{delivery.id}").status_code == 404
    assert client.post(f"/api/v1/webhooks/deliveries/{delivery.id}/redeliver", headers=headers).status_code == 404
    assert client.get(f"/institution/webhooks/deliveries/{delivery.id}").status_code == 404
    assert URL not in client.get("/institution/webhooks").text

    _as(client, "a.manager")
    assert [e["url"] for e in client.get("/api/v1/webhooks/endpoints").json()] == [URL]
    assert [d["id"] for d in client.get("/api/v1/webhooks/deliveries").json()] == [delivery.id]
    page = client.get("/institution/webhooks").text
    assert URL in page and "融资申请已提交" in page


def test_endpoint_lifecycle_is_audited_and_a_disabled_or_deleted_endpoint_gets_nothing(
        client: TestClient, session: Session, world: World) -> None:
    headers = _as(client, "a.manager")
    endpoint = client.post("/api/v1/webhooks/endpoints", headers=headers,
                           json={"url": URL, "events": ["orders.submitted", "consent.revoked"]}).json()
    assert endpoint["status"] == "active" and endpoint["events"] == ["consent.revoked", "orders.submitted"]
    changed = client.patch(f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=headers,
                           json={"enabled": False, "events": ["orders.submitted"]})
    assert changed.status_code == 200 and changed.json()["status"] == "disabled"
    assert client.patch(f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=headers,
                        json={"events": ["nope"]}).status_code == 422
    session.expire_all()
    published = events.PublishedEvent(id=1, name="orders.submitted", occurred_at=clock.now(),
                                      payload={"order_id": 1, "order_no": "XYD1", "enterprise_id": 1,
                                               "bank_organisation_id": world.bank_a, "amount_fen": 1})
    assert webhooks_service.forward(session, published=published, organisation_id=world.bank_a) == []
    assert client.delete(f"/api/v1/webhooks/endpoints/{endpoint['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/webhooks/endpoints").json() == []
    session.expire_all()
    actions = [a for (a,) in session.execute(select(AuditEntry.action).where(
        AuditEntry.action.startswith("webhooks.")).order_by(AuditEntry.id))]
    assert actions == ["webhooks.endpoint_created", "webhooks.endpoint_updated", "webhooks.endpoint_deleted"]


def test_the_page_registers_an_endpoint_and_shows_its_secret_once(client: TestClient, session: Session,
                                                                  world: World, monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    token = _as(client, "a.manager", "/institution/webhooks")["X-CSRF-Token"]
    assert "事件推送" in client.get("/account").text  # the menu entry
    made = client.post("/institution/webhooks", data={"url": URL, "events": ["orders.submitted", "orders.prompted"],
                                                      "description": "", "csrf_token": token})
    assert made.status_code == 200 and 'data-testid="webhook-secret-value">whsec_' in made.text
    assert 'data-testid="webhook-secret-value"' not in client.get("/institution/webhooks").text
    refused = client.post("/institution/webhooks", data={"url": "http://x.example", "events": ["orders.submitted"],
                                                         "csrf_token": token})
    assert refused.status_code == 422 and "https" in refused.text
    assert _endpoints(session) == 1


def test_a_domain_event_becomes_one_delivery_per_endpoint_that_picked_it_once(
        session: Session, session_factory: sessionmaker[Session], world: World, recording: Recording,
        monkeypatch: pytest.MonkeyPatch) -> None:
    bank_a = world.principal(session, "a.manager")
    from xinyidai.webhooks.schemas import EndpointCreate

    picked, _ = webhooks_service.create_endpoint(session, principal=bank_a, endpoint_in=EndpointCreate(
        url=URL, events=["orders.submitted"]))
    webhooks_service.create_endpoint(session, principal=bank_a, endpoint_in=EndpointCreate(
        url=URL + "/other", events=["consent.revoked"]))
    published = events.PublishedEvent(id=77, name="orders.submitted", occurred_at=clock.now(), payload={
        "order_id": 9, "order_no": "XYD9", "enterprise_id": world.good_enterprise,
        "bank_organisation_id": world.bank_a, "amount_fen": 5})
    handler = webhooks_service.forwarder()
    handler(session, published)
    handler(session, published)  # handed over again (at-least-once): nothing new
    rows = session.scalars(select(WebhookDelivery)).all()
    assert [(d.endpoint_id, d.event_id, d.status) for d in rows] == [(picked.id, 77, "pending")]
    assert session.info["jobs_after_commit"] == [("webhooks.deliver", {"delivery_id": rows[0].id, "attempts": 0})]
    body = rows[0].body
    assert '"id":"evt_77"' in body and '"organisation_id":' in body and '"amount_fen":5' in body


def test_a_revoked_authorisation_reaches_the_institution_it_was_given_to(
        session: Session, session_factory: sessionmaker[Session], world: World, recording: Recording) -> None:
    from xinyidai.main import wire_events
    from xinyidai.webhooks.schemas import EndpointCreate

    wire_events()
    webhooks_service.create_endpoint(session, principal=world.principal(session, "a.manager"),
                                     endpoint_in=EndpointCreate(url=URL, events=["consent.revoked"]))
    good = world.principal(session, "good")
    assert good.user_id is not None
    authorisation = consent_service.grant(
        session, enterprise_id=world.good_enterprise, granted_by_user_id=good.user_id,
        recipient_organisation_id=world.bank_a, purpose=Purpose.FINANCING_APPLICATION, purpose_ref="XYD-REVOKE",
        categories=["C01"], validity=timedelta(days=30))
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=authorisation.id,
                           user_id=good.user_id)
    session.commit()
    events.dispatch_pending(session_factory=session_factory)
    session.expire_all()
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    assert delivery.event_name == "consent.revoked" and delivery.organisation_id == world.bank_a
    assert f'"authorisation_id":{authorisation.id}' in delivery.body
    assert ("webhooks.deliver", {"delivery_id": delivery.id, "attempts": 0}) in recording.deferred


def test_the_catalogue_and_the_openapi_document_describe_every_event_with_an_example(client: TestClient) -> None:
    listed = client.get("/api/v1/webhooks/event-types").json()
    names = {e["name"] for e in listed}
    assert {"orders.submitted", "orders.withdrawn", "orders.prompted", "orders.renewal_requested",
            "orders.deferral_requested", "consent.revoked", "orders.approved", "orders.rejected"} <= names
    document = create_app().openapi()
    assert set(document["webhooks"]) == set(catalogue.EVENT_NAMES)
    schemas = document["components"]["schemas"]
    for name, path in document["webhooks"].items():
        ref = path["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].rpartition("/")[2]
        example = schemas[ref]["examples"][0]
        spec = catalogue.CATALOGUE[name]
        assert example["event"] == name and example["data"] == spec.example
        spec.payload.model_validate(example["data"])  # every example fits its own schema
    assert get_settings().webhook_allow_local_http is False  # the default: https only


def test_an_order_event_without_the_bank_in_its_payload_reaches_the_orders_bank(
        client: TestClient, session: Session, session_factory: sessionmaker[Session], world: World,
        recording: Recording) -> None:
    from xinyidai.main import wire_events
    from xinyidai.orders.events import OrderRejected
    from xinyidai.webhooks.schemas import EndpointCreate

    wire_events()
    headers = _as(client, "good", "/enterprise")
    order = client.post("/api/v1/orders", headers=headers, json={
        "product_id": world.product_a, "amount_fen": 20_000_000, "term_months": 12,
        "repayment_method": "equal_installment", "purpose": "采购原材料", "authorise": True}).json()
    session.expire_all()
    events.dispatch_pending(session_factory=session_factory)  # the submission (no endpoint yet: nothing)
    webhooks_service.create_endpoint(session, principal=world.principal(session, "a.manager"),
                                     endpoint_in=EndpointCreate(url=URL, events=["orders.rejected"]))
    events.publish(session=session, event=OrderRejected(order_id=order["id"], order_no=order["order_no"],
                                                        enterprise_id=world.good_enterprise, reason="资料不全"))
    session.commit()
    events.dispatch_pending(session_factory=session_factory)
    session.expire_all()
    [delivery] = session.scalars(select(WebhookDelivery)).all()
    assert (delivery.event_name, delivery.organisation_id) == ("orders.rejected", world.bank_a)
    assert '"reason":"资料不全"' in delivery.body


@pytest.mark.parametrize("form", [
    {"url": "https://bank.example.com/hook", "events": ["", ""]},  # empty names, as a form posts unticked boxes
    {"url": "https://bank.example.com/hook", "events": ["no.such_event"]},
    {"url": "https://bank.example.com/hook\u202e", "events": ["orders.submitted"]},
])
def test_the_page_refuses_what_the_endpoint_schema_refuses_with_a_422(
        client: TestClient, session: Session, world: World, form: dict[str, Any]) -> None:
    headers = _as(client, "a.manager", "/institution/webhooks")
    response = client.post("/institution/webhooks", data=form, headers=headers, follow_redirects=False)
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html"), response.text
    assert _endpoints(session) == 0
