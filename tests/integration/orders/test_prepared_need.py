"""A clerk (经办人) prepares a financing need to several banks (一次需求，多家银行) for the firm's administrator to
confirm, through the same drafts as a prepared application: kept, listed and discarded with them, shown to the
administrator with who prepared it and for which banks, seen by no bank and authorising nothing until the
administrator confirms it — then it is sent exactly as if the administrator had sent it (one order per bank, each
bank authorised by the administrator), and the audit names both. A clerk never confirms, not even their own;
another firm's is not found; who may call each route is written out below."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from tests.integration.foundation.test_english_pages import _Chrome
from tests.integration.orders.test_binding_the_firm import REFUSAL, _as, _audit, _bank_sees, _clerk, _draft_body
from xinyidai.consent import service as consent_service
from xinyidai.identity.notifications import service as notifications_service
from xinyidai.orders.models import FinancingNeed, FinancingOrder, FinancingOrderDraft

NEED = {"amount_fen": 30_000_000, "term_months": 12, "repayment_method": "equal_installment",
        "purpose": "扩大生产采购设备"}


@pytest.fixture
def clerk(session: Session, world: World) -> str:
    """A clerk (经办人) of the good enterprise."""
    return _clerk(session, world, "good.clerk", "经办人小王")


def _need(world: World, **changes: Any) -> dict[str, Any]:
    return {**NEED, "product_ids": [world.product_a, world.product_b], **changes}


def _nothing_sent(session: Session, client: TestClient, world: World) -> None:
    session.expire_all()
    assert session.scalars(select(FinancingOrder)).all() == []
    assert session.scalars(select(FinancingNeed)).all() == []
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []
    assert _bank_sees(client) == []


def test_a_prepared_need_reaches_the_banks_only_once_the_admin_confirms(
        client: TestClient, session: Session, world: World, clerk: str) -> None:
    headers = _as(client, clerk)
    # The clerk cannot send a need: sending authorises every bank.
    refused = client.post("/api/v1/orders/needs", json={**_need(world), "authorise": True}, headers=headers)
    assert refused.status_code == 403 and REFUSAL in refused.json()["message"], refused.text
    prepared = client.post("/api/v1/orders/needs/drafts", json=_need(world), headers=headers)
    assert prepared.status_code == 201, prepared.text
    draft = prepared.json()
    assert (draft["kind"], draft["status"], draft["prepared_by_name"]) == ("need", "waiting", "经办人小王")
    assert (draft["product_ids"], draft["product_names"]) == ([world.product_a, world.product_b], ["重信贷", "乙行贷"])
    assert (draft["order_id"], draft["need_id"]) == (None, None)
    clerk_id = draft["prepared_by_user_id"]

    # Stored, binding nothing: no need, no order, no authorisation, and no bank sees it.
    _nothing_sent(session, client, world)
    assert client.get(f"/api/v1/orders/drafts/{draft['id']}").status_code == 403  # a bank's role: not the firm's

    # The firm's administrator is told: who prepared it and for which banks.
    admin = world.principal(session, "good")
    [message] = notifications_service.list_for(session, principal=admin)
    assert message.subject == "待您确认的融资需求：重信贷、乙行贷"
    assert "经办人小王" in message.body and "发送给2家银行" in message.body
    assert message.link == f"/enterprise/drafts/{draft['id']}"

    # A clerk never confirms, not even their own; nor as a single application; another firm does not find it.
    headers = _as(client, clerk)
    for path in (f"/api/v1/orders/needs/drafts/{draft['id']}/confirm", f"/api/v1/orders/drafts/{draft['id']}/confirm"):
        own = client.post(path, json={"authorise": True}, headers=headers)
        assert own.status_code == 403 and REFUSAL in own.json()["message"], own.text
    headers = _as(client, "other")
    assert client.get(f"/api/v1/orders/drafts/{draft['id']}").status_code == 404
    assert client.post(f"/api/v1/orders/needs/drafts/{draft['id']}/confirm", json={"authorise": True},
                       headers=headers).status_code == 404
    _nothing_sent(session, client, world)

    # The administrator sees it with the prepared applications; it is not a single application.
    headers = _as(client, "good")
    assert [(d["id"], d["kind"]) for d in client.get("/api/v1/orders/drafts").json()] == [(draft["id"], "need")]
    wrong = client.post(f"/api/v1/orders/drafts/{draft['id']}/confirm", json={"authorise": True}, headers=headers)
    assert wrong.status_code == 409 and wrong.json()["code"] == "draft_kind_mismatch", wrong.text
    unticked = client.post(f"/api/v1/orders/needs/drafts/{draft['id']}/confirm", json={"authorise": False},
                           headers=headers)
    assert unticked.status_code == 400 and "请勾选授权" in unticked.json()["message"], unticked.text
    _nothing_sent(session, client, world)

    # Confirmed: sent as the administrator, one order per bank, each bank sees its own.
    headers = _as(client, "good")
    confirmed = client.post(f"/api/v1/orders/needs/drafts/{draft['id']}/confirm", json={"authorise": True},
                            headers=headers)
    assert confirmed.status_code == 201, confirmed.text
    need = confirmed.json()
    assert (need["status"], need["amount_fen"], need["purpose"]) == ("open", 30_000_000, "扩大生产采购设备")
    assert {o["bank_organisation_id"] for o in need["orders"]} == {world.bank_a, world.bank_b}
    for order in need["orders"]:
        note = order["timeline"][0]["note"] or ""
        assert need["need_no"] in note and "经办人小王" in note and "确认提交" in note
    [bank_a_order] = [o for o in need["orders"] if o["bank_organisation_id"] == world.bank_a]
    assert [o["order_no"] for o in _bank_sees(client)] == [bank_a_order["order_no"]]
    session.expire_all()
    stored = session.get(FinancingNeed, need["id"])
    assert stored is not None and stored.applicant_user_id == admin.user_id
    grants = [g for o in need["orders"] for g in consent_service.list_for_reference(session, purpose_ref=o["order_no"])]
    assert {g.recipient_organisation_id for g in grants} == {world.bank_a, world.bank_b, world.platform_org}
    assert {(g.granted_by_user_id, g.purpose) for g in grants} == {(admin.user_id, "financing_application")}
    row = session.get(FinancingOrderDraft, draft["id"])
    assert row is not None
    assert (row.status, row.decided_by_user_id, row.need_id, row.order_id) == (
        "confirmed", admin.user_id, need["id"], None)

    # Audited with both the preparer and the confirmer.
    [prepared_entry] = _audit(session, "orders.draft_prepared")
    assert prepared_entry.actor_user_id == clerk_id
    assert prepared_entry.detail["need_product_ids"] == [world.product_a, world.product_b]
    [confirmed_entry] = _audit(session, "orders.draft_confirmed")
    assert (confirmed_entry.actor_user_id, confirmed_entry.detail["prepared_by_user_id"],
            confirmed_entry.detail["need_id"], confirmed_entry.detail["need_no"]) == (
        admin.user_id, clerk_id, need["id"], need["need_no"])
    [sent] = _audit(session, "orders.need_sent")
    assert (sent.actor_user_id, sent.detail["prepared_by_user_id"]) == (admin.user_id, clerk_id)
    assert [(e.actor_user_id, e.detail["prepared_by_user_id"]) for e in _audit(session, "orders.submitted")] == [
        (admin.user_id, clerk_id)] * 2
    assert {(e.actor_user_id, e.detail["prepared_by_user_id"]) for e in _audit(session, "consent.granted")} == {
        (admin.user_id, clerk_id)}

    # Done with: not sent twice, and the clerk is told where it went.
    headers = _as(client, "good")
    again = client.post(f"/api/v1/orders/needs/drafts/{draft['id']}/confirm", json={"authorise": True},
                        headers=headers)
    assert again.status_code == 409, again.text
    assert len(session.scalars(select(FinancingNeed)).all()) == 1
    [told] = [m for m in notifications_service.list_for(session, principal=world.principal(session, clerk))
              if "已确认提交" in m.subject]
    assert told.subject == "您准备的融资需求已确认提交：重信贷、乙行贷"
    assert told.link == f"/enterprise/needs/{need['id']}"


@pytest.mark.parametrize("changes", [
    {"product_ids": []}, {"product_ids": [1, 2, 3, 4]}, {"amount_fen": 500_000_000}, {"term_months": 7},
    {"purpose": "买"}, {"amount_fen": "30000000"}, {"product_ids": [2**63]}, {"authorise": True}])
def test_a_prepared_need_is_checked_as_sending_it_would_be(client: TestClient, session: Session, world: World,
                                                           clerk: str, changes: dict[str, Any]) -> None:
    headers = _as(client, clerk)
    response = client.post("/api/v1/orders/needs/drafts", json=_need(world, **changes), headers=headers)
    assert 400 <= response.status_code < 500 and response.status_code != 403, response.text
    session.expire_all()
    assert session.scalars(select(FinancingOrderDraft)).all() == []


def test_two_products_of_one_bank_are_refused_as_sending_would_refuse_them(
        client: TestClient, session: Session, world: World, clerk: str) -> None:
    headers = _as(client, clerk)
    response = client.post("/api/v1/orders/needs/drafts", json=_need(world, product_ids=[world.product_a] * 2),
                           headers=headers)
    sent = client.post("/api/v1/orders/needs", headers=_as(client, "good"),
                       json={**_need(world, product_ids=[world.product_a] * 2), "authorise": True})
    assert response.status_code == sent.status_code == 400
    assert response.json()["message"] == sent.json()["message"]


def test_a_prepared_need_is_discarded_by_the_admin_or_its_own_clerk_and_a_single_application_is_not_a_need(
        client: TestClient, session: Session, world: World, clerk: str) -> None:
    other_clerk = _clerk(session, world, "good.clerk2", "经办人小李")
    headers = _as(client, clerk)
    need = client.post("/api/v1/orders/needs/drafts", json=_need(world), headers=headers).json()
    single = client.post("/api/v1/orders/drafts", json=_draft_body(world), headers=headers).json()
    assert single["kind"] == "application" and single["product_ids"] == [world.product_a]

    headers = _as(client, other_clerk)
    assert client.post(f"/api/v1/orders/drafts/{need['id']}/discard", headers=headers).status_code == 403
    headers = _as(client, "good")
    mismatch = client.post(f"/api/v1/orders/needs/drafts/{single['id']}/confirm", json={"authorise": True},
                           headers=headers)
    assert mismatch.status_code == 409 and mismatch.json()["code"] == "draft_kind_mismatch", mismatch.text
    headers = _as(client, clerk)
    discarded = client.post(f"/api/v1/orders/drafts/{need['id']}/discard", headers=headers)
    assert discarded.status_code == 200 and discarded.json()["status"] == "discarded", discarded.text
    headers = _as(client, "good")
    late = client.post(f"/api/v1/orders/needs/drafts/{need['id']}/confirm", json={"authorise": True},
                       headers=headers)
    assert late.status_code == 409, late.text
    assert [d["id"] for d in client.get("/api/v1/orders/drafts").json()] == [single["id"]]
    session.expire_all()
    assert session.scalars(select(FinancingNeed)).all() == []
    [entry] = _audit(session, "orders.draft_discarded")
    assert entry.detail["discarded_by_user_id"] == world.principal(session, clerk).user_id


# Who may call each route of a prepared need: (username, expected status) for preparing and for confirming. The
# good enterprise's administrator and clerk prepare; only its administrator confirms; another firm's administrator
# does not find the draft; every institution and government role is refused at the door (the routes are the
# enterprise's).
PREPARE = {"good": 201, "good.clerk": 201, "other": 201, "a.officer": 403, "a.manager": 403, "admin": 403,
           "guarantor": 403}
CONFIRM = {"good.clerk": 403, "other": 404, "a.officer": 403, "a.manager": 403, "admin": 403, "guarantor": 403,
           "good": 201}


def test_the_authorisation_matrix_of_a_prepared_need(client: TestClient, session: Session, world: World,
                                                      clerk: str) -> None:
    drafts: dict[str, int] = {}
    for username, expected in PREPARE.items():
        headers = _as(client, username)
        response = client.post("/api/v1/orders/needs/drafts", json=_need(world), headers=headers)
        assert response.status_code == expected, (username, response.text)
        if response.status_code == 201:
            drafts[username] = response.json()["id"]
    target = drafts["good.clerk"]
    for username, expected in CONFIRM.items():  # in this order: the administrator's success comes last
        headers = _as(client, username)
        response = client.post(f"/api/v1/orders/needs/drafts/{target}/confirm", json={"authorise": True},
                               headers=headers)
        assert response.status_code == expected, (username, response.text)
        if username != "good":
            session.expire_all()
            assert session.scalars(select(FinancingNeed)).all() == []
        page = client.get(f"/enterprise/drafts/{target}")
        assert page.status_code == {"good": 200, "good.clerk": 200, "other": 404}.get(username, 403), username


def test_the_portal_clerk_prepares_a_need_and_the_admin_confirms(client: TestClient, session: Session, world: World,
                                                                clerk: str) -> None:
    login(client, clerk)
    home = client.get("/enterprise").text
    assert 'data-testid="prepare-need"' in home and 'data-testid="send-need"' not in home
    form_page = client.get("/enterprise/needs/new").text
    assert 'data-testid="need-prepare-notice"' in form_page and 'data-testid="need-prepare-submit"' in form_page
    assert 'name="authorise"' not in form_page and 'action="/enterprise/needs/new/draft"' in form_page
    token = page_csrf(client, "/enterprise/needs/new")
    form = {"amount": "300000", "term_months": "12", "repayment_method": "equal_installment",
            "purpose": "扩大生产采购设备", "product_ids": [str(world.product_a), str(world.product_b)],
            "csrf_token": token}
    # Sending directly is refused; bad input shows the form again with the reason and keeps nothing.
    direct = client.post("/enterprise/needs/new", data={**form, "authorise": "yes"})
    assert direct.status_code == 403 and REFUSAL in direct.text
    for change, message in (({"amount": "abc"}, ""), ({"product_ids": []}, "请选择一至三个不同银行的产品"),
                            ({"product_ids": [str(world.product_a)] * 2}, ""), ({"term_months": "x"}, "")):
        bad = client.post("/enterprise/needs/new/draft", data={**form, **change})
        assert bad.status_code in (400, 422), (change, bad.status_code)
        assert 'data-testid="form-error"' in bad.text and message in bad.text
        assert 'data-testid="need-prepare-submit"' in bad.text  # the clerk's form again
    session.expire_all()
    assert session.scalars(select(FinancingOrderDraft)).all() == []

    prepared = client.post("/enterprise/needs/new/draft", data=form, follow_redirects=False)
    assert prepared.status_code == 303, prepared.text
    location = prepared.headers["location"]
    assert re.fullmatch(r"/enterprise/drafts/\d+\?prepared=1", location)
    draft_path = location.partition("?")[0]
    page = client.get(location).text
    assert "待确认的融资需求" in page and 'data-testid="draft-prepared-notice"' in page
    assert 'data-testid="draft-waiting"' in page and 'data-testid="draft-confirm"' not in page
    assert "重信贷" in page and "乙行贷" in page and "经办人小王" in page
    refused = client.post(f"{draft_path}/confirm", data={"authorise": "yes", "csrf_token": token})
    assert refused.status_code == 403 and REFUSAL in refused.text
    _nothing_sent(session, client, world)

    client.cookies.clear()
    login(client, "good")
    home = client.get("/enterprise").text
    assert 'data-testid="order-drafts"' in home and "重信贷、乙行贷" in home
    page = client.get(draft_path).text
    assert 'data-testid="draft-confirm"' in page and "确认并发送融资需求" in page and "所选各家银行" in page
    token = page_csrf(client, draft_path)
    unticked = client.post(f"{draft_path}/confirm", data={"csrf_token": token})
    assert unticked.status_code == 400 and "请勾选授权" in unticked.text
    confirmed = client.post(f"{draft_path}/confirm", data={"authorise": "yes", "csrf_token": token},
                            follow_redirects=False)
    assert confirmed.status_code == 303, confirmed.text
    session.expire_all()
    [need] = session.scalars(select(FinancingNeed)).all()
    assert confirmed.headers["location"] == f"/enterprise/needs/{need.id}?sent=1"
    assert len(session.scalars(select(FinancingOrder).where(FinancingOrder.need_id == need.id)).all()) == 2
    assert 'data-testid="order-drafts"' not in client.get("/enterprise").text
    assert 'data-testid="draft-need"' in client.get(draft_path).text

    _as(client, "b.officer")
    [bank_b_order] = session.scalars(select(FinancingOrder).where(FinancingOrder.need_id == need.id,
                                                                 FinancingOrder.bank_organisation_id == world.bank_b))
    assert [o["order_no"] for o in client.get("/api/v1/orders").json()] == [bank_b_order.order_no]


def test_the_prepared_need_pages_are_english_in_english_mode(client: TestClient, session: Session, world: World,
                                                              clerk: str) -> None:
    headers = _as(client, clerk)
    draft = client.post("/api/v1/orders/needs/drafts", json=_need(world), headers=headers).json()
    left: set[str] = set()
    for username in (clerk, "good"):
        client.cookies.clear()
        login(client, username)
        client.cookies.set("lang", "en")
        for path in ("/enterprise", "/enterprise/needs/new", f"/enterprise/drafts/{draft['id']}",
                     f"/enterprise/drafts/{draft['id']}?prepared=1"):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            parser = _Chrome()
            parser.feed(response.text)
            left |= {f"{username} {path} <{tag}> {text}" for tag, text in parser.found}
    assert not left, sorted(left)
