"""The platform's one text rule: no NUL, no bidirectional controls, ASCII digits where a number is read."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError

from xinyidai.text import BIDI_CONTROLS, Text, UnsafeText, check_digits, check_text


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS | {"\x00"}))
def test_nul_and_every_bidirectional_control_are_refused(control: str) -> None:
    with pytest.raises(UnsafeText):
        check_text(f"重庆{control}甲商贸")


def test_ordinary_text_passes_unchanged() -> None:
    assert check_text("重庆甲商贸有限公司（南岸）\u200d ABC-123") == "重庆甲商贸有限公司（南岸）\u200d ABC-123"


@pytest.mark.parametrize("number", ["１２３", "١٢٣", "۱۲", "१२"])
def test_digits_other_than_ascii_are_refused(number: str) -> None:
    with pytest.raises(UnsafeText):
        check_digits(number)
    assert check_digits("2026年3月") == "2026年3月"


def test_the_schema_type_applies_the_same_rule() -> None:
    class Named(BaseModel):
        name: Annotated[Text, Field(max_length=10)]

    assert Named(name="甲").name == "甲"
    for bad in ("甲\u202e乙", "甲\x00", "x" * 11):
        with pytest.raises(ValidationError):
            Named(name=bad)
