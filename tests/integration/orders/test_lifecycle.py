"""The order's whole life through the real database: one need to three banks and the offer the firm takes, withdrawal
with a reason, renewal (续贷) and deferral (延期还本) decided by maker-checker, supervisors' prompts (督办) and the
bank's answers; bad input and illegal steps refused with nothing changed; each party confined to its own orders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login, page_csrf
from xinyidai import clock, events
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.clock import BUSINESS_TZ
from xinyidai.events import DomainEventRecord
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import Notification
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.loans import service as loans_service
from xinyidai.loans.models import CreditLine, CreditLineRenewal, Drawdown, DrawdownDeferral, Installment
from xinyidai.loans.schemas import DrawdownCreate
from xinyidai.main import wire_events
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingNeed, FinancingOrder, OrderEvent, OrderPrompt
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.products.models import Product
from xinyidai.products.schemas import ProductCreate
from xinyidai.registry.models import Enterprise


def _api(client: TestClient, username: str) -> dict[str, str]:
    login(client, username)
    return {"X-CSRF-Token": page_csrf(client, "/account")}


def _third_bank(session: Session) -> tuple[int, int]:
    """A third bank 丙银行 with its officer, manager and a published product; (bank id, product id)."""
    bank = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name="丙银行", kind=OrgKind.BANK))
    for username, role in (("c.officer", Role.BANK_LOAN_OFFICER), ("c.manager", Role.BANK_MANAGER)):
        identity_service.create_user(session, user_in=UserCreate(
            organisation_id=bank.id, username=username, display_name=username, password=PASSWORD, roles=[role]))
    manager = identity_service.principal_for_user(
        next(u for u in identity_service.list_users(session) if u.username == "c.manager"))
    product = products_service.create(session, principal=manager, product_in=ProductCreate(
        code="BINGDAI", name="丙行贷", min_rate=Decimal("0.04"), max_rate=Decimal("0.07"),
        guarantee_fee_rate=Decimal("0"), min_amount_fen=1_000_000, max_line_fen=100_000_000,
        repayment_methods=list(RepaymentMethod), term_options=[6, 12, 24]))
    products_service.publish(session, principal=manager, product_id=product.id)
    session.commit()
    return bank.id, product.id


NEED = {"amount_fen": 30_000_000, "term_months": 12, "repayment_method": "equal_installment",
        "purpose": "扩大生产采购设备", "authorise": True}


def _decide(session: Session, world: World, order: FinancingOrder, bank: str, *, rate: str = "0.045") -> None:
    """The bank's officer accepts and proposes, its manager approves."""
    officer = world.principal(session, f"{bank}.officer")
    orders_service.accept(session, principal=officer, order=order)
    orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
        line_fen=order.amount_fen, annual_rate=Decimal(rate), term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
    orders_service.approve(session, principal=world.principal(session, f"{bank}.manager"), order=order,
                           decision_in=OrderApprove())
    session.commit()


def _dispatch(session: Session) -> None:
    session.commit()
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()


def _published(session: Session, name: str) -> list[dict[str, object]]:
    return [r.payload for r in session.scalars(select(DomainEventRecord).where(DomainEventRecord.name == name)
                                               .order_by(DomainEventRecord.id))]


def _messages(session: Session, organisation_id: int) -> list[str]:
    return list(session.scalars(select(Notification.subject).where(Notification.organisation_id == organisation_id)
                                .order_by(Notification.id)))


def test_a_need_to_three_banks_one_approves_the_firm_accepts_and_the_others_are_withdrawn(
    client: TestClient, session: Session, world: World
) -> None:
    wire_events()
    bank_c, product_c = _third_bank(session)
    headers = _api(client, "good")
    response = client.post("/api/v1/orders/needs", headers=headers, json={
        **NEED, "product_ids": [world.product_a, world.product_b, product_c]})
    assert response.status_code == 201, response.text
    need = response.json()
    assert need["status"] == "open" and len(need["orders"]) == 3
    assert {o["bank_organisation_id"] for o in need["orders"]} == {world.bank_a, world.bank_b, bank_c}
    assert all(o["status"] == "submitted" and o["need_id"] == need["id"] for o in need["orders"])
    orders = {o.bank_organisation_id: o for o in session.scalars(
        select(FinancingOrder).where(FinancingOrder.need_id == need["id"]))}

    # Bank A approves: an offer, no line yet. Bank B has only accepted it; bank C approves too.
    _decide(session, world, orders[world.bank_a], "a")
    assert orders[world.bank_a].status == "offered"
    orders_service.accept(session, principal=world.principal(session, "b.officer"), order=orders[world.bank_b])
    _decide(session, world, orders[bank_c], "c", rate="0.05")
    _dispatch(session)
    assert session.scalar(select(func.count()).select_from(CreditLine)) == 0
    assert [p["order_id"] for p in _published(session, "orders.offered")] == [orders[world.bank_a].id,
                                                                            orders[bank_c].id]
    good_org = identity_service.get_enterprise_organisation(session, enterprise_id=world.good_enterprise)
    assert good_org is not None
    assert any("银行已批复您的融资需求" in s for s in _messages(session, good_org.id))

    # The firm takes bank A's offer: a line opens for A alone, B's open order is withdrawn, C's offer declined.
    accepted = client.post(f"/api/v1/orders/{orders[world.bank_a].id}/accept-offer", headers=headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["accepted_order_id"] == orders[world.bank_a].id
    _dispatch(session)
    statuses = {o.bank_organisation_id: o.status for o in session.scalars(
        select(FinancingOrder).where(FinancingOrder.need_id == need["id"]))}
    assert statuses == {world.bank_a: "approved", world.bank_b: "withdrawn", bank_c: "declined"}
    lines = session.scalars(select(CreditLine)).all()
    assert [(line.order_id, line.bank_organisation_id) for line in lines] == [(orders[world.bank_a].id, world.bank_a)]
    assert any("企业已接受贵行批复" in s for s in _messages(session, world.bank_a))
    assert any("企业已撤回融资申请" in s for s in _messages(session, world.bank_b))
    assert any("企业已选择其他银行" in s for s in _messages(session, bank_c))
    withdrawn = _published(session, "orders.withdrawn")
    assert [(p["order_id"], p["bank_organisation_id"]) for p in withdrawn] == [(orders[world.bank_b].id,
                                                                               world.bank_b)]
    assert {"order_id", "order_no", "enterprise_id", "bank_organisation_id"} <= set(withdrawn[0])
    assert [p["order_id"] for p in _published(session, "orders.offer_accepted")] == [orders[world.bank_a].id]
    assert [p["order_id"] for p in _published(session, "orders.offer_declined")] == [orders[bank_c].id]

    # Taken once: a second acceptance (of C's declined offer, or A's again) is refused and changes nothing.
    again = client.post(f"/api/v1/orders/{orders[bank_c].id}/accept-offer", headers=headers)
    assert again.status_code == 409 and "已接受了一家银行的批复" in again.json()["message"]
    assert session.scalar(select(func.count()).select_from(CreditLine)) == 1

    # The need's page shows each bank's outcome.
    page = client.get(f"/enterprise/needs/{need['id']}")
    assert page.status_code == 200 and "已撤回" in page.text and "企业已选择其他银行" in page.text


def test_need_input_and_scoping(client: TestClient, session: Session, world: World) -> None:
    wire_events()
    headers = _api(client, "good")
    before = session.scalar(select(func.count()).select_from(FinancingOrder))
    same_bank = client.post("/api/v1/orders/needs", headers=headers, json={
        **NEED, "product_ids": [world.product_a, world.product_a]})
    assert same_bank.status_code == 400 and "同一产品不能重复选择" in same_bank.json()["message"]
    too_many = client.post("/api/v1/orders/needs", headers=headers, json={
        **NEED, "product_ids": [world.product_a, world.product_b, 9_998, 9_999]})
    assert too_many.status_code == 422
    too_big = client.post("/api/v1/orders/needs", headers=headers, json={
        **NEED, "amount_fen": 500_000_000, "product_ids": [world.product_a, world.product_b]})
    assert too_big.status_code == 400 and "申请金额超过产品最高额度" in too_big.json()["message"]
    assert session.scalar(select(func.count()).select_from(FinancingOrder)) == before
    assert session.scalar(select(func.count()).select_from(FinancingNeed)) == 0

    need = client.post("/api/v1/orders/needs", headers=headers, json={
        **NEED, "product_ids": [world.product_a, world.product_b]}).json()
    order_a = session.get(FinancingOrder, need["orders"][0]["id"])
    assert order_a is not None
    # Not yet an offer: nothing to accept.
    early = client.post(f"/api/v1/orders/{order_a.id}/accept-offer", headers=headers)
    assert early.status_code == 409 and "只有已批准待接受的批复可以接受" in early.json()["message"]
    _decide(session, world, order_a, "a")
    # Another firm cannot see, let alone accept, this firm's offer; bank B cannot act on bank A's order.
    other = _api(client, "other")
    assert client.post(f"/api/v1/orders/{order_a.id}/accept-offer", headers=other).status_code == 404
    assert client.get(f"/api/v1/orders/needs/{need['id']}", headers=other).status_code == 404
    bank_b = _api(client, "b.officer")
    assert client.post(f"/api/v1/orders/{order_a.id}/accept", headers=bank_b).status_code == 404
    session.expire_all()
    assert session.get(FinancingOrder, order_a.id).status == "offered"  # type: ignore[union-attr]


def test_the_firm_withdraws_with_a_reason_and_the_bank_is_told(client: TestClient, session: Session,
                                                               world: World) -> None:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    session.commit()
    headers = _api(client, "good")
    blank = client.post(f"/api/v1/orders/{order.id}/withdraw", headers=headers, json={"reason": " "})
    assert blank.status_code == 400 and "撤回必须填写原因" in blank.json()["message"]
    # The page asks for the confirmation first.
    token = page_csrf(client, f"/orders/{order.id}")
    unconfirmed = client.post(f"/orders/{order.id}/withdraw", data={"reason": "资金已落实", "csrf_token": token})
    assert unconfirmed.status_code == 422 and "请勾选确认" in unconfirmed.text
    session.expire_all()
    assert session.get(FinancingOrder, order.id).status == "submitted"  # type: ignore[union-attr]
    done = client.post(f"/orders/{order.id}/withdraw", data={"reason": "资金已落实", "confirm": "yes",
                                                           "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    session.expire_all()
    withdrawn = session.get(FinancingOrder, order.id)
    assert withdrawn is not None and withdrawn.status == "withdrawn" and withdrawn.withdrawal_reason == "资金已落实"
    assert any("企业已撤回融资申请" in s for s in _messages(session, world.bank_a))
    again = client.post(f"/api/v1/orders/{order.id}/withdraw", headers=headers, json={"reason": "再次撤回"})
    assert again.status_code == 409


def _line(session: Session, world: World, *, rate: str = "0.048") -> CreditLine:
    wire_events()
    firm = session.get(Enterprise, world.good_enterprise)
    assert firm is not None
    firm.last_annual_report_year = 2026  # reported by the time the line comes up for renewal
    product = session.get(Product, world.product_a)
    assert product is not None
    product.allows_renewal = product.allows_deferral = True
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=50_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_PRINCIPAL, purpose="补充流动资金", authorise=True))
    officer = world.principal(session, "a.officer")
    orders_service.accept(session, principal=officer, order=order)
    orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
        line_fen=50_000_000, annual_rate=Decimal(rate), term_months=12,
        repayment_method=RepaymentMethod.EQUAL_PRINCIPAL))
    orders_service.approve(session, principal=world.principal(session, "a.manager"), order=order,
                           decision_in=OrderApprove())
    _dispatch(session)
    return session.scalars(select(CreditLine).where(CreditLine.order_id == order.id)).one()


def test_a_renewal_is_requested_in_its_window_decided_by_maker_checker_and_renews_the_line(
    client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    line = _line(session, world)
    assert line.valid_until == date(2027, 11, 23)
    loans_service.draw(session, principal=world.principal(session, "good"), line_id=line.id, idempotency_key="r-1",
                       drawdown_in=DrawdownCreate(amount_fen=10_000_000, term_months=12,
                                                  method=RepaymentMethod.EQUAL_PRINCIPAL))
    session.commit()
    headers = _api(client, "good")
    early = client.post(f"/api/v1/orders/lines/{line.id}/renewal", headers=headers,
                        json={"reason": "经营稳定，申请续贷", "authorise": True})
    assert early.status_code == 400 and "续贷须在额度到期前90天至30天之间申请" in early.json()["message"]
    frozen_clock._at = datetime(2027, 9, 1, 10, 0, tzinfo=BUSINESS_TZ)
    headers = _api(client, "good")  # a new session: the last one expired meanwhile
    not_ours = client.post(f"/api/v1/orders/lines/{line.id + 1000}/renewal", headers=headers,
                           json={"reason": "经营稳定，申请续贷", "authorise": True})
    assert not_ours.status_code == 404, not_ours.text
    response = client.post(f"/api/v1/orders/lines/{line.id}/renewal", headers=headers,
                           json={"reason": "经营稳定，申请续贷", "authorise": True})
    assert response.status_code == 201, response.text
    renewal = response.json()
    assert renewal["kind"] == "renewal" and renewal["credit_line_id"] == line.id
    assert renewal["status"] == "submitted" and renewal["amount_fen"] == 50_000_000
    twice = client.post(f"/api/v1/orders/lines/{line.id}/renewal", headers=headers,
                        json={"reason": "经营稳定，申请续贷", "authorise": True})
    assert twice.status_code == 400 and "已有在办的续贷申请" in twice.json()["message"]
    assert [p["credit_line_id"] for p in _published(session, "orders.renewal_requested")] == [line.id]

    order = session.get(FinancingOrder, renewal["id"])
    assert order is not None
    # The officer proposes; he cannot approve it; the manager approves: the line is renewed, not a second opened.
    officer = _api(client, "a.officer")
    assert client.post(f"/api/v1/orders/{order.id}/accept", headers=officer).status_code == 200
    proposal = {"line_fen": 60_000_000, "annual_rate": "0.045", "term_months": 12,
                "repayment_method": "equal_principal"}
    assert client.post(f"/api/v1/orders/{order.id}/propose", headers=officer, json=proposal).status_code == 200
    assert client.post(f"/api/v1/orders/{order.id}/approve", headers=officer, json={}).status_code == 403
    manager = _api(client, "a.manager")
    approved = client.post(f"/api/v1/orders/{order.id}/approve", headers=manager, json={"note": "同意续贷"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    _dispatch(session)
    assert session.scalar(select(func.count()).select_from(CreditLine)) == 1
    renewed = session.get(CreditLine, line.id)
    assert renewed is not None
    assert (renewed.valid_until, renewed.limit_fen, renewed.annual_rate) == (date(2028, 11, 23), 60_000_000,
                                                                            Decimal("0.045"))
    record = session.scalars(select(CreditLineRenewal)).one()
    assert (record.previous_valid_until, record.new_valid_until) == (date(2027, 11, 23), date(2028, 11, 23))
    assert (record.previous_limit_fen, record.previous_rate, record.order_id) == (50_000_000, Decimal("0.048"),
                                                                                 order.id)
    # The outstanding drawdown stays on the line, at its contract rate.
    drawdown = session.scalars(select(Drawdown)).one()
    assert drawdown.credit_line_id == line.id and drawdown.annual_rate == Decimal("0.048")
    decided = _published(session, "orders.renewal_decided")
    assert decided[-1]["approved"] is True and decided[-1]["order_id"] == order.id
    good_org = identity_service.get_enterprise_organisation(session, enterprise_id=world.good_enterprise)
    assert good_org is not None and any("续贷已获批准" in s for s in _messages(session, good_org.id))


def test_a_renewal_where_the_product_does_not_allow_it_is_refused(client: TestClient, session: Session,
                                                                  world: World,
                                                                  frozen_clock: clock.FixedClock) -> None:
    line = _line(session, world)
    session.get(Product, world.product_a).allows_renewal = False  # type: ignore[union-attr]
    session.commit()
    frozen_clock._at = datetime(2027, 9, 1, 10, 0, tzinfo=BUSINESS_TZ)
    headers = _api(client, "good")
    refused = client.post(f"/api/v1/orders/lines/{line.id}/renewal", headers=headers,
                          json={"reason": "经营稳定，申请续贷", "authorise": True})
    assert refused.status_code == 400 and refused.json()["message"] == "该产品不提供续贷"
    assert session.scalar(select(func.count()).select_from(FinancingOrder).where(
        FinancingOrder.kind == "renewal")) == 0


def test_a_deferral_approved_rebuilds_the_schedule_and_keeps_the_old_one(client: TestClient, session: Session,
                                                                         world: World) -> None:
    line = _line(session, world)
    drawdown = loans_service.draw(session, principal=world.principal(session, "good"), line_id=line.id,
                                  idempotency_key="d-1", drawdown_in=DrawdownCreate(
                                      amount_fen=12_000_000, term_months=12, method=RepaymentMethod.EQUAL_PRINCIPAL))
    session.commit()
    assert drawdown.maturity_date == date(2027, 11, 23)
    headers = _api(client, "good")
    off_day = client.post("/api/v1/orders/deferrals", headers=headers, json={
        "drawdown_id": drawdown.id, "new_maturity_date": "2028-11-20", "reason": "订单回款延迟", "authorise": True})
    assert off_day.status_code == 400 and "新的到期日须为每月还款日" in off_day.json()["message"]
    other = _api(client, "other")
    assert client.post("/api/v1/orders/deferrals", headers=other, json={
        "drawdown_id": drawdown.id, "new_maturity_date": "2028-11-23", "reason": "订单回款延迟",
        "authorise": True}).status_code == 404
    headers = _api(client, "good")
    response = client.post("/api/v1/orders/deferrals", headers=headers, json={
        "drawdown_id": drawdown.id, "new_maturity_date": "2028-11-23", "reason": "订单回款延迟", "authorise": True})
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["kind"] == "deferral" and order["drawdown_id"] == drawdown.id
    assert order["deferral_maturity_date"] == "2028-11-23"

    officer = _api(client, "a.officer")
    assert client.post(f"/api/v1/orders/{order['id']}/accept", headers=officer).status_code == 200
    wrong_form = client.post(f"/api/v1/orders/{order['id']}/propose", headers=officer, json={
        "line_fen": 12_000_000, "annual_rate": "0.048", "term_months": 12, "repayment_method": "equal_principal"})
    assert wrong_form.status_code == 409
    proposed = client.post(f"/api/v1/orders/{order['id']}/propose-deferral", headers=officer, json={"note": "同意"})
    assert proposed.status_code == 200 and proposed.json()["status"] == "proposed"
    manager = _api(client, "a.manager")
    approved = client.post(f"/api/v1/orders/{order['id']}/approve", headers=manager, json={})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    _dispatch(session)

    fresh = session.get(Drawdown, drawdown.id)
    assert fresh is not None and fresh.maturity_date == date(2028, 11, 23)
    rows = session.scalars(select(Installment).where(Installment.drawdown_id == drawdown.id)
                           .order_by(Installment.number)).all()
    old, new = [i for i in rows if i.superseded], [i for i in rows if not i.superseded]
    assert len(old) == 12 and len(new) == 24
    # Figures of tests/unit/loans/test_deferral_schedule.py: 5,000.00 a month, interest 480.00, 460.00 … 20.00.
    assert {i.principal_fen for i in new} == {500_000}
    assert [i.scheduled_interest_fen for i in new[:2]] == [48_000, 46_000] and new[-1].scheduled_interest_fen == 2_000
    record = session.scalars(select(DrawdownDeferral)).one()
    assert (record.previous_maturity_date, record.new_maturity_date, record.first_number) == (
        date(2027, 11, 23), date(2028, 11, 23), 13)
    assert loans_service.verify_balances(session, drawdown=fresh) == []
    decided = _published(session, "orders.deferral_decided")
    assert decided[-1]["approved"] is True and decided[-1]["drawdown_id"] == drawdown.id


def test_a_late_order_is_prompted_the_bank_answers_and_both_are_on_the_timeline(
    client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=world.amr_org, username="fgw", display_name="发改委督办员", password=PASSWORD,
        roles=[Role.GOVERNMENT_SUPERVISOR]))
    session.commit()
    frozen_clock._at = datetime(2026, 12, 9, 10, 0, tzinfo=BUSINESS_TZ)  # past the 2026-12-07 deadline

    # The firm and the bank may not use the supervisors' list.
    assert client.get("/api/v1/supervision/late-orders", headers=_api(client, "good")).status_code == 403
    supervisor = _api(client, "fgw")
    late = client.get("/api/v1/supervision/late-orders", headers=supervisor).json()
    assert [(b["bank_organisation_id"], b["late_count"]) for b in late] == [(world.bank_a, 1)]
    assert late[0]["orders"][0]["id"] == order.id
    short = client.post(f"/api/v1/supervision/orders/{order.id}/prompts", headers=supervisor, json={"message": "快"})
    assert short.status_code == 400 and "督办意见至少4个字" in short.json()["message"]
    prompted = client.post(f"/api/v1/supervision/orders/{order.id}/prompts", headers=supervisor,
                           json={"message": "已超过办理时限，请于两个工作日内办结"})
    assert prompted.status_code == 201, prompted.text
    prompt_id = prompted.json()["id"]
    assert _published(session, "orders.prompted")[-1]["order_id"] == order.id

    # Bank B cannot answer bank A's prompt; bank A sees it on its workbench and answers once.
    assert client.post(f"/api/v1/orders/prompts/{prompt_id}/answer", headers=_api(client, "b.officer"),
                       json={"answer": "我行无此订单"}).status_code == 404
    officer = _api(client, "a.officer")
    assert [p["id"] for p in client.get("/api/v1/orders/prompts", headers=officer).json()] == [prompt_id]
    assert "待答复的监管督办" in client.get("/bank/workbench").text
    answered = client.post(f"/api/v1/orders/prompts/{prompt_id}/answer", headers=officer,
                           json={"answer": "已受理，预计明日出具审批意见"})
    assert answered.status_code == 200 and answered.json()["answer"] == "已受理，预计明日出具审批意见"
    twice = client.post(f"/api/v1/orders/prompts/{prompt_id}/answer", headers=officer, json={"answer": "再次答复内容"})
    assert twice.status_code == 400 and "该督办已答复" in twice.json()["message"]
    assert client.get("/api/v1/orders/prompts", headers=officer).json() == []
    timeline = client.get(f"/api/v1/orders/{order.id}", headers=officer).json()["timeline"]
    assert [(e["kind"], e["note"]) for e in timeline[-2:]] == [
        ("prompt", "已超过办理时限，请于两个工作日内办结"), ("answer", "已受理，预计明日出具审批意见")]
    assert session.scalar(select(func.count()).select_from(OrderPrompt)) == 1
    assert session.scalar(select(func.count()).select_from(OrderEvent).where(OrderEvent.order_id == order.id)) == 3
    page = client.get(f"/orders/{order.id}")
    assert "监管督办" in page.text and "银行答复督办" in page.text
    login(client, "fgw")
    assert "已受理，预计明日出具审批意见" in client.get("/supervision/late-orders").text


@pytest.mark.parametrize("path", ["/enterprise/needs/new", "/supervision/late-orders"])
def test_the_new_pages_are_for_their_roles(client: TestClient, world: World, path: str) -> None:
    login(client, "a.officer")
    assert client.get(path).status_code == 403


def test_the_pages_of_deferral_prompt_and_answer_redirect_after_post(client: TestClient, session: Session,
                                                                     world: World,
                                                                     frozen_clock: clock.FixedClock) -> None:
    line = _line(session, world)
    drawdown = loans_service.draw(session, principal=world.principal(session, "good"), line_id=line.id,
                                  idempotency_key="p-1", drawdown_in=DrawdownCreate(
                                      amount_fen=6_000_000, term_months=6, method=RepaymentMethod.EQUAL_PRINCIPAL))
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=world.amr_org, username="fgw", display_name="发改委督办员", password=PASSWORD,
        roles=[Role.GOVERNMENT_SUPERVISOR]))
    session.commit()
    login(client, "good")
    form_page = client.get(f"/enterprise/drawdowns/{drawdown.id}/deferral")
    assert form_page.status_code == 200 and "2027-06-23" in form_page.text  # the first due day after maturity
    token = page_csrf(client, f"/enterprise/drawdowns/{drawdown.id}/deferral")
    refused = client.post(f"/enterprise/drawdowns/{drawdown.id}/deferral", data={
        "new_maturity_date": "2027-06-23", "reason": "回款延迟", "csrf_token": token})
    assert refused.status_code == 400 and "请勾选授权" in refused.text
    sent = client.post(f"/enterprise/drawdowns/{drawdown.id}/deferral", data={
        "new_maturity_date": "2027-08-23", "reason": "回款延迟", "authorise": "yes", "csrf_token": token},
        follow_redirects=False)
    assert sent.status_code == 303
    order_path = sent.headers["location"].split("?")[0]
    order_id = int(order_path.rsplit("/", 1)[1])

    frozen_clock._at = datetime(2026, 12, 9, 10, 0, tzinfo=BUSINESS_TZ)
    login(client, "fgw")
    token = page_csrf(client, "/supervision/late-orders")
    prompted = client.post(f"/supervision/orders/{order_id}/prompt", data={
        "message": "请尽快办理延期还本申请", "csrf_token": token}, follow_redirects=False)
    assert prompted.status_code == 303 and prompted.headers["location"] == "/supervision/late-orders?prompted=1"
    prompt_id = session.scalars(select(OrderPrompt.id)).one()

    login(client, "a.officer")
    token = page_csrf(client, order_path)
    assert "propose-deferral-form" not in client.get(order_path).text  # accept first
    client.post(f"/orders/{order_id}/accept", data={"csrf_token": token})
    page = client.get(order_path)
    assert "propose-deferral-form" in page.text and f"answer-form-{prompt_id}" in page.text
    answered = client.post(f"/orders/{order_id}/prompts/{prompt_id}/answer", data={
        "answer": "已受理，今日提出建议", "csrf_token": token}, follow_redirects=False)
    assert answered.status_code == 303
    proposed = client.post(f"/orders/{order_id}/propose-deferral", data={"note": "同意", "csrf_token": token},
                           follow_redirects=False)
    assert proposed.status_code == 303
    session.expire_all()
    order = session.get(FinancingOrder, order_id)
    assert order is not None and order.status == "proposed" and order.proposed_line_fen == 6_000_000
