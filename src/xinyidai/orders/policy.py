"""The financing order's state machine and the pure checks of applications and decisions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
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
    # Inside a financing need (one need, several banks) the bank's approval is an offer the firm may take: taken, it
    # becomes APPROVED (and its line opens); when the firm takes another bank's offer it is DECLINED.
    OFFERED = "offered"
    DECLINED = "declined"


STATUS_LABELS = {
    OrderStatus.SUBMITTED: "已提交",
    OrderStatus.ACCEPTED: "银行已受理",
    OrderStatus.PROPOSED: "待审批",
    OrderStatus.COMMITTEE: "待第二位审批人审批",
    OrderStatus.APPROVED: "已批准",
    OrderStatus.REJECTED: "已拒绝",
    OrderStatus.WITHDRAWN: "已撤回",
    OrderStatus.OFFERED: "已批准，待企业接受",
    OrderStatus.DECLINED: "企业已选择其他银行",
}

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.SUBMITTED: frozenset({OrderStatus.ACCEPTED, OrderStatus.REJECTED, OrderStatus.WITHDRAWN}),
    OrderStatus.ACCEPTED: frozenset({OrderStatus.PROPOSED, OrderStatus.REJECTED, OrderStatus.WITHDRAWN}),
    # Back to ACCEPTED is the manager returning the proposal to the officer, with a reason.
    OrderStatus.PROPOSED: frozenset({OrderStatus.APPROVED, OrderStatus.COMMITTEE, OrderStatus.ACCEPTED,
                                     OrderStatus.REJECTED, OrderStatus.WITHDRAWN, OrderStatus.OFFERED}),
    OrderStatus.COMMITTEE: frozenset({OrderStatus.APPROVED, OrderStatus.ACCEPTED, OrderStatus.REJECTED,
                                      OrderStatus.WITHDRAWN, OrderStatus.OFFERED}),
    # The firm takes the offer (its line opens) or takes another bank's (this one is declined).
    OrderStatus.OFFERED: frozenset({OrderStatus.APPROVED, OrderStatus.DECLINED}),
    OrderStatus.APPROVED: frozenset(),
    OrderStatus.REJECTED: frozenset(),
    OrderStatus.WITHDRAWN: frozenset(),
    OrderStatus.DECLINED: frozenset(),
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


def approval_target(status: OrderStatus, *, line_fen: int, threshold_fen: int | None,
                    in_need: bool = False) -> OrderStatus:
    """Where a manager's approval takes the order: approved, or to the committee's second manager; inside a
    financing need the final approval is an offer the firm may take (OFFERED)."""
    if status is OrderStatus.PROPOSED and needs_committee(line_fen, threshold_fen):
        return OrderStatus.COMMITTEE
    return OrderStatus.OFFERED if in_need else OrderStatus.APPROVED


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


# The order's whole life ------------------------------------------------------------------------------------------


class OrderKind(StrEnum):
    """What an order asks the bank for: a new line, the renewal of a line (续贷) or the deferral of a drawdown's
    principal (延期还本). Every kind goes through the same steps (accept, propose, approve: 审贷分离)."""

    NEW = "new"
    RENEWAL = "renewal"
    DEFERRAL = "deferral"


KIND_LABELS = {OrderKind.NEW: "融资申请", OrderKind.RENEWAL: "续贷申请", OrderKind.DEFERRAL: "延期还本申请"}


class EntryKind(StrEnum):
    """What a timeline entry records: a change of status, a supervisor's prompt (督办) or the bank's answer."""

    STATUS = "status"
    PROMPT = "prompt"
    ANSWER = "answer"


ENTRY_LABELS = {EntryKind.PROMPT: "监管督办", EntryKind.ANSWER: "银行答复督办"}


class NeedStatus(StrEnum):
    """Where a financing need stands: open while no offer is taken, accepted once the firm took one, closed when
    every order of it ended without one."""

    OPEN = "open"
    ACCEPTED = "accepted"
    CLOSED = "closed"


NEED_STATUS_LABELS = {NeedStatus.OPEN: "进行中", NeedStatus.ACCEPTED: "已选定银行", NeedStatus.CLOSED: "已结束"}


class DraftKind(StrEnum):
    """What a clerk prepared for the administrator: one application, or one need to several banks."""

    APPLICATION = "application"
    NEED = "need"


DRAFT_KIND_LABELS = {DraftKind.APPLICATION: "融资申请", DraftKind.NEED: "融资需求（多家银行）"}
MAX_NEED_PRODUCTS = 3
FINAL_STATUSES = frozenset({OrderStatus.APPROVED, OrderStatus.REJECTED, OrderStatus.WITHDRAWN, OrderStatus.DECLINED})


def need_problems(products: Sequence[tuple[int, int]]) -> list[str]:
    """What is wrong with sending one need to these (product id, bank organisation id) pairs: one to three
    products, each of a different bank."""
    if not products:
        return ["请至少选择一个产品"]
    problems = []
    if len(products) > MAX_NEED_PRODUCTS:
        problems.append(f"一次融资需求最多发送给{MAX_NEED_PRODUCTS}个产品")
    if len({p for p, _ in products}) != len(products):
        problems.append("同一产品不能重复选择")
    elif len({b for _, b in products}) != len(products):
        problems.append("每家银行只能选择一个产品，请选择不同银行的产品")
    return problems


def need_status(statuses: Iterable[OrderStatus], *, accepted: bool) -> NeedStatus:
    """A need's status from its orders': accepted once an offer is taken; closed when all ended without one."""
    if accepted:
        return NeedStatus.ACCEPTED
    if all(s in FINAL_STATUSES for s in statuses):
        return NeedStatus.CLOSED
    return NeedStatus.OPEN


@dataclass(frozen=True)
class OfferPlan:
    """What taking one offer of a need does to each of its orders (order ids)."""

    approve: int
    decline: tuple[int, ...]
    withdraw: tuple[int, ...]


def offer_acceptance(order_id: int, orders: Iterable[tuple[int, OrderStatus]], *,
                     accepted_order_id: int | None) -> OfferPlan:
    """Taking the offer `order_id` of a need whose orders are `orders` (id, status): that one is approved, the other
    offers declined, the other open orders withdrawn. Refused (ValueError, in Chinese) when an offer of the need was
    already taken or this order is no offer."""
    orders = list(orders)
    if accepted_order_id is not None:
        raise ValueError("该融资需求已接受了一家银行的批复，不能再接受其他批复")
    status = dict(orders).get(order_id)
    if status is None:
        raise ValueError("该订单不属于此融资需求")
    if status is not OrderStatus.OFFERED:
        raise ValueError(f"订单当前状态为“{STATUS_LABELS[status]}”，只有已批准待接受的批复可以接受")
    return OfferPlan(approve=order_id,
                     decline=tuple(i for i, s in orders if i != order_id and s is OrderStatus.OFFERED),
                     withdraw=tuple(i for i, s in orders if i != order_id and s in OPEN_STATUSES))


MIN_WITHDRAWAL_REASON = 2
MIN_PROMPT = 4
MIN_ANSWER = 4


def withdrawal_problems(reason: str) -> list[str]:
    """A firm withdrawing says why (the bank is told)."""
    if len(reason.strip()) < MIN_WITHDRAWAL_REASON:
        return [f"撤回必须填写原因（至少{MIN_WITHDRAWAL_REASON}个字），原因将告知银行"]
    return []


def prompt_problems(message: str, *, status: OrderStatus) -> list[str]:
    """A prompt (督办) is about an open order and says what the supervisor asks of the bank."""
    problems = []
    if status not in OPEN_STATUSES:
        problems.append(f"订单当前状态为“{STATUS_LABELS[status]}”，已办结的订单无需督办")
    if len(message.strip()) < MIN_PROMPT:
        problems.append(f"督办意见至少{MIN_PROMPT}个字")
    return problems


def answer_problems(answer: str, *, already_answered: bool) -> list[str]:
    """The bank answers a prompt once, in words."""
    if already_answered:
        return ["该督办已答复"]
    if len(answer.strip()) < MIN_ANSWER:
        return [f"答复至少{MIN_ANSWER}个字"]
    return []


# Renewal (续贷): the window opens RENEWAL_OPENS_DAYS before the line expires and closes RENEWAL_CLOSES_DAYS before
# it, so that the bank has its ten working days (about two weeks) to decide before the old validity ends.
RENEWAL_OPENS_DAYS = 90
RENEWAL_CLOSES_DAYS = 30


def renewal_window(valid_until: date) -> tuple[date, date]:
    """The first and last day on which a line valid until `valid_until` may be offered for renewal."""
    return (date.fromordinal(valid_until.toordinal() - RENEWAL_OPENS_DAYS),
            date.fromordinal(valid_until.toordinal() - RENEWAL_CLOSES_DAYS))


def renewal_problems(*, allows_renewal: bool, line_status: str, valid_until: date, today: date,
                     pending: bool) -> list[str]:
    """Why the firm may not ask to renew the line today (empty when it may)."""
    if not allows_renewal:
        return ["该产品不提供续贷"]
    problems = []
    if line_status != "active" or valid_until < today:
        problems.append("只有有效（未冻结、未到期）的授信额度可以续贷")
    first, last = renewal_window(valid_until)
    if not first <= today <= last:
        problems.append(f"续贷须在额度到期前{RENEWAL_OPENS_DAYS}天至{RENEWAL_CLOSES_DAYS}天之间申请"
                        f"（本额度为{first}至{last}）")
    if pending:
        problems.append("该额度已有在办的续贷申请")
    return problems


MAX_DEFERRAL_MONTHS = 12


@dataclass(frozen=True)
class DrawdownFacts:
    """What orders know of a drawdown for a deferral request (loans provides it)."""

    drawdown_id: int
    credit_line_id: int
    enterprise_id: int
    bank_organisation_id: int
    product_id: int
    status: str
    in_arrears: bool
    outstanding_principal_fen: int
    maturity_date: date
    due_day: int
    annual_rate: Decimal
    method: str
    term_months: int


def _on_due_day(year: int, month0: int, due_day: int) -> date:
    year += month0 // 12
    month0 %= 12
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month0]
    return date(year, month0 + 1, min(due_day, last))


def deferral_dates(maturity_date: date, due_day: int) -> list[date]:
    """The maturities a deferral may move the drawdown to: the schedule's due day (每月还款日) of each of the
    MAX_DEFERRAL_MONTHS months after the current maturity."""
    return [_on_due_day(maturity_date.year, maturity_date.month - 1 + k, due_day)
            for k in range(1, MAX_DEFERRAL_MONTHS + 1)]


def deferral_problems(*, allows_deferral: bool, drawdown: DrawdownFacts, new_maturity_date: date, today: date,
                      pending: bool) -> list[str]:
    """Why the firm may not ask to defer the drawdown's principal to `new_maturity_date` (empty when it may): the
    drawdown is repaying normally and the new maturity is one of `deferral_dates` (a due day, at most
    MAX_DEFERRAL_MONTHS months after the current maturity)."""
    if not allows_deferral:
        return ["该产品不提供延期还本"]
    problems = []
    if drawdown.status != "active" or drawdown.outstanding_principal_fen <= 0:
        problems.append("只有正常还款中的用信可以申请延期还本")
    if drawdown.in_arrears:
        problems.append("该笔用信有逾期未还款项，请先还清逾期款项")
    if drawdown.maturity_date <= today:
        problems.append("该笔用信已到期")
    allowed = deferral_dates(drawdown.maturity_date, drawdown.due_day)
    if new_maturity_date <= drawdown.maturity_date:
        problems.append(f"新的到期日须晚于当前到期日{drawdown.maturity_date}")
    elif new_maturity_date > allowed[-1]:
        problems.append(f"延期最长{MAX_DEFERRAL_MONTHS}个月，新的到期日不能晚于{allowed[-1]}")
    elif new_maturity_date not in allowed:
        problems.append(f"新的到期日须为每月还款日（每月{drawdown.due_day}日，月末按当月最后一天）")
    if pending:
        problems.append("该笔用信已有在办的延期还本申请")
    return problems
