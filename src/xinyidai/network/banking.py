"""The bank service across the platform network (统一银行服务): the feeds of its three topics, applying them, and
pushing what a commit added at once.

- `products.product` (down): the products of this node's banks, to the nodes below, where they are listed as
  network products of a bank organisation made from the feed (no user: the bank has no account there).
- `orders.order` (up): an order filed here for a network product, with the firm's authorisation naming that bank,
  to the node serving the product, where it enters the bank's workbench as one filed there would.
- `orders.outcome` (down): what the bank did with a relayed order (accepted, approved or rejected with its terms or
  reason, money drawn), to the node the order came from, applied to its order and timeline once.

Pulls (`network sync`, the scheduled jobs) carry them like any topic; besides, a commit that adds to one of them
defers `network.relay`, which captures and pushes to the neighbour at once (`push`). A push that misses the
neighbour's cursor is corrected from its answer; whatever a push does not deliver, the next pull does.
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import clock, db, jobs
from xinyidai.auth.enums import OrgKind
from xinyidai.consent import service as consent_service
from xinyidai.errors import DomainError
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate
from xinyidai.loans import drawdowns as loans_drawdowns
from xinyidai.network import banking_policy as rules
from xinyidai.network import policy, service
from xinyidai.network.banking_policy import BadPayload
from xinyidai.network.models import NetworkPushPosition, NetworkRelayKey
from xinyidai.network.policy import MemberStatus
from xinyidai.network.schemas import BatchBody
from xinyidai.orders import service as orders_service
from xinyidai.orders.policy import OrderStatus
from xinyidai.orders.schemas import EstimateRead
from xinyidai.products import service as products_service
from xinyidai.registry import service as registry_service

log = structlog.get_logger(__name__)

BATCHES_PATH = "/api/v1/network/batches"
RELAY_JOB = "network.relay"
MAX_PUSHES = 20


# Capturing -----------------------------------------------------------------------------------------------------------


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(policy.canonical(payload)).hexdigest()[:32]


def _capture_products(session: Session, node: service.Node, marks: dict[str, Any]) -> list[service.Captured]:
    # Products are few and change in place (terms, withdrawal): each is compared with what was last sent.
    sent: dict[str, str] = dict(marks.get("products", {}))
    found = []
    for product in products_service.list_native(session, limit=100_000):
        if product.status == "draft" and product.code not in sent:
            continue
        bank = identity_service.get_organisation(session, organisation_id=product.bank_organisation_id)
        payload = rules.product_payload(code=product.code, node=node.code, bank_ref=bank.id, bank_name=bank.name,
                                        bank_uscc=bank.uscc, terms=products_service.network_terms(product),
                                        published=product.status == "published")
        digest = _digest(payload)
        if sent.get(product.code) != digest:
            sent[product.code] = digest
            found.append(service.Captured(policy.ANY_ITEM, None, None, payload))
    marks["products"] = sent
    return found


def _served_by(session: Session, product: products_service.ProductView) -> int | None:
    """The bank's id at the node serving a network product (the reference its feed gave)."""
    return session.scalar(select(NetworkRelayKey.local_id).where(
        NetworkRelayKey.topic == rules.PRODUCT_TOPIC,
        NetworkRelayKey.key == f"bank/{product.served_by_node}/{product.bank_organisation_id}"))


def _grant_of(session: Session, order: Any, recipient_ref: int | None) -> dict[str, Any] | None:
    """The firm's active authorisation of the order's bank for this application, as it travels; None if there is
    none (withdrawn, expired): then the order does not travel."""
    for grant in consent_service.list_for_reference(session, purpose_ref=order.order_no):
        if (grant.recipient_organisation_id == order.bank_organisation_id and grant.enterprise_id ==
                order.enterprise_id and consent_service.status(grant) == consent_service.Status.ACTIVE):
            return {"recipient_ref": recipient_ref, "purpose": grant.purpose, "purpose_ref": grant.purpose_ref,
                    "categories": list(grant.categories),
                    "data_from": grant.data_from.isoformat() if grant.data_from else None,
                    "data_to": grant.data_to.isoformat() if grant.data_to else None,
                    "valid_from": grant.valid_from.isoformat(), "expires_at": grant.expires_at.isoformat(),
                    "granted_at": grant.granted_at.isoformat(), "mode": grant.mode}
    return None


def _capture_orders(session: Session, node: service.Node, marks: dict[str, Any]) -> list[service.Captured]:
    found = []
    for order in orders_service.list_relayed_after(session, after_id=int(marks.get("order", 0)),
                                                   limit=service.CAPTURE_PAGE):
        marks["order"] = order.id
        product = products_service.get(session, product_id=order.product_id)
        recipient_ref = _served_by(session, product)
        grant = _grant_of(session, order, recipient_ref)
        # Never without the firm's authorisation naming the receiving node's institution (the flow rule).
        if grant is None or product.served_by_node is None or not rules.grant_names(
                grant, recipient_ref=recipient_ref, order_no=order.order_no):
            log.warning("network order withheld: no authorisation naming the bank", order_no=order.order_no)
            continue
        uscc = registry_service.usccs_by_id(session, {order.enterprise_id})[order.enterprise_id]
        estimate = {"score": order.estimate_score, "grade": order.estimate_grade,
                    "line_fen": order.estimated_line_fen, "annual_rate": str(order.estimated_rate),
                    "reasons": list(order.estimate_reasons), "assessor_version": order.assessor_version}
        payload = rules.order_payload(
            order_no=order.order_no, origin=node.code, to=product.served_by_node, product_code=product.code,
            uscc=uscc, amount_fen=order.amount_fen, term_months=order.term_months,
            repayment_method=order.repayment_method, purpose=order.purpose, estimate=estimate,
            submitted_at=order.submitted_at, grant=grant)
        found.append(service.Captured(policy.ANY_ITEM, None, uscc, payload))
    return found


def _decision(order: Any) -> dict[str, Any]:
    return {"accepted_at": order.accepted_at.isoformat() if order.accepted_at else None,
            "decided_at": order.decided_at.isoformat() if order.decided_at else None,
            "approved_line_fen": order.approved_line_fen,
            "approved_rate": str(order.approved_rate) if order.approved_rate is not None else None,
            "approved_term_months": order.approved_term_months,
            "approved_repayment_method": order.approved_repayment_method,
            "rejection_reason": order.rejection_reason}


def _capture_outcomes(session: Session, node: service.Node, marks: dict[str, Any]) -> list[service.Captured]:
    found = []
    for entry in orders_service.events_of_relayed_after(session, after_id=int(marks.get("event", 0)),
                                                        limit=service.CAPTURE_PAGE):
        marks["event"] = entry.id
        order = entry.order
        if entry.to_status == OrderStatus.SUBMITTED or order.origin_node is None:
            continue  # the firm's own filing: it came from there
        payload = rules.event_payload(key=f"event/{entry.id}", to=order.origin_node, node=node.code,
                                      order_no=order.order_no, status=entry.to_status, note=entry.note,
                                      occurred_at=entry.occurred_at, order=_decision(order))
        found.append(service.Captured(policy.ANY_ITEM, None, None, payload))
    drawn = loans_drawdowns.drawn_after(session, after_id=int(marks.get("drawdown", 0)), limit=service.CAPTURE_PAGE)
    relayed = {o.id: o for o in orders_service.get_many_relayed(session, order_ids={i for _, i in drawn})}
    for drawdown, order_id in drawn:
        marks["drawdown"] = drawdown.id
        relayed_order = relayed.get(order_id)
        origin = relayed_order.origin_node if relayed_order is not None else None
        if relayed_order is None or origin is None:
            continue
        order = relayed_order
        payload = rules.drawn_payload(key=f"drawdown/{drawdown.id}", to=origin, node=node.code,
                                      order_no=order.order_no, amount_fen=drawdown.principal_fen,
                                      value_date=drawdown.value_date, occurred_at=clock.now())
        found.append(service.Captured(policy.ANY_ITEM, None, None, payload))
    return found


# Applying ------------------------------------------------------------------------------------------------------------


def _applied(session: Session, topic: str, key: str) -> NetworkRelayKey | None:
    return session.scalars(select(NetworkRelayKey).where(NetworkRelayKey.topic == topic,
                                                         NetworkRelayKey.key == key)).first()


def _mark(session: Session, topic: str, key: str, peer: str, local_id: int | None) -> None:
    known = _applied(session, topic, key)
    if known is None:
        session.add(NetworkRelayKey(topic=topic, key=key[:120], peer_code=peer, local_id=local_id,
                                    applied_at=clock.now()))
    else:
        known.local_id, known.applied_at = local_id, clock.now()
    session.flush()


def _refuse(result: service.Received, seq: int, why: str) -> None:
    result.refused += 1
    result.notes.append(f"{seq}: {why}"[:200])
    log.warning("network bank entry refused", seq=seq, reason=why)


def _bank_here(session: Session, relayed: rules.RelayedProduct, sender: str) -> int:
    """The organisation standing here for the bank at `sender`: made from the feed once, with no user."""
    key = f"bank/{sender}/{relayed.bank_ref}"
    known = _applied(session, rules.PRODUCT_TOPIC, f"org/{key}")
    if known is not None and known.local_id is not None:
        return known.local_id
    banks = [o for o in identity_service.list_organisations(session, kind=OrgKind.BANK)
             if relayed.bank_uscc and o.uscc == relayed.bank_uscc]
    organisation = banks[0] if banks else identity_service.create_organisation(
        session, organisation_in=OrganisationCreate(name=relayed.bank_name, kind=OrgKind.BANK,
                                                    uscc=relayed.bank_uscc))
    _mark(session, rules.PRODUCT_TOPIC, f"org/{key}", sender, organisation.id)
    # The way back: which bank at the serving node this organisation is (an order's authorisation names it).
    _mark(session, rules.PRODUCT_TOPIC, f"bank/{sender}/{organisation.id}", sender, relayed.bank_ref)
    return organisation.id


def _apply_products(session: Session, node: service.Node, body: BatchBody, result: service.Received) -> None:
    for entry in body.entries:
        try:
            relayed = rules.product_of(entry.payload, sender=body.sender)
            with session.begin_nested():
                bank = _bank_here(session, relayed, body.sender)
                products_service.receive_network_product(
                    session, code=relayed.code, served_by_node=body.sender, bank_organisation_id=bank,
                    terms=relayed.terms, published=relayed.published)
        except (BadPayload, DomainError) as exc:
            _refuse(result, entry.seq, str(exc))
            continue
        result.stored += 1


def _apply_orders(session: Session, node: service.Node, body: BatchBody, result: service.Received) -> None:
    for entry in body.entries:
        if entry.payload.get("to") != node.code:
            _refuse(result, entry.seq, "not for this node")
            continue
        try:
            relayed = rules.order_of(entry.payload, sender=body.sender)
        except BadPayload as exc:
            _refuse(result, entry.seq, str(exc))
            continue
        if _applied(session, rules.ORDER_TOPIC, relayed.order_no) is not None:
            result.duplicate += 1
            continue
        try:
            with session.begin_nested():
                order_id = _file(session, relayed)
                _mark(session, rules.ORDER_TOPIC, relayed.order_no, body.sender, order_id)
        except (BadPayload, DomainError) as exc:
            _refuse(result, entry.seq, str(exc))
            continue
        result.stored += 1


def _file(session: Session, relayed: rules.RelayedOrder) -> int:
    """The relayed order in the bank's workbench, with the firm's authorisation that names the bank."""
    product = next((p for p in products_service.list_published(session) if p.code == relayed.product_code), None)
    if product is None or product.served_by_node is not None:
        raise BadPayload(f"no product {relayed.product_code} of a bank of this node")
    if product.bank_organisation_id != relayed.grant.recipient_ref:
        raise BadPayload("the authorisation names another institution than the product's bank")
    enterprise = registry_service.get_by_uscc(session, uscc=relayed.uscc)
    if enterprise is None:
        raise BadPayload(f"entity {relayed.uscc} not registered at this node")
    try:
        estimate = EstimateRead.model_validate(relayed.estimate)
    except ValueError as exc:
        raise BadPayload("estimate") from exc
    order = orders_service.receive_relayed(
        session, origin_node=relayed.origin_node, order_no=relayed.order_no, enterprise_id=enterprise.id,
        product_id=product.id, amount_fen=relayed.amount_fen, term_months=relayed.term_months,
        repayment_method=relayed.repayment_method, purpose=relayed.purpose, estimate=estimate,
        submitted_at=relayed.submitted_at)
    grant = relayed.grant
    try:
        mode = consent_service.Mode(grant.mode)
    except ValueError as exc:
        raise BadPayload("authorisation mode") from exc
    consent_service.grant_relayed(
        session, enterprise_id=enterprise.id, recipient_organisation_id=product.bank_organisation_id,
        purpose=consent_service.Purpose.FINANCING_APPLICATION, purpose_ref=relayed.order_no,
        categories=grant.categories, data_from=grant.data_from, data_to=grant.data_to, valid_from=grant.valid_from,
        expires_at=grant.expires_at, mode=mode, granted_at=grant.granted_at, origin_node=relayed.origin_node)
    return order.id


def _apply_outcomes(session: Session, node: service.Node, body: BatchBody, result: service.Received) -> None:
    for entry in body.entries:
        payload = entry.payload
        key = f"{body.sender}/{payload.get('key')}"
        if payload.get("to") != node.code or not isinstance(payload.get("key"), str) or len(key) > 120:
            _refuse(result, entry.seq, "not for this node, or without its key")
            continue
        if _applied(session, rules.OUTCOME_TOPIC, key) is not None:
            result.duplicate += 1
            continue
        order = orders_service.get_by_number(session, order_no=str(payload.get("order_no", ""))[:24])
        product = products_service.get(session, product_id=order.product_id) if order is not None else None
        if order is None or product is None or product.served_by_node != body.sender:
            _refuse(result, entry.seq, "no order here for a product that node serves")
            continue
        try:
            outcome = rules.outcome_of(payload, current=OrderStatus(order.status))
        except BadPayload as exc:
            _refuse(result, entry.seq, str(exc))
            continue
        if outcome is not None:
            orders_service.apply_outcome(session, order=order, outcome=outcome, served_by_node=body.sender)
        _mark(session, rules.OUTCOME_TOPIC, key, body.sender, order.id)
        result.stored += 1


# Pushing -------------------------------------------------------------------------------------------------------------


@dataclass
class Pushed:
    """What one push of one topic to one neighbour did."""

    peer: str
    topic: str
    batches: int = 0
    entries: int = 0
    position: int = 0
    error: str | None = None


def _position(session: Session, peer: str, topic: str) -> NetworkPushPosition:
    row = session.scalars(select(NetworkPushPosition).where(NetworkPushPosition.peer_code == peer,
                                                            NetworkPushPosition.topic == topic)
                          .with_for_update()).one_or_none()
    if row is None:
        row = NetworkPushPosition(peer_code=peer, topic=topic, position=0)
        session.add(row)
        session.flush()
    return row


def _save(factory: sessionmaker[Session], peer: str, topic: str, position: int, error: str | None) -> None:
    with db.transaction(factory) as session:
        row = _position(session, peer, topic)
        row.position, row.last_error = position, (error or None) and error[:500]
        row.pushed_at = clock.now()


def _cursor_in(answer: httpx.Response) -> int | None:
    """The receiver's cursor, from its answer (applied, or refused as out of sequence)."""
    try:
        body = answer.json()
    except ValueError:
        return None
    for place in (body, body.get("details") if isinstance(body, dict) else None,
                  (body.get("error") or {}).get("details") if isinstance(body, dict) else None):
        if isinstance(place, dict):
            value = place.get("cursor")
            if isinstance(value, int) and value >= 0:
                return value
    return None


def push(factory: sessionmaker[Session], *, node: service.Node, peer_code: str, topic: str,
         client: httpx.Client | None = None) -> Pushed:
    """Send a neighbour what it has not yet applied of `topic` now, as signed batches to its `POST .../batches`
    (the same checks as a pull there). Where this node's idea of the neighbour's cursor is wrong, the answer
    corrects it; a neighbour out of reach is left to the next pull."""
    with db.transaction(factory) as session:
        after = _position(session, peer_code, topic).position
        head = service.feed_heads(session).get(topic, 0)
    pushed = Pushed(peer=peer_code, topic=topic, position=after)
    if after >= head:
        return pushed
    with (nullcontext(client) if client is not None else httpx.Client(timeout=min(node.timeout, node.push_timeout))) \
            as http:
        for _ in range(MAX_PUSHES):
            with db.transaction(factory) as session:
                member, way = service.neighbour(session, node, peer_code)
                batch = service.serve_batch(session, node=node, peer=member, way=way, topic=topic, after=after,
                                            limit=node.max_entries)
            body = batch["body"]
            if body["last"] <= after:
                break
            raw = policy.canonical(batch)
            try:
                answer = http.post(member.endpoint + BATCHES_PATH, content=raw,
                                   headers={"Content-Type": "application/json"})
            except httpx.HTTPError as exc:
                pushed.error = f"{type(exc).__name__}: {exc}"
                break
            cursor = _cursor_in(answer)
            if answer.status_code == 200 and cursor is not None:
                pushed.batches += 1
                pushed.entries += len(body["entries"])
                after = cursor
            elif answer.status_code == 409 and cursor is not None and cursor != after:
                after = cursor  # out of sequence: the receiver said where it stands
            elif answer.status_code == 409 and "network_replay" in answer.text:
                after = body["last"]  # it applied this already (a pull came first): what follows
            else:
                pushed.error = f"HTTP {answer.status_code}: {answer.text[:300]}"
                break
            if after >= body["head"]:
                break
    pushed.position = after
    _save(factory, peer_code, topic, after, pushed.error)
    return pushed


def relay(factory: sessionmaker[Session], *, node: service.Node,
          client: httpx.Client | None = None) -> list[Pushed]:
    """Capture the bank topics, then push each to the neighbours it flows to (what the flow table lets go)."""
    for topic in rules.BANK_TOPICS:
        if topic not in node.topics:
            continue
        while True:
            with db.transaction(factory) as session:
                if service.capture(session, node=node, topic=topic) == 0:
                    break
    with db.transaction(factory) as session:
        flows = service.active_flow_rules(session)
        targets = [(m.code, way) for m, way in service.neighbours(session, node=node)
                   if m.status == MemberStatus.ACTIVE]
    done = []
    for peer, way in targets:
        for topic in rules.BANK_TOPICS:
            if topic in node.topics and policy.may_flow(flows, topic=topic, way=way):
                try:
                    done.append(push(factory, node=node, peer_code=peer, topic=topic, client=client))
                except DomainError as exc:
                    done.append(Pushed(peer=peer, topic=topic, error=f"{exc.code}: {exc.message}"))
    return done


# What makes a commit relay at once: an order filed or handled, a product created or changed, a new drawdown (the
# end of day changes drawdowns every night: that is no news). Tables by name: the network reads no context's models.
_WATCHED = frozenset({"financing_order", "order_event", "product"})
_WATCHED_NEW = frozenset({*_WATCHED, "drawdown"})


@event.listens_for(Session, "after_flush")
def _watch(session: Session, _context: Any) -> None:
    """Defer `network.relay` after the commit of a transaction that touched what the bank topics carry."""
    if any(name == RELAY_JOB for name, _ in session.info.get("jobs_after_commit", [])):
        return
    touched = (any(getattr(obj, "__tablename__", None) in _WATCHED_NEW for obj in session.new)
               or any(getattr(obj, "__tablename__", None) in _WATCHED for obj in session.dirty))
    if touched and service.current_node() is not None and RELAY_JOB in jobs.declared():
        jobs.defer_after_commit(session, RELAY_JOB)


def register() -> None:
    """Add the bank topics' capture and apply steps to the network's (idempotent)."""
    service.CAPTURERS.update({rules.PRODUCT_TOPIC: _capture_products, rules.ORDER_TOPIC: _capture_orders,
                              rules.OUTCOME_TOPIC: _capture_outcomes})
    service.APPLIERS.update({rules.PRODUCT_TOPIC: _apply_products, rules.ORDER_TOPIC: _apply_orders,
                             rules.OUTCOME_TOPIC: _apply_outcomes})
