"""API shapes of risk sharing."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field, field_validator

from xinyidai.money import AmountFen
from xinyidai.text import Text


class RecoveryCreate(BaseModel):
    """Money the guarantor recovered from the defaulter on one compensation."""

    amount_fen: AmountFen
    recovered_on: date | None = Field(default=None, description="When the money came in; default today")
    note: Text | None = Field(default=None, max_length=200)

    @field_validator("note")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class RecoveryRead(BaseModel):
    """A recorded recovery and how it was shared; amounts in fen, keyed by guarantor organisation id or "bank"."""

    id: int
    drawdown_id: int
    amount_fen: int
    recovered_on: date | None
    business_date: date
    note: str | None
    distribution: dict[str, int]


class CompensationRead(BaseModel):
    """A compensation (代偿) the guarantor paid and what it has recovered of it."""

    id: int
    drawdown_id: int
    enterprise_id: int
    bank_organisation_id: int
    amount_fen: int
    recovered_fen: int
    business_date: date
