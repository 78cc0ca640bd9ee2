"""API shapes of risk sharing."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, StrictInt, field_validator

from xinyidai.money import MAX_FEN

# Strict: `true` or "100" is not an amount of money.
RecoveredFen = Annotated[StrictInt, Field(gt=0, le=MAX_FEN)]
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")


class RecoveryCreate(BaseModel):
    """Money the guarantor recovered from the defaulter on one compensation."""

    amount_fen: RecoveredFen
    recovered_on: date | None = Field(default=None, description="When the money came in; default today")
    note: str | None = Field(default=None, max_length=200)

    @field_validator("note")
    @classmethod
    def _plain_text(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _CONTROL.search(value):
            raise ValueError("note contains control characters")
        return value.strip() or None


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
