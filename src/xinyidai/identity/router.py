"""REST API of identity: OAuth2 token endpoint, the caller, and administration."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from xinyidai.auth.dependencies import AnyUserDep, PlatformAdminDep, Public
from xinyidai.auth.enums import OrgKind
from xinyidai.errors import Forbidden
from xinyidai.identity import service
from xinyidai.identity.exceptions import InvalidClientCredentials
from xinyidai.identity.schemas import (
    ApiClientCreate,
    ApiClientCreated,
    EnterpriseRegistrationCreate,
    MeRead,
    OrganisationCreate,
    OrganisationRead,
    PasswordChange,
    TokenRead,
    UserCreate,
    UserRead,
)
from xinyidai.text import Text, UnsafeText, check_text
from xinyidai.web import IdQuery, SessionDep, client_ip

router = APIRouter(prefix="/api/v1", tags=["identity"])
# The token endpoint authenticates by the client's own credentials in the request, never by a cookie, so it is
# mounted apart from the CSRF check the other API routers share.
oauth_router = APIRouter(prefix="/api/v1", tags=["identity"])



CLIENT_ID_MAX = 64  # the column's length
CLIENT_SECRET_MAX = 200


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return None
    # Held to the bounds of the form's fields: a NUL or an overlong id never reaches the lookup or the audit entry.
    try:
        check_text(client_id)
    except UnsafeText:
        raise InvalidClientCredentials("客户端凭证无效", message_en="invalid client credentials") from None
    if len(client_id) > CLIENT_ID_MAX or len(secret) > CLIENT_SECRET_MAX:
        raise InvalidClientCredentials("客户端凭证无效", message_en="invalid client credentials")
    return client_id, secret


@oauth_router.post("/oauth/token", response_model=TokenRead, dependencies=[Depends(Public())])
def token(
    request: Request,
    session: SessionDep,
    grant_type: Annotated[Text, Form(max_length=40)],
    client_id: Annotated[Text | None, Form(max_length=CLIENT_ID_MAX)] = None,
    client_secret: Annotated[str | None, Form(max_length=CLIENT_SECRET_MAX)] = None,
) -> TokenRead:
    """OAuth2 client-credentials grant (form body or HTTP Basic) for institutions' systems."""
    if grant_type != "client_credentials":
        raise InvalidClientCredentials("仅支持 client_credentials 授权方式", message_en="unsupported grant_type")
    basic = _basic_credentials(request)
    if basic is not None:
        client_id, client_secret = basic
    if not client_id or not client_secret:
        raise InvalidClientCredentials("缺少客户端凭证", message_en="client credentials missing")
    outcome = service.issue_client_token(session, client_id=client_id, client_secret=client_secret)
    if outcome.token is None:
        assert outcome.refusal is not None
        session.commit()  # the refusal is answered, but the failure it counts must stand
        raise outcome.refusal
    return outcome.token


@router.get("/me", response_model=MeRead)
def me(principal: AnyUserDep) -> MeRead:
    """Who the caller is: organisation, kind and roles."""
    return MeRead(
        organisation_id=principal.organisation_id, organisation_kind=principal.organisation_kind,
        roles=sorted(principal.roles), user_id=principal.user_id, api_client_id=principal.api_client_id,
        enterprise_id=principal.enterprise_id, display_name=principal.display_name,
    )


@router.post("/me/password", status_code=204)
def change_my_password(request: Request, session: SessionDep, principal: AnyUserDep,
                       change_in: PasswordChange) -> Response:
    """Change the caller's own password (a user's; API clients have secrets, not passwords)."""
    if principal.user_id is None:
        raise Forbidden("接口客户端没有登录密码", message_en="API clients have no password to change")
    service.change_password(session, user_id=principal.user_id, current_password=change_in.current_password,
                            new_password=change_in.new_password, keep_session_id=principal.session_id,
                            ip_address=client_ip(request))
    return Response(status_code=204)


@router.post("/registrations", response_model=UserRead, status_code=201, dependencies=[Depends(Public())])
def register(session: SessionDep, registration_in: EnterpriseRegistrationCreate) -> UserRead:
    """Real-name registration of an enterprise's first user."""
    user = service.register_enterprise_user(session, registration_in=registration_in)
    return service.to_user_read(user)


@router.get("/admin/organisations", response_model=list[OrganisationRead])
def list_organisations(
    session: SessionDep, _: PlatformAdminDep, kind: OrgKind | None = None
) -> list[OrganisationRead]:
    """All organisations, optionally of one kind."""
    return [OrganisationRead.model_validate(o) for o in service.list_organisations(session, kind=kind)]


@router.post("/admin/organisations", response_model=OrganisationRead, status_code=201)
def create_organisation(
    session: SessionDep, _: PlatformAdminDep, organisation_in: OrganisationCreate
) -> OrganisationRead:
    """Add an institution or department."""
    return OrganisationRead.model_validate(service.create_organisation(session, organisation_in=organisation_in))


@router.get("/admin/users", response_model=list[UserRead])
def list_users(
    session: SessionDep, _: PlatformAdminDep, organisation_id: IdQuery | None = None
) -> list[UserRead]:
    """All users, optionally of one organisation."""
    return [service.to_user_read(u) for u in service.list_users(session, organisation_id=organisation_id)]


@router.post("/admin/users", response_model=UserRead, status_code=201)
def create_user(
    session: SessionDep, _: PlatformAdminDep, user_in: UserCreate
) -> UserRead:
    """Add a user to an organisation with roles its kind allows."""
    return service.to_user_read(service.create_user(session, user_in=user_in))


@router.post("/admin/api-clients", response_model=ApiClientCreated, status_code=201)
def create_api_client(
    session: SessionDep, _: PlatformAdminDep, client_in: ApiClientCreate
) -> ApiClientCreated:
    """Issue OAuth2 client credentials to an institution; the secret is shown once."""
    return service.create_api_client(session, client_in=client_in)
