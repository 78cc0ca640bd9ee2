"""Refusals of single sign-on: each a clear 4xx with a Chinese message and its English twin; `oauth_error` is the
OAuth 2.0 error code the provider's token endpoint answers with."""

from __future__ import annotations

from typing import ClassVar

from xinyidai.errors import DomainError, Forbidden, Unauthenticated


class SignonDisabled(DomainError):
    """This node does not take part in single sign-on (not enabled, or not the role for it)."""

    status_code = 404
    code = "signon_disabled"
    oauth_error: ClassVar[str] = "invalid_request"


class InvalidAuthorisationRequest(DomainError):
    """An authorisation request the provider will not serve: unknown client, redirect URI not the client's, no
    PKCE S256 challenge, not response_type=code."""

    status_code = 400
    code = "signon_invalid_request"
    oauth_error: ClassVar[str] = "invalid_request"


class ClientAuthenticationFailed(Unauthenticated):
    """The client's signed assertion (private_key_jwt) is missing, malformed, expired or does not verify."""

    code = "signon_invalid_client"
    oauth_error: ClassVar[str] = "invalid_client"


class InvalidGrant(DomainError):
    """A code unknown, used already, expired, or not bound to this client, redirect URI or code verifier."""

    status_code = 400
    code = "signon_invalid_grant"
    oauth_error: ClassVar[str] = "invalid_grant"


class SignInRefused(Unauthenticated):
    """The user's home node refused the credentials, or could not be asked."""

    code = "signon_refused"
    oauth_error: ClassVar[str] = "access_denied"


class IdTokenRefused(Unauthenticated):
    """An ID token that does not verify: signature, key, issuer, audience, expiry or nonce."""

    code = "signon_bad_id_token"
    oauth_error: ClassVar[str] = "invalid_token"


class ClaimsRefused(Forbidden):
    """Verified claims this node will not make a user of (a kind of organisation, a real-name level)."""

    code = "signon_claims_refused"
    oauth_error: ClassVar[str] = "access_denied"


class ProviderUnreachable(DomainError):
    """The identity provider did not answer: local accounts still sign in."""

    status_code = 503
    code = "signon_provider_unreachable"
    oauth_error: ClassVar[str] = "temporarily_unavailable"
