"""Single sign-on's routes: the provider's metadata, keys, token and userinfo endpoints (JSON, called by member
nodes' servers), its login page and end of session (the browser's), the home node's credential check for its
parent provider (node-signed), and the relying party's start and callback."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import db
from xinyidai.audit import service as audit_service
from xinyidai.auth.dependencies import NodeSignedRoute, PublicRoute, csrf_protect, set_session_cookie
from xinyidai.config import get_settings
from xinyidai.errors import DomainError
from xinyidai.identity import service as identity_service
from xinyidai.network import service as network_service
from xinyidai.network.signon import policy, provider, relying
from xinyidai.network.signon.exceptions import (
    IdTokenRefused,
    InvalidAuthorisationRequest,
    ProviderUnreachable,
    SignInRefused,
)
from xinyidai.portal import flash, nav
from xinyidai.portal.templating import render
from xinyidai.text import Text
from xinyidai.web import SessionDep, client_ip

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthRoute(APIRoute):
    """A route of the provider's machine endpoints: a request its declared fields refuse (a form field over its
    bound) is answered as OAuth 2.0 answers a malformed request (RFC 6749 §5.2: 400, `invalid_request`, in JSON),
    not with the portal's HTML page, which is what the application answers outside /api/."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                fields = ", ".join(sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")}))
                return JSONResponse({"error": "invalid_request", "error_description": f"invalid fields: {fields}",
                                     "message": "请求参数不正确"}, status_code=400, headers=NO_STORE)

        return route


# Called by other nodes' servers, with no cookie: no CSRF token to carry (the token endpoint authenticates the
# client by its signed assertion).
api = APIRouter(include_in_schema=False, route_class=OAuthRoute)
pages = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PROVIDER_COOKIE = "xyd_sso_provider"
VERIFY_TOPIC = "signon.verify"  # how a refused credential check is named in the message log
Param = Annotated[Text, Query(max_length=300)]
FormParam = Annotated[Text, Form(max_length=300)]


def _oauth_error(exc: DomainError) -> JSONResponse:
    """An OAuth 2.0 error body for a refusal of the token or userinfo endpoint."""
    return JSONResponse({"error": getattr(exc, "oauth_error", "invalid_request"), "error_description":
                         exc.message_en, "message": exc.message}, status_code=exc.status_code, headers=NO_STORE)


# The provider ------------------------------------------------------------------------------------------------------


@api.get("/.well-known/openid-configuration", dependencies=[PublicRoute])
def openid_configuration() -> Response:
    """The provider's OpenID Connect metadata."""
    return JSONResponse(provider.discovery(provider.require_provider()))


@api.get("/oidc/jwks", dependencies=[PublicRoute])
def jwks() -> Response:
    """The provider's public signing keys (current and, during a rotation, previous)."""
    return JSONResponse(provider.jwks(provider.require_provider()))


TokenField = Annotated[Text, Form(max_length=4096)]


@api.post("/oidc/token", dependencies=[PublicRoute])
def token(session: SessionDep, grant_type: TokenField = "", code: TokenField = "", redirect_uri: TokenField = "",
          code_verifier: TokenField = "", client_id: TokenField = "", client_assertion_type: TokenField = "",
          client_assertion: TokenField = "") -> Response:
    """Redeem an authorisation code (client authenticated by private_key_jwt, PKCE verifier). A refusal is an
    OAuth error body, and what it audits stays."""
    fields = {"grant_type": grant_type, "code": code, "redirect_uri": redirect_uri, "code_verifier": code_verifier,
              "client_id": client_id, "client_assertion_type": client_assertion_type,
              "client_assertion": client_assertion}
    try:
        body = provider.redeem(session, node=provider.require_provider(), form=fields)
    except DomainError as exc:
        return _oauth_error(exc)
    return JSONResponse(body, headers=NO_STORE)


@api.get("/oidc/userinfo", dependencies=[PublicRoute])
def userinfo(request: Request) -> Response:
    """The claims behind an access token."""
    header = request.headers.get("authorization", "")
    try:
        node = provider.require_provider()
        if not header.lower().startswith("bearer "):
            raise IdTokenRefused("缺少访问令牌", message_en="bearer token required")
        return JSONResponse(provider.userinfo(node=node, bearer=header[7:].strip()), headers=NO_STORE)
    except DomainError as exc:
        return _oauth_error(exc)


def _request(client_id: str, redirect_uri: str, response_type: str, scope: str, state: str, nonce: str,
             code_challenge: str, code_challenge_method: str) -> provider.AuthorisationRequest:
    return provider.AuthorisationRequest(client_id=client_id, redirect_uri=redirect_uri, response_type=response_type,
                                         scope=scope, state=state, nonce=nonce, code_challenge=code_challenge,
                                         code_challenge_method=code_challenge_method)


def _login_page(request: Request, session: Session, node: network_service.Node,
                asked: provider.AuthorisationRequest, *, error: str | None = None, home: str = "",
                username: str = "", status_code: int = 200) -> Response:
    member = provider.client(session, node=node, client_id=asked.client_id)
    return render(request, "network/signon_login.html", {
        "params": asked.as_query(), "nodes": provider.home_nodes(session, node=node), "client_name": member.name,
        "error": error, "home": home or node.code, "username": username}, status_code=status_code)


@pages.get("/oidc/authorize", response_class=HTMLResponse, dependencies=[PublicRoute])
def authorize(request: Request, session: SessionDep, client_id: Param = "", redirect_uri: Param = "",
              response_type: Param = "", scope: Param = "", state: Param = "", nonce: Param = "",
              code_challenge: Param = "", code_challenge_method: Param = "") -> Response:
    """A member node's sign-in request: a browser with a live provider session goes straight back with a code,
    any other is shown the login form (所属节点, 用户名, 密码)."""
    node = provider.require_provider()
    asked = _request(client_id, redirect_uri, response_type, scope, state, nonce, code_challenge,
                     code_challenge_method)
    provider.check_request(session, node=node, request=asked)
    claims = provider.live_session(session, token=request.cookies.get(PROVIDER_COOKIE))
    if claims is not None:
        code = provider.issue_code(session, request=asked, claims=claims)
        return RedirectResponse(provider.redirect_with_code(node, asked, code), status_code=303)
    return _login_page(request, session, node, asked)


@pages.post("/oidc/authorize", response_class=HTMLResponse, dependencies=[PublicRoute])
def authorize_login(request: Request, session: SessionDep, home_node: Annotated[Text, Form(pattern=r"^\d{6}$")],
                    username: Annotated[Text, Form(max_length=64)], password: Annotated[str, Form(max_length=128)],
                    client_id: FormParam = "", redirect_uri: FormParam = "", response_type: FormParam = "",
                    scope: FormParam = "", state: FormParam = "", nonce: FormParam = "",
                    code_challenge: FormParam = "", code_challenge_method: FormParam = "") -> Response:
    """Check the credentials at the user's home node; on success a provider session and a code for the client."""
    node = provider.require_provider()
    asked = _request(client_id, redirect_uri, response_type, scope, state, nonce, code_challenge,
                     code_challenge_method)
    provider.check_request(session, node=node, request=asked)
    try:
        claims = provider.authenticate(session, node=node, home_code=home_node, username=username,
                                       password=password, client_id=asked.client_id, ip_address=client_ip(request))
    except SignInRefused as exc:
        # A page, not an error: the failure counted here (a user of this node) stays counted.
        return _login_page(request, session, node, asked, error=exc.message, home=home_node, username=username,
                           status_code=401)
    code = provider.issue_code(session, request=asked, claims=claims)
    cookie, max_age = provider.start_session(session, claims=claims)
    response = RedirectResponse(provider.redirect_with_code(node, asked, code), status_code=303)
    response.set_cookie(PROVIDER_COOKIE, cookie, max_age=max_age, httponly=True,
                        secure=get_settings().session_cookie_secure, samesite="lax", path="/oidc")
    return response


@pages.get("/oidc/logout", dependencies=[PublicRoute])
def end_session(request: Request, session: SessionDep, client_id: Param = "",
                post_logout_redirect_uri: Param = "") -> Response:
    """End the browser's provider session; back to the member node's login page if it asked for it."""
    node = provider.require_provider()
    provider.end_session(session, token=request.cookies.get(PROVIDER_COOKIE), client_id=client_id or None)
    target = "/login"
    if client_id and post_logout_redirect_uri:
        member = provider.client(session, node=node, client_id=client_id)
        if not policy.logout_target_ok(post_logout_redirect_uri, member.endpoint):
            raise InvalidAuthorisationRequest("退出后的跳转地址不是该节点的登录页",
                                              message_en="post_logout_redirect_uri is not the client's login page")
        target = post_logout_redirect_uri
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(PROVIDER_COOKIE, path="/oidc")
    return response


# The home node -----------------------------------------------------------------------------------------------------


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] | None = getattr(request.app.state, "session_factory", None)
    return factory or db.get_database().session_factory


async def _small_body(request: Request) -> bytes:
    """The body of a credential check, refused past a few kilobytes without reading the rest."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > 4096:
            raise InvalidAuthorisationRequest("核验请求过大", message_en="verify request too large")
        chunks.append(chunk)
    return b"".join(chunks)


@api.post(provider.VERIFY_PATH, dependencies=[NodeSignedRoute])
def verify(request: Request, raw: Annotated[bytes, Depends(_small_body)]) -> Response:
    """The parent provider asks this node to check one of its users' credentials (signed request, the body's
    digest in the signed query); the claims, or 401 with the reason."""
    node = network_service.require_node()
    headers = {k: request.headers.get(k, "") for k in (network_service.H_NODE, network_service.H_KEY,
                                                          network_service.H_TIME, network_service.H_NONCE,
                                                          network_service.H_SIGNATURE)}
    factory = _factory(request)
    try:
        with db.transaction(factory) as session:
            status, body = provider.verify_for_provider(session, node=node, path=request.url.path,
                                                        query=request.url.query, headers=headers, raw=raw)
    except DomainError as exc:
        # Kept in the message log like a refused batch; never the body (it holds a password), nor its digest.
        network_service.log_refusal(factory, error=exc, peer_code=headers[network_service.H_NODE] or None,
                                    topic=VERIFY_TOPIC, raw=None)
        raise
    content, signed = provider.signed_answer(node, nonce=headers[network_service.H_NONCE], status=status, body=body)
    return Response(content, status_code=status, media_type="application/json", headers={**NO_STORE, **signed})


# The relying party ---------------------------------------------------------------------------------------------------


@pages.get("/sso/login", dependencies=[PublicRoute])
def sso_login(request: Request) -> Response:
    """Start a sign-in at the parent provider (state, nonce and PKCE verifier kept in a signed cookie)."""
    node, _, _ = relying.require_relying()
    if not relying.provider_reachable(node, fresh=True):
        return flash.redirect("/login", "统一身份认证服务暂不可用，请使用本节点账号登录")
    url, cookie = relying.start(node)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(relying.FLOW_COOKIE, cookie, max_age=relying.FLOW_TTL_SECONDS, httponly=True,
                        secure=get_settings().session_cookie_secure, samesite="lax", path="/sso")
    return response


@pages.get("/sso/callback", dependencies=[PublicRoute])
def sso_callback(request: Request, session: SessionDep, code: Param = "", state: Param = "", error: Param = "",
                 iss: Param = "") -> Response:
    """Back from the provider: the code exchanged, the ID token verified, the local user found or made, logged in."""
    node, _, provider_url = relying.require_relying()
    if error:
        return flash.redirect("/login", "统一身份认证登录未完成，请重试或使用本节点账号登录")
    if iss and iss != provider_url:
        raise IdTokenRefused("回调不是来自本节点的身份提供方", message_en="callback from another issuer")
    try:
        flow = relying.read_flow(node, cookie=request.cookies.get(relying.FLOW_COOKIE), state=state)
        claims = relying.exchange(session, node=node, code=code, flow=flow)
        outcome = relying.sign_in(session, node=node, claims=claims, ip_address=client_ip(request))
    except ProviderUnreachable as exc:
        return flash.redirect("/login", exc.message)
    except DomainError as exc:
        # The refusal raises and the request's work rolls back; its record stays.
        audit_service.record_regardless(session, actor=relying.ACTOR, action="network.signon_signed_in",
                                        outcome="failure", ip_address=client_ip(request),
                                        detail={"reason": exc.message_en[:200]})
        raise
    assert outcome.token is not None and outcome.user is not None
    found = identity_service.principal_from_session_token(session, token=outcome.token)
    assert found is not None
    principal = found[0]
    target = nav.home_path(principal) if principal.enterprise_id is not None or \
        principal.organisation_kind.value != "enterprise" else "/account"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, outcome.token)
    response.delete_cookie(relying.FLOW_COOKIE, path="/sso")
    return response

