"""Use cases of webhooks: an institution's endpoints (register, change, rotate the secret, disable, delete), the
deliveries made to them (listed, redelivered), and the turning of a domain event into deliveries.

Who manages endpoints: a bank manager (银行信贷主管) or the institution's administrator (机构管理员), of an institution
(bank, guarantee company, credit agency), for their own organisation only; another organisation's endpoints and
deliveries do not exist for them (404).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyidai import clock, crypto, jobs
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import INSTITUTION_KINDS
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.errors import Conflict, NotFound
from xinyidai.events import NameHandler, PublishedEvent
from xinyidai.webhooks import catalogue, policy
from xinyidai.webhooks.exceptions import DeliveryInFlight, InvalidEndpoint, NotAnInstitution
from xinyidai.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from xinyidai.webhooks.policy import DeliveryStatus, EndpointStatus
from xinyidai.webhooks.schemas import (
    AttemptRead,
    DeliveryRead,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
)

log = structlog.get_logger(__name__)

SECRET_CONTEXT = "webhook_endpoint.secret"
DELIVER_JOB = "webhooks.deliver"


# Endpoints ---------------------------------------------------------------------------------------


def _require_institution(principal: Principal) -> None:
    if principal.organisation_kind not in INSTITUTION_KINDS:
        raise NotAnInstitution("只有金融机构可以登记事件推送地址", message_en="only institutions register webhooks")


def _checked_events(names: Sequence[str]) -> list[str]:
    unknown = policy.unknown_events(names, catalogue.EVENT_NAMES)
    if unknown:
        raise InvalidEndpoint(f"未知的事件：{'、'.join(unknown)}；可订阅的事件见 /api/v1/webhooks/event-types",
                              message_en=f"unknown events: {', '.join(unknown)}", unknown=unknown)
    return sorted(set(names))


def _checked_url(url: str) -> str:
    problem = policy.url_problem(url.strip(), allow_local_http=get_settings().webhook_allow_local_http)
    if problem is not None:
        raise InvalidEndpoint(f"推送地址不可用：{problem}",
                              message_en="the endpoint address is not allowed (https to a public host only)")
    return url.strip()


def create_endpoint(session: Session, *, principal: Principal,
                    endpoint_in: EndpointCreate) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint of the caller's institution; returns it with its signing secret (shown once)."""
    _require_institution(principal)
    url = _checked_url(endpoint_in.url)
    events = _checked_events(endpoint_in.events)
    count = session.scalar(select(func.count()).select_from(WebhookEndpoint).where(
        WebhookEndpoint.organisation_id == principal.organisation_id,
        WebhookEndpoint.status != EndpointStatus.DELETED)) or 0
    limit = get_settings().webhook_max_endpoints
    if count >= limit:
        raise Conflict(f"每个机构最多登记{limit}个推送地址", message_en=f"at most {limit} endpoints")
    secret = policy.new_secret()
    now = clock.now()
    endpoint = WebhookEndpoint(
        organisation_id=principal.organisation_id, url=url, description=endpoint_in.description.strip(),
        events=events, status=EndpointStatus.ACTIVE, secret_cipher=crypto.encrypt(secret, context=SECRET_CONTEXT),
        created_at=now, updated_at=now, created_by_user_id=principal.user_id)
    session.add(endpoint)
    session.flush()
    audit_service.record(session, actor=principal, action="webhooks.endpoint_created", subject_type="webhook_endpoint",
                         subject_id=endpoint.id, detail={"url": url, "events": events})
    return endpoint, secret


def list_endpoints(session: Session, *, principal: Principal) -> Sequence[WebhookEndpoint]:
    """The caller's institution's endpoints (not the deleted ones)."""
    return session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.organisation_id == principal.organisation_id,
        WebhookEndpoint.status != EndpointStatus.DELETED).order_by(WebhookEndpoint.id)).all()


def get_endpoint(session: Session, *, principal: Principal, endpoint_id: int) -> WebhookEndpoint:
    """One of the caller's institution's endpoints."""
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if (endpoint is None or endpoint.organisation_id != principal.organisation_id
            or endpoint.status == EndpointStatus.DELETED):
        raise NotFound("未找到该推送地址", message_en="webhook endpoint not found")
    return endpoint


def update_endpoint(session: Session, *, principal: Principal, endpoint_id: int,
                    endpoint_in: EndpointUpdate) -> WebhookEndpoint:
    """Change an endpoint's events or note, or enable or disable it."""
    endpoint = get_endpoint(session, principal=principal, endpoint_id=endpoint_id)
    changes: dict[str, Any] = {}
    if endpoint_in.events is not None:
        endpoint.events = changes["events"] = _checked_events(endpoint_in.events)
    if endpoint_in.description is not None:
        endpoint.description = changes["description"] = endpoint_in.description.strip()
    if endpoint_in.enabled is not None:
        endpoint.status = EndpointStatus.ACTIVE if endpoint_in.enabled else EndpointStatus.DISABLED
        changes["status"] = str(endpoint.status)
    endpoint.updated_at = clock.now()
    session.flush()
    audit_service.record(session, actor=principal, action="webhooks.endpoint_updated", subject_type="webhook_endpoint",
                         subject_id=endpoint.id, detail=changes)
    return endpoint


def rotate_secret(session: Session, *, principal: Principal, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """Give an endpoint a new secret (shown once); the old one still signs, as a second signature, for the grace
    period of the settings."""
    endpoint = get_endpoint(session, principal=principal, endpoint_id=endpoint_id)
    now = clock.now()
    grace = timedelta(hours=get_settings().webhook_secret_grace_hours)
    secret = policy.new_secret()
    endpoint.previous_secret_cipher = endpoint.secret_cipher if grace else None
    endpoint.previous_secret_expires_at = now + grace if grace else None
    endpoint.secret_cipher = crypto.encrypt(secret, context=SECRET_CONTEXT)
    endpoint.updated_at = now
    session.flush()
    audit_service.record(session, actor=principal, action="webhooks.secret_rotated", subject_type="webhook_endpoint",
                         subject_id=endpoint.id,
                         detail={"previous_valid_until": endpoint.previous_secret_expires_at.isoformat()
                                 if endpoint.previous_secret_expires_at else None})
    return endpoint, secret


def delete_endpoint(session: Session, *, principal: Principal, endpoint_id: int) -> None:
    """Delete an endpoint: it receives nothing more; its deliveries stay in the log."""
    endpoint = get_endpoint(session, principal=principal, endpoint_id=endpoint_id)
    endpoint.status = EndpointStatus.DELETED
    endpoint.previous_secret_cipher = None
    endpoint.updated_at = clock.now()
    session.flush()
    audit_service.record(session, actor=principal, action="webhooks.endpoint_deleted", subject_type="webhook_endpoint",
                         subject_id=endpoint.id, detail={"url": endpoint.url})


def secrets_in_use(endpoint: WebhookEndpoint, *, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one during its grace period."""
    found = [crypto.decrypt(endpoint.secret_cipher, context=SECRET_CONTEXT)]
    if (endpoint.previous_secret_cipher and endpoint.previous_secret_expires_at is not None
            and endpoint.previous_secret_expires_at > now):
        found.append(crypto.decrypt(endpoint.previous_secret_cipher, context=SECRET_CONTEXT))
    return found


def to_endpoint_read(endpoint: WebhookEndpoint) -> EndpointRead:
    """An endpoint as its institution reads it."""
    return EndpointRead(id=endpoint.id, url=endpoint.url, description=endpoint.description,
                        events=list(endpoint.events), status=EndpointStatus(endpoint.status),
                        created_at=endpoint.created_at, updated_at=endpoint.updated_at,
                        previous_secret_expires_at=endpoint.previous_secret_expires_at)


def reencrypt_secrets(session: Session, *, after_id: int = 0, limit: int = 1000,
                      everything: bool = False) -> tuple[int, int | None]:
    """Re-encrypt the next `limit` endpoints' secrets after `after_id` under the active key (`xinyidai crypto
    rotate`); returns how many changed and the last id looked at (None: no more)."""
    query = select(WebhookEndpoint).where(WebhookEndpoint.id > after_id).order_by(WebhookEndpoint.id).limit(limit)
    rows = session.scalars(query).all()
    changed = 0
    for endpoint in rows:
        touched = False
        if everything or not crypto.is_current(endpoint.secret_cipher):
            endpoint.secret_cipher = crypto.rotate(endpoint.secret_cipher, context=SECRET_CONTEXT)
            touched = True
        if endpoint.previous_secret_cipher and (everything or not crypto.is_current(endpoint.previous_secret_cipher)):
            endpoint.previous_secret_cipher = crypto.rotate(endpoint.previous_secret_cipher, context=SECRET_CONTEXT)
            touched = True
        changed += touched
    session.flush()
    return changed, (rows[-1].id if rows else None)


# Deliveries --------------------------------------------------------------------------------------


def list_deliveries(session: Session, *, principal: Principal, status: DeliveryStatus | None = None,
                    endpoint_id: int | None = None, event_name: str | None = None,
                    limit: int = 100) -> Sequence[WebhookDelivery]:
    """The caller's institution's deliveries, newest first; `status=dead` is the dead-letter list."""
    query = select(WebhookDelivery).where(WebhookDelivery.organisation_id == principal.organisation_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if event_name is not None:
        query = query.where(WebhookDelivery.event_name == event_name)
    return session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)).all()


def get_delivery(session: Session, *, principal: Principal, delivery_id: int) -> WebhookDelivery:
    """One of the caller's institution's deliveries."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.organisation_id != principal.organisation_id:
        raise NotFound("未找到该推送记录", message_en="webhook delivery not found")
    return delivery


def attempts_of(session: Session, *, delivery_id: int) -> Sequence[WebhookAttempt]:
    """Every attempt of a delivery, first first."""
    return session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
                           .order_by(WebhookAttempt.number)).all()


def to_delivery_read(session: Session, delivery: WebhookDelivery, *, with_attempts: bool = True) -> DeliveryRead:
    """A delivery as its institution reads it."""
    return DeliveryRead(
        id=delivery.id, endpoint_id=delivery.endpoint_id, event_id=f"evt_{delivery.event_id}",
        event_name=delivery.event_name, status=DeliveryStatus(delivery.status), attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at, last_status_code=delivery.last_status_code,
        last_error=delivery.last_error, created_at=delivery.created_at, delivered_at=delivery.delivered_at,
        dead_at=delivery.dead_at, redelivered_count=delivery.redelivered_count,
        attempt_log=[AttemptRead.model_validate(a) for a in attempts_of(session, delivery_id=delivery.id)]
        if with_attempts else [])


def redeliver(session: Session, *, principal: Principal, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again (a dead letter, or one delivered that the receiver lost): a new round of attempts, the
    same body and delivery id, so the receiver can tell it has seen it."""
    delivery = get_delivery(session, principal=principal, delivery_id=delivery_id)
    if delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
        raise DeliveryInFlight("该推送仍在发送中，无需重新推送", message_en="the delivery is still being tried")
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or endpoint.status != EndpointStatus.ACTIVE:
        raise Conflict("推送地址已停用或已删除，请先启用后再重新推送", message_en="the endpoint is not active")
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = clock.now()
    delivery.dead_at = None
    delivery.redelivered_count += 1
    session.flush()
    audit_service.record(session, actor=principal, action="webhooks.redelivered", subject_type="webhook_delivery",
                         subject_id=delivery.id, detail={"event": delivery.event_name})
    jobs.defer_after_commit(session, DELIVER_JOB, delivery_id=delivery.id, attempts=0)
    return delivery


# From domain events to deliveries ----------------------------------------------------------------


def _data(published: PublishedEvent) -> dict[str, Any]:
    spec = catalogue.get(published.name)
    if spec is None:
        return dict(published.payload)
    try:
        return spec.payload.model_validate(published.payload).model_dump(mode="json")
    except ValidationError:
        # The publisher is the source of truth: its payload goes as it is, and the catalogue is to be fixed.
        log.warning("event payload differs from the webhook catalogue", event_name=published.name)
        return dict(published.payload)


def forward(session: Session, *, published: PublishedEvent, organisation_id: int) -> list[WebhookDelivery]:
    """One delivery per active endpoint of the organisation that picked the event (once per event and endpoint,
    however often the event is handed over), each sent by a job after the commit."""
    endpoints = [e for e in session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.organisation_id == organisation_id, WebhookEndpoint.status == EndpointStatus.ACTIVE))
        if published.name in e.events]
    if not endpoints:
        return []
    done = set(session.scalars(select(WebhookDelivery.endpoint_id).where(
        WebhookDelivery.event_id == published.id, WebhookDelivery.endpoint_id.in_([e.id for e in endpoints]))))
    body = json.dumps(catalogue.envelope(event_id=published.id, name=published.name,
                                         occurred_at=published.occurred_at, organisation_id=organisation_id,
                                         data=_data(published)), ensure_ascii=False, separators=(",", ":"))
    now = clock.now()
    made = []
    for endpoint in endpoints:
        if endpoint.id in done:
            continue
        delivery = WebhookDelivery(endpoint_id=endpoint.id, organisation_id=organisation_id, event_id=published.id,
                                   event_name=published.name, body=body, status=DeliveryStatus.PENDING, attempts=0,
                                   next_attempt_at=now, created_at=now, redelivered_count=0)
        session.add(delivery)
        made.append(delivery)
    session.flush()
    for delivery in made:
        jobs.defer_after_commit(session, DELIVER_JOB, delivery_id=delivery.id, attempts=0)
    return made


OrganisationOf = Callable[[Session, PublishedEvent], int | None]


def bank_of(session: Session, published: PublishedEvent) -> int | None:
    """The organisation an event is for, by default: its payload's `bank_organisation_id`."""
    value = published.payload.get("bank_organisation_id")
    return value if isinstance(value, int) else None


def forwarder(organisation_of: OrganisationOf = bank_of) -> NameHandler:
    """The domain-event handler that turns an event into deliveries to the organisation `organisation_of` names.
    It works in a savepoint and never raises: a webhook problem must not undo the other subscribers' work."""
    def handle(session: Session, published: PublishedEvent) -> None:
        deferred_before = len(session.info.get("jobs_after_commit", []))
        try:
            with session.begin_nested():
                organisation_id = organisation_of(session, published)
                if organisation_id is not None:
                    forward(session, published=published, organisation_id=organisation_id)
        except Exception:
            del session.info.get("jobs_after_commit", [])[deferred_before:]
            log.exception("webhook deliveries not made", event_id=published.id, event_name=published.name)

    return handle
