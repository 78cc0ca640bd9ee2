"""Messages to users and organisations (站内消息): any context notifies, the recipient reads them on 消息.

A message goes to one user, or to an organisation (every user of it sees it, and it is read once by any of
them). A link is a portal path, so a message never sends anyone off the site.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.errors import NotFound
from xinyidai.identity.models import Notification, Organisation, User, UserRole

SUBJECT_MAX, BODY_MAX = 200, 2000


def notify(session: Session, *, subject: str, body: str, organisation_id: int | None = None,
           user_id: int | None = None, link: str | None = None) -> Notification:
    """Leave a message for a user or for an organisation (exactly one of them)."""
    if (organisation_id is None) == (user_id is None):
        raise ValueError("a notification goes to a user or to an organisation")
    if link is not None and (not link.startswith("/") or link.startswith("//")):
        raise ValueError("a notification links to a portal path")
    message = Notification(organisation_id=organisation_id, user_id=user_id, subject=subject[:SUBJECT_MAX],
                           body=body[:BODY_MAX], link=link, created_at=clock.now())
    session.add(message)
    session.flush()
    return message


def notify_each(session: Session, *, organisation_ids: Iterable[int | None], subject: str, body: str,
                link: str | None = None) -> list[Notification]:
    """The same message to several organisations, once each (None and repeats are skipped)."""
    seen: list[int] = []
    for organisation_id in organisation_ids:
        if organisation_id is not None and organisation_id not in seen:
            seen.append(organisation_id)
    return [notify(session, organisation_id=o, subject=subject, body=body, link=link) for o in seen]


def platform_operator_ids(session: Session) -> list[int]:
    """The platform operator's organisations (who gets what the platform admin must see)."""
    return list(session.scalars(select(Organisation.id).where(Organisation.kind == OrgKind.PLATFORM_OPERATOR)))


def user_ids_with_role(session: Session, *, role: Role, organisation_id: int | None = None) -> list[int]:
    """Active users who hold `role` (e.g. the government supervisors an escalation goes to), optionally of one
    organisation only (e.g. a firm's administrators)."""
    query = select(User.id).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == role.value, User.is_active.is_(True)).order_by(User.id)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return list(session.scalars(query))


def _for(principal: Principal) -> ColumnElement[bool]:
    mine = Notification.user_id == principal.user_id if principal.user_id is not None else None
    ours = and_(Notification.organisation_id == principal.organisation_id, Notification.user_id.is_(None))
    return or_(mine, ours) if mine is not None else ours


def list_for(session: Session, *, principal: Principal, limit: int = 200) -> Sequence[Notification]:
    """The caller's messages and its organisation's, newest first."""
    return session.scalars(select(Notification).where(_for(principal))
                           .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()


def unread_count(session: Session, *, principal: Principal) -> int:
    """How many of the caller's messages are unread."""
    return int(session.scalar(select(func.count()).select_from(Notification).where(
        _for(principal), Notification.read_at.is_(None))) or 0)


def mark_read(session: Session, *, principal: Principal, notification_id: int | None = None) -> int:
    """Mark one of the caller's messages read, or all of them (no id); returns how many changed."""
    query = select(Notification).where(_for(principal), Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    messages = session.scalars(query).all()
    if notification_id is not None and not messages and session.scalars(
            select(Notification.id).where(_for(principal), Notification.id == notification_id)).first() is None:
        raise NotFound("没有这条消息", message_en="no such message")
    for message in messages:
        message.read_at = clock.now()
        message.read_by_user_id = principal.user_id
    session.flush()
    return len(messages)
