"""The pure rules of the bank service across the network: what travels of a product, an order and the bank's
handling, and what the firm sees of it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from xinyidai.network import banking_policy as rules
from xinyidai.network import policy
from xinyidai.network.policy import Direction
from xinyidai.orders.policy import OrderStatus

AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
GRANT = {"recipient_ref": 7, "purpose": "financing_application", "purpose_ref": "XYD2026120500000001",
         "categories": ["C01", "C02"], "data_from": None, "data_to": "2026-12-31",
         "valid_from": AT.isoformat(), "expires_at": datetime(2027, 3, 5, tzinfo=UTC).isoformat(),
         "granted_at": AT.isoformat(), "mode": "periodic"}


def _order(**changes: Any) -> dict[str, Any]:
    payload = rules.order_payload(
        order_no="XYD2026120500000001", origin="500108", to="500000", product_code="SHENGXINDAI",
        uscc="91500108MA00000019", amount_fen=50_000_000, term_months=12, repayment_method="equal_installment",
        purpose="采购原材料", estimate={"score": 700}, submitted_at=AT, grant=GRANT)
    payload.update(changes)
    return payload


@pytest.mark.parametrize(("bank", "firm"), [
    ("submitted", OrderStatus.SUBMITTED), ("accepted", OrderStatus.ACCEPTED), ("proposed", OrderStatus.ACCEPTED),
    ("committee", OrderStatus.ACCEPTED), ("approved", OrderStatus.APPROVED), ("rejected", OrderStatus.REJECTED),
    ("withdrawn", OrderStatus.WITHDRAWN)])
def test_the_firm_sees_the_bank_s_statuses_without_its_internal_steps(bank: str, firm: OrderStatus) -> None:
    assert rules.firm_status(bank) is firm


def test_an_unknown_status_is_a_bad_payload() -> None:
    with pytest.raises(rules.BadPayload):
        rules.firm_status("lent")


def test_a_product_travels_with_its_bank_and_terms_from_the_node_that_serves_it() -> None:
    payload = rules.product_payload(code="SHENGXINDAI", node="500000", bank_ref=7, bank_name="省甲银行",
                                    bank_uscc=None, terms={"name": "省信贷"}, published=True)
    relayed = rules.product_of(payload, sender="500000")
    assert (relayed.code, relayed.served_by_node, relayed.bank_ref, relayed.published) == (
        "SHENGXINDAI", "500000", 7, True)
    assert payload["path"] == ["500000"]  # it never goes back up
    with pytest.raises(rules.BadPayload):
        rules.product_of(payload, sender="500100")  # a node relays no other node's bank
    with pytest.raises(rules.BadPayload):
        rules.product_of({**payload, "bank": None}, sender="500000")


def test_an_order_travels_only_with_an_authorisation_naming_the_bank_for_this_application() -> None:
    relayed = rules.order_of(_order(), sender="500108")
    assert relayed.grant.recipient_ref == 7 and relayed.grant.data_to == date(2026, 12, 31)
    assert relayed.amount_fen == 50_000_000 and relayed.submitted_at == AT
    assert rules.grant_names(GRANT, recipient_ref=7, order_no="XYD2026120500000001")
    assert not rules.grant_names(GRANT, recipient_ref=8, order_no="XYD2026120500000001")
    assert not rules.grant_names(GRANT, recipient_ref=None, order_no="XYD2026120500000001")
    assert not rules.grant_names(GRANT, recipient_ref=7, order_no="XYD2026120500000002")
    for bad in ({**GRANT, "recipient_ref": "7"}, {**GRANT, "purpose_ref": "other"}, {**GRANT, "categories": []},
                {**GRANT, "valid_from": "2026-12-05T09:30:00"}, {**GRANT, "purpose": "model_run"}):
        with pytest.raises(rules.BadPayload):
            rules.order_of(_order(grant=bad), sender="500108")
    with pytest.raises(rules.BadPayload):
        rules.order_of(_order(), sender="500101")  # it comes from the node it was filed at
    with pytest.raises(rules.BadPayload):
        rules.order_of(_order(amount_fen="5"), sender="500108")
    with pytest.raises(rules.BadPayload):
        rules.order_of(_order(purpose="x" * 3000), sender="500108")


def _event(status: str, **order: Any) -> dict[str, Any]:
    return rules.event_payload(key="event/9", to="500108", node="500000", order_no="XYD2026120500000001",
                               status=status, note="内部说明", occurred_at=AT, order=order)


def test_an_approval_comes_back_with_its_terms_and_a_timeline_entry() -> None:
    outcome = rules.outcome_of(_event("approved", approved_line_fen=40_000_000, approved_rate="0.045",
                                      approved_term_months=12, approved_repayment_method="equal_installment",
                                      decided_at=AT.isoformat()), current=OrderStatus.ACCEPTED)
    assert outcome is not None and outcome.status is OrderStatus.APPROVED
    assert (outcome.approved_line_fen, outcome.approved_rate, outcome.decided_at) == (40_000_000, Decimal("0.045"), AT)
    assert outcome.note == "银行已批准：额度 400,000.00 元，年利率 4.50%，期限 12 个月"


def test_a_rejection_comes_back_with_its_reason_and_internal_steps_do_not() -> None:
    rejected = rules.outcome_of(_event("rejected", rejection_reason="经营流水不足"), current=OrderStatus.ACCEPTED)
    assert rejected is not None and rejected.status is OrderStatus.REJECTED
    assert rejected.rejection_reason == rejected.note == "经营流水不足"
    accepted = rules.outcome_of(_event("accepted"), current=OrderStatus.SUBMITTED)
    assert accepted is not None and accepted.status is OrderStatus.ACCEPTED and accepted.note == "银行已受理"
    # The officer's proposal, the committee and a return to the officer: the firm's order is already accepted.
    for step in ("proposed", "committee", "accepted"):
        assert rules.outcome_of(_event(step), current=OrderStatus.ACCEPTED) is None
    with pytest.raises(rules.BadPayload):
        rules.outcome_of(_event("approved", approved_line_fen=1, approved_rate="2", approved_term_months=12,
                                approved_repayment_method="x"), current=OrderStatus.ACCEPTED)


def test_a_drawdown_comes_back_as_a_timeline_entry_of_the_approved_order() -> None:
    payload = rules.drawn_payload(key="drawdown/3", to="500108", node="500000", order_no="XYD2026120500000001",
                                  amount_fen=10_000_000, value_date=date(2026, 12, 8), occurred_at=AT)
    outcome = rules.outcome_of(payload, current=OrderStatus.APPROVED)
    assert outcome is not None and outcome.status is OrderStatus.APPROVED
    assert outcome.note == "银行已放款 100,000.00 元（起息日 2026-12-08）"


def test_the_bank_topics_flow_one_way_each() -> None:
    table = [policy.FlowRule(topic, way, item, allowed) for topic, way, item, allowed, _ in rules.BANK_RULES]
    assert policy.may_flow(table, topic=rules.PRODUCT_TOPIC, way=Direction.DOWN)
    assert policy.may_flow(table, topic=rules.ORDER_TOPIC, way=Direction.UP)
    assert policy.may_flow(table, topic=rules.OUTCOME_TOPIC, way=Direction.DOWN)
    assert not policy.may_flow(table, topic=rules.PRODUCT_TOPIC, way=Direction.UP)
    assert not policy.may_flow(table, topic=rules.ORDER_TOPIC, way=Direction.DOWN)
    assert not policy.may_flow(table, topic=rules.OUTCOME_TOPIC, way=Direction.UP)
