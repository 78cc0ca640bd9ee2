"""Desensitisation by field kind and audience, with the patterns Chinese banks show on screen (JR/T 0171-2020
Annex A practice): 张*三, 500108********1234, 138****1234, an address to its district, amounts in 万元 bands."""

from __future__ import annotations

import pytest

from xinyidai.auth.enums import OrgKind, Role
from xinyidai.consent.masking import (
    RULES,
    WITHHELD,
    Audience,
    FieldKind,
    Treatment,
    audience_of,
    band_amount,
    mask,
    mask_address,
    mask_free_text,
    mask_id_number,
    mask_mobile,
    mask_person_name,
    mask_values,
)
from xinyidai.consent.masking import mask_id_number as consent_mask_id_number
from xinyidai.registry.codes import mask_id_number as registry_mask_id_number

# GB 11643-1999's worked example of the check digit: 11010519491231002X.
ID_NUMBER = "11010519491231002X"


@pytest.mark.parametrize(("name", "masked"), [
    ("张三", "张*"), ("张小三", "张*三"), ("欧阳小娜", "欧**娜"), ("李", "*"), (" 王五 ", "王*"),
])
def test_a_name_keeps_its_first_and_last_character(name: str, masked: str) -> None:
    assert mask_person_name(name) == masked


def test_an_identity_number_keeps_the_issuing_area_and_the_last_four() -> None:
    assert mask_id_number(ID_NUMBER) == "110105********002X"
    assert mask_id_number("110105491231002") == "110105*****1002"  # a 15-digit first-generation number
    assert mask_id_number("12345") == "*****"
    assert consent_mask_id_number is registry_mask_id_number  # one rule, not two that drift apart


@pytest.mark.parametrize(("mobile", "masked"), [
    ("13812341234", "138****1234"), ("+86 138-1234-1234", "138****1234"), ("8613812341234", "138****1234"),
    ("023-62881234", "023****1234"), ("110", "***"),
])
def test_a_mobile_number_keeps_its_prefix_and_last_four(mobile: str, masked: str) -> None:
    assert mask_mobile(mobile) == masked


@pytest.mark.parametrize(("address", "masked"), [
    ("重庆市南岸区南坪街道江南大道8号", "重庆市南岸区****"),
    ("四川省成都市武侯区人民南路四段1号", "四川省成都市武侯区****"),
    ("广西壮族自治区南宁市青秀区民族大道100号", "广西壮族自治区南宁市青秀区****"),
    ("浙江省义乌市稠城街道工人北路1号", "浙江省义乌市****"),
    ("重庆市石柱土家族自治县南宾街道1号", "重庆市石柱土家族自治县****"),
    ("重庆市南岸区", "重庆市南岸区"),
    ("江南大道8号", "****"),
])
def test_an_address_is_cut_to_its_district(address: str, masked: str) -> None:
    assert mask_address(address) == masked


@pytest.mark.parametrize(("fen", "band"), [
    (0, "10万元以下"), (9_999_999, "10万元以下"), (10_000_000, "10万–50万元"), (236_000_000, "100万–500万元"),
    (500_000_000, "500万–1000万元"), (9_999_999_999, "5000万–1亿元"), (10_000_000_000, "1亿元以上"),
])
def test_an_amount_falls_in_a_band_of_wan_yuan(fen: int, band: str) -> None:
    assert band_amount(fen) == band


def test_free_text_keeps_its_words_and_masks_the_numbers_in_it() -> None:
    text = f"原法定代表人张三（身份证{ID_NUMBER}，电话13812341234）变更为李四；合同号 123456789012345678"
    assert mask_free_text(text) == ("原法定代表人张三（身份证110105********002X，电话138****1234）变更为李四；"
                                    "合同号 123456789012345678")  # not a valid identity number: left alone


def test_the_entity_sees_everything_in_clear() -> None:
    for kind in FieldKind:
        assert RULES[kind][Audience.SUBJECT] is Treatment.CLEAR
        assert mask("张三" if kind is not FieldKind.AMOUNT_BAND else 236_000_000, kind, Audience.SUBJECT) in (
            "张三", 236_000_000)


@pytest.mark.parametrize(("audience", "name", "address", "amount"), [
    (Audience.PLATFORM_ADMIN, "张小三", "重庆市南岸区南坪街道江南大道8号", 236_000_000),
    (Audience.BANK_MANAGER, "张小三", "重庆市南岸区南坪街道江南大道8号", 236_000_000),
    (Audience.BANK_LOAN_OFFICER, "张*三", "重庆市南岸区****", 236_000_000),
    (Audience.GUARANTEE_COMPANY, "张*三", "重庆市南岸区****", "100万–500万元"),
    (Audience.CREDIT_AGENCY, "张*三", "重庆市南岸区****", "100万–500万元"),
    (Audience.GOVERNMENT_SUPERVISOR, "张*三", "重庆市南岸区****", "100万–500万元"),
    (Audience.PUBLIC, "张*三", "重庆市南岸区****", WITHHELD),
])
def test_each_audience_gets_what_its_duty_needs(audience: Audience, name: str, address: str,
                                                amount: object) -> None:
    assert mask("张小三", FieldKind.PERSON_NAME, audience) == name
    assert mask("重庆市南岸区南坪街道江南大道8号", FieldKind.ADDRESS, audience) == address
    assert mask(236_000_000, FieldKind.AMOUNT_BAND, audience) == amount
    # Nobody but the entity sees a whole identity or mobile number.
    assert mask(ID_NUMBER, FieldKind.ID_NUMBER, audience) in ("110105********002X", WITHHELD)
    assert mask("13812341234", FieldKind.MOBILE, audience) in ("138****1234", WITHHELD)


def test_values_without_a_kind_pass_and_blanks_stay_blank() -> None:
    assert mask("A", None, Audience.PUBLIC) == "A"
    assert mask(None, FieldKind.PERSON_NAME, Audience.PUBLIC) is None
    assert mask("", FieldKind.MOBILE, Audience.PUBLIC) == ""
    assert mask("not fen", FieldKind.AMOUNT_BAND, Audience.CREDIT_AGENCY) == WITHHELD
    data = {"legal_rep_name": "张三", "revenue": 236_000_000, "grade": "A"}
    kinds = {"legal_rep_name": "person_name", "revenue": "amount_band"}
    assert mask_values(data, kinds, Audience.GUARANTEE_COMPANY) == {
        "legal_rep_name": "张*", "revenue": "100万–500万元", "grade": "A"}
    assert mask_values(data, kinds, Audience.SUBJECT) == data


def test_every_kind_has_a_rule_for_every_audience() -> None:
    assert {kind: set(rules) for kind, rules in RULES.items()} == {kind: set(Audience) for kind in FieldKind}


@pytest.mark.parametrize(("own", "kind", "roles", "audience"), [
    (True, OrgKind.ENTERPRISE, [Role.ENTERPRISE_STAFF], Audience.SUBJECT),
    (False, OrgKind.ENTERPRISE, [Role.ENTERPRISE_ADMIN], Audience.PUBLIC),  # another entity
    (False, OrgKind.PLATFORM_OPERATOR, [Role.PLATFORM_ADMIN], Audience.PLATFORM_ADMIN),
    (False, OrgKind.BANK, [Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER], Audience.BANK_MANAGER),
    (False, OrgKind.BANK, [Role.BANK_LOAN_OFFICER], Audience.BANK_LOAN_OFFICER),
    (False, OrgKind.GUARANTEE_COMPANY, [Role.GUARANTEE_OFFICER], Audience.GUARANTEE_COMPANY),
    (False, OrgKind.CREDIT_AGENCY, [Role.AGENCY_ANALYST], Audience.CREDIT_AGENCY),
    (False, OrgKind.GOVERNMENT_DEPARTMENT, [Role.GOVERNMENT_SUPERVISOR], Audience.GOVERNMENT_SUPERVISOR),
    (False, OrgKind.GOVERNMENT_DEPARTMENT, [Role.DEPARTMENT_DATA_OFFICER], Audience.PUBLIC),
    (False, OrgKind.CREDIT_AGENCY, [Role.BANK_MANAGER], Audience.PUBLIC),  # a role out of place counts for nothing
])
def test_the_audience_of_a_caller(own: bool, kind: OrgKind, roles: list[Role], audience: Audience) -> None:
    assert audience_of(own=own, organisation_kind=kind, roles=roles) is audience


PENALTY_TEXT = "当事人李四（身份证50010819800101123X，电话13812345678）"
PENALTY_MASKED = "当事人李四（身份证500108********123X，电话138****5678）"


@pytest.mark.parametrize("kind", [None, *FieldKind])
@pytest.mark.parametrize("audience", [a for a in Audience if a is not Audience.SUBJECT])
def test_numbers_in_any_text_are_masked_whatever_the_field_declares(kind: FieldKind | None,
                                                                   audience: Audience) -> None:
    shown = mask(PENALTY_TEXT, kind, audience)
    assert "50010819800101123X" not in str(shown) and "13812345678" not in str(shown)
    # A declaration may add rules (a name, an address, withholding), never take away the free-text one.
    if kind is None or RULES[kind][audience] is Treatment.CLEAR:
        assert shown == PENALTY_MASKED


def test_a_record_without_declared_kinds_is_still_scrubbed() -> None:
    data = {"penalty_reason": PENALTY_TEXT, "notes": [PENALTY_TEXT], "amount": 100}
    assert mask_values(data, {}, Audience.BANK_MANAGER) == {
        "penalty_reason": PENALTY_MASKED, "notes": [PENALTY_MASKED], "amount": 100}
    assert mask_values(data, {}, Audience.SUBJECT) == data
