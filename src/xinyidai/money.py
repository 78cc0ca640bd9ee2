"""Amounts and rates.

Amounts are integer fen (分) in the database and `Decimal` in arithmetic; rates are `Decimal`
fractions (0.035 is 3.5% a year). The one rounding rule: round half up (四舍五入) to the fen,
applied once per computed amount, as Chinese banks' published calculators do.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import Field, Strict

FEN_PER_YUAN = 100
MAX_FEN = 10**15  # ten trillion yuan: far above any line, far below BIGINT
ROUNDING = ROUND_HALF_UP
# An amount as it arrives in a request: a JSON integer of fen, never `true`, "100" or 1.5 read as one.
AmountFen = Annotated[int, Strict(), Field(gt=0, le=MAX_FEN)]
AmountFenOrZero = Annotated[int, Strict(), Field(ge=0, le=MAX_FEN)]
CENT = Decimal("0.01")
RATE_QUANTUM = Decimal("0.000001")  # rates are kept to 1e-6 (a hundredth of a basis point)

# ASCII digits only, as every other channel reads them (xinyidai.text): \d alone would read ２０ or ٢٠ as 20.
_AMOUNT_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$|^\d+(\.\d{1,2})?$", re.ASCII)
_PERCENT_RE = re.compile(r"^\d{1,3}(\.\d{1,4})?$", re.ASCII)


class InvalidAmount(ValueError):
    """Text that is not a valid money amount."""


class InvalidRate(ValueError):
    """Text that is not a valid percentage rate."""


def round_yuan(value: Decimal) -> Decimal:
    """Round a yuan amount to the fen by the platform's rule."""
    return value.quantize(CENT, rounding=ROUNDING)


def yuan_to_fen(value: Decimal | int | str) -> int:
    """Yuan (Decimal, int or decimal string) to integer fen, rounding by the platform's rule."""
    try:
        amount = Decimal(value)
    except InvalidOperation as exc:
        raise InvalidAmount(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise InvalidAmount(f"not an amount: {value!r}")
    try:
        return int((amount * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUNDING))
    except InvalidOperation as exc:  # beyond the decimal context's precision
        raise InvalidAmount("金额过大，请核对") from exc


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen to an exact yuan Decimal with two places."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(CENT)


def parse_yuan(text: str) -> int:
    """Parse what a person typed as a yuan amount ("1,000,000", "12.5") into fen; strict."""
    cleaned = text.strip().replace("，", ",").replace("￥", "").replace("¥", "").strip()
    if not _AMOUNT_RE.match(cleaned):
        raise InvalidAmount("金额格式不正确：请输入不超过两位小数的非负数字")
    fen = yuan_to_fen(cleaned.replace(",", ""))
    if fen > MAX_FEN:
        raise InvalidAmount("金额过大，请核对")
    return fen


def format_yuan(fen: int) -> str:
    """Fen as a yuan string with thousands separators: 100000000 -> '1,000,000.00'."""
    return f"{fen_to_yuan(fen):,.2f}"


def format_wan(fen: int) -> str:
    """Fen in 万元 (ten-thousands of yuan), as Chinese bank pages show credit lines."""
    wan = (Decimal(fen) / (FEN_PER_YUAN * 10_000)).normalize()
    return f"{wan:f}"


def parse_percent(text: str) -> Decimal:
    """'3.5' (percent) -> Decimal('0.035000')."""
    cleaned = text.strip().rstrip("%").strip()
    if not _PERCENT_RE.match(cleaned):
        raise InvalidRate("利率格式不正确：请输入百分数，如 4.35")
    return (Decimal(cleaned) / 100).quantize(RATE_QUANTUM)


def format_percent(rate: Decimal, places: int = 2) -> str:
    """Decimal('0.035') -> '3.50%'."""
    return f"{(rate * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUNDING)}%"


def quantize_rate(rate: Decimal) -> Decimal:
    """A rate kept to the platform's precision."""
    return rate.quantize(RATE_QUANTUM, rounding=ROUNDING)
