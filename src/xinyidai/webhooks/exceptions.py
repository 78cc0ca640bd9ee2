"""What webhooks refuse."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, Forbidden


class InvalidEndpoint(DomainError):
    """An endpoint that cannot be registered as asked: its address, its events."""

    status_code = 422
    code = "invalid_webhook_endpoint"


class NotAnInstitution(Forbidden):
    """Only a bank registers webhook endpoints."""

    code = "webhooks_not_for_this_organisation"


class DeliveryInFlight(Conflict):
    """A delivery still being tried is not redelivered."""

    code = "webhook_delivery_in_flight"
