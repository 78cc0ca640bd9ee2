"""Who binds the firm: the enterprise's administrator applies and grants. A clerk (经办人) cannot apply directly (the
API and the portal refuse it), but prepares an application as a draft: stored, shown to the firm's administrator
with who prepared it, seen by no bank and authorising nothing until the administrator confirms it — then it is
applied exactly as if the administrator had applied, and the audit names both. A clerk never confirms, another
firm's draft is not found, and a draft may be discarded."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login, page_csrf
from tests.integration.foundation.test_english_pages import _Chrome
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import Role
from xinyidai.consent import service as consent_service
from xinyidai.identity import service as identity_service
from xinyidai.identity.notifications import service as notifications_service
from xinyidai.identity.schemas import UserCreate
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder, FinancingOrderDraft

REFUSAL = "仅企业管理员"


def _clerk(session: Session, world: World, username: str, display_name: str) -> str:
    organisation = identity_service.get_enterprise_organisation(session, enterprise_id=world.good_enterprise)
    assert organisation is not None
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=organisation.id, username=username, display_name=display_name, password=PASSWORD,
        roles=[Role.ENTERPRISE_STAFF]))
    session.commit()
    return username


@pytest.fixture
def clerk(session: Session, world: World) -> str:
    """A clerk (经办人) of the good enterprise."""
    return _clerk(session, world, "good.clerk", "经办人小王")


def _application(world: World) -> dict[str, object]:
    return {"product_id": world.product_a, "amount_fen": 20_000_000, "term_months": 12,
            "repayment_method": "equal_installment", "purpose": "采购原材料", "authorise": True}


def _draft_body(world: World) -> dict[str, object]:
    return {k: v for k, v in _application(world).items() if k != "authorise"}


def _as(client: TestClient, username: str) -> dict[str, str]:
    client.cookies.clear()
    login(client, username)
    return {"X-CSRF-Token": page_csrf(client, "/account")}


def _audit(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _bank_sees(client: TestClient) -> list[Any]:
    _as(client, "a.officer")
    orders = client.get("/api/v1/orders").json()
    assert isinstance(orders, list)
    return orders


def test_a_clerk_cannot_apply_but_may_estimate_and_prepare(client: TestClient, session: Session, world: World,
                                                           clerk: str) -> None:
    login(client, clerk)
    headers = {"X-CSRF-Token": page_csrf(client, "/enterprise")}
    refused = client.post("/api/v1/orders", json=_application(world), headers=headers)
    assert refused.status_code == 403 and REFUSAL in refused.json()["message"], refused.text
    assert client.post("/api/v1/orders/estimate", json={"product_id": world.product_a},
                       headers=headers).status_code == 200  # preparing is the clerk's
    home = client.get("/enterprise").text
    assert 'data-testid="apply-CHONGXINDAI"' not in home and 'data-testid="estimate-CHONGXINDAI"' in home
    assert 'data-testid="prepare-CHONGXINDAI"' in home
    form = client.get(f"/enterprise/apply/{world.product_a}").text
    assert 'data-testid="prepare-submit"' in form and "提交管理员确认" in form
    assert "提交申请</button>" not in form and 'name="authorise"' not in form  # the clerk authorises nothing
    page = client.post(f"/enterprise/apply/{world.product_a}", data={
        "amount": "20", "term_months": "12", "repayment_method": "equal_installment", "purpose": "采购原材料",
        "authorise": "yes", "csrf_token": headers["X-CSRF-Token"]})
    assert page.status_code == 403 and REFUSAL in page.text
    session.expire_all()
    assert orders_service.list_for(session, principal=world.principal(session, "good")) == []
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []


def test_the_admin_applies(client: TestClient, world: World) -> None:
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/enterprise")}
    assert 'data-testid="apply-CHONGXINDAI"' in client.get("/enterprise").text
    assert client.post("/api/v1/orders", json=_application(world), headers=headers).status_code == 201


def test_a_prepared_application_reaches_the_bank_only_once_the_admin_confirms(
        client: TestClient, session: Session, world: World, clerk: str) -> None:
    headers = _as(client, clerk)
    prepared = client.post("/api/v1/orders/drafts", json=_draft_body(world), headers=headers)
    assert prepared.status_code == 201, prepared.text
    draft = prepared.json()
    assert (draft["status"], draft["prepared_by_name"], draft["order_id"]) == ("waiting", "经办人小王", None)
    clerk_id = draft["prepared_by_user_id"]

    # Stored, binding nothing: no order, no authorisation, and no bank sees it.
    session.expire_all()
    assert session.scalars(select(FinancingOrder)).all() == []
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []
    assert _bank_sees(client) == []
    assert client.get(f"/api/v1/orders/drafts/{draft['id']}").status_code == 403  # a bank's role: not the firm's

    # The firm's administrator is told, and sees who prepared it.
    admin = world.principal(session, "good")
    [message] = notifications_service.list_for(session, principal=admin)
    assert "待您确认的融资申请" in message.subject and "经办人小王" in message.body
    assert message.link == f"/enterprise/drafts/{draft['id']}"

    # A clerk never confirms, not even their own draft; another firm does not find it.
    headers = _as(client, clerk)
    refused = client.post(f"/api/v1/orders/drafts/{draft['id']}/confirm", json={"authorise": True}, headers=headers)
    assert refused.status_code == 403 and REFUSAL in refused.json()["message"], refused.text
    headers = _as(client, "other")
    assert client.get(f"/api/v1/orders/drafts/{draft['id']}").status_code == 404
    assert client.post(f"/api/v1/orders/drafts/{draft['id']}/confirm", json={"authorise": True},
                       headers=headers).status_code == 404
    assert client.get("/api/v1/orders/drafts").json() == []
    assert _bank_sees(client) == []

    # The administrator confirms: applied as the administrator, and the bank sees it.
    headers = _as(client, "good")
    assert [d["id"] for d in client.get("/api/v1/orders/drafts").json()] == [draft["id"]]
    confirmed = client.post(f"/api/v1/orders/drafts/{draft['id']}/confirm", json={"authorise": True},
                            headers=headers)
    assert confirmed.status_code == 201, confirmed.text
    order = confirmed.json()
    assert (order["status"], order["amount_fen"], order["purpose"]) == ("submitted", 20_000_000, "采购原材料")
    assert "经办人小王" in (order["timeline"][0]["note"] or "")
    assert [o["order_no"] for o in _bank_sees(client)] == [order["order_no"]]
    session.expire_all()
    stored = session.get(FinancingOrder, order["id"])
    assert stored is not None and stored.applicant_user_id == admin.user_id
    grants = consent_service.list_for_reference(session, purpose_ref=order["order_no"])
    assert {g.recipient_organisation_id for g in grants} == {world.bank_a, world.platform_org}
    assert {g.granted_by_user_id for g in grants} == {admin.user_id}
    draft_row = session.get(FinancingOrderDraft, draft["id"])
    assert draft_row is not None
    assert (draft_row.status, draft_row.decided_by_user_id, draft_row.order_id) == (
        "confirmed", admin.user_id, order["id"])

    # Audited with both the preparer and the confirmer.
    [prepared_entry] = _audit(session, "orders.draft_prepared")
    assert prepared_entry.actor_user_id == clerk_id
    [confirmed_entry] = _audit(session, "orders.draft_confirmed")
    assert confirmed_entry.actor_user_id == admin.user_id
    assert (confirmed_entry.detail["prepared_by_user_id"], confirmed_entry.detail["confirmed_by_user_id"]) == (
        clerk_id, admin.user_id)
    [submitted] = _audit(session, "orders.submitted")
    assert (submitted.actor_user_id, submitted.detail["prepared_by_user_id"]) == (admin.user_id, clerk_id)
    assert {(e.actor_user_id, e.detail["prepared_by_user_id"]) for e in _audit(session, "consent.granted")} == {
        (admin.user_id, clerk_id)}

    # Done with: not confirmed twice, and the clerk is told.
    headers = _as(client, "good")
    again = client.post(f"/api/v1/orders/drafts/{draft['id']}/confirm", json={"authorise": True}, headers=headers)
    assert again.status_code == 409, again.text
    clerk_messages = notifications_service.list_for(session, principal=world.principal(session, clerk))
    assert any("已确认提交" in m.subject for m in clerk_messages)


@pytest.mark.parametrize("body", [{"authorise": "yes"}, {"authorise": 1}, {}, {"authorise": True, "extra": 1}])
def test_confirming_is_strictly_typed(client: TestClient, session: Session, world: World, clerk: str,
                                      body: dict[str, Any]) -> None:
    headers = _as(client, clerk)
    draft = client.post("/api/v1/orders/drafts", json=_draft_body(world), headers=headers).json()
    headers = _as(client, "good")
    response = client.post(f"/api/v1/orders/drafts/{draft['id']}/confirm", json=body, headers=headers)
    assert response.status_code == 422, response.text
    session.expire_all()
    assert session.scalars(select(FinancingOrder)).all() == []


@pytest.mark.parametrize("changes", [{"amount_fen": "20000000"}, {"amount_fen": True}, {"term_months": 7},
                                     {"purpose": "买"}, {"product_id": 2**63}])
def test_a_draft_is_checked_as_an_application_would_be(client: TestClient, session: Session, world: World,
                                                        clerk: str, changes: dict[str, Any]) -> None:
    headers = _as(client, clerk)
    response = client.post("/api/v1/orders/drafts", json={**_draft_body(world), **changes}, headers=headers)
    assert 400 <= response.status_code < 500 and response.status_code != 403, response.text
    session.expire_all()
    assert session.scalars(select(FinancingOrderDraft)).all() == []


def test_a_declined_confirmation_applies_nothing(client: TestClient, session: Session, world: World,
                                                 clerk: str) -> None:
    headers = _as(client, clerk)
    draft = client.post("/api/v1/orders/drafts", json=_draft_body(world), headers=headers).json()
    headers = _as(client, "good")
    response = client.post(f"/api/v1/orders/drafts/{draft['id']}/confirm", json={"authorise": False},
                           headers=headers)
    assert response.status_code == 400 and "请勾选授权" in response.json()["message"], response.text
    assert client.get(f"/api/v1/orders/drafts/{draft['id']}").json()["status"] == "waiting"


def test_a_draft_is_discarded_by_the_admin_or_its_own_clerk(client: TestClient, session: Session, world: World,
                                                            clerk: str) -> None:
    other_clerk = _clerk(session, world, "good.clerk2", "经办人小李")
    headers = _as(client, clerk)
    first = client.post("/api/v1/orders/drafts", json=_draft_body(world), headers=headers).json()
    second = client.post("/api/v1/orders/drafts", json=_draft_body(world), headers=headers).json()

    headers = _as(client, other_clerk)  # a clerk discards only a draft of their own
    refused = client.post(f"/api/v1/orders/drafts/{first['id']}/discard", headers=headers)
    assert refused.status_code == 403, refused.text
    headers = _as(client, "other")
    assert client.post(f"/api/v1/orders/drafts/{first['id']}/discard", headers=headers).status_code == 404

    headers = _as(client, "good")
    discarded = client.post(f"/api/v1/orders/drafts/{first['id']}/discard", headers=headers)
    assert discarded.status_code == 200 and discarded.json()["status"] == "discarded", discarded.text
    late = client.post(f"/api/v1/orders/drafts/{first['id']}/confirm", json={"authorise": True}, headers=headers)
    assert late.status_code == 409, late.text
    headers = _as(client, clerk)
    assert client.post(f"/api/v1/orders/drafts/{second['id']}/discard", headers=headers).json()["status"] == (
        "discarded")
    assert client.get("/api/v1/orders/drafts").json() == []
    assert {d["id"] for d in client.get("/api/v1/orders/drafts", params={"status": "discarded"}).json()} == {
        first["id"], second["id"]}
    assert _bank_sees(client) == []
    session.expire_all()
    assert session.scalars(select(FinancingOrder)).all() == []
    assert [e.detail["discarded_by_user_id"] for e in _audit(session, "orders.draft_discarded")] == [
        world.principal(session, "good").user_id, world.principal(session, clerk).user_id]


def test_the_portal_clerk_prepares_and_the_admin_confirms(client: TestClient, session: Session, world: World,
                                                          clerk: str) -> None:
    login(client, clerk)
    token = page_csrf(client, f"/enterprise/apply/{world.product_a}")
    form = {"amount": "200000", "term_months": "12", "repayment_method": "equal_installment",
            "purpose": "采购原材料", "csrf_token": token}
    bad = client.post(f"/enterprise/apply/{world.product_a}/draft", data={**form, "amount": "abc"})
    assert bad.status_code == 422 and 'data-testid="prepare-submit"' in bad.text
    prepared = client.post(f"/enterprise/apply/{world.product_a}/draft", data=form, follow_redirects=False)
    assert prepared.status_code == 303, prepared.text
    location = prepared.headers["location"]
    assert location.startswith("/enterprise/drafts/") and location.endswith("?prepared=1")
    draft_path = location.partition("?")[0]
    page = client.get(location).text
    assert 'data-testid="draft-prepared-notice"' in page and 'data-testid="draft-waiting"' in page
    assert 'data-testid="draft-confirm"' not in page and "经办人小王" in page
    refused = client.post(f"{draft_path}/confirm", data={"authorise": "yes", "csrf_token": token})
    assert refused.status_code == 403 and REFUSAL in refused.text
    assert 'data-testid="order-drafts"' in client.get("/enterprise").text

    client.cookies.clear()
    login(client, "other")
    assert client.get(draft_path).status_code == 404
    assert client.post(f"{draft_path}/confirm", data={
        "authorise": "yes", "csrf_token": page_csrf(client, "/enterprise")}).status_code == 404
    assert 'data-testid="order-drafts"' not in client.get("/enterprise").text

    client.cookies.clear()
    login(client, "good")
    home = client.get("/enterprise").text
    assert 'data-testid="order-drafts"' in home and "经办人小王" in home
    page = client.get(draft_path).text
    assert 'data-testid="draft-confirm"' in page and 'name="authorise"' in page
    token = page_csrf(client, draft_path)
    unticked = client.post(f"{draft_path}/confirm", data={"csrf_token": token})
    assert unticked.status_code == 400 and "请勾选授权" in unticked.text
    confirmed = client.post(f"{draft_path}/confirm", data={"authorise": "yes", "csrf_token": token},
                            follow_redirects=False)
    assert confirmed.status_code == 303 and confirmed.headers["location"].endswith("?submitted=1"), confirmed.text
    assert 'data-testid="order-drafts"' not in client.get("/enterprise").text
    session.expire_all()
    [order] = session.scalars(select(FinancingOrder)).all()
    assert confirmed.headers["location"] == f"/orders/{order.id}?submitted=1"

    client.cookies.clear()
    login(client, "a.officer")
    assert order.order_no in client.get("/bank/workbench").text


def test_the_portal_admin_discards(client: TestClient, session: Session, world: World, clerk: str) -> None:
    headers = _as(client, clerk)
    draft = client.post("/api/v1/orders/drafts", json=_draft_body(world), headers=headers).json()
    _as(client, "good")
    path = f"/enterprise/drafts/{draft['id']}"
    discarded = client.post(f"{path}/discard", data={"csrf_token": page_csrf(client, path)}, follow_redirects=False)
    assert discarded.status_code == 303 and discarded.headers["location"] == "/enterprise?discarded=1"
    assert 'data-testid="draft-discarded-notice"' in client.get("/enterprise?discarded=1").text
    page = client.get(path).text
    assert "已放弃" in page and 'data-testid="draft-confirm"' not in page
    again = client.post(f"{path}/confirm", data={"authorise": "yes", "csrf_token": page_csrf(client, path)})
    assert again.status_code == 409


def test_the_draft_pages_are_english_in_english_mode(client: TestClient, session: Session, world: World,
                                                     clerk: str) -> None:
    headers = _as(client, clerk)
    draft = client.post("/api/v1/orders/drafts", json=_draft_body(world), headers=headers).json()
    token = page_csrf(client, "/authorisations/new")
    form = {"csrf_token": token, "recipient": str(world.bank_b), "purpose": "credit_report_download",
            "categories": ["C01"], "days": "365", "mode": "periodic"}
    grant_draft = client.post("/authorisations/new", data={**form, "confirm": "prepare"}, follow_redirects=False)
    grant_path = grant_draft.headers["location"].partition("?")[0]
    left: set[str] = set()
    for username in (clerk, "good"):
        client.cookies.clear()
        login(client, username)
        client.cookies.set("lang", "en")
        pages = {path: client.get(path) for path in (
            "/enterprise", f"/enterprise/drafts/{draft['id']}", "/authorisations", grant_path)}
        for path, response in pages.items():
            assert response.status_code == 200, (path, response.status_code)
            parser = _Chrome()
            parser.feed(response.text)
            left |= {f"{username} {path} <{tag}> {text}" for tag, text in parser.found}
    # The clerk's buttons on the application form and the grant's summary (the rest of those pages is older).
    client.cookies.clear()
    login(client, clerk)
    client.cookies.set("lang", "en")
    apply_page = client.get(f"/enterprise/apply/{world.product_a}")
    preview = client.post("/authorisations/new", data={**form, "csrf_token": page_csrf(client, "/authorisations/new")})
    for path, response in (("apply", apply_page), ("preview", preview)):
        assert response.status_code == 200 and 'data-testid="prepare-' in response.text, path
        parser = _Chrome()
        parser.feed(response.text)
        left |= {f"{path} <{tag}> {text}" for tag, text in parser.found if tag == "button"}
    assert not left, sorted(left)
