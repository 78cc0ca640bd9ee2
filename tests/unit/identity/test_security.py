"""Password hashing and the API's signed bearer tokens."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from joserfc import jwt

from xinyidai.identity import security
from xinyidai.identity.security import (
    InvalidToken,
    digest,
    hash_password,
    issue_token,
    new_token,
    read_token,
    verify_password,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TTL = timedelta(minutes=10)
SECRET = "unit-test-secret-0123456789abcdef"
ISSUER = "xinyidai"


def test_hash_and_verify() -> None:
    hashed = hash_password("正确的马电池订书钉-42")
    assert hashed.startswith("$argon2id$")
    assert "正确的马电池订书钉" not in hashed
    assert verify_password(hashed, "正确的马电池订书钉-42")
    assert not verify_password(hashed, "正确的马电池订书钉-43")
    assert not verify_password(hashed, "")


def test_hashes_are_salted() -> None:
    assert hash_password("same password") != hash_password("same password")


def test_verify_without_a_hash_is_false() -> None:
    assert verify_password(None, "not-a-real-password") is False  # not even the dummy's own password
    assert verify_password(None, "anything") is False


def test_verify_against_garbage_hash_is_false() -> None:
    assert verify_password("not-an-argon2-hash", "whatever") is False


def test_digest_is_sha256_hex() -> None:
    # FIPS 180-2, appendix B.1: SHA-256("abc").
    assert digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_new_token_is_random_and_url_safe() -> None:
    a, b = new_token(), new_token()
    assert a != b
    assert len(a) == 43  # 32 bytes in unpadded base64url
    assert set(a) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _issue(**overrides: object) -> str:
    args: dict[str, object] = {"secret": SECRET, "issuer": ISSUER, "subject": "client:7",
                               "claims": {"org": 3, "roles": ["bank_api"]}, "now": NOW, "ttl": TTL}
    args.update(overrides)
    return issue_token(**args)  # type: ignore[arg-type]


def test_token_round_trip() -> None:
    claims = read_token(_issue(), secret=SECRET, issuer=ISSUER, now=NOW)
    assert claims["iss"] == ISSUER
    assert claims["sub"] == "client:7"
    assert claims["org"] == 3
    assert claims["roles"] == ["bank_api"]
    assert claims["iat"] == int(NOW.timestamp())
    assert claims["exp"] == int((NOW + TTL).timestamp())
    assert claims["jti"]


def test_tokens_are_unique() -> None:
    assert _issue() != _issue()


def test_token_valid_until_just_before_expiry() -> None:
    assert read_token(_issue(), secret=SECRET, issuer=ISSUER, now=NOW + TTL - timedelta(seconds=1))


@pytest.mark.parametrize("after", [timedelta(0), timedelta(seconds=1), timedelta(days=1)])
def test_expired_token(after: timedelta) -> None:
    # RFC 7519 §4.1.4: the current time must be before "exp".
    with pytest.raises(InvalidToken):
        read_token(_issue(), secret=SECRET, issuer=ISSUER, now=NOW + TTL + after)


def test_wrong_secret() -> None:
    with pytest.raises(InvalidToken):
        read_token(_issue(), secret="another-secret", issuer=ISSUER, now=NOW)


def test_wrong_issuer() -> None:
    with pytest.raises(InvalidToken):
        read_token(_issue(issuer="somebody-else"), secret=SECRET, issuer=ISSUER, now=NOW)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_tampered_payload() -> None:
    header, payload, signature = _issue().split(".")
    claims = json.loads(_unb64(payload))
    claims["org"] = 4
    forged = ".".join([header, _b64(json.dumps(claims).encode()), signature])
    with pytest.raises(InvalidToken):
        read_token(forged, secret=SECRET, issuer=ISSUER, now=NOW)


def test_tampered_signature() -> None:
    header, payload, signature = _issue().split(".")
    raw = bytearray(_unb64(signature))
    raw[0] ^= 0x01
    with pytest.raises(InvalidToken):
        read_token(".".join([header, payload, _b64(bytes(raw))]), secret=SECRET, issuer=ISSUER, now=NOW)


def test_unsigned_token_refused() -> None:
    _, payload, _ = _issue().split(".")
    unsigned = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()) + "." + payload + "."
    with pytest.raises(InvalidToken):
        read_token(unsigned, secret=SECRET, issuer=ISSUER, now=NOW)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z"])
def test_malformed_token(garbage: str) -> None:
    with pytest.raises(InvalidToken):
        read_token(garbage, secret=SECRET, issuer=ISSUER, now=NOW)


@pytest.mark.parametrize("missing", ["exp", "sub", "iss"])
def test_essential_claim_missing(missing: str) -> None:
    claims = {"iss": ISSUER, "sub": "client:7", "exp": int((NOW + TTL).timestamp())}
    del claims[missing]
    token = jwt.encode({"alg": "HS256"}, claims, security._key(SECRET), algorithms=["HS256"])
    with pytest.raises(InvalidToken):
        read_token(token, secret=SECRET, issuer=ISSUER, now=NOW)


def test_production_parameters_are_owasp_argon2id_profile() -> None:
    # The module's hasher as imported (the tests' fixture replaces `_hasher` with the cheapest parameters).
    from argon2 import PasswordHasher, extract_parameters

    hashed = PasswordHasher(time_cost=security.PASSWORD_TIME_COST, memory_cost=security.PASSWORD_MEMORY_KIB,
                            parallelism=security.PASSWORD_LANES).hash("x")
    parameters = extract_parameters(hashed)
    assert (parameters.type.name, parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
        "ID", 19 * 1024, 2, 1)
    assert extract_parameters(security._DUMMY_HASH).memory_cost == 19 * 1024  # a miss costs what a check does


def test_a_hash_of_other_parameters_still_verifies_and_needs_rehashing() -> None:
    from argon2 import PasswordHasher

    older = PasswordHasher(time_cost=3, memory_cost=1024, parallelism=4).hash("旧参数的密码-1")
    assert verify_password(older, "旧参数的密码-1")
    assert security.needs_rehash(older)
    assert not security.needs_rehash(hash_password("旧参数的密码-1"))
    assert not security.needs_rehash("!federated")  # no hash at all: nothing to make again
