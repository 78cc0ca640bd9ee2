"""The credit portrait without a database: dimension scores from a points table, the rule-based fallback, and the
suggestions (only actionable features, ordered by gain, each gain what the move really earns)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from xinyidai.scoring.features import CATALOGUE, NAMES, Dimension, Risk
from xinyidai.scoring.portrait.policy import (
    ACTIONS,
    FEATURES,
    RULE_SCALES,
    RULE_TABLE,
    Basis,
    Scale,
    build,
    dimension_score,
)

CLEAN: dict[str, float | None] = {
    "years_in_operation": 12.0, "registered_capital": 6_000_000.0, "deregistered": 0.0, "equity_changes_36m": 0.0,
    "social_insurance_headcount": 60.0, "utility_overdue_amount": 0.0, "utility_arrears_months_12m": 0.0,
    "social_insurance_continuous_months": 48.0, "social_insurance_arrears_months_12m": 0.0,
    "housing_fund_arrears_months_12m": 0.0, "tax_paid_12m": 2_000_000.0, "tax_paid_trend": 0.2,
    "tax_credit_grade": 5.0, "tax_arrears_amount": 0.0, "financing_defaults": 0.0, "financing_max_days_past_due": 0.0,
    "annual_report_years_late": 0.0, "abnormal_listings_36m": 0.0, "abnormal_listed_now": 0.0, "penalties_12m": 0.0,
    "penalties_36m": 0.0, "serious_penalties_36m": 0.0, "days_since_last_penalty": None,
    "admin_enforcements_36m": 0.0, "serious_dishonesty_listed_now": 0.0, "broken_commitments": 0.0,
    "self_reported_revenue_ratio": 1.0, "self_reported_employees_ratio": 1.0, "dishonest_debtor_open": 0.0,
    "enforcement_cases_open": 0.0, "restricted_consumption_orders": 0.0, "judgments_as_defendant_36m": 0.0,
}
IMMUTABLE = {"years_in_operation", "registered_capital", "deregistered", "equity_changes_36m", "tax_paid_trend",
             "financing_defaults", "financing_max_days_past_due", "penalties_12m", "penalties_36m",
             "serious_penalties_36m", "days_since_last_penalty", "abnormal_listings_36m", "admin_enforcements_36m",
             "broken_commitments", "restricted_consumption_orders", "judgments_as_defendant_36m"}


def _scores(portrait: Any) -> dict[Dimension, int | None]:
    return {d.dimension: d.score for d in portrait.dimensions}


def test_the_rule_table_covers_every_feature_and_points_follow_the_risk_direction() -> None:
    assert set(RULE_SCALES) == set(NAMES) and set(CLEAN) == set(NAMES)
    for name, scale in RULE_SCALES.items():
        assert len(scale.points) == len(scale.splits) + 1 and list(scale.splits) == sorted(scale.splits), name
        ordered = list(scale.points) if FEATURES[name].risk is Risk.LOWER_IS_RISKIER else list(scale.points)[::-1]
        assert ordered == sorted(ordered), f"{name}: points must rise as risk falls"


def test_a_clean_file_scores_full_marks_and_has_nothing_to_suggest() -> None:
    portrait = build(CLEAN)
    assert _scores(portrait) == dict.fromkeys(Dimension, 100)
    assert portrait.suggestions == ()
    assert all(d.basis is Basis.RULES for d in portrait.dimensions)
    assert "尚未启用冠军模型" in portrait.note and portrait.model_version is None


def test_known_dimension_scores_of_a_hand_built_file() -> None:
    # 财务纳税 by RULE_TABLE: tax paid 45,000 → bin [10,000, 100,000) 20 of 0–40; trend missing 10 of 0–20;
    # grade B (4) 30 of 0–40; arrears 500 → 0 of 0–40; defaults 0 → 30 of 0–30; max dpd 0 → 20 of 0–20.
    # (20 + 10 + 30 + 0 + 30 + 20) / (40 + 20 + 40 + 40 + 30 + 20) = 110 / 190 = 57.89 → 58
    values = {**CLEAN, "tax_paid_12m": 45_000.0, "tax_paid_trend": None, "tax_credit_grade": 4.0,
              "tax_arrears_amount": 500.0}
    portrait = build(values)
    finance = next(d for d in portrait.dimensions if d.dimension is Dimension.FINANCE_TAX)
    assert finance.score == 58
    assert finance.explanation.startswith("一般（58分）。触及准入规则：存在欠税。主要失分：欠税余额（500元）")
    first = portrait.suggestions[0]
    assert (first.feature, first.points_gained) == ("tax_arrears_amount", 40)
    assert "缴清" in first.text and "预计可提升约40分" in first.text and "由58升至79" in first.text


def test_immutable_features_are_never_suggested_however_bad() -> None:
    worst = {name: (1e9 if f.risk is Risk.HIGHER_IS_RISKIER else -1e9) for name, f in FEATURES.items()}
    suggested = {s.feature for s in build(worst).suggestions}
    assert suggested, "a file this bad has something to act on"
    assert suggested.isdisjoint(IMMUTABLE)
    assert suggested <= set(ACTIONS)
    assert set(ACTIONS).isdisjoint(IMMUTABLE) and set(ACTIONS) | IMMUTABLE == set(NAMES)


_value = st.one_of(st.none(), st.floats(min_value=-2, max_value=3_000_000, allow_nan=False))
_values = st.fixed_dictionaries({name: _value for name in NAMES})


@settings(max_examples=200, deadline=None)
@given(values=_values, name=st.sampled_from(NAMES), step=st.floats(min_value=0, max_value=3_000_000))
def test_improving_a_feature_never_lowers_its_dimension(values: dict[str, float | None], name: str,
                                                       step: float) -> None:
    feature = FEATURES[name]
    current = values[name]
    # Unknown is not a point on the feature's scale (no penalty ever is not "0 days since one"): only a known value
    # can be improved.
    assume(current is not None)
    assert current is not None
    better = current - step if feature.risk is Risk.HIGHER_IS_RISKIER else current + step
    before, after = _scores(build(values)), _scores(build({**values, name: better}))
    assert after[feature.dimension] is not None and before[feature.dimension] is not None
    assert after[feature.dimension] >= before[feature.dimension]  # type: ignore[operator]
    assert {d: s for d, s in after.items() if d is not feature.dimension} == {
        d: s for d, s in before.items() if d is not feature.dimension}


@settings(max_examples=200, deadline=None)
@given(values=_values)
def test_suggestions_are_ordered_by_gain_and_each_gain_is_what_the_move_earns(
        values: dict[str, float | None]) -> None:
    portrait = build(values)
    gains = [s.points_gained for s in portrait.suggestions]
    assert gains == sorted(gains, reverse=True)
    for s in portrait.suggestions:
        scale = RULE_SCALES[s.feature]
        assert s.points_gained > 0
        assert scale.points_of(s.target_value) - scale.points_of(values[s.feature]) == pytest.approx(s.points_gained)
        moved = _scores(build({**values, s.feature: s.target_value}))
        assert moved[s.dimension] == s.dimension_after >= s.dimension_before
        # The target lies the way the feature's risk says is better.
        if values[s.feature] is not None:
            if FEATURES[s.feature].risk is Risk.HIGHER_IS_RISKIER:
                assert s.target_value < values[s.feature]  # type: ignore[operator]
            else:
                assert s.target_value > values[s.feature]  # type: ignore[operator]


def _model_spec() -> dict[str, Any]:
    """A champion spec in the stored form; its tax-arrears bins run the wrong way (noise a model can learn)."""
    return {"features": [
        {"name": "tax_credit_grade", "kind": "numeric", "splits": [3.5, 4.5],
         "bins": [{"points": 20.0}, {"points": 45.0}, {"points": 60.0}], "missing": {"points": 30.0}},
        {"name": "tax_arrears_amount", "kind": "numeric", "splits": [100.0],
         "bins": [{"points": 40.0}, {"points": 50.0}], "missing": {"points": 45.0}},
        {"name": "penalties_12m", "kind": "numeric", "splits": [0.5],
         "bins": [{"points": 50.0}, {"points": 35.0}], "missing": {"points": 50.0}},
    ]}


def test_a_champion_spec_scores_the_dimensions_it_covers_and_rules_the_rest() -> None:
    values = {**CLEAN, "tax_credit_grade": 4.0, "tax_arrears_amount": 0.0, "penalties_12m": 2.0}
    portrait = build(values, model_spec=_model_spec(), model_version="model:2026.11")
    basis = {d.dimension: d.basis for d in portrait.dimensions}
    assert basis[Dimension.FINANCE_TAX] is basis[Dimension.COMPLIANCE] is Basis.MODEL
    assert basis[Dimension.JUDICIAL] is Basis.RULES
    scores = _scores(portrait)
    # Finance: grade B 45 of 20–60; arrears are the hard rule's, read by the rule table whatever the model's bins:
    # 0 → 40 of 0–40. (25 + 40) / (40 + 40) = 81.
    assert scores[Dimension.FINANCE_TAX] == 81
    # Compliance: two penalties, the lowest of 35–50 (0 of 15), and the hard rules' features at their best
    # (abnormal list 30, annual reports 20, serious dishonesty 40): 90 / 105.
    assert scores[Dimension.COMPLIANCE] == 86
    assert "冠军模型（model:2026.11）" in portrait.note and "按规则评估" in portrait.note
    # Grade B → A gains 15 of the model's points; more arrears would "gain" 10 but is never advised;
    # penalties already imposed are not actionable.
    assert [(s.feature, s.points_gained, s.basis) for s in portrait.suggestions] == [
        ("tax_credit_grade", 15.0, Basis.MODEL)]
    assert "提升至A级及以上" in portrait.suggestions[0].text


def test_withheld_features_leave_their_dimension_out() -> None:
    judicial = frozenset(f.name for f in CATALOGUE if f.dimension is Dimension.JUDICIAL)
    portrait = build({**CLEAN, "dishonest_debtor_open": 1.0}, withheld=judicial, suggest=False)
    [dimension] = [d for d in portrait.dimensions if d.dimension is Dimension.JUDICIAL]
    assert (dimension.score, dimension.basis, dimension.features) == (None, Basis.WITHHELD, ())
    assert "授权未涵盖" in dimension.explanation and portrait.suggestions == ()


def test_scale_bins_match_the_scorecards_searchsorted_right() -> None:
    scale = Scale.of(RULE_TABLE["features"][0])  # years_in_operation: splits 1, 3, 5, 10
    assert [scale.bin_of(v) for v in (0.5, 1.0, 2.99, 3.0, 10.0, None)] == [0, 1, 1, 2, 4, None]
    assert dimension_score({}, {}) is None


def test_a_feature_without_data_is_asked_for_not_remedied() -> None:
    values = {**CLEAN, "housing_fund_arrears_months_12m": None}
    [suggestion] = [s for s in build(values).suggestions if s.feature == "housing_fund_arrears_months_12m"]
    assert suggestion.text.startswith("补充“") and "暂无数据" in suggestion.text and "自主填报" in suggestion.text
    assert ACTIONS["housing_fund_arrears_months_12m"] not in suggestion.text


def test_tax_arrears_are_read_as_the_decision_reads_them_whatever_the_champion_kept() -> None:
    """A champion that did not keep (or learned odd bins for) tax arrears cannot make the portrait call the tax
    dimension perfect while the decision declines for arrears."""
    from decimal import Decimal

    from xinyidai.scoring import policy
    from xinyidai.scoring.preassessment import ProductBounds

    values = {**CLEAN, "tax_arrears_amount": 50.0}
    champions = [_model_spec(),  # arrears bins that reward small arrears
                 {"features": [e for e in _model_spec()["features"] if e["name"] != "tax_arrears_amount"]}]
    for spec in champions:
        spec["features"][0]["bins"][-1]["points"] = 60.0  # grade A: the model's best bin
        portrait = build(values, model_spec=spec, model_version="model:2026.11")
        [tax] = [d for d in portrait.dimensions if d.dimension is Dimension.FINANCE_TAX]
        assert tax.basis is Basis.MODEL
        assert "最好档" not in tax.explanation
        assert "存在欠税" in tax.explanation and "欠税余额" in tax.explanation
        assert tax.score is not None and tax.score < 100
        assert any(s.feature == "tax_arrears_amount" and "缴清" in s.text for s in portrait.suggestions)
    bounds = ProductBounds(min_rate=Decimal("0.0385"), max_rate=Decimal("0.06"), max_line_fen=10**9,
                           min_amount_fen=10**6)
    decided = policy.decide(values, 0.01, (), bounds)
    assert decided.outcome is policy.Outcome.DECLINE
    assert any("欠税" in r.text for r in decided.reasons)
    assert policy.remedies(decided.reasons) == ["尽快缴清欠缴的税款"]


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@settings(max_examples=100, deadline=None)
@given(values=_values)
def test_every_explanation_suggestion_and_note_is_said_in_english_too(values: dict[str, float | None]) -> None:
    for portrait in (build(values), build(values, withheld=frozenset({"tax_paid_12m", "tax_paid_trend",
                                                                      "tax_credit_grade", "tax_arrears_amount",
                                                                      "self_reported_revenue_ratio"}))):
        said = [portrait.note_en, *(d.explanation_en for d in portrait.dimensions),
                *(s.text_en for s in portrait.suggestions)]
        assert all(said) and not [text for text in said if _CJK.search(text)]


def test_the_english_explanation_names_the_broken_rule_and_the_figures() -> None:
    portrait = build({**CLEAN, "tax_arrears_amount": 3_500.0, "penalties_12m": 1.0})
    finance = next(d for d in portrait.dimensions if d.dimension is Dimension.FINANCE_TAX)
    assert "触及准入规则：存在欠税" in finance.explanation
    assert "Breaks an admission rule: Tax arrears." in finance.explanation_en
    assert "Tax arrears (3,500 yuan)" in finance.explanation_en
    compliance = next(d for d in portrait.dimensions if d.dimension is Dimension.COMPLIANCE)
    assert "Administrative penalties (12 months) (1 time)" in compliance.explanation_en
    arrears = next(s for s in portrait.suggestions if s.feature == "tax_arrears_amount")
    assert arrears.text.startswith("尽快缴清欠缴的税款：使“欠税余额”降为0（结清）")
    assert arrears.text_en.startswith("Pay the tax in arrears as soon as possible: get “Tax arrears” to 0 (settled)")
    assert f"from {arrears.dimension_before} to {arrears.dimension_after}." in arrears.text_en
