"""Portal pages of industry-chain credit communities: the list, and the community page for its leader, its lender
and its members, with the leader's and the lender's forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.dependencies import BankManagerDep, ChainPartyDep, EnterpriseUserDep, csrf_protect
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.chains import policy, service
from xinyidai.chains.enums import ALERT_LABELS, ROLE_LABELS, STATUS_LABELS, VIEWER_LABELS, MemberRole
from xinyidai.chains.schemas import (
    AllocationUpdate,
    CommunityCreate,
    LineUpdate,
    MembershipCreate,
    MembershipDecisionCreate,
    ReceivableCreate,
    TradeCreate,
)
from xinyidai.consent import service as consent_service
from xinyidai.errors import DomainError
from xinyidai.identity import service as identity_service
from xinyidai.money import InvalidAmount, parse_yuan
from xinyidai.portal import flash
from xinyidai.portal.forms import form_date
from xinyidai.portal.templating import render
from xinyidai.web import IdPath, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

POST_LOAN = consent_service.Purpose.POST_LOAN_MANAGEMENT.value
Yuan = Annotated[str, Form(max_length=40)]
ShortText = Annotated[str, Form(max_length=100)]


def _labels() -> dict[str, object]:
    return {"role_labels": ROLE_LABELS, "status_labels": STATUS_LABELS, "alert_labels": ALERT_LABELS,
            "viewer_labels": VIEWER_LABELS,
            "roles": list(MemberRole), "ppm": policy.PPM, "advance_ppm": policy.RECEIVABLE_ADVANCE_PPM,
            "uplift_cap_ppm": policy.MEMBER_UPLIFT_CAP_PPM, "overdue_ppm": policy.OVERDUE_HAIRCUT_PPM,
            "default_ppm": policy.DEFAULT_HAIRCUT_PPM}


def _list_page(request: Request, session: Session, principal: Principal, *, errors: list[str] | None = None,
               status_code: int = 200) -> Response:
    seen = service.list_communities(session, principal=principal)
    is_firm = principal.organisation_kind == OrgKind.ENTERPRISE
    return render(request, "chains/communities.html", {
        **_labels(), "communities": [service.to_read(session, s) for s in seen], "is_firm": is_firm,
        "banks": identity_service.list_organisations(session, kind=OrgKind.BANK) if is_firm else [],
        "errors": errors or [], "flash": flash.take(request),
    }, status_code=status_code)


def _community_page(request: Request, session: Session, principal: Principal, community_id: int, *,
                    errors: list[str] | None = None, status_code: int = 200) -> Response:
    seen = service.get_community(session, principal=principal, community_id=community_id)
    community = service.to_read(session, seen)
    # A member with an allocation is told when the lender cannot watch it yet, with the grant form prefilled.
    watch_link = (f"/authorisations/new?purpose={POST_LOAN}&loan={service.watch_reference(community.id)}"
                  f"&recipient={community.lender_organisation_id}"
                  if service.awaits_watch_authorisation(session, seen) else None)
    return render(request, "chains/community.html", {
        **_labels(), "community": community, "errors": errors or [], "flash": flash.take(request),
        "watch_link": watch_link,
        "may_allocate": community.viewer == "lender" and principal.has_any(Role.BANK_MANAGER),
        "today": clock.today(),
    }, status_code=status_code)


def _yuan(text: str, label: str, errors: list[str]) -> int:
    try:
        return parse_yuan(text)
    except InvalidAmount as exc:
        errors.append(f"{label}：{exc}")
        return 0


def _act(request: Request, session: Session, principal: Principal, *, done: str, back: str,
         errors: list[str], action: Callable[[], object], page: Callable[[list[str]], Response]) -> Response:
    """Run `action` unless the form was refused already; refusals re-render the page (422), success redirects."""
    if not errors:
        try:
            action()
        except ValidationError as exc:
            errors.append("；".join(str(e.get("msg", "")) for e in exc.errors()) or "输入有误")
        except DomainError as exc:
            errors.append(exc.message)
    if errors:
        return page(errors)
    return flash.redirect(back, done)


@router.get("/chains", response_class=HTMLResponse)
def communities_page(request: Request, session: SessionDep, principal: ChainPartyDep) -> Response:
    """产业链信用共同体: the communities the caller leads, lends to or belongs to; a firm founds or joins one here."""
    return _list_page(request, session, principal)


@router.post("/chains", response_class=HTMLResponse)
def create_community(request: Request, session: SessionDep, principal: EnterpriseUserDep, name: ShortText,
                     lender_organisation_id: Annotated[int, Form(ge=1, le=2**62)]) -> Response:
    """A firm founds a community it leads."""
    created: list[int] = []

    def action() -> None:
        community = service.create_community(session, principal=principal, community_in=CommunityCreate(
            name=name, lender_organisation_id=lender_organisation_id))
        created.append(community.id)

    response = _act(request, session, principal, done="已发起产业链信用共同体", back="/chains", errors=[],
                    action=action, page=lambda e: _list_page(request, session, principal, errors=e, status_code=422))
    return flash.redirect(f"/chains/{created[0]}", "已发起产业链信用共同体") if created else response


@router.post("/chains/join", response_class=HTMLResponse)
def join(request: Request, session: SessionDep, principal: EnterpriseUserDep,
         community_id: Annotated[int, Form(ge=1, le=2**62)], role: Annotated[str, Form(max_length=20)]) -> Response:
    """A firm asks to join a community by its number."""
    errors = [] if role in set(MemberRole) else ["请选择成员类型"]
    return _act(request, session, principal, done="已提交加入申请，待核心企业确认", back="/chains", errors=errors,
                action=lambda: service.request_membership(session, principal=principal, community_id=community_id,
                                                          membership_in=MembershipCreate(role=MemberRole(role))),
                page=lambda e: _list_page(request, session, principal, errors=e, status_code=422))


@router.get("/chains/{community_id}", response_class=HTMLResponse)
def community_page(request: Request, session: SessionDep, principal: ChainPartyDep,
                   community_id: IdPath) -> Response:
    """A community: its line, members, allocations, what may be drawn and the alerts (leader and lender)."""
    return _community_page(request, session, principal, community_id)


@router.post("/chains/{community_id}/memberships/{membership_id}/decision", response_class=HTMLResponse)
def decide(request: Request, session: SessionDep, principal: EnterpriseUserDep, community_id: IdPath,
           membership_id: IdPath, confirm: Annotated[str, Form(max_length=5)]) -> Response:
    """The leader confirms or declines a membership."""
    return _act(request, session, principal, done="已处理成员申请", back=f"/chains/{community_id}", errors=[],
                action=lambda: service.decide_membership(
                    session, principal=principal, community_id=community_id, membership_id=membership_id,
                    decision_in=MembershipDecisionCreate(confirm=confirm == "yes")),
                page=lambda e: _community_page(request, session, principal, community_id, errors=e, status_code=422))


@router.post("/chains/{community_id}/line", response_class=HTMLResponse)
def set_line(request: Request, session: SessionDep, principal: BankManagerDep, community_id: IdPath,
             line_yuan: Yuan) -> Response:
    """The lender's manager sets the community line."""
    errors: list[str] = []
    line_fen = _yuan(line_yuan, "共同体授信额度", errors)
    return _act(request, session, principal, done="已设定共同体授信额度", back=f"/chains/{community_id}",
                errors=errors, action=lambda: service.set_line(session, principal=principal, community_id=community_id,
                                                               line_in=LineUpdate(line_fen=line_fen)),
                page=lambda e: _community_page(request, session, principal, community_id, errors=e, status_code=422))


@router.post("/chains/{community_id}/memberships/{membership_id}/allocation", response_class=HTMLResponse)
def allocate(request: Request, session: SessionDep, principal: BankManagerDep, community_id: IdPath,
             membership_id: IdPath, allocation_yuan: Yuan) -> Response:
    """The lender's manager allocates part of the line to a member; refused above the line."""
    errors: list[str] = []
    allocation_fen = _yuan(allocation_yuan, "分配额度", errors)
    return _act(request, session, principal, done="已分配成员额度", back=f"/chains/{community_id}", errors=errors,
                action=lambda: service.allocate(session, principal=principal, community_id=community_id,
                                                membership_id=membership_id,
                                                allocation_in=AllocationUpdate(allocation_fen=allocation_fen)),
                page=lambda e: _community_page(request, session, principal, community_id, errors=e, status_code=422))


@router.post("/chains/{community_id}/memberships/{membership_id}/receivables", response_class=HTMLResponse)
def confirm_receivable(request: Request, session: SessionDep, principal: EnterpriseUserDep, community_id: IdPath,
                       membership_id: IdPath, document_no: Annotated[str, Form(max_length=40)], amount_yuan: Yuan,
                       trade_date: Annotated[str, Form(max_length=20)],
                       due_date: Annotated[str, Form(max_length=20)]) -> Response:
    """The leader confirms a supplier's receivable (确权)."""
    errors: list[str] = []
    amount_fen = _yuan(amount_yuan, "金额", errors)
    traded, due = form_date(trade_date.strip(), "交易日期", errors), form_date(due_date.strip(), "到期日期", errors)
    if not errors and (traded is None or due is None):
        errors.append("请填写交易日期和到期日期")

    def action() -> None:
        assert traded is not None and due is not None
        service.confirm_receivable(session, principal=principal, community_id=community_id,
                                   membership_id=membership_id, receivable_in=ReceivableCreate(
                                       document_no=document_no.strip(), amount_fen=amount_fen, trade_date=traded,
                                       due_date=due))

    return _act(request, session, principal, done="已确权，成员额度已按规则调整", back=f"/chains/{community_id}",
                errors=errors, action=action,
                page=lambda e: _community_page(request, session, principal, community_id, errors=e, status_code=422))


# The trade form's document kinds, as the catalogue names them.
TRADE_DOCUMENTS: dict[str, Literal["发票", "订单"]] = {"invoice": "发票", "order": "订单"}


@router.post("/chains/{community_id}/trades", response_class=HTMLResponse)
def record_trade(request: Request, session: SessionDep, principal: EnterpriseUserDep, community_id: IdPath,
                 amount_yuan: Yuan, document_kind: Annotated[str, Form(max_length=10)] = "",
                 document_no: Annotated[str, Form(max_length=40)] = "",
                 trade_date: Annotated[str, Form(max_length=20)] = "",
                 membership_id: Annotated[int | None, Form(ge=1, le=2**62)] = None) -> Response:
    """The leader or a member records a trade between them (an invoice, an order) as credit information."""
    errors: list[str] = []
    amount_fen = _yuan(amount_yuan, "金额", errors)
    traded = form_date(trade_date.strip(), "交易日期", errors)
    if not errors and traded is None:
        errors.append("请填写交易日期")
    kind = TRADE_DOCUMENTS.get(document_kind)
    if kind is None:
        errors.append("请选择单据类型（发票或订单）")
    if not document_no.strip():
        errors.append("请填写单据编号")

    def action() -> None:
        assert traded is not None
        service.record_trade(session, principal=principal, community_id=community_id, trade_in=TradeCreate(
            membership_id=membership_id, document_kind=kind,
            document_no=document_no.strip(), amount_fen=amount_fen, trade_date=traded))

    return _act(request, session, principal, done="已记录交易，计入成员信用档案", back=f"/chains/{community_id}",
                errors=errors, action=action,
                page=lambda e: _community_page(request, session, principal, community_id, errors=e, status_code=422))
