"""Loan schedules against published bank-calculator figures, and their invariants under hypothesis.

Known values are the figures Chinese banks' mortgage calculators print (房贷计算器, 100万元 loans at
the LPR-era rates), each re-derived by hand in a comment from the annuity formula
A = P·r·f / (f − 1), r = annual / 12, f = (1 + r)^n; none of them was taken from this code's output.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xinyidai.loans.schedule import (
    DayCount,
    Installment,
    PrepaymentRule,
    Schedule,
    ScheduleError,
    annuity_payment,
    build,
    equal_installment_payment_fen,
    headline_total_interest_fen,
    interest_for_days,
    recast,
)
from xinyidai.products.enums import RepaymentMethod

EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL
IF = RepaymentMethod.INTEREST_FIRST
WAN_100 = 100_000_000  # 1,000,000 yuan in fen
START = date(2026, 1, 15)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _build(principal_fen: int, rate: str, months: int, method: RepaymentMethod, **kw: object) -> Schedule:
    return build(principal_fen=principal_fen, annual_rate=Decimal(rate), months=months, method=method,
                 start_date=START, **kw)  # type: ignore[arg-type]


# -- equal installments (等额本息): published monthly payments --------------------------------------


@pytest.mark.parametrize(
    ("rate", "months", "payment_fen"),
    [
        # 4.9%, 30 y: r = 0.00408333…, f = 1.00408333^360 = 4.336237, A = 1e6·r·f/(f−1) = 5,307.2672 → 5,307.27
        ("0.049", 360, 530_727),
        # 4.9%, 20 y: f = 1.00408333^240 = 2.659145, A = 6,544.4405 → 6,544.44
        ("0.049", 240, 654_444),
        # 4.9%, 10 y: f = 1.00408333^120 = 1.630688, A = 10,557.7395 → 10,557.74
        ("0.049", 120, 1_055_774),
        # 4.1%, 30 y: r = 0.00341667, f = 3.414065, A = 4,831.9837 → 4,831.98
        ("0.041", 360, 483_198),
        # 3.1%, 30 y: r = 0.00258333, f = 2.531472, A = 4,270.1640 → 4,270.16
        ("0.031", 360, 427_016),
        # 3.25% (housing provident fund, 公积金), 30 y: r = 0.00270833, f = 2.647675, A = 4,352.0632 → 4,352.06
        ("0.0325", 360, 435_206),
    ],
)
def test_equal_installment_matches_published_monthly_payment(rate: str, months: int, payment_fen: int) -> None:
    schedule = _build(WAN_100, rate, months, EI)
    assert schedule.payment_fen == payment_fen
    assert equal_installment_payment_fen(principal_fen=WAN_100, annual_rate=Decimal(rate), months=months) == payment_fen
    assert all(i.principal_fen + i.interest_fen == payment_fen for i in schedule.installments[:-1])
    assert schedule.total_principal_fen == WAN_100


@pytest.mark.parametrize(
    ("rate", "months", "headline_fen"),
    [
        # 5,307.267206 × 360 − 1,000,000 = 910,616.194 → 910,616.19 (the calculators' 利息总额)
        ("0.049", 360, 91_061_619),
        # 6,544.440490 × 240 − 1,000,000 = 570,665.718 → 570,665.72
        ("0.049", 240, 57_066_572),
        # 4,831.983711 × 360 − 1,000,000 = 739,514.136 → 739,514.14
        ("0.041", 360, 73_951_414),
    ],
)
def test_headline_total_interest_matches_published_calculators(rate: str, months: int, headline_fen: int) -> None:
    assert headline_total_interest_fen(principal_fen=WAN_100, annual_rate=Decimal(rate), months=months) == headline_fen


def test_the_schedule_total_interest_is_what_is_paid_and_differs_from_the_headline_by_little() -> None:
    schedule = _build(WAN_100, "0.049", 360, EI)
    # The borrower pays 359 × 5,307.27 and a last installment that takes up the drift of the rounded
    # payment; the sum of each period's rounded interest is therefore not 910,616.19 exactly.
    assert schedule.total_interest_fen == schedule.total_fen - WAN_100
    assert schedule.total_interest_fen != 91_061_619
    assert abs(schedule.total_interest_fen - 91_061_619) < 200  # under two yuan on 910 thousand


def test_last_payment_drift_can_exceed_n_fen_at_high_rates() -> None:
    # Rounding the payment to the fen leaves up to half a fen a period unpaid (or overpaid), and that
    # error compounds at the loan's own rate: the last payment can differ from the others by up to
    # ((1+r)^n − 1)/r fen — n fen only when the rate is zero. At 24% over 30 years that is 620 yuan.
    schedule = _build(1_000_000_000, "0.24", 360, EI)  # 10,000,000 yuan
    last = schedule.installments[-1]
    drift = abs(last.principal_fen + last.interest_fen - schedule.payment_fen)
    assert 360 < drift <= _drift_bound_fen(Decimal("0.24"), 360)
    assert schedule.total_principal_fen == 1_000_000_000


def test_annuity_payment_is_unrounded_yuan() -> None:
    payment = annuity_payment(principal_fen=WAN_100, annual_rate=Decimal("0.049"), months=360)
    assert Decimal("5307.267206") < payment < Decimal("5307.267207")


def test_annuity_payment_ignores_the_global_decimal_context() -> None:
    with localcontext() as ctx:
        ctx.prec = 6
        ctx.rounding = "ROUND_DOWN"
        loan = {"principal_fen": WAN_100, "annual_rate": Decimal("0.049"), "months": 360}
        assert equal_installment_payment_fen(**loan) == 530_727  # type: ignore[arg-type]
        assert headline_total_interest_fen(**loan) == 91_061_619  # type: ignore[arg-type]


def test_zero_rate_equal_installment_is_principal_over_months() -> None:
    schedule = _build(1_200_000, "0", 12, EI)
    assert [i.principal_fen for i in schedule.installments] == [100_000] * 12
    assert schedule.total_interest_fen == 0


# -- equal principal (等额本金) ---------------------------------------------------------------------


def test_equal_principal_thirty_years_at_4_9_matches_published_first_months() -> None:
    # 1,000,000 / 360 = 2,777.78 a month; month 1 interest 1,000,000 × 0.049 / 12 = 4,083.33 → 6,861.11;
    # each month the interest falls by 2,777.78 × 0.049 / 12 = 11.34 (published: 每月递减11.34元).
    schedule = _build(WAN_100, "0.049", 360, EP)
    totals = [i.total_fen for i in schedule.installments]
    assert totals[:3] == [686_111, 684_977, 683_843]  # 6,861.11, 6,849.77, 6,838.43
    assert all(i.principal_fen == 277_778 for i in schedule.installments[:-1])
    decrements = [a - b for a, b in pairwise(totals[:-1])]  # the last month takes the residual
    # each period's interest is rounded on its own, so the fen-exact decrement is 11.34 or 11.35
    assert set(decrements) <= {1_134, 1_135}
    assert round(sum(decrements) / len(decrements)) == 1_134
    # the total interest P·r·(n+1)/2 = 1,000,000 × 0.049/12 × 361/2 = 737,041.67 that calculators print
    # is for an unrounded 2,777.7778 a month; paying 2,777.78 lowers the balances a little.
    assert abs(schedule.total_interest_fen - 73_704_167) < 200


def test_equal_principal_twenty_years_at_4_9_matches_published_first_month() -> None:
    # 1,000,000 / 240 = 4,166.67; + 4,083.33 interest = 8,250.00; decrement 4,166.67 × 0.049/12 = 17.01
    schedule = _build(WAN_100, "0.049", 240, EP)
    totals = [i.total_fen for i in schedule.installments]
    assert totals[0] == 825_000
    assert totals[0] - totals[1] in {1_701, 1_702}
    assert schedule.total_principal_fen == WAN_100


def test_equal_principal_last_installment_takes_the_residual() -> None:
    schedule = _build(WAN_100, "0.049", 360, EP)
    # 359 × 2,777.78 = 997,223.02 repaid before the last, which repays the remaining 2,776.98
    assert schedule.installments[-1].principal_fen == WAN_100 - 359 * 277_778
    assert schedule.installments[-1].closing_principal_fen == 0


# -- interest first (先息后本) and the guarantee fee ------------------------------------------------


def test_interest_first_pays_interest_monthly_and_principal_at_maturity() -> None:
    schedule = _build(WAN_100, "0.049", 12, IF)
    assert [i.interest_fen for i in schedule.installments] == [408_333] * 12  # 1,000,000 × 0.049 / 12
    assert [i.principal_fen for i in schedule.installments] == [0] * 11 + [WAN_100]


def test_guarantee_fee_is_charged_on_the_opening_principal() -> None:
    # 10,000 yuan at 1.2% a year: 10,000 × 0.012 / 12 = 10.00 a month
    schedule = _build(1_000_000, "0.035", 2, EP, guarantee_fee_rate=Decimal("0.012"))
    assert [i.guarantee_fee_fen for i in schedule.installments] == [1_000, 500]
    assert schedule.total_guarantee_fee_fen == 1_500
    assert schedule.total_fen == schedule.total_principal_fen + schedule.total_interest_fen + 1_500


# -- due dates ------------------------------------------------------------------------------------


def test_due_dates_keep_the_start_day_clamped_to_month_end() -> None:
    schedule = build(principal_fen=WAN_100, annual_rate=Decimal("0.049"), months=5, method=EI,
                     start_date=date(2026, 1, 31))
    assert [i.due_date for i in schedule.installments] == [
        date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30),
    ]
    leap = build(principal_fen=WAN_100, annual_rate=Decimal("0.049"), months=1, method=IF, start_date=date(2028, 1, 30))
    assert leap.installments[0].due_date == date(2028, 2, 29)
    december = build(principal_fen=WAN_100, annual_rate=Decimal("0.049"), months=2, method=IF,
                     start_date=date(2026, 12, 15))
    assert [i.due_date for i in december.installments] == [date(2027, 1, 15), date(2027, 2, 15)]


# -- interest by days (随借随还) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal_fen", "rate", "days", "day_count", "interest_fen"),
    [
        (1_000_000, "0.035", 30, DayCount.ACT_360, 2_917),  # 10,000 × 0.035 × 30 / 360 = 29.1667
        (1_000_000, "0.035", 30, DayCount.ACT_365, 2_877),  # 10,000 × 0.035 × 30 / 365 = 28.7671
        (WAN_100, "0.049", 1, DayCount.ACT_360, 13_611),  # 1,000,000 × 0.049 / 360 = 136.1111
        (600, "0.01", 18, DayCount.ACT_360, 0),  # 6 × 0.01 × 18 / 360 = 0.003 → 0.00
        (36_000, "0.05", 1, DayCount.ACT_360, 5),  # 360 × 0.05 / 360 = 0.05 exactly
        (1_800, "0.01", 9, DayCount.ACT_360, 0),  # 18 × 0.01 × 9 / 360 = 0.0045 → 0.00
        (2_000, "0.01", 9, DayCount.ACT_360, 1),  # 20 × 0.01 × 9 / 360 = 0.005 → half up to 0.01
        (1_000_000, "0.035", 0, DayCount.ACT_360, 0),
        (0, "0.035", 30, DayCount.ACT_360, 0),
    ],
)
def test_interest_for_days(principal_fen: int, rate: str, days: int, day_count: DayCount, interest_fen: int) -> None:
    assert interest_for_days(principal_fen=principal_fen, annual_rate=Decimal(rate), days=days,
                             day_count=day_count) == interest_fen


def test_interest_for_days_rounds_once_not_daily() -> None:
    # 100 yuan at 3.6%: 0.01 a day exactly → 0.30 for 30 days; 101 yuan: 0.0101 a day, 0.303 → 0.30,
    # whereas rounding each day would give 0.01 × 30 = 0.30 too; 150 yuan: 0.015 a day → 0.45 (daily
    # rounding would give 0.02 × 30 = 0.60).
    assert interest_for_days(principal_fen=15_000, annual_rate=Decimal("0.036"), days=30,
                             day_count=DayCount.ACT_360) == 45


def test_day_count_year_days() -> None:
    assert DayCount.ACT_360.year_days == 360
    assert DayCount.ACT_365.year_days == 365
    assert DayCount("act_365") is DayCount.ACT_365


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"principal_fen": 0},
        {"principal_fen": -1},
        {"principal_fen": 10**16},
        {"annual_rate": Decimal("-0.01")},
        {"annual_rate": Decimal("1.01")},
        {"annual_rate": Decimal("NaN")},
        {"annual_rate": Decimal("Infinity")},
        {"annual_rate": 0.049},
        {"months": 0},
        {"months": 361},
        {"guarantee_fee_rate": Decimal("-0.001")},
        {"guarantee_fee_rate": Decimal("sNaN")},
        {"method": "balloon"},
        {"start_date": date(9999, 6, 1)},
    ],
)
def test_build_refuses_bad_input_in_chinese(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"principal_fen": WAN_100, "annual_rate": Decimal("0.049"), "months": 12,
                               "method": EI, "start_date": START}
    args.update(kwargs)
    with pytest.raises(ScheduleError) as info:
        build(**args)  # type: ignore[arg-type]
    assert CHINESE.search(str(info.value))
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"principal_fen": -1},
        {"days": -1},
        {"annual_rate": Decimal("2")},
        {"day_count": "act_366"},
    ],
)
def test_interest_for_days_refuses_bad_input_in_chinese(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"principal_fen": 100, "annual_rate": Decimal("0.049"), "days": 3,
                               "day_count": DayCount.ACT_360}
    args.update(kwargs)
    with pytest.raises(ScheduleError) as info:
        interest_for_days(**args)  # type: ignore[arg-type]
    assert CHINESE.search(str(info.value))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"outstanding_principal_fen": 0},
        {"remaining_months": 0},
        {"current_payment_fen": None},  # shorten_term needs the current payment
        {"current_payment_fen": 0},
        {"due_day": 32},
        {"due_day": 30},  # 2026-03-31 is not the 30th
        {"rule": "skip_a_month"},
    ],
)
def test_recast_refuses_bad_input_in_chinese(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {
        "outstanding_principal_fen": 50_000_000, "annual_rate": Decimal("0.049"), "method": EI,
        "remaining_months": 120, "next_due_date": date(2026, 3, 31), "rule": PrepaymentRule.SHORTEN_TERM,
        "current_payment_fen": 530_727, "guarantee_fee_rate": Decimal(0),
    }
    args.update(kwargs)
    with pytest.raises(ScheduleError) as info:
        recast(**args)  # type: ignore[arg-type]
    assert CHINESE.search(str(info.value))


# -- recast after a partial prepayment --------------------------------------------------------------


def test_shorten_term_after_a_large_prepayment_keeps_the_payment() -> None:
    original = _build(WAN_100, "0.049", 360, EI)
    after_year = original.installments[12].opening_principal_fen
    outstanding = after_year - 20_000_000  # prepay 200,000 yuan after a year
    shortened = recast(outstanding_principal_fen=outstanding, annual_rate=Decimal("0.049"), method=EI,
                       remaining_months=348, next_due_date=original.installments[12].due_date,
                       rule=PrepaymentRule.SHORTEN_TERM, current_payment_fen=530_727)
    # months to clear B with payment A: n = −ln(1 − B·r/A) / ln(1 + r), rounded up
    r = 0.049 / 12
    expected = math.ceil(-math.log(1 - outstanding / 100 * r / 5_307.27) / math.log(1 + r))
    assert shortened.months == expected < 348
    assert all(i.principal_fen + i.interest_fen == 530_727 for i in shortened.installments[:-1])
    assert shortened.installments[-1].principal_fen + shortened.installments[-1].interest_fen <= 530_727
    assert shortened.total_principal_fen == outstanding
    assert shortened.installments[0].due_date == original.installments[12].due_date


def test_reduce_installment_after_a_large_prepayment_re_amortises() -> None:
    original = _build(WAN_100, "0.049", 360, EI)
    outstanding = original.installments[12].opening_principal_fen - 20_000_000
    reduced = recast(outstanding_principal_fen=outstanding, annual_rate=Decimal("0.049"), method=EI,
                     remaining_months=348, next_due_date=original.installments[12].due_date,
                     rule=PrepaymentRule.REDUCE_INSTALLMENT, current_payment_fen=530_727)
    assert reduced.months == 348
    assert reduced.payment_fen == equal_installment_payment_fen(
        principal_fen=outstanding, annual_rate=Decimal("0.049"), months=348)
    assert reduced.payment_fen < 530_727
    assert reduced.total_principal_fen == outstanding


def test_recast_keeps_month_end_due_day() -> None:
    plan = recast(outstanding_principal_fen=1_000_000, annual_rate=Decimal("0.049"), method=EP, remaining_months=3,
                  next_due_date=date(2026, 2, 28), rule=PrepaymentRule.REDUCE_INSTALLMENT, current_payment_fen=None,
                  due_day=31)
    assert [i.due_date for i in plan.installments] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_recast_interest_first_ignores_the_rule() -> None:
    for rule in PrepaymentRule:
        plan = recast(outstanding_principal_fen=1_000_000, annual_rate=Decimal("0.049"), method=IF,
                      remaining_months=6, next_due_date=date(2026, 3, 15), rule=rule, current_payment_fen=None)
        assert [i.principal_fen for i in plan.installments] == [0] * 5 + [1_000_000]


def test_shorten_term_equal_principal_keeps_the_monthly_principal() -> None:
    plan = recast(outstanding_principal_fen=1_000_050, annual_rate=Decimal("0.049"), method=EP, remaining_months=24,
                  next_due_date=date(2026, 3, 15), rule=PrepaymentRule.SHORTEN_TERM, current_payment_fen=100_000)
    assert plan.months == 11
    assert [i.principal_fen for i in plan.installments] == [100_000] * 10 + [50]


# -- properties -------------------------------------------------------------------------------------

principals = st.integers(min_value=100, max_value=1_000_000_000)  # 1 yuan … 10,000,000 yuan
rates = st.integers(min_value=0, max_value=240_000).map(lambda ppm: Decimal(ppm).scaleb(-6))  # 0 … 24%
fee_rates = st.integers(min_value=0, max_value=30_000).map(lambda ppm: Decimal(ppm).scaleb(-6))
months_st = st.integers(min_value=1, max_value=360)
# The monthly methods: the harvest bullet pays quarterly and has its own properties (test_harvest_bullet.py).
MONTHLY = [m for m in RepaymentMethod if m is not RepaymentMethod.HARVEST_BULLET]
methods = st.sampled_from(MONTHLY)
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


def _expected_rounded(balance_fen: int, rate: Decimal) -> int:
    """An independent check of the per-period rounding: Decimal, 60 digits, ROUND_HALF_UP."""
    with localcontext() as ctx:
        ctx.prec = 60
        return int((balance_fen * rate / 12).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _drift_bound_fen(rate: Decimal, months: int) -> Decimal:
    """((1+r)^n − 1)/r: how far rounding the payment and each interest can move the last payment."""
    if rate == 0:
        return Decimal(months)
    with localcontext() as ctx:
        ctx.prec = 40
        r = rate / 12
        return ((1 + r) ** months - 1) / r


def _check_invariants(schedule: Schedule, principal_fen: int, rate: Decimal, fee_rate: Decimal) -> None:
    rows = schedule.installments
    assert schedule.total_principal_fen == principal_fen
    assert rows[0].opening_principal_fen == principal_fen
    assert rows[-1].closing_principal_fen == 0
    for number, (row, nxt) in enumerate(zip(rows, [*rows[1:], None], strict=True), start=1):
        assert row.number == number
        assert min(row.principal_fen, row.interest_fen, row.guarantee_fee_fen, row.closing_principal_fen) >= 0
        assert row.closing_principal_fen == row.opening_principal_fen - row.principal_fen
        assert row.closing_principal_fen <= row.opening_principal_fen
        assert row.interest_fen == _expected_rounded(row.opening_principal_fen, rate)
        assert row.guarantee_fee_fen == _expected_rounded(row.opening_principal_fen, fee_rate)
        if nxt is not None:
            assert nxt.opening_principal_fen == row.closing_principal_fen
            assert nxt.due_date > row.due_date


@settings(max_examples=300, deadline=None)
@given(principal=principals, rate=rates, months=months_st, method=methods, fee_rate=fee_rates, start=starts)
def test_build_invariants(principal: int, rate: Decimal, months: int, method: RepaymentMethod,
                          fee_rate: Decimal, start: date) -> None:
    schedule = build(principal_fen=principal, annual_rate=rate, months=months, method=method, start_date=start,
                     guarantee_fee_rate=fee_rate)
    assert schedule.months == months
    _check_invariants(schedule, principal, rate, fee_rate)
    for months_after, row in enumerate(schedule.installments, start=1):
        year, month0 = divmod(start.year * 12 + start.month - 1 + months_after, 12)
        assert row.due_date == date(year, month0 + 1, min(start.day, calendar.monthrange(year, month0 + 1)[1]))
    rows = schedule.installments
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        payment = equal_installment_payment_fen(principal_fen=principal, annual_rate=rate, months=months)
        for row in rows[:-1]:
            amount = row.principal_fen + row.interest_fen
            if row.closing_principal_fen > 0:
                assert amount == payment
            else:  # a payment rounded up repaid a tiny loan early; nothing is due after that
                assert amount <= payment
        last = rows[-1]
        if last.opening_principal_fen > 0:
            assert abs(last.principal_fen + last.interest_fen - payment) <= _drift_bound_fen(rate, months)
    elif method is RepaymentMethod.EQUAL_PRINCIPAL:
        step = (2 * principal + months) // (2 * months)
        assert all(row.principal_fen == min(step, row.opening_principal_fen) for row in rows[:-1])
    else:
        assert all(row.principal_fen == 0 for row in rows[:-1])
        assert rows[-1].principal_fen == principal


@settings(max_examples=300, deadline=None)
@given(principal=st.integers(min_value=100_000, max_value=1_000_000_000), rate=rates, months=months_st,
       method=methods, data=st.data())
def test_recast_invariants(principal: int, rate: Decimal, months: int, method: RepaymentMethod,
                           data: st.DataObject) -> None:
    assume(months >= 2)
    original = build(principal_fen=principal, annual_rate=rate, months=months, method=method, start_date=START)
    done = data.draw(st.integers(min_value=0, max_value=months - 1), label="periods paid")
    nxt = original.installments[done]
    assume(nxt.opening_principal_fen >= 2)
    prepaid = data.draw(st.integers(min_value=1, max_value=nxt.opening_principal_fen - 1), label="prepaid")
    outstanding = nxt.opening_principal_fen - prepaid
    remaining = months - done
    current = nxt.principal_fen if method is RepaymentMethod.EQUAL_PRINCIPAL else nxt.principal_fen + nxt.interest_fen
    for rule in PrepaymentRule:
        plan = recast(outstanding_principal_fen=outstanding, annual_rate=rate, method=method,
                      remaining_months=remaining, next_due_date=nxt.due_date, rule=rule,
                      current_payment_fen=current, guarantee_fee_rate=Decimal(0), due_day=START.day)
        _check_invariants(plan, outstanding, rate, Decimal(0))
        assert plan.months <= remaining
        assert plan.installments[0].due_date == nxt.due_date
        first = plan.installments[0]
        if method is RepaymentMethod.INTEREST_FIRST:
            assert plan.months == remaining
            assert [i.principal_fen for i in plan.installments[:-1]] == [0] * (remaining - 1)
        elif rule is PrepaymentRule.REDUCE_INSTALLMENT:
            assert plan.months == remaining
            if method is RepaymentMethod.EQUAL_INSTALLMENT:
                assert first.principal_fen + first.interest_fen <= current
            else:
                assert first.principal_fen <= current
            assert first.principal_fen + first.interest_fen <= nxt.principal_fen + nxt.interest_fen
        else:  # shorten_term: the payment (monthly principal) is kept and the last one is smaller …
            def amount(i: Installment) -> int:
                return i.principal_fen + (i.interest_fen if method is RepaymentMethod.EQUAL_INSTALLMENT else 0)

            rows = plan.installments
            kept = all(amount(i) == current for i in rows[:-1]) and amount(rows[-1]) <= current
            if 0 < nxt.principal_fen <= prepaid:  # at least a month's principal prepaid: always kept
                assert kept
            if not kept:  # … unless it cannot clear the balance in time: then the installment is reduced
                reduced = recast(outstanding_principal_fen=outstanding, annual_rate=rate, method=method,
                                 remaining_months=remaining, next_due_date=nxt.due_date,
                                 rule=PrepaymentRule.REDUCE_INSTALLMENT, current_payment_fen=current,
                                 due_day=START.day)
                assert plan == reduced
