"""What the server may parse of a CSV file (quotes only around whole cells …), and the texts and amounts SQL
recognises as their converters would read them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyidai.creditdata import bulk
from xinyidai.creditdata.enums import FieldType
from xinyidai.creditdata.fields import FieldSpec, RowParser
from xinyidai.money import MAX_FEN


def plain(data: bytes, chunk: int) -> bool:
    check = bulk.PlainCheck()
    return all(check.feed(data[start:start + chunk]) for start in range(0, len(data), chunk)) and check.finish()


@pytest.mark.parametrize(("data", "expected"), [
    (b"a,b\r\n1,2\r\n", True),
    (b"a,b\r\n1,2", True),
    (b'a,b\r\n1,"1,234.5"\r\n', True),
    (b'a,b\r\n1,"1,""234.5"\r\n"x",y', True),  # a doubled quote inside; a quoted cell opening a line
    (b'a,b\r\n1,""\r\n', True),
    (b'a,b\r\n1,""""\r\n', True),
    (b'"a",b\r\n1,2', True),
    (b'a,b\r\n1,"""a""b"""\r\n', True),
    (b'a,b\r\n1,Q"1"\r\n', False),  # a quote inside a cell: a character to the csv module, a quote to COPY
    (b'a,b\r\n1,"Q"1\r\n', False),  # text after the closing quote
    (b'a,b\r\n1, "Q"\r\n', False),  # a blank before the opening quote
    (b'a,b\r\n1,""x\r\n', False),
    (b'a,b\r\n1,"Q\r\n', False),  # left open
    (b'a,b\r\n\\.\r\n1,2', False),  # COPY's end of data
    (b'a,b\r\n1,"a\x00"\r\n', False),
    (b'\xef\xbb\xbf"a",b\r\n1,2', False),  # after a BOM the first quote does not open the line (to this check)
])
def test_a_file_is_plain_when_copy_and_the_csv_module_split_it_alike(data: bytes, expected: bool) -> None:
    assert plain(data, chunk=7) is expected
    assert plain(data, chunk=len(data) + 1) is expected


def test_a_line_longer_than_a_cell_may_be_is_not_plain() -> None:
    # The csv module refuses a cell over 1 MB; COPY takes it. A line break-free stretch of 512 KB is refused here.
    assert not plain(b"a,b\r\n1," + b"x" * (1 << 20) + b"\r\n1,2", chunk=256 << 10)
    assert plain(b"a,b\r\n1," + b"x" * (200 << 10) + b"\r\n1,2", chunk=256 << 10)


def test_a_quoted_line_break_is_plain_within_one_chunk_and_may_not_be_across_two() -> None:
    data = b'a,b\r\n1,"multi\nline"\r\n'
    assert plain(data, chunk=len(data))
    assert plain(data, chunk=12)
    assert not plain(data, chunk=data.index(b"\nline") + 1)  # a chunk ends inside the cell, at its line break


def test_the_text_pattern_finds_every_blank_python_strips_and_every_refused_control() -> None:
    pattern = bulk._text_pattern()
    blanks = [c for c in map(chr, range(0x110000)) if c.isspace()]
    assert len(blanks) > 20
    assert all(re.search(pattern, f"{c}x") and re.search(pattern, f"x{c}") for c in blanks)
    assert all(re.search(pattern, f"a{c}b") for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert not re.search(pattern, "渝(2026) 南岸\t区 第0001号")


AMOUNTS = st.one_of(st.from_regex(bulk._PLAIN_AMOUNT, fullmatch=True),
                    st.from_regex(bulk._GROUPED_AMOUNT, fullmatch=True))


@settings(max_examples=300)
@given(AMOUNTS)
def test_an_amount_sql_recognises_is_the_same_fen_to_the_converter(text: str) -> None:
    # from_regex may end a match with a newline before `$`: SQL's `$` does not allow it, nor does this test.
    text = text.rstrip("\n")
    spec = FieldSpec(name="amount", label="金额", type=FieldType.MONEY)
    parser = RowParser(fields=(spec,), key_fields=(), date_field=None, today=date(2026, 11, 23))
    value, errors = parser.cell(0, text)
    assert not errors and value == int(Decimal(text.replace(",", "")) * 100) <= MAX_FEN


def test_the_longest_amount_sql_recognises_stays_within_max_fen() -> None:
    assert int(Decimal("9" * 13 + ".99") * 100) <= MAX_FEN
    assert re.fullmatch(bulk._GROUPED_AMOUNT, "999,999,999,999.99")
    assert not re.fullmatch(bulk._GROUPED_AMOUNT, "1,999,999,999,999.99")


@settings(max_examples=500)
@given(st.text(max_size=12))
def test_a_text_sql_recognises_is_itself_to_the_converter(text: str) -> None:
    spec = FieldSpec(name="voucher_no", label="票号", type=FieldType.TEXT, max_length=10)
    parser = RowParser(fields=(spec,), key_fields=(), date_field=None, today=date(2026, 11, 23))
    if "\x00" in text or not text or len(text) > 10 or re.search(bulk._text_pattern(), text):
        return  # not recognised by SQL (PostgreSQL holds no NUL): the converter decides
    assert parser.cell(0, text) == (text, [])
