"""Product terms: contradicting bounds, a rate above what the law protects, fees, line rules, rules as data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from xinyidai.products import policy
from xinyidai.products.schemas import ProductCreate

LPR = Decimal("0.030")


def product(**kw: Any) -> ProductCreate:
    data: dict[str, Any] = dict(code="P1", name="测试贷", min_rate=Decimal("0.035"), max_rate=Decimal("0.08"),
                                guarantee_fee_rate=Decimal("0.01"), min_amount_fen=1_000_000,
                                max_line_fen=100_000_000, repayment_methods=["equal_installment"],
                                term_options=[6, 12])
    data.update(kw)
    return ProductCreate.model_validate(data)


def test_sound_terms_have_no_problem() -> None:
    assert policy.problems_with(product(), lpr=LPR) == []


def test_the_ceiling_is_four_times_the_one_year_lpr() -> None:
    assert policy.rate_ceiling(LPR) == Decimal("0.120")
    assert policy.problems_with(product(max_rate=Decimal("0.11"), guarantee_fee_rate=Decimal("0.01")), lpr=LPR) == []


@pytest.mark.parametrize(("terms", "words"), [
    ({"min_rate": Decimal("0.09"), "max_rate": Decimal("0.08")}, "最低利率不能高于最高利率"),
    ({"min_amount_fen": 200_000_000}, "最低申请金额不能高于最高授信额度"),
    ({"max_rate": Decimal("0.15")}, "超过一年期LPR（3%）的4倍（12%），超出司法保护上限"),
    ({"max_rate": Decimal("0.115"), "guarantee_fee_rate": Decimal("0.01")}, "最高年利率加费率合计12.5%超过"),
    ({"term_options": [12, 12]}, "期限选项不能重复"),
    ({"rate_mode": "fixed"}, "固定利率产品的最低利率和最高利率须相同"),
    ({"line_rule": {"kind": "per_mu"}}, "按种植面积核定额度须填写作物和每亩金额"),
    ({"line_rule": {"kind": "per_mu", "crop": "花椒", "amount_per_mu_fen": 200_000_000}},
     "每亩金额不能高于最高授信额度"),
    ({"line_rule": {"kind": "evaluated", "crop": "花椒"}}, "不应填写作物"),
    ({"eligibility": [{"field": "turnover", "op": ">=", "value": 1}]}, "准入规则的字段“turnover”不存在"),
    ({"required_documents": ["营业执照", "营业执照"]}, "所需材料不能重复"),
])
def test_bad_terms_are_refused_in_words(terms: dict[str, Any], words: str) -> None:
    problems = policy.problems_with(product(**terms), lpr=LPR)
    assert any(words in p for p in problems), problems


@pytest.mark.parametrize("terms", [[0, 12], [12, 361], [2**63]])
def test_a_term_outside_one_to_360_months_is_refused_by_the_schema(terms: list[int]) -> None:
    with pytest.raises(ValidationError):
        product(term_options=terms)


def test_a_lower_lpr_lowers_the_ceiling() -> None:
    assert policy.problems_with(product(), lpr=Decimal("0.015")) != []  # 8% > 4 × 1.5%
