"""Input and read shapes of outreach."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from xinyidai.db import DbId
from xinyidai.outreach.enums import VisitOutcome
from xinyidai.text import Text


class GridWorkerCreate(BaseModel):
    """A new grid worker: a user of a street office or town government, for one community."""

    organisation_id: DbId
    community_id: DbId
    username: Text = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-@]+$")
    display_name: Text = Field(min_length=1, max_length=100)
    password: Text = Field(min_length=1, max_length=128)


class VisitCreate(BaseModel):
    """A grid worker's visit to a merchant, named by its unified social credit code."""

    uscc: Text = Field(min_length=1, max_length=30)
    visited_on: date
    outcome: VisitOutcome
    reason: Text | None = Field(default=None, max_length=200)
    note: Text | None = Field(default=None, max_length=500)


class PhaseUpdate(BaseModel):
    """A town's or street's phase of the roll-out and its dates."""

    district_area_id: DbId
    phase: int = Field(ge=1, le=9)
    starts_on: date
    ends_on: date
    note: Text | None = Field(default=None, max_length=200)
