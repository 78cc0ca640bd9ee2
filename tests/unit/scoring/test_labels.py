"""The assessor of an application is named for people, not by its id; a decision's reasons are said in the page's
language."""

from __future__ import annotations

import itertools
import re
from datetime import date
from decimal import Decimal

import pytest

from xinyidai.scoring.features import CATALOGUE
from xinyidai.scoring.labels import assessor_label, reason_label
from xinyidai.scoring.policy import HARD_RULES
from xinyidai.scoring.preassessment import REASONS_EN, EntityFacts, ProductBounds, RuleBasedPreAssessor

BOUNDS = ProductBounds(min_rate=Decimal("0.035"), max_rate=Decimal("0.08"), max_line_fen=100_000_000,
                       min_amount_fen=1_000_000)


@pytest.mark.parametrize(("assessor", "label"), [
    ("model:20261030T101500-3f9a2c", "信用模型 2026-10-30 版"),
    ("model:2026.11", "信用模型 2026.11 版"),
    ("rules-2026.1", "规则评估 2026.1 版"),
    ("人工", "人工"),
])
def test_assessor_labels_read_as_a_version(assessor: str, label: str) -> None:
    assert assessor_label(assessor) == label


@pytest.mark.parametrize(("assessor", "label"), [
    ("model:20261030T101500-3f9a2c", "Credit model of 2026-10-30"), ("rules-2026.1", "Rules 2026.1"), ("人工", "人工"),
])
def test_assessor_labels_in_english(assessor: str, label: str) -> None:
    assert assessor_label(assessor, "en") == label


@pytest.mark.parametrize(("reason", "english"), [
    # As a decision stores it: the code says which reason, the Chinese text the figure.
    ({"code": "model.tax_paid_12m", "text": "近12个月实缴税额（扣12.3分）", "kind": "model"},
     "Tax paid (12 months) (−12.3 points)"),
    ({"code": "rule.tax_arrears", "text": "存在欠税", "kind": "rule"}, "Tax arrears"),
    ({"code": "note.no_champion", "text": "尚未启用冠军模型，按规则预评估", "kind": "note"},
     "No champion model is in use yet: estimated by the rules"),
    ({"code": "rules.basis", "text": "经营10年以上", "kind": "rules"}, "In operation 10 years or more"),
    # As an order's estimate keeps it (the words only), and a remedy.
    ("近36个月行政处罚次数（扣4.0分）", "Administrative penalties (36 months) (−4.0 points)"),
    ("年报逾期或未报送，补报后可重新申请", "An annual report is late or missing; file it, then apply again"),
    ("尽快缴清欠缴的税款", "Pay the tax in arrears as soon as possible"),
    # What is not recognised is shown as stored.
    ({"code": "model.retired_feature", "text": "某旧特征（扣1.0分）", "kind": "model"}, "某旧特征（扣1.0分）"),
    ("银行自定的理由", "银行自定的理由"),
])
def test_a_decisions_reasons_are_said_in_english_from_their_code(reason: dict[str, str] | str, english: str) -> None:
    assert reason_label(reason, "en") == english
    # Chinese, the default, is the stored text itself.
    assert reason_label(reason) == (reason if isinstance(reason, str) else reason["text"])


def test_every_hard_rule_and_every_rule_set_reason_has_its_english() -> None:
    for rule in HARD_RULES:
        assert rule.text_en and rule.remedy_en, rule.code
        assert reason_label({"code": rule.code, "text": rule.text, "kind": "rule"}, "en") == rule.text_en
        assert reason_label(rule.remedy, "en") == rule.remedy_en
    for feature in CATALOGUE:
        text = reason_label({"code": f"model.{feature.name}", "text": f"{feature.label}（扣2.5分）"}, "en")
        assert text.endswith("(−2.5 points)") and not re.search(r"[\u4e00-\u9fff]", text), text
    # Every reason the rule set gives, over entities young and old, small and large, filing and not.
    said = {reason for years, capital, employees, current, abnormal in itertools.product(
                (0, 2, 4, 7, 12), (None, 200_000_00, 2_000_000_00, 9_000_000_00), (None, 12, 60), (True, False),
                (True, False))
            for reason in RuleBasedPreAssessor().assess(EntityFacts(
                kind="enterprise", scale="small", registration_date=date(2026 - years, 1, 1),
                registered_capital_fen=capital, employees=employees, is_abnormal=abnormal,
                annual_reports_current=current), BOUNDS, today=date(2026, 11, 23)).reasons}
    assert len(said) == 12 and said <= set(REASONS_EN)
