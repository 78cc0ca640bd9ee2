"""Cells the platform writes into files a person opens in a spreadsheet (no I/O, no context imported).

Every CSV or XLSX the platform hands out goes through `writer` (CSV) or `safe_cell` (any other sheet), so that a
value someone typed — an error report echoes a department's rows as they came — can never run as a formula
(CSV injection, OWASP "CSV Injection"): a text cell that starts with = + - @, a tab or a carriage return is
prefixed with a single quote, which makes a spreadsheet show it as the text it is. Its double quotes are escaped
and the cell quoted by the csv module as usual.

Numbers stay numbers: a cell that is a plain number (an int, a Decimal or float, or text such as "-2,000.50" or
"+86") cannot call anything, and an amount column keeps its sign and stays summable. Only text that is nothing but
a number is let through; "-2+3" or "-1,@SUM(…)" is text like any other and gets the quote.

The quote is the platform's own mark, so a file read back (a clerk corrects an error report and uploads it) drops
it again with `restore_cell`: a value travels out and back unchanged.

Files the platform writes for a machine (PostgreSQL's COPY) are not for a spreadsheet and are left alone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


def safe_cell(value: Any) -> Any:
    """`value` as a spreadsheet may show it without running it: text starting with = + - @ TAB or CR gets a
    leading single quote unless it is a plain number; anything not text is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return QUOTE + value
    return value


def restore_cell(text: str) -> str:
    """A cell read back from a file the platform wrote: its protective quote dropped (see `safe_cell`)."""
    if text.startswith(QUOTE) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class SafeWriter:
    """A csv writer whose every cell goes through `safe_cell`."""

    def __init__(self, inner: _Writer) -> None:
        self._inner = inner

    def writerow(self, row: Iterable[Any]) -> Any:
        """Write one row, each cell neutralised."""
        return self._inner.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write rows, each cell neutralised."""
        for row in rows:
            self.writerow(row)


def writer(handle: Any, **options: Any) -> SafeWriter:
    """`csv.writer(handle, **options)` for a file a person will open: every cell neutralised (`safe_cell`)."""
    return SafeWriter(csv.writer(handle, **options))
