"""Training follows each feature's expected direction: a better value never costs points, however noisy the data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xinyidai.scoring.features import expected_trends
from xinyidai.scoring.modelling import scorecard
from xinyidai.scoring.modelling.scaling import Scaling
from xinyidai.scoring.modelling.scorecard import AGAINST_DIRECTION, BinningSettings


def _data(seed: int) -> tuple[np.ndarray, np.ndarray, list[scorecard.Spec]]:
    rng = np.random.default_rng(seed)
    n = 3000
    grade = rng.integers(1, 6, n).astype(float)  # tax credit grade: the real driver
    years = rng.uniform(0, 30, n)
    capital = rng.lognormal(13, 1.5, n)
    # Noisy, partly reversed raw relationships: older firms and firms with more capital default *more* in this
    # sample (a selection effect, say), plus a bump in the middle — what a small sample can show by chance.
    logit = -1.2 * (grade - 3) - 2.5 + 0.05 * years + 0.25 * np.log(capital / 4e5) + 0.8 * ((years > 8) & (years < 12))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({"tax_credit_grade": grade, "years_in_operation": years, "registered_capital": capital})
    inputs = scorecard.build_inputs(frame, list(frame.columns), [])
    return scorecard.encode(frame, inputs), y, inputs


def _points_along(spec: scorecard.Spec, inputs: list[scorecard.Spec], name: str, grid: np.ndarray) -> np.ndarray:
    x = np.full((len(grid), len(inputs)), 3.0)
    x[:, [s["name"] for s in inputs].index(name)] = grid
    total, _pd, _pts = scorecard.score(spec, x)
    return total


def test_a_better_value_of_an_increasing_is_better_feature_never_costs_points() -> None:
    for seed in (1, 2, 3):
        x, y, inputs = _data(seed)
        fitted = scorecard.fit(x, y, inputs, scaling=Scaling(), settings=BinningSettings())
        for name, grid in (("years_in_operation", np.linspace(0, 30, 121)),
                           ("registered_capital", np.geomspace(1e3, 1e9, 121)),
                           ("tax_credit_grade", np.arange(1.0, 6.0))):
            assert expected_trends()[name] == "descending"  # increasing is better
            points = _points_along(fitted.spec, inputs, name, grid)
            assert (np.diff(points) >= -1e-9).all(), (seed, name, points)
        assert "tax_credit_grade" in fitted.selected
        # The features whose data ran against their direction are named, not silently lost.
        for name in ("years_in_operation", "registered_capital"):
            if name not in fitted.selected:
                assert fitted.dropped[name] == AGAINST_DIRECTION


def test_without_directions_the_same_data_would_reward_a_worse_value() -> None:
    """The check above can fail: binned freely, this data makes older firms lose points."""
    x, y, inputs = _data(1)
    fitted = scorecard.fit(x, y, inputs, scaling=Scaling(), settings=BinningSettings(), directions={})
    points = _points_along(fitted.spec, inputs, "years_in_operation", np.linspace(0, 30, 121))
    assert (np.diff(points) < -1e-9).any()


def test_follows() -> None:
    assert scorecard.follows([0.1, 0.1, 0.2], "ascending")
    assert not scorecard.follows([0.1, 0.3, 0.2], "ascending")
    assert scorecard.follows([0.3, 0.2], "descending")
    assert scorecard.follows([0.3, 0.5], "auto_asc_desc")
