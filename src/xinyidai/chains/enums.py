"""The words of industry-chain credit communities."""

from __future__ import annotations

from enum import StrEnum


class MemberRole(StrEnum):
    """Where a member stands on the chain relative to the leader (核心企业)."""

    UPSTREAM = "upstream"  # a supplier: sells to the leader
    DOWNSTREAM = "downstream"  # a distributor: buys from the leader


class MembershipStatus(StrEnum):
    """A membership is requested by the firm and confirmed (or declined) by the leader."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class AlertKind(StrEnum):
    """What happened to a member's loan that the community's leader and lender are told of."""

    OVERDUE = "overdue"
    DEFAULT = "default"


ROLE_LABELS = {MemberRole.UPSTREAM: "上游供应商", MemberRole.DOWNSTREAM: "下游经销商"}
STATUS_LABELS = {MembershipStatus.REQUESTED: "待核心企业确认", MembershipStatus.CONFIRMED: "已确认",
                 MembershipStatus.DECLINED: "已拒绝"}
ALERT_LABELS = {AlertKind.OVERDUE: "成员逾期", AlertKind.DEFAULT: "成员违约"}
# The chain_trade record's direction, from the member's side.
TRADE_DIRECTION = {MemberRole.UPSTREAM: "向核心企业供货", MemberRole.DOWNSTREAM: "从核心企业采购"}
VIEWER_LABELS = {"leader": "核心企业", "lender": "授信银行", "member": "成员", "platform": "平台管理员"}
