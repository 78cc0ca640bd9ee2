"""Text messages (短信) to users: each one queued, its attempts counted, its outcome kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class SmsMessage(Base):
    """One text message to one user: the template and its values, the masked number it went to, and how its
    sending went (the delivery log)."""

    __tablename__ = "sms_message"
    __table_args__ = (Index("ix_sms_message_due", "status", "next_attempt_at"),)

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"), index=True)
    # Only masked (138****1234): the number itself is looked up when sending, never stored here.
    phone_masked: Mapped[str | None] = mapped_column(String(20))
    template_code: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
