"""Errors of post-loan monitoring."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, NotFound


class InvalidRule(DomainError):
    """A rule the platform admin wrote that cannot be stored; the message lists why."""

    code = "invalid_monitoring_rule"
    status_code = 422


class AlertNotFound(NotFound):
    """No such alert, or not one of the caller's institution."""

    code = "alert_not_found"


class AlertHandlingRefused(Conflict):
    """A handling step that does not fit the alert's state (closing before any action, acting on a closed one)."""

    code = "alert_handling_refused"
