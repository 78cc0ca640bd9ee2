"""Every decision on an order reaches the firm by text message too: one message to the user who applied, with the
decision in words; none for an order relayed from another node (its own node tells the firm)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World
from tests.integration.orders.test_orders import _apply
from xinyidai import events, main
from xinyidai.identity.notifications import sms
from xinyidai.identity.notifications.models import SmsMessage
from xinyidai.orders import texts
from xinyidai.orders.events import DeferralDecided, OfferDeclined, OrderApproved, OrderOffered, OrderRejected
from xinyidai.orders.models import FinancingOrder


@pytest.fixture
def phones() -> Iterator[None]:
    sms.use_phone_book(lambda session, user_id: "13800138000")
    yield
    sms.use_phone_book(None)


def _texts(session: Session) -> list[tuple[int, str, dict[str, str]]]:
    return [(m.user_id, m.template_code, dict(m.params))
            for m in session.scalars(select(SmsMessage).order_by(SmsMessage.id))]


def _ids(order: FinancingOrder) -> dict[str, object]:
    return {"order_id": order.id, "order_no": order.order_no, "enterprise_id": order.enterprise_id,
            "bank_organisation_id": order.bank_organisation_id}


def test_each_decision_is_texted_to_the_applicant_in_words(session: Session, world: World, phones: None) -> None:
    order = _apply(session, world)
    applicant = order.applicant_user_id
    assert applicant is not None
    texts.text_applicant(session, OrderRejected(**_ids(order), reason="经营年限不足"))  # type: ignore[arg-type]
    texts.text_applicant(session, OrderOffered(**_ids(order), need_id=1, line_fen=100_000,  # type: ignore[arg-type]
                                               annual_rate=Decimal("0.04")))
    texts.text_applicant(session, OfferDeclined(**_ids(order), need_id=1,  # type: ignore[arg-type]
                                                accepted_order_id=order.id + 1))
    texts.text_applicant(session, DeferralDecided(**_ids(order), drawdown_id=1,  # type: ignore[arg-type]
                                                  approved=True, new_maturity_date=order.deadline_date))
    no = order.order_no
    assert _texts(session) == [
        (applicant, "order_decided", {"order_no": no, "decision": "未获批准"}),
        (applicant, "order_decided", {"order_no": no, "decision": "银行已批准，请登录确认是否接受"}),
        (applicant, "order_withdrawn", {"order_no": no, "reason": "（已接受其他银行的方案）"}),
        (applicant, "deferral_decided", {"order_no": no, "decision": "已批准"}),
    ]
    assert all(m.status == "pending" and m.phone_masked for m in session.scalars(select(SmsMessage)))


def test_an_approval_is_texted_and_a_relayed_order_is_left_to_its_own_node(
    session: Session, world: World, phones: None
) -> None:
    order = _apply(session, world)
    approved = OrderApproved(**_ids(order), product_id=order.product_id, line_fen=100_000,  # type: ignore[arg-type]
                             annual_rate=Decimal("0.04"), term_months=12, repayment_method="equal_installment")
    texts.text_applicant(session, approved)
    assert [t[1:] for t in _texts(session)] == [("order_decided", {"order_no": order.order_no, "decision": "已批准"})]
    order.applicant_user_id = None  # as an order relayed from the node it was filed at
    session.flush()
    texts.text_applicant(session, approved)
    assert len(_texts(session)) == 1


def test_the_application_subscribes_every_decision() -> None:
    main.wire_events()
    for decision in texts.DECISION_EVENTS:
        assert texts.text_applicant in events._handlers[decision.name]
