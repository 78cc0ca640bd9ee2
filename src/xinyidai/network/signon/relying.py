"""The relying party (any node with a parent and single sign-on on): starting a sign-in at the parent provider,
the callback's code exchange signed with this node's key, the ID token checked against the provider's keys that
the network already trusts, and the local user the verified claims make or find here.

The provider's keys are those of its JWKS that the network vouches for (the parent's key configured here, or in its
signed directory): a JWKS served by someone else cannot slip a key in."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.config import get_settings
from xinyidai.identity import security
from xinyidai.identity import service as identity_service
from xinyidai.network import policy as net_policy
from xinyidai.network import service as network_service
from xinyidai.network.service import Node
from xinyidai.network.signon import policy
from xinyidai.network.signon.exceptions import IdTokenRefused, ProviderUnreachable, SignonDisabled
from xinyidai.network.signon.models import FederatedIdentity
from xinyidai.registry import service as registry_service

FLOW_COOKIE = "xyd_sso_flow"
FLOW_TTL_SECONDS = 600
PROBE_TTL_SECONDS = 15.0
PROBE_TIMEOUT_SECONDS = 1.5
ACTOR = audit_service.Actor.system("network.signon")
# The last probe of the provider per URL: (when, reachable). A login page asks at most every PROBE_TTL_SECONDS.
_probes: dict[str, tuple[float, bool]] = {}


def provider_of(node: Node) -> tuple[str, str] | None:
    """The provider's node code and URL: the parent's, unless the settings name another (the national node signs
    in at a provincial node below it)."""
    settings = get_settings()
    code = settings.network_signon_provider_code or node.parent_code
    url = (settings.network_signon_provider_url or node.parent_url or "").rstrip("/")
    return (code, url) if code and url else None


def relying_node() -> Node | None:
    """This node as a relying party, or None where single sign-on is off or there is no provider to sign in at."""
    node = network_service.current_node()
    if node is None or not get_settings().network_signon_enabled or provider_of(node) is None:
        return None
    return node


def require_relying() -> tuple[Node, str, str]:
    """This node as a relying party, with its provider's code and URL; refused otherwise."""
    node = relying_node()
    found = provider_of(node) if node is not None else None
    if node is None or found is None:
        raise SignonDisabled("本节点未启用统一身份认证", message_en="single sign-on is off here")
    return node, found[0], found[1]


def _provider_url(node: Node) -> str:
    found = provider_of(node)
    if found is None:
        raise SignonDisabled("本节点未启用统一身份认证", message_en="single sign-on is off here")
    return found[1]


def redirect_uri(node: Node) -> str:
    """This node's callback, as the provider knows it from the directory."""
    return policy.redirect_uri_of(node.endpoint)


def provider_reachable(node: Node, *, fresh: bool = False, probe: Callable[[str], bool] | None = None) -> bool:
    """Whether the provider answered lately (its metadata), asked at most every few seconds unless `fresh`."""
    url = _provider_url(node)
    now = time.monotonic()
    cached = _probes.get(url)
    if not fresh and cached is not None and now - cached[0] < PROBE_TTL_SECONDS:
        return cached[1]
    reachable = (probe or _probe)(url)
    _probes[url] = (now, reachable)
    return reachable


def _probe(url: str) -> bool:
    try:
        response = httpx.get(url + "/.well-known/openid-configuration", timeout=PROBE_TIMEOUT_SECONDS)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def login_context() -> dict[str, Any] | None:
    """What the login page shows of single sign-on: nothing on a node without it, else whether the provider
    answers (local accounts sign in either way)."""
    node = relying_node()
    if node is None:
        return None
    return {"reachable": provider_reachable(node)}


@dataclass(frozen=True)
class Flow:
    """One sign-in in progress in this browser: state, nonce and the PKCE verifier."""

    state: str
    nonce: str
    verifier: str
    next: str | None = None


def start(node: Node) -> tuple[str, str]:
    """The provider's authorisation URL for a new sign-in, and the flow cookie that keeps its secrets (signed with
    this node's secret key, so the browser cannot change them)."""
    flow = Flow(state=security.new_token(24), nonce=security.new_token(24), verifier=security.new_token(48))
    query = urlencode({"response_type": "code", "client_id": node.code, "redirect_uri": redirect_uri(node),
                       "scope": "openid profile", "state": flow.state, "nonce": flow.nonce,
                       "code_challenge": policy.pkce_challenge(flow.verifier), "code_challenge_method": "S256"})
    cookie = security.issue_token(secret=get_settings().secret_key.get_secret_value(), issuer=_flow_issuer(node),
                                  subject=flow.state, claims={"nonce": flow.nonce, "verifier": flow.verifier},
                                  now=clock.now(), ttl=timedelta(seconds=FLOW_TTL_SECONDS))
    return f"{_provider_url(node)}/oidc/authorize?{query}", cookie


def _flow_issuer(node: Node) -> str:
    return f"xinyidai-sso-flow:{node.code}"


def read_flow(node: Node, *, cookie: str | None, state: str) -> Flow:
    """The flow the callback belongs to: its cookie must verify and carry the state the provider echoed."""
    try:
        claims = security.read_token(cookie or "", secret=get_settings().secret_key.get_secret_value(),
                                     issuer=_flow_issuer(node), now=clock.now())
    except security.InvalidToken as exc:
        raise IdTokenRefused("登录会话已过期，请重新发起统一身份认证登录", message_en="no sign-in in progress") from exc
    if not state or claims.get("sub") != state:
        raise IdTokenRefused("state 参数与本次登录不符", message_en="state mismatch")
    return Flow(state=state, nonce=str(claims["nonce"]), verifier=str(claims["verifier"]))


def trusted_provider_keys(session: Session, *, node: Node) -> dict[str, str]:
    """The provider's keys the network vouches for: the parent's configured here, and the provider's in a signed
    directory this node holds (its parent's, or its own for a child)."""
    keys: dict[str, str] = {}
    found = provider_of(node)
    code = found[0] if found else ""
    if node.parent_public_key and code == node.parent_code:
        public = network_service.parse_public_key(node.parent_public_key)
        keys[net_policy.key_id(public)] = public
    member = network_service.known_members(session, node=node).get(code)
    if member is not None:
        keys.update({k.key_id: k.public_key for k in member.keys_at(clock.now())})
    return keys


def provider_keys(session: Session, *, node: Node, jwks: dict[str, Any]) -> dict[str, str]:
    """The keys of the provider's JWKS that the network vouches for, by key id."""
    trusted = trusted_provider_keys(session, node=node)
    found: dict[str, str] = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        kid = str(jwk.get("kid", ""))
        if kid in trusted and jwk.get("x") == policy.b64url(base64.b64decode(trusted[kid])):
            found[kid] = trusted[kid]
    return found


def exchange(session: Session, *, node: Node, code: str, flow: Flow,
             http: httpx.Client | None = None) -> dict[str, Any]:
    """Redeem the code at the provider (authenticated by an assertion signed with this node's key) and return the
    verified claims of the ID token."""
    base = _provider_url(node)
    now = clock.now()
    assertion = policy.sign_jwt(node.private_key(), kid=node.key_id(), claims=policy.assertion_claims(
        client_id=node.code, audience=base + "/oidc/token", now=now, jti=security.new_token(12)))
    client = http or httpx.Client(timeout=min(node.timeout, 10.0))
    try:
        response = client.post(base + "/oidc/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri(node),
            "code_verifier": flow.verifier, "client_id": node.code,
            "client_assertion_type": policy.ASSERTION_TYPE, "client_assertion": assertion})
        jwks = client.get(base + "/oidc/jwks").json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnreachable("统一身份认证服务暂不可用，请使用本节点账号登录",
                                  message_en="the identity provider is unreachable") from exc
    finally:
        if http is None:
            client.close()
    if response.status_code != 200:
        try:
            reason = str(response.json().get("error_description", ""))
        except ValueError:
            reason = ""
        raise IdTokenRefused(f"身份提供方拒绝了授权码：{reason}"[:200], message_en=f"code refused: {reason}")
    token = str(response.json().get("id_token", ""))
    return policy.verify_id_token(token, keys=provider_keys(session, node=node, jwks=jwks), issuer=base,
                                  audience=node.code, nonce=flow.nonce, now=clock.now())


def sign_in(session: Session, *, node: Node, claims: dict[str, Any],
            ip_address: str | None) -> identity_service.LoginOutcome:
    """Open a session here for the verified subject: the user linked to it, or on first sign-in one made from the
    claims, in the organisation this node holds for the firm's USCC (its registered entity's, or a new one)."""
    found = provider_of(node)
    provider = found[0] if found else ""
    subject = str(claims["sub"])
    link = session.scalars(select(FederatedIdentity).where(FederatedIdentity.provider == provider,
                                                           FederatedIdentity.subject == subject)).one_or_none()
    first = link is None
    if link is None:
        grant = policy.local_grant(claims)
        user = _make_user(session, grant=grant)
        link = FederatedIdentity(provider=provider, subject=subject, user_id=user.id, home_node=grant.home_node,
                                 created_at=clock.now(), last_sign_in_at=clock.now())
        session.add(link)
    else:
        user = identity_service.get_user(session, user_id=link.user_id)
        link.last_sign_in_at = clock.now()
    session.flush()
    if not user.is_active or user.organisation.status != "active":
        raise IdTokenRefused("该账号在本节点已停用", message_en="account disabled here")
    audit_service.record(session, actor=audit_service.Actor.user(user.id, organisation_id=user.organisation_id),
                         action="network.signon_signed_in", subject_type="network_subject", subject_id=subject,
                         ip_address=ip_address, detail={"provider": provider, "first": first,
                                                        "home_node": link.home_node})
    return identity_service.open_session(session, user=user, ip_address=ip_address,
                                         detail={"via": f"signon:{provider}", "subject": subject})


def _make_user(session: Session, *, grant: policy.LocalGrant) -> Any:
    organisation = identity_service.find_organisation_by_uscc(session, uscc=grant.uscc)
    if organisation is not None and organisation.kind != grant.kind.value:
        raise IdTokenRefused("本节点已有同一统一社会信用代码的其他类型机构", message_en="USCC held by another kind")
    if organisation is None:
        enterprise = registry_service.get_by_uscc(session, uscc=grant.uscc) if grant.kind == OrgKind.ENTERPRISE \
            else None
        organisation = identity_service.create_federated_organisation(
            session, name=enterprise.name if enterprise else grant.organisation_name, kind=grant.kind,
            uscc=grant.uscc, enterprise_id=enterprise.id if enterprise else None)
        audit_service.record(session, actor=ACTOR, action="network.signon_organisation_created",
                             subject_type="organisation", subject_id=organisation.id,
                             enterprise_id=organisation.enterprise_id,
                             detail={"uscc": grant.uscc, "kind": grant.kind.value, "home_node": grant.home_node})
    return identity_service.create_federated_user(session, organisation_id=organisation.id, username=grant.username,
                                                  display_name=grant.display_name, roles=list(grant.roles))


def logout_target(session: Session, user_id: int) -> str | None:
    """Where logging out here continues for a user who signed in through the provider: its end of session, which
    comes back to this node's login page."""
    node = relying_node()
    if node is None:
        return None
    linked = session.scalars(select(FederatedIdentity.id).where(FederatedIdentity.user_id == user_id)).first()
    if linked is None:
        return None
    return _provider_url(node) + "/oidc/logout?" + urlencode({"client_id": node.code,
                                                          "post_logout_redirect_uri": node.endpoint + "/login"})
