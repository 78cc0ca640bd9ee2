"""The development pipeline: hold-out split, stratified k-fold CV of the whole pipeline, final fit, model card.

Binning happens inside each fold (no leakage). With a date column the held-out sample is the latest 20% of rows
(out of time), otherwise a stratified random 20%.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lightgbm import LGBMClassifier
from sklearn.model_selection import StratifiedKFold, train_test_split

from xinyidai.scoring.modelling import challenger, metrics, scorecard
from xinyidai.scoring.modelling.dataset import TrainingData
from xinyidai.scoring.modelling.scaling import Scaling
from xinyidai.scoring.modelling.scorecard import BinningSettings, FittedScorecard, Spec

HOLDOUT_SHARE = 0.2


@dataclass
class Developed:
    """Everything a model version holds: input encoding, scorecard spec and model, challenger, card."""

    inputs: list[Spec]
    scorecard: FittedScorecard
    challenger: LGBMClassifier
    card: dict[str, Any] = field(default_factory=dict)


def cross_validate(x: np.ndarray, y: np.ndarray, inputs: list[Spec], *, folds: int, seed: int, scaling: Scaling,
                   settings: BinningSettings, with_challenger: bool = True) -> dict[str, Any]:
    """Fold metrics of the scorecard (and challenger) and the scorecard's out-of-fold ln(bad:good)."""
    oof = np.zeros(len(y))
    per_fold: dict[str, list[dict[str, float]]] = {"scorecard": [], "challenger": []}
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        fitted = scorecard.fit(x[train], y[train], inputs, scaling=scaling, settings=settings)
        total, _pd, _pts = scorecard.score(fitted.spec, x[test])
        oof[test] = scorecard.log_odds_bad(fitted.spec, total)
        per_fold["scorecard"].append(metrics.discrimination(y[test], oof[test]))
        if with_challenger:
            model = challenger.fit(x[train], y[train], seed=seed)
            per_fold["challenger"].append(metrics.discrimination(y[test], challenger.predict_pd(model, x[test])))
    summary = {name: _mean_sd(rows) for name, rows in per_fold.items() if rows}
    return {"folds": folds, "seed": seed, "per_fold": per_fold, "summary": summary, "oof_log_odds_bad": oof}


def _mean_sd(rows: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in rows[0]:
        values = np.array([r[key] for r in rows])
        out[f"{key}_mean"] = float(values.mean())
        out[f"{key}_sd"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return out


def develop(data: TrainingData, *, seed: int = 2026, folds: int = 5, scaling: Scaling | None = None,
            settings: BinningSettings | None = None, source: str = "") -> Developed:
    """Split, cross-validate, calibrate on out-of-fold predictions, fit on the development sample, measure."""
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
    fitted = scorecard.fit(x[dev], y[dev], inputs, scaling=scaling, settings=settings)
    fitted.spec["calibration"] = scorecard.platt(cv.pop("oof_log_odds_bad"), y[dev])
    boosted = challenger.fit(x[dev], y[dev], seed=seed)

    dev_score, dev_pd, _ = scorecard.score(fitted.spec, x[dev])
    hold_score, hold_pd, _ = scorecard.score(fitted.spec, x[hold])
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
        "metrics": {
            "cross_validation": cv,
            "holdout": {"scorecard": metrics.discrimination(y[hold], hold_pd),
                        "challenger": metrics.discrimination(y[hold], challenger.predict_pd(boosted, x[hold]))},
            "psi_score_development_to_holdout": metrics.psi_from_shares(dev_shares,
                                                                        metrics.shares(hold_score, edges)),
            "calibration": {"method": "Platt scaling on out-of-fold scorecard log-odds",
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
