"""Tables of institution onboarding: applications to connect, their security assessment, usage commitments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class InstitutionApplication(Base):
    """A bank, guarantee company or credit agency's application to connect (机构入驻申请)."""

    __tablename__ = "institution_application"

    id: Mapped[IdPk]
    # What the applicant quotes to check its status; random so one applicant cannot walk to another's.
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    organisation_name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    licence_number: Mapped[str] = mapped_column(String(60))
    contact_name: Mapped[str] = mapped_column(String(50))
    # Personal data: AES-GCM ciphertext at rest, and the masked form lists show.
    contact_mobile_cipher: Mapped[str] = mapped_column(String(200))
    contact_mobile_masked: Mapped[str] = mapped_column(String(11))
    requested_scopes: Mapped[list[Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"), unique=True)
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(Text)


class AssessmentResult(Base):
    """The platform admin's finding on one checklist item of one application (安全评估)."""

    __tablename__ = "institution_assessment_result"
    __table_args__ = (UniqueConstraint("application_id", "item_code"),)

    id: Mapped[IdPk]
    application_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution_application.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(40))
    passed: Mapped[bool]
    note: Mapped[str] = mapped_column(Text)
    evidence_ref: Mapped[str] = mapped_column(String(200))
    assessed_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    assessed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UsageCommitment(Base):
    """An institution's signed usage commitment (使用承诺): who signed which text, when."""

    __tablename__ = "usage_commitment"
    __table_args__ = (UniqueConstraint("organisation_id", "text_version"),)

    id: Mapped[IdPk]
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    application_id: Mapped[int] = mapped_column(BigId, ForeignKey("institution_application.id"))
    text_version: Mapped[str] = mapped_column(String(20))
    text_sha256: Mapped[str] = mapped_column(String(64))
    signed_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    signer_name: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ip_address: Mapped[str | None] = mapped_column(String(45))
