"""Scaling, metrics and reasons against figures that can be worked out by hand or are published."""

import math

import numpy as np
import pytest

from xinyidai.scoring.modelling import metrics, scorecard
from xinyidai.scoring.modelling.scaling import Scaling


def test_pdo_scaling_matches_siddiqi_worked_example() -> None:
    # Siddiqi, Credit Risk Scorecards (2006), ch. 6: 600 points at 50:1, PDO 20 → Factor 28.8539, Offset 487.123.
    s = Scaling(base_score=600, base_odds=50, pdo=20)
    assert s.factor == pytest.approx(28.8539, abs=1e-4)
    assert s.offset == pytest.approx(487.123, abs=1e-3)
    assert s.score(50) == pytest.approx(600)
    assert s.score(100) == pytest.approx(620)  # doubling the odds adds the PDO
    assert s.score(25) == pytest.approx(580)


def test_attribute_points_add_up_to_the_scaled_score() -> None:
    s = Scaling()
    intercept, coefficients, woes = -0.8, [-0.9, -0.5], [0.4, -1.2]
    total = sum(s.attribute_points(coefficient=b, woe=w, intercept=intercept, n_features=2)
                for b, w in zip(coefficients, woes, strict=True))
    log_odds_bad = intercept + sum(b * w for b, w in zip(coefficients, woes, strict=True))
    assert total == pytest.approx(s.score(math.exp(-log_odds_bad)))
    assert s.log_odds_bad(total) == pytest.approx(log_odds_bad)


def test_auc_ks_gini_on_a_four_row_example() -> None:
    y, p = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    assert metrics.auc(y, p) == pytest.approx(0.75)  # 3 of the 4 bad-good pairs ordered right
    assert metrics.gini(y, p) == pytest.approx(0.5)
    assert metrics.ks(y, p) == pytest.approx(0.5)  # at 0.8: half the bads, none of the goods


def test_psi_by_hand() -> None:
    # (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5) = 0.17329 + 0.10137
    assert metrics.psi_from_shares([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.274653, abs=1e-6)
    assert metrics.psi_from_shares([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0
    assert metrics.psi(np.arange(100), np.arange(100)) == pytest.approx(0)
    assert metrics.shares([1, 2, 3, 4], [2.5]) == [0.5, 0.5]


def _spec() -> dict[str, object]:
    return {
        "scaling": {"factor": 20 / math.log(2), "offset": 487.123},
        "calibration": {"slope": 1.0, "intercept": 0.0},
        "features": [
            {"name": "age", "kind": "numeric", "input_index": 0, "iv": 0.2, "splits": [25.0, 40.0],
             "bins": [{"points": 10.0}, {"points": 30.0}, {"points": 50.0}], "missing": {"points": 20.0}},
            {"name": "housing", "kind": "categorical", "input_index": 1, "iv": 0.1, "bin_of_code": [1, 0, -1],
             "bins": [{"points": 5.0}, {"points": 45.0}], "missing": {"points": 15.0}},
        ],
    }


def test_points_and_reasons_from_the_json_spec() -> None:
    spec = _spec()
    x = np.array([[24.0, 0.0], [25.0, 1.0], [np.nan, 2.0], [99.0, np.nan]])
    total, _pd, pts = scorecard.score(spec, x)
    assert pts.tolist() == [[10, 45], [30, 5], [20, 15], [50, 15]]  # 25 falls in [25, 40); code 2 is in no bin
    assert total.tolist() == [55, 35, 35, 65]
    assert scorecard.reasons(spec, pts) == [["age (-40.0)"], ["housing (-40.0)", "age (-20.0)"],
                                            ["age (-30.0)", "housing (-30.0)"], ["housing (-30.0)"]]
