"""Pre-assessment: an estimated line and rate shown the moment an entity applies.

`PreAssessor` is the interface; `RuleBasedPreAssessor` is an explicit, documented rule set that the
credit-evaluation model will replace behind the same interface. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

RATE_STEP = Decimal("0.0005")  # rates are quoted in steps of 5 basis points
LINE_STEP_FEN = 10_000 * 100  # lines are quoted in whole 万元


@dataclass(frozen=True)
class ProductBounds:
    """What the product allows."""

    min_rate: Decimal
    max_rate: Decimal
    max_line_fen: int
    min_amount_fen: int


@dataclass(frozen=True)
class EntityFacts:
    """What the assessor may look at about the entity."""

    kind: str
    scale: str
    registration_date: date
    registered_capital_fen: int | None
    employees: int | None
    is_abnormal: bool
    annual_reports_current: bool


@dataclass(frozen=True)
class Estimate:
    """The assessor's answer, with the reasons a person can read."""

    score: int
    grade: str
    line_fen: int
    annual_rate: Decimal
    assessor: str
    reasons: list[str] = field(default_factory=list)
    pd: float | None = None  # a model's probability of default; None from the rules
    decision_id: int | None = None  # the stored credit decision, when the assessor keeps one
    outcome: str = "approve"  # the policy's outcome: "approve", "decline" (no line) or "remediate"
    broken_rules: list[str] = field(default_factory=list)  # the credit policy's hard rules it breaks, in words
    remedies: list[str] = field(default_factory=list)  # what the entity can do about them

    @property
    def declined(self) -> bool:
        """Whether the estimate is a decline: no line is offered, whatever rate the score would earn."""
        return self.outcome == "decline"


class PreAssessor(Protocol):
    """Estimates a line and a rate within a product's bounds."""

    version: str

    def assess(self, facts: EntityFacts, bounds: ProductBounds, *, today: date) -> Estimate:
        """The estimate for `facts` under `bounds` on `today`."""
        ...


def _years_between(start: date, end: date) -> int:
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def rate_for_score(score: int, bounds: ProductBounds) -> Decimal:
    """Map a score to a rate inside the bounds: the better the credit, the lower the rate."""
    fraction = min(Decimal(1), max(Decimal(0), Decimal(score - 500) / Decimal(300)))
    raw = bounds.max_rate - fraction * (bounds.max_rate - bounds.min_rate)
    stepped = (raw / RATE_STEP).quantize(Decimal(1), rounding=ROUND_HALF_UP) * RATE_STEP
    return min(bounds.max_rate, max(bounds.min_rate, stepped)).quantize(Decimal("0.000001"))


# The rule set's reasons in English, for the portal's English mode.
REASONS_EN = {
    "经营10年以上": "In operation 10 years or more", "经营5年以上": "In operation 5 years or more",
    "经营3年以上": "In operation 3 years or more", "经营不满1年": "In operation less than a year",
    "注册资本500万元以上": "Registered capital of 5 million yuan or more",
    "注册资本100万元以上": "Registered capital of 1 million yuan or more",
    "注册资本10万元以上": "Registered capital of 100,000 yuan or more",
    "从业人员50人以上": "50 employees or more", "从业人员10人以上": "10 employees or more",
    "年报按时报送": "Annual reports filed on time", "年报未按时报送": "Annual reports not filed on time",
    "列入经营异常名录": "On the abnormal-operations list",
}

GRADE_FACTORS = (("A", 700, Decimal("1.0")), ("B", 650, Decimal("0.8")), ("C", 600, Decimal("0.6")))


class RuleBasedPreAssessor:
    """Scores years in operation, capital, headcount, form and filing discipline."""

    version = "rules-2026.1"

    def assess(self, facts: EntityFacts, bounds: ProductBounds, *, today: date) -> Estimate:
        """Score the facts, then derive grade, rate and line."""
        score = 600
        reasons: list[str] = []
        years = _years_between(facts.registration_date, today)
        for threshold, points, text in ((10, 70, "经营10年以上"), (5, 50, "经营5年以上"), (3, 30, "经营3年以上")):
            if years >= threshold:
                score += points
                reasons.append(text)
                break
        else:
            if years < 1:
                score -= 40
                reasons.append("经营不满1年")
        capital = facts.registered_capital_fen or 0
        for threshold_yuan, points, text in (
            (5_000_000, 40, "注册资本500万元以上"), (1_000_000, 30, "注册资本100万元以上"),
            (100_000, 15, "注册资本10万元以上"),
        ):
            if capital >= threshold_yuan * 100:
                score += points
                reasons.append(text)
                break
        employees = facts.employees or 0
        if employees >= 50:
            score += 30
            reasons.append("从业人员50人以上")
        elif employees >= 10:
            score += 20
            reasons.append("从业人员10人以上")
        if facts.kind == "enterprise":
            score += 10
        elif facts.kind in ("farmers_cooperative", "family_farm"):
            score += 5
        if facts.annual_reports_current:
            score += 20
            reasons.append("年报按时报送")
        else:
            score -= 60
            reasons.append("年报未按时报送")
        if facts.is_abnormal:
            score -= 120
            reasons.append("列入经营异常名录")
        score = max(300, min(850, score))
        grade, factor = "D", Decimal("0.4")
        for name, floor, grade_factor in GRADE_FACTORS:
            if score >= floor:
                grade, factor = name, grade_factor
                break
        return Estimate(
            score=score, grade=grade, line_fen=self._line(facts, bounds, factor),
            annual_rate=rate_for_score(score, bounds), assessor=self.version, reasons=reasons,
        )

    @staticmethod
    def _line(facts: EntityFacts, bounds: ProductBounds, factor: Decimal) -> int:
        scale_base = max(
            100_000 * 100,
            (facts.registered_capital_fen or 0) * 3 // 10,
            (facts.employees or 0) * 30_000 * 100,
        )
        line = min(bounds.max_line_fen, int(Decimal(scale_base) * factor))
        line = line // LINE_STEP_FEN * LINE_STEP_FEN
        return max(line, min(bounds.min_amount_fen, bounds.max_line_fen))
