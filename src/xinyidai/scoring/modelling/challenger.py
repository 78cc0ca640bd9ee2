"""The gradient-boosting challenger (LightGBM) on the same input matrix, exported to ONNX with onnxmltools."""

from __future__ import annotations

import numpy as np
from lightgbm import LGBMClassifier


def fit(x: np.ndarray, y_bad: np.ndarray, *, seed: int) -> LGBMClassifier:
    """A small, regularised boosted-tree model: few leaves, shrinkage, row and column subsampling."""
    model = LGBMClassifier(n_estimators=200, learning_rate=0.03, num_leaves=8, min_child_samples=20,
                           subsample=0.8, subsample_freq=1, colsample_bytree=0.8, reg_lambda=1.0,
                           random_state=seed, n_jobs=1, verbose=-1)
    model.fit(x.astype(np.float32), y_bad)
    return model


def predict_pd(model: LGBMClassifier, x: np.ndarray) -> np.ndarray:
    """PD of each row, in memory."""
    return np.asarray(model.predict_proba(x.astype(np.float32)), dtype=float)[:, 1]


def to_onnx(model: LGBMClassifier, n_inputs: int) -> bytes:
    """The challenger as ONNX: input X [N, n_inputs] float → label, probabilities [N, 2]."""
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    onnx_model = convert_lightgbm(model, initial_types=[("X", FloatTensorType([None, n_inputs]))], zipmap=False,
                                  target_opset=15)
    return bytes(onnx_model.SerializeToString())
