"""Objections (异议), credit-repair applications (信用修复) and the evidence files attached to them.

Both name the disputed or repaired version of a credit record and the fact it belongs to (sub-category and
record key), the source department that answers, and every step with who and when. Nothing is deleted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class Objection(Base):
    """The entity disputes a record with reasons; the source department answers by a due date."""

    __tablename__ = "objection"
    __table_args__ = (Index("ix_objection_status_due", "status", "due_date"),)

    id: Mapped[IdPk]
    number: Mapped[str] = mapped_column(String(30), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"))
    catalogue_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalogue_item.id"))
    record_key: Mapped[str] = mapped_column(String(200))
    source_department: Mapped[str] = mapped_column(String(30), ForeignKey("source_department.code"))
    # The department's organisation that answers; None: no organisation is bound, the platform answers.
    department_organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    filed_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_date: Mapped[date]
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    answered_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    answered_by_organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    answer_reason: Mapped[str | None] = mapped_column(Text)
    # The new version a correction stored (the disputed one stays as history).
    corrected_record_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credit_record.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The business day of the last escalation notice (one a day while the objection stays open and late).
    last_escalated_on: Mapped[date | None]


class CreditRepair(Base):
    """The entity applies to have a penalty record repaired: fulfilled, committed, publicity period served."""

    __tablename__ = "credit_repair"
    __table_args__ = (Index("ix_credit_repair_status_due", "status", "due_date"),)

    id: Mapped[IdPk]
    number: Mapped[str] = mapped_column(String(30), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    record_id: Mapped[int] = mapped_column(BigId, ForeignKey("credit_record.id"))
    catalogue_item_id: Mapped[int] = mapped_column(BigId, ForeignKey("catalogue_item.id"))
    record_key: Mapped[str] = mapped_column(String(200))
    source_department: Mapped[str] = mapped_column(String(30), ForeignKey("source_department.code"))
    department_organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    # The day the penalty's obligations were fulfilled (fine paid, correction made), as the evidence shows.
    fulfilled_date: Mapped[date]
    statement: Mapped[str] = mapped_column(Text)
    # The credit-repair commitment (信用修复承诺书) as signed: its text, digest and when.
    commitment_text: Mapped[str] = mapped_column(Text)
    commitment_sha256: Mapped[str] = mapped_column(String(64))
    commitment_signed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    filed_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_date: Mapped[date]
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    decided_by_organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # The business day from which the record is neither shown to institutions nor counted.
    effective_date: Mapped[date | None]


class RightsAttachment(Base):
    """An evidence file of an objection or a repair application, kept in the database (small, checked type)."""

    __tablename__ = "rights_attachment"

    id: Mapped[IdPk]
    objection_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("objection.id"), index=True)
    repair_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("credit_repair.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    # Decided from the file's first bytes, never from what the browser claimed.
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
