"""Repayment schedules: the pure arithmetic of installments, interest by days and recasts.

Units. Amounts are integer fen (分); rates are `Decimal` annual fractions (0.049 is 4.9% a year);
the monthly rate is the annual rate / 12 and the daily rate the annual rate / 360 (or / 365, as a
product says). Rounding is the platform's one rule from `xinyidai.money`: half up (四舍五入) to the
fen, once per computed amount.

Which convention is used where:

* **Per-period amounts** (interest, guarantee fee, equal-principal step) are computed as exact
  rationals from the integers behind the `Decimal` rate and rounded half up to the fen once each:
  interest of a period = opening principal × annual rate / 12, the convention of Chinese banks'
  published mortgage calculators. No decimal context (global or local) can change these figures.
* **等额本息 (equal_installment)**: the payment (月供) is the annuity P·r(1+r)^n / ((1+r)^n − 1),
  r = annual / 12, computed in a local decimal context of 50 digits (independent of
  `decimal.getcontext()`) and rounded half up to the fen once. Each period pays that amount; its
  interest is the rounded interest of the opening principal and its principal the rest.
* **等额本金 (equal_principal)**: principal P / n per period rounded half up to the fen, interest on
  the declining balance.
* **先息后本 (interest_first)**: interest every period, all principal in the last one.
* **The last installment absorbs every rounding residual**: its principal is whatever is still
  outstanding, so the principal repaid equals the principal lent exactly. Because the rounded
  payment drifts from the exact annuity, the last equal-installment payment differs from the
  others by at most ((1+r)^n − 1)/r fen (n fen when the rate is zero); for ordinary loans a few
  fen to a few yuan. For tiny loans (a few fen a period) a payment rounded up can repay the
  principal before the last period; the periods after that are zero.
* **Headline total interest** (`headline_total_interest_fen`): the *unrounded* annuity payment × n
  − principal, rounded once. This is what published calculators print as 利息总额 (1,000,000 yuan,
  30 years, 4.9%: 910,616.19). The schedule's own `total_interest_fen` — the sum of the rounded
  interest of each period, what the borrower actually pays — differs from it by a few fen to a
  few yuan (about 1.07 yuan in that example), because every payment is rounded to the fen.
* **Interest by days** (`interest_for_days`, 随借随还): principal × annual rate × days / year days,
  rounded once at the end, not day by day.
* **Due dates**: monthly on the same day of the month as the start date, clamped to the month's
  end (start 2026-01-31: due 2026-02-28, 2026-03-31, 2026-04-30 …).
* **收获季一次还本 (harvest_bullet)**, for agricultural loans: the drawdown's term ends in the harvest
  month (the maturity is the start date plus the term in months, chosen so that it falls after the
  harvest); the whole principal is repaid in one payment at maturity. Interest is paid every
  `HARVEST_INTEREST_EVERY_MONTHS` (3: quarterly, on the start date's day of the month) and at
  maturity with the principal; a term that is not a whole number of quarters ends with a shorter
  period. Because a period is a quarter, not a month, its interest is by actual days, as accrual
  counts it: principal × annual rate × days / year days (act/360 or act/365, the product's day
  count), rounded half up once per period. Keyed by the method's string "harvest_bullet"
  (`HARVEST_BULLET`), which the products context adds to its repayment methods.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from enum import StrEnum

from xinyidai.money import MAX_FEN, ROUNDING
from xinyidai.products.enums import RepaymentMethod

MAX_MONTHS = 360
HARVEST_BULLET = "harvest_bullet"  # products' RepaymentMethod value: 收获季一次还本
HARVEST_INTEREST_EVERY_MONTHS = 3  # harvest_bullet pays interest quarterly and at maturity
MONTHS_PER_YEAR = 12
# Fifty significant digits: far more than the 34 the annuity needs for any principal up to MAX_FEN.
_DECIMAL = Context(prec=50, rounding=ROUND_HALF_EVEN)


class ScheduleError(ValueError):
    """Inputs a schedule cannot be built from; the message is for a person (Chinese)."""


class DayCount(StrEnum):
    """How many days make the year that an annual rate is divided by."""

    ACT_360 = "act_360"
    ACT_365 = "act_365"

    @property
    def year_days(self) -> int:
        """Days in the rate's year: 360 or 365."""
        return 360 if self is DayCount.ACT_360 else 365


class PrepaymentRule(StrEnum):
    """What a partial prepayment changes: the number of months or the installment."""

    SHORTEN_TERM = "shorten_term"
    REDUCE_INSTALLMENT = "reduce_installment"


@dataclass(frozen=True, slots=True)
class Installment:
    """One period of a schedule; all amounts in fen."""

    number: int
    due_date: date
    opening_principal_fen: int
    principal_fen: int
    interest_fen: int
    guarantee_fee_fen: int
    closing_principal_fen: int

    @property
    def total_fen(self) -> int:
        """Principal, interest and guarantee fee due on the date."""
        return self.principal_fen + self.interest_fen + self.guarantee_fee_fen


@dataclass(frozen=True, slots=True)
class Schedule:
    """A loan's installments in order."""

    installments: tuple[Installment, ...]

    @property
    def months(self) -> int:
        """The number of installments."""
        return len(self.installments)

    @property
    def total_principal_fen(self) -> int:
        """Principal repaid over the schedule (equals the principal lent)."""
        return sum(i.principal_fen for i in self.installments)

    @property
    def total_interest_fen(self) -> int:
        """Interest actually paid: the sum of each period's rounded interest."""
        return sum(i.interest_fen for i in self.installments)

    @property
    def total_guarantee_fee_fen(self) -> int:
        """Guarantee fee paid over the schedule."""
        return sum(i.guarantee_fee_fen for i in self.installments)

    @property
    def total_fen(self) -> int:
        """Everything paid: principal, interest and guarantee fee."""
        return sum(i.total_fen for i in self.installments)

    @property
    def payment_fen(self) -> int:
        """The first installment's principal + interest: the regular 月供 of an equal-installment schedule."""
        first = self.installments[0]
        return first.principal_fen + first.interest_fen


# -- validation --------------------------------------------------------------------------------


def _check_rate(rate: object, *, label: str) -> Decimal:
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise ScheduleError(f"{label}必须是十进制小数（Decimal）")
    if rate < 0 or rate > 1:
        raise ScheduleError(f"{label}必须在 0 到 100% 之间")
    return rate


def _check_principal(principal_fen: object, *, label: str = "贷款本金") -> int:
    if not isinstance(principal_fen, int) or isinstance(principal_fen, bool):
        raise ScheduleError(f"{label}必须是以分为单位的整数")
    if principal_fen <= 0:
        raise ScheduleError(f"{label}必须大于零")
    if principal_fen > MAX_FEN:
        raise ScheduleError(f"{label}过大，请核对")
    return principal_fen


def _check_months(months: object, *, label: str = "贷款期数") -> int:
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
        raise ScheduleError(f"{label}必须是 1 到 {MAX_MONTHS} 之间的整数（月）")
    return months


def _check_method(method: object) -> RepaymentMethod:
    if str(method) == HARVEST_BULLET:
        raise ScheduleError("收获季一次还本须按计息天数规则生成还款计划")
    try:
        return RepaymentMethod(str(method))
    except ValueError:
        raise ScheduleError("不支持的还款方式") from None


def _check_dates(first_due: date, months: int, day: int) -> None:
    try:
        _add_months(first_due, months - 1, day)
    except (ValueError, OverflowError):
        raise ScheduleError("还款日期超出可表示的范围") from None


def _check_loan(principal_fen: int, annual_rate: Decimal, months: int, guarantee_fee_rate: Decimal) -> None:
    _check_principal(principal_fen)
    _check_rate(annual_rate, label="年化利率")
    _check_months(months)
    if isinstance(guarantee_fee_rate, Decimal) and guarantee_fee_rate.is_finite() and guarantee_fee_rate < 0:
        raise ScheduleError("担保费率不能为负数")
    _check_rate(guarantee_fee_rate, label="担保费率")


# -- arithmetic ----------------------------------------------------------------------------------


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (both ≥ 0, denominator > 0) rounded half up to an integer."""
    return (2 * numerator + denominator) // (2 * denominator)


class _MonthlyRate:
    """annual_rate / 12 applied to a balance and rounded half up to the fen, exactly (integers only)."""

    __slots__ = ("_den2", "_half", "_num2")

    def __init__(self, annual_rate: Decimal) -> None:
        num, den = annual_rate.as_integer_ratio()
        # round_half_up(b·num / (12·den)) = (2·b·num + 12·den) // (2·12·den), as in _half_up
        self._num2 = 2 * num
        self._half = den * MONTHS_PER_YEAR
        self._den2 = 2 * self._half

    def of(self, balance_fen: int) -> int:
        return (balance_fen * self._num2 + self._half) // self._den2


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _add_months(anchor: date, months: int, day: int) -> date:
    """The date `months` months after anchor's month, on `day` clamped to that month's end."""
    year, month0 = divmod(anchor.year * 12 + anchor.month - 1 + months, 12)
    if day > 28:  # calendar.monthrange computes a weekday too; this is the hot path of build()
        last = 29 if month0 == 1 and calendar.isleap(year) else _MONTH_DAYS[month0]
        day = min(day, last)
    return date(year, month0 + 1, day)


def _annuity_fen(principal_fen: int, annual_rate: Decimal, months: int) -> Decimal:
    """The unrounded equal-installment payment in fen (local 50-digit context)."""
    with localcontext(_DECIMAL):
        if annual_rate == 0:
            return Decimal(principal_fen) / months
        r = annual_rate / MONTHS_PER_YEAR
        growth = (1 + r) ** months
        return Decimal(principal_fen) * r * growth / (growth - 1)


def _round_fen(value: Decimal) -> int:
    with localcontext(_DECIMAL):
        return int(value.quantize(Decimal(1), rounding=ROUNDING))


def _installments(
    *,
    principal_fen: int,
    annual_rate: Decimal,
    months: int,
    method: RepaymentMethod,
    step_fen: int,
    first_due: date,
    due_day: int,
    guarantee_fee_rate: Decimal,
) -> Schedule:
    """The schedule loop. step_fen is the payment (equal_installment) or the monthly principal (equal_principal)."""
    interest_of = _MonthlyRate(annual_rate)
    fee_of = _MonthlyRate(guarantee_fee_rate)
    balance = principal_fen
    rows: list[Installment] = []
    for number in range(1, months + 1):
        interest = interest_of.of(balance)
        if number == months:
            principal = balance
        elif method is RepaymentMethod.EQUAL_INSTALLMENT:
            principal = min(max(step_fen - interest, 0), balance)
        elif method is RepaymentMethod.EQUAL_PRINCIPAL:
            principal = min(step_fen, balance)
        else:
            principal = 0
        closing = balance - principal
        rows.append(
            Installment(
                number=number,
                due_date=_add_months(first_due, number - 1, due_day),
                opening_principal_fen=balance,
                principal_fen=principal,
                interest_fen=interest,
                guarantee_fee_fen=fee_of.of(balance),
                closing_principal_fen=closing,
            )
        )
        balance = closing
    return Schedule(tuple(rows))


# -- public functions ----------------------------------------------------------------------------


def annuity_payment(*, principal_fen: int, annual_rate: Decimal, months: int) -> Decimal:
    """The exact (unrounded) equal-installment payment in yuan: P·r(1+r)^n / ((1+r)^n − 1)."""
    _check_loan(principal_fen, annual_rate, months, Decimal(0))
    return _annuity_fen(principal_fen, annual_rate, months).scaleb(-2)


def equal_installment_payment_fen(*, principal_fen: int, annual_rate: Decimal, months: int) -> int:
    """The equal-installment payment (月供) rounded half up to the fen."""
    _check_loan(principal_fen, annual_rate, months, Decimal(0))
    return _round_fen(_annuity_fen(principal_fen, annual_rate, months))


def headline_total_interest_fen(*, principal_fen: int, annual_rate: Decimal, months: int) -> int:
    """Published calculators' 利息总额 of an equal-installment loan: unrounded payment × n − P, rounded once."""
    _check_loan(principal_fen, annual_rate, months, Decimal(0))
    with localcontext(_DECIMAL):
        return _round_fen(_annuity_fen(principal_fen, annual_rate, months) * months - principal_fen)


def build(
    *,
    principal_fen: int,
    annual_rate: Decimal,
    months: int,
    method: RepaymentMethod,
    start_date: date,
    guarantee_fee_rate: Decimal = Decimal(0),
    day_count: DayCount = DayCount.ACT_360,
) -> Schedule:
    """The monthly schedule of a loan drawn on start_date; the last installment absorbs rounding.

    A harvest-season bullet (`HARVEST_BULLET`) is built by `harvest_bullet`, with interest by `day_count`.
    """
    if str(method) == HARVEST_BULLET:
        return harvest_bullet(principal_fen=principal_fen, annual_rate=annual_rate, months=months,
                              start_date=start_date, guarantee_fee_rate=guarantee_fee_rate, day_count=day_count)
    _check_loan(principal_fen, annual_rate, months, guarantee_fee_rate)
    method = _check_method(method)
    _check_dates(start_date, months + 1, start_date.day)
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        step = _round_fen(_annuity_fen(principal_fen, annual_rate, months))
    elif method is RepaymentMethod.EQUAL_PRINCIPAL:
        step = _half_up(principal_fen, months)
    else:
        step = 0
    return _installments(
        principal_fen=principal_fen,
        annual_rate=annual_rate,
        months=months,
        method=method,
        step_fen=step,
        first_due=_add_months(start_date, 1, start_date.day),
        due_day=start_date.day,
        guarantee_fee_rate=guarantee_fee_rate,
    )


def interest_for_days(*, principal_fen: int, annual_rate: Decimal, days: int, day_count: DayCount) -> int:
    """Interest for days used (随借随还): principal × rate × days / year days, rounded once."""
    if not isinstance(principal_fen, int) or isinstance(principal_fen, bool) or not 0 <= principal_fen <= MAX_FEN:
        raise ScheduleError("计息本金必须是不为负的整数（分）")
    _check_rate(annual_rate, label="年化利率")
    if not isinstance(days, int) or isinstance(days, bool) or days < 0:
        raise ScheduleError("计息天数必须是非负整数")
    try:
        year_days = DayCount(day_count).year_days
    except ValueError:
        raise ScheduleError("不支持的计息天数规则") from None
    num, den = annual_rate.as_integer_ratio()
    return _half_up(principal_fen * num * days, den * year_days)


def harvest_bullet(
    *,
    principal_fen: int,
    annual_rate: Decimal,
    months: int,
    start_date: date,
    interest_every_months: int = HARVEST_INTEREST_EVERY_MONTHS,
    day_count: DayCount = DayCount.ACT_360,
    guarantee_fee_rate: Decimal = Decimal(0),
) -> Schedule:
    """收获季一次还本: interest every `interest_every_months` months by actual days, all principal at maturity.

    The maturity is start_date plus `months` (the harvest month); `interest_every_months` = 0 (or ≥ months) pays
    all interest with the principal at maturity. Worked example (the test's known values): 100,000 yuan at the
    one-year benchmark rate 4.35% drawn 2026-03-15 for 5 months (花椒 harvest, maturity 2026-08-15), act/360:
    2026-06-15 after 92 days, 100,000 × 4.35% × 92 / 360 = 1,111.666… → 1,111.67 yuan of interest;
    2026-08-15 after 61 days, 100,000 × 4.35% × 61 / 360 = 737.083… → 737.08 yuan with the 100,000 principal.
    """
    _check_loan(principal_fen, annual_rate, months, guarantee_fee_rate)
    if not isinstance(interest_every_months, int) or isinstance(interest_every_months, bool) \
            or not 0 <= interest_every_months <= MAX_MONTHS:
        raise ScheduleError("付息间隔必须是 0 到 360 之间的整数（月）")
    try:
        DayCount(day_count)
    except ValueError:
        raise ScheduleError("不支持的计息天数规则") from None
    _check_dates(start_date, months + 1, start_date.day)
    step = interest_every_months if 0 < interest_every_months < months else months
    ends = [_add_months(start_date, m, start_date.day) for m in range(step, months, step)]
    ends.append(_add_months(start_date, months, start_date.day))
    return bullet_on_dates(principal_fen=principal_fen, annual_rate=annual_rate, start_date=start_date,
                           due_dates=ends, day_count=day_count, guarantee_fee_rate=guarantee_fee_rate)


def bullet_on_dates(*, principal_fen: int, annual_rate: Decimal, start_date: date, due_dates: list[date],
                    day_count: DayCount, guarantee_fee_rate: Decimal = Decimal(0)) -> Schedule:
    """Interest by actual days on each due date and all principal on the last (a bullet's rest after a prepayment)."""
    _check_principal(principal_fen)
    _check_rate(annual_rate, label="年化利率")
    _check_rate(guarantee_fee_rate, label="担保费率")
    if not due_dates or any(b <= a for a, b in zip([start_date, *due_dates], due_dates, strict=False)):
        raise ScheduleError("还款日期必须晚于起息日且依次递增")
    rows = []
    previous = start_date
    for number, due in enumerate(due_dates, start=1):
        days = (due - previous).days
        last = number == len(due_dates)
        rows.append(Installment(
            number=number, due_date=due, opening_principal_fen=principal_fen,
            principal_fen=principal_fen if last else 0,
            interest_fen=interest_for_days(principal_fen=principal_fen, annual_rate=annual_rate, days=days,
                                           day_count=day_count),
            guarantee_fee_fen=interest_for_days(principal_fen=principal_fen, annual_rate=guarantee_fee_rate,
                                                days=days, day_count=day_count),
            closing_principal_fen=0 if last else principal_fen,
        ))
        previous = due
    return Schedule(tuple(rows))


def _months_to_clear(principal_fen: int, annual_rate: Decimal, payment_fen: int, limit: int) -> int | None:
    """Periods an equal payment needs to clear the principal (rounded interest), or None beyond limit."""
    interest_of = _MonthlyRate(annual_rate)
    balance = principal_fen
    for number in range(1, limit + 1):
        repaid = payment_fen - interest_of.of(balance)
        if repaid <= 0:
            return None
        if repaid >= balance:
            return number
        balance -= repaid
    return None


def recast(
    *,
    outstanding_principal_fen: int,
    annual_rate: Decimal,
    method: RepaymentMethod,
    remaining_months: int,
    next_due_date: date,
    rule: PrepaymentRule,
    current_payment_fen: int | None,
    guarantee_fee_rate: Decimal = Decimal(0),
    due_day: int | None = None,
) -> Schedule:
    """The schedule of what is left after a partial prepayment, by the borrower's chosen rule."""
    # current_payment_fen is the current 月供 (principal + interest) for equal_installment and the
    # current monthly principal for equal_principal; shorten_term keeps it, reduce_installment never
    # exceeds it. due_day is the schedule's day of month (default: next_due_date's), so that a loan
    # drawn on the 31st keeps falling due at month end after a February.
    _check_loan(outstanding_principal_fen, annual_rate, remaining_months, guarantee_fee_rate)
    method = _check_method(method)
    try:
        rule = PrepaymentRule(rule)
    except ValueError:
        raise ScheduleError("不支持的提前还款方式") from None
    day = next_due_date.day if due_day is None else due_day
    if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= 31:
        raise ScheduleError("还款日必须是 1 到 31 之间的整数")
    if _add_months(next_due_date, 0, day) != next_due_date:
        raise ScheduleError("下一还款日与还款日（每月几号）不一致")
    _check_dates(next_due_date, remaining_months, day)
    if method in (RepaymentMethod.INTEREST_FIRST, RepaymentMethod.HARVEST_BULLET):  # principal at the end
        current_payment_fen = None  # the rule and the current payment do not apply
    elif current_payment_fen is not None and (
        not isinstance(current_payment_fen, int) or isinstance(current_payment_fen, bool) or current_payment_fen <= 0
    ):
        raise ScheduleError("当前月供必须是大于零的整数（分）")
    elif rule is PrepaymentRule.SHORTEN_TERM and current_payment_fen is None:
        raise ScheduleError("缩短期限需要提供当前月供（等额本金为当前每月应还本金）")

    principal = outstanding_principal_fen
    months = remaining_months
    step = 0
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        # reduce_installment: re-amortise over the same months; never above the current payment,
        # which rounding drift of the old schedule could otherwise push up by a fen or two.
        step = _round_fen(_annuity_fen(principal, annual_rate, months))
        if current_payment_fen is not None:
            step = min(step, current_payment_fen)
        if rule is PrepaymentRule.SHORTEN_TERM:
            assert current_payment_fen is not None
            needed = _months_to_clear(principal, annual_rate, current_payment_fen, months)
            # None: the current payment cannot clear the balance within the remaining months without
            # a larger last installment (a prepayment of a fen or two against rounding drift); the
            # term cannot shorten, so the installment is re-amortised as by reduce_installment.
            if needed is not None:
                months, step = needed, current_payment_fen
    elif method is RepaymentMethod.EQUAL_PRINCIPAL:
        step = _half_up(principal, months)
        if current_payment_fen is not None:
            step = min(step, current_payment_fen)
        if rule is PrepaymentRule.SHORTEN_TERM:
            assert current_payment_fen is not None
            needed = -(-principal // current_payment_fen)
            if needed <= months:
                months, step = needed, current_payment_fen
    return _installments(
        principal_fen=principal,
        annual_rate=annual_rate,
        months=months,
        method=method,
        step_fen=step,
        first_due=next_due_date,
        due_day=day,
        guarantee_fee_rate=guarantee_fee_rate,
    )


def months_through(next_due_date: date, last_due_date: date, due_day: int) -> int:
    """How many monthly due dates (on `due_day`, clamped to the month's end) run from `next_due_date` through
    `last_due_date`; ScheduleError when `last_due_date` is not one of them."""
    months = (last_due_date.year - next_due_date.year) * 12 + last_due_date.month - next_due_date.month + 1
    if months < 1 or _add_months(next_due_date, months - 1, due_day) != last_due_date:
        raise ScheduleError("新的到期日须为每月还款日，且不早于下一还款日")
    return months


def defer(
    *,
    outstanding_principal_fen: int,
    annual_rate: Decimal,
    method: RepaymentMethod,
    next_due_date: date,
    new_maturity_date: date,
    due_day: int,
    guarantee_fee_rate: Decimal = Decimal(0),
) -> Schedule:
    """The schedule of the remaining principal after a deferral of principal (延期还本): monthly from the next due
    date to the new maturity, amortised by the drawdown's own method over the longer span (the whole outstanding
    principal re-spread, equal-installment re-amortised), interest at the contract rate on the declining balance as
    in `build`. The old installments are superseded by the caller, not changed."""
    months = months_through(next_due_date, new_maturity_date, due_day)
    return recast(outstanding_principal_fen=outstanding_principal_fen, annual_rate=annual_rate, method=method,
                  remaining_months=months, next_due_date=next_due_date, rule=PrepaymentRule.REDUCE_INSTALLMENT,
                  current_payment_fen=None, guarantee_fee_rate=guarantee_fee_rate, due_day=due_day)
