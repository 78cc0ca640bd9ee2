"""The development pipeline: hold-out split, stratified k-fold CV of the whole pipeline, final fit, model card.

Binning happens inside each fold (no leakage). With a date column the held-out sample is the latest 20% of rows
(out of time), otherwise a stratified random 20%.

On the same folds of the development sample alone, the cross-validation measures the scorecard, the challenger, a
blend of the two (the mean of their log-odds) and a plain baseline: a logistic regression on one-hot quantile bins
of every input (missing as its own bin). The candidate with the best mean CV AUC is what the version decides with
(`shipped`): its out-of-fold log-odds are calibrated, and its score and PD are what the platform stores. The model
card names it (`selection`) and sets every candidate beside the baseline, so a model that trails it on data it has
not seen is plain to see before anyone promotes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lightgbm import LGBMClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import OneHotEncoder

from xinyidai.scoring.modelling import challenger, metrics, scorecard, shipped
from xinyidai.scoring.modelling.dataset import TrainingData
from xinyidai.scoring.modelling.scaling import Scaling
from xinyidai.scoring.modelling.scorecard import BinningSettings, FittedScorecard, Spec

HOLDOUT_SHARE = 0.2
BASELINE_QUANTILES = 5  # the one-hot baseline cuts every numeric input at its training quintiles
BASELINE = "baseline_one_hot_logistic"


@dataclass
class Developed:
    """Everything a model version holds: input encoding, scorecard spec and model, challenger, card."""

    inputs: list[Spec]
    scorecard: FittedScorecard
    challenger: LGBMClassifier
    card: dict[str, Any] = field(default_factory=dict)


def _baseline_cells(x: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    """Each input as a category: its quantile bin (numeric) or its code (categorical); missing as -1."""
    cells = np.empty(x.shape, dtype=np.int64)
    for j, cut in enumerate(edges):
        column = x[:, j]
        nan = np.isnan(column)
        filled = np.where(nan, 0.0, column)
        binned = np.searchsorted(cut, filled, side="right") if len(cut) else filled.astype(np.int64)
        cells[:, j] = np.where(nan, -1, binned)
    return cells


def baseline_fit_predict(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                         inputs: list[Spec]) -> np.ndarray:
    """A plain one-hot logistic regression: quintile bins of numeric inputs, categories as they are, missing as a
    category of its own; the PD of each test row."""
    edges: list[np.ndarray] = []
    for j, spec in enumerate(inputs):
        column = x_train[:, j][~np.isnan(x_train[:, j])]
        if spec["kind"] == "numeric" and len(column):
            edges.append(np.unique(np.quantile(column, np.linspace(0, 1, BASELINE_QUANTILES + 1)[1:-1])))
        else:
            edges.append(np.empty(0))
    encoder = OneHotEncoder(handle_unknown="ignore")
    train = encoder.fit_transform(_baseline_cells(x_train, edges))
    model = LogisticRegression(max_iter=2000).fit(train, y_train)
    return np.asarray(model.predict_proba(encoder.transform(_baseline_cells(x_test, edges)))[:, 1], dtype=float)


def cross_validate(x: np.ndarray, y: np.ndarray, inputs: list[Spec], *, folds: int, seed: int, scaling: Scaling,
                   settings: BinningSettings) -> dict[str, Any]:
    """Fold metrics of the scorecard, challenger, blend and one-hot baseline on the same folds, the candidate chosen
    by mean CV AUC, and each candidate's out-of-fold ln(bad:good) (to calibrate the shipped one on)."""
    oof = {name: np.zeros(len(y)) for name in shipped.CANDIDATES}
    per_fold: dict[str, list[dict[str, float]]] = {name: [] for name in (*shipped.CANDIDATES, BASELINE)}
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        fitted = scorecard.fit(x[train], y[train], inputs, scaling=scaling, settings=settings)
        total, _pd, _pts = scorecard.score(fitted.spec, x[test])
        scorecard_log_odds = scorecard.log_odds_bad(fitted.spec, total)
        boosted = challenger.predict_pd(challenger.fit(x[train], y[train], seed=seed), x[test])
        for name in shipped.CANDIDATES:
            oof[name][test] = shipped.log_odds_bad(name, scorecard_log_odds, boosted)
            per_fold[name].append(metrics.discrimination(y[test], oof[name][test]))
        per_fold[BASELINE].append(metrics.discrimination(
            y[test], baseline_fit_predict(x[train], y[train], x[test], inputs)))
    summary = {name: _mean_sd(rows) for name, rows in per_fold.items()}
    chosen = max(shipped.CANDIDATES, key=lambda name: summary[name]["auc_mean"])
    baseline = summary[BASELINE]["auc_mean"]
    selection = {
        "by": "mean cross-validated AUC on the development sample (the same folds for every candidate)",
        "candidates": list(shipped.CANDIDATES), "chosen": chosen,
        "auc_mean": {name: summary[name]["auc_mean"] for name in shipped.CANDIDATES},
        "baseline_auc_mean": baseline,
        "chosen_minus_baseline_auc": summary[chosen]["auc_mean"] - baseline,
        "trails_baseline": summary[chosen]["auc_mean"] < baseline,
        # A person reads and acts on points: whatever decides, the reasons and the portrait are the scorecard's.
        "reasons_from": "scorecard",
    }
    return {"folds": folds, "seed": seed, "per_fold": per_fold, "summary": summary, "selection": selection,
            "oof_log_odds_bad": oof}


def _mean_sd(rows: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in rows[0]:
        values = np.array([r[key] for r in rows])
        out[f"{key}_mean"] = float(values.mean())
        out[f"{key}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return out


def develop(data: TrainingData, *, seed: int = 2026, folds: int = 5, scaling: Scaling | None = None,
            settings: BinningSettings | None = None, source: str = "", decide_with: str | None = None) -> Developed:
    """Split, cross-validate, calibrate on out-of-fold predictions, fit on the development sample, measure.

    The version decides with the candidate chosen by cross-validation, or with `decide_with` where the model's
    owner sets it (a bank that must decide with the scorecard alone); the model card says which, and why."""
    if decide_with is not None and decide_with not in shipped.CANDIDATES:
        raise ValueError(f"decide_with must be one of {', '.join(shipped.CANDIDATES)}")
    scaling = scaling or Scaling()
    settings = settings or BinningSettings()
    inputs = scorecard.build_inputs(data.frame, data.numeric, data.categorical)
    x = scorecard.encode(data.frame, inputs)
    y = data.y_bad
    rows = np.arange(len(y))
    if data.dates is not None:
        order = np.argsort(data.dates.to_numpy(), kind="stable")
        cut = round(len(y) * (1 - HOLDOUT_SHARE))
        dev, hold = order[:cut], order[cut:]
        if min(y[hold].sum(), (1 - y[hold]).sum(), y[dev].sum(), (1 - y[dev]).sum()) == 0:
            raise ValueError("the out-of-time sample or the development sample holds a single class")
    else:
        dev, hold = train_test_split(rows, test_size=HOLDOUT_SHARE, stratify=y, random_state=seed)
    cv = cross_validate(x[dev], y[dev], inputs, folds=folds, seed=seed, scaling=scaling, settings=settings)
    chosen = decide_with or cv["selection"]["chosen"]
    cv["selection"]["decisions_score_with"] = chosen
    cv["selection"]["set_by"] = "the model's owner" if decide_with else "cross-validation"
    fitted = scorecard.fit(x[dev], y[dev], inputs, scaling=scaling, settings=settings)
    fitted.spec["decides_with"] = chosen
    fitted.spec["calibration"] = scorecard.platt(cv.pop("oof_log_odds_bad")[chosen], y[dev])
    boosted = challenger.fit(x[dev], y[dev], seed=seed)

    hold_boosted = challenger.predict_pd(boosted, x[hold])
    dev_score, dev_pd, _ = shipped.score(fitted.spec, x[dev], challenger.predict_pd(boosted, x[dev]))
    hold_score, hold_pd, hold_points = shipped.score(fitted.spec, x[hold], hold_boosted)
    hold_log_odds = scorecard.log_odds_bad(fitted.spec, hold_points.sum(axis=1))
    edges = metrics.decile_edges(dev_score)
    dev_shares = metrics.shares(dev_score, edges)
    fitted.spec["development_score_distribution"] = {"edges": edges, "shares": dev_shares}
    card: dict[str, Any] = {
        "source": source,
        "rows": {"total": len(y), "development": len(dev), "holdout": len(hold),
                 "bad_rate_development": float(y[dev].mean()), "bad_rate_holdout": float(y[hold].mean())},
        "holdout_kind": "out-of-time (latest 20%)" if data.dates is not None else "stratified random 20%",
        "data_window": _window(data, dev, hold),
        "target": {"bad": 1, "good": 0},
        "features": {"numeric": data.numeric, "categorical": data.categorical, "dropped_empty": data.dropped,
                     "selected": fitted.selected,
                     # Left out although informative enough to say why: against the catalogue's expected direction,
                     # or collinear so that a better value would have cost points.
                     "dropped_by_model": fitted.dropped},
        "binning": {"library": "optbinning", "monotonic_trend": settings.monotonic_trend, "min_iv": settings.min_iv,
                    "min_bin_size": settings.min_bin_size, "max_n_prebins": settings.max_n_prebins,
                    "expected_directions": "feature catalogue (xinyidai.scoring.features.expected_trends)",
                    "bad_rate_trend_by_feature": fitted.trends},
        "scaling": fitted.spec["scaling"],
        "scorecard": [{"name": f["name"], "iv": f["iv"], "coefficient": f["coefficient"],
                       "bins": [{"label": b["label"], "woe": b["woe"], "points": round(b["points"], 2)}
                                for b in f["bins"]],
                       "missing_points": round(f["missing"]["points"], 2)} for f in fitted.spec["features"]],
        "selection": cv["selection"],
        "metrics": {
            "cross_validation": cv,
            "holdout": {
                **{name: metrics.discrimination(y[hold], shipped.log_odds_bad(name, hold_log_odds, hold_boosted))
                   for name in shipped.CANDIDATES},
                BASELINE: metrics.discrimination(y[hold], baseline_fit_predict(x[dev], y[dev], x[hold], inputs)),
                # What the version decides with, measured from the score and PD it stores (the same as its candidate).
                "shipped": metrics.discrimination(y[hold], hold_pd),
            },
            "psi_score_development_to_holdout": metrics.psi_from_shares(dev_shares,
                                                                        metrics.shares(hold_score, edges)),
            "calibration": {"method": f"Platt scaling on out-of-fold log-odds of the {chosen}",
                            **fitted.spec["calibration"],
                            "brier_development": metrics.brier(y[dev], dev_pd),
                            "brier_holdout": metrics.brier(y[hold], hold_pd),
                            "holdout_deciles": metrics.calibration_table(y[hold], hold_pd)},
        },
    }
    return Developed(inputs=inputs, scorecard=fitted, challenger=boosted, card=card)


def _window(data: TrainingData, dev: np.ndarray, hold: np.ndarray) -> dict[str, str] | None:
    if data.dates is None:
        return None
    d = data.dates
    return {"development_from": str(d.iloc[dev].min().date()), "development_to": str(d.iloc[dev].max().date()),
            "holdout_from": str(d.iloc[hold].min().date()), "holdout_to": str(d.iloc[hold].max().date())}
