"""Authorisations: an entity lets an institution use its credit information for a purpose, for a time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class Authorisation(Base):
    """One grant from a market entity to one recipient organisation."""

    __tablename__ = "authorisation"

    id: Mapped[IdPk]
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    granted_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    recipient_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    purpose_ref: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
