"""The model registry and the credit decisions made with its versions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, LargeBinary, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class ModelVersion(Base):
    """One stored version of a credit model (模型版本): its files held in the database, so it can be rerun."""

    __tablename__ = "model_version"
    __table_args__ = (
        # At most one champion per model name, whatever two promotions racing each other do.
        Index("uq_model_version_champion", "name", unique=True, sqlite_where=text("status = 'champion'"),
              postgresql_where=text("status = 'champion'")),
        Index("uq_model_version_label", "name", "version_label", unique=True),
        Index("uq_model_version_digest", "name", "digest", unique=True),
    )

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(60))
    version_label: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), index=True)
    model_card: Mapped[dict[str, Any]] = mapped_column(JSON)
    scorecard_spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    scorecard_onnx: Mapped[bytes | None] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    promoted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    promoted_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    retired_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))


class CreditDecision(Base):
    """A decision of the credit policy on an entity as of a day (授信决策), with the model version that made it."""

    __tablename__ = "credit_decision"

    id: Mapped[IdPk]
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    # Orders sit above scoring, so the order is referred to by id only; the order links itself after it exists.
    order_id: Mapped[int | None] = mapped_column(BigId, index=True)
    product_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("product.id"))
    as_of: Mapped[date]
    model_version_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("model_version.id"), index=True)
    assessor: Mapped[str] = mapped_column(String(80))
    bounds: Mapped[dict[str, Any]] = mapped_column(JSON)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float] = mapped_column(Float(precision=53))
    pd: Mapped[float | None] = mapped_column(Float(precision=53))
    grade: Mapped[str] = mapped_column(String(4))
    outcome: Mapped[str] = mapped_column(String(12))
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    line_fen: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
