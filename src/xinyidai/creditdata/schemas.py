"""API shapes of credit information."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from xinyidai.creditdata.enums import (
    AuthoritativeChannel,
    CommitmentStatus,
    Sensitivity,
    UpdateCycle,
    VerificationResult,
)
from xinyidai.db import MAX_ID
from xinyidai.money import AmountFenOrZero
from xinyidai.text import CellText, FieldName, Text


class CatalogueItemUpdate(BaseModel):
    """The platform admin's edit of a sub-category; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = Field(default=None, min_length=1, max_length=100)
    sensitivity: Sensitivity | None = None
    update_cycle: UpdateCycle | None = None
    visible_days: int | None = Field(default=None, ge=1, le=36500)
    authoritative_channel: AuthoritativeChannel | None = None
    local_allowed: StrictBool | None = None
    enabled: StrictBool | None = None
    fields: list[dict[FieldName, Any]] | None = Field(default=None, min_length=1, max_length=60)


class CatalogueItemRead(BaseModel):
    """A sub-category as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    category_code: str
    name: str
    source_department: str
    sensitivity: Sensitivity
    update_cycle: UpdateCycle
    visible_days: int | None
    authoritative_channel: AuthoritativeChannel
    local_allowed: bool
    is_negative: bool
    key_fields: list[str]
    date_field: str | None
    fields: list[dict[str, Any]]
    enabled: bool


class CreditRecordRead(BaseModel):
    """One record with its provenance."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    record_key: str
    data: dict[str, Any]
    fact_date: date | None
    channel: str
    source_department: str
    batch_id: int | None
    received_at: datetime
    self_reported: bool = False
    # Who the record comes from as a reader sees it: the department's name, or 企业自主填报（信用承诺）.
    source_label: str = ""
    commitment_id: int | None = None
    # Past its publicity period: shown to the entity itself and the platform only, flagged.
    past_publicity: bool = False
    # 异议处理中: the entity disputes the fact; institutions see it with this mark.
    under_objection: bool = False
    # 已修复: credit repair approved; shown to the entity itself and the platform only, flagged.
    repaired: bool = False
    # The objection whose answer made this version (a correction), when it came that way.
    reference: str | None = None


class CreditFileEntryRead(BaseModel):
    """One sub-category of a credit file."""

    item_code: str
    item_name: str
    sensitivity: Sensitivity
    is_negative: bool = False
    current: list[CreditRecordRead]
    history: list[CreditRecordRead]
    hidden: int


class CreditFileSectionRead(BaseModel):
    """One category of a credit file."""

    category_code: str
    category_name: str
    entries: list[CreditFileEntryRead]


class CreditFileRead(BaseModel):
    """Everything the platform holds on an entity that the caller may see, by category."""

    enterprise_id: int
    uscc: str
    name: str
    generated_at: datetime
    sections: list[CreditFileSectionRead]
    # What the reader was shown: own (everything, hidden flagged), platform (everything), authorised (public and
    # authorised sub-categories, within their publicity periods).
    view: str = "own"
    # Whom the values were desensitised for (consent.masking.Audience): "subject" sees everything in clear.
    audience: str = "subject"


class VerificationCreate(BaseModel):
    """A question to a source system: does the entity meet the condition? `purpose_ref` names the entity's
    authorisation (the financing application's number) when an institution asks."""

    model_config = ConfigDict(extra="forbid")

    enterprise_id: int = Field(ge=1, le=MAX_ID)
    condition: Text = Field(min_length=1, max_length=60)
    parameters: dict[FieldName, Any] = Field(default_factory=dict, max_length=10)
    purpose: Text = Field(min_length=2, max_length=100)
    purpose_ref: Text | None = Field(default=None, min_length=1, max_length=60)


class VerificationRead(BaseModel):
    """The answer kept: never the source's data."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    source_department: str
    condition: str
    parameters: dict[str, Any]
    result: VerificationResult
    source_reference: str | None
    purpose: str
    asked_by_user_id: int | None
    asked_by_organisation_id: int
    asked_at: datetime
    answered_at: datetime | None


class SelfReportCreate(BaseModel):
    """Operating information the entity reports itself, under a credit commitment it must accept."""

    model_config = ConfigDict(extra="forbid")

    report_year: int = Field(ge=1949, le=2100)
    main_products: Text = Field(min_length=2, max_length=500)
    annual_revenue_fen: AmountFenOrZero
    employees: int = Field(ge=0, le=10_000_000)
    # Bounded so that the signed content fits the commitment record (2,000 characters).
    certifications: list[Annotated[Text, Field(min_length=2, max_length=40)]] = Field(default_factory=list,
                                                                                      max_length=10)
    main_customers: Text | None = Field(default=None, max_length=300)
    accept_commitment: StrictBool


class FactsSelfReportCreate(BaseModel):
    """Facts of one self-reportable sub-category (e.g. a crop planted), each by field name or label, under a
    credit commitment the entity must accept."""

    model_config = ConfigDict(extra="forbid")

    values: dict[FieldName, CellText] = Field(min_length=1, max_length=20)
    accept_commitment: StrictBool


class CommitmentRead(BaseModel):
    """A signed credit commitment: who, when, exactly what was promised, and whether it was found false."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    enterprise_id: int
    signed_by_user_id: int
    kind: str
    content: str
    content_sha256: str
    signed_at: datetime
    status: CommitmentStatus
    breached_at: datetime | None
    breach_finding: str | None


class SelfReportRead(BaseModel):
    """What a self-report stored: the commitment and the reported facts as recorded."""

    commitment: CommitmentRead
    item_code: str
    data: dict[str, Any]


class CommitmentBreachCreate(BaseModel):
    """The finding that a commitment was false."""

    model_config = ConfigDict(extra="forbid")

    finding: Text = Field(min_length=4, max_length=1000)
