"""Use cases of industry-chain credit communities (产业链信用共同体).

A firm leads a community (核心企业) and names the bank it asks for a community line; suppliers and distributors ask to
join and the leader confirms them; the lender grants the line and allocates it among the confirmed members
(`policy`: never above the line); the leader's confirmation of a supplier's receivables (确权) raises its allocation;
trades between the leader and a member are recorded on the member's credit file (sub-category chain_trade); a
member's overdue or default (loans' domain events) cuts what the community may draw and alerts the leader and the
lender (站内消息).

Who sees a community: its leader, its lender and the platform admin see all of it; a member (requested or confirmed)
sees the community and its own membership only; anyone else is told it does not exist (404).

Every change of a line or an allocation takes the community's row lock first, so two concurrent allocations are
checked one after the other against the line (PostgreSQL), never both against the same old sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import Select, String, cast, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import ENTERPRISE_ROLES, OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.chains import policy
from xinyidai.chains.enums import ALERT_LABELS, TRADE_DIRECTION, AlertKind, MemberRole, MembershipStatus
from xinyidai.chains.exceptions import AlreadyMember, ChainRuleBroken, CommunityNotFound, MembershipNotFound
from xinyidai.chains.models import ChainAlert, ChainCommunity, ChainMembership, ReceivableConfirmation
from xinyidai.chains.schemas import (
    AlertRead,
    AllocationUpdate,
    CommunityCreate,
    CommunityRead,
    LineUpdate,
    MembershipCreate,
    MembershipDecisionCreate,
    MembershipRead,
    ReceivableCreate,
    ReceivableRead,
    TradeCreate,
    TradeRead,
)
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.exceptions import DeliveryRefused
from xinyidai.errors import Conflict, Forbidden, NotFound
from xinyidai.identity import service as identity_service
from xinyidai.loans import service as loans_service
from xinyidai.loans.events import DrawdownDefaulted, DrawdownOverdue
from xinyidai.money import format_yuan
from xinyidai.registry import service as registry_service

TRADE_ITEM = "chain_trade"
RECEIVABLE_KIND = "应收账款确权"
Viewer = Literal["leader", "lender", "member", "platform"]
NOT_FOUND = "未找到该产业链信用共同体"


@dataclass(frozen=True, slots=True)
class Seen:
    """A community and how the caller stands to it."""

    community: ChainCommunity
    viewer: Viewer
    own_membership: ChainMembership | None = None


# -- who may see and do what ----------------------------------------------------------------------


def _is_enterprise_user(principal: Principal) -> bool:
    return principal.enterprise_id is not None and principal.has_any(*ENTERPRISE_ROLES)


def _see(session: Session, principal: Principal, community_id: int, *, lock: bool = False) -> Seen:
    community = session.get(ChainCommunity, community_id, with_for_update=True if lock else None)
    if community is None:
        raise CommunityNotFound(NOT_FOUND, message_en="community not found")
    if principal.is_platform_admin:
        return Seen(community, "platform")
    if principal.organisation_kind == OrgKind.BANK and principal.organisation_id == community.lender_organisation_id:
        return Seen(community, "lender")
    if _is_enterprise_user(principal):
        if principal.enterprise_id == community.leader_enterprise_id:
            return Seen(community, "leader")
        own = _membership_of(session, community.id, principal.enterprise_id)
        if own is not None and own.status != MembershipStatus.DECLINED:
            return Seen(community, "member", own)
    raise CommunityNotFound(NOT_FOUND, message_en="community not found")


def _as_leader(session: Session, principal: Principal, community_id: int, *, lock: bool = False) -> ChainCommunity:
    seen = _see(session, principal, community_id, lock=lock)
    if seen.viewer != "leader":
        raise Forbidden("只有核心企业可以办理此事项", message_en="only the chain leader may do this")
    return seen.community


def _as_lender(session: Session, principal: Principal, community_id: int, *, lock: bool = False) -> ChainCommunity:
    seen = _see(session, principal, community_id, lock=lock)
    if seen.viewer != "lender" or not principal.has_any(Role.BANK_MANAGER):
        raise Forbidden("只有授信银行的信贷主管可以办理此事项", message_en="only the lender's manager may do this")
    return seen.community


def _membership_of(session: Session, community_id: int, enterprise_id: int | None) -> ChainMembership | None:
    return session.scalars(select(ChainMembership).where(
        ChainMembership.community_id == community_id, ChainMembership.enterprise_id == enterprise_id)).one_or_none()


def _membership(session: Session, community: ChainCommunity, membership_id: int) -> ChainMembership:
    membership = session.get(ChainMembership, membership_id)
    if membership is None or membership.community_id != community.id:
        raise MembershipNotFound("未找到该共同体成员", message_en="membership not found")
    return membership


def _confirmed(session: Session, community: ChainCommunity, membership_id: int) -> ChainMembership:
    membership = _membership(session, community, membership_id)
    if membership.status != MembershipStatus.CONFIRMED:
        raise ChainRuleBroken("该企业尚未经核心企业确认为共同体成员", message_en="membership not confirmed")
    return membership


def _members(session: Session, community_id: int) -> Sequence[ChainMembership]:
    return session.scalars(select(ChainMembership).where(ChainMembership.community_id == community_id)
                           .order_by(ChainMembership.id)).all()


def _allocated_except(members: Sequence[ChainMembership], membership_id: int | None) -> int:
    return sum(m.allocation_fen + m.uplift_fen for m in members
               if m.status == MembershipStatus.CONFIRMED and m.id != membership_id)


def _organisation_of(session: Session, enterprise_id: int) -> int | None:
    organisation = identity_service.get_enterprise_organisation(session, enterprise_id=enterprise_id)
    return organisation.id if organisation is not None else None


def _notify(session: Session, *, organisation_ids: Sequence[int | None], subject: str, body: str,
            community_id: int) -> None:
    identity_service.notify_each(session, organisation_ids=organisation_ids, subject=subject, body=body,
                                 link=f"/chains/{community_id}")


# -- the community and its members ---------------------------------------------------------------


def create_community(session: Session, *, principal: Principal, community_in: CommunityCreate) -> ChainCommunity:
    """The caller's firm founds a community it leads, naming the bank asked for the community line."""
    if not _is_enterprise_user(principal):
        raise Forbidden("只有市场主体的用户可以发起产业链信用共同体", message_en="only a firm may lead a community")
    assert principal.enterprise_id is not None
    try:
        lender = identity_service.get_organisation(session, organisation_id=community_in.lender_organisation_id)
    except NotFound as exc:  # a lender that does not exist is bad input, not a missing page
        raise ChainRuleBroken("所选授信银行不存在", message_en="lender not found") from exc
    if lender.kind != OrgKind.BANK:
        raise ChainRuleBroken("授信机构须为银行", message_en="the lender must be a bank")
    community = ChainCommunity(name=community_in.name.strip(), leader_enterprise_id=principal.enterprise_id,
                               lender_organisation_id=lender.id, line_fen=0, created_at=clock.now(),
                               created_by_user_id=principal.user_id)
    session.add(community)
    session.flush()
    audit_service.record(session, action="chains.community_created", actor=principal,
                         subject_type="chain_community", subject_id=community.id,
                         enterprise_id=principal.enterprise_id,
                         detail={"name": community.name, "lender_organisation_id": lender.id})
    _notify(session, organisation_ids=[lender.id], community_id=community.id, subject="新的产业链信用共同体申请授信",
            body=f"{_name(session, community.leader_enterprise_id)}发起产业链信用共同体“{community.name}”，"
                 "申请贵行授予共同体额度。")
    return community


def request_membership(session: Session, *, principal: Principal, community_id: int,
                       membership_in: MembershipCreate) -> ChainMembership:
    """The caller's firm asks to join a community (the leader shares the community's number with it)."""
    if not _is_enterprise_user(principal):
        raise Forbidden("只有市场主体的用户可以申请加入共同体", message_en="only a firm may join a community")
    community = session.get(ChainCommunity, community_id)
    if community is None:
        raise CommunityNotFound(NOT_FOUND, message_en="community not found")
    if community.leader_enterprise_id == principal.enterprise_id:
        raise ChainRuleBroken("核心企业本身不是共同体成员", message_en="the leader is not a member")
    if _membership_of(session, community.id, principal.enterprise_id) is not None:
        raise AlreadyMember("贵单位已申请加入或已是该共同体成员", message_en="already asked to join")
    assert principal.enterprise_id is not None
    membership = ChainMembership(community_id=community.id, enterprise_id=principal.enterprise_id,
                                 role=membership_in.role.value, status=MembershipStatus.REQUESTED.value,
                                 allocation_fen=0, uplift_fen=0, requested_at=clock.now(),
                                 requested_by_user_id=principal.user_id)
    try:
        with session.begin_nested():
            session.add(membership)
            session.flush()
    except IntegrityError as exc:  # a second request at the same moment
        raise AlreadyMember("贵单位已申请加入或已是该共同体成员", message_en="already asked to join") from exc
    audit_service.record(session, action="chains.membership_requested", actor=principal,
                         subject_type="chain_membership", subject_id=membership.id,
                         enterprise_id=principal.enterprise_id,
                         detail={"community_id": community.id, "role": membership.role})
    _notify(session, organisation_ids=[_organisation_of(session, community.leader_enterprise_id)],
            community_id=community.id, subject="有企业申请加入产业链信用共同体",
            body=f"{_name(session, principal.enterprise_id)}申请加入“{community.name}”，请确认。")
    return membership


def decide_membership(session: Session, *, principal: Principal, community_id: int, membership_id: int,
                      decision_in: MembershipDecisionCreate) -> ChainMembership:
    """The leader confirms a requested membership, or declines it."""
    community = _as_leader(session, principal, community_id, lock=True)
    membership = _membership(session, community, membership_id)
    if membership.status != MembershipStatus.REQUESTED:
        raise Conflict("该成员申请已处理", message_en="membership already decided")
    membership.status = (MembershipStatus.CONFIRMED if decision_in.confirm else MembershipStatus.DECLINED).value
    membership.decided_at = clock.now()
    membership.decided_by_user_id = principal.user_id
    session.flush()
    action = "chains.membership_confirmed" if decision_in.confirm else "chains.membership_declined"
    audit_service.record(session, action=action, actor=principal, subject_type="chain_membership",
                         subject_id=membership.id, enterprise_id=membership.enterprise_id,
                         detail={"community_id": community.id})
    verdict = "已确认" if decision_in.confirm else "未确认"
    _notify(session, organisation_ids=[_organisation_of(session, membership.enterprise_id)],
            community_id=community.id, subject=f"核心企业{verdict}贵单位的成员资格",
            body=f"核心企业{verdict}贵单位加入“{community.name}”。")
    return membership


# -- the line, allocations and receivables ----------------------------------------------------------


def set_line(session: Session, *, principal: Principal, community_id: int, line_in: LineUpdate) -> ChainCommunity:
    """The lender grants (or changes) the community line; never below what is allocated to the members."""
    community = _as_lender(session, principal, community_id, lock=True)
    allocated = _allocated_except(_members(session, community.id), None)
    problem = policy.line_problem(line_fen=line_in.line_fen, allocated_fen=allocated)
    if problem:
        raise ChainRuleBroken(problem, message_en="the line cannot be below what is allocated")
    before = community.line_fen
    community.line_fen = line_in.line_fen
    community.line_granted_at = clock.now()
    session.flush()
    audit_service.record(session, action="chains.line_set", actor=principal, subject_type="chain_community",
                         subject_id=community.id, enterprise_id=community.leader_enterprise_id,
                         detail={"line_fen": community.line_fen, "before_fen": before})
    _notify(session, organisation_ids=[_organisation_of(session, community.leader_enterprise_id)],
            community_id=community.id, subject="产业链信用共同体获得授信",
            body=f"“{community.name}”的共同体授信额度为{format_yuan(community.line_fen)}元。")
    return community


def allocate(session: Session, *, principal: Principal, community_id: int, membership_id: int,
             allocation_in: AllocationUpdate) -> ChainMembership:
    """The lender allocates part of the community line to a confirmed member; refused whole above the line."""
    community = _as_lender(session, principal, community_id, lock=True)
    membership = _confirmed(session, community, membership_id)
    members = _members(session, community.id)
    problem = policy.allocation_problem(line_fen=community.line_fen,
                                        others_fen=_allocated_except(members, membership.id),
                                        allocation_fen=allocation_in.allocation_fen,
                                        uplift_fen=membership.uplift_fen)
    if problem:
        raise ChainRuleBroken(problem, message_en="allocations would exceed the community line")
    before = membership.allocation_fen
    membership.allocation_fen = allocation_in.allocation_fen
    session.flush()
    audit_service.record(session, action="chains.allocation_set", actor=principal, subject_type="chain_membership",
                         subject_id=membership.id, enterprise_id=membership.enterprise_id,
                         detail={"community_id": community.id, "allocation_fen": membership.allocation_fen,
                                 "before_fen": before})
    return membership


def _open_receivables(session: Session, membership_id: int, today: date) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(ReceivableConfirmation.amount_fen), 0)).where(
        ReceivableConfirmation.membership_id == membership_id, ReceivableConfirmation.due_date >= today)) or 0)


def confirm_receivable(session: Session, *, principal: Principal, community_id: int, membership_id: int,
                       receivable_in: ReceivableCreate) -> tuple[ReceivableConfirmation, ChainMembership]:
    """The leader confirms a supplier's receivable on it (确权): recorded on the supplier's credit file, and the
    supplier's allocation raised by the rule of `policy` (within the community line)."""
    community = _as_leader(session, principal, community_id, lock=True)
    membership = _confirmed(session, community, membership_id)
    if membership.role != MemberRole.UPSTREAM:
        raise ChainRuleBroken("只有上游供应商对核心企业有应收账款可供确权",
                              message_en="only suppliers hold receivables")
    today = clock.today()
    if receivable_in.trade_date > today:
        raise ChainRuleBroken("交易日期不能晚于今天", message_en="trade date in the future")
    if receivable_in.due_date < today or receivable_in.due_date < receivable_in.trade_date:
        raise ChainRuleBroken("到期日期须不早于今天和交易日期", message_en="due date already past")
    if session.scalar(select(ReceivableConfirmation.id).where(
            ReceivableConfirmation.membership_id == membership.id,
            ReceivableConfirmation.document_no == receivable_in.document_no)) is not None:
        raise Conflict("该单据已经确权", message_en="receivable already confirmed")
    confirmation = ReceivableConfirmation(
        community_id=community.id, membership_id=membership.id, document_no=receivable_in.document_no,
        amount_fen=receivable_in.amount_fen, trade_date=receivable_in.trade_date, due_date=receivable_in.due_date,
        confirmed_at=clock.now(), confirmed_by_user_id=principal.user_id)
    session.add(confirmation)
    session.flush()
    members = _members(session, community.id)
    before = membership.uplift_fen
    membership.uplift_fen = policy.receivable_uplift(
        receivables_fen=_open_receivables(session, membership.id, today), line_fen=community.line_fen,
        room_fen=community.line_fen - _allocated_except(members, membership.id) - membership.allocation_fen)
    session.flush()
    _record_trade(session, community=community, membership=membership, kind=RECEIVABLE_KIND,
                  document_no=receivable_in.document_no, amount_fen=receivable_in.amount_fen,
                  trade_date=receivable_in.trade_date, due_date=receivable_in.due_date)
    audit_service.record(session, action="chains.receivable_confirmed", actor=principal,
                         subject_type="chain_receivable", subject_id=confirmation.id,
                         enterprise_id=membership.enterprise_id,
                         detail={"community_id": community.id, "document_no": confirmation.document_no,
                                 "amount_fen": confirmation.amount_fen, "uplift_fen": membership.uplift_fen,
                                 "uplift_before_fen": before})
    _notify(session, organisation_ids=[_organisation_of(session, membership.enterprise_id),
                                       community.lender_organisation_id],
            community_id=community.id, subject="核心企业确认了应收账款",
            body=f"核心企业确认{_name(session, membership.enterprise_id)}的应收账款{confirmation.document_no}"
                 f"（{format_yuan(confirmation.amount_fen)}元），该成员额度因确权增加"
                 f"{format_yuan(membership.uplift_fen)}元。")
    return confirmation, membership


def _record_trade(session: Session, *, community: ChainCommunity, membership: ChainMembership, kind: str,
                  document_no: str, amount_fen: int, trade_date: date, due_date: date | None = None) -> None:
    leader = community.leader_enterprise_id
    leader_uscc = registry_service.usccs_by_id(session, [leader])[leader]
    values = {"document_kind": kind, "document_no": document_no, "counterparty_uscc": leader_uscc,
              "direction": TRADE_DIRECTION[MemberRole(membership.role)], "amount": format_yuan(amount_fen),
              "trade_date": trade_date.isoformat()}
    if due_date is not None:
        values["due_date"] = due_date.isoformat()
    try:
        creditdata_service.record_platform_fact(session, item_code=TRADE_ITEM, enterprise_id=membership.enterprise_id,
                                                values=values)
    except DeliveryRefused as exc:
        raise ChainRuleBroken(str(exc), message_en="invalid trade") from exc


def record_trade(session: Session, *, principal: Principal, community_id: int, trade_in: TradeCreate) -> TradeRead:
    """The leader (naming the member) or a confirmed member records a trade between them as credit information."""
    seen = _see(session, principal, community_id)
    if seen.viewer == "leader":
        if trade_in.membership_id is None:
            raise ChainRuleBroken("请指明交易对方（共同体成员）", message_en="membership_id is required")
        membership = _confirmed(session, seen.community, trade_in.membership_id)
    elif seen.viewer == "member" and seen.own_membership is not None:
        if trade_in.membership_id not in (None, seen.own_membership.id):
            raise Forbidden("成员只能登记本单位与核心企业之间的交易", message_en="a member records its own trades")
        membership = _confirmed(session, seen.community, seen.own_membership.id)
    else:
        raise Forbidden("只有核心企业和共同体成员可以登记交易", message_en="only the leader and members record trades")
    if trade_in.trade_date > clock.today():
        raise ChainRuleBroken("交易日期不能晚于今天", message_en="trade date in the future")
    _record_trade(session, community=seen.community, membership=membership, kind=trade_in.document_kind,
                  document_no=trade_in.document_no, amount_fen=trade_in.amount_fen, trade_date=trade_in.trade_date)
    item = creditdata_service.get_item(session, code=TRADE_ITEM)
    record = [r for r in creditdata_service.history(session, enterprise_id=membership.enterprise_id, item=item)
              if r.data.get("document_no") == trade_in.document_no
              and r.data.get("document_kind") == trade_in.document_kind][-1]
    audit_service.record(session, action="chains.trade_recorded", actor=principal, subject_type="credit_record",
                         subject_id=record.id, enterprise_id=membership.enterprise_id,
                         detail={"community_id": seen.community.id, "document_no": trade_in.document_no})
    return TradeRead(membership_id=membership.id, enterprise_id=membership.enterprise_id, record_id=record.id,
                     data=dict(record.data))


# -- what may be drawn, and the alerts -------------------------------------------------------------


def drawable(session: Session, *, community: ChainCommunity) -> policy.Drawable:
    """What the community and each confirmed member may draw, given the members' arrears (`policy.drawable`)."""
    confirmed = [m for m in _members(session, community.id) if m.status == MembershipStatus.CONFIRMED]
    arrears = loans_service.arrears_of_enterprises(session, enterprise_ids=[m.enterprise_id for m in confirmed])
    return policy.drawable(line_fen=community.line_fen, members=[
        policy.Standing(membership_id=m.id, allocation_fen=m.allocation_fen + m.uplift_fen,
                        overdue=m.enterprise_id in arrears and arrears[m.enterprise_id].overdue,
                        defaulted=m.enterprise_id in arrears and arrears[m.enterprise_id].defaulted)
        for m in confirmed])


def member_drawable_fen(session: Session, *, community_id: int, enterprise_id: int) -> int:
    """What a member may draw on its community allocation today (0 for a firm that is not a confirmed member)."""
    community = session.get(ChainCommunity, community_id)
    membership = _membership_of(session, community_id, enterprise_id) if community is not None else None
    if community is None or membership is None:
        return 0
    return drawable(session, community=community).by_member.get(membership.id, 0)


def _alert(session: Session, *, kind: AlertKind, enterprise_id: int, drawdown_id: int, business_date: date,
           amount_fen: int) -> None:
    memberships = session.scalars(select(ChainMembership).where(
        ChainMembership.enterprise_id == enterprise_id, ChainMembership.status == MembershipStatus.CONFIRMED)).all()
    for membership in memberships:
        community = session.get(ChainCommunity, membership.community_id)
        assert community is not None
        if session.scalar(select(ChainAlert.id).where(
                ChainAlert.community_id == community.id, ChainAlert.drawdown_id == drawdown_id,
                ChainAlert.kind == kind.value)) is not None:
            continue  # an event delivered twice alerts once
        alert = ChainAlert(community_id=community.id, membership_id=membership.id, drawdown_id=drawdown_id,
                           kind=kind.value, business_date=business_date, amount_fen=amount_fen,
                           created_at=clock.now())
        session.add(alert)
        session.flush()
        after = drawable(session, community=community)
        name = _name(session, enterprise_id)
        _notify(session, organisation_ids=[_organisation_of(session, community.leader_enterprise_id),
                                           community.lender_organisation_id],
                community_id=community.id, subject=f"产业链信用共同体{ALERT_LABELS[kind]}提示",
                body=f"“{community.name}”成员{name}于{business_date.isoformat()}{ALERT_LABELS[kind]}"
                     f"（{format_yuan(amount_fen)}元）。该成员暂停用信，共同体可用额度降为"
                     f"{format_yuan(after.community_fen)}元。")
        audit_service.record(session, action="chains.member_alerted",
                             actor=audit_service.Actor.system(f"chains: {kind.value}"),
                             subject_type="chain_alert", subject_id=alert.id, enterprise_id=enterprise_id,
                             detail={"community_id": community.id, "drawdown_id": drawdown_id,
                                     "drawable_fen": after.community_fen})


def on_drawdown_overdue(session: Session, event: DrawdownOverdue) -> None:
    """A member's drawdown fell overdue: alert the leader and the lender of each community it belongs to."""
    _alert(session, kind=AlertKind.OVERDUE, enterprise_id=event.enterprise_id, drawdown_id=event.drawdown_id,
           business_date=event.business_date, amount_fen=event.overdue_fen)


def on_drawdown_defaulted(session: Session, event: DrawdownDefaulted) -> None:
    """A member's drawdown defaulted: alert the leader and the lender of each community it belongs to."""
    _alert(session, kind=AlertKind.DEFAULT, enterprise_id=event.enterprise_id, drawdown_id=event.drawdown_id,
           business_date=event.business_date, amount_fen=event.outstanding_fen)


# -- reading -------------------------------------------------------------------------------------------


def _name(session: Session, enterprise_id: int | None) -> str:
    if enterprise_id is None:
        return ""
    return registry_service.names_by_id(session, enterprise_ids=[enterprise_id]).get(enterprise_id, "")


def list_communities(session: Session, *, principal: Principal) -> list[Seen]:
    """The communities the caller leads, lends to, belongs to (or asked to join); all for the platform admin."""
    query = select(ChainCommunity).order_by(ChainCommunity.id)
    if principal.is_platform_admin:
        return [Seen(c, "platform") for c in session.scalars(query)]
    if principal.organisation_kind == OrgKind.BANK:
        return [Seen(c, "lender") for c in session.scalars(
            query.where(ChainCommunity.lender_organisation_id == principal.organisation_id))]
    if not _is_enterprise_user(principal):
        return []
    led = [Seen(c, "leader") for c in session.scalars(
        query.where(ChainCommunity.leader_enterprise_id == principal.enterprise_id))]
    joined = session.execute(select(ChainCommunity, ChainMembership).join(
        ChainMembership, ChainMembership.community_id == ChainCommunity.id).where(
        ChainMembership.enterprise_id == principal.enterprise_id,
        ChainMembership.status != MembershipStatus.DECLINED).order_by(ChainCommunity.id)).all()
    return led + [Seen(c, "member", m) for c, m in joined]


def get_community(session: Session, *, principal: Principal, community_id: int) -> Seen:
    """A community the caller may see, with how it stands to it (404 otherwise)."""
    return _see(session, principal, community_id)


def to_read(session: Session, seen: Seen) -> CommunityRead:
    """The community as the caller may see it: a member sees its own membership only, and no alerts."""
    community = seen.community
    members = _members(session, community.id)
    shown = [m for m in members if seen.viewer != "member" or m.id == (seen.own_membership.id
                                                                       if seen.own_membership else None)]
    state = drawable(session, community=community)
    names = registry_service.names_by_id(session, enterprise_ids=[community.leader_enterprise_id,
                                                                  *(m.enterprise_id for m in shown)])
    arrears = loans_service.arrears_of_enterprises(session, enterprise_ids=[m.enterprise_id for m in shown])
    alerts = [] if seen.viewer == "member" else session.scalars(select(ChainAlert).where(
        ChainAlert.community_id == community.id).order_by(ChainAlert.id.desc()).limit(50)).all()
    lender = identity_service.get_organisation(session, organisation_id=community.lender_organisation_id)
    return CommunityRead(
        id=community.id, name=community.name, leader_enterprise_id=community.leader_enterprise_id,
        leader_name=names.get(community.leader_enterprise_id, ""), lender_organisation_id=lender.id,
        lender_name=lender.name, line_fen=community.line_fen, allocated_fen=state.allocated_fen,
        drawable_fen=state.community_fen if seen.viewer != "member" else sum(
            state.by_member.get(m.id, 0) for m in shown),
        haircut_ppm=state.haircut_ppm, viewer=seen.viewer,
        members=[MembershipRead(
            id=m.id, enterprise_id=m.enterprise_id, enterprise_name=names.get(m.enterprise_id, ""),
            role=MemberRole(m.role), status=MembershipStatus(m.status), allocation_fen=m.allocation_fen,
            uplift_fen=m.uplift_fen, drawable_fen=state.by_member.get(m.id, 0),
            overdue=m.enterprise_id in arrears and arrears[m.enterprise_id].overdue,
            defaulted=m.enterprise_id in arrears and arrears[m.enterprise_id].defaulted,
            requested_at=m.requested_at, decided_at=m.decided_at) for m in shown],
        alerts=[AlertRead(id=a.id, membership_id=a.membership_id, kind=AlertKind(a.kind), drawdown_id=a.drawdown_id,
                          business_date=a.business_date, amount_fen=a.amount_fen) for a in alerts],
    )


def to_receivable_read(confirmation: ReceivableConfirmation, membership: ChainMembership) -> ReceivableRead:
    """A confirmed receivable with the member's allocation after it."""
    return ReceivableRead(id=confirmation.id, membership_id=membership.id, document_no=confirmation.document_no,
                          amount_fen=confirmation.amount_fen, trade_date=confirmation.trade_date,
                          due_date=confirmation.due_date, uplift_fen=membership.uplift_fen,
                          allocation_fen=membership.allocation_fen + membership.uplift_fen)


def drawable_with_lender(session: Session, *, enterprise_id: int, lender_organisation_id: int) -> int | None:
    """What the firm may draw today on its allocations in the communities the lender serves (None: it is a
    confirmed member of none of them)."""
    memberships = session.execute(
        select(ChainMembership, ChainCommunity).join(ChainCommunity, ChainCommunity.id == ChainMembership.community_id)
        .where(ChainMembership.enterprise_id == enterprise_id, ChainMembership.status == MembershipStatus.CONFIRMED,
               ChainCommunity.lender_organisation_id == lender_organisation_id)).all()
    if not memberships:
        return None
    return sum(drawable(session, community=community).by_member.get(membership.id, 0)
               for membership, community in memberships)


def is_confirmed_member(session: Session, *, enterprise_id: int) -> bool:
    """Whether the entity is a confirmed member (or the leader) of any industry-chain community."""
    leads = session.scalars(select(ChainCommunity.id).where(ChainCommunity.leader_enterprise_id == enterprise_id)
                            .limit(1)).first()
    return leads is not None or session.scalars(select(ChainMembership.id).where(
        ChainMembership.enterprise_id == enterprise_id,
        ChainMembership.status == MembershipStatus.CONFIRMED).limit(1)).first() is not None


WATCH_REF_PREFIX = "CHAIN"  # a member's post-loan authorisation to the lender names the community: "CHAIN<id>"


def watch_reference(community_id: int) -> str:
    """What a member's post-loan authorisation names for its community (授权用途关联：共同体编号)."""
    return f"{WATCH_REF_PREFIX}{community_id}"


def member_communities(session: Session, *, enterprise_id: int) -> Sequence[ChainCommunity]:
    """The communities the firm is a confirmed member of (a leader is no member of its own), oldest first: those
    whose lender its post-loan authorisation may name (`watch_reference`)."""
    return session.scalars(select(ChainCommunity).join(
        ChainMembership, ChainMembership.community_id == ChainCommunity.id).where(
        ChainMembership.enterprise_id == enterprise_id, ChainMembership.status == MembershipStatus.CONFIRMED)
        .order_by(ChainCommunity.id)).all()


def awaits_watch_authorisation(session: Session, seen: Seen) -> bool:
    """Whether the caller is a confirmed member with an allocation whose post-loan authorisation naming the
    community is not active for the community's lender: the lender's watch of the member needs it (monitoring)."""
    membership = seen.own_membership
    if (seen.viewer != "member" or membership is None or membership.status != MembershipStatus.CONFIRMED
            or membership.allocation_fen + membership.uplift_fen <= 0):
        return False
    return not consent_service.decide(
        session, enterprise_id=membership.enterprise_id,
        recipient_organisation_id=seen.community.lender_organisation_id,
        purpose=consent_service.Purpose.POST_LOAN_MANAGEMENT, purpose_ref=watch_reference(seen.community.id)).allowed


def member_exposure_query() -> Select[int, int, str]:
    """The members the communities' lenders carry (共同体成员敞口), as rows (lender_organisation_id, enterprise_id,
    reference): each confirmed member with an allocation of a community whose line is granted, for the lender, under
    the community's reference (`watch_reference`). A query for other contexts to join (monitoring's watch list),
    never a table."""
    return select(
        ChainCommunity.lender_organisation_id.label("lender_organisation_id"),
        ChainMembership.enterprise_id.label("enterprise_id"),
        (literal(WATCH_REF_PREFIX, String) + cast(ChainCommunity.id, String(20))).label("reference"),
    ).join(ChainMembership, ChainMembership.community_id == ChainCommunity.id).where(
        ChainMembership.status == MembershipStatus.CONFIRMED, ChainCommunity.line_fen > 0,
        ChainMembership.allocation_fen + ChainMembership.uplift_fen > 0)
