"""The credit policy: hard rules first, then PD → rate inside the product's bounds, and a line from the entity's scale.

Pure: features (as `scoring.features` computes them), a PD and the product's bounds in; an outcome, a rate, a line
and the reasons a person can read out. The order matters and is the policy:

1. Hard rules on the features. Serious dishonesty, an open dishonest-judgment-debtor record, being on the abnormal
   operations list on the day, or tax arrears → decline, the rule as the reason. Annual reports filed late or not
   at all → remediation (the entity can put it right and apply again); the rate and line it would get are shown.
2. Rate: linear in PD between `PD_BEST` (the product's minimum rate) and `PD_WORST` (its maximum), stepped to
   0.05 %, so a higher PD never gets a lower rate and every rate lies inside the bounds.
3. Line: a share of the revenue implied by tax paid, or a sum per insured employee, whichever is larger; scaled
   down for weaker grades, in whole 万元, capped by the product's maximum line and floored by its minimum amount.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import numpy as np

from xinyidai.scoring.features import IMPLIED_VAT_RATE
from xinyidai.scoring.preassessment import LINE_STEP_FEN, RATE_STEP, ProductBounds

PD_BEST = 0.01  # at or below: the product's minimum rate
PD_WORST = 0.15  # at or above: the product's maximum rate
REVENUE_SHARE = Decimal("0.2")  # working-capital need read as a fifth of annual revenue
LINE_PER_INSURED_EMPLOYEE_FEN = 30_000 * 100
GRADES = (("A", 0.02, Decimal("1.0")), ("B", 0.05, Decimal("0.8")), ("C", 0.10, Decimal("0.6")))
WEAKEST_GRADE = ("D", Decimal("0.4"))


class Outcome(StrEnum):
    """What the policy decides."""

    APPROVE = "approve"
    DECLINE = "decline"
    REMEDIATE = "remediate"


OUTCOME_LABELS = {Outcome.APPROVE: "建议准入", Outcome.DECLINE: "建议拒绝", Outcome.REMEDIATE: "需先整改"}


@dataclass(frozen=True)
class Reason:
    """One reason: a stable code and its plain Chinese text."""

    code: str
    text: str
    kind: str  # "rule", "model" or "note"

    def as_dict(self) -> dict[str, str]:
        """The reason as stored with a decision."""
        return {"code": self.code, "text": self.text, "kind": self.kind}


@dataclass(frozen=True)
class HardRule:
    """A rule on one feature that decides before the model does, and what the entity can do to put it right (in
    Chinese, and in English for the portal's English mode)."""

    code: str
    feature: str
    outcome: Outcome
    text: str
    remedy: str
    text_en: str = ""
    remedy_en: str = ""


HARD_RULES: tuple[HardRule, ...] = (
    HardRule("rule.serious_dishonesty", "serious_dishonesty_listed_now", Outcome.DECLINE, "列入严重失信主体名单",
             "纠正失信行为、履行相关义务后申请信用修复，移出严重失信主体名单",
             "On the serious dishonesty list",
             "Correct the dishonest conduct and meet the obligations, then apply for credit repair to be removed "
             "from the serious dishonesty list"),
    HardRule("rule.dishonest_debtor", "dishonest_debtor_open", Outcome.DECLINE, "存在未屏蔽的失信被执行人记录",
             "履行生效法律文书确定的义务，申请删除失信被执行人信息",
             "An open dishonest judgment debtor record",
             "Meet the obligations of the effective legal documents and apply to have the dishonest judgment "
             "debtor record deleted"),
    HardRule("rule.abnormal_operations", "abnormal_listed_now", Outcome.DECLINE, "评价日在经营异常名录中",
             "补报年度报告或更正公示信息后，向市场监管部门申请移出经营异常名录",
             "On the abnormal-operations list on the day of the evaluation",
             "File the missing annual report or correct the published information, then ask the market "
             "supervision department to remove the firm from the abnormal-operations list"),
    HardRule("rule.tax_arrears", "tax_arrears_amount", Outcome.DECLINE, "存在欠税", "尽快缴清欠缴的税款",
             "Tax arrears", "Pay the tax in arrears as soon as possible"),
    HardRule("rule.annual_report_late", "annual_report_years_late", Outcome.REMEDIATE,
             "年报逾期或未报送，补报后可重新申请", "每年6月30日前按时报送上一年度的年度报告",
             "An annual report is late or missing; file it, then apply again",
             "File each year's annual report by 30 June of the following year"),
)
RULE_OF_FEATURE: dict[str, HardRule] = {rule.feature: rule for rule in HARD_RULES}


def remedies(reasons: Sequence[Reason]) -> list[str]:
    """What the entity can do about the hard rules among the reasons, in their order ("rule.*" codes)."""
    by_code = {rule.code: rule.remedy for rule in HARD_RULES}
    return [by_code[r.code] for r in reasons if r.code in by_code]


@dataclass(frozen=True)
class PolicyDecision:
    """The policy's answer."""

    outcome: Outcome
    grade: str
    annual_rate: Decimal
    line_fen: int
    reasons: tuple[Reason, ...]


def _positive(features: Mapping[str, float | None], name: str) -> bool:
    value = features.get(name)
    return value is not None and value > 0


def hard_rule_hits(features: Mapping[str, float | None]) -> list[HardRule]:
    """The hard rules the features break, in the order of `HARD_RULES`."""
    return [rule for rule in HARD_RULES if _positive(features, rule.feature)]


def rate_for_pd(pd: float, bounds: ProductBounds, *, pd_best: float = PD_BEST, pd_worst: float = PD_WORST) -> Decimal:
    """The rate for a PD: linear from the minimum rate at PD_BEST to the maximum at PD_WORST, stepped to 0.05 %
    (the policy simulator tries other ends of the line)."""
    if not math.isfinite(pd) or not 0 <= pd <= 1:
        raise ValueError(f"a PD lies in [0, 1], not {pd}")
    fraction = min(Decimal(1), max(Decimal(0), (Decimal(pd) - Decimal(pd_best)) / Decimal(pd_worst - pd_best)))
    raw = bounds.min_rate + fraction * (bounds.max_rate - bounds.min_rate)
    stepped = (raw / RATE_STEP).quantize(Decimal(1), rounding=ROUND_HALF_UP) * RATE_STEP
    return min(bounds.max_rate, max(bounds.min_rate, stepped)).quantize(Decimal("0.000001"))


def grade_for_pd(pd: float) -> tuple[str, Decimal]:
    """The grade of a PD and the share of the scale-based line it earns."""
    for grade, ceiling, factor in GRADES:
        if pd < ceiling:
            return grade, factor
    return WEAKEST_GRADE


def scale_fen(features: Mapping[str, float | None]) -> int:
    """What the entity's scale supports: a share of tax-implied revenue or a sum per insured employee."""
    tax_paid_yuan = Decimal(str(features.get("tax_paid_12m") or 0))
    revenue_fen = tax_paid_yuan * 100 / Decimal(str(IMPLIED_VAT_RATE))
    headcount = int(features.get("social_insurance_headcount") or 0)
    return max(int(revenue_fen * REVENUE_SHARE), headcount * LINE_PER_INSURED_EMPLOYEE_FEN)


def line_for(features: Mapping[str, float | None], pd: float, bounds: ProductBounds) -> int:
    """The line: scale × the grade's share, in whole 万元, capped by the product's line, floored by its minimum."""
    _grade, factor = grade_for_pd(pd)
    line = min(bounds.max_line_fen, int(Decimal(scale_fen(features)) * factor))
    line = line // LINE_STEP_FEN * LINE_STEP_FEN
    return max(line, min(bounds.min_amount_fen, bounds.max_line_fen))


def outcome_for(features: Mapping[str, float | None], pd: float) -> tuple[Outcome, str, list[HardRule]]:
    """The outcome and grade, which need no product: hard rules first, then the PD's grade; and the rules broken."""
    hits = hard_rule_hits(features)
    outcome = (Outcome.DECLINE if any(rule.outcome is Outcome.DECLINE for rule in hits)
               else Outcome.REMEDIATE if hits else Outcome.APPROVE)
    return outcome, grade_for_pd(pd)[0], hits


def _combinations() -> list[tuple[str, tuple[str, ...]]]:
    """(outcome, rule codes) for every set of hard rules broken, indexed by its bit mask over `HARD_RULES`."""
    out = []
    for mask in range(1 << len(HARD_RULES)):
        hits = [rule for bit, rule in enumerate(HARD_RULES) if mask >> bit & 1]
        outcome = (Outcome.DECLINE if any(rule.outcome is Outcome.DECLINE for rule in hits)
                   else Outcome.REMEDIATE if hits else Outcome.APPROVE)
        out.append((outcome.value, tuple(rule.code for rule in hits)))
    return out


_COMBINATIONS = _combinations()
_CEILINGS = np.array([ceiling for _grade, ceiling, _factor in GRADES])
GRADE_LABELS = (*(grade for grade, _ceiling, _factor in GRADES), WEAKEST_GRADE[0])


def rule_masks(features: Mapping[str, np.ndarray]) -> np.ndarray:
    """The hard rules each of many entities breaks, as bit masks over `HARD_RULES` (bit k: rule k broken); each
    rule's feature as a column, NaN for None (no hit)."""
    masks = np.zeros(len(next(iter(features.values()))) if features else 0, dtype=np.int64)
    for bit, rule in enumerate(HARD_RULES):
        with np.errstate(invalid="ignore"):
            masks |= (np.asarray(features[rule.feature], dtype=float) > 0).astype(np.int64) << bit
    return masks


def outcome_of_mask(mask: int) -> tuple[str, tuple[str, ...]]:
    """The outcome and the broken rules' codes of a bit mask of `rule_masks`."""
    return _COMBINATIONS[mask]


def grade_indices(pds: np.ndarray) -> np.ndarray:
    """`grade_for_pd` for many PDs at once, as indices into `GRADE_LABELS`."""
    return np.searchsorted(_CEILINGS, pds, side="right")


def outcomes_for(features: Mapping[str, np.ndarray], pds: np.ndarray
                 ) -> tuple[list[str], list[str], list[tuple[str, ...]]]:
    """`outcome_for` for many entities at once: each hard rule's feature as a column (NaN for None) and the PDs in;
    the outcomes, the grades and the codes of the rules broken out, one per entity."""
    decided = [_COMBINATIONS[mask] for mask in rule_masks(features).tolist()]
    grades = [GRADE_LABELS[i] for i in grade_indices(pds).tolist()]
    return [outcome for outcome, _codes in decided], grades, [codes for _outcome, codes in decided]


def decide(features: Mapping[str, float | None], pd: float, model_reasons: Sequence[Reason],
           bounds: ProductBounds) -> PolicyDecision:
    """Hard rules first, then rate and line from PD and scale; rule reasons before the model's."""
    outcome, grade, hits = outcome_for(features, pd)
    rate = rate_for_pd(pd, bounds)
    reasons = tuple(Reason(rule.code, rule.text, "rule") for rule in hits) + tuple(model_reasons)
    line = 0 if outcome is Outcome.DECLINE else line_for(features, pd, bounds)
    return PolicyDecision(outcome, grade, rate, line, reasons)
