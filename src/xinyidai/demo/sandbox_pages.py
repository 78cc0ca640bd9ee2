"""Portal pages of the API sandbox (接口沙箱): open a sandbox bank, then its credentials (shown once) and how to
start with them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field, ValidationError

from xinyidai.auth.dependencies import InstitutionAdminDep, Public, csrf_protect, set_session_cookie
from xinyidai.demo import api_sandbox
from xinyidai.errors import DomainError
from xinyidai.identity import service as identity_service
from xinyidai.portal import flash
from xinyidai.portal.forms import form_errors
from xinyidai.portal.templating import render
from xinyidai.web import SessionDep, client_ip


def _sandbox_only() -> None:
    """Every page here exists only on a sandbox deployment."""
    if not api_sandbox.is_on():
        raise api_sandbox.NotASandbox("本环境不是接口沙箱", message_en="this deployment is not an API sandbox")


router = APIRouter(include_in_schema=False, dependencies=[Depends(_sandbox_only), Depends(csrf_protect)])
PublicPage = Depends(Public())
CREDENTIALS = "api-sandbox-credentials"


class SandboxBankCreate(BaseModel):
    """A sandbox bank's name, as its developer gives it."""

    name: str = Field(min_length=2, max_length=40)


def _page(request: Request, *, errors: list[str] | None = None, name: str = "", status_code: int = 200) -> Response:
    return render(request, "demo/sandbox.html", {"errors": errors or [], "name": name}, status_code=status_code)


@router.get("/api-sandbox", response_class=HTMLResponse, dependencies=[PublicPage])
def sandbox_page(request: Request) -> Response:
    """The API sandbox: what it is and the form that opens a sandbox bank (only on a sandbox deployment)."""
    return _page(request)


@router.post("/api-sandbox", response_class=HTMLResponse, dependencies=[PublicPage])
def open_bank(request: Request, session: SessionDep, name: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Open a sandbox bank, sign its developer in, and show the credentials once."""
    try:
        bank = api_sandbox.open_bank(session, name=SandboxBankCreate(name=name.strip()).name,
                                     ip_address=client_ip(request))
    except ValidationError as exc:
        return _page(request, errors=form_errors(exc, labels={"name": "机构名称"}), name=name, status_code=422)
    except DomainError as exc:
        session.rollback()
        return _page(request, errors=[exc.message], name=name, status_code=exc.status_code)
    user = identity_service.get_user(session, user_id=bank.user_id)
    opened = identity_service.open_session(session, user=user, ip_address=client_ip(request),
                                           detail={"api_sandbox": True})
    assert opened.token is not None and opened.login_session is not None
    principal = identity_service.principal_for_user(user, session_id=opened.login_session.id)
    response = flash.redirect_with_secret("/api-sandbox/credentials", principal=principal, purpose=CREDENTIALS, secret={
        "username": bank.username, "password": bank.password, "client_id": bank.client_id,
        "client_secret": bank.client_secret})
    set_session_cookie(response, opened.token)
    return response


@router.get("/api-sandbox/credentials", response_class=HTMLResponse)
def credentials_page(request: Request, session: SessionDep, principal: InstitutionAdminDep) -> Response:
    """The sandbox bank's credentials (the secrets only right after opening it) and the first calls to make."""
    organisation = identity_service.get_organisation(session, organisation_id=principal.organisation_id)
    return render(request, "demo/sandbox_credentials.html", {
        "secret": flash.take_secret(request, purpose=CREDENTIALS), "organisation": organisation,
        "clients": identity_service.list_api_clients(session, organisation_id=principal.organisation_id),
        "base_url": str(request.base_url).rstrip("/"),
    })
