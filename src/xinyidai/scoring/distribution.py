"""The score distribution of a batch run and its stability (PSI). Pure: arrays and counts in, counts and figures out.

PSI bands as credit-risk practice reads them: below 0.1 the population is stable; 0.1 to 0.25 it has shifted
somewhat and the model should be watched; 0.25 or more it has shifted materially and the model should be reviewed
(and usually redeveloped). See `scoring.modelling.metrics.psi_from_shares` for the formula.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xinyidai.scoring.modelling import metrics

HISTOGRAM_WIDTH = 20  # score points per band of the histogram on the run page
PSI_WATCH = 0.1
PSI_ACT = 0.25


@dataclass(frozen=True)
class PsiBand:
    """How a PSI figure reads."""

    code: str
    label: str
    advice: str


PSI_BANDS = (
    PsiBand("stable", "稳定", "PSI < 0.1：评分分布与对照基本一致，模型可继续使用。"),
    PsiBand("watch", "轻微偏移", "0.1 ≤ PSI < 0.25：分布有一定变化，需关注并查明原因。"),
    PsiBand("act", "显著偏移", "PSI ≥ 0.25：分布明显变化，应复核模型并考虑重新开发。"),
)


def psi_band(psi: float | None) -> PsiBand | None:
    """The band a PSI falls in (None when there is no figure)."""
    if psi is None or not math.isfinite(psi):
        return None
    return PSI_BANDS[0] if psi < PSI_WATCH else PSI_BANDS[1] if psi < PSI_ACT else PSI_BANDS[2]


def counts_on_edges(scores: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """How many scores fall in each interval (−∞, e1), [e1, e2), …, [ek, ∞), as `metrics.shares` cuts them."""
    return np.bincount(np.searchsorted(np.asarray(edges, dtype=float), scores, side="right"),
                       minlength=len(edges) + 1)


def shares_of(counts: Sequence[int]) -> list[float]:
    """Counts as shares of their total (all zeros when empty)."""
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def psi_of_counts(expected_shares: Sequence[float], actual_counts: Sequence[int]) -> float | None:
    """PSI of a run's counts against expected shares on the same bins; None when the run scored nobody."""
    if not sum(actual_counts) or len(expected_shares) != len(actual_counts):
        return None
    return metrics.psi_from_shares(expected_shares, shares_of(actual_counts))


@dataclass
class Tally:
    """Running totals of a batch, chunk by chunk, so a million scores never sit in memory at once."""

    edges: list[float] | None
    width: int = HISTOGRAM_WIDTH
    decile_counts: np.ndarray | None = None
    histogram: dict[int, int] = field(default_factory=dict)
    scored: int = 0
    score_sum: float = 0.0
    pd_sum: float = 0.0

    def add(self, scores: np.ndarray, pds: np.ndarray) -> None:
        """Add a chunk's scores and PDs."""
        if not len(scores):
            return
        if self.edges is not None:
            counts = counts_on_edges(scores, self.edges)
            self.decile_counts = counts if self.decile_counts is None else self.decile_counts + counts
        lowers, counts = np.unique(np.floor(scores / self.width).astype(np.int64) * self.width, return_counts=True)
        for lower, count in zip(lowers.tolist(), counts.tolist(), strict=True):
            self.histogram[lower] = self.histogram.get(lower, 0) + count
        self.scored += len(scores)
        self.score_sum += float(scores.sum())
        self.pd_sum += float(pds.sum())

    def state(self) -> dict[str, Any]:
        """The totals as JSON (a page keeps its own, and the run merges them)."""
        return {"decile_counts": None if self.decile_counts is None else [int(c) for c in self.decile_counts],
                "histogram": sorted([lower, count] for lower, count in self.histogram.items()),
                "scored": self.scored, "score_sum": self.score_sum, "pd_sum": self.pd_sum}

    def merge(self, state: dict[str, Any]) -> None:
        """Add another tally's `state()` (a page's), as if its chunks had been added here."""
        if state["decile_counts"] is not None:
            counts = np.array(state["decile_counts"], dtype=np.int64)
            self.decile_counts = counts if self.decile_counts is None else self.decile_counts + counts
        for lower, count in state["histogram"]:
            self.histogram[int(lower)] = self.histogram.get(int(lower), 0) + int(count)
        self.scored += int(state["scored"])
        self.score_sum += float(state["score_sum"])
        self.pd_sum += float(state["pd_sum"])

    def histogram_rows(self) -> list[list[int]]:
        """[lower bound, count] of every band from the lowest to the highest score, empty bands included."""
        if not self.histogram:
            return []
        low, high = min(self.histogram), max(self.histogram)
        return [[lower, self.histogram.get(lower, 0)] for lower in range(low, high + self.width, self.width)]

    def deciles(self) -> list[int] | None:
        """Counts on the development deciles, or None without edges."""
        if self.edges is None:
            return None
        return [int(c) for c in (self.decile_counts if self.decile_counts is not None
                                 else np.zeros(len(self.edges) + 1, dtype=np.int64))]


@dataclass(frozen=True)
class Bar:
    """One bar of a histogram as a page draws it."""

    label: str
    count: int
    share: float  # of all scored
    relative: int  # 0–100, of the tallest bar


def bars(histogram: Sequence[Sequence[int]], width: int = HISTOGRAM_WIDTH) -> list[Bar]:
    """The stored histogram as bars: "[lower, upper)" labels, counts, shares and heights relative to the tallest."""
    total = sum(count for _lower, count in histogram)
    tallest = max((count for _lower, count in histogram), default=0)
    return [Bar(f"[{lower}, {lower + width})", count, count / total if total else 0.0,
                round(100 * count / tallest) if tallest else 0) for lower, count in histogram]


def decile_rows(edges: Sequence[float], counts: Sequence[int], expected: Sequence[float]) -> list[tuple[str, float,
                                                                                                      float]]:
    """(interval, run share, development share) per development decile."""
    if not edges:
        return [("全部", 1.0 if sum(counts) else 0.0, 1.0)]
    labels = ([f"< {edges[0]:.1f}"] + [f"[{a:.1f}, {b:.1f})" for a, b in itertools.pairwise(edges)]
              + [f"≥ {edges[-1]:.1f}"])
    return list(zip(labels, shares_of(counts), expected, strict=True))
