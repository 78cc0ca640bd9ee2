"""A schema's refusal of a form, said in Chinese: the portal's one translator."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import BaseModel, Field, ValidationError

from xinyidai.portal.forms import CHECK_FIELDS, form_date, form_errors, refused_fields


class _Form(BaseModel):
    name: str = Field(min_length=2)
    amount_fen: int = Field(gt=0)
    term_months: int = Field(gt=0)
    note: str = Field(max_length=3)


def _refusal(**data: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        _Form.model_validate({"name": "名称", "amount_fen": 1, "term_months": 1, "note": "", **data})
    return caught.value


def test_the_refused_fields_are_named() -> None:
    assert refused_fields(_refusal(amount_fen=0, note="太长的备注")) == {"amount_fen", "note"}


def test_each_refused_field_with_a_message_says_it_in_the_order_of_the_messages() -> None:
    messages = {"note": "备注不超过3个字", "name": "名称至少2个字", "amount_fen": "金额必须大于零"}
    assert form_errors(_refusal(name="x", note="太长的备注"), messages) == ["备注不超过3个字", "名称至少2个字"]


def test_the_default_is_said_only_when_no_message_matches() -> None:
    messages = {"amount_fen": "金额必须大于零"}
    assert form_errors(_refusal(term_months=0), messages, default="请选择期限") == ["请选择期限"]
    assert form_errors(_refusal(amount_fen=0, term_months=0), messages, default="请选择期限") == ["金额必须大于零"]
    assert form_errors(_refusal(term_months=0), messages) == []


def test_the_other_refused_fields_are_named_by_their_labels_in_one_line() -> None:
    labels = {"amount_fen": "申请金额", "term_months": "期限"}
    refusal = _refusal(name="x", amount_fen=0, term_months=0, note="太长的备注")
    assert form_errors(refusal, {"name": "名称至少2个字"}, labels=labels) == [
        "名称至少2个字", CHECK_FIELDS + "、".join(sorted(["申请金额", "期限", "note"]))]


def test_a_form_date_is_a_date_blank_is_none_and_a_bad_one_is_named_by_its_label() -> None:
    errors: list[str] = []
    assert form_date("2026-11-23", "起始日期", errors) == date(2026, 11, 23)
    assert form_date("", "起始日期", errors) is None
    assert errors == []
    assert form_date("2026-13-01", "截止日期", errors) is None
    assert errors == ["截止日期“2026-13-01”不是有效日期（格式：2026-11-23）"]
