"""How people read the name of what assessed an application: a model version or the rules, never a raw id."""

from __future__ import annotations

import re

_MODEL = re.compile(r"^model:(\d{4})(\d{2})(\d{2})T")
_RULES = re.compile(r"^rules-(.+)$")


def assessor_label(assessor: str) -> str:
    """`model:20261030T101500-ab12` reads 评分卡 2026-10-30 版, `rules-2026.1` 规则评估 2026.1 版; others as given."""
    if match := _MODEL.match(assessor):
        return f"评分卡 {match[1]}-{match[2]}-{match[3]} 版"
    if assessor.startswith("model:"):
        return f"评分卡 {assessor.removeprefix('model:')} 版"
    if match := _RULES.match(assessor):
        return f"规则评估 {match[1]} 版"
    return assessor
