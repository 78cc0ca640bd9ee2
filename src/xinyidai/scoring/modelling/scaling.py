"""Points-to-double-odds scaling of a scorecard (Siddiqi, *Credit Risk Scorecards*, ch. 6).

score = offset + factor · ln(odds), odds = good : bad, factor = PDO / ln 2,
offset = base score − factor · ln(base odds).
Defaults: 600 points at odds of 50 : 1, and 20 points to double the odds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Scaling:
    """Where the scale is anchored (`base_score` at `base_odds` good:bad) and its points to double the odds."""

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        """Points per unit of ln(odds)."""
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        """The score at odds of 1 : 1."""
        return self.base_score - self.factor * math.log(self.base_odds)

    def score(self, good_odds: float) -> float:
        """The score of odds `good_odds` (good : bad)."""
        return self.offset + self.factor * math.log(good_odds)

    def attribute_points(self, *, coefficient: float, woe: float, intercept: float, n_features: int) -> float:
        """Points of one attribute for a logistic regression on log-odds of BAD: −(β·x + α/n)·factor + offset/n."""
        return -(coefficient * woe + intercept / n_features) * self.factor + self.offset / n_features

    def log_odds_bad(self, score: float) -> float:
        """ln(bad : good) implied by `score`."""
        return -(score - self.offset) / self.factor
