"""Errors of the policy simulator."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, NotFound


class InvalidPolicy(DomainError):
    """A proposed policy that cannot be simulated; the message lists why, and nothing is stored."""

    code = "invalid_policy"
    status_code = 422


class NothingToSimulate(Conflict):
    """No finished scoring run to project the policy over."""

    code = "nothing_to_simulate"


class SimulationNotFound(NotFound):
    """No such simulation."""

    code = "policy_simulation_not_found"
