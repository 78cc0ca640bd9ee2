"""The WoE logistic-regression scorecard: monotonic optimal binning (optbinning), points, and its JSON/ONNX forms.

Each feature of the catalogue is binned in its expected direction (`features.expected_trends`): optbinning merges
adjacent bins until the bad rate follows it, so a better value never costs points, whatever noise the training data
holds. A feature whose data runs against its direction ends up without information and is left out, and the
fitted scorecard says why (`FittedScorecard.dropped`). Columns the catalogue does not know are binned with
`BinningSettings.monotonic_trend`.

The scorecard is kept as plain JSON (bins, WoE, points, scaling, calibration): enough to score and to give
reasons without unpickling anything. `to_onnx` writes the same arithmetic as an ONNX graph in double precision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from xinyidai.scoring import features
from xinyidai.scoring.modelling.scaling import Scaling

if TYPE_CHECKING:  # optbinning (and cvxpy under it) loads in `fit` only: scoring from the spec needs numpy alone
    from optbinning import BinningProcess

Spec = dict[str, Any]


@dataclass(frozen=True)
class BinningSettings:
    """optbinning settings: monotonic numeric bins, an IV floor for selection, a minimum bin share.

    `monotonic_trend` applies only to columns without an expected direction in the feature catalogue.
    """

    min_iv: float = 0.02
    min_bin_size: float = 0.05
    max_n_prebins: int = 20
    monotonic_trend: str = "auto_asc_desc"
    regularisation_c: float = 1.0


def build_inputs(frame: pd.DataFrame, numeric: list[str], categorical: list[str]) -> list[Spec]:
    """The input encoding shared by both models: numeric as is, categories as codes into a sorted list."""
    inputs: list[Spec] = []
    for name in frame.columns:
        if name in numeric:
            inputs.append({"name": name, "kind": "numeric"})
        elif name in categorical:
            categories = sorted({str(v) for v in frame[name] if v is not None and v == v})
            inputs.append({"name": name, "kind": "categorical", "categories": categories})
    return inputs


def encode(frame: pd.DataFrame, inputs: list[Spec]) -> np.ndarray:
    """The input matrix (float64, NaN for missing or unseen categories) in the order of `inputs`."""
    x = np.full((len(frame), len(inputs)), np.nan)
    for j, spec in enumerate(inputs):
        column = frame[spec["name"]]
        if spec["kind"] == "numeric":
            x[:, j] = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        else:
            codes = {c: i for i, c in enumerate(spec["categories"])}
            x[:, j] = [codes.get(str(v), np.nan) if v is not None and v == v else np.nan for v in column]
    return x


def decode(x: np.ndarray, inputs: list[Spec]) -> pd.DataFrame:
    """The frame optbinning sees, rebuilt from the input matrix (unseen categories become missing)."""
    data: dict[str, Any] = {}
    for j, spec in enumerate(inputs):
        if spec["kind"] == "numeric":
            data[spec["name"]] = x[:, j]
        else:
            categories = spec["categories"]
            data[spec["name"]] = pd.Series([categories[int(v)] if v == v else np.nan for v in x[:, j]], dtype=object)
    return pd.DataFrame(data)


@dataclass
class FittedScorecard:
    """The fitted optbinning process and regression, and the JSON spec derived from them."""

    binning: BinningProcess
    regression: LogisticRegression
    selected: list[str]
    spec: Spec
    trends: dict[str, str] = field(default_factory=dict)  # the bad-rate trend each numeric input was binned with
    dropped: dict[str, str] = field(default_factory=dict)  # inputs left out for a reason worth telling, and why

    def log_odds_bad_in_memory(self, x: np.ndarray, inputs: list[Spec]) -> np.ndarray:
        """ln(bad:good) straight from optbinning and scikit-learn (to check the JSON and ONNX forms against)."""
        woe = self.binning.transform(decode(x, inputs), metric="woe")[self.selected]
        return np.asarray(self.regression.decision_function(woe.to_numpy()), dtype=float)


AGAINST_DIRECTION = "训练数据的坏账率走势与预期方向相反 bad rate runs against the expected direction"
POSITIVE_COEFFICIENT = "与其他特征共线，系数方向错误 collinear: its coefficient would reward a worse value"


def follows(event_rates: list[float], trend: str) -> bool:
    """Whether the bins' bad rates (lowest values first) follow the trend ("ascending" or "descending")."""
    steps = np.diff(np.asarray(event_rates, dtype=float))
    if trend == "ascending":
        return bool((steps >= -1e-12).all())
    if trend == "descending":
        return bool((steps <= 1e-12).all())
    return True


def _raw_trend(column: np.ndarray, y_bad: np.ndarray) -> float:
    """The sign of the rank correlation between a value and badness (0 when it cannot be told)."""
    known = ~np.isnan(column)
    if known.sum() < 3 or np.ptp(column[known]) == 0 or np.ptp(y_bad[known]) == 0:
        return 0.0
    ranks = pd.Series(column[known]).rank().to_numpy()
    return float(np.sign(np.corrcoef(ranks, y_bad[known])[0, 1]))


def fit(x: np.ndarray, y_bad: np.ndarray, inputs: list[Spec], *, scaling: Scaling, settings: BinningSettings,
        directions: Mapping[str, str] | None = None) -> FittedScorecard:
    """Bin every input monotonically in its expected direction, keep those with enough IV that follow it, regress
    on WoE, and scale to points (`directions`: feature → bad-rate trend; the feature catalogue's by default)."""
    from optbinning import BinningProcess  # seconds to import: only training pays it, never a request that scores

    directions = features.expected_trends() if directions is None else directions
    frame = decode(x, inputs)
    names = [s["name"] for s in inputs]
    categorical = [s["name"] for s in inputs if s["kind"] == "categorical"]
    trends = {n: directions.get(n, settings.monotonic_trend) for n in names if n not in categorical}
    binning = BinningProcess(
        names, categorical_variables=categorical, max_n_prebins=settings.max_n_prebins,
        min_bin_size=settings.min_bin_size, selection_criteria={"iv": {"min": settings.min_iv}},
        binning_fit_params={n: {"monotonic_trend": trend} for n, trend in trends.items()},
    )
    binning.fit(frame, y_bad)
    selected = [str(n) for n in binning.get_support(names=True)]
    dropped: dict[str, str] = {}
    for j, name in enumerate(names):
        trend = directions.get(name)
        if name in categorical or trend is None:
            continue
        table = binning.get_binned_variable(name).binning_table.build()
        rates = [float(r) for r, count in zip(table["Event rate"].iloc[:-3], table["Count"].iloc[:-3], strict=True)
                 if count > 0]
        against = _raw_trend(x[:, j], y_bad) == (-1.0 if trend == "ascending" else 1.0)
        # A bin order optbinning could not make follow the direction (an infeasible solve) cannot be trusted; a
        # feature left without information because its data runs the other way is named, not silently lost.
        if not follows(rates, trend) or (against and name not in selected):
            dropped[name] = AGAINST_DIRECTION
    selected = [n for n in selected if n not in dropped]
    if not selected:
        selected = [n for n in names if n not in dropped] or names
    woe_all = binning.transform(frame, metric="woe")
    # WoE is ln(good share / bad share), so every coefficient on ln(bad:good) should be negative; a positive one
    # (collinearity) would make a better attribute cost points, so such a feature is dropped and the rest refitted.
    while True:
        regression = LogisticRegression(C=settings.regularisation_c, max_iter=2000)
        regression.fit(woe_all[selected].to_numpy(), y_bad)
        wrong = [n for n, b in zip(selected, regression.coef_[0], strict=True) if b > 0]
        if not wrong or len(selected) == 1:
            break
        dropped.update({n: POSITIVE_COEFFICIENT for n in wrong})
        selected = [n for n in selected if n not in wrong]
    return FittedScorecard(binning=binning, regression=regression, selected=selected,
                           spec=_spec(binning, regression, selected, inputs, scaling), trends=trends,
                           dropped=dropped)


def _spec(binning: BinningProcess, regression: LogisticRegression, selected: list[str], inputs: list[Spec],
          scaling: Scaling) -> Spec:
    intercept = float(regression.intercept_[0])
    index = {s["name"]: j for j, s in enumerate(inputs)}
    features: list[Spec] = []
    for name, coefficient in zip(selected, regression.coef_[0], strict=True):
        optb = binning.get_binned_variable(name)
        table = optb.binning_table.build()
        spec_in = inputs[index[name]]

        def points(woe: float, b: float = float(coefficient)) -> float:
            return scaling.attribute_points(coefficient=b, woe=woe, intercept=intercept, n_features=len(selected))

        missing_woe = float(optb.transform(np.array([np.nan], dtype=float if optb.dtype == "numerical" else object),
                                           metric="woe")[0])
        n_bins = len(optb.splits) + 1 if optb.dtype == "numerical" else len(optb.splits)
        bins: list[Spec] = []
        for b in range(n_bins):
            row = table.iloc[b]
            woe = float(row["WoE"])
            label = str(row["Bin"]) if optb.dtype == "numerical" else "、".join(str(c) for c in row["Bin"])
            bins.append({"label": label, "woe": woe, "points": points(woe), "count": int(row["Count"]),
                         "bad_rate": float(row["Event rate"])})
        feature: Spec = {"name": name, "input_index": index[name], "kind": spec_in["kind"],
                         "coefficient": float(coefficient), "iv": float(table.loc["Totals", "IV"]), "bins": bins,
                         "missing": {"label": "缺失/未见过 missing or unseen", "woe": missing_woe,
                                     "points": points(missing_woe)}}
        if optb.dtype == "numerical":
            feature["splits"] = [float(s) for s in optb.splits]
        else:
            bin_of = {str(c): b for b, group in enumerate(optb.splits) for c in group}
            # Codes of categories seen in training but put in no bin score as missing (-1).
            feature["bin_of_code"] = [bin_of.get(c, -1) for c in spec_in["categories"]]
        features.append(feature)
    return {
        "scaling": {"base_score": scaling.base_score, "base_odds": scaling.base_odds, "pdo": scaling.pdo,
                    "factor": scaling.factor, "offset": scaling.offset},
        "intercept": intercept,
        "calibration": {"slope": 1.0, "intercept": 0.0},
        "features": features,
    }


def _points_table(feature: Spec) -> tuple[np.ndarray, float]:
    """Points by bin (numeric) or by category code (categorical), and the points of missing."""
    missing = float(feature["missing"]["points"])
    bin_points = [float(b["points"]) for b in feature["bins"]]
    if feature["kind"] == "numeric":
        return np.array(bin_points), missing
    return np.array([bin_points[b] if b >= 0 else missing for b in feature["bin_of_code"]] or [missing]), missing


def points(spec: Spec, x: np.ndarray) -> np.ndarray:
    """Points of every feature for every row [rows, features], computed from the JSON spec alone."""
    out = np.empty((x.shape[0], len(spec["features"])))
    for k, feature in enumerate(spec["features"]):
        column = x[:, feature["input_index"]]
        table, missing = _points_table(feature)
        nan = np.isnan(column)
        if feature["kind"] == "numeric":
            index = np.searchsorted(np.array(feature["splits"]), np.where(nan, 0.0, column), side="right")
        else:
            index = np.where(nan, 0, column).astype(int)
        out[:, k] = np.where(nan, missing, table[index])
    return out


def log_odds_bad(spec: Spec, score: np.ndarray) -> np.ndarray:
    """Uncalibrated ln(bad:good) implied by the scaled score."""
    return np.asarray((spec["scaling"]["offset"] - score) / spec["scaling"]["factor"], dtype=float)


def calibrated_pd(spec: Spec, score: np.ndarray) -> np.ndarray:
    """PD after the Platt recalibration fitted on out-of-fold predictions."""
    c = spec["calibration"]
    return np.asarray(1.0 / (1.0 + np.exp(-(c["slope"] * log_odds_bad(spec, score) + c["intercept"]))), dtype=float)


def score(spec: Spec, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score, calibrated PD and the points matrix of every row, from the JSON spec."""
    pts = points(spec, x)
    total = pts.sum(axis=1)
    return total, calibrated_pd(spec, total), pts


def top_losses(spec: Spec, pts: np.ndarray, top: int = 3) -> list[list[tuple[str, float]]]:
    """For each row, (feature, points lost) of the features costing the most against their best bin (ties: IV)."""
    best = np.array([max([b["points"] for b in f["bins"]] + [f["missing"]["points"]]) for f in spec["features"]])
    lost = best[None, :] - pts
    out: list[list[tuple[str, float]]] = []
    for row in lost:
        order = sorted(range(len(row)), key=lambda k: (-round(row[k], 9), -spec["features"][k]["iv"]))
        out.append([(str(spec["features"][k]["name"]), float(row[k])) for k in order[:top] if row[k] > 1e-9])
    return out


def reasons(spec: Spec, pts: np.ndarray, top: int = 3) -> list[list[str]]:
    """For each row, the features costing the most points against their best bin, as "name (-points)"."""
    return [[f"{name} (-{lost:.1f})" for name, lost in row] for row in top_losses(spec, pts, top)]


def platt(log_odds: np.ndarray, y_bad: np.ndarray) -> dict[str, float]:
    """Slope and intercept mapping ln(bad:good) to calibrated log-odds, fitted on out-of-fold predictions."""
    model = LogisticRegression(C=1e6, max_iter=1000).fit(log_odds.reshape(-1, 1), y_bad)
    return {"slope": float(model.coef_[0][0]), "intercept": float(model.intercept_[0])}


def to_onnx(spec: Spec, n_inputs: int) -> bytes:
    """The scorecard as an ONNX graph: input X [N, n_inputs] double → score [N], pd [N], points [N, features]."""
    from onnx import TensorProto, checker, helper, numpy_helper

    nodes: list[Any] = []
    inits: list[Any] = []

    def const(name: str, value: Any, dtype: Any = np.float64) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    const("zero", 0.0)
    for k, feature in enumerate(spec["features"]):
        p = f"f{k}_"
        table, missing = _points_table(feature)
        nodes.append(helper.make_node("Gather", ["X", const(p + "col", [feature["input_index"]], np.int64)],
                                      [p + "x"], axis=1))
        nodes.append(helper.make_node("IsNaN", [p + "x"], [p + "nan"]))
        nodes.append(helper.make_node("Where", [p + "nan", "zero", p + "x"], [p + "x0"]))
        if feature["kind"] == "numeric":
            nodes.append(helper.make_node("GreaterOrEqual", [p + "x0", const(p + "splits", [feature["splits"]])],
                                          [p + "ge"]))
            nodes.append(helper.make_node("Cast", [p + "ge"], [p + "gei"], to=TensorProto.INT64))
            nodes.append(helper.make_node("ReduceSum", [p + "gei", const(p + "ax", [1], np.int64)], [p + "idx"],
                                          keepdims=1))
        else:
            nodes.append(helper.make_node("Cast", [p + "x0"], [p + "idx"], to=TensorProto.INT64))
        nodes.append(helper.make_node("Gather", [const(p + "table", table), p + "idx"], [p + "pts0"], axis=0))
        nodes.append(helper.make_node("Where", [p + "nan", const(p + "miss", missing), p + "pts0"], [p + "pts"]))
    names = [f"f{k}_pts" for k in range(len(spec["features"]))]
    nodes.append(helper.make_node("Concat", names, ["points"], axis=1))
    nodes.append(helper.make_node("ReduceSum", ["points", const("ax1", [1], np.int64)], ["score"], keepdims=0))
    s, c = spec["scaling"], spec["calibration"]
    # calibrated logit = slope·(offset − score)/factor + intercept = a − b·score
    b = c["slope"] / s["factor"]
    a = c["slope"] * s["offset"] / s["factor"] + c["intercept"]
    nodes.append(helper.make_node("Mul", ["score", const("b", b)], ["bscore"]))
    nodes.append(helper.make_node("Sub", [const("a", a), "bscore"], ["logit"]))
    nodes.append(helper.make_node("Sigmoid", ["logit"], ["pd"]))
    graph = helper.make_graph(
        nodes, "scorecard",
        [helper.make_tensor_value_info("X", TensorProto.DOUBLE, [None, n_inputs])],
        [helper.make_tensor_value_info("score", TensorProto.DOUBLE, [None]),
         helper.make_tensor_value_info("pd", TensorProto.DOUBLE, [None]),
         helper.make_tensor_value_info("points", TensorProto.DOUBLE, [None, len(spec["features"])])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="xinyidai")
    model.ir_version = 8
    checker.check_model(model)
    return bytes(model.SerializeToString())

