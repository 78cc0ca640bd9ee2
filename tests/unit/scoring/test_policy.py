"""The credit policy: hard rules first, a rate monotonic in PD inside the product's bounds, a line from scale."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.scoring import features, policy
from xinyidai.scoring.policy import Outcome, Reason
from xinyidai.scoring.preassessment import ProductBounds

BOUNDS = ProductBounds(min_rate=Decimal("0.035"), max_rate=Decimal("0.08"), max_line_fen=100_000_000,
                       min_amount_fen=1_000_000)
CLEAN: dict[str, float | None] = dict.fromkeys(features.NAMES, 0.0)
pds = st.floats(min_value=0, max_value=1, allow_nan=False)
rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.24"), places=4)


@given(pd1=pds, pd2=pds, low=rates, high=rates)
def test_rate_never_falls_as_pd_rises_and_stays_inside_the_bounds(pd1: float, pd2: float, low: Decimal,
                                                                  high: Decimal) -> None:
    low, high = min(low, high), max(low, high)
    bounds = ProductBounds(min_rate=low, max_rate=high, max_line_fen=100_000_000, min_amount_fen=1_000_000)
    pd1, pd2 = min(pd1, pd2), max(pd1, pd2)
    rate1, rate2 = policy.rate_for_pd(pd1, bounds), policy.rate_for_pd(pd2, bounds)
    assert rate1 <= rate2
    assert low <= rate1 <= high and low <= rate2 <= high


def test_rate_ends_of_the_band_and_steps_of_five_basis_points() -> None:
    assert policy.rate_for_pd(0.0, BOUNDS) == Decimal("0.035")
    assert policy.rate_for_pd(0.5, BOUNDS) == Decimal("0.08")
    # Halfway through the band (PD 8 %): 3.5 % + ½ × 4.5 % = 5.75 %, already on a 0.05 % step.
    assert policy.rate_for_pd(0.08, BOUNDS) == Decimal("0.0575")
    assert policy.rate_for_pd(0.03, BOUNDS) % Decimal("0.0005") == 0


def test_a_pd_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError):
        policy.rate_for_pd(float("nan"), BOUNDS)
    with pytest.raises(ValueError):
        policy.rate_for_pd(1.5, BOUNDS)


@pytest.mark.parametrize(("feature", "value", "code"), [
    ("serious_dishonesty_listed_now", 1.0, "rule.serious_dishonesty"),
    ("dishonest_debtor_open", 2.0, "rule.dishonest_debtor"),
    ("abnormal_listed_now", 1.0, "rule.abnormal_operations"),
    ("tax_arrears_amount", 350.0, "rule.tax_arrears"),
])
def test_each_decline_rule_declines_with_the_rule_as_the_first_reason(feature: str, value: float, code: str) -> None:
    model_reason = Reason("model.tax_credit_grade", "纳税信用等级（扣10.0分）", "model")
    decided = policy.decide({**CLEAN, feature: value}, 0.01, [model_reason], BOUNDS)
    assert decided.outcome is Outcome.DECLINE
    assert decided.line_fen == 0
    assert decided.reasons[0].code == code and decided.reasons[0].kind == "rule"
    assert decided.reasons[-1] == model_reason


def test_late_annual_report_asks_for_remediation_and_shows_what_it_would_get() -> None:
    decided = policy.decide({**CLEAN, "annual_report_years_late": 1.0}, 0.01, [], BOUNDS)
    assert decided.outcome is Outcome.REMEDIATE
    assert [r.code for r in decided.reasons] == ["rule.annual_report_late"]
    assert decided.line_fen > 0


def test_a_decline_rule_outweighs_remediation() -> None:
    decided = policy.decide({**CLEAN, "annual_report_years_late": 2.0, "tax_arrears_amount": 10.0}, 0.01, [], BOUNDS)
    assert decided.outcome is Outcome.DECLINE
    assert {r.code for r in decided.reasons} == {"rule.tax_arrears", "rule.annual_report_late"}


def test_missing_features_break_no_rule() -> None:
    decided = policy.decide(dict.fromkeys(features.NAMES), 0.03, [], BOUNDS)
    assert decided.outcome is Outcome.APPROVE


def test_line_from_tax_implied_revenue_or_headcount_whichever_is_larger() -> None:
    # 25,000 元 of tax at the 1 % levy implies 2.5 million 元 of revenue; a fifth is 500,000 元 (grade A: all of it).
    assert policy.line_for({**CLEAN, "tax_paid_12m": 25_000.0}, 0.01, BOUNDS) == 50_000_000
    # 20 insured employees × 30,000 元 = 600,000 元 beats the tax figure.
    assert policy.line_for({**CLEAN, "tax_paid_12m": 25_000.0, "social_insurance_headcount": 20.0},
                           0.01, BOUNDS) == 60_000_000
    # Grade C (PD 8 %) earns 60 %: 360,000 元.
    assert policy.line_for({**CLEAN, "social_insurance_headcount": 20.0}, 0.08, BOUNDS) == 36_000_000


def test_line_capped_by_the_product_and_floored_by_its_minimum() -> None:
    assert policy.line_for({**CLEAN, "tax_paid_12m": 10_000_000.0}, 0.01, BOUNDS) == BOUNDS.max_line_fen
    assert policy.line_for(CLEAN, 0.01, BOUNDS) == BOUNDS.min_amount_fen
    assert policy.line_for({**CLEAN, "tax_paid_12m": 1_234.0}, 0.3, BOUNDS) == BOUNDS.min_amount_fen


@given(tax=st.floats(min_value=0, max_value=1e9, allow_nan=False), staff=st.integers(0, 10_000), pd=pds)
def test_line_always_inside_the_product(tax: float, staff: int, pd: float) -> None:
    line = policy.line_for({**CLEAN, "tax_paid_12m": tax, "social_insurance_headcount": float(staff)}, pd, BOUNDS)
    assert BOUNDS.min_amount_fen <= line <= BOUNDS.max_line_fen
    assert line % 1_000_000 == 0


rule_values = st.none() | st.sampled_from([0.0, -1.0, 1.0]) | st.floats(-10, 10, allow_nan=False)


@given(rows=st.lists(st.tuples(st.fixed_dictionaries({rule.feature: rule_values for rule in policy.HARD_RULES}),
                               pds | st.sampled_from([0.02, 0.05, 0.10])), min_size=1, max_size=30))
def test_the_outcomes_of_a_page_are_outcome_for_of_each_entity(rows: list[tuple[dict[str, float | None],
                                                                                 float]]) -> None:
    columns = {rule.feature: np.array([values[rule.feature] for values, _pd in rows], dtype=float)
               for rule in policy.HARD_RULES}
    decided, grades, codes = policy.outcomes_for(columns, np.array([pd for _values, pd in rows]))
    expected = [policy.outcome_for(values, pd) for values, pd in rows]
    assert decided == [outcome.value for outcome, _grade, _hits in expected]
    assert grades == [grade for _outcome, grade, _hits in expected]
    assert codes == [tuple(rule.code for rule in hits) for _outcome, _grade, hits in expected]
