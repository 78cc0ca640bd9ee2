"""Use cases of consent: grant, list, revoke an authorisation, and decide a request against the grants.

`decide` is the one place any context asks whether a recipient may read an entity's information; it loads
the grants for the recipient, purpose and reference and leaves the rule to `consent.policy.decide`. A reader
that then reads calls `record_use`, which spends a one-time authorisation (at most once, even when two
reads race).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.audit.actor import Actor
from xinyidai.auth.principal import Principal
from xinyidai.consent.masking import Audience, FieldKind, audience_of, mask, mask_values
from xinyidai.consent.models import Authorisation
from xinyidai.consent.policy import (
    BINDING_REFUSAL,
    BINDING_REFUSAL_EN,
    PURPOSE_LABELS,
    REFUSAL_LABELS,
    DataWindow,
    Decision,
    Grant,
    Mode,
    Purpose,
    Refusal,
    Status,
    may_bind_enterprise,
    status_of,
)
from xinyidai.consent.policy import decide as decide_policy
from xinyidai.errors import Conflict, DomainError, Forbidden, NotFound

__all__ = [
    "BINDING_REFUSAL",
    "DEFAULT_VALIDITY",
    "PURPOSE_LABELS",
    "Audience",
    "DataWindow",
    "Decision",
    "FieldKind",
    "Mode",
    "Purpose",
    "Refusal",
    "Status",
    "audience_of",
    "authorise",
    "decide",
    "grant",
    "list_for_enterprise",
    "list_for_reference",
    "mask",
    "mask_values",
    "may_bind_enterprise",
    "record_refusal",
    "record_use",
    "require",
    "require_may_bind",
    "revoke",
    "status",
]

REFUSED_ACTION = "consent.access_refused"

DEFAULT_VALIDITY = timedelta(days=90)


class InvalidAuthorisation(DomainError):
    """A grant that cannot be made as asked: no categories, a backwards data window, no validity."""

    code = "invalid_authorisation"


def _grant_of(row: Authorisation) -> Grant:
    return Grant(id=row.id, recipient_organisation_id=row.recipient_organisation_id, purpose=row.purpose,
                 purpose_ref=row.purpose_ref, categories=frozenset(row.categories), data_from=row.data_from,
                 data_to=row.data_to, valid_from=row.valid_from, expires_at=row.expires_at, mode=row.mode,
                 revoked_at=row.revoked_at, used_at=row.used_at)


def status(authorisation: Authorisation) -> Status:
    """The authorisation's status as of now."""
    return status_of(_grant_of(authorisation), clock.now())


def grant(
    session: Session,
    *,
    enterprise_id: int,
    granted_by_user_id: int,
    recipient_organisation_id: int,
    purpose: Purpose,
    purpose_ref: str,
    categories: Iterable[str],
    data_from: date | None = None,
    data_to: date | None = None,
    valid_from: datetime | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
    mode: Mode = Mode.PERIODIC,
    ip_address: str | None = None,
) -> Authorisation:
    """Record that the entity authorises the recipient to use these categories for this purpose, from
    `valid_from` (now when left out) for `validity`."""
    covered = sorted(set(categories))
    if not covered:
        raise InvalidAuthorisation("授权须至少涵盖一类信用信息",
                                   message_en="an authorisation covers at least one category")
    if data_from is not None and data_to is not None and data_from > data_to:
        raise InvalidAuthorisation("授权数据期间的起始日期不能晚于截止日期",
                                   message_en="data window starts after it ends")
    if validity <= timedelta(0):
        raise InvalidAuthorisation("授权有效期必须大于零", message_en="validity must be positive")
    now = clock.now()
    start = valid_from or now
    authorisation = Authorisation(
        enterprise_id=enterprise_id, granted_by_user_id=granted_by_user_id,
        recipient_organisation_id=recipient_organisation_id, purpose=purpose, purpose_ref=purpose_ref,
        categories=covered, data_from=data_from, data_to=data_to, mode=mode, granted_at=now, valid_from=start,
        expires_at=start + validity,
    )
    session.add(authorisation)
    session.flush()
    audit_service.record(
        session, action="consent.granted", actor=audit_service.Actor.user(granted_by_user_id),
        enterprise_id=enterprise_id, subject_type="authorisation", subject_id=authorisation.id,
        purpose=f"{purpose}:{purpose_ref}", ip_address=ip_address,
        detail={"recipient_organisation_id": recipient_organisation_id, "categories": covered, "mode": mode,
                "expires_at": authorisation.expires_at.isoformat(),
                "data_from": data_from.isoformat() if data_from else None,
                "data_to": data_to.isoformat() if data_to else None},
    )
    return authorisation


def require_may_bind(principal: Principal) -> None:
    """Refuse a caller who may not bind the firm (apply, authorise): only its administrator may (`policy`)."""
    if not may_bind_enterprise(principal.roles):
        raise Forbidden(BINDING_REFUSAL, message_en=BINDING_REFUSAL_EN)


def authorise(
    session: Session,
    *,
    principal: Principal,
    enterprise_id: int,
    recipient_organisation_id: int,
    purpose: Purpose,
    purpose_ref: str,
    categories: Iterable[str],
    data_from: date | None = None,
    data_to: date | None = None,
    validity: timedelta = DEFAULT_VALIDITY,
    mode: Mode = Mode.PERIODIC,
    ip_address: str | None = None,
) -> Authorisation:
    """The firm's own grant, made by one of its people: only its administrator binds it (see `grant`)."""
    require_may_bind(principal)
    assert principal.user_id is not None  # only a user holds the administrator's role
    return grant(session, enterprise_id=enterprise_id, granted_by_user_id=principal.user_id,
                 recipient_organisation_id=recipient_organisation_id, purpose=purpose, purpose_ref=purpose_ref,
                 categories=categories, data_from=data_from, data_to=data_to, validity=validity, mode=mode,
                 ip_address=ip_address)


def decide(session: Session, *, enterprise_id: int, recipient_organisation_id: int, purpose: Purpose,
           purpose_ref: str | None, categories: Iterable[str] | None = None) -> Decision:
    """Whether the recipient may now read the entity's information of these categories (None: all the grant
    covers) under the purpose and reference; the rule is `consent.policy.decide`."""
    rows = session.scalars(select(Authorisation).where(
        Authorisation.enterprise_id == enterprise_id,
        Authorisation.recipient_organisation_id == recipient_organisation_id,
        Authorisation.purpose == purpose,
        Authorisation.purpose_ref == purpose_ref,
    )).all() if purpose_ref else []
    return decide_policy([_grant_of(r) for r in rows], now=clock.now(),
                         recipient_organisation_id=recipient_organisation_id, purpose=purpose,
                         purpose_ref=purpose_ref, categories=categories)


def require(session: Session, *, enterprise_id: int, recipient_organisation_id: int, purpose: Purpose,
            purpose_ref: str | None, actor: Principal | Actor, categories: Iterable[str] | None = None,
            ip_address: str | None = None) -> Decision:
    """`decide`, raising Forbidden with the decision's reason when it is no; a refusal is audited, and the entry
    stays although the refusal rolls the caller's transaction back (`record_refusal`)."""
    decision = decide(session, enterprise_id=enterprise_id, recipient_organisation_id=recipient_organisation_id,
                      purpose=purpose, purpose_ref=purpose_ref, categories=categories)
    if not decision.allowed:
        record_refusal(session, enterprise_id=enterprise_id, refusal=Refusal(decision.refusal),
                       reason_zh=decision.reason_zh, reason_en=decision.reason_en,
                       actor=actor, purpose=purpose, purpose_ref=purpose_ref,
                       categories=categories, authorisation_id=decision.authorisation_id, ip_address=ip_address)
        raise Forbidden(decision.reason_zh, message_en=decision.reason_en)
    return decision


def record_refusal(session: Session, *, enterprise_id: int, refusal: Refusal, reason_zh: str, reason_en: str,
                   actor: Principal | Actor, purpose: str | None = None,
                   purpose_ref: str | None = None, categories: Iterable[str] | None = None,
                   authorisation_id: int | None = None, ip_address: str | None = None) -> None:
    """Audit that a request for the entity's credit information was refused: who, for which organisation, why
    (purpose and reference), which categories (None: all), and the reason. The entry is written whether the
    caller's transaction commits or rolls back (`audit.service.record_regardless`)."""
    audit_service.record_regardless(
        session, action=REFUSED_ACTION, outcome="refused", actor=actor,
        subject_type="credit_file", subject_id=enterprise_id, enterprise_id=enterprise_id,
        purpose=f"{purpose}:{purpose_ref or ''}" if purpose else None, ip_address=ip_address,
        detail={"refusal": refusal.value, "reason": REFUSAL_LABELS[refusal], "reason_zh": reason_zh,
                "reason_en": reason_en, "categories": None if categories is None else sorted(set(categories)),
                "authorisation_id": authorisation_id},
    )


def record_use(session: Session, *, decision: Decision) -> None:
    """Note that a read under the decision happened; a one-time authorisation is spent by it. Two reads racing
    for one one-time grant: the conditional update lets one through and the other is refused."""
    if not decision.allowed or decision.authorisation_id is None:
        raise Forbidden(decision.reason_zh or "未获授权", message_en=decision.reason_en or "not authorised")
    spent = cast(CursorResult[Any], session.execute(
        update(Authorisation).where(Authorisation.id == decision.authorisation_id, Authorisation.used_at.is_(None))
        .values(used_at=clock.now())))
    if decision.one_time and spent.rowcount != 1:
        raise Forbidden("该一次性授权已使用，不能再次查询", message_en="the one-time authorisation was used")


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
    """The entity withdraws an authorisation; the recipient's next request is refused."""
    authorisation = session.get(Authorisation, authorisation_id)
    if authorisation is None or authorisation.enterprise_id != enterprise_id:
        raise NotFound("未找到该授权", message_en="authorisation not found")
    current = status(authorisation)
    if current in (Status.EXPIRED, Status.USED):
        raise Conflict(f"该授权已{'过期' if current is Status.EXPIRED else '使用'}，无需撤销",
                       message_en=f"the authorisation is already {current}")
    if authorisation.revoked_at is None:
        audit_service.record(session, action="consent.revoked", actor=audit_service.Actor.user(user_id),
                             enterprise_id=enterprise_id, subject_type="authorisation",
                             subject_id=authorisation.id,
                             purpose=f"{authorisation.purpose}:{authorisation.purpose_ref}")
        authorisation.revoked_at = clock.now()
        session.flush()
    return authorisation
