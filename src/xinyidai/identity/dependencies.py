"""Who may call a route: authentication, role checks and CSRF protection as FastAPI dependencies.

Every route declares its callers with `Allow(...)` (or `Public()` for the few open ones); a test
walks the application and fails on any route that declares neither.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from xinyidai.config import get_settings
from xinyidai.errors import Forbidden, Unauthenticated
from xinyidai.identity import service as identity_service
from xinyidai.identity.enums import Role
from xinyidai.identity.principal import Principal
from xinyidai.web import SessionDep, is_api_request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Unauthenticated):
    """A portal page needs a logged-in user; the edge redirects to the login page."""

    code = "login_required"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def get_optional_principal(request: Request, session: SessionDep) -> Principal | None:
    """The caller from a bearer token or the session cookie, or None for an anonymous request."""
    if hasattr(request.state, "principal"):
        principal: Principal | None = request.state.principal
        return principal
    principal = None
    token = _bearer(request)
    if token is not None:
        principal = identity_service.principal_from_bearer(session, token=token)
        if principal is None:
            raise Unauthenticated("访问令牌无效或已过期", message_en="invalid or expired access token")
    else:
        cookie = request.cookies.get(get_settings().session_cookie_name)
        if cookie:
            found = identity_service.principal_from_session_token(session, token=cookie)
            if found is not None:
                principal, login_session = found
                request.state.csrf_token = login_session.csrf_token
    request.state.principal = principal
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]


class Allow:
    """Dependency: the caller must be authenticated and hold one of `roles`; returns the Principal."""

    def __init__(self, *roles: Role) -> None:
        if not roles:
            raise ValueError("Allow needs at least one role; use Public() for open routes")
        self.roles = frozenset(roles)

    def __call__(self, request: Request, principal: OptionalPrincipal) -> Principal:
        if principal is None:
            if is_api_request(request):
                raise Unauthenticated("需要登录或访问令牌", message_en="authentication required")
            raise LoginRequired("请先登录", message_en="please log in")
        if not principal.roles.intersection(self.roles):
            raise Forbidden("您的角色无权进行此操作", message_en="your role may not do this")
        return principal

    def __repr__(self) -> str:
        return f"Allow({', '.join(sorted(self.roles))})"


class Public:
    """Dependency marking a route open to anyone; returns the caller if there is one."""

    def __call__(self, principal: OptionalPrincipal) -> Principal | None:
        return principal

    def __repr__(self) -> str:
        return "Public()"


async def csrf_protect(request: Request, principal: OptionalPrincipal) -> None:
    """Refuse state-changing browser requests that do not carry the page's CSRF token.

    Requests with a bearer token carry no ambient credentials and need none. A logged-in browser
    must echo its session's token; an anonymous form (login, registration) must echo the token of
    its CSRF cookie (double submit).
    """
    if request.method in SAFE_METHODS or _bearer(request) is not None:
        return
    settings = get_settings()
    if principal is None and is_api_request(request):
        return
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        supplied = value if isinstance(value, str) else None
    expected = (
        getattr(request.state, "csrf_token", None) if principal is not None
        else request.cookies.get(settings.csrf_cookie_name)
    )
    if not supplied or not expected or not hmac.compare_digest(supplied, expected):
        raise Forbidden("页面已过期或请求来源不可信，请刷新页面后重试", message_en="CSRF check failed")
