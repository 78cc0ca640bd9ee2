"""The first order end to end: application, gate, estimate, consent, bank decision, scoping, deadlines."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai import clock
from xinyidai.consent.models import Authorisation
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder, OrderEvent
from xinyidai.orders.schemas import OrderCreate


def _api(client: TestClient, username: str) -> dict[str, str]:
    """Log in through the portal and return the CSRF header the API needs with a cookie session."""
    login(client, username)
    return {"X-CSRF-Token": page_csrf(client, "/account")}


def _application(world: World, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {"product_id": world.product_a, "amount_fen": 20_000_000, "term_months": 12,
                               "repayment_method": "equal_installment", "purpose": "采购原材料", "authorise": True}
    data.update(changes)
    return data


def _counts(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(t)) or 0  # type: ignore[return-value]
                 for t in (FinancingOrder, OrderEvent, Authorisation))


def _apply(session: Session, world: World, username: str = "good", **changes: object) -> FinancingOrder:
    order = orders_service.apply(session, principal=world.principal(session, username),
                                 order_in=OrderCreate.model_validate(_application(world, **changes)))
    session.commit()
    return order


def test_an_application_gets_an_estimate_a_deadline_and_the_authorisations(
    client: TestClient, session: Session, world: World
) -> None:
    headers = _api(client, "good")
    response = client.post("/api/v1/orders", json=_application(world), headers=headers)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "submitted"
    estimate = order["estimate"]
    assert Decimal("0.035") <= Decimal(estimate["annual_rate"]) <= Decimal("0.08")
    assert 0 < estimate["line_fen"] <= 100_000_000 and estimate["reasons"]
    # Monday 2026-11-23 + 10 working days = Monday 2026-12-07.
    assert order["deadline_date"] == "2026-12-07" and order["is_late"] is False
    assert [e["to_status"] for e in order["timeline"]] == ["submitted"]
    grants = session.scalars(select(Authorisation).where(Authorisation.purpose_ref == order["order_no"])).all()
    assert {g.recipient_organisation_id for g in grants} == {world.bank_a, world.platform_org}
    assert all(g.expires_at - g.granted_at == timedelta(days=90) for g in grants)


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"amount_fen": 100_000_001}, 400, "超过产品最高额度1,000,000.00元"),
        ({"amount_fen": 500_000}, 400, "不能低于产品最低金额"),
        ({"term_months": 36}, 400, "贷款期限须为产品提供的期限之一"),
        ({"authorise": False}, 400, "请勾选授权"),
        ({"product_id": 999_999}, 404, "该产品不存在或已下架"),
        ({"amount_fen": -5}, 422, "请求参数不正确"),
        ({"repayment_method": "balloon"}, 422, "请求参数不正确"),
    ],
)
def test_bad_applications_are_refused_and_write_nothing(
    client: TestClient, session: Session, world: World, changes: dict[str, object], status: int, message: str
) -> None:
    headers = _api(client, "good")
    before = _counts(session)
    response = client.post("/api/v1/orders", json=_application(world, **changes), headers=headers)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]
    assert _counts(session) == before


def test_the_annual_report_gate_stops_the_application_with_what_to_do(
    client: TestClient, session: Session, world: World
) -> None:
    headers = _api(client, "late")
    before = _counts(session)
    response = client.post("/api/v1/orders", json=_application(world), headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "application_blocked" and "尚未报送2025年度年报" in body["message"]
    assert body["details"]["findings"][0]["action_url"].startswith("https://")
    assert _counts(session) == before
    page = client.get(f"/enterprise/apply/{world.product_a}")
    assert "请先处理以下事项" in page.text and "提交申请" not in page.text


def test_the_officer_proposes_within_the_product_terms_and_the_manager_approves(
    client: TestClient, session: Session, world: World
) -> None:
    order = _apply(session, world)
    headers = _api(client, "a.officer")
    assert client.post(f"/api/v1/orders/{order.id}/accept", headers=headers).json()["status"] == "accepted"
    too_dear = client.post(f"/api/v1/orders/{order.id}/propose", headers=headers, json={
        "line_fen": 15_000_000, "annual_rate": "0.09", "term_months": 12, "repayment_method": "equal_principal"})
    assert too_dear.status_code == 400 and "利率区间3.50%—8.00%" in too_dear.json()["message"]
    proposed = client.post(f"/api/v1/orders/{order.id}/propose", headers=headers, json={
        "line_fen": 15_000_000, "annual_rate": "0.0435", "term_months": 12, "repayment_method": "equal_principal",
        "note": "流水稳定"})
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "proposed" and proposed.json()["proposal"]["line_fen"] == 15_000_000
    # The officer cannot approve what they proposed: approval is the manager's.
    alone = client.post(f"/api/v1/orders/{order.id}/approve", headers=headers, json={})
    assert alone.status_code == 403
    client.cookies.clear()
    approved = client.post(f"/api/v1/orders/{order.id}/approve", headers=_api(client, "a.manager"), json={})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["status"] == "approved" and body["approved_line_fen"] == 15_000_000
    assert Decimal(body["approved_rate"]) == Decimal("0.0435")
    assert body["approved_repayment_method"] == "equal_principal"
    assert [e["to_status"] for e in body["timeline"]] == ["submitted", "accepted", "proposed", "approved"]


def test_illegal_transitions_are_refused_and_change_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    order = _apply(session, world)
    headers = _api(client, "a.manager")
    early = client.post(f"/api/v1/orders/{order.id}/approve", headers=headers, json={})
    assert early.status_code == 409 and "当前状态为“已提交”，不能变更为“已批准”" in early.json()["message"]
    client.post(f"/api/v1/orders/{order.id}/reject", headers=headers, json={"reason": "经营流水不足，无法支持"})
    before = _counts(session)
    again = client.post(f"/api/v1/orders/{order.id}/accept", headers=headers)
    assert again.status_code == 409
    assert _counts(session) == before
    session.expire_all()
    assert session.get(FinancingOrder, order.id).status == "rejected"  # type: ignore[union-attr]


def test_a_rejection_needs_a_reason_that_the_enterprise_then_sees(
    client: TestClient, session: Session, world: World
) -> None:
    order = _apply(session, world)
    headers = _api(client, "a.officer")
    client.post(f"/api/v1/orders/{order.id}/accept", headers=headers)
    blank = client.post(f"/api/v1/orders/{order.id}/reject", headers=headers, json={"reason": "  "})
    assert blank.status_code == 400 and "拒绝必须填写原因" in blank.json()["message"]
    reason = "近六个月纳税额不足以支持申请金额"
    assert client.post(f"/api/v1/orders/{order.id}/reject", headers=headers,
                       json={"reason": reason}).json()["status"] == "rejected"
    client.cookies.clear()
    headers = _api(client, "good")
    seen = client.get(f"/api/v1/orders/{order.id}", headers=headers).json()
    assert seen["rejection_reason"] == reason
    assert reason in client.get(f"/orders/{order.id}").text


def test_banks_and_enterprises_see_only_their_own_orders(
    client: TestClient, session: Session, world: World
) -> None:
    order_a = _apply(session, world)
    order_b = _apply(session, world, "other", product_id=world.product_b)
    headers = _api(client, "b.officer")
    assert client.get(f"/api/v1/orders/{order_a.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/orders/{order_a.id}/accept", headers=headers).status_code == 404
    assert client.get(f"/orders/{order_a.id}").status_code == 404
    assert [o["id"] for o in client.get("/api/v1/orders", headers=headers).json()] == [order_b.id]
    client.cookies.clear()
    headers = _api(client, "good")
    assert client.get(f"/api/v1/orders/{order_b.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/orders/{order_b.id}/withdraw", headers=headers).status_code == 404
    assert [o["id"] for o in client.get("/api/v1/orders", headers=headers).json()] == [order_a.id]
    assert client.post("/api/v1/orders/999999/accept", headers=headers).status_code == 403  # wrong role first
    session.expire_all()
    assert session.get(FinancingOrder, order_b.id).status == "submitted"  # type: ignore[union-attr]


def test_an_enterprise_cannot_act_as_a_bank(client: TestClient, session: Session, world: World) -> None:
    order = _apply(session, world)
    headers = _api(client, "good")
    response = client.post(f"/api/v1/orders/{order.id}/accept", headers=headers)
    assert response.status_code == 403 and "无权" in response.json()["message"]


def test_orders_past_their_deadline_are_late(
    client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    order = _apply(session, world)
    headers = _api(client, "a.officer")
    assert client.get("/api/v1/orders?late=true", headers=headers).json() == []
    frozen_clock.advance(timedelta(days=15))  # Tuesday 2026-12-08, past Monday 2026-12-07
    assert client.get("/api/v1/orders", headers=headers).status_code == 401  # the session expired meanwhile
    client.cookies.clear()
    headers = _api(client, "a.officer")
    late = client.get("/api/v1/orders?late=true", headers=headers).json()
    assert [o["id"] for o in late] == [order.id] and late[0]["is_late"] is True
    assert "已超时" in client.get("/bank/workbench?view=late").text


def test_the_deadline_skips_the_national_day_holidays(session: Session, world: World) -> None:
    # Monday 2026-09-28: 29, 30 Sep; 1-7 Oct off; 8, 9 Oct; Saturday 10 Oct worked; 12-16 Oct.
    with clock.use(clock.at(2026, 9, 28, 9, 0)):
        order = _apply(session, world)
    assert order.deadline_date == date(2026, 10, 16)


def test_the_portal_application_form_reports_errors_in_chinese(
    client: TestClient, session: Session, world: World
) -> None:
    login(client, "good")
    token = page_csrf(client, f"/enterprise/apply/{world.product_a}")
    before = _counts(session)
    form = {"amount": "2,000,000", "term_months": "12", "repayment_method": "equal_installment",
            "purpose": "采购", "authorise": "yes", "csrf_token": token}
    response = client.post(f"/enterprise/apply/{world.product_a}", data=form)
    assert response.status_code == 400 and "超过产品最高额度" in response.text
    response = client.post(f"/enterprise/apply/{world.product_a}", data={**form, "amount": "12.345"})
    assert response.status_code == 422 and "金额格式不正确" in response.text
    assert _counts(session) == before
    ok = client.post(f"/enterprise/apply/{world.product_a}", data={**form, "amount": "200000"},
                     follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"].endswith("?submitted=1")
    page = client.get(ok.headers["location"])
    assert "预评估结果" in page.text and "已提交" in page.text


def test_out_of_range_numbers_are_refused_not_crashed(client: TestClient, session: Session, world: World) -> None:
    headers = _api(client, "good")
    assert client.get("/api/v1/orders/99999999999999999999", headers=headers).status_code == 422
    assert client.get("/orders/99999999999999999999").status_code == 422
    huge = client.post("/api/v1/orders", json=_application(world, product_id=2**64), headers=headers)
    assert huge.status_code == 422 and huge.json()["code"] == "invalid_request"
    token = page_csrf(client, f"/enterprise/apply/{world.product_a}")
    page = client.post(f"/enterprise/apply/{world.product_a}", data={
        "amount": "9" * 30, "term_months": "12", "repayment_method": "equal_installment", "purpose": "采购",
        "authorise": "yes", "csrf_token": token})
    assert page.status_code == 422 and "金额过大" in page.text
    page = client.post(f"/enterprise/apply/{world.product_a}", data={
        "amount": "1000", "term_months": "9" * 30, "repayment_method": "x", "purpose": "采购", "csrf_token": token})
    assert page.status_code == 422 and "格式不正确" in page.text


def test_an_on_demand_estimate_answers_like_an_application_and_applies_for_nothing(
    client: TestClient, session: Session, world: World
) -> None:
    from xinyidai.audit.models import AuditEntry
    from xinyidai.scoring.models import CreditDecision

    headers = _api(client, "good")
    before = _counts(session)
    response = client.post("/api/v1/orders/estimate", json={"product_id": world.product_a}, headers=headers)
    assert response.status_code == 200, response.text
    estimate = response.json()
    assert Decimal("0.035") <= Decimal(estimate["annual_rate"]) <= Decimal("0.08")
    assert estimate["product_id"] == world.product_a and estimate["as_of"] == "2026-11-23" and estimate["reasons"]
    assert _counts(session) == before  # no order, no event, no authorisation
    applied = client.post("/api/v1/orders", json=_application(world), headers=headers).json()["estimate"]
    assert {k: estimate[k] for k in applied} == applied  # the same champion or rules, the same answer
    session.expire_all()
    if estimate["decision_id"] is not None:
        assert session.get(CreditDecision, estimate["decision_id"]) is not None
    assert session.scalar(select(func.count()).select_from(AuditEntry)
                          .where(AuditEntry.action == "orders.estimated")) == 1


@pytest.mark.parametrize(("username", "body", "status"), [
    ("a.officer", {"product_id": 1}, 403),  # banks do not estimate for themselves
    ("good", {"product_id": 999_999}, 404),
    ("good", {"product_id": "x"}, 422),
    ("late", None, 422),  # the annual-report gate stops an estimate as it stops an application
])
def test_an_estimate_refuses_what_an_application_refuses(client: TestClient, session: Session, world: World,
                                                         username: str, body: dict[str, object] | None,
                                                         status: int) -> None:
    headers = _api(client, username)
    response = client.post("/api/v1/orders/estimate", json=body or {"product_id": world.product_a}, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["message"]


def test_a_cookie_session_must_echo_its_csrf_token_on_an_api_write(client: TestClient, world: World) -> None:
    login(client, "good")
    refused = client.post("/api/v1/orders/estimate", json={"product_id": world.product_a})
    assert refused.status_code == 403 and "页面已过期" in refused.json()["message"]


def test_the_portal_estimate_is_a_partial_that_says_why_it_cannot_answer(client: TestClient, session: Session,
                                                                         world: World) -> None:
    headers = _api(client, "good")
    before = _counts(session)
    shown = client.post(f"/enterprise/estimate/{world.product_a}", headers=headers)
    assert shown.status_code == 200 and 'data-testid="estimate"' in shown.text and "预估额度" in shown.text
    assert _counts(session) == before
    missing = client.post("/enterprise/estimate/999999", headers=headers)
    assert missing.status_code == 200 and 'data-testid="estimate-error"' in missing.text
    assert client.post(f"/enterprise/estimate/{world.product_a}").status_code == 403  # no CSRF token
    late = _api(client, "late")
    blocked = client.post(f"/enterprise/estimate/{world.product_a}", headers=late)
    assert blocked.status_code == 200 and "年度年报" in blocked.text


def test_an_order_number_already_taken_is_drawn_again(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _apply(session, world)
    taken = int(first.order_no[-8:])
    draws = iter([taken, taken, taken + 1])
    monkeypatch.setattr(orders_service.secrets, "randbelow", lambda _bound: next(draws))
    assert orders_service.new_order_no(session) == f"{first.order_no[:-8]}{taken + 1:08d}"
