"""Cells for a spreadsheet (OWASP CSV injection): text that would run as a formula is quoted, numbers stay numbers,
and what goes out comes back unchanged."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from xinyidai.spreadsheet import restore_cell, safe_cell, writer

ATTACKS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0",
           "-2+3+cmd|'/C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "-", "=", "+86 138 1234 5678"]


@pytest.mark.parametrize("value", ATTACKS)
def test_text_that_would_run_as_a_formula_is_quoted_and_comes_back_unchanged(value: str) -> None:
    assert safe_cell(value) == "'" + value
    assert restore_cell(safe_cell(value)) == value


@pytest.mark.parametrize("value", ["-5", "-2,000.50", "+86", "1,234.50", "0.5", "-1234567.89", "企业", "A=1", "", "'x"])
def test_plain_numbers_and_ordinary_text_pass_as_they_are(value: str) -> None:
    assert safe_cell(value) == value and restore_cell(value) == value


def test_values_that_are_not_text_are_left_to_the_csv_module() -> None:
    for value in (-5, Decimal("-2000.50"), -0.5, None, True):
        assert safe_cell(value) is value


def test_the_writer_neutralises_every_cell_of_every_row_and_the_header() -> None:
    buffer = io.StringIO()
    out = writer(buffer, lineterminator="\n")
    out.writerow(["=表头", "金额"])
    out.writerows([["=1+1", -5], ["@x", "-5"]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["'=表头", "金额"], ["'=1+1", "-5"], ["'@x", "-5"]]
