"""API shapes of the credit portrait (信用画像)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class PortraitDimensionRead(BaseModel):
    """One dimension of the portrait: its 0–100 score (null when withheld or nothing to score) and why."""

    code: str
    label: str
    score: int | None
    basis: str
    basis_label: str
    explanation: str
    explanation_en: str = ""  # the same in English (the portal's English mode)


class PortraitSuggestionRead(BaseModel):
    """One thing the entity can do to raise its score, with the points it is estimated to gain."""

    feature: str
    label: str
    dimension: str
    text: str
    text_en: str = ""
    points_gained: float
    dimension_before: int
    dimension_after: int


class PortraitRead(BaseModel):
    """The entity's credit portrait as the caller may see it (suggestions only for the entity itself)."""

    enterprise_id: int
    enterprise_name: str
    as_of: date
    view: str
    model_version: str | None
    note: str
    note_en: str = ""
    dimensions: list[PortraitDimensionRead]
    suggestions: list[PortraitSuggestionRead]
