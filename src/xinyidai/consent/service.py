"""Use cases of consent: grant, list, revoke an authorisation, and decide a request against the grants; a clerk's
prepared grant (a draft) that the firm's administrator confirms or discards.

`decide` is the one place any context asks whether a recipient may read an entity's information; it loads
the grants for the recipient, purpose and reference and leaves the rule to `consent.policy.decide`. A reader
that then reads calls `record_use`, which spends a one-time authorisation (at most once, even when two
reads race).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Select, or_, select, update
from sqlalchemy.orm import Session

from xinyidai import clock, events
from xinyidai.audit import service as audit_service
from xinyidai.audit.actor import Actor
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.consent.events import ConsentRevoked
from xinyidai.consent.granting import LoanChoice, new_report_reference, post_loan_problem
from xinyidai.consent.masking import Audience, FieldKind, audience_of, mask, mask_values
from xinyidai.consent.models import Authorisation, AuthorisationDraft
from xinyidai.consent.policy import (
    BINDING_REFUSAL,
    BINDING_REFUSAL_EN,
    DRAFT_STATUS_LABELS,
    PURPOSE_LABELS,
    REFUSAL_LABELS,
    DataWindow,
    Decision,
    DraftAction,
    DraftStatus,
    Grant,
    Mode,
    Purpose,
    Refusal,
    Status,
    draft_refusal,
    may_bind_enterprise,
    may_prepare_for_enterprise,
    status_of,
)
from xinyidai.consent.policy import decide as decide_policy
from xinyidai.errors import Conflict, DomainError, Forbidden, NotFound
from xinyidai.identity import service as identity_service

__all__ = [
    "BINDING_REFUSAL",
    "DEFAULT_VALIDITY",
    "DRAFT_STATUS_LABELS",
    "PURPOSE_LABELS",
    "Audience",
    "DataWindow",
    "Decision",
    "DraftAction",
    "DraftStatus",
    "FieldKind",
    "Mode",
    "Purpose",
    "Refusal",
    "Status",
    "audience_of",
    "authorise",
    "confirm_draft",
    "decide",
    "decide_many",
    "discard_draft",
    "get_draft",
    "grant",
    "grant_relayed",
    "list_drafts",
    "list_for_enterprise",
    "list_for_reference",
    "live_authorisation_ids",
    "live_grants_query",
    "mask",
    "mask_values",
    "may_bind_enterprise",
    "may_prepare_for_enterprise",
    "notify_administrators",
    "post_loan_choices",
    "prepare",
    "record_refusal",
    "record_use",
    "require",
    "require_draft_action",
    "require_may_bind",
    "require_may_prepare",
    "revoke",
    "status",
    "use_post_loan_choices",
]

REFUSED_ACTION = "consent.access_refused"

DEFAULT_VALIDITY = timedelta(days=90)


class InvalidAuthorisation(DomainError):
    """A grant that cannot be made as asked: no categories, a backwards data window, no validity."""

    code = "invalid_authorisation"


PostLoanChoices = Callable[[Session, int], Sequence[LoanChoice]]
# The firm's loans and industry-chain communities a post-loan authorisation may name, and who carries each. Loans and
# chains sit above consent, so the application wires them (main.wire_events); until then none may be named.
_post_loan_choices: PostLoanChoices = lambda session, enterprise_id: ()  # noqa: E731


def use_post_loan_choices(provider: PostLoanChoices) -> None:
    """Let post-loan authorisations name the firm's loans and communities (see `post_loan_choices`)."""
    global _post_loan_choices
    _post_loan_choices = provider


def post_loan_choices(session: Session, *, enterprise_id: int) -> Sequence[LoanChoice]:
    """The firm's live credit lines and the industry-chain communities it is a confirmed member of: what a
    post-loan authorisation (贷后管理) may name, each with the institution it goes to."""
    return _post_loan_choices(session, enterprise_id)


def _check_post_loan(session: Session, *, enterprise_id: int, recipient_organisation_id: int,
                     purpose_ref: str) -> None:
    """Refuse a post-loan grant that names none of the firm's loans or communities, or goes to an institution that
    does not carry it (the grant form's rule, `granting.post_loan_problem`)."""
    try:
        kind = identity_service.get_organisation(session, organisation_id=recipient_organisation_id).kind
    except NotFound:
        kind = None
    guarantors = frozenset({recipient_organisation_id}) if kind == OrgKind.GUARANTEE_COMPANY else frozenset()
    problem = post_loan_problem(purpose_ref, recipient_organisation_id, guarantors=guarantors,
                                loans=post_loan_choices(session, enterprise_id=enterprise_id))
    if problem:
        raise InvalidAuthorisation(f"{problem}（{purpose_ref}）",
                                   message_en=f"a post-loan authorisation names one of the firm's loans or "
                                              f"communities and goes to the institution that carries it "
                                              f"({purpose_ref})")


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
    prepared_by_user_id: int | None = None,
) -> Authorisation:
    """Record that the entity authorises the recipient to use these categories for this purpose, from
    `valid_from` (now when left out) for `validity`; `prepared_by_user_id`: the clerk whose draft was confirmed.
    A post-loan authorisation names one of the firm's loans or communities and goes to who carries it
    (`post_loan_choices`)."""
    covered = _checked_categories(categories, data_from=data_from, data_to=data_to, validity=validity)
    if purpose == Purpose.POST_LOAN_MANAGEMENT:
        _check_post_loan(session, enterprise_id=enterprise_id, recipient_organisation_id=recipient_organisation_id,
                         purpose_ref=purpose_ref)
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
                "data_to": data_to.isoformat() if data_to else None,
                **({"prepared_by_user_id": prepared_by_user_id} if prepared_by_user_id is not None else {})},
    )
    return authorisation


def grant_relayed(session: Session, *, enterprise_id: int, recipient_organisation_id: int, purpose: Purpose,
                  purpose_ref: str, categories: Iterable[str], data_from: date | None, data_to: date | None,
                  valid_from: datetime, expires_at: datetime, mode: Mode, granted_at: datetime,
                  origin_node: str) -> Authorisation:
    """Keep here a grant the firm made at another node of the platform network, as it made it (same recipient,
    purpose, reference, categories, window and validity), so that the recipient's reads here obey it and are
    audited as any; granted by no user of this node. Given again, the one kept is returned."""
    covered = _checked_categories(categories, data_from=data_from, data_to=data_to,
                                  validity=expires_at - valid_from)
    known = session.scalars(select(Authorisation).where(
        Authorisation.enterprise_id == enterprise_id, Authorisation.recipient_organisation_id ==
        recipient_organisation_id, Authorisation.purpose == purpose, Authorisation.purpose_ref == purpose_ref,
        Authorisation.granted_by_user_id.is_(None))).first()
    if known is not None:
        return known
    authorisation = Authorisation(
        enterprise_id=enterprise_id, granted_by_user_id=None, recipient_organisation_id=recipient_organisation_id,
        purpose=purpose, purpose_ref=purpose_ref, categories=covered, data_from=data_from, data_to=data_to,
        mode=mode, granted_at=granted_at, valid_from=valid_from, expires_at=expires_at)
    session.add(authorisation)
    session.flush()
    audit_service.record(
        session, action="consent.network_received", actor=audit_service.Actor.system(f"network:{origin_node}"),
        enterprise_id=enterprise_id, subject_type="authorisation", subject_id=authorisation.id,
        purpose=f"{purpose}:{purpose_ref}",
        detail={"recipient_organisation_id": recipient_organisation_id, "categories": covered, "mode": mode,
                "origin_node": origin_node, "expires_at": expires_at.isoformat()})
    return authorisation


def _checked_categories(categories: Iterable[str], *, data_from: date | None, data_to: date | None,
                        validity: timedelta) -> list[str]:
    """The categories a grant covers, each once and in order, once its window and validity are sound."""
    covered = sorted(set(categories))
    if not covered:
        raise InvalidAuthorisation("授权须至少涵盖一类信用信息",
                                   message_en="an authorisation covers at least one category")
    if data_from is not None and data_to is not None and data_from > data_to:
        raise InvalidAuthorisation("授权数据期间的起始日期不能晚于截止日期",
                                   message_en="data window starts after it ends")
    if validity <= timedelta(0):
        raise InvalidAuthorisation("授权有效期必须大于零", message_en="validity must be positive")
    return covered


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
    prepared_by_user_id: int | None = None,
) -> Authorisation:
    """The firm's own grant, made by one of its people: only its administrator binds it (see `grant`)."""
    require_may_bind(principal)
    assert principal.user_id is not None  # only a user holds the administrator's role
    return grant(session, enterprise_id=enterprise_id, granted_by_user_id=principal.user_id,
                 recipient_organisation_id=recipient_organisation_id, purpose=purpose, purpose_ref=purpose_ref,
                 categories=categories, data_from=data_from, data_to=data_to, validity=validity, mode=mode,
                 ip_address=ip_address, prepared_by_user_id=prepared_by_user_id)


# ------------------------------------------------------------------ a clerk prepares, the administrator confirms

DRAFT_NOT_FOUND = ("未找到该待确认事项", "draft not found")


def require_may_prepare(principal: Principal) -> int:
    """The caller's enterprise, if the caller is one of its people who may prepare for its administrator."""
    if (not may_prepare_for_enterprise(principal.roles) or principal.enterprise_id is None
            or principal.user_id is None):
        raise Forbidden("只有市场主体的管理员或经办人可以准备融资申请或授权",
                        message_en="only an enterprise's administrator or clerk prepares an application or a grant")
    return principal.enterprise_id


def require_draft_action(principal: Principal, action: DraftAction, *, prepared_by_user_id: int,
                         status: DraftStatus) -> None:
    """Refuse confirming or discarding a draft that this caller may not, or that is done with (`policy`)."""
    refusal = draft_refusal(action, roles=principal.roles, user_id=principal.user_id,
                            prepared_by_user_id=prepared_by_user_id, status=status)
    if refusal is not None:
        raise (Conflict if refusal.conflict else Forbidden)(refusal.message_zh, message_en=refusal.message_en)


def notify_administrators(session: Session, *, principal: Principal, subject: str, body: str, link: str) -> None:
    """Tell the administrators of the caller's firm (but the caller) that something waits for them."""
    for user_id in identity_service.user_ids_with_role(session, role=Role.ENTERPRISE_ADMIN,
                                                       organisation_id=principal.organisation_id):
        if user_id != principal.user_id:
            identity_service.notify(session, user_id=user_id, subject=subject, body=body, link=link)


def _user_name(session: Session, user_id: int) -> str:
    try:
        return identity_service.get_user(session, user_id=user_id).display_name
    except NotFound:
        return f"#{user_id}"


def _organisation_name(session: Session, organisation_id: int) -> str:
    try:
        return identity_service.get_organisation(session, organisation_id=organisation_id).name
    except NotFound:
        return f"#{organisation_id}"


def prepare(
    session: Session,
    *,
    principal: Principal,
    recipient_organisation_id: int,
    purpose: Purpose,
    purpose_ref: str | None,
    categories: Iterable[str],
    validity_days: int,
    data_from: date | None = None,
    data_to: date | None = None,
    mode: Mode = Mode.PERIODIC,
    ip_address: str | None = None,
) -> AuthorisationDraft:
    """A clerk (or the administrator) prepares a grant for the firm's administrator to confirm: stored as a draft
    that binds nothing and no institution sees; the administrators are told it waits. `purpose_ref` None: drawn
    when confirmed."""
    enterprise_id = require_may_prepare(principal)
    assert principal.user_id is not None  # require_may_prepare refuses callers without a user
    covered = _checked_categories(categories, data_from=data_from, data_to=data_to,
                                  validity=timedelta(days=validity_days))
    draft = AuthorisationDraft(
        enterprise_id=enterprise_id, prepared_by_user_id=principal.user_id, prepared_at=clock.now(),
        recipient_organisation_id=recipient_organisation_id, purpose=purpose, purpose_ref=purpose_ref,
        categories=covered, data_from=data_from, data_to=data_to, validity_days=validity_days, mode=mode,
        status=DraftStatus.WAITING,
    )
    session.add(draft)
    session.flush()
    audit_service.record(
        session, action="consent.draft_prepared", actor=principal, enterprise_id=enterprise_id,
        subject_type="authorisation_draft", subject_id=draft.id, ip_address=ip_address,
        purpose=f"{purpose}:{purpose_ref or ''}",
        detail={"recipient_organisation_id": recipient_organisation_id, "categories": covered, "mode": mode,
                "validity_days": validity_days},
    )
    recipient = _organisation_name(session, recipient_organisation_id)
    notify_administrators(
        session, principal=principal, subject=f"待您确认的授权：{PURPOSE_LABELS[purpose]}（{recipient}）",
        body=(f"经办人{principal.display_name or _user_name(session, principal.user_id)}准备了一项授权："
              f"授权{recipient}{PURPOSE_LABELS[purpose]}。确认前该授权不生效，对方也看不到；请查看后确认或放弃。"),
        link=f"/authorisations/drafts/{draft.id}")
    return draft


def list_drafts(session: Session, *, enterprise_id: int,
                status: DraftStatus | None = DraftStatus.WAITING) -> Sequence[AuthorisationDraft]:
    """The firm's prepared grants, newest first: those waiting for the administrator, or of one status, or all
    (None)."""
    query = select(AuthorisationDraft).where(AuthorisationDraft.enterprise_id == enterprise_id)
    if status is not None:
        query = query.where(AuthorisationDraft.status == status)
    return session.scalars(query.order_by(AuthorisationDraft.id.desc())).all()


def get_draft(session: Session, *, enterprise_id: int, draft_id: int, for_update: bool = False) -> AuthorisationDraft:
    """One of the firm's prepared grants; another firm's is simply not found."""
    query = select(AuthorisationDraft).where(AuthorisationDraft.id == draft_id,
                                             AuthorisationDraft.enterprise_id == enterprise_id)
    draft = session.scalars(query.with_for_update() if for_update else query).first()
    if draft is None:
        raise NotFound(DRAFT_NOT_FOUND[0], message_en=DRAFT_NOT_FOUND[1])
    return draft


def _decide_draft(session: Session, *, principal: Principal, draft_id: int,
                  action: DraftAction) -> AuthorisationDraft:
    if principal.enterprise_id is None:
        raise NotFound(DRAFT_NOT_FOUND[0], message_en=DRAFT_NOT_FOUND[1])
    # Locked: two administrators confirming at once make one authorisation, and the second is told it is done.
    draft = get_draft(session, enterprise_id=principal.enterprise_id, draft_id=draft_id, for_update=True)
    require_draft_action(principal, action, prepared_by_user_id=draft.prepared_by_user_id,
                         status=DraftStatus(draft.status))
    return draft


def _tell_preparer(session: Session, *, principal: Principal, draft: AuthorisationDraft, outcome: str) -> None:
    if draft.prepared_by_user_id != principal.user_id:
        recipient = _organisation_name(session, draft.recipient_organisation_id)
        identity_service.notify(
            session, user_id=draft.prepared_by_user_id,
            subject=f"您准备的授权{outcome}：{PURPOSE_LABELS.get(draft.purpose, draft.purpose)}（{recipient}）",
            body=f"企业管理员{principal.display_name}{outcome}您准备的授权。",
            link=f"/authorisations/drafts/{draft.id}")


def confirm_draft(session: Session, *, principal: Principal, draft_id: int,
                  ip_address: str | None = None) -> Authorisation:
    """The administrator confirms a clerk's prepared grant: it is granted exactly as if the administrator had
    granted it (valid from now, for the days prepared), and the audit names both the preparer and the confirmer.
    A clerk never confirms, not even a draft of their own."""
    draft = _decide_draft(session, principal=principal, draft_id=draft_id, action=DraftAction.CONFIRM)
    authorisation = authorise(
        session, principal=principal, enterprise_id=draft.enterprise_id,
        recipient_organisation_id=draft.recipient_organisation_id, purpose=Purpose(draft.purpose),
        purpose_ref=draft.purpose_ref or new_report_reference(clock.today()), categories=draft.categories,
        data_from=draft.data_from, data_to=draft.data_to, validity=timedelta(days=draft.validity_days),
        mode=Mode(draft.mode), ip_address=ip_address, prepared_by_user_id=draft.prepared_by_user_id)
    draft.status = DraftStatus.CONFIRMED
    draft.decided_by_user_id = principal.user_id
    draft.decided_at = clock.now()
    draft.authorisation_id = authorisation.id
    session.flush()
    audit_service.record(
        session, action="consent.draft_confirmed", actor=principal, enterprise_id=draft.enterprise_id,
        subject_type="authorisation_draft", subject_id=draft.id, ip_address=ip_address,
        purpose=f"{authorisation.purpose}:{authorisation.purpose_ref}",
        detail={"prepared_by_user_id": draft.prepared_by_user_id, "confirmed_by_user_id": principal.user_id,
                "authorisation_id": authorisation.id},
    )
    _tell_preparer(session, principal=principal, draft=draft, outcome="已确认")
    return authorisation


def discard_draft(session: Session, *, principal: Principal, draft_id: int,
                  ip_address: str | None = None) -> AuthorisationDraft:
    """The administrator (or the clerk who prepared it) discards a prepared grant: nothing was ever granted."""
    draft = _decide_draft(session, principal=principal, draft_id=draft_id, action=DraftAction.DISCARD)
    draft.status = DraftStatus.DISCARDED
    draft.decided_by_user_id = principal.user_id
    draft.decided_at = clock.now()
    session.flush()
    audit_service.record(
        session, action="consent.draft_discarded", actor=principal, enterprise_id=draft.enterprise_id,
        subject_type="authorisation_draft", subject_id=draft.id, ip_address=ip_address,
        detail={"prepared_by_user_id": draft.prepared_by_user_id, "discarded_by_user_id": principal.user_id},
    )
    _tell_preparer(session, principal=principal, draft=draft, outcome="已放弃")
    return draft


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


def decide_many(session: Session, *, recipient_organisation_id: int, purpose: Purpose,
                references: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Decision]:
    """`decide` (all categories) for each (enterprise id, purpose reference) at once, in one read: what a list of
    a recipient's orders asks of consent."""
    wanted = set(references)
    if not wanted:
        return {}
    grants: dict[tuple[int, str], list[Grant]] = {key: [] for key in wanted}
    for row in session.scalars(select(Authorisation).where(
            Authorisation.recipient_organisation_id == recipient_organisation_id,
            Authorisation.purpose == purpose,
            Authorisation.enterprise_id.in_({enterprise_id for enterprise_id, _ in wanted}),
            Authorisation.purpose_ref.in_({ref for _, ref in wanted}))):
        key = (row.enterprise_id, row.purpose_ref or "")
        if key in grants:
            grants[key].append(_grant_of(row))
    now = clock.now()
    return {key: decide_policy(found, now=now, recipient_organisation_id=recipient_organisation_id, purpose=purpose,
                               purpose_ref=key[1], categories=None) for key, found in grants.items()}


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


def live_grants_query(*, purpose: Purpose, now: datetime) -> Select[int, int, int, str, list[str]]:
    """The authorisations of `purpose` active at `now`, as rows (authorisation_id, enterprise_id,
    recipient_organisation_id, purpose_ref, categories): a query for other contexts to join (monitoring's watch
    list), with the same rule as `policy.status_of` (not revoked, not a spent one-time grant, in its validity)."""
    return select(
        Authorisation.id.label("authorisation_id"), Authorisation.enterprise_id.label("enterprise_id"),
        Authorisation.recipient_organisation_id.label("recipient_organisation_id"),
        Authorisation.purpose_ref.label("purpose_ref"), Authorisation.categories.label("categories"),
    ).where(Authorisation.purpose == purpose, Authorisation.revoked_at.is_(None), Authorisation.valid_from <= now,
            Authorisation.expires_at > now, or_(Authorisation.mode != Mode.ONE_TIME, Authorisation.used_at.is_(None)))


def granting_enterprises_query() -> Select[int]:
    """Every entity that has ever authorised an institution (授权), as rows (enterprise_id): a query for other
    contexts to join (outreach's coverage), never a table."""
    return select(Authorisation.enterprise_id.label("enterprise_id")).distinct()


def live_authorisation_ids(session: Session, *, authorisation_ids: Iterable[int]) -> set[int]:
    """Which of these authorisations are active now."""
    wanted = sorted(set(authorisation_ids))
    if not wanted:
        return set()
    now = clock.now()
    rows = session.scalars(select(Authorisation).where(Authorisation.id.in_(wanted))).all()
    return {row.id for row in rows if status_of(_grant_of(row), now) is Status.ACTIVE}


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
        events.publish(session=session, event=ConsentRevoked(
            authorisation_id=authorisation.id, enterprise_id=enterprise_id,
            recipient_organisation_id=authorisation.recipient_organisation_id, purpose=authorisation.purpose,
            purpose_ref=authorisation.purpose_ref, revoked_at=authorisation.revoked_at))
    return authorisation
