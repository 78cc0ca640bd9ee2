"""API shapes of webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from xinyidai.text import Text, check_text
from xinyidai.webhooks.policy import URL_MAX, DeliveryStatus, EndpointStatus

EventName = Annotated[str, AfterValidator(check_text), Field(min_length=1, max_length=100)]
EVENTS_MAX = 50


class EndpointCreate(BaseModel):
    """A new endpoint: its https address, the events it receives and a note."""

    url: Text = Field(min_length=8, max_length=URL_MAX)
    events: list[EventName] = Field(min_length=1, max_length=EVENTS_MAX)
    description: Text = Field(default="", max_length=200)

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "url": "https://bank.example.com/xinyidai/webhooks", "events": ["orders.submitted", "consent.revoked"],
        "description": "信贷系统接收"}]})


class EndpointUpdate(BaseModel):
    """A change to an endpoint: its events, note, or whether it is enabled (omitted: unchanged)."""

    events: list[EventName] | None = Field(default=None, min_length=1, max_length=EVENTS_MAX)
    description: Text | None = Field(default=None, max_length=200)
    enabled: StrictBool | None = None


class EndpointRead(BaseModel):
    """An endpoint as its institution sees it (never its secret)."""

    id: int
    url: str
    description: str
    events: list[str]
    status: EndpointStatus
    created_at: datetime
    updated_at: datetime
    previous_secret_expires_at: datetime | None = Field(
        description="a rotated secret still signs (a second signature) until this time")


class EndpointCreated(EndpointRead):
    """A new endpoint with its signing secret: shown this once, never again."""

    secret: str


class SecretRotated(BaseModel):
    """The endpoint's new signing secret (shown this once) and until when the old one still signs."""

    endpoint_id: int
    secret: str
    previous_secret_expires_at: datetime | None


class AttemptRead(BaseModel):
    """One attempt of a delivery."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    succeeded: bool
    next_attempt_at: datetime | None


class DeliveryRead(BaseModel):
    """A delivery as its institution sees it, with its attempts."""

    id: int
    endpoint_id: int
    event_id: str
    event_name: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    redelivered_count: int
    attempt_log: list[AttemptRead] = []


class EventTypeRead(BaseModel):
    """A catalogued event an endpoint may receive."""

    name: str
    title: str
    description: str
    example: dict[str, object]
