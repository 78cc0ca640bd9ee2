"""The harvest-season bullet (收获季一次还本): known values computed by hand from the day count and a published rate.

The rate is the People's Bank of China's one-year benchmark lending rate, 4.35% (in force since 24 October 2015).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.loans import schedule
from xinyidai.loans.schedule import DayCount, ScheduleError

RATE = Decimal("0.0435")


def test_a_huajiao_loan_pays_interest_each_quarter_and_the_principal_at_the_harvest() -> None:
    # 100,000 yuan drawn 2026-03-15 for 5 months, maturity 2026-08-15 (花椒 harvest), act/360:
    # 15 Mar → 15 Jun is 16 + 30 + 31 + 15 = 92 days: 100,000 × 4.35% × 92 / 360 = 1,111.666… → 1,111.67 yuan;
    # 15 Jun → 15 Aug is 15 + 31 + 15 = 61 days:      100,000 × 4.35% × 61 / 360 =   737.083… →   737.08 yuan.
    plan = schedule.build(principal_fen=10_000_000, annual_rate=RATE, months=5, method="harvest_bullet",  # type: ignore[arg-type]
                          start_date=date(2026, 3, 15))
    assert [(i.due_date, i.principal_fen, i.interest_fen) for i in plan.installments] == [
        (date(2026, 6, 15), 0, 111_167),
        (date(2026, 8, 15), 10_000_000, 73_708),
    ]
    assert plan.total_interest_fen == 184_875 and plan.total_principal_fen == 10_000_000
    assert [i.closing_principal_fen for i in plan.installments] == [10_000_000, 0]


def test_act_365_divides_by_365_days() -> None:
    # The same loan, act/365: 4,350 × 92 / 365 = 1,096.438… → 1,096.44; 4,350 × 61 / 365 = 726.986… → 726.99.
    plan = schedule.harvest_bullet(principal_fen=10_000_000, annual_rate=RATE, months=5, start_date=date(2026, 3, 15),
                                   day_count=DayCount.ACT_365)
    assert [i.interest_fen for i in plan.installments] == [109_644, 72_699]


def test_interest_at_maturity_only_is_one_payment_and_a_guarantee_fee_by_days_too() -> None:
    # 榨菜 planted in October, harvested in February: 50,000 yuan from 2026-10-10 to 2027-02-10 (123 days:
    # 21 + 30 + 31 + 31 + 10), interest 50,000 × 4.35% × 123 / 360 = 743.125 → 743.13 yuan (half up);
    # a 1% guarantee fee 50,000 × 1% × 123 / 360 = 170.833… → 170.83 yuan.
    plan = schedule.harvest_bullet(principal_fen=5_000_000, annual_rate=RATE, months=4, start_date=date(2026, 10, 10),
                                   interest_every_months=0, guarantee_fee_rate=Decimal("0.01"))
    assert [(i.due_date, i.principal_fen, i.interest_fen, i.guarantee_fee_fen) for i in plan.installments] == [
        (date(2027, 2, 10), 5_000_000, 74_313, 17_083)]


def test_a_term_of_whole_quarters_ends_on_a_quarter_and_month_ends_are_clamped() -> None:
    plan = schedule.harvest_bullet(principal_fen=1_000_000, annual_rate=RATE, months=12, start_date=date(2026, 11, 30))
    assert [i.due_date for i in plan.installments] == [date(2027, 2, 28), date(2027, 5, 30), date(2027, 8, 30),
                                                       date(2027, 11, 30)]


@pytest.mark.parametrize("kwargs, message", [
    ({"principal_fen": 0}, "贷款本金必须大于零"),
    ({"months": 0}, "贷款期数"),
    ({"interest_every_months": -1}, "付息间隔"),
    ({"annual_rate": Decimal("1.5")}, "年化利率"),
])
def test_bad_inputs_are_refused_in_words(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"principal_fen": 1_000_000, "annual_rate": RATE, "months": 6,
                               "start_date": date(2026, 3, 15), **kwargs}
    with pytest.raises(ScheduleError, match=message):
        schedule.harvest_bullet(**args)  # type: ignore[arg-type]


def test_recasting_a_bullet_by_the_monthly_rules_is_refused() -> None:
    with pytest.raises(ScheduleError):
        schedule.recast(outstanding_principal_fen=1_000_000, annual_rate=RATE, method="harvest_bullet",  # type: ignore[arg-type]
                        remaining_months=2, next_due_date=date(2026, 6, 15),
                        rule=schedule.PrepaymentRule.REDUCE_INSTALLMENT, current_payment_fen=None)


@given(principal=st.integers(1, 10**10), months=st.integers(1, 36), every=st.integers(0, 12),
       start=st.dates(date(2020, 1, 1), date(2040, 12, 31)), basis=st.sampled_from(list(DayCount)))
def test_property_the_principal_is_repaid_once_at_maturity_and_interest_follows_the_days(
        principal: int, months: int, every: int, start: date, basis: DayCount) -> None:
    plan = schedule.harvest_bullet(principal_fen=principal, annual_rate=RATE, months=months, start_date=start,
                                   interest_every_months=every, day_count=basis)
    *before, last = plan.installments
    assert all(i.principal_fen == 0 for i in before) and last.principal_fen == principal
    days = (last.due_date - start).days
    exact = Decimal(principal) * RATE * days / basis.year_days
    assert abs(plan.total_interest_fen - exact) <= Decimal(len(plan.installments)) / 2
