"""Errors of loan servicing."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, NotFound


class LoanRuleBroken(DomainError):
    """A money operation that breaks a rule (limit, status, amount, value date)."""

    code = "loan_rule_broken"


class LineNotFound(NotFound):
    """No such credit line, or not visible to the caller."""

    code = "credit_line_not_found"


class DrawdownNotFound(NotFound):
    """No such drawdown, or not visible to the caller."""

    code = "drawdown_not_found"


class IdempotencyConflict(Conflict):
    """An Idempotency-Key reused for a different request."""

    code = "idempotency_conflict"
