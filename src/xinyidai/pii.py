"""Personal numbers (no I/O, no context imported): recognise resident identity numbers and mainland mobile numbers,
in a field or inside free text, and mask, normalise or withhold them.

One place for what the audit log, the logs, the registry, onboarding and consent's desensitisation all need:

- a resident identity number (GB 11643-1999): 17 digits and a check character; `id_number_problem` says what is
  wrong with one (in Chinese, for the registry's forms), `is_id_number` whether text that looks like one is one;
- shown masked, an identity number keeps its issuing area (first 6) and last 4 (500108198001011234 →
  500108********1234) and a mobile number its network prefix (first 3) and last 4 (13812341234 → 138****1234);
- `scrub` walks a value (an audit detail, a log event) withholding numbers in text and values under secret-named
  keys. The audit log withholds only identity numbers valid by GB 11643, so a credit code or an order number stays
  readable; logs withhold anything shaped like one (`any_id_shape`): over-masking a log line costs nothing, a
  leaked number cannot be taken back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

WITHHELD = "[已隐去]"
# Keys whose values are withheld whatever they look like (a substring of the key, any case).
SECRET_KEY_PARTS = ("password", "passwd", "secret", "token", "id_number", "idcard", "id_card", "phone", "mobile",
                    "cookie", "authorization")

# An 18-character resident identity number's shape, not inside a longer code, and a mainland mobile number (with
# an optional +86), not inside a longer number.
ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")

# GB 11643-1999: weights of the first 17 digits (2^(18-i) mod 11) and the check character for the sum mod 11.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Province-level codes of GB/T 2260, first two digits of an identity number.
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
     "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
     "71", "81", "82"}
)
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$", re.ASCII)


def id_check_char(first17: str) -> str:
    """The 18th character of a resident identity number for its first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_problem(number: str, *, today: date | None = None) -> str | None:
    """What is wrong with an identity number (already trimmed, upper case) by GB 11643-1999, in Chinese; None if
    nothing is."""
    if not number:
        return "请填写身份证号码"
    if len(number) != 18:
        return f"身份证号码应为18位，当前为{len(number)}位"
    if not _ID_SHAPE.match(number):
        return "身份证号码前17位应为数字，第18位为数字或X"
    if number[:2] not in PROVINCE_CODES:
        return f"身份证号码前两位“{number[:2]}”不是有效的省级行政区划代码"
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return f"身份证号码第7—14位出生日期“{number[6:14]}”不是有效日期"
    if birth.year < 1880 or (today is not None and birth > today):
        return f"身份证号码第7—14位出生日期“{number[6:14]}”不合理"
    if number[17] != id_check_char(number[:17]):
        return "身份证号码第18位校验码不正确，请核对是否有数字抄错"
    return None


def is_id_number(candidate: str) -> bool:
    """Whether `candidate` is a valid resident identity number (an x as check character counts as X)."""
    return id_number_problem(candidate.strip().upper()) is None


def mask_id_number(id_number: str) -> str:
    """The one rule for showing an identity number masked: issuing area (first 6) and last 4 kept,
    500108198001011234 → 500108********1234; a value too short to keep anything of is masked whole."""
    value = id_number.strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def normalise_mobile(raw: str) -> str | None:
    """A mainland mobile number without spaces, dashes or +86/0086, or None if it is not one."""
    digits = re.sub(r"[\s\-]", "", raw)
    digits = digits.removeprefix("+86").removeprefix("0086")
    return digits if _MOBILE.match(digits) else None


def mask_mobile(mobile: str) -> str:
    """Network prefix (first 3) and last 4 kept: 13812341234 → 138****1234; a +86 prefix is dropped, and a number
    too short to keep anything of is masked whole."""
    digits = re.sub(r"[\s-]", "", mobile.strip())
    digits = re.sub(r"^(?:\+?86)(?=1\d{10}$)", "", digits)
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def replace_numbers(text: str, *, id_number: Callable[[str], str], mobile: Callable[[str], str],
                    any_id_shape: bool = False) -> str:
    """`text` with each identity number (valid by GB 11643, or of its shape if `any_id_shape`) replaced by
    `id_number(it)` and each mainland mobile number by `mobile(it)`."""
    text = ID_IN_TEXT.sub(
        lambda m: id_number(m.group()) if any_id_shape or is_id_number(m.group()) else m.group(), text)
    return MOBILE_IN_TEXT.sub(lambda m: mobile(m.group()), text)


def _withhold(_: str) -> str:
    return WITHHELD


def mask_numbers(text: str) -> str:
    """`text` with each identity number and mobile number masked as a desensitised reader sees them."""
    return replace_numbers(text, id_number=mask_id_number, mobile=mask_mobile)


def scrub_text(text: str, *, any_id_shape: bool = False) -> str:
    """`text` with identity numbers (see `replace_numbers`) and mobile numbers withheld."""
    return replace_numbers(text, id_number=_withhold, mobile=_withhold, any_id_shape=any_id_shape)


def is_secret_key(key: str) -> bool:
    """Whether values under this key are withheld whatever they look like."""
    lowered = key.lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def scrub(value: Any, *, any_id_shape: bool = False) -> Any:
    """A copy of `value` with numbers in text withheld (`scrub_text`) and the non-blank values of secret-named keys
    withheld, mappings, lists and tuples walked (a tuple stays a tuple)."""
    if isinstance(value, str):
        return scrub_text(value, any_id_shape=any_id_shape)
    if isinstance(value, Mapping):
        return {key: WITHHELD if isinstance(key, str) and is_secret_key(key) and value[key] not in (None, "")
                else scrub(value[key], any_id_shape=any_id_shape) for key in value}
    if isinstance(value, tuple):
        return tuple(scrub(item, any_id_shape=any_id_shape) for item in value)
    if isinstance(value, list):
        return [scrub(item, any_id_shape=any_id_shape) for item in value]
    return value
