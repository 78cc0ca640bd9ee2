"""Amounts in fen, yuan text, 万元 and percentages; the one rounding rule is round half up (四舍五入)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.money import (
    InvalidAmount,
    InvalidRate,
    fen_to_yuan,
    format_percent,
    format_wan,
    format_yuan,
    parse_percent,
    parse_yuan,
    yuan_to_fen,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("0", 0),
        ("0.01", 1),
        ("12.5", 1250),
        ("12.50", 1250),
        ("88", 8800),
        ("1000000", 100_000_000),
        ("1,000,000", 100_000_000),
        ("1,234.56", 123_456),
        ("1，000，000.50", 100_000_050),  # full-width commas from a Chinese input method
        ("¥1,234.56", 123_456),
        ("￥ 88", 8800),
        ("  3,000,000.00  ", 300_000_000),
    ],
)
def test_parse_yuan_accepts(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text",
    ["", "   ", "-1", "-0.01", "1.234", "0.001", "abc", "1e3", "NaN", "Infinity", "1.", ".5",
     "1,00", "1,0000", "12,34,567", ",100", "1,000.", "1 000", "¥", "1.2.3", "+5"],
)
def test_parse_yuan_refuses(text: str) -> None:
    with pytest.raises(InvalidAmount) as info:
        parse_yuan(text)
    assert str(info.value) == "金额格式不正确：请输入不超过两位小数的非负数字"


@pytest.mark.parametrize(
    ("yuan", "fen"),
    [
        (Decimal("0.005"), 1),  # half a fen rounds up
        (Decimal("0.004"), 0),
        (Decimal("0.125"), 13),  # half up; banker's rounding would give 12
        (Decimal("1.005"), 101),  # half up; banker's rounding would give 100
        (Decimal("2.675"), 268),
        (Decimal("0.0149"), 1),
        ("19.995", 2000),
        (5, 500),
        (Decimal("1234.56"), 123_456),
    ],
)
def test_yuan_to_fen_rounds_half_up(yuan: Decimal | int | str, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize("value", ["abc", "", "NaN", "Infinity", "-Infinity"])
def test_yuan_to_fen_refuses_non_amounts(value: str) -> None:
    with pytest.raises(InvalidAmount):
        yuan_to_fen(value)


@pytest.mark.parametrize(("fen", "yuan"), [(0, "0.00"), (1, "0.01"), (100, "1.00"), (12_345, "123.45")])
def test_fen_to_yuan(fen: int, yuan: str) -> None:
    result = fen_to_yuan(fen)
    assert result == Decimal(yuan)
    assert str(result) == yuan


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (5, "0.05"), (100_000, "1,000.00"), (100_000_000, "1,000,000.00"), (123_456_789, "1,234,567.89")],
)
def test_format_yuan(fen: int, text: str) -> None:
    assert format_yuan(fen) == text


@pytest.mark.parametrize(
    ("fen", "wan"),
    [
        (0, "0"),
        (1_000_000, "1"),  # 10,000 yuan = 1 万元
        (100_000_000, "100"),  # 1,000,000 yuan = 100 万元, not "1E+2"
        (500_000_000, "500"),
        (150_000_000, "150"),
        (50_000, "0.05"),  # 500 yuan
        (12_345_600, "12.3456"),
        (123_456_789, "123.456789"),
    ],
)
def test_format_wan(fen: int, wan: str) -> None:
    assert format_wan(fen) == wan


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("3.5", "0.035"),
        ("4.35", "0.0435"),
        ("4.35%", "0.0435"),
        (" 3.45 % ", "0.0345"),
        ("0", "0"),
        ("24", "0.24"),
        ("100", "1"),
        ("3.1234", "0.031234"),
    ],
)
def test_parse_percent(text: str, rate: str) -> None:
    parsed = parse_percent(text)
    assert parsed == Decimal(rate)
    assert parsed.as_tuple().exponent == -6


@pytest.mark.parametrize("text", ["", "%", "-1", "3.12345", "1000", "abc", "3,5", ".5", "3.", "0.035e2"])
def test_parse_percent_refuses(text: str) -> None:
    with pytest.raises(InvalidRate) as info:
        parse_percent(text)
    assert str(info.value) == "利率格式不正确：请输入百分数，如 4.35"


@pytest.mark.parametrize(
    ("rate", "places", "text"),
    [
        ("0.035", 2, "3.50%"),
        ("0.0435", 2, "4.35%"),
        ("0.043450", 2, "4.35%"),  # half up; banker's rounding would give 4.34%
        ("0.043449", 2, "4.34%"),
        ("0.0365", 3, "3.650%"),
        ("0.0435", 0, "4%"),
        ("0.045", 0, "5%"),  # half up
    ],
)
def test_format_percent(rate: str, places: int, text: str) -> None:
    assert format_percent(Decimal(rate), places) == text


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_yuan_fen_round_trip(fen: int) -> None:
    assert yuan_to_fen(fen_to_yuan(fen)) == fen


@given(st.integers(min_value=0, max_value=10**15))
def test_format_then_parse_round_trip(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen


@given(st.integers(min_value=0, max_value=10**6))
def test_percent_round_trip(millionths_of_percent: int) -> None:
    rate = Decimal(millionths_of_percent) / Decimal(10**6)  # 0 .. 100 % with four decimals of a percent
    assert parse_percent(format_percent(rate, 4)) == rate.quantize(Decimal("0.000001"))


@pytest.mark.parametrize("text", ["２０", "٢٠", "1,０00", "۱۲.5", "２０.５"])
def test_what_a_person_types_is_read_with_ascii_digits_only(text: str) -> None:
    # As in every channel (xinyidai.text): full-width and other scripts' digits are refused, never read as 20.
    with pytest.raises(InvalidAmount):
        parse_yuan(text)
    with pytest.raises(InvalidRate):
        parse_percent(text)
