"""Errors of identity."""

from __future__ import annotations

from xinyidai.errors import Conflict, DomainError, NotFound, Unauthenticated


class InvalidIdentityInput(DomainError):
    """Identity data that breaks a rule (weak password, role not allowed for the organisation)."""

    code = "invalid_identity_input"


class WrongPassword(DomainError):
    """The current password given to change it is wrong."""

    code = "wrong_password"
    status_code = 403


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


class ClientLocked(DomainError):
    """Too many wrong secrets for one client id: token requests are refused until the lock ends."""

    code = "too_many_attempts"
    status_code = 429


class OrganisationSuspended(Unauthenticated):
    """The caller's organisation is suspended (暂停接入): its sessions and tokens are refused at once."""

    code = "organisation_suspended"


SUSPENDED_MESSAGE = "您所在的机构已被平台暂停接入，暂不能使用平台服务；如有疑问请联系平台管理员"
SUSPENDED_MESSAGE_EN = "your institution's access to the platform is suspended"


class ApplicationNotFound(NotFound):
    """No such application to connect, or not one the caller may see."""

    code = "application_not_found"


class InvalidOnboardingInput(DomainError):
    """An onboarding decision without what it needs (a reason the applicant or institution will read)."""

    code = "invalid_onboarding_input"
    status_code = 422


class OnboardingRefused(Conflict):
    """An onboarding step that the application's state or its assessment does not allow."""

    code = "onboarding_refused"


class CommitmentRequired(Conflict):
    """An onboarded institution must sign the usage commitment before it gets API clients."""

    code = "commitment_required"
