"""The model store: one directory per version holding JSON and ONNX only (never a pickle).

    model_card.json   data window, features, bins and points, metrics, the candidate chosen
    scorecard.json    input encoding, bins, WoE, points, scaling, calibration, what the version decides with
                      (`decides_with`: the scorecard alone scores from this file; reasons always come from it)
    scorecard.onnx    the scorecard graph (double precision)
    challenger.onnx   the LightGBM challenger (its PD enters the score of a version deciding with it or the blend)

A version is written into a temporary sibling directory, checked (ONNX against the in-memory models), and renamed
into place at the end, so a failed training leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from xinyidai import clock
from xinyidai.scoring.modelling import challenger, scorecard, shipped
from xinyidai.scoring.modelling.dataset import DatasetError, Table, numeric_column
from xinyidai.scoring.modelling.development import Developed
from xinyidai.scoring.modelling.scorecard import Spec

FORMAT_VERSION = 1
ONNX_TOLERANCE = 1e-6


class StoreError(ValueError):
    """A model directory that cannot be written or read."""


def save(developed: Developed, out: Path) -> str:
    """Write a new version to `out` (which must not exist yet) and return its version id."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise StoreError(f"{out} already exists: a version directory is written once")
    out.parent.mkdir(parents=True, exist_ok=True)
    n_inputs = len(developed.inputs)
    spec = {"format": FORMAT_VERSION, "inputs": developed.inputs, **developed.scorecard.spec}
    files = {
        "scorecard.json": json.dumps(spec, ensure_ascii=False, indent=1).encode(),
        "scorecard.onnx": scorecard.to_onnx(spec, n_inputs),
        "challenger.onnx": challenger.to_onnx(developed.challenger, n_inputs),
    }
    digest = hashlib.sha256(b"".join(files[k] for k in sorted(files))).hexdigest()[:12]
    version = f"{clock.now().strftime('%Y%m%dT%H%M%S')}-{digest}"
    card = {"format": FORMAT_VERSION, "version": version, "created_at": clock.now().isoformat(),
            "files": sorted(files), **developed.card}
    files["model_card.json"] = json.dumps(card, ensure_ascii=False, indent=1).encode()
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        _check(load(staging), developed)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return version


def _check(model: LoadedModel, developed: Developed) -> None:
    """The stored ONNX graphs must reproduce the in-memory models on the development inputs' extremes."""
    probe = np.vstack([np.full(len(developed.inputs), np.nan), np.zeros(len(developed.inputs))])
    (onnx_total, _pd, _pts), onnx_challenger = model.run_scorecard(probe), model.run_challenger(probe)
    json_total, _, _ = scorecard.score(model.spec, probe)
    if not np.allclose(onnx_total, json_total, atol=ONNX_TOLERANCE, rtol=0):
        raise StoreError("the exported scorecard does not reproduce the fitted one")
    if not np.allclose(onnx_challenger, challenger.predict_pd(developed.challenger, probe), atol=1e-5, rtol=0):
        raise StoreError("the exported challenger does not reproduce the fitted one")


@dataclass
class LoadedModel:
    """A stored version: its JSON and ONNX Runtime sessions."""

    card: dict[str, Any]
    spec: Spec
    scorecard_session: Any
    challenger_session: Any

    @property
    def inputs(self) -> list[Spec]:
        """The input columns the model expects."""
        return list(self.spec["inputs"])

    def run_scorecard(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The scorecard graph alone: its points' total, its PD under the version's calibration, and its points."""
        total, pd, pts = self.scorecard_session.run(["score", "pd", "points"], {"X": x.astype(np.float64)})
        return total, pd, pts

    def run_challenger(self, x: np.ndarray) -> np.ndarray:
        """The challenger graph's PD."""
        return shipped.challenger_pd(self.challenger_session, x)

    def run(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Score and PD as the version decides, the scorecard's points by feature, and the challenger's PD; the
        graphs through ONNX Runtime."""
        total, _pd, pts = self.run_scorecard(x)
        boosted = self.run_challenger(x)
        score, pd = shipped.from_total(self.spec, total, boosted)
        return score, pd, pts, boosted


def load(directory: Path) -> LoadedModel:
    """Open a stored version: JSON parsed, ONNX run by onnxruntime; nothing is unpickled."""
    try:
        card = json.loads((directory / "model_card.json").read_text(encoding="utf-8"))
        spec = json.loads((directory / "scorecard.json").read_text(encoding="utf-8"))
        sessions = [shipped.onnx_session((directory / name).read_bytes())
                    for name in ("scorecard.onnx", "challenger.onnx")]
    except (OSError, ValueError) as exc:
        raise StoreError(f"{directory} is not a model version directory: {exc}") from exc
    except Exception as exc:  # onnxruntime raises its own exception types for a corrupt graph
        raise StoreError(f"{directory} holds an unreadable ONNX model: {exc}") from exc
    if spec.get("format") != FORMAT_VERSION:
        raise StoreError(f"{directory} has model format {spec.get('format')}, expected {FORMAT_VERSION}")
    return LoadedModel(card=card, spec=spec, scorecard_session=sessions[0], challenger_session=sessions[1])


def inputs_from_table(table: Table, inputs: list[Spec]) -> np.ndarray:
    """The input matrix of a file to score: every model column must be there; numbers must be numbers."""
    x = np.full((table.rows, len(inputs)), np.nan)
    for j, spec in enumerate(inputs):
        name = spec["name"]
        if name not in table.columns:
            raise DatasetError(f"待评分文件缺少模型需要的列“{name}”",
                               f"the file to score lacks the model's column '{name}'")
        if spec["kind"] == "numeric":
            x[:, j] = numeric_column(table, name)
        else:
            codes = {c: i for i, c in enumerate(spec["categories"])}
            x[:, j] = [np.nan if c is None else codes.get(c, np.nan) for c in table.columns[name]]
    return x
