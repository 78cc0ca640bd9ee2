"""API shapes of objections and credit repair."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from xinyidai.rights.enums import ObjectionStatus, RepairStatus
from xinyidai.text import CellText, FieldName, Text


class ObjectionRead(BaseModel):
    """An objection as its parties see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    enterprise_id: int
    record_id: int
    record_key: str
    source_department: str
    reason: str
    status: ObjectionStatus
    filed_at: datetime
    due_date: date
    answered_at: datetime | None
    answer_reason: str | None
    corrected_record_id: int | None
    escalated_at: datetime | None


class ObjectionAnswerCreate(BaseModel):
    """The source department's answer: corrected (with the corrected fields, by name) or upheld."""

    answer: ObjectionStatus = Field(description="corrected 或 upheld")
    reason: Text = Field(min_length=1, max_length=1000)
    values: dict[FieldName, CellText] | None = Field(default=None, description="更正后的字段内容（按字段名），仅更正时")


class RepairRead(BaseModel):
    """A credit-repair application as its parties see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    enterprise_id: int
    record_id: int
    record_key: str
    source_department: str
    fulfilled_date: date
    statement: str
    commitment_sha256: str
    commitment_signed_at: datetime
    status: RepairStatus
    filed_at: datetime
    due_date: date
    decided_at: datetime | None
    decision_reason: str | None
    effective_date: date | None


class RepairDecisionCreate(BaseModel):
    """The department's or platform admin's decision on an application."""

    decision: RepairStatus = Field(description="approved 或 rejected")
    reason: Text = Field(min_length=1, max_length=1000)
