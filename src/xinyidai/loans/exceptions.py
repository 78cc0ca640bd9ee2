"""Errors of loan servicing."""

from __future__ import annotations

from collections.abc import Sequence

from xinyidai.errors import Conflict, DomainError, NotFound
from xinyidai.loans.policy import Problem


class LoanRuleBroken(DomainError):
    """A money operation that breaks a rule (limit, status, amount, value date)."""

    code = "loan_rule_broken"


class EndOfDayAlreadyRun(Conflict):
    """Another caller ran (or is running) end of day for the date at the same moment."""

    code = "eod_already_run"


class LineNotFound(NotFound):
    """No such credit line, or not visible to the caller."""

    code = "credit_line_not_found"


class DrawdownNotFound(NotFound):
    """No such drawdown, or not visible to the caller."""

    code = "drawdown_not_found"


def refuse(problems: Sequence[Problem]) -> None:
    """Raise one `LoanRuleBroken` naming every problem; return when there is none."""
    if problems:
        details = {key: value for problem in problems for key, value in problem.details.items()}
        raise LoanRuleBroken("；".join(p.message for p in problems),
                             message_en="; ".join(p.message_en for p in problems), **details)
