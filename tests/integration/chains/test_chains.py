"""Industry-chain credit communities through the API and the real database: the leader founds one, firms join and
the leader confirms them, the lender grants and allocates the line (never above it), the leader's confirmation of a
supplier's receivables raises its allocation, a member's overdue and default cut what the community may draw and
alert the leader and the lender; who sees what; bad input."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login, page_csrf
from xinyidai import clock, events
from xinyidai.audit.actor import Actor
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.chains.models import ChainAlert, ChainMembership
from xinyidai.clock import BUSINESS_TZ
from xinyidai.creditdata import service as creditdata_service
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import Notification
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.loans import eod
from xinyidai.loans import service as loans_service
from xinyidai.loans.models import CreditLine
from xinyidai.loans.schemas import DrawdownCreate
from xinyidai.main import wire_events
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service

WAN = 1_000_000  # 10,000 yuan in fen
CHAIN_AUDITS = select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("chains.%"))


def _firm_user(session: Session, enterprise_id: int, username: str) -> int:
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    org = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name=enterprise.name, kind=OrgKind.ENTERPRISE, uscc=enterprise.uscc, enterprise_id=enterprise.id))
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=org.id, username=username, display_name=username, password=PASSWORD,
        roles=[Role.ENTERPRISE_ADMIN]))
    session.commit()
    return org.id


class Caller:
    """One signed-in user's API calls (the client's cookie switched per call)."""

    def __init__(self, client: TestClient, username: str) -> None:
        self.client, self.username = client, username

    def __call__(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        self.client.cookies.clear()
        login(self.client, self.username)
        headers = {"X-CSRF-Token": page_csrf(self.client, "/account")}
        return self.client.request(method, f"/api/v1/chains{path}", json=body, headers=headers)


def _founded(client: TestClient, session: Session, world: World) -> tuple[int, dict[str, int]]:
    """A community led by `other`, lent to by bank A, `good` a confirmed supplier and `late` a confirmed
    distributor; the line 1,000,000 yuan; `good` allocated 300,000 and `late` 400,000."""
    leader, good, late, manager = (Caller(client, n) for n in ("other", "good", "late", "a.manager"))
    created = leader("POST", "", {"name": "南岸花椒产业链信用共同体", "lender_organisation_id": world.bank_a})
    assert created.status_code == 201, created.text
    community = created.json()["id"]
    assert created.json()["viewer"] == "leader" and created.json()["line_fen"] == 0
    supplier = good("POST", f"/{community}/memberships", {"role": "upstream"})
    distributor = late("POST", f"/{community}/memberships", {"role": "downstream"})
    assert supplier.status_code == distributor.status_code == 201
    members = {"good": supplier.json()["id"], "late": distributor.json()["id"]}
    assert supplier.json()["status"] == "requested"
    # The lender cannot allocate to a firm the leader has not confirmed.
    assert manager("PUT", f"/{community}/line", {"line_fen": 100 * WAN}).status_code == 200
    early = manager("PUT", f"/{community}/memberships/{members['good']}/allocation", {"allocation_fen": WAN})
    assert early.status_code == 422 and "尚未经核心企业确认" in early.json()["message"]
    for membership in members.values():
        decided = leader("POST", f"/{community}/memberships/{membership}/decision", {"confirm": True})
        assert decided.status_code == 200 and decided.json()["status"] == "confirmed"
    assert manager("PUT", f"/{community}/memberships/{members['good']}/allocation",
                   {"allocation_fen": 30 * WAN}).status_code == 200
    assert manager("PUT", f"/{community}/memberships/{members['late']}/allocation",
                   {"allocation_fen": 40 * WAN}).status_code == 200
    return community, members


def test_a_community_is_founded_joined_lent_to_and_allocated_never_above_its_line(
        client: TestClient, session: Session, world: World) -> None:
    community, members = _founded(client, session, world)
    leader, manager = Caller(client, "other"), Caller(client, "a.manager")
    read = manager("GET", f"/{community}").json()
    assert (read["viewer"], read["line_fen"], read["allocated_fen"], read["drawable_fen"]) == (
        "lender", 100 * WAN, 70 * WAN, 70 * WAN)
    # 800,000 yuan for `late` would take the members to 1,100,000 yuan: refused, with the room left.
    audits = session.scalar(CHAIN_AUDITS)
    refused = manager("PUT", f"/{community}/memberships/{members['late']}/allocation", {"allocation_fen": 80 * WAN})
    assert refused.status_code == 422
    assert "超过共同体授信额度1,000,000.00元" in refused.json()["message"]
    assert "最多还可分配700,000.00元" in refused.json()["message"]
    session.expire_all()
    assert session.get(ChainMembership, members["late"]).allocation_fen == 40 * WAN  # type: ignore[union-attr]
    assert session.scalar(CHAIN_AUDITS) == audits
    # Nor can the line be lowered below what is allocated.
    lowered = manager("PUT", f"/{community}/line", {"line_fen": 60 * WAN})
    assert lowered.status_code == 422 and "不能低于已分配" in lowered.json()["message"]
    # The leader confirms 200,000 yuan the supplier `good` is owed: 70% of it, 140,000, raises its allocation.
    confirmed = leader("POST", f"/{community}/memberships/{members['good']}/receivables", {
        "document_no": "INV-2026-0088", "amount_fen": 20 * WAN, "trade_date": "2026-11-20",
        "due_date": "2027-02-20"})
    assert confirmed.status_code == 201, confirmed.text
    assert (confirmed.json()["uplift_fen"], confirmed.json()["allocation_fen"]) == (14 * WAN, 44 * WAN)
    # A second invoice of 400,000: 70% of 600,000 is 420,000, above the cap of 30% of the line (300,000).
    second = leader("POST", f"/{community}/memberships/{members['good']}/receivables", {
        "document_no": "INV-2026-0091", "amount_fen": 40 * WAN, "trade_date": "2026-11-21",
        "due_date": "2027-03-21"})
    assert second.json()["uplift_fen"] == 30 * WAN
    # The uplift counts against the line: `late` may now have at most 1,000,000 − 600,000 = 400,000 yuan.
    over = manager("PUT", f"/{community}/memberships/{members['late']}/allocation", {"allocation_fen": 41 * WAN})
    assert over.status_code == 422 and "最多还可分配400,000.00元" in over.json()["message"]
    # The confirmation is credit information on the supplier's file, with the leader as counterparty.
    item = creditdata_service.get_item(session, code="chain_trade")
    trades = creditdata_service.history(session, enterprise_id=world.good_enterprise, item=item)
    assert {(r.data["document_kind"], r.data["document_no"], r.data["direction"], r.data["amount"])
            for r in trades} == {("应收账款确权", "INV-2026-0088", "向核心企业供货", 20 * WAN),
                                 ("应收账款确权", "INV-2026-0091", "向核心企业供货", 40 * WAN)}
    assert all(r.data["counterparty_uscc"] == registry_service.get(session, enterprise_id=world.other_enterprise).uscc
               for r in trades)
    # Trades: the leader records an invoice with `good`, the distributor `late` an order of its own.
    invoice = leader("POST", f"/{community}/trades", {"membership_id": members["good"], "document_kind": "发票",
                                                      "document_no": "FP-001", "amount_fen": 5 * WAN,
                                                      "trade_date": "2026-11-10"})
    assert invoice.status_code == 201 and invoice.json()["data"]["direction"] == "向核心企业供货"
    order = Caller(client, "late")("POST", f"/{community}/trades", {"document_kind": "订单", "document_no": "DD-7",
                                                                    "amount_fen": 3 * WAN, "trade_date": "2026-11-11"})
    assert order.status_code == 201 and order.json()["data"]["direction"] == "从核心企业采购"
    assert order.json()["enterprise_id"] == world.late_enterprise
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("chains.%"))))
    assert actions == {"chains.community_created", "chains.membership_requested", "chains.membership_confirmed",
                       "chains.line_set", "chains.allocation_set", "chains.receivable_confirmed",
                       "chains.trade_recorded"}


def test_who_sees_a_community_and_who_may_act_on_it(client: TestClient, session: Session, world: World) -> None:
    community, members = _founded(client, session, world)
    _firm_user(session, world.unregistered_enterprise, "outsider")
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=world.bank_a, username="a.manager2", display_name="a.manager2", password=PASSWORD,
        roles=[Role.BANK_MANAGER]))
    session.commit()
    # Another bank and a firm that is not a member are told it does not exist, and list nothing.
    for username in ("b.manager", "outsider"):
        caller = Caller(client, username)
        assert caller("GET", f"/{community}").status_code == 404
        assert caller("GET", "").json() == []
    assert Caller(client, "b.manager")("PUT", f"/{community}/line", {"line_fen": WAN}).status_code == 404
    # A member sees the community and its own membership only, no alerts.
    seen = Caller(client, "late")("GET", f"/{community}").json()
    assert seen["viewer"] == "member" and [m["id"] for m in seen["members"]] == [members["late"]]
    assert seen["drawable_fen"] == 40 * WAN and seen["alerts"] == []
    # The leader and the lender see every member; another manager of the lender too.
    assert len(Caller(client, "other")("GET", f"/{community}").json()["members"]) == 2
    assert Caller(client, "a.manager2")("GET", "").json()[0]["id"] == community
    # Each may do only its own part.
    assert Caller(client, "good")("POST", f"/{community}/memberships/{members['late']}/decision",
                                  {"confirm": True}).status_code == 403
    assert Caller(client, "other")("PUT", f"/{community}/line", {"line_fen": WAN}).status_code == 403
    assert Caller(client, "a.officer")("PUT", f"/{community}/line", {"line_fen": WAN}).status_code == 403
    assert Caller(client, "good")("POST", f"/{community}/memberships/{members['good']}/receivables", {
        "document_no": "X1", "amount_fen": WAN, "trade_date": "2026-11-20", "due_date": "2027-01-20"}
    ).status_code == 403
    # The pages: the leader's and the lender's community page, the list in the navigation.
    client.cookies.clear()
    login(client, "a.manager")
    page = client.get(f"/chains/{community}")
    assert page.status_code == 200 and 'data-testid="members"' in page.text and 'data-testid="set-line"' in page.text
    assert 'href="/chains"' in client.get("/chains").text
    client.cookies.clear()
    login(client, "b.manager")
    assert client.get(f"/chains/{community}").status_code == 404


def test_bad_input_is_refused_in_words_and_stores_nothing(client: TestClient, session: Session,
                                                         world: World) -> None:
    community, members = _founded(client, session, world)
    leader, manager, good = Caller(client, "other"), Caller(client, "a.manager"), Caller(client, "good")
    before = session.scalar(CHAIN_AUDITS)
    cases = [
        (leader("POST", "", {"name": "担保公司授信？", "lender_organisation_id": world.guarantor_org}), 422,
         "须为银行"),
        (leader("POST", "", {"name": "无此银行", "lender_organisation_id": 999_999}), 422, "不存在"),
        (leader("POST", "", {"name": "", "lender_organisation_id": world.bank_a}), 422, None),
        (good("POST", f"/{community}/memberships", {"role": "upstream"}), 409, "已申请加入"),
        (leader("POST", f"/{community}/memberships", {"role": "upstream"}), 422, "核心企业本身"),
        (good("POST", f"/{community}/memberships", {"role": "sideways"}), 422, None),
        (good("POST", "/999999/memberships", {"role": "upstream"}), 404, None),
        (manager("PUT", f"/{community}/memberships/{members['good']}/allocation", {"allocation_fen": -1}), 422, None),
        (manager("PUT", f"/{community}/memberships/{members['good']}/allocation", {"allocation_fen": "100"}), 422,
         None),
        (manager("PUT", f"/{community}/memberships/999999/allocation", {"allocation_fen": 1}), 404, None),
        (leader("POST", f"/{community}/memberships/{members['late']}/receivables", {
            "document_no": "D1", "amount_fen": WAN, "trade_date": "2026-11-20", "due_date": "2027-01-20"}),
         422, "上游供应商"),
        (leader("POST", f"/{community}/memberships/{members['good']}/receivables", {
            "document_no": "D2", "amount_fen": WAN, "trade_date": "2026-11-20", "due_date": "2026-11-01"}),
         422, "到期日期"),
        (leader("POST", f"/{community}/memberships/{members['good']}/receivables", {
            "document_no": "D3", "amount_fen": 0, "trade_date": "2026-11-20", "due_date": "2027-01-20"}), 422, None),
        (leader("POST", f"/{community}/memberships/{members['good']}/receivables", {
            "document_no": "含空格 的编号", "amount_fen": WAN, "trade_date": "2026-11-20", "due_date": "2027-01-20"}),
         422, None),
        (leader("POST", f"/{community}/trades", {"document_kind": "发票", "document_no": "F1", "amount_fen": WAN,
                                                  "trade_date": "2026-11-20"}), 422, "交易对方"),
        (leader("POST", f"/{community}/trades", {"membership_id": members["good"], "document_kind": "发票",
                                                  "document_no": "F2", "amount_fen": WAN,
                                                  "trade_date": "2026-12-20"}), 422, "晚于今天"),
        (leader("POST", f"/{community}/trades", {"membership_id": members["good"], "document_kind": "合同",
                                                  "document_no": "F3", "amount_fen": WAN,
                                                  "trade_date": "2026-11-20"}), 422, None),
        (leader("POST", f"/{community}/memberships/{members['good']}/decision", {"confirm": True}), 409, "已处理"),
    ]
    for response, status, words in cases:
        assert response.status_code == status, response.text
        if words:
            assert words in response.json()["message"], response.text
    session.expire_all()
    assert session.scalar(CHAIN_AUDITS) == before
    assert session.get(ChainMembership, members["good"]).uplift_fen == 0  # type: ignore[union-attr]


def _line_of_good(session: Session, world: World) -> CreditLine:
    wire_events()
    good = world.principal(session, "good")
    order = orders_service.apply(session, principal=good, order_in=OrderCreate(
        product_id=world.product_a, amount_fen=50 * WAN, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="收购花椒", authorise=True))
    officer = world.principal(session, "a.officer")
    orders_service.accept(session, principal=officer, order=order)
    orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
        line_fen=50 * WAN, annual_rate=Decimal("0.0435"), term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
    orders_service.approve(session, principal=world.principal(session, "a.manager"), order=order,
                           decision_in=OrderApprove())
    session.commit()
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()
    return session.scalars(select(CreditLine).where(CreditLine.order_id == order.id)).one()


def _end_days(session: Session, fixed: clock.FixedClock, last: date) -> None:
    day = clock.today()
    while day <= last:
        fixed._at = datetime(day.year, day.month, day.day, 23, 0, tzinfo=BUSINESS_TZ)
        eod.run(session, business_date=day, actor=Actor.system("test"))
        day += timedelta(days=1)
    fixed._at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=BUSINESS_TZ)
    session.commit()
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()


def test_a_members_overdue_and_default_cut_what_the_community_may_draw_and_alert_leader_and_lender(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    community, members = _founded(client, session, world)
    leader_org = identity_service.get_enterprise_organisation(session, enterprise_id=world.other_enterprise)
    assert leader_org is not None
    line = _line_of_good(session, world)
    loans_service.draw(session, principal=world.principal(session, "good"), line_id=line.id,
                       idempotency_key="chain-draw-01", drawdown_in=DrawdownCreate(
                           amount_fen=10 * WAN, term_months=6, method=RepaymentMethod.EQUAL_INSTALLMENT))
    session.commit()
    manager = Caller(client, "a.manager")
    assert manager("GET", f"/{community}").json()["drawable_fen"] == 70 * WAN
    # The first installment falls due on 23 December unpaid: `good` is overdue from that day's end of day.
    _end_days(session, frozen_clock, date(2026, 12, 23))
    [alert] = session.scalars(select(ChainAlert)).all()
    assert (alert.kind, alert.membership_id, alert.business_date) == ("overdue", members["good"], date(2026, 12, 23))
    read = manager("GET", f"/{community}").json()
    # `good` draws nothing; `late` keeps 90% of its 400,000 yuan.
    assert (read["drawable_fen"], read["haircut_ppm"]) == (36 * WAN, 100_000)
    assert {m["id"]: (m["drawable_fen"], m["overdue"]) for m in read["members"]} == {
        members["good"]: (0, True), members["late"]: (36 * WAN, False)}
    told = session.scalars(select(Notification).where(Notification.subject.like("%成员逾期%"))).all()
    assert sorted(n.organisation_id for n in told) == sorted([leader_org.id, world.bank_a])
    assert "360,000.00元" in told[0].body
    # Ninety days past due the drawdown defaults: a 30% cut instead of 10%, and a second alert to both.
    _end_days(session, frozen_clock, date(2027, 3, 23))
    kinds = sorted(a.kind for a in session.scalars(select(ChainAlert)))
    assert kinds == ["default", "overdue"]
    read = manager("GET", f"/{community}").json()
    assert (read["drawable_fen"], read["haircut_ppm"]) == (28 * WAN, 300_000)
    defaulted = session.scalars(select(Notification).where(Notification.subject.like("%成员违约%"))).all()
    assert sorted(n.organisation_id for n in defaulted) == sorted([leader_org.id, world.bank_a])
    # The events delivered again alert no one twice.
    from xinyidai.chains import service as chains_service
    from xinyidai.loans.events import DrawdownDefaulted
    drawdown_id = alert.drawdown_id
    chains_service.on_drawdown_defaulted(session, DrawdownDefaulted(
        drawdown_id=drawdown_id, enterprise_id=world.good_enterprise, bank_organisation_id=world.bank_a,
        product_id=world.product_a, business_date=date(2027, 3, 23), days_past_due=90, outstanding_fen=1))
    assert session.scalar(select(func.count()).select_from(ChainAlert)) == 2
    # The leader's page shows the alerts; the member's shows none.
    client.cookies.clear()
    login(client, "other")
    page = client.get(f"/chains/{community}")
    assert page.status_code == 200 and 'data-testid="alerts"' in page.text and "成员违约" in page.text


def test_a_member_draws_on_a_chain_line_no_more_than_its_community_lets_it(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    from xinyidai.loans.exceptions import LoanRuleBroken
    from xinyidai.loans.models import Drawdown
    from xinyidai.products.models import Product

    _founded(client, session, world)
    line = _line_of_good(session, world)  # 500,000 yuan, above the 300,000 the community allocated to `good`
    good = world.principal(session, "good")

    def draw(amount_fen: int, key: str) -> None:
        loans_service.draw(session, principal=good, line_id=line.id, idempotency_key=key, drawdown_in=DrawdownCreate(
            amount_fen=amount_fen, term_months=6, method=RepaymentMethod.EQUAL_INSTALLMENT))
        session.commit()

    product = session.get(Product, world.product_a)
    assert product is not None
    product.kind = "chain"
    session.commit()
    with pytest.raises(LoanRuleBroken) as refused:
        draw(31 * WAN, "chain-room-01")
    session.rollback()
    assert "产业链信用共同体" in str(refused.value) and "300,000.00元" in str(refused.value)
    draw(20 * WAN, "chain-room-02")
    # What it owes on its chain lines at the lender comes off its share.
    with pytest.raises(LoanRuleBroken) as refused:
        draw(10 * WAN + 1, "chain-room-03")
    session.rollback()
    assert "100,000.00元" in str(refused.value)
    draw(10 * WAN, "chain-room-04")
    assert sorted(d.principal_fen for d in session.scalars(select(Drawdown))) == [10 * WAN, 20 * WAN]
    # The same line under any other kind of product is limited by its own limit alone.
    product.kind = "pure_credit"
    session.commit()
    draw(15 * WAN, "chain-room-05")


def test_trades_are_recorded_on_the_community_page_and_bad_input_is_named(
        client: TestClient, session: Session, world: World) -> None:
    community, members = _founded(client, session, world)
    item = creditdata_service.get_item(session, code="chain_trade")
    client.cookies.clear()
    login(client, "other")
    page = client.get(f"/chains/{community}")
    assert 'data-testid="record-trade"' in page.text and f'<option value="{members["good"]}">' in page.text
    token = page_csrf(client, f"/chains/{community}")
    form = {"membership_id": str(members["good"]), "document_kind": "invoice", "document_no": "FP-PAGE-1",
            "amount_yuan": "12,345.60", "trade_date": "2026-11-20", "csrf_token": token}
    for bad, words in (({"amount_yuan": "一万"}, "金额"), ({"document_kind": "合同"}, "单据类型"),
                       ({"document_no": " "}, "单据编号"), ({"trade_date": ""}, "交易日期")):
        refused = client.post(f"/chains/{community}/trades", data={**form, **bad})
        assert refused.status_code == 422 and words in refused.text, refused.text
    assert creditdata_service.history(session, enterprise_id=world.good_enterprise, item=item) == []
    done = client.post(f"/chains/{community}/trades", data=form, follow_redirects=False)
    assert done.status_code == 303
    [trade] = creditdata_service.history(session, enterprise_id=world.good_enterprise, item=item)
    assert (trade.data["document_no"], trade.data["amount"]) == ("FP-PAGE-1", 1_234_560)
    # A member records its own trade with the leader: no member to choose.
    client.cookies.clear()
    login(client, "late")
    page = client.get(f"/chains/{community}")
    assert 'data-testid="record-trade"' in page.text and 'name="membership_id"' not in page.text
