"""The borrower's cost calculator and the 重信贷 "约39—67元" example of the source report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xinyidai.loans.calculator import (
    CHONGXINDAI_GUARANTEE_FEE_RATE,
    chongxindai_cost_cases,
    explain_chongxindai_cost,
    quote,
)
from xinyidai.loans.schedule import ScheduleError
from xinyidai.products.enums import RepaymentMethod

START = date(2026, 3, 10)


# The monthly methods (a month's interest is a twelfth of the year's); the harvest bullet accrues by actual days,
# with its own known values in test_harvest_bullet.py.
@pytest.mark.parametrize("method", [m for m in RepaymentMethod if m is not RepaymentMethod.HARVEST_BULLET])
@pytest.mark.parametrize(
    ("rate", "fee_rate", "interest_fen", "fee_fen", "total_fen"),
    [
        # 10,000 yuan for one month: 10,000 × 3.5% / 12 = 29.1667 → 29.17; fee 10,000 × 1.2% / 12 = 10.00
        (Decimal("0.035"), Decimal(0), 2_917, 0, 2_917),
        (Decimal("0.035"), Decimal("0.012"), 2_917, 1_000, 3_917),  # 39.17: the report's low end
        # 10,000 × 8% / 12 = 66.6667 → 66.67
        (Decimal("0.08"), Decimal(0), 6_667, 0, 6_667),  # 66.67: the report's high end
        (Decimal("0.08"), Decimal("0.012"), 6_667, 1_000, 7_667),
    ],
)
def test_ten_thousand_yuan_for_one_month(method: RepaymentMethod, rate: Decimal, fee_rate: Decimal,
                                         interest_fen: int, fee_fen: int, total_fen: int) -> None:
    q = quote(principal_fen=1_000_000, annual_rate=rate, months=1, method=method, guarantee_fee_rate=fee_rate,
              start_date=START)
    assert q.total_interest_fen == interest_fen
    assert q.total_guarantee_fee_fen == fee_fen
    assert q.total_cost_fen == total_fen
    assert q.first_installment_fen == 1_000_000 + total_fen


def test_chongxindai_cases_are_the_four_costs() -> None:
    cases = chongxindai_cost_cases()
    assert [c.total_cost_fen for c in cases] == [2_917, 3_917, 6_667, 7_667]
    assert [c.annual_rate for c in cases] == [Decimal("0.035")] * 2 + [Decimal("0.08")] * 2
    assert [c.guarantee_fee_rate for c in cases] == [Decimal(0), CHONGXINDAI_GUARANTEE_FEE_RATE] * 2


def test_explanation_reconciles_39_to_67() -> None:
    lines = explain_chongxindai_cost()
    text = "\n".join(lines)
    for figure in ("29.17", "39.17", "66.67", "76.67", "10.00"):
        assert figure in text
    assert "39—67" in text
    conclusion = lines[-2]
    assert "3.5%" in conclusion and "39.17" in conclusion and "担保费" in conclusion
    assert "8%" in conclusion and "66.67" in conclusion
    assert "76.67" in lines[-1]


def test_the_explanation_in_english_says_the_same_figures_sentence_for_sentence() -> None:
    import re

    chinese, english = explain_chongxindai_cost(), explain_chongxindai_cost("en")
    assert len(english) == len(chinese)
    assert not [line for line in english if re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", line)]
    for zh, en in zip(chinese, english, strict=True):
        # The same figures (in the order English puts them), 1万元 written out as 10,000 yuan.
        figures = sorted(re.findall(r"\d+(?:\.\d+)?", zh))
        assert figures == sorted(re.findall(r"\d+(?:\.\d+)?", en.replace("10,000", "1")))


def test_quote_of_a_mortgage_sized_loan_carries_the_headline_interest() -> None:
    q = quote(principal_fen=100_000_000, annual_rate=Decimal("0.049"), months=360,
              method=RepaymentMethod.EQUAL_INSTALLMENT, start_date=START)
    assert q.payment_fen == 530_727  # 5,307.27, as published calculators print
    assert q.headline_total_interest_fen == 91_061_619  # 910,616.19, as published calculators print
    assert q.total_interest_fen == q.schedule.total_interest_fen
    assert q.total_cost_fen == q.total_interest_fen
    assert q.method is RepaymentMethod.EQUAL_INSTALLMENT


def test_quote_has_no_headline_for_other_methods() -> None:
    q = quote(principal_fen=100_000_000, annual_rate=Decimal("0.049"), months=360,
              method=RepaymentMethod.EQUAL_PRINCIPAL, guarantee_fee_rate=Decimal("0.012"), start_date=START)
    assert q.headline_total_interest_fen is None
    assert q.payment_fen == 686_111  # 6,861.11 first month
    assert q.total_cost_fen == q.total_interest_fen + q.total_guarantee_fee_fen
    # the fee is 1.2/4.9 of the interest, up to each period's rounding
    assert abs(q.total_guarantee_fee_fen * 49 - q.total_interest_fen * 12) < 49 * 360


def test_quote_refuses_bad_input() -> None:
    with pytest.raises(ScheduleError, match="贷款本金"):
        quote(principal_fen=0, annual_rate=Decimal("0.035"), months=1, method=RepaymentMethod.INTEREST_FIRST,
              start_date=START)
