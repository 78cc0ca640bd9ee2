"""The new schedule of a deferral of principal (延期还本), with figures computed by hand.

Rule (see `xinyidai.loans.schedule`): interest of a period = opening principal × annual rate / 12, rounded half
up to the fen; the drawdown's own method re-spreads the whole outstanding principal over the due days from the next
one through the new maturity.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xinyidai.loans.schedule import ScheduleError, defer, months_through
from xinyidai.products.enums import RepaymentMethod


def test_equal_principal_deferred_to_24_months() -> None:
    """120,000.00 yuan left at 4.8% a year, deferred from 2027-11-23 to 2028-11-23, the next due day 2026-12-23.

    24 due days (2026-12-23 … 2028-11-23); principal 120,000 / 24 = 5,000.00 a month; the monthly rate is
    0.048 / 12 = 0.004, so interest is 480.00 in the first month (120,000 × 0.004), 460.00 in the second
    (115,000 × 0.004) … 20.00 in the last (5,000 × 0.004); in all 0.004 × 5,000 × (24 + 23 + … + 1) = 20 × 300
    = 6,000.00 yuan."""
    plan = defer(outstanding_principal_fen=12_000_000, annual_rate=Decimal("0.048"),
                 method=RepaymentMethod.EQUAL_PRINCIPAL, next_due_date=date(2026, 12, 23),
                 new_maturity_date=date(2028, 11, 23), due_day=23)
    assert plan.months == 24
    assert plan.installments[0].due_date == date(2026, 12, 23) and plan.installments[-1].due_date == date(2028, 11, 23)
    assert {i.principal_fen for i in plan.installments} == {500_000}
    assert [i.interest_fen for i in plan.installments[:2]] == [48_000, 46_000]
    assert plan.installments[-1].interest_fen == 2_000
    assert plan.total_interest_fen == 600_000
    assert plan.total_principal_fen == 12_000_000


def test_equal_installment_deferred_reamortises_at_the_contract_rate() -> None:
    """100,000.00 yuan left at 6% a year over 12 due days: the annuity 100,000 × 0.005 × 1.005^12 / (1.005^12 − 1)
    = 8,606.64 yuan (the published 等额本息 figure for 100,000 yuan, 6%, 12 months); first month's interest
    100,000 × 0.005 = 500.00, principal 8,106.64."""
    plan = defer(outstanding_principal_fen=10_000_000, annual_rate=Decimal("0.06"),
                 method=RepaymentMethod.EQUAL_INSTALLMENT, next_due_date=date(2027, 1, 15),
                 new_maturity_date=date(2027, 12, 15), due_day=15)
    assert plan.months == 12
    assert plan.payment_fen == 860_664
    assert (plan.installments[0].interest_fen, plan.installments[0].principal_fen) == (50_000, 810_664)
    assert plan.total_principal_fen == 10_000_000


def test_interest_first_keeps_paying_interest_and_repays_at_the_new_maturity() -> None:
    """50,000.00 yuan at 4.8%: 200.00 yuan interest each month (50,000 × 0.004), all principal on the last day."""
    plan = defer(outstanding_principal_fen=5_000_000, annual_rate=Decimal("0.048"),
                 method=RepaymentMethod.INTEREST_FIRST, next_due_date=date(2027, 2, 28),
                 new_maturity_date=date(2027, 7, 31), due_day=31)
    assert [i.due_date for i in plan.installments] == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30),
                                                       date(2027, 5, 31), date(2027, 6, 30), date(2027, 7, 31)]
    assert {i.interest_fen for i in plan.installments} == {20_000}
    assert [i.principal_fen for i in plan.installments] == [0, 0, 0, 0, 0, 5_000_000]


def test_the_new_maturity_must_be_a_due_day_after_the_next_one() -> None:
    assert months_through(date(2027, 1, 31), date(2027, 2, 28), 31) == 2
    with pytest.raises(ScheduleError, match="每月还款日"):
        months_through(date(2027, 1, 23), date(2027, 6, 20), 23)
    with pytest.raises(ScheduleError, match="每月还款日"):
        months_through(date(2027, 1, 23), date(2026, 12, 23), 23)
