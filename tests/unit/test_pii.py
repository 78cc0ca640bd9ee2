"""Personal numbers: one place recognises, masks, normalises and withholds identity and mobile numbers, and every
caller (audit log, logs, registry, onboarding, consent's desensitisation) uses it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from xinyidai import observability, pii
from xinyidai.audit import privacy
from xinyidai.consent import masking
from xinyidai.identity.onboarding import policy as onboarding_policy
from xinyidai.registry import codes

# The examples of GB 11643-1999 itself (check characters X and 4).
STANDARD_ID_NUMBERS = ("11010519491231002X", "440524188001010014")
SRC = Path(pii.__file__).parent


@pytest.mark.parametrize("number", [*STANDARD_ID_NUMBERS, "11010519491231002x"])
def test_the_standards_identity_numbers_are_recognised(number: str) -> None:
    assert pii.is_id_number(number)
    assert pii.id_number_problem(number.upper()) is None


@pytest.mark.parametrize(("number", "problem"), [
    ("110105194912310021", "校验码不正确"),  # the check character of the example changed
    ("99010519491231002X", "省级行政区划代码"),  # no province 99
    ("11010519491331002X", "不是有效日期"),  # month 13
    ("11010518000101001X", "不合理"),  # born before 1880
    ("1101051949123100", "应为18位"),
    ("", "请填写"),
])
def test_a_number_that_is_not_an_identity_number_says_why(number: str, problem: str) -> None:
    found = pii.id_number_problem(number)
    assert found is not None and problem in found
    assert not pii.is_id_number(number)


def test_check_characters_by_the_standards_weights() -> None:
    assert [2 ** (17 - i) % 11 for i in range(17)] == list(pii.ID_WEIGHTS)
    assert pii.id_check_char("11010519491231002") == "X" and pii.id_check_char("44052418800101001") == "4"


def test_an_identity_number_keeps_its_area_and_last_four() -> None:
    assert pii.mask_id_number("11010519491231002X") == "110105********002X"
    assert pii.mask_id_number("110105491231002") == "110105*****1002"
    assert pii.mask_id_number("12345") == "*****"


@pytest.mark.parametrize(("raw", "normal"), [
    ("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("0086 13812345678", "13812345678"),
    ("12812345678", None), ("1381234567", None), ("023-62345678", None),
])
def test_mobile_numbers_are_normalised(raw: str, normal: str | None) -> None:
    assert pii.normalise_mobile(raw) == normal


@pytest.mark.parametrize(("mobile", "masked"), [
    ("13812341234", "138****1234"), ("+86 138-1234-1234", "138****1234"), ("8613812341234", "138****1234"),
    ("110", "***"),
])
def test_a_mobile_number_keeps_its_prefix_and_last_four(mobile: str, masked: str) -> None:
    assert pii.mask_mobile(mobile) == masked


def test_numbers_in_text_are_withheld_valid_identity_numbers_only_unless_any_shape_is_asked() -> None:
    wrong = "110105194912310021"  # shaped like one, wrong check character
    text = f"身份证11010519491231002X，手机+86 13812345678，合同号{wrong}，信用代码91350100M000100Y43"
    assert pii.scrub_text(text) == f"身份证[已隐去]，手机[已隐去]，合同号{wrong}，信用代码91350100M000100Y43"
    assert pii.scrub_text(text, any_id_shape=True) == (
        "身份证[已隐去]，手机[已隐去]，合同号[已隐去]，信用代码91350100M000100Y43")
    assert pii.replace_numbers(text, id_number=pii.mask_id_number, mobile=pii.mask_mobile).startswith(
        "身份证110105********002X，手机138****5678，")


def test_scrub_walks_containers_and_withholds_secret_named_keys() -> None:
    value = {"Password": "S3cret!", "items": [{"mobile": "x", "note": "电话13812345678"}], "args": ("13812345678", 1),
             "phone": "", "token": None, "amount_fen": 100}
    assert pii.scrub(value) == {"Password": pii.WITHHELD, "items": [{"mobile": pii.WITHHELD, "note": "电话[已隐去]"}],
                                "args": (pii.WITHHELD, 1), "phone": "", "token": None, "amount_fen": 100}


def test_every_caller_uses_the_one_rule() -> None:
    assert masking.mask_mobile is onboarding_policy.mask_mobile is pii.mask_mobile
    assert onboarding_policy.normalise_mobile is pii.normalise_mobile
    assert masking.mask_id_number is codes.mask_id_number is pii.mask_id_number
    assert codes.id_check_char is pii.id_check_char
    assert privacy.MASK == observability.WITHHELD == masking.WITHHELD == pii.WITHHELD
    assert privacy.mask_text("x 110105194912310021") == "x 110105194912310021"  # the audit log: valid ones only
    assert observability.scrub_text("x 110105194912310021") == "x [已隐去]"  # logs: any of the shape


def test_pii_imports_no_context_and_no_one_else_writes_the_patterns_again() -> None:
    tree = ast.parse((SRC / "pii.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not [name for name in imported if name.startswith("xinyidai")]
    patterns = (r"1[3-9]\d{9}", r"\d{17}[\dX")
    copies = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py") if path.name != "pii.py"
              and any(pattern in path.read_text(encoding="utf-8") for pattern in patterns)]
    assert copies == []
