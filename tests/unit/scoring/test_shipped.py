"""What a version decides with, as pure arithmetic on a hand-made spec: the scorecard's points' total, the
challenger's log-odds or their mean, scaled to a score and calibrated to a PD."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xinyidai.scoring.modelling import shipped
from xinyidai.scoring.modelling.scaling import Scaling

SCALING = Scaling()


def _spec(**extra: object) -> dict[str, object]:
    """One numeric input split at 10: 60 points below, 20 at or above, 30 when missing."""
    return {"scaling": {"offset": SCALING.offset, "factor": SCALING.factor},
            "calibration": {"slope": 1.0, "intercept": 0.0},
            "features": [{"name": "f", "input_index": 0, "kind": "numeric", "splits": [10.0],
                          "bins": [{"points": 60.0}, {"points": 20.0}], "missing": {"points": 30.0}}], **extra}


X = np.array([[3.0], [12.0], [np.nan]])


def _sigmoid(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def test_a_spec_without_a_choice_decides_with_its_scorecard() -> None:
    score, pd, points = shipped.score(_spec(), X)
    assert score.tolist() == [60.0, 20.0, 30.0] and points[:, 0].tolist() == [60.0, 20.0, 30.0]
    assert pd[0] == pytest.approx(_sigmoid((SCALING.offset - 60.0) / SCALING.factor))
    assert not shipped.needs_challenger(_spec())
    assert shipped.decides_with(_spec(decides_with="scorecard")) == "scorecard"


@pytest.mark.parametrize("candidate", ["challenger", "blend"])
def test_the_challenger_and_the_blend_score_from_the_challengers_pd(candidate: str) -> None:
    boosted = np.array([0.02, 0.5, 0.9])
    score, pd, points = shipped.score(_spec(decides_with=candidate), X, boosted)
    scorecard_log_odds = (SCALING.offset - np.array([60.0, 20.0, 30.0])) / SCALING.factor
    challenger_log_odds = np.log(boosted / (1 - boosted))
    expected = challenger_log_odds if candidate == "challenger" else (scorecard_log_odds + challenger_log_odds) / 2
    assert pd == pytest.approx([_sigmoid(v) for v in expected])
    assert score == pytest.approx(SCALING.offset - SCALING.factor * expected)
    assert np.all(np.diff(pd[np.argsort(score)]) < 0)  # a higher score is a lower PD
    assert points[:, 0].tolist() == [60.0, 20.0, 30.0]  # the reasons' points stay the scorecard's


def test_a_version_deciding_with_the_challenger_cannot_score_without_it() -> None:
    with pytest.raises(ValueError, match="challenger"):
        shipped.score(_spec(decides_with="blend"), X)
    with pytest.raises(ValueError, match="unknown"):
        shipped.score(_spec(decides_with="forest"), X, np.full(3, 0.5))
