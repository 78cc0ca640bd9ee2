"""Password hashing (argon2id), random secrets, and the signed bearer tokens of the API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from joserfc.jwt import JWTClaimsRegistry

# OWASP's argon2id profile for interactive logins (m = 19 MiB, t = 2, p = 1; Password Storage Cheat Sheet), in
# place of the library's RFC 9106 default (64 MiB, t = 3, four lanes): on a two-core server a check took 135-300
# ms there, and every login and OAuth token costs one. Hashes made with other parameters still verify (the
# parameters are in the hash) and are made again with these at the next successful check (`needs_rehash`).
PASSWORD_TIME_COST, PASSWORD_MEMORY_KIB, PASSWORD_LANES = 2, 19 * 1024, 1
_hasher = PasswordHasher(time_cost=PASSWORD_TIME_COST, memory_cost=PASSWORD_MEMORY_KIB,
                         parallelism=PASSWORD_LANES)
# Verified against on unknown usernames so that a miss costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

TOKEN_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches; spends the same effort when there is no hash to check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash that has just verified was made with other parameters than today's (so is to be made again)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random secret."""
    return secrets.token_urlsafe(nbytes)


def digest(token: str) -> str:
    """The SHA-256 hex digest under which a random token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvalidToken(Exception):
    """A bearer token that is malformed, badly signed, expired or not ours."""


def _key(secret: str) -> OctKey:
    return OctKey.import_key(hashlib.sha256(b"api-token:" + secret.encode()).digest())


def issue_token(*, secret: str, issuer: str, subject: str, claims: dict[str, Any], now: datetime,
                ttl: timedelta) -> str:
    """A short-lived signed JWT for an API client."""
    payload = {
        **claims,  # first, so that no claim can replace the registered ones below
        "iss": issuer,
        "sub": subject,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": new_token(12),
    }
    return jwt.encode({"alg": TOKEN_ALGORITHM}, payload, _key(secret), algorithms=[TOKEN_ALGORITHM])


def read_token(token: str, *, secret: str, issuer: str, now: datetime) -> dict[str, Any]:
    """The claims of a token this platform issued and that is still valid at `now`."""
    try:
        decoded = jwt.decode(token, _key(secret), algorithms=[TOKEN_ALGORITHM])
        JWTClaimsRegistry(
            now=int(now.timestamp()), leeway=0, iss={"essential": True, "value": issuer},
            exp={"essential": True}, sub={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc
    return dict(decoded.claims)
