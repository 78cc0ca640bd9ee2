"""API shapes of industry-chain credit communities; amounts in fen."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from xinyidai.chains.enums import AlertKind, MemberRole, MembershipStatus
from xinyidai.db import MAX_ID
from xinyidai.money import AmountFen, AmountFenOrZero
from xinyidai.text import Text

DocumentNo = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-/.]+$")


class CommunityCreate(BaseModel):
    """A community the caller's firm leads, with the bank it asks for a community line."""

    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=2, max_length=100)
    lender_organisation_id: int = Field(ge=1, le=MAX_ID)


class MembershipCreate(BaseModel):
    """The caller's firm asks to join a community as an upstream supplier or a downstream distributor."""

    model_config = ConfigDict(extra="forbid")

    role: MemberRole


class MembershipDecisionCreate(BaseModel):
    """The leader confirms a membership, or declines it."""

    model_config = ConfigDict(extra="forbid")

    confirm: StrictBool


class LineUpdate(BaseModel):
    """The lender sets the community line."""

    model_config = ConfigDict(extra="forbid")

    line_fen: AmountFenOrZero


class AllocationUpdate(BaseModel):
    """The lender sets a confirmed member's allocation of the community line."""

    model_config = ConfigDict(extra="forbid")

    allocation_fen: AmountFenOrZero


class ReceivableCreate(BaseModel):
    """The leader confirms (确权) a receivable a member holds on it: an invoice it will pay by `due_date`."""

    model_config = ConfigDict(extra="forbid")

    document_no: Text = DocumentNo
    amount_fen: AmountFen
    trade_date: date
    due_date: date


class TradeCreate(BaseModel):
    """A trade between the leader and a member (an invoice or an order), recorded as credit information."""

    model_config = ConfigDict(extra="forbid")

    membership_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                                      description="the member's membership (the leader's call); a member omits it")
    document_kind: Literal["发票", "订单"]
    document_no: Text = DocumentNo
    amount_fen: AmountFen
    trade_date: date


class MembershipRead(BaseModel):
    """A membership: the firm, its role and status, and its share of the line."""

    id: int
    enterprise_id: int
    enterprise_name: str
    role: MemberRole
    status: MembershipStatus
    allocation_fen: int
    uplift_fen: int
    drawable_fen: int
    overdue: bool
    defaulted: bool
    requested_at: datetime
    decided_at: datetime | None


class AlertRead(BaseModel):
    """A member's arrears the leader and the lender were told of."""

    id: int
    membership_id: int
    kind: AlertKind
    drawdown_id: int
    business_date: date
    amount_fen: int


class ReceivableRead(BaseModel):
    """A receivable the leader confirmed, and the member's allocation after it."""

    id: int
    membership_id: int
    document_no: str
    amount_fen: int
    trade_date: date
    due_date: date
    uplift_fen: int
    allocation_fen: int


class CommunityRead(BaseModel):
    """A community as the caller may see it: the leader and the lender see every member; a member sees itself."""

    id: int
    name: str
    leader_enterprise_id: int
    leader_name: str
    lender_organisation_id: int
    lender_name: str
    line_fen: int
    allocated_fen: int
    drawable_fen: int
    haircut_ppm: int
    viewer: Literal["leader", "lender", "member", "platform"]
    members: list[MembershipRead]
    alerts: list[AlertRead]


class TradeRead(BaseModel):
    """A trade recorded on the member's credit file (sub-category chain_trade)."""

    membership_id: int
    enterprise_id: int
    record_id: int
    data: dict[str, object]
