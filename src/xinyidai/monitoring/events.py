"""Domain events that post-loan monitoring publishes."""

from __future__ import annotations

from xinyidai.events import DomainEvent


class AlertRaised(DomainEvent):
    """An alert reached an institution's risk inbox (for its webhook, wired by the coordinator)."""

    name = "monitoring.alert_raised"
    alert_id: int
    organisation_id: int  # the receiving institution
    enterprise_id: int
    severity: str
    signal: str
    rule_version: int | None

