"""How people read what the scoring context names: the assessor of an application (a model version or the rules,
never a raw id) and the reasons of a credit decision, in the page's language.

A decision stores its reasons as {code, text, kind}, the text in Chinese. In English the reason is said again from
its code (a hard rule's, a model feature's, the no-champion note's), with the figure its Chinese text quotes; the
rule set's reasons ("rules.basis") and reasons stored as bare text (an order's estimate keeps only the words) are
recognised by their Chinese words. Anything not recognised is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from xinyidai.scoring.features import CATALOGUE, LABELS_EN
from xinyidai.scoring.policy import HARD_RULES
from xinyidai.scoring.preassessment import REASONS_EN

_MODEL = re.compile(r"^model:(\d{4})(\d{2})(\d{2})T")
_RULES = re.compile(r"^rules-(.+)$")
_POINTS_LOST = re.compile(r"^(?P<label>.+)（扣(?P<points>-?\d+(?:\.\d+)?)分）$")
NO_CHAMPION_EN = "No champion model is in use yet: estimated by the rules"
_RULE_BY_CODE = {rule.code: rule for rule in HARD_RULES}
_FEATURE_OF_LABEL = {feature.label: feature.name for feature in CATALOGUE}
# Every fixed Chinese sentence a decision or an estimate says, in English.
_WORDS_EN: dict[str, str] = {
    **{rule.text: rule.text_en for rule in HARD_RULES},
    **{rule.remedy: rule.remedy_en for rule in HARD_RULES},
    **REASONS_EN,
    "尚未启用冠军模型，按规则预评估": NO_CHAMPION_EN,
}


def assessor_label(assessor: str, lang: str = "zh") -> str:
    """`model:20261030T101500-ab12` reads 信用模型 2026-10-30 版, `rules-2026.1` 规则评估 2026.1 版 (in English
    "Credit model of 2026-10-30", "Rules 2026.1"); a version may decide with its scorecard, its challenger or
    their blend, so it is named a model, not a scorecard; others as given."""
    english = lang == "en"
    if match := _MODEL.match(assessor):
        day = f"{match[1]}-{match[2]}-{match[3]}"
        return f"Credit model of {day}" if english else f"信用模型 {day} 版"
    if assessor.startswith("model:"):
        version = assessor.removeprefix("model:")
        return f"Credit model {version}" if english else f"信用模型 {version} 版"
    if match := _RULES.match(assessor):
        return f"Rules {match[1]}" if english else f"规则评估 {match[1]} 版"
    return assessor


def _model_reason_en(name: str, text: str) -> str | None:
    label = LABELS_EN.get(name)
    found = _POINTS_LOST.match(text)
    if label is None or found is None:
        return None
    return f"{label} (−{found['points']} points)"


def reason_label(reason: Mapping[str, Any] | str, lang: str = "zh") -> str:
    """A decision's reason (as stored: {code, text, kind}; or its bare Chinese text, as an order keeps it, or a
    remedy) in the page's language; Chinese is the stored text itself."""
    text = str(reason if isinstance(reason, str) else reason.get("text", ""))
    if lang != "en":
        return text
    code = "" if isinstance(reason, str) else str(reason.get("code", ""))
    if code in _RULE_BY_CODE:
        return _RULE_BY_CODE[code].text_en
    if code.startswith("model."):
        return _model_reason_en(code.removeprefix("model."), text) or text
    if code == "note.no_champion":
        return NO_CHAMPION_EN
    if text in _WORDS_EN:
        return _WORDS_EN[text]
    if (found := _POINTS_LOST.match(text)) and found["label"] in _FEATURE_OF_LABEL:
        return _model_reason_en(_FEATURE_OF_LABEL[found["label"]], text) or text
    return text
