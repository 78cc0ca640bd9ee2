"""One bank service across the network, with two real nodes over HTTP: the provincial node 500000, where the bank
is connected, and the local node 500108, where the firm is.

The bank's product reaches the local node as a network product (its bank an organisation with no user there); the
firm files an order for it there with its authorisation; pushed at once after the commit, the order is in the bank's
workbench at the province with the firm's authorisation, so the bank may read the firm's information there; the
bank accepts and approves; the outcome comes back down and the firm sees it on its order; nothing twice."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, uscc
from tests.integration.network.nodes import NodeProcess, free_port, node_database, seed
from xinyidai import db
from xinyidai.audit.actor import Actor
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.network import banking, policy, service
from xinyidai.network.banking_policy import ORDER_TOPIC, OUTCOME_TOPIC, PRODUCT_TOPIC
from xinyidai.network.models import NetworkFlowRule
from xinyidai.network.policy import Role as NodeRole
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder, OrderEvent
from xinyidai.orders.policy import OrderStatus
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.products.schemas import ProductCreate
from xinyidai.registry import service as registry_service

FIRM = uscc("MA0000001")
BANK_USCC = uscc("MA0000009")


def _user(session: Session, organisation_id: int, username: str, roles: list[Role]) -> Principal:
    user = identity_service.create_user(session, user_in=UserCreate(
        organisation_id=organisation_id, username=username, display_name=username, password=PASSWORD, roles=roles))
    return identity_service.principal_for_user(user)


def _principal(node: NodeProcess, session: Session, username: str) -> Principal:
    users = [u for u in identity_service.list_users(session) if u.username == username]
    return identity_service.principal_for_user(users[0])


@pytest.fixture
def network(tmp_path: Path) -> Iterator[tuple[NodeProcess, NodeProcess]]:
    """The province with a bank and its product, the local node with the firm and its administrator."""
    province = NodeProcess("500000", NodeRole.PROVINCIAL, tmp_path / "province", free_port())
    local = NodeProcess("500108", NodeRole.LOCAL, tmp_path / "local", free_port(), parent=province)
    for node in (province, local):
        node.workdir.mkdir()
    seed(province, [(FIRM, "19800101")])
    seed(local, [(FIRM, "19800101")])
    with db.transaction(province.database.session_factory) as session:
        bank = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="重庆省甲银行", kind=OrgKind.BANK, uscc=BANK_USCC))
        _user(session, bank.id, "p.officer", [Role.BANK_LOAN_OFFICER])
        manager = _user(session, bank.id, "p.manager", [Role.BANK_MANAGER])
        product = products_service.create(session, principal=manager, product_in=ProductCreate(
            code="SHENGXINDAI", name="省信贷", min_rate=Decimal("0.035"), max_rate=Decimal("0.08"),
            guarantee_fee_rate=Decimal("0.01"), min_amount_fen=1_000_000, max_line_fen=100_000_000,
            repayment_methods=list(RepaymentMethod), term_options=[6, 12, 24]))
        products_service.publish(session, principal=manager, product_id=product.id)
        service.set_member(session, actor=Actor.system("test"), node=province.node(), code=local.code,
                           role=NodeRole.LOCAL, name="南岸区", endpoint=local.endpoint,
                           public_key=policy.public_key_b64(policy.load_private_key(local.key_path.read_bytes())))
        service.publish_directory(session, node=province.node(), actor=Actor.system("test"))
    with db.transaction(local.database.session_factory) as session:
        enterprise = registry_service.get_by_uscc(session, uscc=FIRM)
        assert enterprise is not None
        organisation = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=enterprise.name, kind=OrgKind.ENTERPRISE, uscc=enterprise.uscc, enterprise_id=enterprise.id))
        _user(session, organisation.id, "firm", [Role.ENTERPRISE_ADMIN])
    for node in (province, local):
        node.start()
    try:
        yield province, local
    finally:
        for node in (province, local):
            node.stop()
            node.database.engine.dispose()
            node_database(node.code, node.workdir, create=False)


def _count(node: NodeProcess, model: type[FinancingOrder] | type[OrderEvent]) -> int:
    with db.transaction(node.database.session_factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_an_order_filed_at_the_local_node_reaches_the_bank_at_the_province_and_its_outcome_comes_back(
        network: tuple[NodeProcess, NodeProcess]) -> None:
    province, local = network
    with db.transaction(province.database.session_factory) as session:
        rules = {(r.topic, r.direction): r.allowed for r in session.scalars(select(NetworkFlowRule))}
        assert rules[(PRODUCT_TOPIC, "down")] and rules[(ORDER_TOPIC, "up")] and rules[(OUTCOME_TOPIC, "down")]
        assert not rules[(ORDER_TOPIC, "down")] and not rules[(PRODUCT_TOPIC, "up")]

    # Down: the bank's product reaches the local node, served by the bank at the province (pushed at once, as the
    # commit that published it would have the province do; the local node's sync then finds nothing new).
    local.sync()  # the local node fetches the province's directory first (it trusts it from then on)
    pushed = banking.relay(province.database.session_factory, node=province.node())
    assert [(p.topic, p.entries, p.error) for p in pushed if p.topic == PRODUCT_TOPIC] == [(PRODUCT_TOPIC, 1, None)]
    local.sync()
    with db.transaction(local.database.session_factory) as session:
        products = [p for p in products_service.list_published(session) if p.code == "SHENGXINDAI"]
        assert len(products) == 1 and products[0].served_by_node == province.code
        product_id = products[0].id
        bank_here = identity_service.get_organisation(session, organisation_id=products[0].bank_organisation_id)
        assert bank_here.kind == OrgKind.BANK and bank_here.uscc == BANK_USCC

        # The firm files its order there, authorising the bank (the authorisation names it).
        firm = _principal(local, session, "firm")
        order = orders_service.apply(session, principal=firm, order_in=OrderCreate(
            product_id=product_id, amount_fen=50_000_000, term_months=12,
            repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
        order_no, local_order_id = order.order_no, order.id

    # At once: the commit's relay pushes it up (here called as the job would).
    pushed = banking.relay(local.database.session_factory, node=local.node())
    assert any(p.topic == ORDER_TOPIC and p.entries == 1 and p.error is None for p in pushed), pushed
    with db.transaction(province.database.session_factory) as session:
        officer = _principal(province, session, "p.officer")
        workbench = orders_service.list_for(session, principal=officer)
        assert [o.order_no for o in workbench] == [order_no]
        relayed = workbench[0]
        assert relayed.origin_node == local.code and relayed.applicant_user_id is None
        assert relayed.status == OrderStatus.SUBMITTED and relayed.amount_fen == 50_000_000
        # The firm's authorisation came with it: the bank may read the firm's information here, as for any order.
        decision = consent_service.decide(session, enterprise_id=relayed.enterprise_id,
                                          recipient_organisation_id=officer.organisation_id,
                                          purpose=consent_service.Purpose.FINANCING_APPLICATION,
                                          purpose_ref=order_no)
        assert decision.allowed
        exposure = orders_service.exposure_for(session, principal=officer, order=relayed)
        assert exposure.refusal is None

        # The bank accepts, proposes and approves at the province.
        orders_service.accept(session, principal=officer, order=relayed)
        orders_service.propose(session, principal=officer, order=relayed, proposal_in=OrderPropose(
            line_fen=40_000_000, annual_rate=Decimal("0.045"), term_months=12,
            repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, note="内部建议"))
        manager = _principal(province, session, "p.manager")
        orders_service.approve(session, principal=manager, order=relayed, decision_in=OrderApprove())

    # Back down by the scheduled sync (the safety net: the province captures, the local node pulls): the firm sees
    # the acceptance and the approval, not the bank's internal proposal.
    province.sync()
    local.sync()
    with db.transaction(local.database.session_factory) as session:
        firm = _principal(local, session, "firm")
        mine = orders_service.to_read(session, orders_service.get_for(session, principal=firm,
                                                                      order_id=local_order_id))
        assert mine.status == OrderStatus.APPROVED
        assert mine.approved_line_fen == 40_000_000 and mine.approved_rate == Decimal("0.045")
        steps = [(e.to_status, e.note) for e in mine.timeline]
        assert [s for s, _ in steps] == [OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.APPROVED]
        assert "银行已批准" in (steps[-1][1] or "") and all("内部建议" not in (n or "") for _, n in steps)

    # Nothing twice: more syncs and pushes both ways change nothing.
    counts = (_count(province, FinancingOrder), _count(local, OrderEvent), _count(province, OrderEvent))
    for _ in range(2):
        province.sync()
        local.sync()
        banking.relay(local.database.session_factory, node=local.node())
        banking.relay(province.database.session_factory, node=province.node())
    assert (_count(province, FinancingOrder), _count(local, OrderEvent), _count(province, OrderEvent)) == counts

    # The bank never has an account at the local node.
    with db.transaction(local.database.session_factory) as session:
        banks = {o.id for o in identity_service.list_organisations(session, kind=OrgKind.BANK)}
        assert banks and not [u for u in identity_service.list_users(session) if u.organisation_id in banks]
        assert service.verify_log(session) is None
    with db.transaction(province.database.session_factory) as session:
        assert service.verify_log(session) is None


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _session(node: NodeProcess, username: str) -> tuple[httpx.Client, dict[str, str]]:
    """A user logged in at a node over HTTP, and the CSRF header its API writes carry."""
    http = httpx.Client(base_url=node.endpoint, timeout=30)
    match = CSRF.search(http.get("/login").text)
    assert match
    answer = http.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": match.group(1)})
    assert answer.status_code in (200, 303), answer.text
    match = CSRF.search(http.get("/account").text)
    assert match
    return http, {"X-CSRF-Token": match.group(1)}


def _eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_within_seconds_the_node_s_own_commit_pushes_the_order_up_and_the_decision_down(
        network: tuple[NodeProcess, NodeProcess]) -> None:
    province, local = network
    local.sync()
    banking.relay(province.database.session_factory, node=province.node())  # the product, as in the test above
    with db.transaction(local.database.session_factory) as session:
        product_id = next(p.id for p in products_service.list_published(session) if p.code == "SHENGXINDAI")

    # The firm files over the local node's API: its commit pushes the order up, no sync runs.
    firm, headers = _session(local, "firm")
    filed = firm.post("/api/v1/orders", headers=headers, json={
        "product_id": product_id, "amount_fen": 30_000_000, "term_months": 12,
        "repayment_method": "equal_installment", "purpose": "扩大经营", "authorise": True})
    assert filed.status_code == 201, filed.text
    order_no, local_id = filed.json()["order_no"], filed.json()["id"]

    def at_province() -> int | None:
        with db.transaction(province.database.session_factory) as session:
            order = orders_service.get_by_number(session, order_no=order_no)
            return order.id if order is not None else None

    assert _eventually(lambda: at_province() is not None)
    province_id = at_province()

    # The bank works it over the province's API (its one API); each commit pushes the outcome down at once.
    officer, officer_headers = _session(province, "p.officer")
    listed = officer.get("/api/v1/orders", headers=officer_headers)
    assert [(o["order_no"], o["origin_node"]) for o in listed.json()] == [(order_no, local.code)]
    assert officer.post(f"/api/v1/orders/{province_id}/accept", headers=officer_headers).status_code == 200
    assert officer.post(f"/api/v1/orders/{province_id}/reject", headers=officer_headers,
                        json={"reason": "近六个月经营流水不足以覆盖还款"}).status_code == 200

    def firm_sees() -> dict[str, Any]:
        answer = firm.get(f"/api/v1/orders/{local_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    assert _eventually(lambda: firm_sees()["status"] == "rejected")
    seen = firm_sees()
    assert seen["rejection_reason"] == "近六个月经营流水不足以覆盖还款"
    assert [e["to_status"] for e in seen["timeline"]] == ["submitted", "accepted", "rejected"]
    page = firm.get(f"/orders/{local_id}")
    assert page.status_code == 200 and "近六个月经营流水不足以覆盖还款" in page.text
