"""English mode's catalogue covers the templates: no Chinese is written into a template outside `_()`, every
`_("…")` of a template has an English entry, and so does the vocabulary the code hands to templates to translate.

The pages themselves are checked in English mode by tests/integration/foundation/test_english_pages.py.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from jinja2 import Environment

import xinyidai
from xinyidai.audit.labels import ACTION_LABELS, OUTCOME_LABELS
from xinyidai.auth.enums import ORG_KIND_LABELS, ROLE_LABELS
from xinyidai.consent.policy import DRAFT_STATUS_LABELS, MODE_LABELS, PURPOSE_LABELS
from xinyidai.consent.policy import STATUS_LABELS as AUTHORISATION_STATUS_LABELS
from xinyidai.creditdata.enums import (
    AUTHORITATIVE_LABELS,
    BATCH_STATUS_LABELS,
    CHANNEL_LABELS,
    FIELD_TYPE_LABELS,
    MARK_LABELS,
    SENSITIVITY_LABELS,
    UPDATE_CYCLE_LABELS,
)
from xinyidai.creditdata.report.schemas import STATUS_LABELS as REPORT_CHECK_LABELS
from xinyidai.identity.onboarding.policy import CHECKLIST, SCOPES
from xinyidai.identity.onboarding.policy import STATUS_LABELS as APPLICATION_STATUS_LABELS
from xinyidai.loans.enums import CLASSIFICATION_LABELS, DRAWDOWN_STATUS_LABELS, LINE_STATUS_LABELS
from xinyidai.network import policy as network_policy
from xinyidai.orders.policy import STATUS_LABELS as ORDER_STATUS_LABELS
from xinyidai.outreach import policy as outreach_policy
from xinyidai.outreach.enums import OUTCOME_LABELS as VISIT_OUTCOME_LABELS
from xinyidai.portal.i18n import EN, translate
from xinyidai.products import enums as product_enums
from xinyidai.products.enums import REPAYMENT_METHOD_LABELS
from xinyidai.rights.enums import OBJECTION_STATUS_LABELS, REPAIR_STATUS_LABELS
from xinyidai.scoring import batch
from xinyidai.scoring.features import DIMENSION_LABELS
from xinyidai.scoring.model_versions import STATUS_LABELS as MODEL_STATUS_LABELS
from xinyidai.webhooks.catalogue import EVENT_LABELS as WEBHOOK_EVENT_LABELS
from xinyidai.webhooks.policy import DELIVERY_STATUS_LABELS, ENDPOINT_STATUS_LABELS

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
TEMPLATES = sorted(Path(xinyidai.__file__).parent.glob("*/templates/**/*.html"))
_env = Environment(autoescape=True)  # only its lexer is used

# What the code hands to templates, which show it through `_()`.
VOCABULARY: dict[str, Mapping[object, str]] = {
    "roles": ROLE_LABELS, "organisation kinds": ORG_KIND_LABELS,
    "application statuses": APPLICATION_STATUS_LABELS, "services": SCOPES,
    "checklist": {item.code: text for item in CHECKLIST for text in (item.title, item.requirement, item.basis)},
    "order statuses": ORDER_STATUS_LABELS, "repayment methods": REPAYMENT_METHOD_LABELS,
    "line statuses": LINE_STATUS_LABELS, "drawdown statuses": DRAWDOWN_STATUS_LABELS,
    "classifications": CLASSIFICATION_LABELS,
    "purposes": PURPOSE_LABELS, "modes": MODE_LABELS, "authorisation statuses": AUTHORISATION_STATUS_LABELS,
    "draft statuses": DRAFT_STATUS_LABELS,
    "sensitivities": SENSITIVITY_LABELS, "update cycles": UPDATE_CYCLE_LABELS, "channels": CHANNEL_LABELS,
    "authoritative channels": AUTHORITATIVE_LABELS, "field types": FIELD_TYPE_LABELS,
    "batch statuses": BATCH_STATUS_LABELS, "record marks": MARK_LABELS, "report checks": REPORT_CHECK_LABELS,
    "objection statuses": OBJECTION_STATUS_LABELS, "repair statuses": REPAIR_STATUS_LABELS,
    "portrait dimensions": DIMENSION_LABELS, "model statuses": MODEL_STATUS_LABELS,
    "scoring run statuses": batch.STATUS_LABELS, "scoring triggers": batch.TRIGGER_LABELS,
    "scoring outcomes": batch.OUTCOME_LABELS, "audit actions": ACTION_LABELS, "audit outcomes": OUTCOME_LABELS,
    "network tiers": network_policy.ROLE_LABELS, "network member statuses": network_policy.STATUS_LABELS,
    "flow directions": network_policy.DIRECTION_LABELS, "message outcomes": network_policy.OUTCOME_LABELS,
    "product kinds": product_enums.PRODUCT_KIND_LABELS, "product statuses": product_enums.PRODUCT_STATUS_LABELS,
    "rate modes": product_enums.RATE_MODE_LABELS, "guarantee arrangements": product_enums.GUARANTEE_ARRANGEMENT_LABELS,
    "line rules": product_enums.LINE_RULE_LABELS, "product versions": product_enums.VERSION_STATUS_LABELS,
    "webhook events": WEBHOOK_EVENT_LABELS, "webhook endpoint statuses": ENDPOINT_STATUS_LABELS,
    "webhook delivery statuses": DELIVERY_STATUS_LABELS,
    "visit outcomes": VISIT_OUTCOME_LABELS, "coverage figures": outreach_policy.FIGURE_LABELS,
    "roll-out phase states": outreach_policy.PHASE_STATES,
}


def _tokens(path: Path) -> list[tuple[int, str, str]]:
    return [t for t in _env.lex(path.read_text(encoding="utf-8")) if t[1] != "whitespace"]


def _wrapped(path: Path) -> Iterator[tuple[int, str]]:
    """The literal argument of each `_("…")` in a template."""
    tokens = _tokens(path)
    for i, (line, kind, value) in enumerate(tokens):
        if kind == "string" and i >= 2 and tokens[i - 1][2] == "(" and tokens[i - 2][2] == "_":
            yield line, ast.literal_eval(value)


def _name(path: Path) -> str:
    return str(path.relative_to(Path(xinyidai.__file__).parent))


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_a_template_writes_no_chinese_outside_the_translation_function(path: Path) -> None:
    left = [f"{line}: {value.strip()[:60]}" for line, kind, value in _tokens(path)
            if kind == "data" and CJK.search(value)]
    assert not left, left


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_every_text_a_template_translates_has_english(path: Path) -> None:
    missing = [f"{line}: {text}" for line, text in _wrapped(path) if CJK.search(text) and text not in EN]
    assert not missing, missing


@pytest.mark.parametrize("name", sorted(VOCABULARY))
def test_the_vocabulary_templates_translate_has_english(name: str) -> None:
    missing = sorted({label for label in VOCABULARY[name].values() if label not in EN})
    assert not missing, missing


def test_english_entries_are_english() -> None:
    assert not [(zh, en) for zh, en in EN.items() if CJK.search(en)]
    assert translate("（", "en") == " (" and translate("（", "zh") == "（"
