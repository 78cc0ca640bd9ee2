"""Code validation: the unified social credit code (GB 32100-2015) and the resident identity
number (GB 11643-1999). Pure functions; each failure says exactly what is wrong, in Chinese.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

# The identity-number rule (GB 11643) and its masking live with the other personal-number rules, below every
# context; the registry re-exports them for its callers.
from xinyidai.pii import ID_CHECK_CHARS as ID_CHECK_CHARS
from xinyidai.pii import ID_WEIGHTS as ID_WEIGHTS
from xinyidai.pii import PROVINCE_CODES as PROVINCE_CODES
from xinyidai.pii import id_check_char as id_check_char
from xinyidai.pii import id_number_problem
from xinyidai.pii import mask_id_number as mask_id_number

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


# Registration authority (第1位) and entity type (第2位) of GB 32100-2015, as far as market
# supervision registers them.
USCC_MARKET_TYPES = {"91": "enterprise", "92": "individual_business", "93": "farmers_cooperative"}


class InvalidCode(ValueError):
    """A code that fails its standard; the message says which rule and where."""


@dataclass(frozen=True)
class UsccParts:
    """The fields of a valid unified social credit code."""

    code: str
    authority: str
    entity_type: str
    division_code: str
    organisation_code: str

    @property
    def market_kind(self) -> str | None:
        """enterprise / individual_business / farmers_cooperative when market supervision issued it."""
        return USCC_MARKET_TYPES.get(self.authority + self.entity_type)


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code for its first 17."""
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> UsccParts:
    """Check a unified social credit code by GB 32100-2015; return its parts or raise InvalidCode."""
    code = _normalise(raw)
    if not code:
        raise InvalidCode("请填写统一社会信用代码")
    if len(code) != 18:
        raise InvalidCode(f"统一社会信用代码应为18位，当前为{len(code)}位")
    for position, ch in enumerate(code, start=1):
        if ch not in USCC_ALPHABET:
            raise InvalidCode(
                f"统一社会信用代码第{position}位“{ch}”不是合法字符（只用数字和除 I、O、S、V、Z 外的大写字母）"
            )
    if not code[2:8].isdigit():
        raise InvalidCode("统一社会信用代码第3—8位是登记管理机关行政区划码，应为6位数字")
    if code[17] != uscc_check_char(code[:17]):
        raise InvalidCode("统一社会信用代码第18位校验码不正确，请核对是否有字符抄错")
    return UsccParts(
        code=code, authority=code[0], entity_type=code[1], division_code=code[2:8],
        organisation_code=code[8:17],
    )


def _normalise(raw: str) -> str:
    """Full-width characters (as Chinese input methods type them) to ASCII, trimmed, upper case."""
    return unicodedata.normalize("NFKC", raw).strip().upper()


def validate_id_number(raw: str, *, today: date | None = None) -> str:
    """Check a resident identity number by GB 11643-1999; return it normalised or raise InvalidCode."""
    number = _normalise(raw)
    problem = id_number_problem(number, today=today)
    if problem is not None:
        raise InvalidCode(problem)
    return number


def birth_date_of(id_number: str) -> date:
    """The date of birth encoded in a valid identity number."""
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
