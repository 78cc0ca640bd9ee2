"""Institutions' models held by the sandbox (可用不可见), and the runs of them on authorised entities' features."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class SandboxModel(Base):
    """An ONNX model an institution uploaded (机构模型): checked once, kept only when accepted."""

    __tablename__ = "sandbox_model"

    id: Mapped[IdPk]
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # Declared inputs: names from the feature catalogue, in the order of the model's matrix columns.
    features: Mapped[list[str]] = mapped_column(JSON)
    output_name: Mapped[str] = mapped_column(String(100))
    output_column: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), index=True)
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    # How the runner feeds it (validation.Checked): the layout and each graph input as [name, takes doubles].
    layout: Mapped[str | None] = mapped_column(String(20))
    inputs: Mapped[list[Any]] = mapped_column(JSON)
    operators: Mapped[list[str]] = mapped_column(JSON)
    opset: Mapped[int | None] = mapped_column(Integer)
    # The file itself only for an accepted model: a refused one is never run, its digest is the evidence.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    uploaded_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    uploaded_by_api_client_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_client.id"))


class SandboxRun(Base):
    """One run of a model inside the platform (模型运行记录): on whom, under which authorisation, how it ended."""

    __tablename__ = "sandbox_run"
    # A partner's retry with the same Idempotency-Key gets the run it already made.
    __table_args__ = (UniqueConstraint("organisation_id", "idempotency_key"),)

    id: Mapped[IdPk]
    model_id: Mapped[int] = mapped_column(BigId, ForeignKey("sandbox_model.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    purpose_ref: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date]
    status: Mapped[str] = mapped_column(String(12))
    requested: Mapped[int] = mapped_column(Integer)
    scored: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    # Why entities were left out: reason code → count (no authorisation, categories not covered, unknown code…).
    skipped_reasons: Mapped[dict[str, int]] = mapped_column(JSON)
    # The only thing a run gives back: [{"uscc": …, "score": float | None}], one per entity scored.
    scores: Mapped[list[Any]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(300))
    network: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    requested_by_api_client_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("api_client.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    # SHA-256 of the request (model, reference, codes): a key reused for another request is refused.
    request_digest: Mapped[str] = mapped_column(String(64))
