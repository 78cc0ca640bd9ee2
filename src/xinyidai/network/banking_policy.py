"""Rules of the bank service across the platform network (统一银行服务) with no I/O: its topics and their flow
rules, what travels of a product, an order with the firm's authorisation, and the bank's handling, and which
status and timeline entry the firm sees at its node for what the bank did at its own.

A bank connects once, at the provincial node. Its products go down to the local nodes as network products; an
order filed at a local node for one goes up with the firm's authorisation naming that bank (so it may travel); the
bank's acceptance, decision and loans go back down to the node the order came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from xinyidai.money import format_yuan
from xinyidai.network.policy import ANY_ITEM, Direction
from xinyidai.orders.policy import OrderStatus, Outcome

PRODUCT_TOPIC = "products.product"
ORDER_TOPIC = "orders.order"
OUTCOME_TOPIC = "orders.outcome"
BANK_TOPICS = (PRODUCT_TOPIC, ORDER_TOPIC, OUTCOME_TOPIC)
BANK_TOPIC_LABELS = {PRODUCT_TOPIC: "网络金融产品", ORDER_TOPIC: "网络融资申请", OUTCOME_TOPIC: "银行处理结果"}

BANK_RULES = (
    (PRODUCT_TOPIC, Direction.DOWN, ANY_ITEM, True, "本节点银行的产品下达为全网产品"),
    (PRODUCT_TOPIC, Direction.UP, ANY_ITEM, False, "产品不上传"),
    (ORDER_TOPIC, Direction.UP, ANY_ITEM, True, "网络产品的融资申请上传到银行所在节点（仅当企业授权指名该银行）"),
    (ORDER_TOPIC, Direction.DOWN, ANY_ITEM, False, "融资申请不下达"),
    (OUTCOME_TOPIC, Direction.DOWN, ANY_ITEM, True, "银行的受理、审批结果和放款情况下达到申请提交节点"),
    (OUTCOME_TOPIC, Direction.UP, ANY_ITEM, False, "处理结果不上传"),
)

# What the firm sees of the bank's states: the officer's proposal and the committee are the bank's own business.
FIRM_STATUS = {
    OrderStatus.SUBMITTED: OrderStatus.SUBMITTED,
    OrderStatus.ACCEPTED: OrderStatus.ACCEPTED,
    OrderStatus.PROPOSED: OrderStatus.ACCEPTED,
    OrderStatus.COMMITTEE: OrderStatus.ACCEPTED,
    OrderStatus.APPROVED: OrderStatus.APPROVED,
    OrderStatus.REJECTED: OrderStatus.REJECTED,
    OrderStatus.WITHDRAWN: OrderStatus.WITHDRAWN,
    OrderStatus.OFFERED: OrderStatus.OFFERED,
    OrderStatus.DECLINED: OrderStatus.DECLINED,
}
DRAWN = "drawn"
MAX_TEXT = 2000


class BadPayload(ValueError):
    """An entry of a bank topic that is not what its topic carries."""


def firm_status(bank_status: str) -> OrderStatus:
    """The status the firm sees for the bank's status of its order."""
    try:
        return FIRM_STATUS[OrderStatus(bank_status)]
    except ValueError as exc:
        raise BadPayload(f"unknown order status {bank_status!r}") from exc


# Products ------------------------------------------------------------------------------------------------------------


def product_payload(*, code: str, node: str, bank_ref: int, bank_name: str, bank_uscc: str | None,
                    terms: Mapping[str, Any], published: bool) -> dict[str, Any]:
    """A product of one of this node's banks as it goes down: its terms and the bank it is served by."""
    return {"code": code, "served_by_node": node, "bank": {"ref": bank_ref, "name": bank_name, "uscc": bank_uscc},
            "terms": dict(terms), "published": published, "path": [node]}


@dataclass(frozen=True)
class RelayedProduct:
    """A network product as received."""

    code: str
    served_by_node: str
    bank_ref: int
    bank_name: str
    bank_uscc: str | None
    terms: dict[str, Any]
    published: bool


def product_of(payload: Mapping[str, Any], *, sender: str) -> RelayedProduct:
    """The product an entry of `products.product` carries; served by its sender only (a node relays no bank)."""
    bank = payload.get("bank")
    terms = payload.get("terms")
    if not isinstance(bank, dict) or not isinstance(terms, dict):
        raise BadPayload("product without bank or terms")
    if payload.get("served_by_node") != sender:
        raise BadPayload("a product is served by the node that sends it")
    return RelayedProduct(code=_text(payload, "code", 40), served_by_node=sender, bank_ref=_int(bank, "ref"),
                          bank_name=_text(bank, "name", 200), bank_uscc=_optional_text(bank, "uscc", 18),
                          terms=dict(terms), published=bool(payload.get("published")))


# Orders --------------------------------------------------------------------------------------------------------------


def grant_names(grant: Mapping[str, Any], *, recipient_ref: int | None, order_no: str) -> bool:
    """Whether the firm's authorisation names the institution the order goes to (the bank at the receiving node)
    for this application: only then may the order, and with it the firm's information, travel."""
    return (recipient_ref is not None and grant.get("recipient_ref") == recipient_ref
            and grant.get("purpose") == "financing_application" and grant.get("purpose_ref") == order_no)


def order_payload(*, order_no: str, origin: str, to: str, product_code: str, uscc: str, amount_fen: int,
                  term_months: int, repayment_method: str, purpose: str, estimate: Mapping[str, Any],
                  submitted_at: datetime, grant: Mapping[str, Any]) -> dict[str, Any]:
    """An order for a network product as it goes up to the bank's node, with the firm's authorisation of it."""
    return {"order_no": order_no, "origin_node": origin, "to": to, "product_code": product_code, "uscc": uscc,
            "amount_fen": amount_fen, "term_months": term_months, "repayment_method": repayment_method,
            "purpose": purpose, "estimate": dict(estimate), "submitted_at": submitted_at.isoformat(),
            "grant": dict(grant), "path": [origin]}


@dataclass(frozen=True)
class RelayedGrant:
    """The firm's authorisation of the bank for the application, as received."""

    recipient_ref: int
    purpose_ref: str
    categories: list[str]
    data_from: date | None
    data_to: date | None
    valid_from: datetime
    expires_at: datetime
    granted_at: datetime
    mode: str


@dataclass(frozen=True)
class RelayedOrder:
    """An order as received at the bank's node."""

    order_no: str
    origin_node: str
    product_code: str
    uscc: str
    amount_fen: int
    term_months: int
    repayment_method: str
    purpose: str
    estimate: dict[str, Any]
    submitted_at: datetime
    grant: RelayedGrant


def order_of(payload: Mapping[str, Any], *, sender: str) -> RelayedOrder:
    """The order an entry of `orders.order` carries; it comes from the node it was filed at only."""
    grant = payload.get("grant")
    estimate = payload.get("estimate")
    if not isinstance(grant, dict) or not isinstance(estimate, dict):
        raise BadPayload("order without authorisation or estimate")
    if payload.get("origin_node") != sender:
        raise BadPayload("an order comes from the node it was filed at")
    order_no = _text(payload, "order_no", 24)
    if not grant_names(grant, recipient_ref=_int(grant, "recipient_ref"), order_no=order_no):
        raise BadPayload("the authorisation does not name the bank for this application")
    categories = grant.get("categories")
    if not isinstance(categories, list) or not categories or not all(isinstance(c, str) and len(c) <= 10
                                                                      for c in categories):
        raise BadPayload("authorisation categories")
    relayed_grant = RelayedGrant(
        recipient_ref=_int(grant, "recipient_ref"), purpose_ref=order_no, categories=list(categories),
        data_from=_date(grant.get("data_from")), data_to=_date(grant.get("data_to")),
        valid_from=_time(grant.get("valid_from")), expires_at=_time(grant.get("expires_at")),
        granted_at=_time(grant.get("granted_at")), mode=_text(grant, "mode", 20))
    return RelayedOrder(order_no=order_no, origin_node=sender, product_code=_text(payload, "product_code", 40),
                        uscc=_text(payload, "uscc", 18), amount_fen=_int(payload, "amount_fen"),
                        term_months=_int(payload, "term_months"),
                        repayment_method=_text(payload, "repayment_method", 30),
                        purpose=_text(payload, "purpose", MAX_TEXT), estimate=dict(estimate),
                        submitted_at=_time(payload.get("submitted_at")), grant=relayed_grant)


# Outcomes ------------------------------------------------------------------------------------------------------------


def event_payload(*, key: str, to: str, node: str, order_no: str, status: str, note: str | None,
                  occurred_at: datetime, order: Mapping[str, Any]) -> dict[str, Any]:
    """A step the bank took on a relayed order, with the order's decision as it stands, as it goes back down."""
    return {"key": key, "to": to, "order_no": order_no, "status": status, "note": note,
            "occurred_at": occurred_at.isoformat(), "order": dict(order), "path": [node]}


def drawn_payload(*, key: str, to: str, node: str, order_no: str, amount_fen: int, value_date: date,
                  occurred_at: datetime) -> dict[str, Any]:
    """Money drawn on the line the order opened, as it goes back down."""
    return {"key": key, "to": to, "order_no": order_no, "status": DRAWN, "amount_fen": amount_fen,
            "value_date": value_date.isoformat(), "occurred_at": occurred_at.isoformat(), "path": [node]}


def outcome_of(payload: Mapping[str, Any], *, current: OrderStatus) -> Outcome | None:
    """What the firm's node applies for an entry of `orders.outcome` to its order standing at `current`: the
    status and timeline entry the firm sees, or None for a step of the bank's own (a proposal, a return)."""
    occurred_at = _time(payload.get("occurred_at"))
    status = _text(payload, "status", 20)
    if status == DRAWN:
        amount = _int(payload, "amount_fen")
        value_date = _text(payload, "value_date", 10)
        return Outcome(status=current, note=f"银行已放款 {format_yuan(amount)} 元（起息日 {value_date}）",
                       occurred_at=occurred_at)
    target = firm_status(status)
    if target is OrderStatus.SUBMITTED or (target is current and target is OrderStatus.ACCEPTED):
        return None
    order = payload.get("order")
    if not isinstance(order, dict):
        raise BadPayload("outcome without the order's decision")
    accepted_at, decided_at = _optional_time(order.get("accepted_at")), _optional_time(order.get("decided_at"))
    if target is OrderStatus.ACCEPTED:
        return Outcome(status=target, note="银行已受理", occurred_at=occurred_at, accepted_at=accepted_at)
    if target is OrderStatus.REJECTED:
        reason = _optional_text(order, "rejection_reason", MAX_TEXT) or _optional_text(payload, "note", MAX_TEXT)
        return Outcome(status=target, note=reason, occurred_at=occurred_at, accepted_at=accepted_at,
                       decided_at=decided_at, rejection_reason=reason)
    if target is OrderStatus.APPROVED:
        line, rate = _int(order, "approved_line_fen"), _rate(order.get("approved_rate"))
        term, method = _int(order, "approved_term_months"), _text(order, "approved_repayment_method", 30)
        return Outcome(status=target, note=f"银行已批准：额度 {format_yuan(line)} 元，年利率 {rate * 100:.2f}%，"
                       f"期限 {term} 个月", occurred_at=occurred_at, accepted_at=accepted_at, decided_at=decided_at,
                       approved_line_fen=line, approved_rate=rate, approved_term_months=term,
                       approved_repayment_method=method)
    return Outcome(status=target, note=_optional_text(payload, "note", MAX_TEXT), occurred_at=occurred_at)


# Reading payloads ----------------------------------------------------------------------------------------------------


def _text(raw: Mapping[str, Any], name: str, limit: int) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise BadPayload(f"{name}: text of at most {limit} characters")
    return value


def _optional_text(raw: Mapping[str, Any], name: str, limit: int) -> str | None:
    return None if raw.get(name) in (None, "") else _text(raw, name, limit)


def _int(raw: Mapping[str, Any], name: str) -> int:
    value = raw.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**53:
        raise BadPayload(f"{name}: a whole number")
    return value


def _rate(value: Any) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation as exc:
        raise BadPayload("rate") from exc
    if not rate.is_finite() or not Decimal(0) < rate <= Decimal(1):
        raise BadPayload("rate")
    return rate


def _time(value: Any) -> datetime:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BadPayload("time") from exc
    if at.tzinfo is None:
        raise BadPayload("time without timezone")
    return at


def _optional_time(value: Any) -> datetime | None:
    return None if value in (None, "") else _time(value)


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise BadPayload("date") from exc
