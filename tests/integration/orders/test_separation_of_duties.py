"""审贷分离 (maker-checker): the loan officer proposes, a manager approves or returns, a committee of two managers
above the product's threshold, never the same person twice; every step audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login, page_csrf
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import Role
from xinyidai.events import DomainEventRecord
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import UserCreate
from xinyidai.orders import service as orders_service
from xinyidai.orders.exceptions import DutyRefused, IllegalOrderTransition
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose, OrderReturn
from xinyidai.products.enums import RepaymentMethod
from xinyidai.products.models import Product

PROPOSAL = OrderPropose(line_fen=30_000_000, annual_rate=Decimal("0.0435"), term_months=12,
                        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, note="流水稳定，建议按预估额度")


def _accepted(session: Session, world: World, *, amount_fen: int = 30_000_000) -> FinancingOrder:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=amount_fen, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="补充流动资金", authorise=True))
    orders_service.accept(session, principal=world.principal(session, "a.officer"), order=order)
    return order


def _user(session: Session, world: World, username: str, roles: list[Role]) -> None:
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=world.bank_a, username=username, display_name=username, password=PASSWORD, roles=roles))


def _approvals_published(session: Session, order: FinancingOrder) -> int:
    return sum(1 for r in session.scalars(select(DomainEventRecord).where(DomainEventRecord.name == "orders.approved"))
               if r.payload["order_id"] == order.id)


def test_the_officer_cannot_approve_alone_the_manager_approves_the_proposal(session: Session, world: World) -> None:
    order = _accepted(session, world)
    officer, manager = world.principal(session, "a.officer"), world.principal(session, "a.manager")
    # An accepted order has nothing to approve yet: the officer's proposal comes first.
    with pytest.raises(IllegalOrderTransition, match="“银行已受理”，不能变更为“已批准”"):
        orders_service.approve(session, principal=officer, order=order, decision_in=OrderApprove())
    with pytest.raises(DutyRefused, match="只有客户经理可以提出审批建议"):
        orders_service.propose(session, principal=manager, order=order, proposal_in=PROPOSAL)
    orders_service.propose(session, principal=officer, order=order, proposal_in=PROPOSAL)
    assert order.status == "proposed" and order.approved_line_fen is None
    with pytest.raises(DutyRefused, match="只有信贷主管可以审批"):
        orders_service.approve(session, principal=officer, order=order, decision_in=OrderApprove())
    orders_service.approve(session, principal=manager, order=order, decision_in=OrderApprove(note="同意"))
    assert order.status == "approved" and order.approved_line_fen == 30_000_000
    assert order.approved_rate == Decimal("0.0435") and order.handled_by_user_id == manager.user_id
    assert _approvals_published(session, order) == 1
    session.flush()
    steps = session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type == "financing_order", AuditEntry.subject_id == str(order.id)
    ).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_user_id) for e in steps[-2:]] == [
        ("orders.proposed", officer.user_id), ("orders.approved", manager.user_id)]
    assert steps[-2].detail["line_fen"] == 30_000_000


def test_nobody_approves_what_they_proposed_even_with_both_roles(session: Session, world: World) -> None:
    _user(session, world, "a.both", [Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER])
    both = world.principal(session, "a.both")
    order = _accepted(session, world)
    orders_service.propose(session, principal=both, order=order, proposal_in=PROPOSAL)
    with pytest.raises(DutyRefused, match="审贷分离：提出审批建议的人不能审批同一笔业务"):
        orders_service.approve(session, principal=both, order=order, decision_in=OrderApprove())
    assert order.status == "proposed"
    assert orders_service.allowed_actions(principal=both, order=order) == frozenset()


def test_a_manager_returns_the_proposal_with_a_reason_and_the_officer_proposes_again(
        session: Session, world: World) -> None:
    order = _accepted(session, world)
    officer, manager = world.principal(session, "a.officer"), world.principal(session, "a.manager")
    orders_service.propose(session, principal=officer, order=order, proposal_in=PROPOSAL)
    with pytest.raises(Exception, match="退回必须填写原因"):
        orders_service.return_proposal(session, principal=manager, order=order, return_in=OrderReturn(reason="不"))
    orders_service.return_proposal(session, principal=manager, order=order,
                                   return_in=OrderReturn(reason="请补充近三个月银行流水"))
    assert order.status == "accepted" and order.return_reason == "请补充近三个月银行流水"
    assert session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject_id == str(order.id), AuditEntry.action == "orders.returned")).all()
    orders_service.propose(session, principal=officer, order=order,
                           proposal_in=PROPOSAL.model_copy(update={"line_fen": 20_000_000}))
    orders_service.approve(session, principal=manager, order=order, decision_in=OrderApprove())
    assert order.status == "approved" and order.approved_line_fen == 20_000_000
    assert [e.to_status for e in order.events] == ["submitted", "accepted", "proposed", "accepted", "proposed",
                                                    "approved"]


def test_above_the_products_threshold_two_distinct_managers_approve(session: Session, world: World) -> None:
    product = session.get(Product, world.product_a)
    assert product is not None
    product.committee_threshold_fen = 25_000_000
    _user(session, world, "a.manager2", [Role.BANK_MANAGER])
    order = _accepted(session, world)
    officer, first, second = (world.principal(session, u) for u in ("a.officer", "a.manager", "a.manager2"))
    orders_service.propose(session, principal=officer, order=order, proposal_in=PROPOSAL)
    assert orders_service.to_read(session, order).proposal.needs_committee  # type: ignore[union-attr]
    orders_service.approve(session, principal=first, order=order, decision_in=OrderApprove())
    assert order.status == "committee" and order.approved_line_fen is None
    assert _approvals_published(session, order) == 0  # no line is opened on one signature
    with pytest.raises(DutyRefused, match="两位不同的信贷主管"):
        orders_service.approve(session, principal=first, order=order, decision_in=OrderApprove())
    orders_service.approve(session, principal=second, order=order, decision_in=OrderApprove())
    assert order.status == "approved" and order.approved_line_fen == 30_000_000
    assert _approvals_published(session, order) == 1
    # At or below the threshold one manager suffices.
    small = _accepted(session, world, amount_fen=25_000_000)
    orders_service.propose(session, principal=officer, order=small,
                           proposal_in=PROPOSAL.model_copy(update={"line_fen": 25_000_000}))
    orders_service.approve(session, principal=first, order=small, decision_in=OrderApprove())
    assert small.status == "approved"


def test_the_workbench_offers_each_person_their_own_step(client: TestClient, session: Session, world: World) -> None:
    order = _accepted(session, world)
    session.commit()
    login(client, "a.officer")
    page = client.get(f"/orders/{order.id}").text
    assert 'data-testid="propose-form"' in page and 'data-testid="approve-form"' not in page
    token = page_csrf(client, f"/orders/{order.id}")
    refused = client.post(f"/orders/{order.id}/approve", data={"csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 403
    proposed = client.post(f"/orders/{order.id}/propose", follow_redirects=False, data={
        "csrf_token": token, "line": "300000", "annual_rate": "4.35", "term_months": "12",
        "repayment_method": "equal_installment", "note": ""})
    assert proposed.status_code == 303, proposed.text
    page = client.get(f"/orders/{order.id}").text
    assert 'data-testid="approve-form"' not in page and 'data-testid="awaiting-approval"' in page
    client.cookies.clear()
    login(client, "a.manager")
    page = client.get(f"/orders/{order.id}").text
    assert 'data-testid="approve-form"' in page and 'data-testid="return-form"' in page
    assert 'data-testid="propose-form"' not in page and "300,000.00" in page
    token = page_csrf(client, f"/orders/{order.id}")
    approved = client.post(f"/orders/{order.id}/approve", data={"csrf_token": token, "note": "同意"},
                           follow_redirects=False)
    assert approved.status_code == 303, approved.text
    session.expire_all()
    assert session.get(FinancingOrder, order.id).status == "approved"  # type: ignore[union-attr]
