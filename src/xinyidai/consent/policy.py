"""The consent decision (no I/O): does an entity's authorisation let this recipient read these categories now?

A recipient asks for an entity's information under a purpose and a reference (the financing application's
number, the loan's id…). The grants on record for exactly that recipient, purpose and reference decide:

- none → denied; every one revoked, expired, not yet valid or (one-time) already used → denied, saying which;
- otherwise the newest live grant answers: the categories asked for that it covers are allowed, the others
  withheld (none covered → denied), and its data window goes with the answer: records whose fact date lies
  outside it are not covered (a record without a fact date, such as a standing registration, is).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from xinyidai.auth.enums import Role
from xinyidai.clock import BUSINESS_TZ

# Who binds the firm — authorises others to use its information, applies for credit in its name: its administrator
# (the legal representative, or the person the firm named to act for it). A clerk (经办人) prepares: looks, estimates,
# fills in an application or a grant as a draft (待确认); the administrator confirms the draft, and only then does it
# bind the firm, exactly as if the administrator had applied or granted. A draft binds nothing and no institution
# sees it: it is kept apart from authorisations and orders, which alone `decide` and the bank's queue read.
BINDING_ROLES = frozenset({Role.ENTERPRISE_ADMIN})
PREPARING_ROLES = frozenset({Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF})
BINDING_REFUSAL = ("仅企业管理员（法定代表人或其授权的管理员）可以申请融资或授权机构使用本企业信用信息；"
                   "经办人可先测一测，并准备申请或授权提交管理员确认")
BINDING_REFUSAL_EN = "only the enterprise's administrator may apply for credit or grant data authorisations"


def may_bind_enterprise(roles: Iterable[Role]) -> bool:
    """Whether a holder of `roles` may bind its firm: apply for credit, grant a data authorisation."""
    return not BINDING_ROLES.isdisjoint(roles)


def may_prepare_for_enterprise(roles: Iterable[Role]) -> bool:
    """Whether a holder of `roles` may prepare a draft application or grant for its firm's administrator."""
    return not PREPARING_ROLES.isdisjoint(roles)


class DraftStatus(StrEnum):
    """Where a prepared application or grant stands: waiting for the administrator, confirmed (it then binds the
    firm), or discarded."""

    WAITING = "waiting"
    CONFIRMED = "confirmed"
    DISCARDED = "discarded"


DRAFT_STATUS_LABELS: dict[str, str] = {
    DraftStatus.WAITING: "待管理员确认", DraftStatus.CONFIRMED: "已确认", DraftStatus.DISCARDED: "已放弃",
}


class DraftAction(StrEnum):
    """What may be done to a waiting draft."""

    CONFIRM = "confirm"
    DISCARD = "discard"


@dataclass(frozen=True, slots=True)
class DraftRefusal:
    """Why a draft may not be confirmed or discarded by this caller now; `conflict`: its state, else who asks."""

    message_zh: str
    message_en: str
    conflict: bool = False


def draft_refusal(action: DraftAction, *, roles: Iterable[Role], user_id: int | None,
                  prepared_by_user_id: int, status: DraftStatus) -> DraftRefusal | None:
    """None when the caller may take `action` on the draft now. Only the administrator confirms (never a clerk,
    not even the draft's own preparer); the administrator or the clerk who prepared it discards it; a draft
    confirmed or discarded already is done with."""
    roles = frozenset(roles)
    if action is DraftAction.CONFIRM and not may_bind_enterprise(roles):
        return DraftRefusal(BINDING_REFUSAL, BINDING_REFUSAL_EN)
    if action is DraftAction.DISCARD and not may_bind_enterprise(roles) and (
            user_id is None or user_id != prepared_by_user_id):
        return DraftRefusal("只有企业管理员或准备该草稿的经办人可以放弃它",
                            "only the administrator or the clerk who prepared the draft may discard it")
    if status is not DraftStatus.WAITING:
        done = DRAFT_STATUS_LABELS[status]
        return DraftRefusal(f"该草稿{done}，不能再{'确认' if action is DraftAction.CONFIRM else '放弃'}",
                            f"the draft is already {status}", conflict=True)
    return None


class Purpose(StrEnum):
    """What the recipient may use the information for."""

    FINANCING_APPLICATION = "financing_application"
    POST_LOAN_MANAGEMENT = "post_loan_management"
    CREDIT_REPORT_DOWNLOAD = "credit_report_download"
    MODEL_RUN = "model_run"  # an institution's model computed on the data inside the platform (可用不可见)


PURPOSE_LABELS: dict[str, str] = {
    Purpose.FINANCING_APPLICATION: "融资申请审批",
    Purpose.POST_LOAN_MANAGEMENT: "贷后管理",
    Purpose.CREDIT_REPORT_DOWNLOAD: "信用报告下载",
    Purpose.MODEL_RUN: "模型可用不可见计算",
}


class Mode(StrEnum):
    """One read, or any number of reads while valid."""

    ONE_TIME = "one_time"
    PERIODIC = "periodic"


MODE_LABELS: dict[str, str] = {Mode.ONE_TIME: "一次性", Mode.PERIODIC: "有效期内多次"}


class Status(StrEnum):
    """Where an authorisation stands at a moment."""

    PENDING = "pending"  # valid_from still ahead
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    USED = "used"  # a one-time authorisation after its first successful read


STATUS_LABELS: dict[str, str] = {
    Status.PENDING: "未生效", Status.ACTIVE: "有效", Status.REVOKED: "已撤销", Status.EXPIRED: "已过期",
    Status.USED: "已使用",
}


@dataclass(frozen=True, slots=True)
class Grant:
    """What the decision needs of one authorisation row."""

    id: int
    recipient_organisation_id: int
    purpose: str
    purpose_ref: str
    categories: frozenset[str]
    data_from: date | None
    data_to: date | None
    valid_from: datetime
    expires_at: datetime
    mode: str
    revoked_at: datetime | None = None
    used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DataWindow:
    """The fact dates an authorisation covers; None on a side: open on that side."""

    data_from: date | None = None
    data_to: date | None = None

    def covers(self, fact_date: date | None) -> bool:
        """Whether a record of this fact date is covered (undated records always are)."""
        if fact_date is None:
            return True
        return (self.data_from is None or fact_date >= self.data_from) and (
            self.data_to is None or fact_date <= self.data_to)


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one request, with the reason in Chinese (and English) when it is no."""

    allowed: bool
    authorisation_id: int | None
    categories_allowed: frozenset[str]
    categories_withheld: frozenset[str]
    data_window: DataWindow
    reason_zh: str
    reason_en: str
    one_time: bool = False
    # Why not, in a word the entity's access log can show (Refusal); "" when allowed.
    refusal: str = ""


class Refusal(StrEnum):
    """Why a request was refused, in a word."""

    NO_REFERENCE = "no_reference"
    ABSENT = "absent"
    REVOKED = "revoked"
    USED = "used"
    EXPIRED = "expired"
    PENDING = "pending"
    CATEGORIES = "categories"
    NO_STANDING = "no_standing"  # not an institution, not the entity, not the platform: no access at all


REFUSAL_LABELS: dict[str, str] = {
    Refusal.NO_REFERENCE: "未提供授权业务编号", Refusal.ABSENT: "未获授权", Refusal.REVOKED: "授权已撤销",
    Refusal.USED: "一次性授权已使用", Refusal.EXPIRED: "授权已过期", Refusal.PENDING: "授权尚未生效",
    Refusal.CATEGORIES: "授权不涵盖所查信息类别", Refusal.NO_STANDING: "无权查看",
}


def status_of(grant: Grant, now: datetime) -> Status:
    """The grant's status at `now`: revoked, then used, expired, pending, else active."""
    if grant.revoked_at is not None:
        return Status.REVOKED
    if grant.mode == Mode.ONE_TIME and grant.used_at is not None:
        return Status.USED
    if now >= grant.expires_at:
        return Status.EXPIRED
    if now < grant.valid_from:
        return Status.PENDING
    return Status.ACTIVE


def _at(moment: datetime) -> str:
    return f"{moment.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}"


def _why_not(grant: Grant, status: Status) -> tuple[str, str]:
    if status is Status.REVOKED:
        assert grant.revoked_at is not None
        return f"该主体已于{_at(grant.revoked_at)}撤销对贵机构的授权", "the entity revoked the authorisation"
    if status is Status.USED:
        assert grant.used_at is not None
        return f"该一次性授权已于{_at(grant.used_at)}使用，不能再次查询", "the one-time authorisation was used"
    if status is Status.EXPIRED:
        return f"该授权已于{_at(grant.expires_at)}过期", "the authorisation expired"
    return f"该授权自{_at(grant.valid_from)}起生效，尚未生效", "the authorisation is not valid yet"


def _denied(refusal: Refusal, reason_zh: str, reason_en: str, authorisation_id: int | None = None) -> Decision:
    return Decision(allowed=False, authorisation_id=authorisation_id, categories_allowed=frozenset(),
                    categories_withheld=frozenset(), data_window=DataWindow(), reason_zh=reason_zh,
                    reason_en=reason_en, refusal=refusal)


def decide(grants: Sequence[Grant], *, now: datetime, recipient_organisation_id: int, purpose: str,
           purpose_ref: str | None, categories: Iterable[str] | None = None) -> Decision:
    """Whether the recipient may read the entity's information now; `categories` None asks for all the grant
    covers."""
    if not purpose_ref:
        return _denied(Refusal.NO_REFERENCE,
                       "该主体未授权贵机构查询其信用信息，请提供有效授权对应的业务编号（如融资申请编号）",
                       "no reference given for the authorisation")
    matching = sorted((g for g in grants if g.recipient_organisation_id == recipient_organisation_id
                       and g.purpose == purpose and g.purpose_ref == purpose_ref), key=lambda g: g.id)
    if not matching:
        return _denied(Refusal.ABSENT, "该主体未授权贵机构为此用途查询其信用信息",
                       "no authorisation from this entity for your organisation, purpose and reference")
    live = [g for g in matching if status_of(g, now) is Status.ACTIVE]
    if not live:
        newest = matching[-1]
        status = status_of(newest, now)
        reason_zh, reason_en = _why_not(newest, status)
        return _denied(Refusal(status.value), reason_zh, reason_en, newest.id)
    grant = live[-1]
    asked = grant.categories if categories is None else frozenset(categories)
    allowed = asked & grant.categories
    window = DataWindow(grant.data_from, grant.data_to)
    if not allowed:
        return Decision(allowed=False, authorisation_id=grant.id, categories_allowed=frozenset(),
                        categories_withheld=asked, data_window=window,
                        reason_zh="该授权不涵盖所查询的信息类别：" + "、".join(sorted(asked)),
                        reason_en="the authorisation does not cover the categories asked for",
                        refusal=Refusal.CATEGORIES)
    return Decision(allowed=True, authorisation_id=grant.id, categories_allowed=allowed,
                    categories_withheld=asked - allowed, data_window=window, reason_zh="", reason_en="",
                    one_time=grant.mode == Mode.ONE_TIME)
