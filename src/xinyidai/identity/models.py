"""Organisations, users, roles, API clients, login sessions and login throttling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class Organisation(Base):
    """An enterprise, bank, guarantee company, credit agency, department or the platform operator."""

    __tablename__ = "organisation"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    # For enterprise organisations: the market entity they act for (registry context).
    enterprise_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("enterprise.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class User(Base):
    """A person who logs into the portal on behalf of one organisation."""

    __tablename__ = "user_account"

    id: Mapped[IdPk]
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Set when the password was shown to someone else (a generated first password): every page and API call is
    # refused until the user has changed it.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The user's own mobile number, for the text messages (短信) the platform sends them: personal data, so kept
    # encrypted (`identity.service.MOBILE_CONTEXT`) and shown only masked.
    mobile_cipher: Mapped[str | None] = mapped_column(String(200))
    mobile_masked: Mapped[str | None] = mapped_column(String(11))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    role_grants: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="user"
    )

    @property
    def roles(self) -> frozenset[str]:
        """The user's role names."""
        return frozenset(grant.role for grant in self.role_grants)


class UserRole(Base):
    """One role held by one user."""

    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_grants")


class ApiClient(Base):
    """An institution's system that calls the API with OAuth2 client credentials."""

    __tablename__ = "api_client"

    id: Mapped[IdPk]
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(255))
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[Any]] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class LoginSession(Base):
    """A portal session; the cookie holds a random token, the table only its SHA-256."""

    __tablename__ = "login_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ip_address: Mapped[str | None] = mapped_column(String(45))


class LoginThrottle(Base):
    """Failed logins per username (known or not), to slow guessing and lock after repeats."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("username_key"),)

    id: Mapped[IdPk]
    username_key: Mapped[str] = mapped_column(String(64))
    failure_count: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Notification(Base):
    """A message to one user, or to everyone of one organisation (站内消息), read once by any of them."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_org_read", "organisation_id", "read_at"),
                      Index("ix_notification_user_read", "user_id", "read_at"))

    id: Mapped[IdPk]
    organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000))
    # A portal path to the thing the message is about (never an outside address).
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    read_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
