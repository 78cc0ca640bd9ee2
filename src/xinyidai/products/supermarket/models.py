"""The district's financing policies (政策), published beside the products of the supermarket."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class PolicyArticle(Base):
    """A policy document of the district or the city as the platform publishes it: who issued it, its number and
    date, a plain summary a firm can act on, and the text."""

    __tablename__ = "policy_article"

    id: Mapped[IdPk]
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(100))
    document_no: Mapped[str] = mapped_column(String(60), default="")
    issued_date: Mapped[date]
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
