"""Writing and reading the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit.models import AuditEntry


def record(
    session: Session,
    *,
    action: str,
    actor_user_id: int | None = None,
    actor_api_client_id: int | None = None,
    actor_organisation_id: int | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    enterprise_id: int | None = None,
    purpose: str | None = None,
    outcome: str = "success",
    ip_address: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it stands or falls with the action)."""
    entry = AuditEntry(
        occurred_at=clock.now(), action=action, outcome=outcome, actor_user_id=actor_user_id,
        actor_api_client_id=actor_api_client_id, actor_organisation_id=actor_organisation_id,
        subject_type=subject_type, subject_id=None if subject_id is None else str(subject_id),
        enterprise_id=enterprise_id, purpose=purpose, ip_address=ip_address, detail=detail or {},
    )
    session.add(entry)
    session.flush()
    return entry


def list_recent(session: Session, *, limit: int = 100, action: str | None = None) -> Sequence[AuditEntry]:
    """The latest entries, newest first."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return session.scalars(query).all()
