"""Smart matching: eligible products ranked by the expected outcome for the firm, ineligible ones apart with their
reasons; the estimates follow the scoring policy inside each product's bounds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyidai.products import eligibility, matching
from xinyidai.products.eligibility import FirmProfile
from xinyidai.products.matching import Candidate, Evaluation
from xinyidai.scoring.policy import line_for, rate_for_pd
from xinyidai.scoring.preassessment import ProductBounds

CEILING = Decimal("0.12")
FIRM = FirmProfile(entity_kind="family_farm", industry_code="A0141", area_code="500108001", area_name="南坪街道",
                   registration_date=date(2019, 3, 1), as_of=date(2026, 12, 5), credit_grade="B",
                   planted_mu={"花椒": Decimal("30")})
GOOD = Evaluation(score=720, grade="B", pd=0.03, scale_line_fen=500_000_00)


def candidate(product_id: int, **kw: Any) -> Candidate:
    data: dict[str, Any] = dict(product_id=product_id, name=f"产品{product_id}", min_rate=Decimal("0.035"),
                                max_rate=Decimal("0.08"), fee_rate=Decimal("0"), min_amount_fen=1_000_000,
                                max_line_fen=100_000_000)
    data.update(kw)
    if "rules" in data:
        data["rules"] = tuple(eligibility.parse_all(data["rules"]))
    return Candidate(**data)


def test_a_cheaper_product_ranks_higher_all_else_equal() -> None:
    dear, cheap = candidate(1, min_rate=Decimal("0.05"), max_rate=Decimal("0.10")), candidate(2)
    outcome = matching.rank(GOOD, [dear, cheap], FIRM, ceiling=CEILING)
    assert [r.candidate.product_id for r in outcome.eligible] == [2, 1]
    first = outcome.eligible[0].reasons[0]
    assert first.zh.startswith("第1名") and "综合预期收益最高" in first.zh
    assert first.en.startswith("No. 1:") and "the highest expected value" in first.en
    assert "成本高于上一名“产品2”" in outcome.eligible[1].reasons[0].zh
    assert "a higher cost than “产品2” above" in outcome.eligible[1].reasons[0].en


def test_a_larger_line_and_a_surer_approval_rank_higher() -> None:
    small, large = candidate(1, max_line_fen=10_000_000), candidate(2)
    ranked = matching.rank(GOOD, [small, large], FIRM, ceiling=CEILING).eligible
    assert [r.candidate.product_id for r in ranked] == [2, 1]
    strict = candidate(3, rules=[{"field": "credit_grade", "op": ">=", "value": "B"}])  # the firm just meets it
    loose = candidate(4, rules=[{"field": "credit_grade", "op": ">=", "value": "D"}])
    ranked = matching.rank(GOOD, [strict, loose], FIRM, ceiling=CEILING).eligible
    assert [r.candidate.product_id for r in ranked] == [4, 3]
    assert ranked[1].approval_probability < ranked[0].approval_probability
    assert any("刚达到产品要求的B级" in reason.zh for reason in ranked[1].reasons)
    assert any("just meets the product's minimum B" in reason.en for reason in ranked[1].reasons)


def test_an_ineligible_product_is_never_among_the_eligible_and_says_why() -> None:
    # The best product by far, but only for chain members who have been in business 10 years.
    closed = candidate(1, min_rate=Decimal("0.02"), max_rate=Decimal("0.02"), max_line_fen=500_000_000,
                       rules=[{"field": "years_in_business", "op": ">=", "value": 10},
                              {"field": "chain_member", "op": "==", "value": True}])
    outcome = matching.rank(GOOD, [closed, candidate(2)], FIRM, ceiling=CEILING)
    assert [r.candidate.product_id for r in outcome.eligible] == [2]
    assert [(e.candidate.product_id, [f.text for f in e.failures]) for e in outcome.ineligible] == [
        (1, ["成立不满10年", "仅限产业链信用共同体成员申请"])]


def test_estimates_follow_the_scoring_policy_inside_the_bounds() -> None:
    product = candidate(1, min_rate=Decimal("0.04"), max_rate=Decimal("0.06"), max_line_fen=30_500_000)
    ranked = matching.rank(GOOD, [product], FIRM, ceiling=CEILING).eligible[0]
    bounds = ProductBounds(min_rate=Decimal("0.04"), max_rate=Decimal("0.06"), max_line_fen=30_500_000,
                           min_amount_fen=1_000_000)
    assert ranked.estimated_rate == rate_for_pd(0.03, bounds)
    assert ranked.estimated_line_fen == 30_000_000  # the firm's 50万 capped by the product's 30.5万, in whole 万元
    assert ranked.estimated_line_fen == line_for({"social_insurance_headcount": 1000}, 0.03, bounds)
    fixed = candidate(2, min_rate=Decimal("0.0345"), max_rate=Decimal("0.0345"), rate_mode="fixed")
    assert matching.rank(GOOD, [fixed], FIRM, ceiling=CEILING).eligible[0].estimated_rate == Decimal("0.0345")


def test_a_per_mu_line_follows_the_planted_area_capped() -> None:
    huajiao = candidate(1, line_rule={"kind": "per_mu", "crop": "花椒", "amount_per_mu_fen": 300_000},
                        max_line_fen=50_000_000, min_amount_fen=500_000)
    ranked = matching.rank(GOOD, [huajiao], FIRM, ceiling=CEILING).eligible[0]
    assert ranked.estimated_line_fen == 30 * 300_000  # 30 亩 × 3,000 元
    assert any("按花椒种植面积30亩×每亩3000元核定" in r.zh for r in ranked.reasons)
    assert any("30 mu × 3,000 yuan a mu" in r.en for r in ranked.reasons)
    big = replace(FIRM, planted_mu={"花椒": Decimal("400")})
    assert matching.rank(GOOD, [huajiao], big, ceiling=CEILING).eligible[0].estimated_line_fen == 50_000_000


def test_the_credit_policy_decline_and_remediation_lower_the_chance() -> None:
    product = candidate(1)
    base = matching.rank(GOOD, [product], FIRM, ceiling=CEILING).eligible[0].approval_probability
    remediate = replace(GOOD, outcome="remediate", broken_rules=("年报逾期或未报送，补报后可重新申请",))
    declined = replace(GOOD, outcome="decline", scale_line_fen=0, broken_rules=("存在欠税",))
    later = matching.rank(remediate, [product], FIRM, ceiling=CEILING).eligible[0]
    refused = matching.rank(declined, [product], FIRM, ceiling=CEILING).eligible[0]
    assert refused.approval_probability < later.approval_probability < base
    assert refused.estimated_line_fen == 0 and refused.expected_value_fen == 0
    assert any("存在欠税" in r.zh for r in refused.reasons)
    assert not any(any("\u4e00" <= c <= "\u9fff" for c in r.en.replace("产品", "")) for r in refused.reasons)


def test_a_rule_based_evaluation_without_pd_ranks_too() -> None:
    rules_only = Evaluation(score=690, grade="B", pd=None, scale_line_fen=200_000_00)
    ranked = matching.rank(rules_only, [candidate(1), candidate(2, min_rate=Decimal("0.05"))], FIRM,
                           ceiling=CEILING).eligible
    assert [r.candidate.product_id for r in ranked] == [1, 2]


products = st.builds(
    lambda i, low, spread, line, fee, years: candidate(
        i, min_rate=Decimal(low) / 10_000, max_rate=Decimal(low + spread) / 10_000, max_line_fen=line * 1_000_000,
        fee_rate=Decimal(fee) / 10_000, rules=[{"field": "years_in_business", "op": ">=", "value": years}]),
    st.integers(1, 10_000), st.integers(300, 700), st.integers(0, 300), st.integers(1, 500), st.integers(0, 150),
    st.integers(0, 12))


@settings(max_examples=150, deadline=None)
@given(shelf=st.lists(products, max_size=25, unique_by=lambda c: c.product_id),
       pd=st.floats(0, 0.3), scale=st.integers(0, 1_000))
def test_every_product_is_placed_once_and_the_eligible_are_in_expected_value_order(
        shelf: list[Candidate], pd: float, scale: int) -> None:
    evaluation = Evaluation(score=650, grade="B", pd=pd, scale_line_fen=scale * 1_000_000)
    outcome = matching.rank(evaluation, shelf, FIRM, ceiling=CEILING)
    eligible_ids = [r.candidate.product_id for r in outcome.eligible]
    ineligible_ids = [e.candidate.product_id for e in outcome.ineligible]
    assert sorted(eligible_ids + ineligible_ids) == sorted(c.product_id for c in shelf)
    assert all(not eligibility.evaluate(r.candidate.rules, FIRM) for r in outcome.eligible)
    assert all(e.failures for e in outcome.ineligible)
    values = [r.expected_value_fen for r in outcome.eligible]
    assert values == sorted(values, reverse=True)
    assert [r.rank for r in outcome.eligible] == list(range(1, len(eligible_ids) + 1))
    for ranked in outcome.eligible:
        assert ranked.candidate.min_rate <= ranked.estimated_rate <= ranked.candidate.max_rate
        assert 0 <= ranked.approval_probability <= matching.MAX_PROBABILITY
