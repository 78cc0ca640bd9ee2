"""The financing order's state machine and the pure checks of applications and decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class OrderStatus(StrEnum):
    """Where an order stands."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    OrderStatus.SUBMITTED: "已提交",
    OrderStatus.ACCEPTED: "银行已受理",
    OrderStatus.APPROVED: "已批准",
    OrderStatus.REJECTED: "已拒绝",
    OrderStatus.WITHDRAWN: "已撤回",
}

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.SUBMITTED: frozenset({OrderStatus.ACCEPTED, OrderStatus.REJECTED, OrderStatus.WITHDRAWN}),
    OrderStatus.ACCEPTED: frozenset({OrderStatus.APPROVED, OrderStatus.REJECTED, OrderStatus.WITHDRAWN}),
    OrderStatus.APPROVED: frozenset(),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.WITHDRAWN: frozenset(),
}
OPEN_STATUSES = frozenset({OrderStatus.SUBMITTED, OrderStatus.ACCEPTED})


class IllegalTransition(ValueError):
    """A state change the machine does not allow."""

    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(
            f"订单当前状态为“{STATUS_LABELS[current]}”，不能变更为“{STATUS_LABELS[target]}”"
        )
        self.current = current
        self.target = target


def transition(current: OrderStatus, target: OrderStatus) -> OrderStatus:
    """`target` if the machine allows current -> target, else IllegalTransition."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    return target


def is_late(status: OrderStatus, deadline_date: date, today: date) -> bool:
    """An open order past its deadline is late."""
    return status in OPEN_STATUSES and today > deadline_date


@dataclass(frozen=True)
class ProductTerms:
    """The product facts that applications and decisions are checked against."""

    min_rate: Decimal
    max_rate: Decimal
    min_amount_fen: int
    max_line_fen: int
    repayment_methods: frozenset[str]
    term_options: frozenset[int]


def _fmt_yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:,.2f}"


def application_problems(*, amount_fen: int, term_months: int, repayment_method: str,
                         terms: ProductTerms) -> list[str]:
    """What is wrong with an application under the product (empty when it is acceptable)."""
    problems = []
    if amount_fen <= 0:
        problems.append("申请金额必须大于0")
    elif amount_fen < terms.min_amount_fen:
        problems.append(f"申请金额不能低于产品最低金额{_fmt_yuan(terms.min_amount_fen)}元")
    elif amount_fen > terms.max_line_fen:
        problems.append(f"申请金额超过产品最高额度{_fmt_yuan(terms.max_line_fen)}元")
    if term_months not in terms.term_options:
        options = "、".join(str(t) for t in sorted(terms.term_options))
        problems.append(f"贷款期限须为产品提供的期限之一：{options}个月")
    if repayment_method not in terms.repayment_methods:
        problems.append("该产品不提供所选还款方式")
    return problems


def approval_problems(*, line_fen: int, annual_rate: Decimal, term_months: int, repayment_method: str,
                      terms: ProductTerms) -> list[str]:
    """What is wrong with a bank's approval under the product (empty when it is acceptable)."""
    problems = []
    if line_fen <= 0:
        problems.append("授信额度必须大于0")
    elif line_fen > terms.max_line_fen:
        problems.append(f"授信额度超过产品最高额度{_fmt_yuan(terms.max_line_fen)}元")
    if not terms.min_rate <= annual_rate <= terms.max_rate:
        problems.append(
            f"年化利率须在产品利率区间{terms.min_rate * 100:.2f}%—{terms.max_rate * 100:.2f}%之内"
        )
    if term_months not in terms.term_options:
        problems.append("贷款期限须为产品提供的期限之一")
    if repayment_method not in terms.repayment_methods:
        problems.append("该产品不提供所选还款方式")
    return problems


MIN_REJECTION_REASON = 4


def rejection_problems(reason: str) -> list[str]:
    """A rejection must carry a reason the enterprise can understand."""
    if len(reason.strip()) < MIN_REJECTION_REASON:
        return [f"拒绝必须填写原因（至少{MIN_REJECTION_REASON}个字），原因将告知企业"]
    return []
