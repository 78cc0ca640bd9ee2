"""The pure parts of a batch run's statistics: counts on edges, the running tally, PSI and its bands."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xinyidai.scoring import distribution
from xinyidai.scoring.modelling import metrics


def test_psi_of_counts_by_hand() -> None:
    # Half and half expected, a quarter and three quarters seen:
    # (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5) = 0.25·ln 2 + 0.25·ln 1.5
    expected = 0.25 * math.log(2) + 0.25 * math.log(1.5)
    assert distribution.psi_of_counts([0.5, 0.5], [250, 750]) == pytest.approx(expected)
    assert distribution.psi_of_counts([0.5, 0.5], [500, 500]) == 0.0
    assert distribution.psi_of_counts([0.5, 0.5], [0, 0]) is None  # nobody scored: no figure
    assert distribution.psi_of_counts([0.5, 0.5], [1, 2, 3]) is None  # other bins: not comparable


@pytest.mark.parametrize(("psi", "code"), [(0.0, "stable"), (0.0999, "stable"), (0.1, "watch"), (0.2499, "watch"),
                                           (0.25, "act"), (1.7, "act")])
def test_psi_bands_follow_the_usual_0_1_and_0_25_cuts(psi: float, code: str) -> None:
    band = distribution.psi_band(psi)
    assert band is not None and band.code == code


def test_no_psi_no_band() -> None:
    assert distribution.psi_band(None) is None and distribution.psi_band(float("nan")) is None


def test_counts_on_edges_cut_as_the_model_card_shares_do() -> None:
    scores = np.array([1.0, 2.0, 2.0, 3.5, 10.0])
    edges = [2.0, 3.5]
    counts = distribution.counts_on_edges(scores, edges)
    assert counts.tolist() == [1, 2, 2]  # (−∞, 2), [2, 3.5), [3.5, ∞)
    assert distribution.shares_of(counts.tolist()) == metrics.shares(scores, edges)


def test_the_tally_of_chunks_equals_the_whole() -> None:
    rng = np.random.default_rng(7)
    scores = rng.normal(600, 50, 10_001)
    pds = rng.uniform(0, 0.3, len(scores))
    edges = metrics.decile_edges(rng.normal(600, 50, 5000))
    tally = distribution.Tally(edges)
    for start in range(0, len(scores), 997):
        tally.add(scores[start:start + 997], pds[start:start + 997])
    tally.add(np.empty(0), np.empty(0))
    assert tally.scored == len(scores)
    assert tally.deciles() == distribution.counts_on_edges(scores, edges).tolist()
    assert tally.score_sum == pytest.approx(scores.sum()) and tally.pd_sum == pytest.approx(pds.sum())
    rows = tally.histogram_rows()
    assert sum(count for _lower, count in rows) == len(scores)
    lowers = [lower for lower, _count in rows]
    assert lowers == list(range(lowers[0], lowers[-1] + 20, 20))  # contiguous bands, empty ones included
    assert lowers[0] <= scores.min() < lowers[0] + 20 and lowers[-1] <= scores.max() < lowers[-1] + 20
    assert distribution.psi_of_counts(metrics.shares(scores, edges), tally.deciles() or []) == pytest.approx(0.0)


def test_a_tally_without_edges_keeps_the_histogram_only() -> None:
    tally = distribution.Tally(None)
    tally.add(np.array([-5.0, 0.0, 19.9, 20.0]), np.zeros(4))
    assert tally.deciles() is None
    assert tally.histogram_rows() == [[-20, 1], [0, 2], [20, 1]]


def test_bars_are_relative_to_the_tallest() -> None:
    bars = distribution.bars([[500, 10], [520, 40], [540, 0]])
    assert [(b.label, b.count, b.relative) for b in bars] == [("[500, 520)", 10, 25), ("[520, 540)", 40, 100),
                                                              ("[540, 560)", 0, 0)]
    assert sum(b.share for b in bars) == pytest.approx(1.0)
    assert distribution.bars([]) == []


def test_decile_rows_label_the_intervals() -> None:
    rows = distribution.decile_rows([500.0, 600.0], [1, 2, 1], [0.3, 0.4, 0.3])
    assert rows == [("< 500.0", 0.25, 0.3), ("[500.0, 600.0)", 0.5, 0.4), ("≥ 600.0", 0.25, 0.3)]


def test_the_page_reasons_are_the_scorecards_own() -> None:
    from xinyidai.scoring import batch
    from xinyidai.scoring.modelling import scorecard

    rng = np.random.default_rng(3)
    spec = {"features": [
        {"name": f"f{k}", "iv": iv, "bins": [{"points": float(p)} for p in points], "missing": {"points": miss}}
        for k, (iv, points, miss) in enumerate([(0.3, [10, 20, 30], 15.0), (0.3, [5, 30], 0.0),
                                                (0.1, [0, 30], 30.0), (0.5, [7, 8], 8.0)])]}
    # Points drawn from each feature's own bins, so ties (same loss, then same IV) occur often.
    pts = np.column_stack([rng.choice([b["points"] for b in f["bins"]] + [f["missing"]["points"]], 400)
                           for f in spec["features"]])
    expected = [[name for name, _lost in row] for row in scorecard.top_losses(spec, pts, 3)]
    assert batch.top_loss_names(spec, pts, 3) == expected
    assert any(len(row) < 3 for row in expected)  # rows losing on fewer than three features keep fewer reasons
