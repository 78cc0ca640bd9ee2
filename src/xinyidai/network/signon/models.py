"""Single sign-on: the provider's authorisation codes and sessions, and a relying party's links from a provider's
subjects to its own users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class FederatedIdentity(Base):
    """A user of this node who signs in through a provider: the provider's subject ("<home node>:<user id>")."""

    __tablename__ = "network_federated_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[IdPk]
    provider: Mapped[str] = mapped_column(String(6))
    subject: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"), unique=True)
    home_node: Mapped[str] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_sign_in_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SignonCode(Base):
    """An authorisation code the provider issued (only its SHA-256 kept): single-use, short-lived, bound to the
    client, its redirect URI and the PKCE challenge."""

    __tablename__ = "network_signon_code"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(6))
    redirect_uri: Mapped[str] = mapped_column(String(300))
    code_challenge: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(128))
    claims: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SignonSession(Base):
    """A browser's session at the provider (only its cookie's SHA-256 kept): while live, another node's sign-in
    needs no password again; ended by logout from any node."""

    __tablename__ = "network_signon_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str] = mapped_column(String(40), index=True)
    claims: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SignonAssertion(Base):
    """A client assertion the token endpoint accepted (its jti's SHA-256), kept until it expires: each is good once,
    so one seen on the way cannot be played again within its minute."""

    __tablename__ = "network_signon_assertion"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(6))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
