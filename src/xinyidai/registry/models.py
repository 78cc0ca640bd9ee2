"""Market entities and the places and industries they belong to."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class DistrictArea(Base):
    """A town or street (镇街) of the district."""

    __tablename__ = "district_area"

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(10))
    is_pilot: Mapped[bool] = mapped_column(default=False)


class Community(Base):
    """A community (社区) or village inside a town or street."""

    __tablename__ = "community"

    id: Mapped[IdPk]
    district_area_id: Mapped[int] = mapped_column(BigId, ForeignKey("district_area.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))


class Industry(Base):
    """A class of the national economic industry classification (GB/T 4754-2017)."""

    __tablename__ = "industry"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Enterprise(Base):
    """A market entity registered with market supervision (市场主体)."""

    __tablename__ = "enterprise"

    id: Mapped[IdPk]
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    scale: Mapped[str] = mapped_column(String(10), default="micro")
    legal_rep_name: Mapped[str] = mapped_column(String(50))
    # The identity number is personal data: encrypted, with a keyed hash for matching.
    legal_rep_id_cipher: Mapped[str] = mapped_column(String(200))
    legal_rep_id_index: Mapped[str] = mapped_column(String(64), index=True)
    registration_date: Mapped[date]
    registered_capital_fen: Mapped[int | None] = mapped_column(BigInteger)
    industry_code: Mapped[str] = mapped_column(String(5), ForeignKey("industry.code"))
    district_area_id: Mapped[int] = mapped_column(BigId, ForeignKey("district_area.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("community.id"))
    address: Mapped[str] = mapped_column(String(200), default="")
    operating_status: Mapped[str] = mapped_column(String(20), default="in_operation")
    last_annual_report_year: Mapped[int | None]
    is_abnormal: Mapped[bool] = mapped_column(default=False)
    abnormal_since: Mapped[date | None]
    abnormal_reason: Mapped[str | None] = mapped_column(String(200))
    employees: Mapped[int | None]
    # The network node where the entity is registered, when that is not this one (its entry came by the platform
    # network's registry feed): such an entry holds the identity number only masked, as it travelled, and is kept
    # up to date from the feed, never edited here.
    home_node: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    industry: Mapped[Industry] = relationship(lazy="joined")
    district_area: Mapped[DistrictArea] = relationship(lazy="joined")
    community: Mapped[Community | None] = relationship(lazy="joined")
