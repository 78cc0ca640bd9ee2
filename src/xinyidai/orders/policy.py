"""The financing order's state machine and the pure checks of applications and decisions."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from xinyidai.auth.enums import Role


class OrderStatus(StrEnum):
    """Where an order stands."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    # The loan officer's proposal waits for a manager (审贷分离: who proposes never approves).
    PROPOSED = "proposed"
    # Above the product's committee threshold: one manager has approved, a second one must.
    COMMITTEE = "committee"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


STATUS_LABELS = {
    OrderStatus.SUBMITTED: "已提交",
    OrderStatus.ACCEPTED: "银行已受理",
    OrderStatus.PROPOSED: "待审批",
    OrderStatus.COMMITTEE: "待第二位审批人审批",
    OrderStatus.APPROVED: "已批准",
    OrderStatus.REJECTED: "已拒绝",
    OrderStatus.WITHDRAWN: "已撤回",
}

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.SUBMITTED: frozenset({OrderStatus.ACCEPTED, OrderStatus.REJECTED, OrderStatus.WITHDRAWN}),
    OrderStatus.ACCEPTED: frozenset({OrderStatus.PROPOSED, OrderStatus.REJECTED, OrderStatus.WITHDRAWN}),
    # Back to ACCEPTED is the manager returning the proposal to the officer, with a reason.
    OrderStatus.PROPOSED: frozenset({OrderStatus.APPROVED, OrderStatus.COMMITTEE, OrderStatus.ACCEPTED,
                                     OrderStatus.REJECTED, OrderStatus.WITHDRAWN}),
    OrderStatus.COMMITTEE: frozenset({OrderStatus.APPROVED, OrderStatus.ACCEPTED, OrderStatus.REJECTED,
                                      OrderStatus.WITHDRAWN}),
    OrderStatus.APPROVED: frozenset(),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.WITHDRAWN: frozenset(),
}
# Open orders run against the 10-working-day deadline from submission until the bank decides, whoever holds them.
OPEN_STATUSES = frozenset({OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.PROPOSED, OrderStatus.COMMITTEE})


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
MIN_RETURN_REASON = 4


def rejection_problems(reason: str) -> list[str]:
    """A rejection must carry a reason the enterprise can understand."""
    if len(reason.strip()) < MIN_REJECTION_REASON:
        return [f"拒绝必须填写原因（至少{MIN_REJECTION_REASON}个字），原因将告知企业"]
    return []


def return_problems(reason: str) -> list[str]:
    """A proposal sent back to the officer must say what to put right."""
    if len(reason.strip()) < MIN_RETURN_REASON:
        return [f"退回必须填写原因（至少{MIN_RETURN_REASON}个字），说明需要客户经理补充或修改什么"]
    return []


class Action(StrEnum):
    """What a bank's person does to an order."""

    ACCEPT = "accept"
    PROPOSE = "propose"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"


OFFICER = Role.BANK_LOAN_OFFICER
MANAGER = Role.BANK_MANAGER
AWAITING_APPROVAL = frozenset({OrderStatus.PROPOSED, OrderStatus.COMMITTEE})
ACTION_STATUSES: dict[Action, frozenset[OrderStatus]] = {
    Action.ACCEPT: frozenset({OrderStatus.SUBMITTED}),
    Action.PROPOSE: frozenset({OrderStatus.ACCEPTED}),
    Action.APPROVE: AWAITING_APPROVAL,
    Action.RETURN: AWAITING_APPROVAL,
    Action.REJECT: frozenset({OrderStatus.SUBMITTED, OrderStatus.ACCEPTED}) | AWAITING_APPROVAL,
}


@dataclass(frozen=True)
class Duties:
    """Who has already acted on the order's current proposal (user ids; None where nobody has)."""

    status: OrderStatus
    proposed_by: int | None = None
    first_approved_by: int | None = None


def duty_problems(action: Action, *, roles: Iterable[str], user_id: int | None, duties: Duties) -> list[str]:
    """Why this person may not take `action` on the order now (empty when they may): the loan officer proposes,
    a manager approves or returns the proposal, and nobody approves what they proposed or approves twice
    (maker-checker). Rejecting a proposal is the manager's too."""
    held = set(roles)
    if action is Action.PROPOSE:
        if OFFICER not in held:
            return ["只有客户经理可以提出审批建议"]
        if user_id is None:
            return ["审批建议须由具名的客户经理提出"]
        return []
    if action in (Action.APPROVE, Action.RETURN) or (
        action is Action.REJECT and duties.status in AWAITING_APPROVAL
    ):
        if MANAGER not in held:
            return ["只有信贷主管可以审批客户经理的审批建议"]
        if user_id is None:
            return ["审批须由具名的信贷主管作出"]
        if user_id == duties.proposed_by:
            return ["审贷分离：提出审批建议的人不能审批同一笔业务"]
        if action is Action.APPROVE and user_id == duties.first_approved_by:
            return ["贷审会须由两位不同的信贷主管审批，您已审批过该建议"]
    return []


def needs_committee(line_fen: int, threshold_fen: int | None) -> bool:
    """A line above the product's committee threshold needs two managers' approval (no threshold: one)."""
    return threshold_fen is not None and line_fen > threshold_fen


def approval_target(status: OrderStatus, *, line_fen: int, threshold_fen: int | None) -> OrderStatus:
    """Where a manager's approval takes the order: approved, or to the committee's second manager."""
    if status is OrderStatus.PROPOSED and needs_committee(line_fen, threshold_fen):
        return OrderStatus.COMMITTEE
    return OrderStatus.APPROVED


def allowed_actions(*, roles: Iterable[str], user_id: int | None, duties: Duties) -> Set[Action]:
    """The actions this person may take on the order now (what the workbench offers)."""
    held = frozenset(roles)
    return frozenset(a for a in Action if duties.status in ACTION_STATUSES[a]
                     and not duty_problems(a, roles=held, user_id=user_id, duties=duties))


# A credit line counts against the firm until it is closed or lapses.
LIVE_LINE_STATUSES = frozenset({"active", "frozen"})


@dataclass(frozen=True)
class LineExposure:
    """One of the firm's credit lines on the platform, as the order page and the one-line rule see it."""

    line_id: int
    order_id: int | None
    bank_organisation_id: int
    lender_name: str
    product_id: int
    limit_fen: int
    used_fen: int
    status: str
    valid_until: date


def is_live(line: LineExposure, today: date) -> bool:
    """Whether the line still counts: open (active or frozen) and not past its validity."""
    return line.status in LIVE_LINE_STATUSES and line.valid_until >= today


def second_line_problems(*, one_live_line_per_firm: bool, product_id: int, lines: Iterable[LineExposure],
                         approved_order_ids: Iterable[int], today: date) -> list[str]:
    """A product that allows one live line per firm refuses a second: a live line under it, or an approved order of
    it whose line is still being opened (no line of that order yet), is the first."""
    if not one_live_line_per_firm:
        return []
    lines = list(lines)
    live = [line for line in lines if line.product_id == product_id and is_live(line, today)]
    opened = {line.order_id for line in lines}
    pending = [order_id for order_id in approved_order_ids if order_id not in opened]
    if live or pending:
        held = "、".join(f"LINE{line.line_id}（额度{_fmt_yuan(line.limit_fen)}元）" for line in live)
        held = held or "已批准待开立的额度"
        return [f"该产品每户仅限一笔有效授信，该企业已持有该产品的有效授信：{held}"]
    return []


@dataclass(frozen=True)
class Outcome:
    """What the bank did at its node, as the firm's node applies it: the status the firm sees, the timeline entry,
    and the decision's terms (None where the bank has not decided them)."""

    status: OrderStatus
    note: str | None
    occurred_at: datetime
    accepted_at: datetime | None = None
    decided_at: datetime | None = None
    approved_line_fen: int | None = None
    approved_rate: Decimal | None = None
    approved_term_months: int | None = None
    approved_repayment_method: str | None = None
    rejection_reason: str | None = None
