"""Tables of industry-chain credit communities: the community and its line, memberships, confirmed receivables and
the alerts raised on members' arrears."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class ChainCommunity(Base):
    """A community (产业链信用共同体): a leader firm, the lender it works with, and the line the lender granted."""

    __tablename__ = "chain_community"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(100))
    leader_enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    lender_organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    line_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # the community line; 0 until granted
    line_granted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))


class ChainMembership(Base):
    """A firm's membership of a community: requested by the firm, confirmed by the leader; its share of the line."""

    __tablename__ = "chain_membership"
    __table_args__ = (UniqueConstraint("community_id", "enterprise_id"),)

    id: Mapped[IdPk]
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("chain_community.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    allocation_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # what the lender allocated
    uplift_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # raised by the leader's confirmed receivables
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    requested_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))


class ReceivableConfirmation(Base):
    """The leader's confirmation (确权) of a receivable a member holds on it: an invoice it will pay at a date."""

    __tablename__ = "chain_receivable"
    __table_args__ = (UniqueConstraint("membership_id", "document_no"),)

    id: Mapped[IdPk]
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("chain_community.id"), index=True)
    membership_id: Mapped[int] = mapped_column(BigId, ForeignKey("chain_membership.id"), index=True)
    document_no: Mapped[str] = mapped_column(String(40))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    trade_date: Mapped[date]
    due_date: Mapped[date]
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))


class ChainAlert(Base):
    """A member's loan fell overdue or defaulted: the leader and the lender were told; one per drawdown and kind."""

    __tablename__ = "chain_alert"
    __table_args__ = (UniqueConstraint("community_id", "drawdown_id", "kind"),)

    id: Mapped[IdPk]
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("chain_community.id"), index=True)
    membership_id: Mapped[int] = mapped_column(BigId, ForeignKey("chain_membership.id"))
    drawdown_id: Mapped[int] = mapped_column(BigId, ForeignKey("drawdown.id"))
    kind: Mapped[str] = mapped_column(String(20))
    business_date: Mapped[date]
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
