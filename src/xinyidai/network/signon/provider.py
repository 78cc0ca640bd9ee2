"""The identity provider (only on a provincial node): its metadata and keys, authorisation requests from the
member nodes of its directory, the users' credentials checked at their home node, codes, tokens and its own
sessions.

A user's password is never stored nor logged here: for a user of a child node it is passed once, in a signed
node-to-node request, to that node, which checks it under its own lockout throttle and answers with the claims."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.config import get_settings
from xinyidai.identity import security
from xinyidai.identity import service as identity_service
from xinyidai.network import policy as net_policy
from xinyidai.network import service as network_service
from xinyidai.network.policy import Direction, MemberStatus, Role
from xinyidai.network.service import Member, Node
from xinyidai.network.signon import policy
from xinyidai.network.signon.exceptions import (
    ClientAuthenticationFailed,
    IdTokenRefused,
    InvalidAuthorisationRequest,
    InvalidGrant,
    SignInRefused,
    SignonDisabled,
)
from xinyidai.network.signon.models import SignonAssertion, SignonCode, SignonSession
from xinyidai.text import Text

VERIFY_PATH = "/api/v1/network/signon/verify"
ACTOR = audit_service.Actor.system("network.signon")


def require_provider() -> Node:
    """This node as the identity provider; refused where single sign-on is off or the node is not provincial."""
    node = network_service.current_node()
    if node is None or not get_settings().network_signon_enabled or node.role is not Role.PROVINCIAL:
        raise SignonDisabled("本节点不提供统一身份认证服务", message_en="this node is no identity provider")
    return node


def issuer(node: Node) -> str:
    """The provider's issuer identifier: its endpoint in the directory."""
    return node.endpoint


def discovery(node: Node) -> dict[str, Any]:
    """The provider's OpenID Connect metadata."""
    base = issuer(node)
    return {
        "issuer": base, "authorization_endpoint": base + "/oidc/authorize", "token_endpoint": base + "/oidc/token",
        "userinfo_endpoint": base + "/oidc/userinfo", "jwks_uri": base + "/oidc/jwks",
        "end_session_endpoint": base + "/oidc/logout", "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"], "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [policy.ALGORITHM],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": [policy.ALGORITHM],
        "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "profile"],
        "claims_supported": ["sub", "name", "preferred_username", "home_node", "org_name", "org_kind", "uscc",
                             "real_name_level", "roles"],
    }


def jwks(node: Node) -> dict[str, Any]:
    """The provider's public keys: the current one and, during a rotation's overlap, the one it replaced."""
    keys = []
    for key in node.signing_keys():
        public = net_policy.public_key_b64(key)
        keys.append(policy.jwk_of(public, net_policy.key_id(public)))
    return {"keys": keys}


# Clients -------------------------------------------------------------------------------------------------------------


def client(session: Session, *, node: Node, client_id: str) -> Member:
    """A member node of the directory, active, as a client of the provider."""
    member = network_service.known_members(session, node=node).get(client_id)
    if member is None or member.code == node.code:
        raise InvalidAuthorisationRequest(f"节点 {client_id} 不在本节点的目录中",
                                          message_en=f"unknown client {client_id}")
    if member.status != MemberStatus.ACTIVE:
        raise InvalidAuthorisationRequest(f"节点 {client_id} 在目录中未处于正常状态",
                                          message_en=f"client {client_id} is {member.status}")
    return member


@dataclass(frozen=True)
class AuthorisationRequest:
    """An authorisation request as a member node's browser brings it."""

    client_id: str
    redirect_uri: str
    response_type: str
    scope: str
    state: str
    nonce: str
    code_challenge: str
    code_challenge_method: str

    def as_query(self) -> dict[str, str]:
        """The request's parameters, to carry through the login form."""
        return {"client_id": self.client_id, "redirect_uri": self.redirect_uri, "response_type": self.response_type,
                "scope": self.scope, "state": self.state, "nonce": self.nonce,
                "code_challenge": self.code_challenge, "code_challenge_method": self.code_challenge_method}


def check_request(session: Session, *, node: Node, request: AuthorisationRequest) -> Member:
    """The client of a well-formed request: only the code flow, to the client's own callback, with PKCE S256,
    state and nonce; refused (never redirected) otherwise."""
    member = client(session, node=node, client_id=request.client_id)
    if not policy.redirect_uri_ok(request.redirect_uri, member.endpoint):
        raise InvalidAuthorisationRequest("回调地址不是该节点在目录中登记的地址",
                                          message_en="redirect_uri is not the client's")
    if request.response_type != "code":
        raise InvalidAuthorisationRequest("只支持授权码模式", message_en="only response_type=code")
    if "openid" not in request.scope.split():
        raise InvalidAuthorisationRequest("请求范围必须包含 openid", message_en="scope must include openid")
    if request.code_challenge_method != "S256" or not policy.challenge_well_formed(request.code_challenge):
        raise InvalidAuthorisationRequest("必须使用 PKCE（S256）", message_en="PKCE S256 is required")
    if not request.state or not request.nonce:
        raise InvalidAuthorisationRequest("缺少 state 或 nonce", message_en="state and nonce are required")
    return member


def home_nodes(session: Session, *, node: Node) -> list[tuple[str, str]]:
    """The nodes whose users sign in here, code and name: this node first, then its active children."""
    members = network_service.known_members(session, node=node)
    own = members.get(node.code)
    found = [(node.code, own.name if own else node.name)]
    found += [(m.code, m.name) for m in sorted(members.values(), key=lambda m: m.code)
              if m.parent_code == node.code and m.code != node.code and m.status == MemberStatus.ACTIVE]
    return found


# Users ---------------------------------------------------------------------------------------------------------------


def claims_of(user: Any, *, home_node: str) -> dict[str, Any]:
    """What a node vouches for about one of its users (identity's user, its organisation loaded)."""
    organisation = user.organisation
    return policy.user_claims(home_node=home_node, user_id=user.id, username=user.username,
                              display_name=user.display_name, organisation_name=organisation.name,
                              org_kind=OrgKind(organisation.kind), uscc=organisation.uscc,
                              enterprise_id=organisation.enterprise_id, roles=user.roles)


class UnsignedAnswer(Exception):
    """The home node's answer does not carry its signature over this request."""


class VerifyRequest(BaseModel):
    """The provider asks a home node to check one of its users' credentials."""

    model_config = ConfigDict(extra="forbid")

    username: Text = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)
    client_id: str = Field(pattern=r"^\d{6}$")
    ip_address: str | None = Field(default=None, max_length=45)


def _ask_home(node: Node, member: Member, body: VerifyRequest) -> httpx.Response:
    """Ask the home node, and keep its answer only if the home node signed it for this very request."""
    raw = body.model_dump_json().encode()
    query = urlencode({"digest": net_policy.sha256_hex(raw)})
    headers = network_service.signed_headers(node, method="POST", path=VERIFY_PATH, query=query)
    with httpx.Client(timeout=min(node.timeout, 10.0)) as http:
        response = http.post(f"{member.endpoint}{VERIFY_PATH}?{query}", content=raw,
                             headers={**headers, "Content-Type": "application/json"})
    message = policy.answer_message(nonce=headers[network_service.H_NONCE], status=response.status_code,
                                    body=response.content)
    signature = response.headers.get(network_service.H_SIGNATURE, "")
    kid = response.headers.get(network_service.H_KEY, "")
    if not any(key.key_id == kid and net_policy.verify(key.public_key, message, signature)
               for key in member.keys_at(clock.now())):
        raise UnsignedAnswer("home node's answer not signed by it for this request")
    return response


def signed_answer(node: Node, *, nonce: str, status: int, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """A home node's answer to its provider, and the headers that sign it over the request's nonce (`_ask_home`
    keeps only an answer signed so)."""
    content = json.dumps(body, ensure_ascii=False).encode()
    signature = net_policy.sign(node.private_key(), policy.answer_message(nonce=nonce, status=status, body=content))
    return content, {network_service.H_KEY: node.key_id(), network_service.H_SIGNATURE: signature}


def authenticate(session: Session, *, node: Node, home_code: str, username: str, password: str, client_id: str,
                 ip_address: str | None) -> dict[str, Any]:
    """The claims of a user whose credentials their home node accepts: this node's own users checked here, a
    child node's asked over a signed request. Refusals say why and are audited (never with the password)."""
    via = f"signon:{client_id}"
    detail = {"home_node": home_code, "username": username[:64], "client": client_id}
    if home_code == node.code:
        outcome = identity_service.check_credentials(session, username=username, password=password,
                                                     ip_address=ip_address, via=via)
        if not outcome.ok or outcome.user is None:
            raise SignInRefused(outcome.message, message_en="credentials refused")
        claims = claims_of(outcome.user, home_node=node.code)
    else:
        member = network_service.known_members(session, node=node).get(home_code)
        if member is None or member.parent_code != node.code or member.status != MemberStatus.ACTIVE:
            raise SignInRefused("所选节点不在本节点的目录中", message_en="unknown home node")
        try:
            response = _ask_home(node, member, VerifyRequest(username=username, password=password,
                                                             client_id=client_id, ip_address=ip_address))
        except httpx.HTTPError as exc:
            audit_service.record(session, actor=ACTOR, action="network.signon_authenticated", outcome="failure",
                                 ip_address=ip_address, detail={**detail, "reason": "home node unreachable"})
            raise SignInRefused(f"所属节点 {member.name} 暂时无法访问，请稍后再试或在该节点直接登录",
                                message_en="home node unreachable") from exc
        except UnsignedAnswer as exc:
            audit_service.record(session, actor=ACTOR, action="network.signon_authenticated", outcome="failure",
                                 ip_address=ip_address, detail={**detail, "reason": "answer not signed"})
            raise SignInRefused("所属节点的答复无法验证，登录未完成", message_en="home node's answer does not verify") \
                from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or not isinstance(answer, dict) or "sub" not in answer:
            message = str(answer.get("message") or "所属节点拒绝了登录") if isinstance(answer, dict) else ""
            audit_service.record(session, actor=ACTOR, action="network.signon_authenticated", outcome="failure",
                                 ip_address=ip_address, detail={**detail, "status": response.status_code})
            raise SignInRefused(message or "所属节点拒绝了登录", message_en="the home node refused the sign-in")
        claims = answer
        if policy.parse_subject(str(claims["sub"]))[0] != home_code:
            raise SignInRefused("所属节点的答复与所选节点不符", message_en="answer from another node")
    audit_service.record(session, actor=ACTOR, action="network.signon_authenticated", ip_address=ip_address,
                         subject_type="network_subject", subject_id=str(claims["sub"]), detail=detail)
    return claims


def verify_for_provider(session: Session, *, node: Node, path: str, query: str, headers: dict[str, str],
                        raw: bytes) -> tuple[int, dict[str, Any]]:
    """At a home node: check a user's credentials for the parent provider (a signed request, its body's digest
    signed with it) under this node's own lockout throttle; status and body of the answer. A refusal of the
    credentials is an answer, not an error, so that the failure counted stays counted."""
    peer, way = network_service.authenticate_request(session, node=node, method="POST", path=path, query=query,
                                                     headers=headers)
    if way is not Direction.UP or peer.role != Role.PROVINCIAL.value or not get_settings().network_signon_enabled:
        raise SignonDisabled("只有本节点的上级身份提供方可以核验本节点用户",
                             message_en="only the parent provider may verify users here")
    digest = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("digest", "")
    if digest != net_policy.sha256_hex(raw):
        raise InvalidAuthorisationRequest("请求内容与签名不符", message_en="body does not match the signed digest")
    try:
        asked = VerifyRequest.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise InvalidAuthorisationRequest("核验请求格式不正确", message_en="malformed verify request") from exc
    outcome = identity_service.check_credentials(session, username=asked.username, password=asked.password,
                                                 ip_address=asked.ip_address,
                                                 via=f"signon:{peer.code}/{asked.client_id}")
    if not outcome.ok or outcome.user is None:
        return 401, {"code": "signon_refused", "message": outcome.message, "message_en": "credentials refused"}
    user = outcome.user
    audit_service.record(session, actor=audit_service.Actor.user(user.id, organisation_id=user.organisation_id),
                         action="network.signon_authenticated", ip_address=asked.ip_address,
                         subject_type="network_subject", subject_id=policy.subject_of(node.code, user.id),
                         detail={"provider": peer.code, "client": asked.client_id})
    return 200, claims_of(user, home_node=node.code)


# Codes, tokens, sessions --------------------------------------------------------------------------------------------


def issue_code(session: Session, *, request: AuthorisationRequest, claims: dict[str, Any]) -> str:
    """A fresh single-use code for the client, bound to its redirect URI and PKCE challenge (kept as a digest)."""
    code = security.new_token()
    now = clock.now()
    session.add(SignonCode(id=security.digest(code), client_id=request.client_id, redirect_uri=request.redirect_uri,
                           code_challenge=request.code_challenge, nonce=request.nonce, claims=claims, issued_at=now,
                           expires_at=now + policy.CODE_TTL))
    session.flush()
    return code


def redirect_with_code(node: Node, request: AuthorisationRequest, code: str) -> str:
    """Where the browser goes back to the client: its callback with the code, the state echoed and the issuer."""
    return request.redirect_uri + "?" + urlencode({"code": code, "state": request.state, "iss": issuer(node)})


def start_session(session: Session, *, claims: dict[str, Any]) -> tuple[str, int]:
    """A session of the browser at the provider; its cookie token and lifetime in seconds."""
    token = security.new_token()
    minutes = get_settings().network_signon_session_minutes
    now = clock.now()
    session.add(SignonSession(id=security.digest(token), subject=str(claims["sub"]), claims=claims, created_at=now,
                              expires_at=now + timedelta(minutes=minutes)))
    session.flush()
    return token, minutes * 60


def live_session(session: Session, *, token: str | None) -> dict[str, Any] | None:
    """The claims of a live provider session, None if there is none."""
    if not token:
        return None
    found = session.get(SignonSession, security.digest(token))
    if found is None or found.ended_at is not None or found.expires_at <= clock.now():
        return None
    return dict(found.claims)


def end_session(session: Session, *, token: str | None, client_id: str | None) -> bool:
    """End the browser's provider session, so that no node signs it in again without a password."""
    found = session.get(SignonSession, security.digest(token)) if token else None
    if found is None or found.ended_at is not None:
        return False
    found.ended_at = clock.now()
    audit_service.record(session, actor=ACTOR, action="network.signon_logout", subject_type="network_subject",
                         subject_id=found.subject, detail={"client": client_id})
    session.flush()
    return True


def _authenticate_client(session: Session, *, node: Node, form: dict[str, str]) -> Member:
    if form.get("client_assertion_type") != policy.ASSERTION_TYPE or not form.get("client_assertion"):
        raise ClientAuthenticationFailed("令牌请求须以节点私钥签名的断言认证（private_key_jwt）",
                                         message_en="private_key_jwt client authentication required")
    client_id = form.get("client_id", "")
    try:
        member = client(session, node=node, client_id=client_id)
    except InvalidAuthorisationRequest as exc:
        raise ClientAuthenticationFailed(exc.message, message_en=exc.message_en) from exc
    now = clock.now()
    keys = {k.key_id: k.public_key for k in member.keys_at(now)}
    try:
        claims = policy.verify_signature(form["client_assertion"], keys=keys)
    except IdTokenRefused as exc:
        raise ClientAuthenticationFailed("客户端断言无法用该节点的公钥验证",
                                         message_en="client assertion does not verify") from exc
    policy.check_assertion(claims, client_id=client_id, audience=issuer(node) + "/oidc/token", now=now)
    _use_once(session, claims=claims, client_id=client_id, now=now)
    return member


def _use_once(session: Session, *, claims: dict[str, Any], client_id: str, now: datetime) -> None:
    """Refuse an assertion seen before (by its jti) while it could still be valid; forget the expired ones."""
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 8 <= len(jti) <= 200:
        raise ClientAuthenticationFailed("客户端断言缺少唯一标识（jti）", message_en="assertion has no jti")
    session.execute(delete(SignonAssertion).where(SignonAssertion.expires_at < now - policy.LEEWAY))
    key = security.digest(f"{client_id}:{jti}")
    try:
        with session.begin_nested():  # two requests with one assertion at once: the second meets the first's key
            if session.get(SignonAssertion, key) is not None:
                raise IntegrityError("replayed", None, Exception("replayed"))
            session.add(SignonAssertion(id=key, client_id=client_id,
                                        expires_at=datetime.fromtimestamp(float(claims["exp"]), tz=UTC)))
            session.flush()
    except IntegrityError as exc:
        raise ClientAuthenticationFailed("客户端断言已使用过（重放）", message_en="assertion replayed") from exc


def redeem(session: Session, *, node: Node, form: dict[str, str]) -> dict[str, Any]:
    """The token response for a code: the client authenticated by its signed assertion, the code unused, not
    expired, and bound to this client, redirect URI and code verifier; then an ID token signed with the node's
    current key."""
    member = _authenticate_client(session, node=node, form=form)
    if form.get("grant_type") != "authorization_code":
        raise InvalidGrant("只支持 authorization_code", message_en="unsupported grant_type")
    code = session.scalars(select(SignonCode).where(SignonCode.id == security.digest(form.get("code", "")))
                           .with_for_update()).one_or_none()
    now = clock.now()
    problem = None
    if code is None:
        problem = "unknown code"
    elif code.used_at is not None:
        problem = "code used already"
    elif code.expires_at <= now:
        problem = "code expired"
    elif code.client_id != member.code:
        problem = "code of another client"
    elif code.redirect_uri != form.get("redirect_uri", ""):
        problem = "redirect_uri differs"
    elif not policy.pkce_holds(form.get("code_verifier", ""), code.code_challenge):
        problem = "code_verifier does not match"
    if problem is not None or code is None:
        audit_service.record_regardless(session, actor=ACTOR, action="network.signon_token", outcome="failure",
                                        subject_type="network_member", subject_id=member.code,
                                        detail={"reason": problem})
        raise InvalidGrant(f"授权码无效：{problem}", message_en=f"invalid grant: {problem}")
    code.used_at = now
    key = node.private_key()
    kid = node.key_id()
    id_token = policy.sign_jwt(key, kid=kid, claims=policy.id_token_claims(
        issuer=issuer(node), audience=member.code, nonce=code.nonce, user=code.claims, now=now,
        jti=security.new_token(12)))
    access_token = policy.sign_jwt(key, kid=kid, claims={
        "iss": issuer(node), "aud": issuer(node) + "/oidc/userinfo", "sub": code.claims["sub"], "client_id":
        member.code, "iat": int(now.timestamp()), "exp": int((now + policy.ID_TOKEN_TTL).timestamp()),
        "claims": code.claims})
    audit_service.record(session, actor=ACTOR, action="network.signon_token", subject_type="network_subject",
                         subject_id=str(code.claims["sub"]), detail={"client": member.code})
    session.flush()
    return {"access_token": access_token, "token_type": "Bearer", "id_token": id_token, "scope": "openid profile",
            "expires_in": int(policy.ID_TOKEN_TTL.total_seconds())}


def userinfo(*, node: Node, bearer: str) -> dict[str, Any]:
    """The claims behind an access token this provider issued."""
    keys = {}
    for private in node.signing_keys():
        public = net_policy.public_key_b64(private)
        keys[net_policy.key_id(public)] = public
    claims = policy.verify_signature(bearer, keys=keys)
    now = clock.now().timestamp()
    if claims.get("aud") != issuer(node) + "/oidc/userinfo" or float(claims.get("exp", 0)) < now:
        raise IdTokenRefused("访问令牌无效或已过期", message_en="invalid or expired access token")
    return dict(claims["claims"])
