"""Webhook endpoints of institutions, the deliveries made to them and every attempt of each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class WebhookEndpoint(Base):
    """An address of an institution that receives the events it picked, signed with its secret."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[IdPk]
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="active")
    # The signing secret, encrypted at rest (it must be read to sign); the one it replaced signs too until
    # `previous_secret_expires_at` (a rotation's grace period).
    secret_cipher: Mapped[str] = mapped_column(String(300))
    previous_secret_cipher: Mapped[str | None] = mapped_column(String(300))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookDelivery(Base):
    """One event to one endpoint: made once per (event, endpoint), its body fixed, sent until it is delivered or
    given up (dead letter), and sent again when the institution asks."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("event_id", "endpoint_id"),
                      Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
                      Index("ix_webhook_delivery_org", "organisation_id", "status", "id"))

    id: Mapped[IdPk]
    endpoint_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_endpoint.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    # The domain event's outbox id: what makes a delivery once per event and endpoint.
    event_id: Mapped[int] = mapped_column(BigId)
    event_name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # Attempts of the current round (a redelivery starts a new round); the log keeps every attempt.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # While being sent: until when the sender holds it (past that, a sweep gives it back).
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    dead_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    redelivered_count: Mapped[int] = mapped_column(default=0)


class WebhookAttempt(Base):
    """One attempt of a delivery: when, how long, the answer's status code or the error, and the next attempt."""

    __tablename__ = "webhook_attempt"

    id: Mapped[IdPk]
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("webhook_delivery.id"), index=True)
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    duration_ms: Mapped[int]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    succeeded: Mapped[bool]
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
