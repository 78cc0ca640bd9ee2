"""The pure parsing of a department's row: every field type, the Chinese messages, columns, keys, fingerprints."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from xinyidai.creditdata.catalogue import with_uscc
from xinyidai.creditdata.enums import FieldType
from xinyidai.creditdata.fields import FieldError, FieldSpec, ParsedRow, RowParser, fingerprint, parse_value, record_key

TODAY = date(2026, 11, 23)
# GB 32100-2015's published example of a valid code (also used on the national enterprise credit system).
VALID_USCC = "91350100M000100Y43"

SPECS = with_uscc([
    FieldSpec("voucher_no", "电子税票号码", FieldType.TEXT, max_length=20),
    FieldSpec("tax_kind", "税种", FieldType.ENUM, choices=("增值税", "印花税")),
    FieldSpec("amount", "实缴金额（元）", FieldType.MONEY),
    FieldSpec("paid_date", "缴款日期", FieldType.DATE),
    FieldSpec("tax_period", "所属期", FieldType.MONTH),
    FieldSpec("employees", "人数", FieldType.INTEGER, required=False, maximum=Decimal(100000)),
    FieldSpec("share", "占比", FieldType.DECIMAL, required=False, maximum=Decimal(1)),
    FieldSpec("year", "年度", FieldType.YEAR, required=False),
    FieldSpec("certified", "是否认定", FieldType.BOOLEAN, required=False),
    FieldSpec("valid_until", "有效期至", FieldType.DATE, required=False, allow_future=True),
])


def parser() -> RowParser:
    return RowParser(fields=SPECS, key_fields=("voucher_no",), date_field="paid_date", today=TODAY)


def good(**changes: str) -> dict[str, str]:
    row = {"uscc": VALID_USCC, "voucher_no": "V1", "tax_kind": "增值税", "amount": "1,234.5",
           "paid_date": "2026/4/15", "tax_period": "2026年3月"}
    row.update(changes)
    return row


def errors_of(values: dict[str, str]) -> dict[str | None, str]:
    result = parser().parse(values)
    assert isinstance(result, list), result
    return {e.field: e.message for e in result}


def test_a_good_row_is_typed_keyed_and_fingerprinted() -> None:
    row = parser().parse(good(employees="1,200", share="0.25", year="2025年", certified="是", valid_until="2029-01-01"))
    assert isinstance(row, ParsedRow)
    assert row.uscc == VALID_USCC and row.record_key == "V1" and row.fact_date == date(2026, 4, 15)
    assert row.data == {"uscc": VALID_USCC, "voucher_no": "V1", "tax_kind": "增值税", "amount": 123_450,
                        "paid_date": "2026-04-15", "tax_period": "2026-03", "employees": 1200, "share": "0.25",
                        "year": 2025, "certified": True, "valid_until": "2029-01-01"}
    assert row.fingerprint == fingerprint(row.data)


def test_the_same_fact_written_differently_has_one_fingerprint() -> None:
    first = parser().parse(good(amount="1234.50", paid_date="2026-04-15"))
    second = parser().parse(good(amount=" 1,234.5 ", paid_date="20260415", tax_period="2026-03"))
    assert isinstance(first, ParsedRow) and isinstance(second, ParsedRow)
    assert first.fingerprint == second.fingerprint
    changed = parser().parse(good(amount="1234.51"))
    assert isinstance(changed, ParsedRow) and changed.fingerprint != first.fingerprint
    assert changed.record_key == first.record_key  # a new version of the same fact


@pytest.mark.parametrize(("field", "text", "message"), [
    ("uscc", "91350100M000100Y44", "第18位校验码不正确"),
    ("uscc", "91350100M00010", "应为18位"),
    ("amount", "-1.00", "不能为负数"),
    ("amount", "12.345", "不是金额"),
    ("amount", "一百", "不是金额"),
    ("paid_date", "2026-11-24", "不能是将来的日期"),
    ("paid_date", "2026-02-30", "不是有效日期"),
    ("paid_date", "1900-01-01", "早于1949年"),
    ("tax_period", "2026-12", "晚于今天"),
    ("tax_period", "2026-13", "不是年月"),
    ("tax_kind", "营业税", "不是可选值（增值税、印花税）"),
    ("voucher_no", "V" * 21, "超过20个字符"),
    ("employees", "12.5", "不是整数"),
    ("employees", "-3", "不能为负数"),
    ("employees", "100001", "不能大于100000"),
    ("share", "abc", "不是数字"),
    ("share", "NaN", "不是数字"),
    ("year", "2027", "不是有效年份"),
    ("certified", "也许", "应为“是”或“否”"),
])
def test_each_bad_value_is_named_with_its_column_label(field: str, text: str, message: str) -> None:
    errors = errors_of(good(**{field: text}))
    assert list(errors) == [field]
    label = next(spec.label for spec in SPECS if spec.name == field)
    assert errors[field].startswith(f"“{label}”") and message in errors[field], errors[field]


def test_blank_required_fields_and_several_errors_are_all_reported() -> None:
    errors = errors_of(good(voucher_no="  ", amount="", paid_date="明天"))
    assert errors == {"voucher_no": "“电子税票号码”不能为空", "amount": "“实缴金额（元）”不能为空",
                      "paid_date": "“缴款日期”“明天”不是有效日期（应如 2026-03-01）"}
    assert errors_of({}).keys() == {"uscc", "voucher_no", "tax_kind", "amount", "paid_date", "tax_period"}


def test_a_future_date_is_allowed_where_the_catalogue_says_so() -> None:
    assert parse_value(SPECS[-1], "2030-12-31", today=TODAY) == "2030-12-31"


def test_remembered_values_give_the_same_answers_as_fresh_ones() -> None:
    shared = parser()
    for _ in range(3):
        assert shared.parse(good()) == parser().parse(good())
        assert shared.parse(good(amount="-5")) == [FieldError("amount", "“实缴金额（元）”“-5”不能为负数")]


def test_columns_map_by_label_or_name_and_bad_headers_are_explained() -> None:
    mapping, errors = parser().resolve_columns(["\ufeff统一社会信用代码", "voucher_no", "税种", "实缴金额（元）",
                                                "paid_date", "所属期", ""])
    assert errors == [] and [mapping[i].name for i in sorted(mapping)] == [
        "uscc", "voucher_no", "tax_kind", "amount", "paid_date", "tax_period"]
    _, errors = parser().resolve_columns(["统一社会信用代码", "电子税票号码", "voucher_no", "备注"])
    assert errors == ["列“voucher_no”重复出现", "未知的列“备注”", "缺少必填列：税种、实缴金额（元）、缴款日期、所属期"]


def test_record_keys_and_fingerprints_are_pure_functions_of_the_values() -> None:
    data = {"b": 2, "a": "甲"}
    assert record_key(data, ("a", "b")) == "甲|2"
    assert record_key(data, ()) == fingerprint(data) == fingerprint({"a": "甲", "b": 2})
    assert record_key({"a": True, "b": None}, ("a", "b")) == "true|"


def test_the_fingerprint_is_md5_of_the_canonical_text_by_name_so_sql_can_compute_it() -> None:
    # Digests by `md5sum` of the canonical texts "amount:6:123450;uscc:18:…;voucher_no:2:V1;" and
    # "certified:4:true;name:2:甲乙;" (UTF-8): PostgreSQL's md5() over the same text gives the same.
    data = {"voucher_no": "V1", "uscc": VALID_USCC, "amount": 123_450}
    assert fingerprint(data) == "8043887a-f597-fc91-c32d-d82f266e22af"
    assert fingerprint({"name": "甲乙", "certified": True, "absent": None}) == "02459604-a4db-ca1a-ccb7-9a6345b55678"


def test_plain_amounts_take_the_short_way_to_the_same_fen() -> None:
    money = SPECS[3]
    for text in ("0", "7", "12.5", "12.50", "0012.05", "99999999.99"):
        assert parse_value(money, text, today=TODAY) == int(Decimal(text) * 100), text
    assert parse_value(money, "1,234.5", today=TODAY) == 123_450
    for bad in ("1.", ".5", "1.234", "1.2.3"):
        with pytest.raises(ValueError, match="不是金额"):
            parse_value(money, bad, today=TODAY)


@pytest.mark.parametrize("kind", list(FieldType))
def test_every_field_type_has_a_parser_that_types_or_refuses(kind: FieldType) -> None:
    spec = FieldSpec("field", "字段", kind, choices=("是",))
    try:
        parse_value(spec, "是", today=TODAY)
    except ValueError as exc:
        assert str(exc)  # a refusal says why; an unknown type would be a KeyError
