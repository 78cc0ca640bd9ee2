"""The audit log: who did what, for which organisation, on whose data, why and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class AuditEntry(Base):
    """One audited action; rows are only ever inserted."""

    __tablename__ = "audit_entry"

    id: Mapped[IdPk]
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    outcome: Mapped[str] = mapped_column(String(20), default="success")
    actor_user_id: Mapped[int | None] = mapped_column(BigId)
    actor_api_client_id: Mapped[int | None] = mapped_column(BigId)
    actor_organisation_id: Mapped[int | None] = mapped_column(BigId, index=True)
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    enterprise_id: Mapped[int | None] = mapped_column(BigId, index=True)
    purpose: Mapped[str | None] = mapped_column(String(200))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
