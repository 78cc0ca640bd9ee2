"""Pure rules of loan servicing, no I/O: what a drawdown or repayment must satisfy, how money is allocated to
buckets and installments, ledger balance, the five-category classification, the statement's accrual runs.

The services in `lines`, `drawdowns`, `repayments`, `ledger`, `statements` and `classification` read the facts,
ask these functions and write what they answer. A new rule without I/O goes here, in its section.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from xinyidai.loans.enums import RECEIVABLES, Account, Classification, DrawdownStatus, LineStatus
from xinyidai.money import format_yuan

K = TypeVar("K", bound=str)


# Problems ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One broken rule: the message a person acts on, its English twin, and figures the caller may need."""

    message: str
    message_en: str
    details: dict[str, int] = field(default_factory=dict)


# Drawdowns -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineState:
    """What a drawdown is checked against: the line's state, what it offers and what is left of it."""

    status: LineStatus
    status_reason: str | None
    valid_until: date
    available_fen: int
    repayment_methods: Sequence[str]
    term_options: Sequence[int]
    in_arrears: bool
    # What an industry-chain community still lets the firm draw on this line (None: no community limits it).
    community_room_fen: int | None = None


def drawdown_problems(*, amount_fen: int, term_months: int, method: str, value_date: date | None, today: date,
                      line: LineState, day_closed: bool) -> list[Problem]:
    """What is wrong with drawing `amount_fen` on the line today (empty when the drawdown may be made)."""
    problems = []
    if value_date is not None and value_date != today:
        problems.append(_value_date_problem(today))
    if line.status == LineStatus.FROZEN:
        problems.append(Problem(f"授信额度已冻结：{line.status_reason or ''}，暂不能用信", "line is frozen"))
    elif line.status != LineStatus.ACTIVE or line.valid_until < today:
        problems.append(Problem(f"授信额度已于{line.valid_until}到期或已关闭，不能用信", "line expired or closed"))
    if line.in_arrears:
        problems.append(Problem("该额度下有逾期未还款项，请先还清逾期款项后再用信", "line has arrears"))
    if amount_fen > line.available_fen:
        available = max(0, line.available_fen)
        problems.append(Problem(f"用信金额超过可用额度{format_yuan(available)}元", "amount above the available limit",
                                {"available_fen": available}))
    if line.community_room_fen is not None and amount_fen > line.community_room_fen:
        room = max(0, line.community_room_fen)
        problems.append(Problem(
            f"用信金额超过产业链信用共同体分配给本企业的可用额度{format_yuan(room)}元（成员逾期或违约会压降共同体额度）",
            "amount above what the chain community lets the firm draw", {"community_room_fen": room}))
    if method not in line.repayment_methods:
        problems.append(Problem("该额度不提供所选还款方式", "repayment method not offered"))
    if term_months not in line.term_options:
        options = "、".join(str(t) for t in line.term_options)
        problems.append(Problem(f"用信期限须为{options}个月之一", "term not offered"))
    if day_closed:
        problems.append(_day_closed_problem())
    return problems


def _value_date_problem(today: date) -> Problem:
    return Problem(f"起息日只能为当日（{today}），不能倒起息或预约", "value date must be today")


def _day_closed_problem() -> Problem:
    return Problem("今日日终处理已完成，请于下一个营业日办理", "end of day has run for today")


PPM = Decimal(1_000_000)  # rates are stored as integer parts per million for end of day's integer arithmetic


def to_ppm(rate: Decimal) -> int:
    """A rate as integer parts per million."""
    return int((rate * PPM).to_integral_value(rounding=ROUND_HALF_UP))


# Repayments ----------------------------------------------------------------------------------------


def repayment_problems(*, amount_fen: int, value_date: date | None, today: date, active: bool, owed_fen: int,
                       day_closed: bool) -> list[Problem]:
    """What is wrong with repaying `amount_fen` today on a drawdown owing `owed_fen` (empty when it may be made)."""
    if not active:  # nothing else matters: a settled or defaulted drawdown takes no repayment at all
        return [Problem("该笔用信已结清或已进入代偿处理，不能还款", "drawdown is not active")]
    problems = []
    if value_date is not None and value_date != today:
        problems.append(_value_date_problem(today))
    if day_closed:
        problems.append(_day_closed_problem())
    if amount_fen > owed_fen:
        # Stated rule: no overpayment is held; the borrower is told the amount that settles the loan.
        problems.append(Problem(f"还款金额超过全部应还金额{format_yuan(owed_fen)}元（含提前还清的本金）",
                                "repayment exceeds everything owed", {"maximum_fen": owed_fen}))
    return problems


# Buckets a repayment can settle, with the ledger account each one credits.
BUCKET_ACCOUNTS: dict[str, Account] = {
    "penalty": Account.PENALTY,
    "interest_overdue": Account.INTEREST_OVERDUE,
    "fee_overdue": Account.FEE_OVERDUE,
    "principal_overdue": Account.PRINCIPAL_OVERDUE,
    "interest": Account.INTEREST_ACCRUED,
    "fee": Account.FEE_ACCRUED,
    "principal_due": Account.PRINCIPAL,
}
PREPAYMENT_BUCKET = "principal_prepaid"


def take_in_order(amount_fen: int, owed: Mapping[K, int], order: Iterable[K]) -> tuple[dict[K, int], int]:
    """Fill the owed buckets in `order`, each up to what it owes: the split and what is left over."""
    remaining = amount_fen
    split: dict[K, int] = {}
    for bucket in order:
        take = min(remaining, max(0, owed.get(bucket, 0)))
        if take:
            split[bucket] = take
            remaining -= take
    return split, remaining


def allocate(amount_fen: int, owed: Mapping[str, int], order: Iterable[str]) -> dict[str, int]:
    """Split a repayment over the owed buckets in `order`, the rest to principal prepayment.

    Deterministic: the same amount, balances and order always give the same split.
    """
    split, remaining = take_in_order(amount_fen, owed, order)
    if remaining:
        split[PREPAYMENT_BUCKET] = remaining
    return split


@dataclass(frozen=True)
class InstallmentState:
    """An installment as allocation sees it: what it asks for and what has been paid on it so far."""

    due_date: date
    principal_fen: int
    principal_paid_fen: int
    overdue_principal_fen: int
    overdue_interest_fen: int
    overdue_paid_fen: int

    @property
    def overdue_open_fen(self) -> int:
        """What is still unpaid of what was transferred to overdue on the due date."""
        return self.overdue_principal_fen + self.overdue_interest_fen - self.overdue_paid_fen


def apply_to_installments(installments: Sequence[InstallmentState], *, today: date, overdue_fen: int = 0,
                          principal_overdue_fen: int = 0, principal_due_fen: int = 0,
                          principal_not_due_fen: int = 0) -> list[InstallmentState]:
    """The live installments (in schedule order) after money paid to the drawdown's buckets is shown on them.

    In this order: overdue principal and interest on the oldest overdue installments first; overdue principal
    as principal paid, oldest first; principal due today on today's installments; then principal not yet due
    (a third party's settlement), earliest first.
    """
    items = list(installments)
    remaining = overdue_fen
    for n, item in enumerate(items):
        take = min(item.overdue_open_fen, remaining)
        if take > 0:
            items[n] = replace(item, overdue_paid_fen=item.overdue_paid_fen + take)
            remaining -= take
    remaining = principal_overdue_fen
    for n, item in enumerate(items):
        take = min(item.overdue_principal_fen, item.principal_fen - item.principal_paid_fen, remaining)
        if take > 0:
            items[n] = replace(item, principal_paid_fen=item.principal_paid_fen + take)
            remaining -= take
    remaining = principal_due_fen
    for n, item in enumerate(items):
        take = min(item.principal_fen - item.principal_paid_fen, remaining)
        if item.due_date == today and take > 0:
            items[n] = replace(item, principal_paid_fen=item.principal_paid_fen + take)
            remaining -= take
    remaining = principal_not_due_fen
    for n, item in enumerate(items):
        take = min(item.principal_fen - item.principal_paid_fen - item.overdue_principal_fen, remaining)
        if take > 0:
            items[n] = replace(item, principal_paid_fen=item.principal_paid_fen + take)
            remaining -= take
    return items


def overdue_since(installments: Sequence[InstallmentState], *, current: int | None,
                  arrears_left: bool) -> int | None:
    """The date ordinal days past due count from: the oldest installment still overdue.

    When every overdue installment is paid but arrears remain on the drawdown (penalty, overdue fee), the count
    goes on from where it was; with no arrears left it stops.
    """
    still_overdue = [item.due_date.toordinal() for item in installments if item.overdue_open_fen > 0]
    if still_overdue:
        return min(still_overdue)
    return current if arrears_left else None


# Ledger --------------------------------------------------------------------------------------------


class UnbalancedEntry(ValueError):
    """A journal entry whose postings do not sum to zero."""


@dataclass(frozen=True)
class Posting:
    """One line of a journal entry: debit positive, credit negative, in fen."""

    account: Account
    amount_fen: int


def check_balanced(postings: Sequence[Posting]) -> None:
    """Refuse an entry that does not balance or has no effect."""
    if not postings or sum(p.amount_fen for p in postings) != 0:
        raise UnbalancedEntry(f"entry does not balance: {postings}")


# Claims settled by third parties ------------------------------------------------------------------

# A guarantor's compensation or a recovery settles the bank's claim principal first.
CLAIM_ORDER: tuple[Account, ...] = (
    Account.PRINCIPAL_OVERDUE, Account.PRINCIPAL, Account.INTEREST_OVERDUE, Account.INTEREST_ACCRUED,
    Account.PENALTY, Account.FEE_OVERDUE, Account.FEE_ACCRUED,
)


def claim_problems(*, amount_fen: int, owed_fen: int) -> list[Problem]:
    """What is wrong with settling `amount_fen` of a claim of `owed_fen` (empty when it may be settled)."""
    if amount_fen <= 0 or amount_fen > owed_fen:
        return [Problem("结算金额必须大于0且不超过剩余债权", "settlement outside the claim")]
    return []


def split_claim(amount_fen: int, balances: Mapping[Account, int]) -> dict[Account, int]:
    """The accounts a claim settlement credits, in `CLAIM_ORDER`; the amount must not exceed the balances."""
    split, remaining = take_in_order(amount_fen, balances, CLAIM_ORDER)
    if remaining:
        raise ValueError(f"settlement of {amount_fen} exceeds the claim by {remaining}")
    return split


# Classification ------------------------------------------------------------------------------------

# The platform default, by days past due: 0 normal, 1–90 special mention, 91–180 substandard, 181–360 doubtful,
# over 360 loss. A bank may set its own bands instead (`validate_bands`), never looser than the regulator's floors.
DEFAULT_BANDS: tuple[tuple[int, Classification], ...] = (
    (0, Classification.NORMAL),
    (1, Classification.SPECIAL_MENTION),
    (91, Classification.SUBSTANDARD),
    (181, Classification.DOUBTFUL),
    (361, Classification.LOSS),
)

# The regulator's floors by days past due (商业银行金融资产风险分类办法, 银保监会、中国人民银行令2023年第1号,
# in force 1 July 2023, arts. 10–13): overdue at all, at least special mention; over 90 days, at least substandard;
# over 270 days, at least doubtful; over 360 days, loss.
REGULATORY_FLOORS: tuple[tuple[int, Classification], ...] = (
    (0, Classification.NORMAL),
    (1, Classification.SPECIAL_MENTION),
    (91, Classification.SUBSTANDARD),
    (271, Classification.DOUBTFUL),
    (361, Classification.LOSS),
)
# A defaulted drawdown is a credit-impaired asset, non-performing whatever its days past due (art. 11 of the same
# measures: an impaired asset is at least substandard). Compensation by the guarantors settles the bank's claim,
# not the borrower's debt, so a compensated drawdown keeps the floor too.
IMPAIRED_STATUSES: frozenset[DrawdownStatus] = frozenset({DrawdownStatus.DEFAULTED, DrawdownStatus.COMPENSATED})
IMPAIRED_FLOOR = Classification.SUBSTANDARD
SEVERITY: dict[Classification, int] = {category: rank for rank, category in enumerate(Classification)}


def _by_bands(days_past_due: int, bands: Sequence[tuple[int, Classification]]) -> Classification:
    category = Classification.NORMAL
    for minimum, band in sorted(bands):
        if days_past_due >= minimum:
            category = band
    return category


def bands_in_force(bands: Sequence[tuple[int, Classification]] = DEFAULT_BANDS, *,
                   impaired: bool = False) -> list[tuple[int, Classification]]:
    """The bands actually applied: at each day the worse of the bank's band and the regulator's floor, and at
    least substandard for an impaired (defaulted or compensated) drawdown. End of day turns these into SQL."""
    thresholds = sorted({0, *(minimum for minimum, _ in bands), *(minimum for minimum, _ in REGULATORY_FLOORS)})
    in_force: list[tuple[int, Classification]] = []
    for day in thresholds:
        candidates = [_by_bands(day, bands), _by_bands(day, REGULATORY_FLOORS)]
        if impaired:
            candidates.append(IMPAIRED_FLOOR)
        category = max(candidates, key=SEVERITY.__getitem__)
        if not in_force or in_force[-1][1] != category:
            in_force.append((day, category))
    return in_force


def classify(days_past_due: int, bands: Sequence[tuple[int, Classification]] = DEFAULT_BANDS, *,
             status: DrawdownStatus = DrawdownStatus.ACTIVE) -> Classification:
    """The five-category classification of a drawdown by its days past due and its status.

    The bank's bands of (minimum days past due, category), never looser than the regulator's floors
    (商业银行金融资产风险分类办法, 2023: overdue > 90 days at least 次级, > 270 at least 可疑, > 360 损失), and a
    defaulted or compensated (代偿) drawdown — credit-impaired — at least 次级 whatever its days past due.
    """
    return _by_bands(days_past_due, bands_in_force(bands, impaired=status in IMPAIRED_STATUSES))


def validate_bands(bands: Sequence[tuple[int, Classification]]) -> list[str]:
    """What is wrong with a bank's bands: they must start at 0, rise, and keep the category order."""
    problems = []
    ordered = sorted(bands)
    if not ordered or ordered[0][0] != 0:
        problems.append("分类区间须从逾期0天开始")
    categories = [c for _, c in ordered]
    expected = [c for c in Classification if c in categories]
    if categories != expected or len(set(categories)) != len(categories):
        problems.append("分类须按 正常、关注、次级、可疑、损失 的顺序排列，且不得重复")
    if len({d for d, _ in ordered}) != len(ordered):
        problems.append("逾期天数下限不得重复")
    return problems


# Statements ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One journal entry of a drawdown's statement: its date, kind and the amount posted to each account."""

    entry_id: int
    business_date: date
    kind: str
    memo: str | None
    amounts: dict[Account, int]
    through_date: date | None = None  # set when consecutive daily accruals are shown as one line

    def amount(self, account: Account | str) -> int:
        """The amount posted to `account` (debit positive), 0 when the entry does not touch it."""
        return self.amounts.get(Account(account), 0)

    @property
    def receivable_change_fen(self) -> int:
        """How much the entry changed what the borrower owes."""
        return sum(self.amounts.get(account, 0) for account in RECEIVABLES)


def merge_accruals(entries: Sequence[StatementEntry]) -> list[StatementEntry]:
    """The statement with each run of consecutive daily accruals shown as one line covering its dates."""
    merged: list[StatementEntry] = []
    for entry in entries:
        last = merged[-1] if merged else None
        if last is not None and entry.kind == last.kind == "accrual":
            amounts = dict(last.amounts)
            for account, amount in entry.amounts.items():
                amounts[account] = amounts.get(account, 0) + amount
            merged[-1] = StatementEntry(entry_id=last.entry_id, business_date=last.business_date, kind="accrual",
                                        memo=last.memo, amounts=amounts, through_date=entry.business_date)
        else:
            merged.append(entry)
    return merged
