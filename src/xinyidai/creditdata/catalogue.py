"""The catalogue file as data: departments, categories and sub-categories with their typed fields (no I/O
beyond reading the packaged file)."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from xinyidai.creditdata.enums import AuthoritativeChannel, FieldType, Sensitivity, UpdateCycle
from xinyidai.creditdata.fields import USCC_FIELD, FieldSpec

USCC_SPEC = FieldSpec(name=USCC_FIELD, label="统一社会信用代码", type=FieldType.USCC, max_length=18)


@dataclass(frozen=True, slots=True)
class ItemDefinition:
    """One sub-category as the catalogue file defines it."""

    code: str
    category: str
    name: str
    source: str
    sensitivity: Sensitivity
    cycle: UpdateCycle
    authoritative: AuthoritativeChannel
    local_allowed: bool
    key: tuple[str, ...]
    date_field: str | None
    negative: bool
    visible_days: int | None
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True, slots=True)
class CatalogueDefinition:
    """The whole catalogue file."""

    departments: tuple[tuple[str, str], ...]
    categories: tuple[tuple[str, str], ...]
    items: tuple[ItemDefinition, ...]


def with_uscc(fields: Sequence[FieldSpec]) -> tuple[FieldSpec, ...]:
    """The fields of a sub-category, led by the entity's USCC unless the definition names it itself."""
    if any(spec.name == USCC_FIELD for spec in fields):
        return tuple(fields)
    return (USCC_SPEC, *fields)


def parse(raw: dict[str, Any]) -> CatalogueDefinition:
    """Check and convert the catalogue file's content; raises ValueError naming the faulty entry."""
    departments = tuple((str(d["code"]), str(d["name"])) for d in raw.get("department", ()))
    categories = tuple((str(c["code"]), str(c["name"])) for c in raw.get("category", ()))
    known_departments = {code for code, _ in departments}
    known_categories = {code for code, _ in categories}
    items = []
    seen: set[str] = set()
    for entry in raw.get("item", ()):
        code = str(entry["code"])
        try:
            fields = with_uscc([FieldSpec.from_dict(f) for f in entry["fields"]])
            names = [spec.name for spec in fields]
            item = ItemDefinition(
                code=code, category=str(entry["category"]), name=str(entry["name"]), source=str(entry["source"]),
                sensitivity=Sensitivity(entry["sensitivity"]), cycle=UpdateCycle(entry["cycle"]),
                authoritative=AuthoritativeChannel(entry["authoritative"]),
                local_allowed=bool(entry.get("local_allowed", entry["authoritative"] == "local")),
                key=tuple(entry.get("key", ())), date_field=entry.get("date_field"),
                negative=bool(entry.get("negative", False)), visible_days=entry.get("visible_days"),
                fields=fields,
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"catalogue item {code}: {exc}") from exc
        problems = [
            f"duplicate code {code}" if code in seen else "",
            f"unknown category {item.category}" if item.category not in known_categories else "",
            f"unknown source {item.source}" if item.source not in known_departments else "",
            f"key names unknown fields {set(item.key) - set(names)}" if set(item.key) - set(names) else "",
            f"repeated field names in {names}" if len(set(names)) != len(names) else "",
            f"date_field {item.date_field} is not a date field" if item.date_field is not None and not any(
                s.name == item.date_field and s.type is FieldType.DATE for s in fields) else "",
        ]
        if any(problems):
            raise ValueError(f"catalogue item {code}: " + "; ".join(p for p in problems if p))
        seen.add(code)
        items.append(item)
    return CatalogueDefinition(departments=departments, categories=categories, items=tuple(items))


def load_packaged() -> CatalogueDefinition:
    """The catalogue shipped with the platform (`creditdata/catalogue.toml`)."""
    text = resources.files("xinyidai.creditdata").joinpath("catalogue.toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(text))


@cache
def packaged_masking() -> dict[str, dict[str, str]]:
    """Per sub-category of the packaged catalogue, the masking kind of each field that has one.

    The floor under what a database's stored specs say: a database seeded before a field was given a kind
    still masks it (seeding leaves existing sub-categories as the platform admin edited them).
    """
    return {item.code: {spec.name: spec.mask for spec in item.fields if spec.mask}
            for item in load_packaged().items}
