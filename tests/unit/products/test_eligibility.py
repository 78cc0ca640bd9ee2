"""Eligibility rules as data: every field of the registry passes and fails with its words, and a wrong rule is
refused with a message before anything is stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.products import eligibility
from xinyidai.products.eligibility import FirmProfile, Rule, RuleError

TODAY = date(2026, 12, 5)


def profile(**kw: Any) -> FirmProfile:
    data: dict[str, Any] = dict(entity_kind="enterprise", industry_code="F52", area_code="500108001",
                                area_name="南坪街道", registration_date=date(2020, 6, 1), as_of=TODAY,
                                credit_grade="B", latest_record_by_category={"C04": date(2026, 9, 30)})
    data.update(kw)
    return FirmProfile(**data)


def failures(rule: dict[str, Any], firm: FirmProfile) -> list[str]:
    return [f.text for f in eligibility.evaluate([eligibility.parse(rule)], firm)]


# (rule, a firm that passes, a firm that fails, the failing words)
CASES: list[tuple[dict[str, Any], FirmProfile, FirmProfile, str]] = [
    ({"field": "entity_kind", "op": "in", "value": ["family_farm", "farmers_cooperative"]},
     profile(entity_kind="family_farm"), profile(), "仅限家庭农场、农民专业合作社申请"),
    ({"field": "industry", "op": "in", "value": ["A", "C13"]},
     profile(industry_code="C1310"), profile(), "所属行业不在产品支持范围内（A、C13）"),
    ({"field": "area", "op": "in", "value": ["南坪街道"]},
     profile(), profile(area_code="500108002", area_name="弹子石街道"), "仅限南坪街道的主体申请"),
    ({"field": "years_in_business", "op": ">=", "value": 2},
     profile(), profile(registration_date=date(2025, 1, 1)), "成立不满2年"),
    ({"field": "credit_grade", "op": ">=", "value": "B"},
     profile(credit_grade="A"), profile(credit_grade="C"), "信用评价等级须达到B级"),
    ({"field": "credit_records", "op": "within_months", "value": {"category": "C04", "months": 12}},
     profile(), profile(latest_record_by_category={"C04": date(2025, 11, 30)}), "需近12个月纳税记录"),
    ({"field": "serious_dishonesty", "op": "==", "value": False},
     profile(), profile(serious_dishonesty=True), "列入严重失信主体名单，不能申请"),
    ({"field": "planted_area", "op": ">=", "value": {"crop": "花椒", "mu": 10}},
     profile(planted_mu={"花椒": Decimal("12.5")}), profile(planted_mu={"花椒": Decimal("9.9")}),
     "花椒种植面积不足10亩"),
    ({"field": "chain_member", "op": "==", "value": True},
     profile(chain_member=True), profile(), "仅限产业链信用共同体成员申请"),
    ({"field": "live_lines", "op": "<=", "value": 1},
     profile(live_lines=1), profile(live_lines=2), "现有有效授信超过1笔"),
]


def test_every_field_of_the_registry_has_a_case() -> None:
    assert {case[0]["field"] for case in CASES} == set(eligibility.FIELDS)


@pytest.mark.parametrize(("rule", "passing", "failing", "words"), CASES, ids=[c[0]["field"] for c in CASES])
def test_each_rule_passes_and_fails_with_its_words(rule: dict[str, Any], passing: FirmProfile,
                                                   failing: FirmProfile, words: str) -> None:
    assert failures(rule, passing) == []
    assert failures(rule, failing) == [words]
    english = eligibility.evaluate([eligibility.parse(rule)], failing)[0].text_en
    assert english and english.split()[0].isascii()


def test_a_firm_without_a_grade_or_records_fails_those_rules() -> None:
    firm = profile(credit_grade=None, latest_record_by_category={})
    assert failures({"field": "credit_grade", "op": ">=", "value": "D"}, firm) == ["信用评价等级须达到D级"]
    assert failures({"field": "credit_records", "op": "within_months",
                     "value": {"category": "C05", "months": 6}}, firm) == ["需近6个月社保缴费记录"]


def test_a_first_loan_rule_says_so() -> None:
    assert failures({"field": "live_lines", "op": "<=", "value": 0}, profile(live_lines=1)) == [
        "已有有效授信，本产品仅限首贷"]


def test_several_failures_are_listed_in_the_rules_order() -> None:
    rules = eligibility.parse_all([{"field": "years_in_business", "op": ">=", "value": 10},
                                   {"field": "chain_member", "op": "==", "value": True}])
    assert [f.text for f in eligibility.evaluate(rules, profile())] == ["成立不满10年", "仅限产业链信用共同体成员申请"]


@pytest.mark.parametrize(("rule", "words"), [
    ({"field": "turnover", "op": ">=", "value": 1}, "字段“turnover”不存在"),
    ({"field": "years_in_business", "op": "in", "value": 2}, "运算符须为“>=”"),
    ({"field": "years_in_business", "op": ">=", "value": "two"}, "取值不正确"),
    ({"field": "years_in_business", "op": ">=", "value": True}, "取值不正确"),
    ({"field": "years_in_business", "op": ">=", "value": 101}, "取值不正确"),
    ({"field": "entity_kind", "op": "in", "value": ["bank"]}, "取值不正确"),
    ({"field": "entity_kind", "op": "in", "value": []}, "取值不正确"),
    ({"field": "industry", "op": "in", "value": ["c13"]}, "取值不正确"),
    ({"field": "credit_grade", "op": ">=", "value": "AAA"}, "取值不正确"),
    ({"field": "credit_records", "op": "within_months", "value": {"category": "C99", "months": 12}}, "取值不正确"),
    ({"field": "credit_records", "op": "within_months", "value": {"category": "C04"}}, "取值不正确"),
    ({"field": "planted_area", "op": ">=", "value": {"crop": "花椒", "mu": 0}}, "取值不正确"),
    ({"field": "serious_dishonesty", "op": "==", "value": True}, "取值不正确"),
    ({"field": "chain_member", "op": "==", "value": 1}, "取值不正确"),
    ({"field": "years_in_business", "value": 2}, "field、op、value"),
])
def test_a_wrong_rule_is_refused_in_words(rule: dict[str, Any], words: str) -> None:
    with pytest.raises(RuleError) as raised:
        eligibility.parse(rule)
    assert words in raised.value.text and raised.value.text_en


def test_a_field_appears_once() -> None:
    with pytest.raises(RuleError, match="只能出现一次"):
        eligibility.parse_all([{"field": "years_in_business", "op": ">=", "value": 1}] * 2)


def test_months_before_keeps_the_day_or_the_months_end() -> None:
    assert eligibility.months_before(date(2026, 12, 5), 12) == date(2025, 12, 5)
    assert eligibility.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)


@given(years=st.integers(0, 40), registered=st.dates(date(1980, 1, 1), TODAY))
def test_years_in_business_rule_agrees_with_the_calendar(years: int, registered: date) -> None:
    firm = profile(registration_date=registered)
    passed = not eligibility.evaluate([Rule("years_in_business", ">=", years)], firm)
    anniversary_reached = eligibility.months_before(TODAY, 12 * years) >= registered
    assert passed == anniversary_reached


def test_the_english_words_of_a_failure_name_no_code() -> None:
    rule = eligibility.parse({"field": "entity_kind", "op": "in", "value": ["family_farm", "farmers_cooperative"]})
    [failure] = eligibility.evaluate([rule], profile())
    assert failure.text_en == "only for family farms, farmers' cooperatives"
