"""The policy simulator's projection: its columns equal the live policy's scalar rules (one rule in one place), its
sums are worked out by hand on a small population, and moving the policy moves the projections the way a person
expects (hypothesis)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyidai.reporting.simulator import projection
from xinyidai.reporting.simulator.projection import POPULATION_SCHEMA, Policy
from xinyidai.scoring import policy as credit_policy

LIVE = Policy(min_rate=Decimal("0.035"), max_rate=Decimal("0.08"), max_line_fen=1_000_000_00, min_amount_fen=10_000_00,
              guarantee_fee_rate=Decimal("0.012"), guarantee_share=Decimal("0.8"), bank_share=Decimal("0.2"))

pds = st.floats(min_value=0, max_value=1, allow_nan=False)
taxes = st.one_of(st.none(), st.integers(min_value=0, max_value=5_000_000_00).map(lambda fen: fen / 100))
heads = st.one_of(st.none(), st.integers(min_value=0, max_value=2000))


@settings(max_examples=300, deadline=None)
@given(st.lists(pds, min_size=1, max_size=40),
       st.sampled_from([("0.035", "0.08"), ("0.0301", "0.1199"), ("0.04", "0.04"), ("0.02", "0.24")]))
def test_the_rate_column_is_the_live_rule(values: list[float], band: tuple[str, str]) -> None:
    policy = dataclasses.replace(LIVE, min_rate=Decimal(band[0]), max_rate=Decimal(band[1]))
    got = projection.rates_micro(np.array(values), policy)
    assert [Decimal(int(r)) / 1_000_000 for r in got] == [credit_policy.rate_for_pd(v, policy.bounds) for v in values]


def test_half_steps_are_rounded_as_the_decimal_rule_rounds_them() -> None:
    # 3.5% + f × 4.5% lands on a half step of 0.05% (3.525%, 3.775%, 4.075%, …) at f = (k + ½) × 0.05% / 4.5%,
    # PD = 0.01 + 0.14 × f; at k = 5 and 11 float arithmetic alone rounds up where the Decimal rule rounds down.
    values = [0.01 + 0.14 * ((k + 0.5) * 0.0005 / 0.045) + d for k in range(90) for d in (-1e-12, 0.0, 1e-12)]
    got = projection.rates_micro(np.array(values), LIVE)
    assert [Decimal(int(r)) / 1_000_000 for r in got] == [credit_policy.rate_for_pd(v, LIVE.bounds) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(pds, taxes, heads), min_size=1, max_size=40))
def test_the_grade_and_line_columns_are_the_live_rules(rows: list[tuple[float, float | None, int | None]]) -> None:
    pd_col = np.array([r[0] for r in rows])
    tax = np.array([np.nan if r[1] is None else r[1] for r in rows])
    head = np.array([0 if r[2] is None else r[2] for r in rows])
    grades = projection.grade_index(pd_col, LIVE)
    lines = projection.lines_fen(projection.scale_fen(tax, head, LIVE), grades, LIVE)
    for (pd, t, h), grade, line in zip(rows, grades.tolist(), lines.tolist(), strict=True):
        features = {"tax_paid_12m": t, "social_insurance_headcount": h}
        assert LIVE.grades[grade].name == credit_policy.grade_for_pd(pd)[0]
        assert line == credit_policy.line_for(features, pd, LIVE.bounds)


def _population(rows: list[tuple[float, str, float | None, int | None, str, str]]) -> pl.DataFrame:
    return pl.DataFrame([(i + 1, *r) for i, r in enumerate(rows)], schema=POPULATION_SCHEMA, orient="row")


def test_sums_by_hand() -> None:
    population = _population([
        # PD 1% → 3.5%, grade A; tax 10,000 yuan → revenue 1,000,000, a fifth 200,000 yuan = 20万 line.
        (0.01, "approve", 10_000.0, None, "甲街道", "零售业"),
        # PD 15% → 8%, grade D (× 0.4); 5 insured × 30,000 = 150,000 × 0.4 = 60,000 yuan → 6万.
        (0.15, "approve", None, 5, "甲街道", "餐饮业"),
        (0.03, "decline", 50_000.0, 3, "乙镇", "零售业"),  # a hard rule: never passes
        (None, "failed", None, None, "乙镇", "零售业"),  # not scored
    ])
    summary = projection.summarise(projection.project(population, LIVE), min_group=1)
    total = summary["total"]
    assert (total["entities"], total["scored"], total["passed"]) == (4, 3, 2)
    assert total["pass_rate"] == round(2 / 3, 6)
    assert total["amount_fen"] == 260_000_00
    assert total["mean_rate"] == 0.0575  # (3.5% + 8%) / 2
    assert total["weighted_rate"] == round((0.035 * 200_000 + 0.08 * 60_000) / 260_000, 6)
    assert total["expected_defaults"] == 0.16
    loss = 0.6 * (0.01 * 200_000_00 + 0.15 * 60_000_00)  # 0.6 × (2,000 + 9,000) yuan = 6,600 yuan
    assert total["expected_loss_fen"] == round(loss) == 660_000
    assert (total["guarantee_loss_fen"], total["bank_loss_fen"]) == (528_000, 132_000)
    assert total["fee_fen"] == 312_000  # 1.2% of 260,000 yuan
    assert summary["area"]["乙镇"]["passed"] == 0 and summary["area"]["甲街道"]["passed"] == 2
    assert summary["industry"]["零售业"]["amount_fen"] == 200_000_00


def test_small_groups_are_pooled_and_a_pool_too_small_is_left_out() -> None:
    rows = ([(0.01, "approve", 10_000.0, None, "甲街道", "零售业")] * 6
            + [(0.02, "approve", 20_000.0, None, "乙镇", "餐饮业")] * 3
            + [(0.03, "approve", 30_000.0, None, "丙镇", "餐饮业")] * 2)
    summary = projection.summarise(projection.project(_population(rows), LIVE))
    assert set(summary["area"]) == {"甲街道", projection.OTHER}  # 乙镇 (3) and 丙镇 (2) pooled: 5
    assert summary["area"][projection.OTHER]["passed"] == 5
    assert set(summary["industry"]) == {"零售业", "餐饮业"}
    lone = projection.summarise(projection.project(_population(rows[:9]), LIVE))
    assert set(lone["area"]) == {"甲街道"}  # 乙镇's 3 alone would tell too much: left out
    assert lone["total"]["passed"] == 9  # and still counted in the total


def test_eligibility_thresholds_exclude() -> None:
    population = _population([(0.01, "approve", 10_000.0, None, "甲", "零售业"),
                              (0.12, "approve", 1_000.0, 2, "甲", "零售业")])
    strict = dataclasses.replace(LIVE, max_pd=0.1)
    assert projection.summarise(projection.project(population, strict))["total"]["passed"] == 1
    taxed = dataclasses.replace(LIVE, min_tax_paid_yuan=Decimal("5000"))
    assert projection.summarise(projection.project(population, taxed))["total"]["passed"] == 1


def test_bad_policies_are_described() -> None:
    ceiling = Decimal("0.12")
    assert projection.problems_with(LIVE, rate_ceiling=ceiling) == []
    bad = dataclasses.replace(LIVE, min_rate=Decimal("0.09"), bank_share=Decimal("0.3"))
    assert projection.problems_with(bad, rate_ceiling=ceiling) == ["最低利率不能高于最高利率",
                                                                   "担保方与银行的分担比例合计须为100%，现为110%"]
    assert projection.problems_with(dataclasses.replace(LIVE, max_rate=Decimal("0.15")), rate_ceiling=ceiling)


def test_a_policy_reads_back_from_its_json() -> None:
    policy = dataclasses.replace(LIVE, max_pd=0.2, min_tax_paid_yuan=Decimal("100.5"))
    assert Policy.from_json(policy.as_json()) == policy


# Directions ------------------------------------------------------------------------------------------------------

entities = st.lists(st.tuples(pds, st.sampled_from(["approve", "approve", "remediate", "decline"]), taxes, heads,
                              st.sampled_from(["甲", "乙"]), st.sampled_from(["零售业", "制造业"])),
                    min_size=1, max_size=60)
shares = st.integers(min_value=0, max_value=100).map(lambda p: Decimal(p) / 100)


def _split(bank: Decimal) -> Policy:
    return dataclasses.replace(LIVE, bank_share=bank, guarantee_share=1 - bank)


@settings(max_examples=150, deadline=None)
@given(entities, shares, shares)
def test_a_larger_bank_share_moves_loss_from_the_fund_to_the_bank(rows: list, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    population = _population(rows)
    before = projection.summarise(projection.project(population, _split(low)))["total"]
    after = projection.summarise(projection.project(population, _split(high)))["total"]
    assert after["bank_loss_fen"] >= before["bank_loss_fen"]
    assert after["guarantee_loss_fen"] <= before["guarantee_loss_fen"]
    # Who bears the loss changes; how many pass, how much and at what price does not.
    for key in ("passed", "amount_fen", "mean_rate", "expected_loss_fen", "fee_fen"):
        assert after[key] == before[key]


@settings(max_examples=150, deadline=None)
@given(entities, st.integers(min_value=1, max_value=300), st.integers(min_value=1, max_value=300))
def test_a_lower_cap_finances_no_more_and_loses_no_more(rows: list, a: int, b: int) -> None:
    low, high = sorted((a, b))
    population = _population(rows)
    caps = [dataclasses.replace(LIVE, max_line_fen=wan * 10_000_00, min_amount_fen=min(LIVE.min_amount_fen,
                                                                                         wan * 10_000_00))
            for wan in (low, high)]
    lower, higher = (projection.project(population, cap) for cap in caps)
    assert (lower["line_fen"] <= higher["line_fen"]).all()
    s_low, s_high = (projection.summarise(p)["total"] for p in (lower, higher))
    assert s_low["amount_fen"] <= s_high["amount_fen"]
    assert s_low["expected_loss_fen"] <= s_high["expected_loss_fen"]
    assert s_low["fee_fen"] <= s_high["fee_fen"]
    assert s_low["passed"] == s_high["passed"]  # the cap limits the line, not who passes


@settings(max_examples=100, deadline=None)
@given(entities, st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_a_stricter_pd_threshold_passes_no_more(rows: list, a: float, b: float) -> None:
    low, high = sorted((a, b))
    population = _population(rows)
    strict, loose = (projection.summarise(projection.project(population, dataclasses.replace(LIVE, max_pd=t)))["total"]
                     for t in (low, high))
    assert strict["passed"] <= loose["passed"] and strict["amount_fen"] <= loose["amount_fen"]
    assert strict["expected_defaults"] <= loose["expected_defaults"] + 1e-9


@settings(max_examples=100, deadline=None)
@given(entities, st.integers(min_value=100, max_value=600), st.integers(min_value=0, max_value=300))
def test_a_higher_band_never_lowers_a_rate(rows: list, min_bp: int, width_bp: int) -> None:
    population = _population(rows)
    base = dataclasses.replace(LIVE, min_rate=Decimal(min_bp) / 10_000, max_rate=Decimal(min_bp + width_bp) / 10_000)
    raised = dataclasses.replace(base, min_rate=base.min_rate + Decimal("0.005"), max_rate=base.max_rate
                                 + Decimal("0.005"))
    before, after = projection.project(population, base), projection.project(population, raised)
    assert (after["rate_micro"] >= before["rate_micro"]).all()
