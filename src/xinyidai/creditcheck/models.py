"""Public credit checks (公共信用核查): one row per bidder a government trading, procurement or bidding system asked
about, with the sealed answer it was given, so that anyone holding the answer can check it on the platform."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class CreditCheck(Base):
    """A public credit check as answered: who asked, when, about which bidder, and the answer with its seal.

    The answer holds public information only (what anyone may read on 信用中国), so it is kept whole: the platform
    can say what it answered, and a copy presented later is compared with it digest for digest.
    """

    __tablename__ = "credit_check"

    id: Mapped[IdPk]
    check_no: Mapped[str] = mapped_column(String(24), unique=True)
    # 16 characters of Crockford base32 (80 random bits), as the credit report's, stored without hyphens.
    verification_code: Mapped[str] = mapped_column(String(16), unique=True)
    # The checks of one call of the batch form share its number.
    batch_no: Mapped[str | None] = mapped_column(String(24), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    # None: the code is valid but no entity with it is on the registry (the answer says so).
    enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    subject_name: Mapped[str | None] = mapped_column(String(200))
    requested_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    requested_by_api_client_id: Mapped[int | None] = mapped_column(BigId)
    requester_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    requester_name: Mapped[str] = mapped_column(String(200))
    tender_ref: Mapped[str | None] = mapped_column(String(60))
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_sm3: Mapped[str] = mapped_column(String(64))
    seal: Mapped[str] = mapped_column(String(64))
