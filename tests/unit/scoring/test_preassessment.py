"""The rule-based pre-assessment: score, grade, rate inside the product's bounds, line in whole 万元.

The worked examples below are computed by hand from the documented rule set (scoring/preassessment.py):
base 600; years in operation 10+ → +70, 5+ → +50, 3+ → +30, under 1 → −40; registered capital
500万+ → +40, 100万+ → +30, 10万+ → +15; employees 50+ → +30, 10+ → +20; enterprise +10,
cooperative / family farm +5; annual reports current +20, else −60; abnormal list −120.
Grades A ≥ 700 (×1.0), B ≥ 650 (×0.8), C ≥ 600 (×0.6), else D (×0.4). Rate = max − (score−500)/300 ×
(max − min), clamped, to 5 bp. Line = max(10万, 30% of capital, 3万 per employee) × grade factor.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.scoring.preassessment import EntityFacts, ProductBounds, RuleBasedPreAssessor, rate_for_score

WAN = 10_000 * 100  # fen in one 万元
STEP = Decimal("0.0005")
TODAY = date(2026, 11, 22)
BOUNDS = ProductBounds(min_rate=Decimal("0.03"), max_rate=Decimal("0.06"), max_line_fen=300 * WAN,
                       min_amount_fen=10 * WAN)
GOOD = EntityFacts(
    kind="enterprise", scale="small", registration_date=date(2015, 1, 1), registered_capital_fen=500 * WAN,
    employees=60, is_abnormal=False, annual_reports_current=True,
)
NEW = EntityFacts(
    kind="individual_business", scale="micro", registration_date=date(2026, 6, 1), registered_capital_fen=None,
    employees=2, is_abnormal=False, annual_reports_current=True,
)
assessor = RuleBasedPreAssessor()


def test_established_enterprise() -> None:
    # 600 + 70 (11 years) + 40 (capital 500万) + 30 (60 staff) + 10 (enterprise) + 20 (reports) = 770 → A.
    # Rate: 0.06 − 0.9 × 0.03 = 0.033. Line: max(10万, 150万, 180万) × 1.0 = 180万.
    estimate = assessor.assess(GOOD, BOUNDS, today=TODAY)
    assert estimate.score == 770
    assert estimate.grade == "A"
    assert estimate.annual_rate == Decimal("0.033")
    assert estimate.line_fen == 180 * WAN
    assert estimate.reasons == ["经营10年以上", "注册资本500万元以上", "从业人员50人以上", "年报按时报送"]
    assert estimate.assessor == "rules-2026.1"


def test_abnormal_listing_lowers_score_rate_and_line() -> None:
    # 770 − 120 = 650 → B; rate 0.06 − 0.5 × 0.03 = 0.045; line 180万 × 0.8 = 144万.
    estimate = assessor.assess(replace(GOOD, is_abnormal=True), BOUNDS, today=TODAY)
    assert estimate.score == 650
    assert estimate.grade == "B"
    assert estimate.annual_rate == Decimal("0.045")
    assert estimate.line_fen == 144 * WAN
    assert "列入经营异常名录" in estimate.reasons


def test_late_annual_report_lowers_score() -> None:
    # 770 − 20 − 60 = 690 → B; rate 0.06 − (190/300) × 0.03 = 0.041.
    estimate = assessor.assess(replace(GOOD, annual_reports_current=False), BOUNDS, today=TODAY)
    assert estimate.score == 690
    assert estimate.grade == "B"
    assert estimate.annual_rate == Decimal("0.041")
    assert "年报未按时报送" in estimate.reasons
    assert "年报按时报送" not in estimate.reasons


def test_abnormal_and_late_together() -> None:
    # 770 − 80 − 120 = 570 → D; rate 0.06 − (70/300) × 0.03 = 0.053; line 180万 × 0.4 = 72万.
    estimate = assessor.assess(replace(GOOD, annual_reports_current=False, is_abnormal=True), BOUNDS, today=TODAY)
    assert estimate.score == 570
    assert estimate.grade == "D"
    assert estimate.annual_rate == Decimal("0.053")
    assert estimate.line_fen == 72 * WAN


def test_new_individual_business_gets_the_minimum_amount() -> None:
    # 600 − 40 (under a year) + 20 (reports) = 580 → D; rate 0.06 − (80/300) × 0.03 = 0.052;
    # line max(10万, 0, 6万) × 0.4 = 4万, below the product's 10万 minimum → 10万.
    estimate = assessor.assess(NEW, BOUNDS, today=TODAY)
    assert estimate.score == 580
    assert estimate.grade == "D"
    assert estimate.annual_rate == Decimal("0.052")
    assert estimate.line_fen == BOUNDS.min_amount_fen
    assert estimate.reasons == ["经营不满1年", "年报按时报送"]


def test_line_is_capped_by_the_product() -> None:
    big = replace(GOOD, registered_capital_fen=10_000 * WAN)  # 30% of 1亿 = 3000万 > 300万
    assert assessor.assess(big, BOUNDS, today=TODAY).line_fen == 300 * WAN


def test_line_is_floored_to_whole_wan() -> None:
    # 30% of 123.45万 = 37.035万 → 37万 (grade A factor 1.0: 600+70+30+10+20 = 730).
    facts = replace(GOOD, registered_capital_fen=12_345 * 100 * 100, employees=None)
    estimate = assessor.assess(facts, BOUNDS, today=TODAY)
    assert estimate.score == 730
    assert estimate.line_fen == 37 * WAN


@pytest.mark.parametrize(
    ("registered", "points", "reason"),
    [
        (date(2016, 11, 22), 70, "经营10年以上"),  # exactly ten years on TODAY
        (date(2016, 11, 23), 50, "经营5年以上"),  # one day short of ten
        (date(2021, 11, 22), 50, "经营5年以上"),
        (date(2023, 11, 22), 30, "经营3年以上"),
        (date(2024, 11, 22), 0, None),  # two years: no points either way
        (date(2025, 11, 22), 0, None),  # exactly one year
        (date(2025, 11, 23), -40, "经营不满1年"),
    ],
)
def test_years_in_operation(registered: date, points: int, reason: str | None) -> None:
    facts = replace(GOOD, registration_date=registered)
    estimate = assessor.assess(facts, BOUNDS, today=TODAY)
    assert estimate.score == 600 + points + 40 + 30 + 10 + 20
    if reason:
        assert estimate.reasons[0] == reason


@pytest.mark.parametrize(
    ("score", "rate"),
    [(300, "0.06"), (500, "0.06"), (650, "0.045"), (800, "0.03"), (850, "0.03"), (510, "0.059")],
)
def test_rate_for_score_known_points(score: int, rate: str) -> None:
    # 510: 0.06 − (10/300) × 0.03 = 0.059.
    assert rate_for_score(score, BOUNDS) == Decimal(rate)


def test_rate_rounds_to_the_5bp_step() -> None:
    bounds = replace(BOUNDS, min_rate=Decimal("0.0435"), max_rate=Decimal("0.0800"))
    # 600: 0.08 − (100/300) × 0.0365 = 0.0678333… → nearest 5 bp step 0.0680.
    assert rate_for_score(600, bounds) == Decimal("0.068")


grid_bounds = st.builds(
    lambda low, extra: (low * STEP, (low + extra) * STEP),
    st.integers(min_value=1, max_value=400),
    st.integers(min_value=0, max_value=80),
)


@given(st.integers(min_value=300, max_value=850), grid_bounds)
def test_rate_within_bounds_and_on_the_step(score: int, rates: tuple[Decimal, Decimal]) -> None:
    bounds = replace(BOUNDS, min_rate=rates[0], max_rate=rates[1])
    rate = rate_for_score(score, bounds)
    assert bounds.min_rate <= rate <= bounds.max_rate
    assert rate % STEP == 0


@given(st.integers(min_value=300, max_value=850), st.integers(min_value=300, max_value=850), grid_bounds)
def test_higher_score_never_gives_higher_rate(a: int, b: int, rates: tuple[Decimal, Decimal]) -> None:
    bounds = replace(BOUNDS, min_rate=rates[0], max_rate=rates[1])
    low, high = sorted((a, b))
    assert rate_for_score(high, bounds) <= rate_for_score(low, bounds)


any_rate = st.integers(min_value=1, max_value=240_000).map(lambda n: Decimal(n) / 1_000_000)


@given(st.integers(min_value=300, max_value=850), any_rate, any_rate)
def test_rate_within_bounds_even_off_the_step(score: int, r1: Decimal, r2: Decimal) -> None:
    bounds = replace(BOUNDS, min_rate=min(r1, r2), max_rate=max(r1, r2))
    assert bounds.min_rate <= rate_for_score(score, bounds) <= bounds.max_rate


facts_strategy = st.builds(
    EntityFacts,
    kind=st.sampled_from(["enterprise", "individual_business", "farmers_cooperative", "family_farm"]),
    scale=st.sampled_from(["micro", "small", "medium"]),
    registration_date=st.dates(min_value=date(1990, 1, 1), max_value=TODAY),
    registered_capital_fen=st.one_of(st.none(), st.integers(min_value=0, max_value=10**12)),
    employees=st.one_of(st.none(), st.integers(min_value=0, max_value=5000)),
    is_abnormal=st.booleans(),
    annual_reports_current=st.booleans(),
)


amounts = st.integers(min_value=1, max_value=10**10)


@given(facts_strategy, grid_bounds, amounts, amounts)
def test_estimate_respects_the_product(facts: EntityFacts, rates: tuple[Decimal, Decimal], x: int, y: int) -> None:
    bounds = ProductBounds(min_rate=rates[0], max_rate=rates[1], min_amount_fen=min(x, y), max_line_fen=max(x, y))
    estimate = assessor.assess(facts, bounds, today=TODAY)
    assert 300 <= estimate.score <= 850
    assert estimate.grade in {"A", "B", "C", "D"}
    assert bounds.min_rate <= estimate.annual_rate <= bounds.max_rate
    assert estimate.annual_rate % STEP == 0
    assert estimate.line_fen <= bounds.max_line_fen
    assert estimate.line_fen % WAN == 0 or estimate.line_fen == bounds.min_amount_fen


@given(facts_strategy)
def test_bad_facts_never_raise_the_score(facts: EntityFacts) -> None:
    clean = replace(facts, is_abnormal=False, annual_reports_current=True)
    base = assessor.assess(clean, BOUNDS, today=TODAY)
    abnormal = assessor.assess(replace(clean, is_abnormal=True), BOUNDS, today=TODAY)
    late = assessor.assess(replace(clean, annual_reports_current=False), BOUNDS, today=TODAY)
    assert abnormal.score == base.score - 120
    assert late.score == base.score - 80
    assert abnormal.annual_rate >= base.annual_rate
    assert late.annual_rate >= base.annual_rate
    assert abnormal.line_fen <= base.line_fen
