"""Typed fields of a catalogue sub-category, and the parsing of a department's row into a record (no I/O).

A department's export is text: dates as 2026-03-01, 2026/3/1 or 20260301, amounts in yuan with
thousands separators, enumerations in Chinese. `RowParser` turns one such row into typed values
(amounts in integer fen, dates as ISO strings) or into a list of errors a clerk can act on, each
naming the column and saying what is wrong, in Chinese.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from xinyidai.consent import service as consent_service
from xinyidai.creditdata.enums import FieldType
from xinyidai.money import MAX_FEN, InvalidAmount, parse_yuan
from xinyidai.registry.codes import InvalidCode, validate_uscc
from xinyidai.text import UnsafeText, check_digits, check_text

USCC_FIELD = "uscc"  # every sub-category's rows name their entity in this field

_DATE_RE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$")
_MONTH_RE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?$")
_TRUE = frozenset({"是", "有", "true", "1", "y", "yes"})
_FALSE = frozenset({"否", "无", "false", "0", "n", "no"})
_UNSEEN = object()
_MEMO_SIZE = 100_000  # distinct texts remembered per field; past that the memo starts over
MAX_INTEGER = 2**63 - 1  # what a BIGINT holds: a larger count is a typing error, refused by every channel alike


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a sub-category: its name in code, its column label, type and constraints."""

    name: str
    label: str
    type: FieldType
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int = 200
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    allow_future: bool = False  # dates: a validity end or an expiry may lie ahead; a fact may not
    mask: str | None = None  # consent.masking.FieldKind: how the value is desensitised for other readers

    def as_dict(self) -> dict[str, Any]:
        """The spec as the catalogue stores it."""
        out: dict[str, Any] = {"name": self.name, "label": self.label, "type": self.type.value}
        if not self.required:
            out["required"] = False
        if self.choices:
            out["choices"] = list(self.choices)
        if self.max_length != 200:
            out["max_length"] = self.max_length
        if self.minimum is not None:
            out["minimum"] = str(self.minimum)
        if self.maximum is not None:
            out["maximum"] = str(self.maximum)
        if self.allow_future:
            out["allow_future"] = True
        if self.mask is not None:
            out["mask"] = self.mask
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FieldSpec:
        """A spec from the catalogue's stored form; raises ValueError on a malformed one."""
        kind = FieldType(raw["type"])
        choices = tuple(str(c) for c in raw.get("choices", ()))
        if kind is FieldType.ENUM and not choices:
            raise ValueError(f"enum field {raw['name']} needs choices")
        mask = raw.get("mask")
        if mask is not None:
            mask = consent_service.FieldKind(mask).value  # ValueError on a kind masking does not know
            if mask == consent_service.FieldKind.AMOUNT_BAND and kind is not FieldType.MONEY:
                raise ValueError(f"field {raw['name']}: only money fields are banded")
        return cls(
            name=str(raw["name"]), label=str(raw["label"]), type=kind, required=bool(raw.get("required", True)),
            choices=choices, max_length=int(raw.get("max_length", 200)),
            minimum=Decimal(str(raw["minimum"])) if "minimum" in raw else None,
            maximum=Decimal(str(raw["maximum"])) if "maximum" in raw else None,
            allow_future=bool(raw.get("allow_future", False)), mask=mask,
        )


@dataclass(frozen=True, slots=True)
class FieldError:
    """What is wrong with one value of one row."""

    field: str | None
    message: str


@dataclass(slots=True)
class ParsedRow:
    """A row that passed: the entity's USCC, the typed values, its record key and fingerprint."""

    uscc: str
    data: dict[str, Any]
    record_key: str
    fingerprint: str
    fact_date: date | None


@dataclass(slots=True)
class RowParser:
    """Parses rows of one sub-category; build once per batch, call `parse` per row."""

    fields: Sequence[FieldSpec]
    key_fields: Sequence[str]
    date_field: str | None
    today: date
    _by_label: dict[str, FieldSpec] = field(init=False)
    # Per field, `convert(text, errors)`: the typed value (None where blank), appending to `errors` if refused.
    _converters: list[Callable[[str, list[FieldError]], Any]] = field(init=False)

    def __post_init__(self) -> None:
        self._by_label = {}
        self._converters = [_converter(spec, self.today) for spec in self.fields]
        for spec in self.fields:
            self._by_label[spec.name] = spec
            self._by_label[spec.label] = spec

    def resolve_columns(self, header: Sequence[str]) -> tuple[dict[int, FieldSpec], list[str]]:
        """Map a file's header (labels or names) to fields; errors name unknown, repeated and missing columns."""
        mapping: dict[int, FieldSpec] = {}
        errors: list[str] = []
        seen: set[str] = set()
        for index, column in enumerate(header):
            name = column.strip().lstrip("\ufeff")
            if not name:
                continue
            spec = self._by_label.get(name)
            if spec is None:
                errors.append(f"未知的列“{name}”")
            elif spec.name in seen:
                errors.append(f"列“{name}”重复出现")
            else:
                seen.add(spec.name)
                mapping[index] = spec
        missing = [spec.label for spec in self.fields if spec.required and spec.name not in seen]
        if missing:
            errors.append("缺少必填列：" + "、".join(missing))
        return mapping, errors

    def parse(self, values: Mapping[str, str]) -> ParsedRow | list[FieldError]:
        """Typed values of one row keyed by field name (absent and blank are the same), or its errors."""
        typed = self.typed([values.get(spec.name) or "" for spec in self.fields])
        return typed if isinstance(typed, list) else self.row_of(typed)

    def typed(self, texts: Sequence[str]) -> tuple[Any, ...] | list[FieldError]:
        """The typed value of each field (None where blank), `texts` in the order of `fields`; or the errors.

        The bulk import's fast path stops here and lets the database build data, key and fingerprint.
        """
        errors: list[FieldError] = []
        out = tuple([convert(raw, errors) for convert, raw in zip(self._converters, texts, strict=True)])
        return errors if errors else out

    def cell(self, position: int, text: str) -> tuple[Any, list[FieldError]]:
        """One cell of the field at `position` as `typed` reads it: its typed value (None where blank) and errors.

        The bulk import's server-side path asks this once per distinct text of a column.
        """
        errors: list[FieldError] = []
        value = self._converters[position](text, errors)
        return (None if errors else value), errors

    def row_of(self, typed: Sequence[Any]) -> ParsedRow:
        """A parsed row from the typed values `typed` returned."""
        data = {spec.name: value for spec, value in zip(self.fields, typed, strict=True) if value is not None}
        fact = data.get(self.date_field) if self.date_field else None
        return ParsedRow(
            uscc=str(data.get(USCC_FIELD, "")), data=data, record_key=record_key(data, self.key_fields),
            fingerprint=fingerprint(data), fact_date=date.fromisoformat(fact) if isinstance(fact, str) else None,
        )


def _converter(spec: FieldSpec, today: date) -> Callable[[str, list[FieldError]], Any]:
    """The per-field step of `RowParser.typed`, specialised to the field once per parser (it runs per cell)."""
    blank = FieldError(spec.name, f"“{spec.label}”不能为空") if spec.required else None
    if spec.type is FieldType.TEXT:  # free text: a length check is cheaper than remembering every voucher number
        return _text_converter(spec, blank)

    # Text → parsed value or refusal: a file repeats its entities, dates and enumerations, and a parsed value
    # depends only on the spec, the text and `today` (all fixed for this parser).
    memo: dict[str, Any] = {}
    remembered = memo.get

    def remember(raw: str) -> Any:
        text = raw.strip()
        value: Any = blank
        if text:
            try:
                # The platform's text rule (xinyidai.text) for every kind, and ASCII digits wherever one is read.
                check_text(text)
                if spec.type is not FieldType.ENUM:
                    check_digits(text)
                value = parse_value(spec, text, today=today)
            except ValueError as exc:
                value = FieldError(spec.name, f"“{spec.label}”{exc}")
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[raw] = value
        return value

    def convert(raw: str, errors: list[FieldError]) -> Any:
        value = remembered(raw, _UNSEEN)
        if value is _UNSEEN:
            value = remember(raw)
        if value.__class__ is FieldError:
            errors.append(value)
        return value

    if spec.type is not FieldType.MONEY or spec.minimum is not None or spec.maximum is not None:
        return convert
    return _plain_money_first(convert)


def _text_converter(spec: FieldSpec, blank: FieldError | None) -> Callable[[str, list[FieldError]], Any]:
    """`_converter` for free text: trimmed, bounded in length and held to the platform's text rule."""
    limit = spec.max_length
    too_long = FieldError(spec.name, f"“{spec.label}”超过{limit}个字符")

    def convert_text(raw: str, errors: list[FieldError]) -> Any:
        text = raw.strip()
        if not text:
            if blank is not None:
                errors.append(blank)
            return None
        if len(text) > limit:
            errors.append(too_long)
        try:
            check_text(text)
        except UnsafeText as exc:
            errors.append(FieldError(spec.name, f"“{spec.label}”{exc}"))
        return text

    return convert_text


def _plain_money_first(convert: Callable[[str, list[FieldError]], Any]) -> Callable[[str, list[FieldError]], Any]:
    """`convert` for an unbounded amount, with plain "1234.5" (most of a department's file) parsed on the spot."""

    def convert_money(raw: str, errors: list[FieldError]) -> Any:
        # Nearly every amount is distinct, so the memo would not help: what parse_yuan gives, without Decimal,
        # written inline as it runs per cell; anything else (separators, blanks, signs, refusals) goes `convert`.
        whole, dot, cents = raw.partition(".")
        if whole.isdigit() and whole.isascii() and (
                not dot or (len(cents) <= 2 and cents.isdigit() and cents.isascii())):
            fen = int(whole) * 100 + (int(cents.ljust(2, "0")) if dot else 0)
            if fen <= MAX_FEN:
                return fen
        return convert(raw, errors)

    return convert_money


def parse_value(spec: FieldSpec, text: str, *, today: date) -> Any:
    """One value by its spec; raises ValueError whose message completes "“<label>”…"."""
    return _PARSERS[spec.type](spec, text, today)


def _parse_text(spec: FieldSpec, text: str, today: date) -> str:
    if len(text) > spec.max_length:
        raise ValueError(f"超过{spec.max_length}个字符")
    return text


def _parse_uscc(spec: FieldSpec, text: str, today: date) -> str:
    try:
        return validate_uscc(text).code
    except InvalidCode as exc:
        raise ValueError(f"有误：{exc}") from exc


def _parse_iso_date(spec: FieldSpec, text: str, today: date) -> str:
    return _parse_date(spec, text, today).isoformat()


def _parse_month(spec: FieldSpec, text: str, today: date) -> str:
    match = _MONTH_RE.match(text)
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"“{text}”不是年月（应如 2026-03）")
    if (int(match[1]), int(match[2])) > (today.year, today.month) and not spec.allow_future:
        raise ValueError(f"“{text}”晚于今天")
    return f"{int(match[1]):04d}-{int(match[2]):02d}"


def _parse_year(spec: FieldSpec, text: str, today: date) -> int:
    if not re.fullmatch(r"\d{4}年?", text) or not 1949 <= int(text[:4]) <= today.year + (
            1 if spec.allow_future else 0):
        raise ValueError(f"“{text}”不是有效年份")
    return int(text[:4])


def _parse_integer(spec: FieldSpec, text: str, today: date) -> int:
    try:
        number = int(text.replace(",", ""))
    except ValueError:
        raise ValueError(f"“{text}”不是整数") from None
    _check_range(spec, Decimal(number), text)
    return number


def _parse_money(spec: FieldSpec, text: str, today: date) -> int:
    if text.startswith("-"):
        raise ValueError(f"“{text}”不能为负数")
    try:
        fen = parse_yuan(text)
    except InvalidAmount:
        raise ValueError(f"“{text}”不是金额（元，最多两位小数）") from None
    _check_range(spec, Decimal(fen) / 100, text)
    return fen


def _parse_decimal(spec: FieldSpec, text: str, today: date) -> str:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"“{text}”不是数字") from None
    if not number.is_finite():
        raise ValueError(f"“{text}”不是数字")
    _check_range(spec, number, text)
    return str(number)


def _parse_enum(spec: FieldSpec, text: str, today: date) -> str:
    if text not in spec.choices:
        raise ValueError(f"“{text}”不是可选值（{'、'.join(spec.choices)}）")
    return text


def _parse_boolean(spec: FieldSpec, text: str, today: date) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"“{text}”应为“是”或“否”")


# The parser of each field type: text (stripped, not blank) → typed value, or a ValueError saying why not.
_PARSERS: dict[FieldType, Callable[[FieldSpec, str, date], Any]] = {
    FieldType.TEXT: _parse_text,
    FieldType.USCC: _parse_uscc,
    FieldType.DATE: _parse_iso_date,
    FieldType.MONTH: _parse_month,
    FieldType.YEAR: _parse_year,
    FieldType.INTEGER: _parse_integer,
    FieldType.MONEY: _parse_money,
    FieldType.DECIMAL: _parse_decimal,
    FieldType.ENUM: _parse_enum,
    FieldType.BOOLEAN: _parse_boolean,
}


def _parse_date(spec: FieldSpec, text: str, today: date) -> date:
    match = _DATE_RE.match(text)
    try:
        value = date(int(match[1]), int(match[2]), int(match[3])) if match else None
    except ValueError:
        value = None
    if value is None:
        raise ValueError(f"“{text}”不是有效日期（应如 2026-03-01）")
    if value > today and not spec.allow_future:
        raise ValueError(f"“{text}”晚于今天，不能是将来的日期")
    if value.year < 1949:
        raise ValueError(f"“{text}”早于1949年")
    return value


def _check_range(spec: FieldSpec, value: Decimal, text: str) -> None:
    minimum = spec.minimum if spec.minimum is not None else Decimal(0)
    if value < minimum:
        raise ValueError(f"“{text}”不能小于{minimum}" if minimum else f"“{text}”不能为负数")
    if spec.maximum is not None and value > spec.maximum:
        raise ValueError(f"“{text}”不能大于{spec.maximum}")
    if spec.type is FieldType.MONEY and value * 100 > MAX_FEN:
        raise ValueError(f"“{text}”金额过大")
    if spec.type is FieldType.INTEGER and value > MAX_INTEGER:
        raise ValueError(f"“{text}”过大，请核对")


def canonical_text(value: Any) -> str:
    """A typed value as text, the same in Python and in SQL: integers in decimal, booleans true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def record_key(data: Mapping[str, Any], key_fields: Sequence[str]) -> str:
    """What identifies the fact (a penalty's decision number, a tax grade's year), within one entity.

    Two deliveries with the same key are versions of one fact: the later one is current, the earlier
    stays as history. With no key fields every distinct row is its own fact. The bulk import's SQL
    (`imports._CopySink`) computes the same key; the two must not diverge.
    """
    if not key_fields:
        return fingerprint(data)
    return "|".join(canonical_text(data[name]) if data.get(name) is not None else "" for name in key_fields)


def fingerprint(data: Mapping[str, Any]) -> str:
    """A digest of the typed values: the same fact delivered twice has the same fingerprint, whatever the channel.

    MD5 (as a UUID) of ``name:length:text;`` for each present field in name order (lengths in characters,
    `canonical_text`): a definition PostgreSQL computes identically in the bulk import's INSERT … SELECT,
    where a row pushed by API and the same row in a department's file must meet. Not a security digest:
    it only tells content apart.
    """
    canonical = "".join(f"{name}:{len(text)}:{text};" for name in sorted(data)
                        if data[name] is not None for text in (canonical_text(data[name]),))
    return str(uuid.UUID(bytes=hashlib.md5(canonical.encode(), usedforsecurity=False).digest()))
