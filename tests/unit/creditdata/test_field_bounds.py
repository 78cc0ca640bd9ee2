"""Every channel (file, push) reads a cell by the same parser: its bounds and text rule hold for all of them."""

from __future__ import annotations

from datetime import date

import pytest

from xinyidai.creditdata.catalogue import with_uscc
from xinyidai.creditdata.enums import FieldType
from xinyidai.creditdata.fields import FieldError, FieldSpec, RowParser

VALID_USCC = "91350100M000100Y43"
PARSER = RowParser(fields=with_uscc([
    FieldSpec("employees", "从业人数", FieldType.INTEGER, required=False),
    FieldSpec("scope", "经营范围", FieldType.TEXT, required=False, max_length=200),
    FieldSpec("kind", "类型", FieldType.ENUM, required=False, choices=("甲", "乙")),
    FieldSpec("paid_date", "缴款日期", FieldType.DATE, required=False),
    FieldSpec("amount", "金额", FieldType.MONEY, required=False),
]), key_fields=("uscc",), date_field=None, today=date(2026, 11, 23))


def errors(**values: str) -> list[str]:
    parsed = PARSER.parse({"uscc": VALID_USCC, **values})
    return [e.field or "" for e in parsed] if isinstance(parsed, list) and all(
        isinstance(e, FieldError) for e in parsed) else []


def test_an_integer_beyond_64_bits_is_refused() -> None:
    assert errors(employees="1" * 30) == ["employees"]
    assert errors(employees=str(2**63)) == ["employees"]
    assert errors(employees=str(2**63 - 1)) == []


@pytest.mark.parametrize("field", ["scope", "kind"])
@pytest.mark.parametrize("bad", ["\x00", "\u202e", "\u2066"])
def test_nul_and_bidirectional_controls_are_refused_in_text(field: str, bad: str) -> None:
    assert errors(**{field: f"甲{bad}"}) == [field]


@pytest.mark.parametrize(("field", "text"), [
    ("employees", "１２"), ("employees", "١٢"), ("paid_date", "２０２６-03-01"),
    ("amount", "１００"), ("amount", "٣.5")])
def test_digits_other_than_ascii_are_refused_where_a_number_is_read(field: str, text: str) -> None:
    assert errors(**{field: text}) == [field]
