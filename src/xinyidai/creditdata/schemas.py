"""API shapes of credit information."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from xinyidai.creditdata.enums import AuthoritativeChannel, Sensitivity, UpdateCycle


class CatalogueItemUpdate(BaseModel):
    """The platform admin's edit of a sub-category; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    sensitivity: Sensitivity | None = None
    update_cycle: UpdateCycle | None = None
    visible_days: int | None = Field(default=None, ge=1, le=36500)
    authoritative_channel: AuthoritativeChannel | None = None
    local_allowed: bool | None = None
    enabled: bool | None = None
    fields: list[dict[str, Any]] | None = Field(default=None, min_length=1, max_length=60)


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


class CreditFileEntryRead(BaseModel):
    """One sub-category of a credit file."""

    item_code: str
    item_name: str
    sensitivity: Sensitivity
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
