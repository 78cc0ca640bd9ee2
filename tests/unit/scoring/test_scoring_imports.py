"""Scoring a firm with the champion's scorecard (测一测, an application, a batch page) needs numpy alone: the training
library (optbinning, and cvxpy under it) loads only when a scorecard is trained. The load test found the first
assessment of each server process importing it inside the request, seconds during which the process served no one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import xinyidai

SCORE = """
import sys
import numpy as np
from xinyidai.scoring.modelling import scorecard
bins = [{"points": 10.0}, {"points": 30.0}]
spec = {"features": [{"name": "x", "input_index": 0, "kind": "numeric", "splits": [1.0], "bins": bins, "iv": 0.1,
                      "missing": {"points": 0.0}}],
        "scaling": {"offset": 487.1, "factor": 28.85}, "calibration": {"slope": 1.0, "intercept": 0.0}}
total, pd, points = scorecard.score(spec, np.array([[0.5], [2.0]]))
assert total.tolist() == [10.0, 30.0] and scorecard.top_losses(spec, points)[0] == [("x", 20.0)]
print(sorted(m for m in ("optbinning", "cvxpy") if m in sys.modules))
"""


def test_the_scorecard_module_scores_without_loading_the_training_library() -> None:
    src = str(Path(xinyidai.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    loaded = subprocess.run([sys.executable, "-c", SCORE], env=env, check=True, capture_output=True,
                            text=True).stdout.strip()
    assert loaded == "[]"
