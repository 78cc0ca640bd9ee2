"""Smart matching (智能匹配): every product on the shelf for one firm, the eligible ones ranked. Pure: no I/O.

In: the firm's profile (`eligibility.FirmProfile`), its credit evaluation made once (`Evaluation`: the champion
model's pre-assessment, or the rules while there is none) and the products (`Candidate`). Out: the eligible products
ranked, each with its estimate and the reasons for its place in words, and the ineligible ones apart, each with the
rules that exclude it in words.

For each eligible product:
- **Estimated rate**: a fixed-rate product's rate; otherwise the scoring policy's rate for the firm's PD inside the
  product's bounds (`scoring.policy.rate_for_pd`; `rate_for_score` for a rule-based evaluation without a PD) — the
  same rate the pre-assessment would give for that product alone.
- **Estimated line**: by the credit evaluation, the firm's scale-based line (evaluated once, uncapped) capped by the
  product's line in whole 万元 and floored by its minimum amount — as the policy does for one product; per 亩, the
  firm's planted area of the crop × the amount per 亩, capped by the product's line, in whole 百元.
- **Estimated approval probability**: the model's chance of approval (1 − PD; a rule-based evaluation's score mapped
  linearly from 0.05 at 450 to 0.95 at 850), then the product's policy: × `GRADE_MARGIN_FACTORS` by how far the
  firm's grade clears the product's minimum grade (just at the minimum: 0.85), × 1.05 when a guarantee company or
  the chain leader shares the risk, × 0.5 when the estimated line falls short of the product's minimum amount,
  × 0.3 when the credit policy asks for remediation first and × 0.02 when it declines; capped at 0.99.
- **Expected value** (the ordering): approval probability × estimated line × (the rate ceiling − the estimated rate
  − the fee): the yearly saving the firm can expect against the dearest lawful credit (4 × LPR). Higher first; ties
  by lower cost, then higher probability, then the product's id. A better chance, a larger line or a cheaper
  product each raise it, and nothing else does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from xinyidai.products import eligibility
from xinyidai.products.enums import GuaranteeArrangement, LineRuleKind, RateMode
from xinyidai.scoring.labels import reason_label
from xinyidai.scoring.policy import rate_for_pd
from xinyidai.scoring.preassessment import LINE_STEP_FEN, ProductBounds, rate_for_score

GRADE_MARGIN_FACTORS = (0.85, 0.95, 1.0)  # the firm's grade at the product's minimum, one better, two or more
RISK_SHARED_FACTOR = 1.05
SHORT_LINE_FACTOR = 0.5
REMEDIATE_FACTOR = 0.3
DECLINE_FACTOR = 0.02
MAX_PROBABILITY = 0.99
PER_MU_STEP_FEN = 100 * 100  # per-亩 lines in whole 百元


@dataclass(frozen=True)
class Evaluation:
    """The firm's credit evaluation, made once for all products (reference bounds: no product's cap)."""

    score: int
    grade: str
    pd: float | None  # None: the rules, without a model
    scale_line_fen: int  # the line the firm's scale supports before any product's cap (0: declined)
    outcome: str = "approve"  # "approve", "remediate" or "decline"
    broken_rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A product on the shelf, as matching reads it."""

    product_id: int
    name: str
    min_rate: Decimal
    max_rate: Decimal
    fee_rate: Decimal
    min_amount_fen: int
    max_line_fen: int
    rate_mode: str = RateMode.EVALUATED.value
    guarantee_arrangement: str = GuaranteeArrangement.NONE.value
    rules: tuple[eligibility.Rule, ...] = ()
    line_rule: dict[str, Any] = field(default_factory=lambda: {"kind": LineRuleKind.EVALUATED.value})


@dataclass(frozen=True)
class Said:
    """A reason in the portal's two languages: Chinese, and the same in English."""

    zh: str
    en: str


@dataclass(frozen=True)
class Ranked:
    """An eligible product's estimate, its place and why."""

    candidate: Candidate
    approval_probability: float
    estimated_rate: Decimal
    estimated_line_fen: int
    expected_value_fen: int
    reasons: tuple[Said, ...]
    rank: int = 0


@dataclass(frozen=True)
class Excluded:
    """An ineligible product and the rules that exclude it, in words."""

    candidate: Candidate
    failures: tuple[eligibility.Failure, ...]


@dataclass(frozen=True)
class MatchOutcome:
    """The shelf for one firm."""

    eligible: tuple[Ranked, ...]
    ineligible: tuple[Excluded, ...]


def _yuan(fen: int) -> str:
    wan = Decimal(fen) / 1_000_000
    return f"{wan.normalize():f}万元" if fen >= 1_000_000 else f"{Decimal(fen) / 100:.0f}元"


def _yuan_en(fen: int) -> str:
    return f"{Decimal(fen) / 100:,.0f} yuan"


def _rules_en(broken: Sequence[str], default: str) -> str:
    """The credit policy's broken rules (as the estimate keeps them, in Chinese) in English."""
    return "; ".join(reason_label(rule, "en") for rule in broken) or default


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.01'))}%"


def base_probability(evaluation: Evaluation) -> float:
    """The model's chance of approval before any product's policy."""
    if evaluation.pd is not None:
        return max(0.0, min(1.0, 1.0 - evaluation.pd))
    return max(0.05, min(0.95, 0.05 + (evaluation.score - 450) * 0.9 / 400))


def min_grade(candidate: Candidate) -> str | None:
    """The product's minimum credit grade, if it sets one."""
    return next((str(r.value) for r in candidate.rules if r.field == "credit_grade"), None)


def estimated_rate(evaluation: Evaluation, candidate: Candidate) -> Decimal:
    """The firm's rate under the product (see the module's doc)."""
    if candidate.rate_mode == RateMode.FIXED.value:
        return candidate.min_rate
    bounds = ProductBounds(min_rate=candidate.min_rate, max_rate=candidate.max_rate,
                           max_line_fen=candidate.max_line_fen, min_amount_fen=candidate.min_amount_fen)
    if evaluation.pd is not None:
        return rate_for_pd(evaluation.pd, bounds)
    return rate_for_score(evaluation.score, bounds)


def estimated_line(evaluation: Evaluation, candidate: Candidate, profile: eligibility.FirmProfile) -> int:
    """The firm's line under the product (see the module's doc); 0 when the credit policy declines."""
    if evaluation.outcome == "decline":
        return 0
    rule = candidate.line_rule
    if rule.get("kind") == LineRuleKind.PER_MU.value:
        area = profile.planted_mu.get(str(rule.get("crop")), Decimal(0))
        raw = (area * int(rule.get("amount_per_mu_fen") or 0)).to_integral_value(rounding=ROUND_FLOOR)
        return min(candidate.max_line_fen, int(raw)) // PER_MU_STEP_FEN * PER_MU_STEP_FEN
    capped = min(candidate.max_line_fen // LINE_STEP_FEN * LINE_STEP_FEN, evaluation.scale_line_fen)
    return max(capped, min(candidate.min_amount_fen, candidate.max_line_fen))


def _grade_margin(firm_grade: str, wanted: str | None) -> int | None:
    if wanted is None or firm_grade not in eligibility.GRADES:
        return None
    return eligibility.GRADES.index(wanted) - eligibility.GRADES.index(firm_grade)


def assess(evaluation: Evaluation, candidate: Candidate, profile: eligibility.FirmProfile,
           *, ceiling: Decimal) -> Ranked:
    """An eligible product's estimate for the firm, with its reasons in words (rank not yet set)."""
    probability = base_probability(evaluation)
    reasons = [Said(f"模型评估：信用等级{evaluation.grade}，基础获批概率{probability:.0%}",
                    f"Credit evaluation: grade {evaluation.grade}, base approval chance {probability:.0%}")]
    margin = _grade_margin(evaluation.grade, min_grade(candidate))
    if margin is not None:
        factor = GRADE_MARGIN_FACTORS[min(margin, len(GRADE_MARGIN_FACTORS) - 1)]
        probability *= factor
        wanted = min_grade(candidate)
        if margin == 0:
            reasons.append(Said(f"信用等级刚达到产品要求的{wanted}级，获批概率下调",
                                f"The grade just meets the product's minimum {wanted}: approval chance lowered"))
        else:
            reasons.append(Said(f"信用等级高于产品要求的{wanted}级",
                                f"The grade is above the product's minimum {wanted}"))
    if candidate.guarantee_arrangement != GuaranteeArrangement.NONE.value:
        probability *= RISK_SHARED_FACTOR
        reasons.append(Said("有担保公司分险或核心企业确权，获批概率上调",
                            "A guarantee company shares the risk or the chain leader confirms: approval chance raised"))
    rate = estimated_rate(evaluation, candidate)
    line = estimated_line(evaluation, candidate, profile)
    if 0 < line < candidate.min_amount_fen or (line == 0 and evaluation.outcome != "decline"):
        probability *= SHORT_LINE_FACTOR
        minimum = candidate.min_amount_fen
        reasons.append(Said(f"测算额度低于产品最低申请金额{_yuan(minimum)}",
                            f"The estimated line is below the product's minimum of {_yuan_en(minimum)}"))
    if evaluation.outcome == "remediate":
        probability *= REMEDIATE_FACTOR
        reasons.append(Said("信用评价建议先整改：" + "；".join(evaluation.broken_rules or ("补报年报",)),
                            "The credit evaluation asks to put things right first: "
                            + _rules_en(evaluation.broken_rules, "file the missing annual reports")))
    elif evaluation.outcome == "decline":
        probability *= DECLINE_FACTOR
        reasons.append(Said("信用评价建议拒绝：" + "；".join(evaluation.broken_rules or ("未通过信用评价",)),
                            "The credit evaluation declines: "
                            + _rules_en(evaluation.broken_rules, "the credit evaluation was not passed")))
    probability = min(MAX_PROBABILITY, probability)
    cost = rate + candidate.fee_rate
    value = int((Decimal(str(round(probability, 6))) * line * max(Decimal(0), ceiling - cost))
                .to_integral_value(rounding=ROUND_FLOOR))
    if candidate.rate_mode == RateMode.FIXED.value:
        reasons.append(Said(f"固定年利率{_percent(rate)}", f"Fixed annual rate {_percent(rate)}"))
    else:
        reasons.append(Said(f"按信用评价定价，预计年利率{_percent(rate)}（产品区间{_percent(candidate.min_rate)}"
                            f"至{_percent(candidate.max_rate)}）",
                            f"Priced by the credit evaluation: annual rate about {_percent(rate)} (the product's "
                            f"range {_percent(candidate.min_rate)} to {_percent(candidate.max_rate)})"))
    if candidate.fee_rate:
        reasons.append(Said(f"另收费率{_percent(candidate.fee_rate)}", f"Plus a fee of {_percent(candidate.fee_rate)}"))
    if candidate.line_rule.get("kind") == LineRuleKind.PER_MU.value:
        crop = str(candidate.line_rule.get("crop"))
        area = profile.planted_mu.get(crop, Decimal(0))
        per_mu = int(candidate.line_rule.get("amount_per_mu_fen") or 0)
        reasons.append(Said(f"按{crop}种植面积{area}亩×每亩{_yuan(per_mu)}核定，预计额度{_yuan(line)}",
                            f"Set by the planted area of {crop}, {area} mu × {_yuan_en(per_mu)} a mu: a line of "
                            f"about {_yuan_en(line)}"))
    else:
        most = candidate.max_line_fen
        reasons.append(Said(f"预计额度{_yuan(line)}（产品最高{_yuan(most)}）",
                            f"A line of about {_yuan_en(line)} (the product's most {_yuan_en(most)})"))
    return Ranked(candidate, probability, rate, line, value, tuple(reasons))


def rank(evaluation: Evaluation, candidates: Sequence[Candidate], profile: eligibility.FirmProfile,
         *, ceiling: Decimal) -> MatchOutcome:
    """Every candidate for the firm: eligible ones ranked by expected value (see the module's doc), the others apart
    with their failing rules. `ceiling` is the rate ceiling the value is measured against (4 × LPR)."""
    eligible: list[Ranked] = []
    ineligible: list[Excluded] = []
    for candidate in candidates:
        failures = eligibility.evaluate(candidate.rules, profile)
        if failures:
            ineligible.append(Excluded(candidate, tuple(failures)))
        else:
            eligible.append(assess(evaluation, candidate, profile, ceiling=ceiling))
    eligible.sort(key=lambda r: (-r.expected_value_fen, r.estimated_rate + r.candidate.fee_rate,
                                 -r.approval_probability, r.candidate.product_id))
    placed = []
    for index, ranked in enumerate(eligible, start=1):
        why = _place(index, ranked, eligible[index - 2] if index > 1 else None)
        placed.append(Ranked(ranked.candidate, ranked.approval_probability, ranked.estimated_rate,
                             ranked.estimated_line_fen, ranked.expected_value_fen, (why, *ranked.reasons), index))
    ineligible.sort(key=lambda e: (len(e.failures), e.candidate.product_id))
    return MatchOutcome(tuple(placed), tuple(ineligible))


def _place(index: int, ranked: Ranked, above: Ranked | None) -> Said:
    cost = _percent(ranked.estimated_rate + ranked.candidate.fee_rate)
    head = Said(f"第{index}名：预计获批概率{ranked.approval_probability:.0%}，额度{_yuan(ranked.estimated_line_fen)}，"
                f"年化成本{cost}",
                f"No. {index}: approval chance {ranked.approval_probability:.0%}, a line of "
                f"{_yuan_en(ranked.estimated_line_fen)}, a yearly cost of {cost}")
    if above is None:
        return Said(head.zh + "，综合预期收益最高", head.en + "; the highest expected value")
    name = above.candidate.name
    if ranked.approval_probability < above.approval_probability:
        return Said(head.zh + f"；获批概率低于上一名“{name}”", head.en + f"; a lower chance than “{name}” above")
    if ranked.estimated_line_fen < above.estimated_line_fen:
        return Said(head.zh + f"；预计额度小于上一名“{name}”", head.en + f"; a smaller line than “{name}” above")
    return Said(head.zh + f"；成本高于上一名“{name}”", head.en + f"; a higher cost than “{name}” above")
