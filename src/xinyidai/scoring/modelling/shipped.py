"""What a model version decides with: the candidate its development chose by cross-validation (the scorecard, the
challenger or their blend), as one ln(bad:good) per row, scaled to a score and calibrated to a PD.

The scorecard's points always give the reasons and the portrait: they are what a person can read and act on. The
chosen candidate gives the score, the PD and so the decision. With the scorecard the score is the total of its
points, as it always was; with the challenger or the blend it is the same scaling applied to their log-odds, so a
higher score is always a lower PD. A spec without `decides_with` (stored before the choice shipped) decides with
its scorecard.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xinyidai.scoring.modelling import scorecard
from xinyidai.scoring.modelling.scorecard import Spec

SCORECARD, CHALLENGER, BLEND = "scorecard", "challenger", "blend"
CANDIDATES = (SCORECARD, CHALLENGER, BLEND)


def decides_with(spec: Spec) -> str:
    """The candidate the version's decisions are made with."""
    return str(spec.get("decides_with", SCORECARD))


def needs_challenger(spec: Spec) -> bool:
    """Whether scoring with the version needs the challenger's PD."""
    return decides_with(spec) != SCORECARD


def logit(pd: np.ndarray) -> np.ndarray:
    """ln(p / (1 − p)), clipped away from 0 and 1."""
    clipped = np.clip(pd, 1e-9, 1 - 1e-9)
    return np.asarray(np.log(clipped / (1 - clipped)), dtype=float)


def log_odds_bad(candidate: str, scorecard_log_odds: np.ndarray, challenger_pd: np.ndarray | None) -> np.ndarray:
    """The candidate's uncalibrated ln(bad:good): the scorecard's, the challenger's, or the mean of the two."""
    if candidate == SCORECARD:
        return scorecard_log_odds
    if challenger_pd is None:
        raise ValueError(f"scoring with the {candidate} needs the challenger's PD")
    boosted = logit(challenger_pd)
    if candidate == CHALLENGER:
        return boosted
    if candidate == BLEND:
        return np.asarray((scorecard_log_odds + boosted) / 2, dtype=float)
    raise ValueError(f"unknown candidate {candidate!r}")


def from_total(spec: Spec, total: np.ndarray, challenger_pd: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Score and calibrated PD of every row, as the version decides, from its scorecard points' total (and the
    challenger's PD where the version needs it)."""
    candidate = decides_with(spec)
    if candidate != SCORECARD:
        raw = log_odds_bad(candidate, scorecard.log_odds_bad(spec, total), challenger_pd)
        total = spec["scaling"]["offset"] - spec["scaling"]["factor"] * raw
    return total, scorecard.calibrated_pd(spec, total)


def score(spec: Spec, x: np.ndarray, challenger_pd: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray,
                                                                                     np.ndarray]:
    """Score, calibrated PD and the scorecard's points matrix of every row, as the version decides."""
    points = scorecard.points(spec, x)
    total, pd = from_total(spec, points.sum(axis=1), challenger_pd)
    return total, pd, points


def onnx_session(graph: bytes) -> Any:
    """An ONNX Runtime session of a stored graph, on one CPU thread (requests and batch workers run side by side)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


def challenger_pd(session: Any, x: np.ndarray) -> np.ndarray:
    """The challenger's PD of every row, from its ONNX session."""
    outputs = session.run(None, {"X": x.astype(np.float32)})
    return np.asarray(outputs[1], dtype=float)[:, 1]
