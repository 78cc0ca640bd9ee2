"""The credit portrait (信用画像): a 0–100 score per dimension with a short explanation, and what would raise it.

Pure: the entity's features (as `scoring.features` computes them) and a points table in; the portrait out.

The points table has the shape of the champion scorecard's JSON spec (`scoring.modelling.scorecard`): per feature
the bin splits (a value v falls in bin `bisect_right(splits, v)`, as `scorecard.points` does), each bin's points
and the points of a missing value. When a champion exists its spec is used, so the portrait agrees with the score
the bank sees. A dimension none of whose features the champion kept, and every dimension while there is no
champion, is scored with `RULE_TABLE` instead, and the portrait says so (`Basis.RULES`).

The features the credit policy's hard rules decide on (`scoring.policy.HARD_RULES`: tax arrears, the abnormal
operations list, dishonesty, late annual reports) are one fact read one way: every dimension scores them with their
`RULE_TABLE` entry (any positive value costs the whole feature, as the rule declines), whether or not the champion
kept them and whatever bins it learned, and a dimension whose rule is broken says so in the policy's words. So the
portrait can never call a dimension "at its best" while the decision declines for a fact in it.

A dimension's score is the share of the points its features could differ by that the entity earns:

    score = 100 × Σ (points_f − min_f) ÷ Σ (max_f − min_f)   over the dimension's features in the table,

with min_f and max_f over the feature's bins and its missing value. Moving one feature to a bin worth more points
therefore never lowers its dimension, and the dimensions need no weights of their own.

Suggestions (提升建议) are made only for features the entity can act on (`ACTIONS`); facts of the past (years in
operation, penalties already imposed, defaults) and structural ones (registered capital) are never suggested. For
each actionable feature the target is the bin worth the most points among those lying in the direction the
feature's risk says is better (so a model that learned an odd trend from noise never advises more tax arrears),
and the gain is that bin's points less the current points. Suggestions are ordered by gain, largest first.

`RULE_TABLE` is the documented rule-based fallback: hand-set cut-offs in the units of the feature catalogue, from
the hard rules of `scoring.policy` (any open dishonesty, arrears or abnormal listing costs the whole feature) and
common practice of 信易贷 platforms (years of operation, continuity of social insurance, tax credit grade). Its
points are on the scale of a scorecard's attribute points (up to 40 a feature), so gains read alike either way.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from xinyidai.scoring.features import (
    CATALOGUE,
    DIMENSION_LABELS,
    DIMENSION_LABELS_EN,
    LABELS_EN,
    TAX_GRADE_ORDINAL,
    UNITS_EN,
    Dimension,
    Feature,
    Risk,
)
from xinyidai.scoring.policy import HARD_RULES, RULE_OF_FEATURE

FEATURES: dict[str, Feature] = {f.name: f for f in CATALOGUE}
GRADE_LETTERS = {ordinal: letter for letter, ordinal in TAX_GRADE_ORDINAL.items()}
COUNT_UNITS = frozenset({"次", "月", "件", "条", "年", "人", "天"})
BINARY_UNIT = "是=1/否=0"
EPSILON = 1e-9


class Basis(StrEnum):
    """What a dimension was scored with."""

    MODEL = "model"  # the champion scorecard's bins and points
    RULES = "rules"  # RULE_TABLE
    WITHHELD = "withheld"  # the reader's authorisation covers none of the dimension's information


BASIS_LABELS = {Basis.MODEL: "冠军模型评分卡", Basis.RULES: "规则评估（未启用冠军模型或模型未采用该维度特征）",
                Basis.WITHHELD: "授权未涵盖"}

# What the entity can do about a feature, in plain Chinese. A feature not named here is never suggested.
# The remedies of the hard rules are the policy's own, so the decision and the portrait advise alike.
ACTIONS: dict[str, str] = {
    **{rule.feature: rule.remedy for rule in HARD_RULES},
    "enforcement_cases_open": "履行判决或与申请执行人达成和解，了结被执行案件",
    "tax_credit_grade": "按期申报、足额缴税，争取更高的纳税信用等级",
    "tax_paid_12m": "如实申报收入、依法足额纳税",
    "utility_overdue_amount": "结清水、电、气欠费",
    "utility_arrears_months_12m": "按期缴纳水、电、气费用，避免再次欠费",
    "social_insurance_headcount": "依法为全部员工参加社会保险",
    "social_insurance_continuous_months": "保持按月连续缴纳社会保险",
    "social_insurance_arrears_months_12m": "补缴社会保险欠费，此后按月足额缴纳",
    "housing_fund_arrears_months_12m": "补缴住房公积金，此后按月足额缴存",
    "self_reported_revenue_ratio": "按实际经营情况更新自主填报的营业收入",
    "self_reported_employees_ratio": "按实际用工情况更新自主填报的从业人数",
}
# The same in English, for the portal's English mode.
ACTIONS_EN: dict[str, str] = {
    **{rule.feature: rule.remedy_en for rule in HARD_RULES},
    "enforcement_cases_open": "Comply with the judgments or settle with the applicants to close the enforcement cases",
    "tax_credit_grade": "File returns on time and pay taxes in full to earn a better tax credit grade",
    "tax_paid_12m": "Declare revenue truthfully and pay taxes in full as the law requires",
    "utility_overdue_amount": "Settle the water, power and gas arrears",
    "utility_arrears_months_12m": "Pay water, power and gas bills on time to avoid new arrears",
    "social_insurance_headcount": "Enrol every employee in social insurance as the law requires",
    "social_insurance_continuous_months": "Keep paying social insurance every month without a break",
    "social_insurance_arrears_months_12m": "Pay the social insurance arrears, then pay in full every month",
    "housing_fund_arrears_months_12m": "Pay the housing fund arrears, then pay in full every month",
    "self_reported_revenue_ratio": "Update the self-reported revenue to the business's actual figures",
    "self_reported_employees_ratio": "Update the self-reported number of employees to the actual workforce",
}
NOTE_NO_CHAMPION_EN = "No champion model is in use yet: the portrait is scored by the rules. "


def _rule(name: str, splits: Sequence[float], points: Sequence[float], missing: float) -> dict[str, Any]:
    return {"name": name, "kind": "numeric", "splits": [float(s) for s in splits],
            "bins": [{"points": float(p)} for p in points], "missing": {"points": float(missing)}}


# The rule-based fallback: (feature, splits, points of each bin from the lowest values up, points when missing).
RULE_TABLE: dict[str, Any] = {"features": [
    # 身份稳定
    _rule("years_in_operation", [1, 3, 5, 10], [0, 10, 18, 24, 30], 0),
    _rule("registered_capital", [100_000, 1_000_000, 5_000_000], [5, 10, 15, 20], 5),
    _rule("deregistered", [0.5], [40, 0], 20),
    _rule("equity_changes_36m", [2.5, 5.5], [20, 10, 0], 20),
    # 经营状况
    _rule("social_insurance_headcount", [1, 5, 20, 50], [0, 10, 18, 24, 30], 0),
    _rule("utility_overdue_amount", [0.005, 1_000, 10_000], [30, 18, 8, 0], 15),
    _rule("utility_arrears_months_12m", [0.5, 2.5, 5.5], [30, 20, 8, 0], 15),
    # 社会责任
    _rule("social_insurance_continuous_months", [1, 6, 12, 36], [0, 8, 16, 24, 30], 0),
    _rule("social_insurance_arrears_months_12m", [0.5, 2.5], [30, 12, 0], 10),
    _rule("housing_fund_arrears_months_12m", [0.5, 2.5], [20, 8, 0], 10),
    # 财务纳税
    _rule("tax_paid_12m", [1, 10_000, 100_000, 1_000_000], [0, 10, 20, 30, 40], 0),
    _rule("tax_paid_trend", [-0.3, -0.05, 0.1], [0, 8, 14, 20], 10),
    _rule("tax_credit_grade", [1.5, 2.5, 3.5, 4.5], [0, 8, 16, 30, 40], 12),
    _rule("tax_arrears_amount", [0.005], [40, 0], 40),
    _rule("financing_defaults", [0.5, 1.5], [30, 10, 0], 30),
    _rule("financing_max_days_past_due", [0.5, 30.5, 90.5], [20, 12, 5, 0], 20),
    # 合规守信
    _rule("annual_report_years_late", [0.5, 1.5], [20, 8, 0], 20),
    _rule("abnormal_listings_36m", [0.5, 1.5], [15, 6, 0], 15),
    _rule("abnormal_listed_now", [0.5], [30, 0], 30),
    _rule("penalties_12m", [0.5, 1.5, 3.5], [15, 8, 3, 0], 15),
    _rule("penalties_36m", [0.5, 2.5], [10, 5, 0], 10),
    _rule("serious_penalties_36m", [0.5], [20, 0], 20),
    _rule("days_since_last_penalty", [180, 365, 1095], [0, 3, 6, 10], 10),
    _rule("admin_enforcements_36m", [0.5, 1.5], [10, 4, 0], 10),
    _rule("serious_dishonesty_listed_now", [0.5], [40, 0], 40),
    _rule("broken_commitments", [0.5, 1.5], [15, 5, 0], 15),
    _rule("self_reported_revenue_ratio", [1.5, 3, 5], [10, 6, 2, 0], 5),
    _rule("self_reported_employees_ratio", [1.5, 3], [10, 4, 0], 5),
    # 司法涉诉
    _rule("dishonest_debtor_open", [0.5], [40, 0], 40),
    _rule("enforcement_cases_open", [0.5, 1.5, 3.5], [30, 15, 5, 0], 30),
    _rule("restricted_consumption_orders", [0.5], [20, 0], 20),
    _rule("judgments_as_defendant_36m", [0.5, 2.5, 5.5], [20, 12, 5, 0], 20),
]}


# Points of one feature ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scale:
    """One feature's bins as a points table: what `scorecard.points` reads from a spec entry."""

    name: str
    splits: tuple[float, ...]
    points: tuple[float, ...]
    missing: float

    @classmethod
    def of(cls, entry: Mapping[str, Any]) -> Scale:
        """The scale of one spec entry (a numeric feature of a scorecard spec or of RULE_TABLE)."""
        return cls(name=str(entry["name"]), splits=tuple(float(s) for s in entry["splits"]),
                   points=tuple(float(b["points"]) for b in entry["bins"]), missing=float(entry["missing"]["points"]))

    def bin_of(self, value: float | None) -> int | None:
        """The bin a value falls in (None: missing)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return bisect_right(self.splits, float(value))

    def points_of(self, value: float | None) -> float:
        """The points a value earns."""
        index = self.bin_of(value)
        return self.missing if index is None else self.points[index]

    @property
    def lowest(self) -> float:
        """The fewest points the feature can give."""
        return min((*self.points, self.missing))

    @property
    def highest(self) -> float:
        """The most points the feature can give."""
        return max((*self.points, self.missing))

    def bounds(self, index: int) -> tuple[float | None, float | None]:
        """The bin's values: from `low` (inclusive, None: unbounded) to `high` (exclusive, None: unbounded)."""
        low = self.splits[index - 1] if index > 0 else None
        high = self.splits[index] if index < len(self.splits) else None
        return low, high

    def representative(self, index: int, feature: Feature | None = None) -> float:
        """A value inside the bin, the nearest whole number for counts when one fits."""
        low, high = self.bounds(index)
        whole = feature is not None and (feature.unit in COUNT_UNITS or feature.unit == BINARY_UNIT
                                         or feature.name == "tax_credit_grade")
        if low is None:
            assert high is not None
            value = 0.0 if high > 0 else high - 1
            return value
        if whole and (high is None or math.ceil(low) < high):
            return float(math.ceil(low))
        return low


def scales(spec: Mapping[str, Any]) -> dict[str, Scale]:
    """The numeric features of a spec (scorecard or RULE_TABLE) as scales, by feature name."""
    return {str(e["name"]): Scale.of(e) for e in spec.get("features", ())
            if e.get("kind", "numeric") == "numeric" and "splits" in e and str(e["name"]) in FEATURES}


RULE_SCALES = scales(RULE_TABLE)


# Wording -----------------------------------------------------------------------------------------------------


def _amount(yuan: float) -> str:
    return f"{yuan / 10_000:,.2f}万元" if abs(yuan) >= 10_000 else f"{yuan:,.0f}元"


def describe(feature: Feature, value: float | None) -> str:
    """A feature's value as a person reads it."""
    if value is None:
        return "暂无数据"
    if feature.unit == BINARY_UNIT:
        return "是" if value >= 0.5 else "否"
    if feature.name == "tax_credit_grade":
        return f"{GRADE_LETTERS.get(round(value), '—')}级"
    if feature.unit == "元":
        return _amount(value)
    if feature.unit == "比率":
        return f"{value:+.0%}"
    if feature.unit == "倍":
        return f"{value:.2f}倍"
    return f"{value:g}{feature.unit}"


def _whole(value: float) -> str:
    return f"{value:g}"


def _amount_en(yuan: float) -> str:
    return f"{yuan:,.0f} yuan"


def _unit_en(feature: Feature, count: float | None = None) -> str:
    unit = UNITS_EN.get(feature.unit, "")
    if count == 1:
        unit = _SINGULAR_EN.get(unit, unit)
    return f" {unit}" if unit else ""


_SINGULAR_EN = {"years": "year", "times": "time", "months": "month", "cases": "case", "entries": "entry",
                "people": "person", "days": "day"}


def describe_en(feature: Feature, value: float | None) -> str:
    """`describe` in English."""
    if value is None:
        return "no data"
    if feature.unit == BINARY_UNIT:
        return "yes" if value >= 0.5 else "no"
    if feature.name == "tax_credit_grade":
        return f"grade {GRADE_LETTERS.get(round(value), '—')}"
    if feature.unit == "元":
        return _amount_en(value)
    if feature.unit == "比率":
        return f"{value:+.0%}"
    if feature.unit == "倍":
        return f"{value:.2f} times"
    return f"{value:g}{_unit_en(feature, value)}"


def target_phrase_en(feature: Feature, scale: Scale, index: int) -> str:
    """`target_phrase` in English ("to 0 times", "to grade B or better")."""
    low, high = scale.bounds(index)
    if feature.unit == BINARY_UNIT:
        return "from “yes” to “no”" if feature.risk is Risk.HIGHER_IS_RISKIER else "from “no” to “yes”"
    unit = _unit_en(feature)
    if feature.risk is Risk.HIGHER_IS_RISKIER:
        assert high is not None
        if feature.unit in COUNT_UNITS:
            most = math.ceil(high) - 1
            return f"to 0{unit}" if most <= 0 else f"to at most {most}{_unit_en(feature, most)}"
        if feature.unit == "元":
            return "to 0 (settled)" if high <= 1 else f"below {_amount_en(high)}"
        return f"below {_whole(round(high, 2))}{unit}"
    assert low is not None
    if feature.name == "tax_credit_grade":
        return f"to grade {GRADE_LETTERS.get(math.ceil(low), '—')} or better"
    if feature.unit in COUNT_UNITS:
        return f"to {math.ceil(low)}{_unit_en(feature, math.ceil(low))} or more"
    if feature.unit == "元":
        return f"to {_amount_en(low)} or more"
    if feature.unit == "比率":
        return f"to {low:+.0%} or more"
    return f"to {_whole(round(low, 2))}{unit} or more"


def target_phrase(feature: Feature, scale: Scale, index: int) -> str:
    """How the feature must move to reach the bin, in plain Chinese ("降为0次", "提升至B级及以上")."""
    low, high = scale.bounds(index)
    if feature.unit == BINARY_UNIT:
        return "由“是”变为“否”" if feature.risk is Risk.HIGHER_IS_RISKIER else "由“否”变为“是”"
    if feature.risk is Risk.HIGHER_IS_RISKIER:
        assert high is not None  # a better bin of a higher-is-riskier feature lies below some split
        if feature.unit in COUNT_UNITS:
            most = math.ceil(high) - 1
            return f"降为0{feature.unit}" if most <= 0 else f"不超过{most}{feature.unit}"
        if feature.unit == "元":
            return "降为0（结清）" if high <= 1 else f"降至{_amount(high)}以下"
        return f"降至{_whole(round(high, 2))}{feature.unit}以下"
    assert low is not None  # a better bin of a lower-is-riskier feature lies above some split
    if feature.name == "tax_credit_grade":
        return f"提升至{GRADE_LETTERS.get(math.ceil(low), '—')}级及以上"
    if feature.unit in COUNT_UNITS:
        return f"达到{math.ceil(low)}{feature.unit}及以上"
    if feature.unit == "元":
        return f"达到{_amount(low)}及以上"
    if feature.unit == "比率":
        return f"达到{low:+.0%}及以上"
    return f"达到{_whole(round(low, 2))}{feature.unit}及以上"


def band(score: int) -> str:
    """A word for a dimension score."""
    return "优秀" if score >= 85 else "良好" if score >= 70 else "一般" if score >= 55 else "较弱"


def band_en(score: int) -> str:
    """`band` in English."""
    return "Excellent" if score >= 85 else "Good" if score >= 70 else "Fair" if score >= 55 else "Weak"


# The portrait ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeaturePoints:
    """One feature's place in its dimension: its value, the points it earns and could earn."""

    name: str
    label: str
    value: float | None
    value_text: str
    points: float
    lowest: float
    highest: float


@dataclass(frozen=True, slots=True)
class DimensionScore:
    """One dimension: its 0–100 score (None when withheld or nothing to score), the basis and the explanation."""

    dimension: Dimension
    label: str
    score: int | None
    basis: Basis
    explanation: str
    features: tuple[FeaturePoints, ...]
    explanation_en: str = ""  # the same in English, for the portal's English mode


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One thing the entity can do, the bin it aims at and the points it is estimated to gain."""

    feature: str
    label: str
    dimension: Dimension
    text: str
    points_gained: float
    target_value: float
    dimension_before: int
    dimension_after: int
    basis: Basis
    text_en: str = ""  # the same in English, for the portal's English mode


@dataclass(frozen=True, slots=True)
class Portrait:
    """The portrait: six dimensions in `Dimension` order, suggestions by gain, and what it was scored with."""

    dimensions: tuple[DimensionScore, ...]
    suggestions: tuple[Suggestion, ...]
    model_version: str | None
    note: str
    note_en: str = ""


def dimension_score(values: Mapping[str, float | None], table: Mapping[str, Scale]) -> int | None:
    """100 × the share of the features' point ranges the values earn (None: no feature with a range)."""
    earned = possible = 0.0
    for name, scale in table.items():
        span = scale.highest - scale.lowest
        if span <= EPSILON:
            continue
        earned += scale.points_of(values.get(name)) - scale.lowest
        possible += span
    if possible <= EPSILON:
        return None
    return round(100 * earned / possible)


def _tables(model: Mapping[str, Scale] | None,
            withheld: frozenset[str]) -> dict[Dimension, tuple[Basis, dict[str, Scale]]]:
    out: dict[Dimension, tuple[Basis, dict[str, Scale]]] = {}
    for dimension in Dimension:
        names = [f.name for f in CATALOGUE if f.dimension is dimension and f.name not in withheld]
        from_model = {n: model[n] for n in names if model is not None and n in model and n not in RULE_OF_FEATURE}
        if not names:
            out[dimension] = (Basis.WITHHELD, {})
        elif from_model:
            # The hard rules' features are read as the decision reads them, whether or not the model kept them.
            out[dimension] = (Basis.MODEL, {n: from_model.get(n) or RULE_SCALES[n] for n in names
                                            if n in from_model or n in RULE_OF_FEATURE})
        else:
            out[dimension] = (Basis.RULES, {n: RULE_SCALES[n] for n in names if n in RULE_SCALES})
    return out


def _explain(score: int | None, basis: Basis, rows: list[FeaturePoints]) -> str:
    if basis is Basis.WITHHELD:
        return "本次授权未涵盖该维度所需的信用信息，不予展示。"
    if score is None:
        return "暂无可用于评价该维度的信息。"
    losses = sorted((r for r in rows if r.highest - r.points > EPSILON), key=lambda r: r.points - r.highest)
    strengths = [r for r in rows if r.highest - r.points <= EPSILON and r.value is not None]
    text = f"{band(score)}（{score}分）。"
    broken = [RULE_OF_FEATURE[r.name].text for r in rows
              if r.name in RULE_OF_FEATURE and r.value is not None and r.value > 0]
    if broken:
        text += "触及准入规则：" + "；".join(broken) + "。"
    if losses:
        text += "主要失分：" + "、".join(f"{r.label}（{r.value_text}）" for r in losses[:2]) + "。"
    elif strengths:
        text += "各项指标均处于最好档。"
    if strengths and losses:
        text += "表现较好：" + "、".join(f"{r.label}（{r.value_text}）" for r in strengths[:2]) + "。"
    return text


def _explain_en(score: int | None, basis: Basis, rows: list[FeaturePoints]) -> str:
    """`_explain` in English."""
    if basis is Basis.WITHHELD:
        return "The authorisation does not cover the credit information this dimension needs; it is not shown."
    if score is None:
        return "There is no information to assess this dimension yet."
    losses = sorted((r for r in rows if r.highest - r.points > EPSILON), key=lambda r: r.points - r.highest)
    strengths = [r for r in rows if r.highest - r.points <= EPSILON and r.value is not None]

    def named(r: FeaturePoints) -> str:
        return f"{LABELS_EN.get(r.name, r.label)} ({describe_en(FEATURES[r.name], r.value)})"

    text = f"{band_en(score)} ({score} points)."
    broken = [RULE_OF_FEATURE[r.name].text_en for r in rows
              if r.name in RULE_OF_FEATURE and r.value is not None and r.value > 0]
    if broken:
        text += " Breaks an admission rule: " + "; ".join(broken) + "."
    if losses:
        text += " Points lost mainly on: " + ", ".join(named(r) for r in losses[:2]) + "."
    elif strengths:
        text += " Every indicator is in its best band."
    if strengths and losses:
        text += " Strong points: " + ", ".join(named(r) for r in strengths[:2]) + "."
    return text


def _suggest(feature: Feature, scale: Scale, values: Mapping[str, float | None], dimension_table: Mapping[str, Scale],
             basis: Basis) -> Suggestion | None:
    value = values.get(feature.name)
    current = scale.bin_of(value)
    now = scale.points_of(value)
    if current is None:
        candidates = range(len(scale.points))
    elif feature.risk is Risk.HIGHER_IS_RISKIER:
        candidates = range(current)
    else:
        candidates = range(current + 1, len(scale.points))
    # The most points; between equals, the smallest move from where the entity stands.
    best = max(candidates, key=lambda k: (scale.points[k], -abs(k - (current if current is not None else k))),
               default=None)
    if best is None or scale.points[best] - now <= EPSILON:
        return None
    gain = scale.points[best] - now
    target = scale.representative(best, feature)
    before = dimension_score(values, dimension_table)
    after = dimension_score({**values, feature.name: target}, dimension_table)
    assert before is not None and after is not None
    estimate = "（按规则估算）" if basis is Basis.RULES else ""
    # With no data the entity has nothing to put right, only something to show: ask for the information, not for
    # a remedy of a fault nobody has seen.
    action = (f"补充“{feature.label}”信息（平台目前暂无数据，可在“我的信用档案”自主填报并作出信用承诺）"
              if value is None else ACTIONS[feature.name])
    text = (f"{action}：使“{feature.label}”{target_phrase(feature, scale, best)}，"
            f"预计可提升约{gain:.0f}分{estimate}，{DIMENSION_LABELS[feature.dimension]}维度得分由{before}升至{after}。")
    label_en = LABELS_EN.get(feature.name, feature.label)
    action_en = (f"Provide “{label_en}” (the platform has no data on it yet; you can report it yourself in “My "
                 "credit file” with a credit commitment)" if value is None else ACTIONS_EN[feature.name])
    text_en = (f"{action_en}: get “{label_en}” {target_phrase_en(feature, scale, best)}, an estimated gain of about "
               f"{gain:.0f} points{' (estimated by the rules)' if basis is Basis.RULES else ''}; the "
               f"{DIMENSION_LABELS_EN[feature.dimension]} score rises from {before} to {after}.")
    return Suggestion(feature=feature.name, label=feature.label, dimension=feature.dimension, text=text,
                      points_gained=round(gain, 2), target_value=target, dimension_before=before,
                      dimension_after=after, basis=basis, text_en=text_en)


def build(values: Mapping[str, float | None], *, model_spec: Mapping[str, Any] | None = None,
          model_version: str | None = None, withheld: frozenset[str] = frozenset(),
          suggest: bool = True) -> Portrait:
    """The portrait of the features: the champion's spec where it covers a dimension, RULE_TABLE elsewhere.

    `withheld` names features the reader may not see (its authorisation does not cover their sources): they are
    left out of every score; `suggest` False leaves the suggestions out (they are advice to the entity itself).
    """
    model = scales(model_spec) if model_spec is not None else None
    tables = _tables(model, withheld)
    dimensions: list[DimensionScore] = []
    suggestions: list[Suggestion] = []
    for dimension, (basis, table) in tables.items():
        rows = [FeaturePoints(name=n, label=FEATURES[n].label, value=values.get(n),
                              value_text=describe(FEATURES[n], values.get(n)),
                              points=round(s.points_of(values.get(n)), 2),
                              lowest=round(s.lowest, 2), highest=round(s.highest, 2)) for n, s in table.items()]
        score = dimension_score(values, table) if table else None
        dimensions.append(DimensionScore(dimension=dimension, label=DIMENSION_LABELS[dimension], score=score,
                                         basis=basis, explanation=_explain(score, basis, rows), features=tuple(rows),
                                         explanation_en=_explain_en(score, basis, rows)))
        if suggest and score is not None:
            for name, scale in table.items():
                if name in ACTIONS:
                    found = _suggest(FEATURES[name], scale, values, table, basis)
                    if found is not None:
                        suggestions.append(found)
    suggestions.sort(key=lambda s: (-s.points_gained, -(s.dimension_after - s.dimension_before), s.feature))
    if model is None:
        note, note_en = "尚未启用冠军模型，信用画像按规则评估。", NOTE_NO_CHAMPION_EN
    elif any(basis is Basis.RULES for basis, _ in tables.values()):
        note = f"按冠军模型（{model_version}）评分卡评估；模型未采用的维度按规则评估。"
        note_en = (f"Scored with the champion model's scorecard ({model_version}); the dimensions the model does not "
                   "use are scored by the rules. ")
    else:
        note = f"按冠军模型（{model_version}）评分卡评估。"
        note_en = f"Scored with the champion model's scorecard ({model_version}). "
    return Portrait(dimensions=tuple(dimensions), suggestions=tuple(suggestions), model_version=model_version,
                    note=note, note_en=note_en)
