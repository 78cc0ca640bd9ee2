"""Authorisations: an entity lets an institution use its credit information for a purpose, for a time."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class Authorisation(Base):
    """One grant from a market entity to one recipient organisation.

    Its status (active, revoked, expired, used, pending) is derived from the timestamps by `consent.policy`,
    so it can never disagree with them and no job has to expire rows.
    """

    __tablename__ = "authorisation"

    id: Mapped[IdPk]
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    # None: the grant came with an order relayed from the firm's node, where the granting user is.
    granted_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    recipient_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    purpose_ref: Mapped[str] = mapped_column(String(64), index=True)
    # Catalogue category codes (C01…C14) the grant covers; sub-category sensitivity still applies on top.
    categories: Mapped[list[str]] = mapped_column(JSON)
    # Fact dates covered; None: open on that side.
    data_from: Mapped[date | None]
    data_to: Mapped[date | None]
    mode: Mapped[str] = mapped_column(String(20))
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuthorisationDraft(Base):
    """A grant a clerk (经办人) prepared for the firm's administrator to confirm (待确认).

    It binds nothing and no institution reads it: decisions read `Authorisation` rows only. Confirming it makes the
    `Authorisation` (granted by the confirming administrator, valid from that moment) and keeps its id here.
    """

    __tablename__ = "authorisation_draft"

    id: Mapped[IdPk]
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    prepared_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    prepared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recipient_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    # None: a new reference is drawn when the draft is confirmed (a report download).
    purpose_ref: Mapped[str | None] = mapped_column(String(64))
    categories: Mapped[list[str]] = mapped_column(JSON)
    data_from: Mapped[date | None]
    data_to: Mapped[date | None]
    validity_days: Mapped[int]
    mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    decided_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    authorisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("authorisation.id"))
