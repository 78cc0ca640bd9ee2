"""The model registry and the credit decisions made with its versions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, Rate, UtcDateTime


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
    # Needed to score a version that decides with the challenger or the blend (scorecard_spec["decides_with"]).
    challenger_onnx: Mapped[bytes | None] = mapped_column(LargeBinary)
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
    annual_rate: Mapped[Decimal] = mapped_column(Rate)
    line_fen: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ScoringRun(Base):
    """One batch scoring of every active entity as of a day with one model version (评分批次): the run record."""

    __tablename__ = "scoring_run"
    __table_args__ = (
        # One run per (model version, as-of date): a second start, from this host or another, cannot claim it again.
        Index("uq_scoring_run_model_as_of", "model_version_id", "as_of", unique=True),
    )

    id: Mapped[IdPk]
    model_version_id: Mapped[int] = mapped_column(BigId, ForeignKey("model_version.id"))
    as_of: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # cli, schedule, portal
    triggered_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    host: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    entities_total: Mapped[int] = mapped_column(default=0)
    entities_scored: Mapped[int] = mapped_column(default=0)
    entities_approved: Mapped[int] = mapped_column(default=0)
    entities_remediate: Mapped[int] = mapped_column(default=0)
    entities_declined: Mapped[int] = mapped_column(default=0)
    entities_failed: Mapped[int] = mapped_column(default=0)
    mean_score: Mapped[float | None] = mapped_column(Float(precision=53))
    mean_pd: Mapped[float | None] = mapped_column(Float(precision=53))
    # Counts on the development sample's score deciles (the edges stored with the model), and by fixed-width bands.
    decile_counts: Mapped[list[Any] | None] = mapped_column(JSON)
    score_histogram: Mapped[list[Any] | None] = mapped_column(JSON)
    psi_development: Mapped[float | None] = mapped_column(Float(precision=53))
    previous_run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("scoring_run.id"))
    psi_previous: Mapped[float | None] = mapped_column(Float(precision=53))
    error: Mapped[str | None] = mapped_column(String(500))


class EntityScore(Base):
    """One entity's result in a scoring run (批量评分结果): score, PD, grade, the policy's outcome and reason codes.

    The entity is referred to by id without a foreign key, as `credit_record` does: the run reads the ids from the
    registry in the same transaction, and a million-row insert would otherwise check each one again.
    """

    __tablename__ = "entity_score"
    __table_args__ = (Index("uq_entity_score_run_entity", "scoring_run_id", "enterprise_id", unique=True),)

    id: Mapped[IdPk]
    scoring_run_id: Mapped[int] = mapped_column(BigId, ForeignKey("scoring_run.id"))
    enterprise_id: Mapped[int] = mapped_column(BigId, index=True)
    score: Mapped[float | None] = mapped_column(Float(precision=53))
    pd: Mapped[float | None] = mapped_column(Float(precision=53))
    grade: Mapped[str] = mapped_column(String(4))
    outcome: Mapped[str] = mapped_column(String(12))
    reason_codes: Mapped[list[Any]] = mapped_column(JSON)
    # The two features the line rule reads (`policy.scale_fen`), kept so that a line can be worked out for any
    # product's bounds without computing the features again (the policy simulator); None: the feature was missing.
    tax_paid_12m: Mapped[float | None] = mapped_column(Float(precision=53))
    insured_headcount: Mapped[int | None]


class ScoringPage(Base):
    """One page of a scoring run (评分分页): a range of entity ids that one job scores whole, and what it found.

    The pages are planned when the run is claimed; any worker on any host scores any page. A page's results and
    its `done_at` commit together, so a worker that dies mid-page leaves nothing of it and the page is redone; a page
    already done is not scored again. The last page to finish completes the run from the pages' tallies.
    """

    __tablename__ = "scoring_page"
    __table_args__ = (Index("uq_scoring_page_run_page", "scoring_run_id", "page_no", unique=True),)

    id: Mapped[IdPk]
    scoring_run_id: Mapped[int] = mapped_column(BigId, ForeignKey("scoring_run.id"))
    page_no: Mapped[int]
    first_enterprise_id: Mapped[int] = mapped_column(BigId)
    last_enterprise_id: Mapped[int] = mapped_column(BigId)
    entities: Mapped[int]
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    worker: Mapped[str | None] = mapped_column(String(100))  # host:pid of the process that scored it
    # The page's running totals (distribution.Tally.state) and its count of each outcome.
    tally: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcomes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
