"""Portal pages of identity: login, logout, registration, language, and administration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyidai.auth.dependencies import AnyUserDep, PlatformAdminDep, Public, csrf_protect, set_session_cookie
from xinyidai.auth.enums import ROLES_BY_KIND, OrgKind, OrgStatus, Role
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.db import MAX_ID
from xinyidai.errors import DomainError
from xinyidai.identity import service
from xinyidai.identity.exceptions import OnboardingRefused
from xinyidai.identity.onboarding import service as onboarding
from xinyidai.identity.schemas import EnterpriseRegistrationCreate, OrganisationCreate, UserCreate
from xinyidai.portal import flash, i18n, nav
from xinyidai.portal.templating import render
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PublicPage = Depends(Public())


def _no_signon() -> dict[str, Any] | None:
    return None


def _no_signon_logout(session: Session, user_id: int) -> str | None:
    return None


# Single sign-on through the network's identity provider, wired by main.py where the network context runs (identity
# sits below it): what the login page shows of it, and where logging out continues for a user signed in by it.
_signon_context: Callable[[], dict[str, Any] | None] = _no_signon
_signon_logout: Callable[[Session, int], str | None] = _no_signon_logout


def use_signon(*, login_context: Callable[[], dict[str, Any] | None],
               logout_target: Callable[[Session, int], str | None]) -> None:
    """Show single sign-on on the login page and end its provider session on logout."""
    global _signon_context, _signon_logout
    _signon_context, _signon_logout = login_context, logout_target


def safe_next(target: str | None) -> str | None:
    """A post-login destination only if it stays on this site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/", dependencies=[PublicPage])
def root(request: Request) -> Response:
    """Send visitors to their home page, or to login."""
    principal: Principal | None = request.state.principal
    return RedirectResponse(nav.home_path(principal) if principal else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse, dependencies=[PublicPage])
def login_page(request: Request, next: Annotated[Text | None, Query(max_length=500)] = None) -> Response:
    """The login form; a visitor already logged in goes on to where they were heading, or home."""
    principal: Principal | None = request.state.principal
    if principal is not None:
        return RedirectResponse(safe_next(next) or nav.home_path(principal), status_code=303)
    return render(request, "identity/login.html", {"next": safe_next(next), "username": "",
                                                   "signon": _signon_context()})


@router.post("/login", response_class=HTMLResponse, dependencies=[PublicPage])
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[Text, Form(max_length=64)],  # the throttle's key: PostgreSQL stores no NUL
    password: Annotated[str, Form(max_length=128)],
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Check credentials; on success open a session and go home."""
    outcome = service.login(session, username=username, password=password, ip_address=client_ip(request))
    if not outcome.ok or outcome.token is None or outcome.user is None:
        status = 429 if outcome.locked_until else 401
        return render(request, "identity/login.html",
                      {"error": outcome.message, "next": safe_next(next), "username": username,
                       "signon": _signon_context()},
                      status_code=status)
    principal = service.principal_from_session_token(session, token=outcome.token)
    assert principal is not None
    target = safe_next(next) or nav.home_path(principal[0])
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, outcome.token)
    return response


@router.post("/logout", dependencies=[PublicPage])
def logout(request: Request, session: SessionDep) -> Response:
    """End the session."""
    principal: Principal | None = request.state.principal
    target = "/login"
    if principal is not None and principal.session_id is not None:
        service.logout(session, session_id=principal.session_id)
        if principal.user_id is not None:
            target = _signon_logout(session, principal.user_id) or target
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(get_settings().session_cookie_name, path="/")
    return response


@router.get("/lang/{code}", dependencies=[PublicPage])
def switch_language(code: Annotated[Text, Path(max_length=10)],
                    next: Annotated[Text | None, Query(max_length=500)] = None) -> Response:
    """Choose the portal language."""
    response = RedirectResponse(safe_next(next) or "/", status_code=303)
    if code in i18n.LANGUAGES:
        response.set_cookie(i18n.LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/register", response_class=HTMLResponse, dependencies=[PublicPage])
def register_page(request: Request) -> Response:
    """The real-name registration form."""
    return render(request, "identity/register.html", {"form": {}})


@router.post("/register", response_class=HTMLResponse, dependencies=[PublicPage])
def register(
    request: Request,
    session: SessionDep,
    uscc: Annotated[str, Form(max_length=30)],
    legal_rep_name: Annotated[str, Form(max_length=50)],
    id_number: Annotated[str, Form(max_length=30)],
    username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=128)],
    mobile: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Real-name registration; on success, go to login."""
    form = {"uscc": uscc, "legal_rep_name": legal_rep_name, "username": username, "display_name": display_name,
            "mobile": mobile}
    try:
        registration_in = EnterpriseRegistrationCreate(
            uscc=uscc, legal_rep_name=legal_rep_name, id_number=id_number, username=username,
            display_name=display_name, password=password, mobile=mobile.strip() or None,
        )
        service.register_enterprise_user(session, registration_in=registration_in)
    except DomainError as exc:
        session.rollback()
        return render(request, "identity/register.html", {"form": form, "errors": [exc.message]},
                      status_code=exc.status_code)
    except ValueError:
        return render(request, "identity/register.html",
                      {"form": form, "errors": ["用户名只能包含字母、数字和 _ . - @，长度3至64位"]},
                      status_code=422)
    # The name is not carried in the address: it may be a mobile number, and addresses reach the logs.
    return flash.redirect("/login", "注册成功，请登录")




@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, principal: AnyUserDep) -> Response:
    """The caller's account: organisation and roles."""
    return _account(request, session, principal)


def _account(request: Request, session: SessionDep, principal: Principal, *, errors: list[str] | None = None,
             status_code: int = 200) -> Response:
    organisation = service.get_organisation(session, organisation_id=principal.organisation_id)
    user = service.get_user(session, user_id=principal.user_id) if principal.user_id is not None else None
    return render(request, "identity/account.html", {
        "organisation": organisation, "mobile_masked": user.mobile_masked if user else None,
        "errors": errors or []}, status_code=status_code)


@router.post("/account/mobile", response_class=HTMLResponse)
def change_mobile(request: Request, session: SessionDep, principal: AnyUserDep,
                  mobile: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Give, change or (empty) remove one's mobile number, where the platform sends text messages."""
    if principal.user_id is None:
        return _account(request, session, principal, errors=["接口客户端没有手机号码"], status_code=422)
    try:
        service.set_mobile(session, user_id=principal.user_id, mobile=mobile, ip_address=client_ip(request))
    except DomainError as exc:
        session.rollback()
        return _account(request, session, principal, errors=[exc.message], status_code=exc.status_code)
    return flash.redirect("/account", "手机号码已保存" if mobile.strip() else "已删除手机号码")


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, principal: AnyUserDep) -> Response:
    """The form to change one's password (the only page open to a user who must change theirs)."""
    return render(request, "identity/password.html", {"forced": principal.must_change_password})


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request, session: SessionDep, principal: AnyUserDep,
    current_password: Annotated[str, Form(max_length=128)], new_password: Annotated[str, Form(max_length=128)],
    confirm_password: Annotated[str, Form(max_length=128)],
) -> Response:
    """Change one's password; on success go to the account page."""
    errors: list[str] = []
    if principal.user_id is None:
        errors = ["接口客户端没有登录密码"]
    elif new_password != confirm_password:
        errors = ["两次输入的新密码不一致"]
    else:
        try:
            service.change_password(session, user_id=principal.user_id, current_password=current_password,
                                    new_password=new_password, keep_session_id=principal.session_id,
                                    ip_address=client_ip(request))
        except DomainError as exc:
            session.commit()  # a wrong current password is on record
            errors = [exc.message]
            return render(request, "identity/password.html", {"forced": principal.must_change_password,
                                                               "errors": errors}, status_code=exc.status_code)
    if errors:
        return render(request, "identity/password.html", {"forced": principal.must_change_password,
                                                           "errors": errors}, status_code=422)
    return RedirectResponse("/account?password_changed=1", status_code=303)


@router.get("/admin/organisations", response_class=HTMLResponse)
def organisations_page(request: Request, session: SessionDep,
                       _: PlatformAdminDep) -> Response:
    """All organisations, and a form to add one."""
    return render(request, "identity/organisations.html", {
        "organisations": service.list_organisations(session), "kinds": [k for k in OrgKind if k != OrgKind.ENTERPRISE],
        "onboarded": onboarding.onboarded_organisations(session),
    })


@router.post("/admin/organisations", response_class=HTMLResponse)
def create_organisation(
    request: Request, session: SessionDep, _: PlatformAdminDep,
    name: Annotated[str, Form(max_length=200)], kind: Annotated[OrgKind, Form()],
    uscc: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    """Add an institution or department."""
    try:
        organisation_in = OrganisationCreate(name=name.strip(), kind=kind, uscc=uscc.strip() or None)
        service.create_organisation(session, organisation_in=organisation_in)
    except DomainError as exc:
        session.rollback()
        return render(request, "identity/organisations.html", {
            "organisations": service.list_organisations(session), "errors": [exc.message],
            "kinds": [k for k in OrgKind if k != OrgKind.ENTERPRISE],
        }, status_code=exc.status_code)
    except ValueError:
        session.rollback()
        return render(request, "identity/organisations.html", {
            "organisations": service.list_organisations(session), "errors": ["机构名称至少2个字"],
            "kinds": [k for k in OrgKind if k != OrgKind.ENTERPRISE],
        }, status_code=422)
    return RedirectResponse("/admin/organisations", status_code=303)


@router.post("/admin/organisations/{organisation_id}/status", response_class=HTMLResponse)
def set_organisation_status(
    session: SessionDep, _: PlatformAdminDep, organisation_id: IdPath,
    status: Annotated[OrgStatus, Form()],
) -> Response:
    """Suspend or reactivate an organisation."""
    if organisation_id in onboarding.onboarded_organisations(session):
        # An onboarded institution is suspended and reinstated on its application, with a reason and an audit.
        raise OnboardingRefused("该机构通过入驻申请接入，请在其接入档案中暂停或恢复接入",
                                message_en="suspend or reinstate this institution on its application")
    service.set_organisation_status(session, organisation_id=organisation_id, status=status)
    return RedirectResponse("/admin/organisations", status_code=303)


def _users_context(session: SessionDep) -> dict[str, object]:
    organisations = service.list_organisations(session)
    return {
        "users": [service.to_user_read(u) for u in service.list_users(session)],
        "organisations": organisations,
        "roles_by_kind": {k.value: sorted(r.value for r in roles) for k, roles in ROLES_BY_KIND.items()},
        "roles": list(Role),
    }


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, _: PlatformAdminDep) -> Response:
    """All users, and a form to add one."""
    return render(request, "identity/users.html", _users_context(session))


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(
    request: Request, session: SessionDep, _: PlatformAdminDep,
    organisation_id: Annotated[int, Form(ge=1, le=MAX_ID)], username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=100)], password: Annotated[str, Form(max_length=128)],
    roles: Annotated[list[Role], Form()],
) -> Response:
    """Add a user."""
    try:
        user_in = UserCreate(organisation_id=organisation_id, username=username, display_name=display_name,
                             password=password, roles=roles)
        service.create_user(session, user_in=user_in)
    except DomainError as exc:
        session.rollback()
        return render(request, "identity/users.html", {**_users_context(session), "errors": [exc.message]},
                      status_code=exc.status_code)
    except ValueError:
        session.rollback()
        return render(request, "identity/users.html",
                      {**_users_context(session), "errors": ["用户名只能包含字母、数字和 _ . - @，长度3至64位"]},
                      status_code=422)
    return RedirectResponse("/admin/users", status_code=303)
