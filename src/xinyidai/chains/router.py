"""REST API of industry-chain credit communities: the leader, its members and the lender, each on its own routes."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from xinyidai.auth.dependencies import BankManagerDep, ChainPartyDep, EnterpriseUserDep, csrf_protect
from xinyidai.chains import service
from xinyidai.chains.schemas import (
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
from xinyidai.web import IdPath, SessionDep

router = APIRouter(prefix="/api/v1/chains", tags=["industry-chain communities"],
                   dependencies=[Depends(csrf_protect)])


def _community(session: SessionDep, principal: ChainPartyDep, community_id: int) -> CommunityRead:
    return service.to_read(session, service.get_community(session, principal=principal, community_id=community_id))


def _membership(session: SessionDep, principal: ChainPartyDep, community_id: int,
                membership_id: int) -> MembershipRead:
    read = _community(session, principal, community_id)
    return next(m for m in read.members if m.id == membership_id)


@router.post("", response_model=CommunityRead, status_code=201)
def create_community(session: SessionDep, principal: EnterpriseUserDep,
                     community_in: CommunityCreate) -> CommunityRead:
    """A firm founds a community it leads (核心企业), naming the bank asked for the community line."""
    community = service.create_community(session, principal=principal, community_in=community_in)
    return _community(session, principal, community.id)


@router.get("", response_model=list[CommunityRead])
def list_communities(session: SessionDep, principal: ChainPartyDep) -> list[CommunityRead]:
    """The communities the caller leads, lends to or belongs to."""
    return [service.to_read(session, seen) for seen in service.list_communities(session, principal=principal)]


@router.get("/{community_id}", response_model=CommunityRead)
def get_community(session: SessionDep, principal: ChainPartyDep, community_id: IdPath) -> CommunityRead:
    """A community: all of it for its leader and lender, a member's own membership for a member; 404 for others."""
    return _community(session, principal, community_id)


@router.post("/{community_id}/memberships", response_model=MembershipRead, status_code=201)
def request_membership(session: SessionDep, principal: EnterpriseUserDep, community_id: IdPath,
                       membership_in: MembershipCreate) -> MembershipRead:
    """A firm asks to join a community as a supplier or a distributor; the leader confirms it."""
    membership = service.request_membership(session, principal=principal, community_id=community_id,
                                             membership_in=membership_in)
    return _membership(session, principal, community_id, membership.id)


@router.post("/{community_id}/memberships/{membership_id}/decision", response_model=MembershipRead)
def decide_membership(session: SessionDep, principal: EnterpriseUserDep, community_id: IdPath,
                      membership_id: IdPath, decision_in: MembershipDecisionCreate) -> MembershipRead:
    """The leader confirms a membership, or declines it."""
    service.decide_membership(session, principal=principal, community_id=community_id, membership_id=membership_id,
                              decision_in=decision_in)
    return _membership(session, principal, community_id, membership_id)


@router.put("/{community_id}/line", response_model=CommunityRead)
def set_line(session: SessionDep, principal: BankManagerDep, community_id: IdPath,
             line_in: LineUpdate) -> CommunityRead:
    """The lender's manager grants or changes the community line (never below what is allocated)."""
    service.set_line(session, principal=principal, community_id=community_id, line_in=line_in)
    return _community(session, principal, community_id)


@router.put("/{community_id}/memberships/{membership_id}/allocation", response_model=MembershipRead,
            responses={422: {"description": "the allocations would exceed the community line; nothing stored"}})
def allocate(session: SessionDep, principal: BankManagerDep, community_id: IdPath, membership_id: IdPath,
             allocation_in: AllocationUpdate) -> MembershipRead:
    """The lender's manager allocates part of the community line to a confirmed member."""
    service.allocate(session, principal=principal, community_id=community_id, membership_id=membership_id,
                     allocation_in=allocation_in)
    return _membership(session, principal, community_id, membership_id)


@router.post("/{community_id}/memberships/{membership_id}/receivables", response_model=ReceivableRead,
             status_code=201)
def confirm_receivable(session: SessionDep, principal: EnterpriseUserDep, community_id: IdPath,
                       membership_id: IdPath, receivable_in: ReceivableCreate) -> ReceivableRead:
    """The leader confirms a supplier's receivable on it (确权), raising the supplier's allocation."""
    confirmation, membership = service.confirm_receivable(
        session, principal=principal, community_id=community_id, membership_id=membership_id,
        receivable_in=receivable_in)
    return service.to_receivable_read(confirmation, membership)


@router.post("/{community_id}/trades", response_model=TradeRead, status_code=201)
def record_trade(session: SessionDep, principal: EnterpriseUserDep, community_id: IdPath,
                 trade_in: TradeCreate) -> TradeRead:
    """The leader or a member records a trade between them (an invoice, an order) as credit information."""
    return service.record_trade(session, principal=principal, community_id=community_id, trade_in=trade_in)
