"""API shapes of the policy simulator: a proposed policy (bounded), a simulation as read back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from xinyidai.db import DbId
from xinyidai.money import AmountFen
from xinyidai.reporting.simulator.projection import Grade, Policy
from xinyidai.text import Text

Share = Decimal  # a fraction of one, at most six decimals


class GradeIn(BaseModel):
    """A grade of the line rule: PDs below `ceiling` (none for the weakest) earn `line_factor` of the scale."""

    name: Text = Field(min_length=1, max_length=4, examples=["A"])
    ceiling: float | None = Field(default=None, gt=0, le=1, examples=[0.02])
    line_factor: Decimal = Field(ge=0, le=1, decimal_places=6, examples=["1.0"])


class PolicyIn(BaseModel):
    """A policy to try: the product's rate band and PD-to-rate mapping, line cap and rule, risk split, fee,
    eligibility thresholds, and the projection's assumptions."""

    min_rate: Decimal = Field(gt=0, le=Decimal("0.24"), decimal_places=6, examples=["0.035"])
    max_rate: Decimal = Field(gt=0, le=Decimal("0.24"), decimal_places=6, examples=["0.08"])
    pd_best: float = Field(ge=0, lt=1, examples=[0.01])
    pd_worst: float = Field(gt=0, le=1, examples=[0.15])
    grades: list[GradeIn] = Field(min_length=1, max_length=8)
    max_line_fen: AmountFen = Field(examples=[100_000_000])
    min_amount_fen: AmountFen = Field(examples=[1_000_000])
    revenue_share: Decimal = Field(ge=0, le=1, decimal_places=6, examples=["0.2"])
    line_per_insured_employee_fen: int = Field(ge=0, le=100_000_000, strict=True, examples=[3_000_000])
    guarantee_share: Share = Field(ge=0, le=1, decimal_places=6, examples=["0.8"])
    bank_share: Share = Field(ge=0, le=1, decimal_places=6, examples=["0.2"])
    guarantee_fee_rate: Decimal = Field(ge=0, le=Decimal("0.05"), decimal_places=6, examples=["0.012"])
    max_pd: float | None = Field(default=None, gt=0, le=1, examples=[0.2])
    min_tax_paid_yuan: Decimal | None = Field(default=None, ge=0, le=10**10, decimal_places=2)
    lgd: Decimal = Field(default=Decimal("0.6"), ge=0, le=1, decimal_places=6)
    utilisation: Decimal = Field(default=Decimal("1"), ge=0, le=1, decimal_places=6)

    def to_policy(self) -> Policy:
        """The policy the projection runs."""
        values = self.model_dump(exclude={"grades"})
        return Policy(**values, grades=tuple(Grade(g.name, g.ceiling, g.line_factor) for g in self.grades))

    @classmethod
    def of(cls, policy: Policy) -> PolicyIn:
        """A policy as the form and the API show it."""
        return cls.model_validate(policy.as_json())


class SimulationCreate(BaseModel):
    """Simulate a proposed policy for a product over a scoring run's entities (the latest finished run if none)."""

    title: Text = Field(min_length=1, max_length=100, examples=["银行分担提高到30%"])
    product_id: DbId
    scoring_run_id: DbId | None = None
    policy: PolicyIn


class SimulationRead(BaseModel):
    """A saved simulation: its inputs, both policies and both projections."""

    id: int
    title: str
    product_id: int
    scoring_run_id: int
    model_version_id: int
    as_of: date
    entities: int
    current_policy: dict[str, Any]
    proposed_policy: dict[str, Any]
    results: dict[str, Any]
    created_by_user_id: int | None
    created_at: datetime


class AppliedRead(BaseModel):
    """The product version applying a simulation made, and the proposed changes it could not carry."""

    product_id: int
    version: int
    status: str
    not_applied: list[str]
