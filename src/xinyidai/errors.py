"""The base of every context's domain exceptions, mapped to 4xx at the edge.

A domain error carries a stable machine code, a message a person can act on (Chinese, as the portal
speaks it) and its English twin for API integrators.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel


class DomainError(Exception):
    """A rule of the domain refused the request; nothing was changed."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "domain_error"

    def __init__(self, message: str, *, message_en: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The JSON body of the API error response."""
        body: dict[str, Any] = {"code": self.code, "message": self.message, "message_en": self.message_en}
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""

    status_code = 404
    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request contradicts the current state (a duplicate, an illegal transition)."""

    status_code = 409
    code = "conflict"


class Unauthenticated(DomainError):
    """No valid credentials."""

    status_code = 401
    code = "unauthenticated"


class RequestTooLarge(DomainError):
    """The request's body is past the bound of what the platform reads; nothing of it was read further."""

    status_code = 413
    code = "request_too_large"


class IdempotencyConflict(Conflict):
    """An Idempotency-Key reused for a different request."""

    code = "idempotency_conflict"


class FieldErrorRead(BaseModel):
    """One invalid part of a request: where (dotted, e.g. `rows.0.uscc`; empty for the whole body), what is wrong."""

    field: str
    message: str
    type: str


class ErrorRead(BaseModel):
    """The body of every API error: a stable machine code, a message in Chinese and its English twin, the invalid
    fields of a request that failed validation, or the details of a domain refusal."""

    code: str
    message: str
    message_en: str | None = None
    errors: list[FieldErrorRead] | None = None
    details: dict[str, Any] | None = None


# The 422 of the API as documented: every route that reads input may answer it with this body.
INVALID_REQUEST_RESPONSE: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorRead, "description": "请求参数不正确，或业务规则拒绝 (invalid request, or refused by a rule)"}}
