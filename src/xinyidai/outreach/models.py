"""Tables of outreach: grid workers, the merchants they brought in (referrals), their visits, the roll-out plan."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class GridWorker(Base):
    """A community's grid worker (网格员): a user of a street office or town government, with a personal code that
    their QR code and link carry."""

    __tablename__ = "grid_worker"

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"), unique=True)
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    # The personal code (推广码) in the QR link: random, unguessable, never the user id.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Referral(Base):
    """A merchant brought in by a grid worker (推荐归属): its registration, and everything it does later on the
    platform, counts for the grid worker and the community. One per merchant: the first that brought it."""

    __tablename__ = "outreach_referral"

    id: Mapped[IdPk]
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), unique=True)
    grid_worker_id: Mapped[int] = mapped_column(BigId, ForeignKey("grid_worker.id"), index=True)
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Visit(Base):
    """A grid worker's visit to a merchant (走访) and how it went."""

    __tablename__ = "outreach_visit"

    id: Mapped[IdPk]
    grid_worker_id: Mapped[int] = mapped_column(BigId, ForeignKey("grid_worker.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id"), index=True)
    visited_on: Mapped[date]
    outcome: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))  # why a merchant is not interested
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RolloutPhase(Base):
    """A town's or street's place in the roll-out (试点 then 推广): its phase and dates, one per town or street."""

    __tablename__ = "rollout_phase"

    id: Mapped[IdPk]
    district_area_id: Mapped[int] = mapped_column(BigId, ForeignKey("district_area.id"), unique=True)
    phase: Mapped[int]  # 1 = the pilot, 2 … = the waves after it
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
