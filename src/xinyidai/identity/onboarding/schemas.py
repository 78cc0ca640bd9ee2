"""API shapes of institution onboarding."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool

from xinyidai.auth.enums import OrgKind, Role
from xinyidai.text import Text

USERNAME_PATTERN = r"^[A-Za-z0-9_.\-@]+$"


class InstitutionApplicationCreate(BaseModel):
    """An institution's application to connect."""

    organisation_name: Text = Field(min_length=2, max_length=200)
    uscc: Text = Field(min_length=1, max_length=30)
    kind: OrgKind
    licence_number: Text = Field(min_length=4, max_length=60)
    contact_name: Text = Field(min_length=1, max_length=50)
    contact_mobile: Text = Field(min_length=11, max_length=20)
    requested_scopes: list[Annotated[Text, Field(min_length=1, max_length=40)]] = Field(min_length=1, max_length=10)


class InstitutionApplicationReceipt(BaseModel):
    """What the applicant keeps to check its application's status."""

    reference: str
    status: str
    status_label: str


class ApplicationStatusRead(BaseModel):
    """The status an applicant sees with its reference and USCC (no personal data)."""

    reference: str
    organisation_name: str
    status: str
    status_label: str
    submitted_at: datetime
    decided_at: datetime | None
    decision_note: str | None


class AssessmentResultUpdate(BaseModel):
    """The admin's finding on one checklist item."""

    item_code: Text = Field(min_length=1, max_length=40)
    passed: StrictBool
    note: Text = Field(min_length=2, max_length=500)
    evidence_ref: Text = Field(min_length=2, max_length=200)


class AssessmentResultRead(BaseModel):
    """One checklist item with its finding, if recorded."""

    item_code: str
    title: str
    requirement: str
    basis: str
    passed: bool | None
    note: str | None
    evidence_ref: str | None
    assessed_at: datetime | None


class CommitmentRead(BaseModel):
    """A signed usage commitment."""

    text_version: str
    text_sha256: str
    signer_name: str
    signed_by_user_id: int
    signed_at: datetime


class InstitutionApplicationRead(BaseModel):
    """An application as the platform admin, or the institution itself, sees it (mobile masked)."""

    id: int
    reference: str
    organisation_name: str
    uscc: str
    kind: OrgKind
    licence_number: str
    contact_name: str
    contact_mobile_masked: str
    requested_scopes: list[str]
    status: str
    status_label: str
    submitted_at: datetime
    decided_at: datetime | None
    decision_note: str | None
    organisation_id: int | None
    suspended_at: datetime | None
    suspension_reason: str | None
    checklist: list[AssessmentResultRead]
    commitment: CommitmentRead | None


class ApprovalCreate(BaseModel):
    """Approval of an assessed application; the institution's first admin gets this username."""

    admin_username: Text | None = Field(default=None, min_length=3, max_length=64, pattern=USERNAME_PATTERN)
    note: Text | None = Field(default=None, max_length=500)


class ApprovalRead(BaseModel):
    """The approved application and its first admin's one-time password (shown this once)."""

    application: InstitutionApplicationRead
    organisation_id: int
    admin_username: str
    initial_password: str


class ReasonCreate(BaseModel):
    """Why the admin rejects or suspends."""

    reason: Text = Field(min_length=2, max_length=500)


class CommitmentCreate(BaseModel):
    """The institution admin's signature: it quotes the digest of the text it was shown and agrees."""

    text_sha256: Text = Field(min_length=64, max_length=64)
    agree: StrictBool


class InstitutionApiClientCreate(BaseModel):
    """A new API client the institution admin issues for its own organisation."""

    name: Text = Field(min_length=1, max_length=100)
    roles: list[Role] = Field(min_length=1)
