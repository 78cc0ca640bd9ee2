"""Errors of identity."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, NotFound, Unauthenticated


class InvalidIdentityInput(DomainError):
    """Identity data that breaks a rule (weak password, role not allowed for the organisation)."""

    code = "invalid_identity_input"


class DuplicateRegistration(Conflict):
    """The entity or the username is registered already."""

    code = "duplicate_registration"


class RealNameMismatch(DomainError):
    """USCC, legal representative and ID number do not match the authoritative registry."""

    code = "real_name_mismatch"


class OrganisationNotFound(NotFound):
    """No such organisation."""

    code = "organisation_not_found"


class InvalidClientCredentials(Unauthenticated):
    """Wrong client id or secret, or the client is disabled."""

    code = "invalid_client"
