"""Use cases of consent: grant, list, revoke, and check an authorisation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.consent.models import Authorisation
from xinyidai.errors import NotFound


class Purpose(StrEnum):
    """What the recipient may use the information for."""

    FINANCING_APPLICATION = "financing_application"


PURPOSE_LABELS = {Purpose.FINANCING_APPLICATION: "融资申请审批"}
DEFAULT_VALIDITY = timedelta(days=90)
CREDIT_INFORMATION_SCOPE = "本平台归集的本主体信用信息"


def grant(
    session: Session,
    *,
    enterprise_id: int,
    granted_by_user_id: int,
    recipient_organisation_id: int,
    purpose: Purpose,
    purpose_ref: str,
    scope: str = CREDIT_INFORMATION_SCOPE,
    validity: timedelta = DEFAULT_VALIDITY,
) -> Authorisation:
    """Record that the entity authorises the recipient for this purpose until expiry."""
    now = clock.now()
    authorisation = Authorisation(
        enterprise_id=enterprise_id, granted_by_user_id=granted_by_user_id,
        recipient_organisation_id=recipient_organisation_id, purpose=purpose, purpose_ref=purpose_ref,
        scope=scope, granted_at=now, expires_at=now + validity,
    )
    session.add(authorisation)
    session.flush()
    audit_service.record(
        session, action="consent.granted", actor_user_id=granted_by_user_id, enterprise_id=enterprise_id,
        subject_type="authorisation", subject_id=authorisation.id, purpose=f"{purpose}:{purpose_ref}",
        detail={"recipient_organisation_id": recipient_organisation_id},
    )
    return authorisation


def status_of(authorisation: Authorisation) -> str:
    """active, revoked or expired, as of now."""
    if authorisation.revoked_at is not None:
        return "revoked"
    if authorisation.expires_at <= clock.now():
        return "expired"
    return "active"


def is_authorised(
    session: Session, *, enterprise_id: int, recipient_organisation_id: int, purpose: Purpose, purpose_ref: str
) -> bool:
    """Whether a live authorisation covers this recipient, purpose and reference."""
    now = clock.now()
    found = session.scalars(select(Authorisation.id).where(
        Authorisation.enterprise_id == enterprise_id,
        Authorisation.recipient_organisation_id == recipient_organisation_id,
        Authorisation.purpose == purpose,
        Authorisation.purpose_ref == purpose_ref,
        Authorisation.revoked_at.is_(None),
        Authorisation.expires_at > now,
    )).first()
    return found is not None


def list_for_enterprise(session: Session, *, enterprise_id: int) -> Sequence[Authorisation]:
    """The entity's authorisations, newest first."""
    return session.scalars(
        select(Authorisation).where(Authorisation.enterprise_id == enterprise_id).order_by(Authorisation.id.desc())
    ).all()


def list_for_reference(session: Session, *, purpose_ref: str) -> Sequence[Authorisation]:
    """The authorisations given for one application."""
    return session.scalars(
        select(Authorisation).where(Authorisation.purpose_ref == purpose_ref).order_by(Authorisation.id)
    ).all()


def revoke(session: Session, *, enterprise_id: int, authorisation_id: int, user_id: int) -> Authorisation:
    """The entity withdraws an authorisation; it stops working at once."""
    authorisation = session.get(Authorisation, authorisation_id)
    if authorisation is None or authorisation.enterprise_id != enterprise_id:
        raise NotFound("未找到该授权", message_en="authorisation not found")
    if authorisation.revoked_at is None:
        authorisation.revoked_at = clock.now()
        audit_service.record(session, action="consent.revoked", actor_user_id=user_id,
                             enterprise_id=enterprise_id, subject_type="authorisation",
                             subject_id=authorisation.id)
        session.flush()
    return authorisation
