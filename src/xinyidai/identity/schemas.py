"""API shapes of identity."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from xinyidai.auth.enums import OrgKind, Role
from xinyidai.db import DbId
from xinyidai.text import Text


class OrganisationCreate(BaseModel):
    """A new organisation."""

    name: Text = Field(min_length=2, max_length=200)
    kind: OrgKind
    uscc: Text | None = Field(default=None, max_length=30)
    enterprise_id: DbId | None = None


class OrganisationRead(BaseModel):
    """An organisation as listed to administrators."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: OrgKind
    uscc: str | None
    status: str
    created_at: datetime


class UserCreate(BaseModel):
    """A new portal user of an organisation."""

    organisation_id: DbId
    username: Text = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-@]+$")
    display_name: Text = Field(min_length=1, max_length=100)
    password: Text = Field(min_length=1, max_length=128)
    roles: list[Role] = Field(min_length=1)


class UserRead(BaseModel):
    """A user as listed to administrators."""

    id: int
    organisation_id: DbId
    organisation_name: str
    username: str
    display_name: str
    roles: list[Role]
    is_active: bool
    last_login_at: datetime | None


class EnterpriseRegistrationCreate(BaseModel):
    """Real-name registration of an enterprise's first user."""

    uscc: Text = Field(min_length=1, max_length=30)
    legal_rep_name: Text = Field(min_length=1, max_length=50)
    id_number: Text = Field(min_length=1, max_length=30)
    username: Text = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-@]+$")
    display_name: Text = Field(min_length=1, max_length=100)
    password: Text = Field(min_length=1, max_length=128)
    mobile: Text | None = Field(default=None, max_length=20, description="Where the platform texts the user")


class ApiClientCreate(BaseModel):
    """A new API client of an institution."""

    organisation_id: DbId
    name: Text = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(min_length=1)


class ApiClientCreated(BaseModel):
    """A new client's credentials; the secret is shown this once and never stored in clear."""

    id: int
    client_id: str
    client_secret: str
    roles: list[Role]


class TokenRead(BaseModel):
    """An OAuth2 access token response (RFC 6749 §5.1)."""

    access_token: str
    token_type: str = "Bearer"
    expires_in: int


class MeRead(BaseModel):
    """Who the caller is."""

    organisation_id: DbId
    organisation_kind: OrgKind
    roles: list[Role]
    user_id: int | None
    api_client_id: int | None
    enterprise_id: int | None
    display_name: str


class PasswordChange(BaseModel):
    """The caller's new password, with the current one."""

    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)
