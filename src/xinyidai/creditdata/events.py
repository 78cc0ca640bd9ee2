"""Domain events that credit-information collection publishes."""

from __future__ import annotations

from xinyidai.events import DomainEvent


class DeliveryCommitted(DomainEvent):
    """A delivery batch (a file, an API push, a relay) committed with new records stored."""

    name = "creditdata.delivery_committed"
    batch_id: int
    item_code: str
    rows_stored: int
