"""API shapes of post-loan monitoring: rules, alerts and their handling."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StrictInt

from xinyidai.monitoring.enums import HandlingAction
from xinyidai.text import Text

MAX_THRESHOLD = 10**15
KindText = Annotated[Text, Field(min_length=1, max_length=40)]


class RuleCreate(BaseModel):
    """A new version of one signal's rule, as the platform admin writes it."""

    signal: Text = Field(min_length=1, max_length=40, description="监测信号，如 admin_penalty")
    severity: Text = Field(min_length=1, max_length=12, description="hint 提示 / attention 关注 / warning 预警 / "
                                                                    "severe 严重")
    recipient_kinds: list[KindText] = Field(max_length=5, description="接收机构类别：bank、guarantee_company")
    threshold: StrictInt | None = Field(default=None, ge=-MAX_THRESHOLD, le=MAX_THRESHOLD,
                                        description="阈值（仅部分信号使用），不能为负数")
    enabled: StrictBool = True


class RuleRead(BaseModel):
    """One version of a rule."""

    id: int
    signal: str
    signal_label: str
    version: int
    threshold: int | None
    severity: str
    severity_label: str
    recipient_kinds: list[str]
    enabled: bool
    created_at: datetime


class AlertRead(BaseModel):
    """An alert as its institution sees it: the category and the change, never the record's content; `change` is
    withheld when the post-loan authorisation it was raised under is no longer active."""

    id: int
    enterprise_id: int
    enterprise_name: str
    signal: str
    signal_label: str
    severity: str
    severity_label: str
    rule_version: int | None
    category_code: str | None
    category_name: str | None
    change: str | None
    fact_date: date | None
    record_id: int | None
    authorisation_id: int | None
    credit_line_id: int | None
    raised_at: datetime
    due_at: datetime
    status: str
    status_label: str
    action: str | None
    action_note: str | None
    escalated: bool


class AlertPage(BaseModel):
    """A page of alerts after a cursor, and the cursor for the next call."""

    items: list[AlertRead]
    next_cursor: int


class AlertActionCreate(BaseModel):
    """What the institution did about an alert."""

    action: HandlingAction
    note: Text | None = Field(default=None, max_length=500)
