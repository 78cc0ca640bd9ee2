"""What text the platform stores: one rule for every channel (API schemas, portal forms, file imports, pushes).

- NUL is refused: PostgreSQL cannot store it in text, and no person means it.
- Bidirectional controls (U+202A–U+202E, U+2066–U+2069) are refused: they make a stored name or amount read
  differently from what it is ("Trojan Source"), and a credit report or an audit entry must read as stored.
- Digits: only ASCII 0–9 count as digits wherever a number, a date or a code is expected. Full-width (０–９),
  Arabic-Indic and other scripts' digits are refused with a message, never silently read as numbers: the API's
  integers (pydantic) refuse them already, so the file and push channels refuse them too, and the same text
  means the same thing whichever way it arrives.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED = BIDI_CONTROLS | {"\x00"}


class UnsafeText(ValueError):
    """Text holding a character the platform does not store."""


def check_text(value: str) -> str:
    """`value` unchanged, or UnsafeText if it holds NUL or a bidirectional control."""
    if not _REFUSED.isdisjoint(value):
        if "\x00" in value:
            raise UnsafeText("含有空字符（NUL），请删除后重试")
        raise UnsafeText("含有双向文本控制字符（如 U+202E），请删除后重试")
    return value


def check_digits(value: str) -> str:
    """`value` unchanged, or UnsafeText if it holds a digit other than ASCII 0–9 (full-width, Arabic-Indic …)."""
    if not value.isascii() and any(c.isdigit() and not c.isascii() for c in value):
        raise UnsafeText("含有全角或非阿拉伯数字，请使用半角数字 0-9")
    return value


# Every str a schema accepts for storing: `name: Text = Field(max_length=100)`; inside containers
# `list[Annotated[Text, Field(max_length=40)]]` (tests/unit/test_input_schemas.py holds every schema to it).
Text = Annotated[str, AfterValidator(check_text)]
# A name of a field or column as a key of a mapping.
FieldName = Annotated[str, AfterValidator(check_text), Field(min_length=1, max_length=100)]
# One value of a delivered row (a cell): each field's own limit is the catalogue's, checked by its parser.
CellText = Annotated[str, AfterValidator(check_text), Field(max_length=4000)]
