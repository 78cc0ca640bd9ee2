"""The assessor of an application is named for people, not by its id."""

from __future__ import annotations

import pytest

from xinyidai.scoring.labels import assessor_label


@pytest.mark.parametrize(("assessor", "label"), [
    ("model:20261030T101500-3f9a2c", "评分卡 2026-10-30 版"),
    ("model:2026.11", "评分卡 2026.11 版"),
    ("rules-2026.1", "规则评估 2026.1 版"),
    ("人工", "人工"),
])
def test_assessor_labels_read_as_a_version(assessor: str, label: str) -> None:
    assert assessor_label(assessor) == label
