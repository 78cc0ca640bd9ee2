"""Errors of outreach."""

from __future__ import annotations

from xinyidai.errors import DomainError, NotFound


class UnknownGridWorkerCode(NotFound):
    """A QR link whose code is no active grid worker's."""

    code = "unknown_grid_worker_code"


class GridWorkerNotFound(NotFound):
    """The caller is no grid worker, or no grid worker has this id."""

    code = "grid_worker_not_found"


class InvalidOutreachInput(DomainError):
    """A visit, a grid worker or a plan entry that breaks a rule (a reason missing, dates reversed …)."""

    status_code = 422
    code = "invalid_outreach_input"
