"""Who may call a route: authentication, role checks and CSRF protection as FastAPI dependencies.

Every route declares its callers with one of the role dependencies below (each `Allow(...)` of a set of roles,
defined once here) or `Public()` for the few open ones; a test walks the application and fails on any route that
declares neither. How a bearer token or a session cookie becomes a caller is identity's business: the
application hands this module a `PrincipalSource` (`app.state.principal_source`), so the foundation imports no
context.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from xinyidai.auth.enums import INSTITUTION_READER_ROLES, Role
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.errors import Forbidden, Unauthenticated
from xinyidai.web import SessionDep, is_api_request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Unauthenticated):
    """A portal page needs a logged-in user; the edge redirects to the login page."""

    code = "login_required"


class PasswordChangeRequired(Forbidden):
    """The user must change a password that was shown to someone else before anything else; the portal's edge
    redirects to the change form, the API answers 403 with this code."""

    code = "password_change_required"


# Where a user who must change their password may still go: the change form and its API, and out.
PASSWORD_CHANGE_PAGE = "/account/password"
PASSWORD_CHANGE_PATHS = frozenset({PASSWORD_CHANGE_PAGE, "/api/v1/me/password", "/logout"})


@dataclass(frozen=True)
class PrincipalSource:
    """How a request's credentials become a caller: identity provides it, `create_app` installs it."""

    # An API client's bearer token → its principal, or None when the token is not (or no longer) good.
    from_bearer: Callable[[Session, str], Principal | None]
    # A session cookie → the user's principal and the session's CSRF token, or None for a dead session.
    from_session_cookie: Callable[[Session, str], tuple[Principal, str] | None]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def get_optional_principal(request: Request, session: SessionDep) -> Principal | None:
    """The caller from a bearer token or the session cookie, or None for an anonymous request."""
    if hasattr(request.state, "principal"):
        principal: Principal | None = request.state.principal
        return principal
    source: PrincipalSource = request.app.state.principal_source
    principal = None
    token = _bearer(request)
    if token is not None:
        principal = source.from_bearer(session, token)
        if principal is None:
            raise Unauthenticated("访问令牌无效或已过期", message_en="invalid or expired access token")
    else:
        cookie = request.cookies.get(get_settings().session_cookie_name)
        if cookie:
            found = source.from_session_cookie(session, cookie)
            if found is not None:
                principal, request.state.csrf_token = found
    if principal is not None and principal.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired("请先修改初始密码：初始密码曾由他人经手，修改后方可使用平台",
                                     message_en="change your initial password first (POST /api/v1/me/password)")
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


PublicRoute = Depends(Public())


class NodeSigned(Public):
    """Dependency marking a route between nodes of the platform network: open to no user session or API client
    token (it reads neither, and opens no transaction of its own); the route checks the Ed25519 signature of a
    member of the network directory on the request or the batch it carries."""

    def __call__(self) -> None:  # type: ignore[override]
        return None

    def __repr__(self) -> str:
        return "NodeSigned()"


NodeSignedRoute = Depends(NodeSigned())
# A public route that still adapts to a caller who happens to be logged in.
PublicCallerDep = Annotated[Principal | None, Depends(Public())]

ENTERPRISE = (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF)
BANK_STAFF = (Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER)
SANDBOX_USERS = (*BANK_STAFF, Role.AGENCY_ANALYST)
# The people and systems of an institution that carries a loan's risk: the lending bank, the guarantee company.
RISK_HOLDERS = (*BANK_STAFF, Role.GUARANTEE_OFFICER)

# The role dependencies, each defined once: a route names the one whose callers it serves.
AnyUserDep = Annotated[Principal, Depends(Allow(*Role))]
PlatformAdminDep = Annotated[Principal, Depends(Allow(Role.PLATFORM_ADMIN))]
# The platform operator and the credit office (发改委) that oversees it: audit, coverage, scoring runs, rights.
OversightDep = Annotated[Principal, Depends(Allow(Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR))]
EnterpriseUserDep = Annotated[Principal, Depends(Allow(*ENTERPRISE))]
BankStaffDep = Annotated[Principal, Depends(Allow(*BANK_STAFF))]
BankManagerDep = Annotated[Principal, Depends(Allow(Role.BANK_MANAGER))]
# A product's keepers: its bank's manager, and the platform administrator who reviews it.
ProductKeeperDep = Annotated[Principal, Depends(Allow(Role.BANK_MANAGER, Role.PLATFORM_ADMIN))]
BankOfficerDep = Annotated[Principal, Depends(Allow(Role.BANK_LOAN_OFFICER))]
GuaranteeOfficerDep = Annotated[Principal, Depends(Allow(Role.GUARANTEE_OFFICER))]
InstitutionAdminDep = Annotated[Principal, Depends(Allow(Role.INSTITUTION_ADMIN))]
PlatformOrInstitutionAdminDep = Annotated[Principal, Depends(Allow(Role.PLATFORM_ADMIN, Role.INSTITUTION_ADMIN))]
# A department's data officer (deliveries, objections, repairs, registrations), or the platform admin.
DataOfficerDep = Annotated[Principal, Depends(Allow(Role.DEPARTMENT_DATA_OFFICER, Role.PLATFORM_ADMIN))]
# Public credit checks on bidders (公共信用核查): a government department's systems (OAuth2 clients holding the data
# officer's role, e.g. the public resource trading centre's) and its people; public information only, no consent.
CreditCheckerDep = Annotated[Principal, Depends(Allow(Role.DEPARTMENT_DATA_OFFICER, Role.GOVERNMENT_SUPERVISOR))]
# Institutions' people and systems that read an entity's credit information under its authorisation.
InstitutionReaderDep = Annotated[Principal, Depends(Allow(*INSTITUTION_READER_ROLES))]
# Who may ask for an entity's credit information; the service narrows it to the entity and those it authorised.
CreditRequesterDep = Annotated[Principal, Depends(Allow(*ENTERPRISE, *INSTITUTION_READER_ROLES))]
CreditReaderDep = Annotated[Principal, Depends(Allow(*ENTERPRISE, *INSTITUTION_READER_ROLES, Role.PLATFORM_ADMIN))]
# The parties to a loan or an order: the borrower, its bank, the platform.
LoanPartyDep = Annotated[Principal, Depends(Allow(*ENTERPRISE, *BANK_STAFF, Role.PLATFORM_ADMIN))]
# The parties of an industry-chain community: firms (its leader and members), banks (its lender), the platform admin.
ChainPartyDep = Annotated[Principal, Depends(Allow(*ENTERPRISE, *BANK_STAFF, Role.PLATFORM_ADMIN))]
# The parties to an objection or a repair: the entity, the source department, the platform and its overseer.
RightsPartyDep = Annotated[Principal, Depends(
    Allow(*ENTERPRISE, Role.DEPARTMENT_DATA_OFFICER, Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR))]
# Who manages an institution's webhook endpoints: its bank manager (信贷主管) or its administrator (机构管理员).
WebhookManagerDep = Annotated[Principal, Depends(Allow(Role.BANK_MANAGER, Role.INSTITUTION_ADMIN))]
# Post-loan monitoring's risk inbox: the institutions that carry a loan's risk.
RiskHolderDep = Annotated[Principal, Depends(Allow(*RISK_HOLDERS))]
# A community's grid worker: the visit log, the QR code that brings merchants in.
GridWorkerDep = Annotated[Principal, Depends(Allow(Role.GRID_WORKER))]
SandboxUserDep = Annotated[Principal, Depends(Allow(*SANDBOX_USERS))]
SandboxViewerDep = Annotated[Principal, Depends(Allow(*SANDBOX_USERS, Role.PLATFORM_ADMIN))]


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


def set_session_cookie(response: Response, token: str) -> None:
    """Give the browser the portal session `token` opened for it (read back by `current_principal`); the anonymous
    CSRF cookie goes, since the session carries its own token."""
    settings = get_settings()
    response.set_cookie(settings.session_cookie_name, token, max_age=settings.session_ttl_minutes * 60,
                        httponly=True, secure=settings.session_cookie_secure, samesite="lax", path="/")
    response.delete_cookie(settings.csrf_cookie_name)
