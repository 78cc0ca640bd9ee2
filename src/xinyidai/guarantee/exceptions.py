"""Errors of risk sharing."""

from __future__ import annotations

from xinyidai.errors import DomainError


class InvalidAgreement(DomainError):
    """Risk-sharing terms that break a rule."""

    code = "invalid_agreement"


class RecoveryRefused(DomainError):
    """A recovery that cannot be distributed."""

    code = "recovery_refused"
