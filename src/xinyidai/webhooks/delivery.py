"""Sending a delivery: claimed, signed, posted with a short timeout outside any transaction, its attempt logged,
then delivered, retried after its backoff, or moved to the dead letters after the last attempt.

Runs only as a job (`webhooks.deliver`, declared `apart`: never in the request that caused the event, even with the
in-process engine). A delivery is claimed by a conditional update (pending, at the round's attempt count the job
was deferred for), so a job that runs twice, or beside the sweep, sends once; one held past its lease by a sender that
died goes back to pending at the next sweep.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import httpx
import structlog
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session, sessionmaker

import xinyidai
from xinyidai import clock, db, jobs
from xinyidai.config import get_settings
from xinyidai.webhooks import policy
from xinyidai.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from xinyidai.webhooks.policy import DeliveryStatus, EndpointStatus
from xinyidai.webhooks.service import DELIVER_JOB, secrets_in_use

log = structlog.get_logger(__name__)
LEASE_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: the answer's status code or the error, and how long it took."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Claimed:
    """A delivery taken for one attempt: what to send, where, and with which secrets."""

    delivery_id: int
    url: str
    event_name: str
    body: bytes
    secrets: list[str]


def _claim(factory: sessionmaker[Session], *, delivery_id: int, attempts: int) -> Claimed | None:
    settings = get_settings()
    now = clock.now()
    with db.transaction(factory) as session:
        result = cast(CursorResult[Any], session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                          WebhookDelivery.status == DeliveryStatus.PENDING,
                                          WebhookDelivery.attempts == attempts)
            .values(status=DeliveryStatus.SENDING,
                    lease_until=now + timedelta(seconds=settings.webhook_timeout_seconds) + LEASE_MARGIN)))
        if result.rowcount != 1:
            return None
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        if endpoint is None or endpoint.status != EndpointStatus.ACTIVE:
            # Nothing to send to: kept as a dead letter, redeliverable once the endpoint is enabled again.
            delivery.status, delivery.dead_at, delivery.lease_until = DeliveryStatus.DEAD, now, None
            delivery.last_error = "推送地址已停用或已删除"
            delivery.next_attempt_at = None
            return None
        return Claimed(delivery_id=delivery.id, url=endpoint.url, event_name=delivery.event_name,
                       body=delivery.body.encode(), secrets=secrets_in_use(endpoint, now=now))


def post(claimed: Claimed, *, client: httpx.Client | None = None) -> Outcome:
    """Sign and post one delivery (no database): the answer's status code, or the error."""
    settings = get_settings()
    # The receiver compares the timestamp with its own clock: the wall clock, not the platform's business clock.
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"xinyidai-webhooks/{xinyidai.__version__}",
        policy.HEADER_TIMESTAMP: str(timestamp),
        policy.HEADER_SIGNATURE: policy.signature_header(claimed.secrets, timestamp=timestamp, body=claimed.body),
        policy.HEADER_EVENT: claimed.event_name,
        policy.HEADER_DELIVERY: str(claimed.delivery_id),
    }
    started = time.monotonic()
    own = client is None
    http = client or httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False)
    try:
        response = http.post(claimed.url, content=claimed.body, headers=headers)
        status_code: int | None = response.status_code
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        status_code, error = None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        if own:
            http.close()
    return Outcome(status_code=status_code, error=error, duration_ms=int((time.monotonic() - started) * 1000))


def _record(factory: sessionmaker[Session], *, delivery_id: int, outcome: Outcome,
            started_at: Any) -> tuple[int, float] | None:
    """Log the attempt and move the delivery on; the (attempts, delay) of the retry to schedule, if any."""
    settings = get_settings()
    now = clock.now()
    with db.transaction(factory) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        number = (session.scalar(select(func.max(WebhookAttempt.number)).where(
            WebhookAttempt.delivery_id == delivery_id)) or 0) + 1
        delivery.attempts += 1
        delivery.lease_until = None
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        retry: tuple[int, float] | None = None
        if outcome.succeeded:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        elif delivery.attempts >= settings.webhook_max_attempts:
            delivery.status, delivery.dead_at, delivery.next_attempt_at = DeliveryStatus.DEAD, now, None
        else:
            delay = policy.retry_delay(delivery.attempts, base_seconds=settings.webhook_retry_base_seconds,
                                       max_seconds=settings.webhook_retry_max_delay_seconds)
            delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now + timedelta(seconds=delay)
            retry = (delivery.attempts, delay)
        session.add(WebhookAttempt(delivery_id=delivery_id, number=number, started_at=started_at,
                                   duration_ms=outcome.duration_ms, status_code=outcome.status_code,
                                   error=outcome.error, succeeded=outcome.succeeded,
                                   next_attempt_at=delivery.next_attempt_at))
    return retry


def deliver(factory: sessionmaker[Session], *, delivery_id: int, attempts: int,
            client: httpx.Client | None = None) -> Outcome | None:
    """One attempt of a delivery, if it is still due at this round's count; schedules the retry after a failure."""
    claimed = _claim(factory, delivery_id=delivery_id, attempts=attempts)
    if claimed is None:
        return None
    started_at = clock.now()
    try:
        outcome = post(claimed, client=client)
    except Exception as exc:  # never leave it claimed: an unexpected failure counts as a failed attempt
        outcome = Outcome(status_code=None, error=f"{type(exc).__name__}: {exc}"[:500], duration_ms=0)
    retry = _record(factory, delivery_id=delivery_id, outcome=outcome, started_at=started_at)
    if retry is not None:
        attempts_so_far, delay = retry
        jobs.defer_later(DELIVER_JOB, delay_seconds=delay, factory=factory, delivery_id=delivery_id,
                         attempts=attempts_so_far)
    return outcome


def sweep(factory: sessionmaker[Session], *, limit: int = 500) -> int:
    """Give back deliveries whose sender died (lease over) and defer every delivery that is due; how many."""
    now = clock.now()
    with db.transaction(factory) as session:
        session.execute(update(WebhookDelivery).where(
            WebhookDelivery.status == DeliveryStatus.SENDING, WebhookDelivery.lease_until < now)
            .values(status=DeliveryStatus.PENDING, lease_until=None))
        due = session.execute(select(WebhookDelivery.id, WebhookDelivery.attempts).where(
            WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at).limit(limit)).all()
    jobs.defer_many(DELIVER_JOB, [{"delivery_id": d, "attempts": a} for d, a in due], factory=factory)
    return len(due)
