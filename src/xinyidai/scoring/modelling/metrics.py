"""Discrimination, stability and calibration measures used in the model card. Pure functions of arrays."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score, roc_curve

PSI_FLOOR = 1e-4  # a share of zero would make PSI infinite; the usual practice floors it


def auc(y_bad: ArrayLike, pd: ArrayLike) -> float:
    """Area under the ROC curve of `pd` (higher = riskier) for the bad flag `y_bad`."""
    return float(roc_auc_score(np.asarray(y_bad), np.asarray(pd)))


def gini(y_bad: ArrayLike, pd: ArrayLike) -> float:
    """Gini (accuracy ratio) = 2·AUC − 1."""
    return 2.0 * auc(y_bad, pd) - 1.0


def ks(y_bad: ArrayLike, pd: ArrayLike) -> float:
    """Kolmogorov–Smirnov: the largest gap between the cumulative bad and good distributions."""
    fpr, tpr, _ = roc_curve(np.asarray(y_bad), np.asarray(pd))
    return float(np.max(np.abs(tpr - fpr)))


def discrimination(y_bad: ArrayLike, pd: ArrayLike) -> dict[str, float]:
    """AUC, KS and Gini together, as stored in the model card."""
    return {"auc": auc(y_bad, pd), "ks": ks(y_bad, pd), "gini": gini(y_bad, pd)}


def psi_from_shares(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index Σ (a − e)·ln(a / e) over bins given as shares."""
    e = np.maximum(np.asarray(expected, dtype=float), PSI_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), PSI_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def decile_edges(values: ArrayLike, bins: int = 10) -> list[float]:
    """Inner cut points splitting `values` into `bins` groups of about equal size (duplicates dropped)."""
    quantiles = np.quantile(np.asarray(values, dtype=float), np.linspace(0, 1, bins + 1)[1:-1])
    return sorted({float(q) for q in quantiles})


def shares(values: ArrayLike, edges: Sequence[float]) -> list[float]:
    """Share of `values` in each interval (−∞, e1), [e1, e2), …, [ek, ∞)."""
    v = np.asarray(values, dtype=float)
    counts = np.bincount(np.searchsorted(np.asarray(edges), v, side="right"), minlength=len(edges) + 1)
    return [float(c) / len(v) for c in counts]


def psi(expected_values: ArrayLike, actual_values: ArrayLike, bins: int = 10) -> float:
    """PSI of `actual_values` against `expected_values`, on the expected sample's deciles."""
    edges = decile_edges(expected_values, bins)
    return psi_from_shares(shares(expected_values, edges), shares(actual_values, edges))


def calibration_table(y_bad: ArrayLike, pd: ArrayLike, bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted PD against the observed bad rate in groups of equal size, riskiest last."""
    y = np.asarray(y_bad, dtype=float)
    p = np.asarray(pd, dtype=float)
    order = np.argsort(p, kind="stable")
    return [
        {"count": float(len(group)), "mean_pd": float(p[group].mean()), "bad_rate": float(y[group].mean())}
        for group in np.array_split(order, min(bins, len(p)))
        if len(group)
    ]


def brier(y_bad: ArrayLike, pd: ArrayLike) -> float:
    """Mean squared error of the PD against the 0/1 outcome."""
    return float(np.mean((np.asarray(pd, dtype=float) - np.asarray(y_bad, dtype=float)) ** 2))
