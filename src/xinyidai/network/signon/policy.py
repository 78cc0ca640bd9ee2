"""Rules of single sign-on with no I/O: PKCE S256, the redirect URI a member node may use, the subject and claims
of a user, what a relying party makes of verified claims (organisation kind, roles, username), and the checks of
an ID token and of a client's signed assertion.

Tokens are signed with the node's Ed25519 key under the JOSE algorithm "Ed25519" (RFC 9864's fully specified name
for EdDSA over Ed25519; "EdDSA" is deprecated by it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from joserfc.jws import extract_compact

from xinyidai.auth.enums import INSTITUTION_KINDS, ROLES_BY_KIND, OrgKind, Role
from xinyidai.network.signon.exceptions import ClaimsRefused, ClientAuthenticationFailed, IdTokenRefused

ALGORITHM = "Ed25519"
CALLBACK_PATH = "/sso/callback"
CODE_TTL = timedelta(seconds=60)
ID_TOKEN_TTL = timedelta(minutes=5)
# A client's assertion may live this long at most: a captured one is of no use for longer.
ASSERTION_MAX_LIFETIME = timedelta(minutes=5)
LEEWAY = timedelta(seconds=30)
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_SUBJECT = re.compile(r"^(\d{6}):(\d{1,19})$")


class RealNameLevel(StrEnum):
    """How the home node knows who a user's organisation is."""

    REGISTRY_VERIFIED = "registry_verified"  # 实名核验: USCC, legal representative and ID matched the registry
    INSTITUTION = "institution"  # an institution admitted by the platform operator (入驻审核) or set up by it
    NONE = "none"


REAL_NAME_LABELS = {RealNameLevel.REGISTRY_VERIFIED: "已实名核验", RealNameLevel.INSTITUTION: "机构审核",
                    RealNameLevel.NONE: "未实名"}
# The kinds whose people sign in across nodes; the platform operator and departments sign in at their own node only.
FEDERATED_KINDS = frozenset({OrgKind.ENTERPRISE, *INSTITUTION_KINDS})
# Roles another node never grants on a provider's word: they administer the node or the institution there.
LOCAL_ONLY_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.INSTITUTION_ADMIN})


# PKCE and redirect URIs --------------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    """Base64url without padding, as JOSE and PKCE write it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pkce_challenge(verifier: str) -> str:
    """The S256 challenge of a code verifier: BASE64URL(SHA256(verifier))."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def verifier_well_formed(verifier: str) -> bool:
    """Whether a code verifier has RFC 7636's shape: 43 to 128 unreserved characters."""
    return bool(_VERIFIER.match(verifier))


def challenge_well_formed(challenge: str) -> bool:
    """Whether a challenge is an S256 digest: 43 base64url characters."""
    return bool(re.fullmatch(r"[A-Za-z0-9\-_]{43}", challenge))


def pkce_holds(verifier: str, challenge: str) -> bool:
    """Whether `verifier` is the one whose S256 challenge the code was bound to."""
    if not verifier_well_formed(verifier):
        return False
    return hmac.compare_digest(pkce_challenge(verifier), challenge)


def redirect_uri_of(endpoint: str) -> str:
    """The one redirect URI a member node may use: its directory endpoint's /sso/callback."""
    return endpoint.rstrip("/") + CALLBACK_PATH


def redirect_uri_ok(given: str, endpoint: str) -> bool:
    """Whether `given` is exactly the member's redirect URI (no prefix, no extra query, no other host)."""
    return bool(endpoint) and given == redirect_uri_of(endpoint)


def logout_target_ok(given: str, endpoint: str) -> bool:
    """Whether a post-logout redirect goes back to the member's own login page."""
    return bool(endpoint) and given == endpoint.rstrip("/") + "/login"


# Subjects and claims -----------------------------------------------------------------------------------------------


def answer_message(*, nonce: str, status: int, body: bytes) -> bytes:
    """What a home node signs when it answers its provider's credential check: the request's nonce (so that an
    old answer cannot be played back), the status and the body's digest (so that neither can be changed)."""
    return f"xyd-signon-answer\n{nonce}\n{status}\n{hashlib.sha256(body).hexdigest()}".encode()


def subject_of(home_node: str, user_id: int) -> str:
    """A user's subject across the network: its home node and its id there."""
    return f"{home_node}:{user_id}"


def parse_subject(subject: str) -> tuple[str, int]:
    """Home node and user id of a subject; ValueError if it is not one."""
    found = _SUBJECT.match(subject)
    if found is None:
        raise ValueError(f"not a subject: {subject!r}")
    return found.group(1), int(found.group(2))


def real_name_level(kind: OrgKind, *, enterprise_id: int | None, uscc: str | None) -> RealNameLevel:
    """A firm that registered by real name is linked to its market entity; an institution's organisation was set
    up by the platform operator with its USCC."""
    if kind == OrgKind.ENTERPRISE:
        return RealNameLevel.REGISTRY_VERIFIED if enterprise_id is not None else RealNameLevel.NONE
    return RealNameLevel.INSTITUTION if uscc else RealNameLevel.NONE


def user_claims(*, home_node: str, user_id: int, username: str, display_name: str, organisation_name: str,
                org_kind: OrgKind, uscc: str | None, enterprise_id: int | None,
                roles: Iterable[str]) -> dict[str, Any]:
    """What a home node vouches for about one of its users."""
    return {"sub": subject_of(home_node, user_id), "home_node": home_node, "preferred_username": username,
            "name": display_name, "org_name": organisation_name, "org_kind": org_kind.value, "uscc": uscc,
            "real_name_level": real_name_level(org_kind, enterprise_id=enterprise_id, uscc=uscc).value,
            "roles": sorted(roles)}


@dataclass(frozen=True)
class LocalGrant:
    """What a relying party makes of verified claims: the organisation it finds or creates, the user's roles and
    username there."""

    subject: str
    home_node: str
    kind: OrgKind
    organisation_name: str
    uscc: str
    roles: tuple[Role, ...]
    username: str
    display_name: str


def local_grant(claims: Mapping[str, Any]) -> LocalGrant:
    """The organisation and roles a user of another node gets here: kinds and roles it has at home, less what
    administers a node or an institution; a firm must have registered by real name, an institution have its USCC.
    Refused with the reason otherwise."""
    try:
        subject = str(claims["sub"])
        home_node, _ = parse_subject(subject)
        kind = OrgKind(str(claims["org_kind"]))
        level = RealNameLevel(str(claims.get("real_name_level", RealNameLevel.NONE)))
    except (KeyError, ValueError) as exc:
        raise ClaimsRefused("身份声明不完整或格式不正确", message_en=f"malformed claims: {exc}") from exc
    if kind not in FEDERATED_KINDS:
        raise ClaimsRefused("该类机构的用户只能在所属节点登录", message_en=f"{kind} users sign in at home only")
    uscc = str(claims.get("uscc") or "")
    if not re.fullmatch(r"[0-9A-Z]{18}", uscc):
        raise ClaimsRefused("身份声明缺少统一社会信用代码", message_en="claims carry no USCC")
    wanted = {Role.ENTERPRISE_STAFF} if kind == OrgKind.ENTERPRISE else set()
    if kind == OrgKind.ENTERPRISE and level != RealNameLevel.REGISTRY_VERIFIED:
        raise ClaimsRefused("该企业未在所属节点完成实名核验，不能跨节点登录", message_en="firm not real-name verified")
    if kind != OrgKind.ENTERPRISE and level == RealNameLevel.NONE:
        raise ClaimsRefused("该机构未经审核，不能跨节点登录", message_en="institution not admitted")
    claimed = set()
    for name in claims.get("roles") or []:
        try:
            claimed.add(Role(str(name)))
        except ValueError:
            continue  # a role this node does not know grants nothing here
    roles = (claimed & ROLES_BY_KIND[kind]) - LOCAL_ONLY_ROLES
    if kind == OrgKind.ENTERPRISE:
        roles = roles or wanted
    if not roles:
        raise ClaimsRefused("该用户在所属节点的角色在本节点没有对应角色", message_en="no role usable here")
    username = str(claims.get("preferred_username") or "")[:50] or subject.replace(":", "-")
    display = str(claims.get("name") or username)[:100]
    return LocalGrant(subject=subject, home_node=home_node, kind=kind,
                      organisation_name=str(claims.get("org_name") or uscc)[:200], uscc=uscc,
                      roles=tuple(sorted(roles)), username=f"{username}@{home_node}", display_name=display)


# Signed tokens -----------------------------------------------------------------------------------------------------


def jwk_of(public_b64: str, kid: str) -> dict[str, Any]:
    """A public Ed25519 key (base64 of its raw bytes) as a JWK."""
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(base64.b64decode(public_b64)), "kid": kid, "use": "sig",
            "alg": ALGORITHM}


def sign_jwt(private_key: Ed25519PrivateKey, *, kid: str, claims: Mapping[str, Any]) -> str:
    """A JWT of `claims` signed with a node's key, its key id in the header."""
    return jwt.encode({"alg": ALGORITHM, "kid": kid, "typ": "JWT"}, dict(claims), OKPKey.import_key(private_key),
                      algorithms=[ALGORITHM])


def header_kid(token: str) -> str | None:
    """The key id a JWT names, None if it is not a compact JWS."""
    try:
        kid = extract_compact(token.encode()).headers().get("kid")
    except (JoseError, ValueError):
        return None
    return str(kid) if kid else None


def verify_signature(token: str, *, keys: Mapping[str, str]) -> dict[str, Any]:
    """The claims of a JWT signed by one of `keys` (key id → public key, base64), the one its header names."""
    kid = header_kid(token)
    if kid is None or kid not in keys:
        raise IdTokenRefused("令牌的签名密钥不在身份提供方的公钥中", message_en=f"unknown key id {kid!r}")
    try:
        public = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": b64url(base64.b64decode(keys[kid]))})
        return dict(jwt.decode(token, public, algorithms=[ALGORITHM]).claims)
    except (JoseError, ValueError) as exc:
        raise IdTokenRefused("令牌签名无法验证", message_en=f"signature does not verify: {exc}") from exc


def id_token_claims(*, issuer: str, audience: str, nonce: str, user: Mapping[str, Any], now: datetime,
                    jti: str) -> dict[str, Any]:
    """The claims of an ID token: the user's, then the registered ones, which the user's cannot replace."""
    return {**user, "iss": issuer, "aud": audience, "nonce": nonce, "iat": int(now.timestamp()),
            "auth_time": int(now.timestamp()), "exp": int((now + ID_TOKEN_TTL).timestamp()), "jti": jti}


def check_id_token(claims: Mapping[str, Any], *, issuer: str, audience: str, nonce: str, now: datetime) -> None:
    """Refuse an ID token not for this node (iss, aud), expired, from the future, or of another sign-in (nonce)."""
    if claims.get("iss") != issuer:
        raise IdTokenRefused("令牌不是本节点的身份提供方签发的", message_en="wrong issuer")
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and aud == [audience]):
        raise IdTokenRefused("令牌不是签发给本节点的", message_en="wrong audience")
    stamp = now.timestamp()
    try:
        exp, iat = float(claims["exp"]), float(claims["iat"])
    except (KeyError, TypeError, ValueError) as exc:
        raise IdTokenRefused("令牌缺少有效期", message_en="no exp or iat") from exc
    if exp + LEEWAY.total_seconds() < stamp:
        raise IdTokenRefused("令牌已过期", message_en="expired")
    if iat - LEEWAY.total_seconds() > stamp:
        raise IdTokenRefused("令牌签发时间晚于当前时间", message_en="issued in the future")
    if not nonce or not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise IdTokenRefused("令牌不属于本次登录（nonce 不符）", message_en="nonce mismatch")
    if not isinstance(claims.get("sub"), str):
        raise IdTokenRefused("令牌缺少用户标识", message_en="no subject")


def verify_id_token(token: str, *, keys: Mapping[str, str], issuer: str, audience: str, nonce: str,
                    now: datetime) -> dict[str, Any]:
    """The claims of an ID token that verifies against the provider's keys and passes `check_id_token`."""
    claims = verify_signature(token, keys=keys)
    check_id_token(claims, issuer=issuer, audience=audience, nonce=nonce, now=now)
    return claims


def assertion_claims(*, client_id: str, audience: str, now: datetime, jti: str) -> dict[str, Any]:
    """What a client signs to authenticate at the token endpoint (private_key_jwt)."""
    return {"iss": client_id, "sub": client_id, "aud": audience, "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=60)).timestamp()), "jti": jti}


def check_assertion(claims: Mapping[str, Any], *, client_id: str, audience: str, now: datetime) -> None:
    """Refuse a client assertion not by the client for this token endpoint, expired, or living too long."""
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        raise ClientAuthenticationFailed("客户端断言的签发者不是该节点", message_en="assertion not by the client")
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and audience in aud):
        raise ClientAuthenticationFailed("客户端断言不是给本令牌端点的", message_en="assertion for another audience")
    try:
        exp, iat = float(claims["exp"]), float(claims.get("iat", claims["exp"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ClientAuthenticationFailed("客户端断言缺少有效期", message_en="assertion has no exp") from exc
    stamp = now.timestamp()
    if exp + LEEWAY.total_seconds() < stamp or exp - iat > ASSERTION_MAX_LIFETIME.total_seconds() \
            or iat - LEEWAY.total_seconds() > stamp:
        raise ClientAuthenticationFailed("客户端断言已过期或有效期过长", message_en="assertion expired or too long")
