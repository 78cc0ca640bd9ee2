"""Errors of financing orders."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, Forbidden, NotFound


class InvalidApplication(DomainError):
    """An application or decision that breaks the product's terms."""

    code = "invalid_application"


class ApplicationBlocked(DomainError):
    """The entity must put something right (annual report, abnormal list) before applying."""

    status_code = 422
    code = "application_blocked"


class OrderNotFound(NotFound):
    """No such order, or not visible to the caller."""

    code = "order_not_found"


class OrderDraftNotFound(NotFound):
    """No such prepared application, or not the caller's firm's."""

    code = "order_draft_not_found"


class DraftKindMismatch(Conflict):
    """A prepared need confirmed as a single application, or the other way round."""

    code = "draft_kind_mismatch"


class IllegalOrderTransition(Conflict):
    """The order's state does not allow this action."""

    code = "illegal_transition"


class DutyRefused(Forbidden):
    """Separation of duties: this person may not take this step on the order (propose, approve, return)."""

    code = "separation_of_duties"


class NeedNotFound(NotFound):
    """No such financing need, or not the caller's firm's."""

    code = "financing_need_not_found"


class LoanSubjectNotFound(NotFound):
    """No such credit line or drawdown of the caller's firm (for a renewal or a deferral)."""

    code = "loan_subject_not_found"


class PromptNotFound(NotFound):
    """No such prompt, or not addressed to the caller's bank."""

    code = "prompt_not_found"
