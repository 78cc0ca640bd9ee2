"""Saved policy simulations (政策模拟记录): the assumptions, the inputs' identity and the results, never changed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class PolicySimulation(Base):
    """One run of the simulator: a product's current policy and a proposed one, projected over the entities of one
    scoring run. Rerunning `current_policy` and `proposed_policy` over that run gives `results` again."""

    __tablename__ = "policy_simulation"

    id: Mapped[IdPk]
    title: Mapped[str] = mapped_column(String(100))
    product_id: Mapped[int] = mapped_column(BigId, ForeignKey("product.id"), index=True)
    # The inputs: the scoring run whose scored entities were projected (its model version and as-of date).
    scoring_run_id: Mapped[int] = mapped_column(BigId, ForeignKey("scoring_run.id"))
    model_version_id: Mapped[int] = mapped_column(BigId)
    as_of: Mapped[date]
    entities: Mapped[int]
    # The assumptions: both policies as `projection.Policy.as_json` writes them.
    current_policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    proposed_policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    # {"current": summary, "proposed": summary}, each {"total": figures, "area": {...}, "industry": {...}}.
    results: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
