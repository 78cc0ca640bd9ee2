"""The audit log: who did what, for which organisation, on whose data, why and when; hash-chained (SM3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class AuditEntry(Base):
    """One audited action; rows are only ever inserted. `sequence` is gapless and each entry's `entry_hash`
    covers its predecessor's hash, so a changed or deleted row shows (see audit/chain.py). The chain columns are
    empty only while the entry's transaction is open: they are filled when it commits (audit.service), so no
    committed row lacks them."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        # The enterprise's "who looked at my data" page and the admin search by enterprise, newest first.
        Index("ix_audit_entry_enterprise_id_occurred_at", "enterprise_id", "occurred_at"),
    )

    id: Mapped[IdPk]
    sequence: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="success")
    actor_user_id: Mapped[int | None] = mapped_column(BigId)
    actor_api_client_id: Mapped[int | None] = mapped_column(BigId)
    actor_organisation_id: Mapped[int | None] = mapped_column(BigId, index=True)
    # What kind of caller (audit.actor.ActorKind) and, for the command line and jobs, who or which: None on
    # entries written before callers were recorded by kind.
    actor_kind: Mapped[str | None] = mapped_column(String(20))
    actor_label: Mapped[str | None] = mapped_column(String(200))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    enterprise_id: Mapped[int | None] = mapped_column(BigId, index=True)
    purpose: Mapped[str | None] = mapped_column(String(200))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    entry_hash: Mapped[str | None] = mapped_column(String(64))


class AuditChainHead(Base):
    """The one row that says where the chain ends; appending locks it, so no two entries share a predecessor."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sequence: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    entry_hash: Mapped[str] = mapped_column(String(64))
