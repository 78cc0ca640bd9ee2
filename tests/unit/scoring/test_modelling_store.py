"""Train on synthetic data, store as JSON + ONNX, reload: ONNX, JSON and the in-memory models agree."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xinyidai.scoring.modelling import challenger, development, scorecard, shipped, store
from xinyidai.scoring.modelling.dataset import TrainingData


@pytest.fixture(scope="module")
def developed() -> development.Developed:
    rng = np.random.default_rng(7)
    n = 400
    income = rng.normal(10, 3, n)
    overdue = rng.poisson(1.0, n).astype(float)
    overdue[rng.random(n) < 0.05] = np.nan
    sector = rng.choice(["farm", "shop", "plant"], n)
    logit = -1.0 - 0.3 * (income - 10) + 0.6 * overdue + np.where(sector == "farm", 0.8, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-np.nan_to_num(logit)))).astype(int)
    frame = pd.DataFrame({"income": income, "overdue": overdue, "sector": pd.Series(sector, dtype=object)})
    data = TrainingData(frame=frame, y_bad=y, numeric=["income", "overdue"], categorical=["sector"], dates=None,
                        dropped=[])
    return development.develop(data, folds=3)


def test_round_trip_scores_identical(developed: development.Developed, tmp_path: Path) -> None:
    version = store.save(developed, tmp_path / "v1")
    assert sorted(p.name for p in (tmp_path / "v1").iterdir()) == [
        "challenger.onnx", "model_card.json", "scorecard.json", "scorecard.onnx"]
    assert [p.name for p in tmp_path.iterdir()] == ["v1"]  # the staging directory is gone
    loaded = store.load(tmp_path / "v1")
    assert loaded.card["version"] == version
    x = scorecard.encode(pd.DataFrame({
        "income": [4.0, 10.0, 16.0, np.nan], "overdue": [3.0, 0.0, np.nan, 1.0],
        "sector": pd.Series(["farm", "shop", "unknown", None], dtype=object)}), loaded.inputs)
    onnx_total, onnx_scorecard_pd, onnx_points = loaded.run_scorecard(x)
    json_total, json_scorecard_pd, json_points = scorecard.score(loaded.spec, x)
    np.testing.assert_allclose(onnx_total, json_total, atol=1e-6, rtol=0)
    np.testing.assert_allclose(onnx_scorecard_pd, json_scorecard_pd, atol=1e-6, rtol=0)
    np.testing.assert_allclose(onnx_points, json_points, atol=1e-6, rtol=0)
    in_memory = developed.scorecard.log_odds_bad_in_memory(x, developed.inputs)
    np.testing.assert_allclose(scorecard.log_odds_bad(loaded.spec, onnx_total), in_memory, atol=1e-6, rtol=0)
    # LightGBM's ONNX tree ensemble runs in float32, so its PD agrees to float32 precision only
    in_memory_challenger = challenger.predict_pd(developed.challenger, x)
    onnx_score, onnx_pd, _points, onnx_challenger = loaded.run(x)
    np.testing.assert_allclose(onnx_challenger, in_memory_challenger, atol=1e-5, rtol=0)
    # What the version decides with, through the graphs and from the JSON with the in-memory challenger.
    json_score, json_pd, _ = shipped.score(loaded.spec, x, in_memory_challenger)
    np.testing.assert_allclose(onnx_score, json_score, atol=1e-3, rtol=0)
    np.testing.assert_allclose(onnx_pd, json_pd, atol=1e-5, rtol=0)
    assert json_score[0] < json_score[2]  # low income and overdue payments score worse


def test_card_holds_metrics_bins_and_points(developed: development.Developed) -> None:
    card = developed.card
    assert set(card["metrics"]["holdout"]) == {"scorecard", "challenger", "blend", "baseline_one_hot_logistic",
                                               "shipped"}
    assert 0.5 < card["metrics"]["cross_validation"]["summary"]["scorecard"]["auc_mean"] <= 1
    assert card["metrics"]["psi_score_development_to_holdout"] >= 0
    income = next(f for f in card["scorecard"] if f["name"] == "income")
    points = [b["points"] for b in income["bins"]]
    assert points == sorted(points)  # monotonic binning: more income, never fewer points


def test_existing_directory_is_refused(developed: development.Developed, tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "keep.txt").write_text("x")
    with pytest.raises(store.StoreError):
        store.save(developed, tmp_path / "v1")
    assert [p.name for p in (tmp_path / "v1").iterdir()] == ["keep.txt"]
