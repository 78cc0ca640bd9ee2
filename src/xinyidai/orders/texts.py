"""Text messages (短信) to the firm about its orders: each decision a bank or the firm's own acceptance makes queues
one message to the user who applied, sent after the commit by the SMS job. The portal message (站内消息) is written
by the decision itself; this is the second channel the firm hears on, subscribed to the decisions' domain events."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyidai.identity import service as identity_service
from xinyidai.orders.events import (
    DeferralDecided,
    OfferDeclined,
    OrderApproved,
    OrderOffered,
    OrderRejected,
    RenewalDecided,
)
from xinyidai.orders.models import FinancingOrder

DecisionEvent = OrderApproved | OrderRejected | OrderOffered | OfferDeclined | RenewalDecided | DeferralDecided
# Every decision that reaches the firm by text, in the order `main.wire_events` subscribes them.
DECISION_EVENTS: tuple[type[DecisionEvent], ...] = (
    OrderApproved, OrderRejected, OrderOffered, OfferDeclined, RenewalDecided, DeferralDecided)


def message_for(event: DecisionEvent) -> tuple[str, dict[str, str]]:
    """The SMS template and its values that tell the firm of `event`."""
    if isinstance(event, RenewalDecided):
        return "renewal_decided", {"order_no": event.order_no, "decision": "已批准" if event.approved else "未获批准"}
    if isinstance(event, DeferralDecided):
        return "deferral_decided", {"order_no": event.order_no,
                                    "decision": "已批准" if event.approved else "未获批准"}
    if isinstance(event, OfferDeclined):
        return "order_withdrawn", {"order_no": event.order_no, "reason": "（已接受其他银行的方案）"}
    decision = {OrderApproved: "已批准", OrderOffered: "银行已批准，请登录确认是否接受",
                OrderRejected: "未获批准"}[type(event)]
    return "order_decided", {"order_no": event.order_no, "decision": decision}


def text_applicant(session: Session, event: DecisionEvent) -> None:
    """Queue the text telling the order's applicant of a decision (an order relayed from another node has no
    applicant here: its own node tells the firm)."""
    order = session.get(FinancingOrder, event.order_id)
    if order is None or order.applicant_user_id is None:
        return
    if isinstance(event, OrderApproved) and order.need_id is not None:
        return  # the firm accepted this offer itself; it was told of the offer (OrderOffered)
    template_code, params = message_for(event)
    identity_service.send_sms(session, user_id=order.applicant_user_id, template_code=template_code, params=params)
