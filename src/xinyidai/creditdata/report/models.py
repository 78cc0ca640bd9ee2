"""Credit reports issued (信用报告): one row per PDF the platform generated, so that anyone holding a copy can check
it on the platform by its verification code, and nobody can pass off an altered one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class CreditReport(Base):
    """A credit report as issued: whose, for whom, under what, when, and the SM3 digest of the exact PDF.

    The credit content itself is not kept: the report is a snapshot handed to its reader, and the platform only
    needs to vouch for it (the digest) and to say whose and for whom it was.
    """

    __tablename__ = "credit_report"

    id: Mapped[IdPk]
    report_no: Mapped[str] = mapped_column(String(24), unique=True)
    # 16 characters of Crockford base32 (80 random bits), stored without the hyphens it is printed with.
    verification_code: Mapped[str] = mapped_column(String(16), unique=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    # Snapshot of the subject's name as printed: a later rename must not change what the verify page says.
    subject_name: Mapped[str] = mapped_column(String(200))
    requested_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    requested_by_api_client_id: Mapped[int | None] = mapped_column(BigId)
    recipient_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    recipient_name: Mapped[str] = mapped_column(String(200))
    # own | platform | authorised: which view of the file the report carries.
    view: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(120))
    authorisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("authorisation.id"))
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    record_count: Mapped[int]
    content_sm3: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
