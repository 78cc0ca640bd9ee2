"""Domain events that consent publishes."""

from __future__ import annotations

from datetime import datetime

from xinyidai.events import DomainEvent


class ConsentRevoked(DomainEvent):
    """An entity revoked an authorisation it had given an institution: the institution's next read is refused."""

    name = "consent.revoked"
    authorisation_id: int
    enterprise_id: int
    recipient_organisation_id: int
    purpose: str
    purpose_ref: str
    revoked_at: datetime
