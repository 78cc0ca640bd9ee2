"""The agricultural credit database (三农信用数据库) read as facts: what an agricultural operating entity plants,
farms on, has insured and receives in subsidies, as of a date.

The records are the catalogue's C13 sub-categories (agri_entity, agri_crop, agri_yield, agri_land_contract,
agri_subsidy, agri_insurance), collected like any credit information (file import, API push, self-report under a
credit commitment). `summarise` is pure; `service.agricultural_facts` reads the current version of each fact the
platform had received by the end of `as_of` and summarises it. The rules, each applied as of `as_of`:

- **current season**: the latest planting year not after `as_of`'s year for which the entity has crop records;
  the planted area by crop sums every season of that year (a perennial crop such as 花椒 or 柑橘 is one 全年
  record; 榨菜 an autumn one);
- **land**: contracts in force (start ≤ as_of ≤ end): 家庭承包 and 土地流转转入 add their area, 土地流转转出
  subtracts it (never below zero);
- **insurance**: policies in force (start ≤ as_of ≤ end date; without an end date, for a year from the start): their
  insured area (亩) and sums insured;
- **subsidies**: paid in the twelve months up to `as_of` (the last 365 days), and by subsidy year;
- **yields**: per crop, the output of its latest harvest year not after `as_of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

AGRICULTURAL_ITEMS = ("agri_entity", "agri_crop", "agri_yield", "agri_land_contract", "agri_subsidy",
                      "agri_insurance")
LAND_ADDS = ("家庭承包", "土地流转转入")
LAND_SUBTRACTS = ("土地流转转出",)
INSURANCE_DEFAULT_DAYS = 365
SUBSIDY_WINDOW_DAYS = 365
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class AgriculturalFacts:
    """An entity's agricultural facts as of a date (areas in 亩, amounts in fen)."""

    as_of: date
    operator_kind: str | None = None  # 家庭农场, 农民合作社, … as the agriculture department recognised it
    season_year: int | None = None
    planted_area_by_crop: dict[str, Decimal] = field(default_factory=dict)
    contracted_land_area: Decimal = ZERO
    insured_area: Decimal = ZERO
    insured_area_by_crop: dict[str, Decimal] = field(default_factory=dict)
    sum_insured_fen: int = 0
    subsidies_last_12_months_fen: int = 0
    subsidies_by_year_fen: dict[int, int] = field(default_factory=dict)
    latest_output_kg_by_crop: dict[str, Decimal] = field(default_factory=dict)

    @property
    def planted_area(self) -> Decimal:
        """Total planted area of the current season."""
        return sum(self.planted_area_by_crop.values(), ZERO)

    @property
    def has_any(self) -> bool:
        """Whether the platform holds any agricultural fact of the entity."""
        return bool(self.operator_kind or self.season_year or self.contracted_land_area or self.insured_area
                    or self.sum_insured_fen or self.subsidies_by_year_fen or self.latest_output_kg_by_crop)


def _decimal(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ZERO
    return number if number.is_finite() else ZERO


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _add(totals: dict[Any, Decimal], key: Any, amount: Decimal) -> None:
    totals[key] = totals.get(key, ZERO) + amount


Rows = list[Mapping[str, Any]]


def _planted(rows: Rows, as_of: date) -> tuple[int | None, dict[str, Decimal]]:
    crops = [r for r in rows if int(r.get("year") or 0) <= as_of.year]
    season_year = max((int(r["year"]) for r in crops), default=None)
    planted: dict[str, Decimal] = {}
    for r in crops:
        if int(r["year"]) == season_year:
            _add(planted, str(r.get("crop", "")).strip(), _decimal(r.get("planted_area")))
    return season_year, dict(sorted(planted.items()))


def _land(rows: Rows, as_of: date) -> Decimal:
    land = ZERO
    for r in rows:
        start, end = _day(r.get("start_date")), _day(r.get("end_date"))
        if start is None or start > as_of or (end is not None and end < as_of):
            continue
        area = _decimal(r.get("area"))
        land += area if r.get("kind") in LAND_ADDS else (-area if r.get("kind") in LAND_SUBTRACTS else ZERO)
    return max(land, ZERO)


def _insurance(rows: Rows, as_of: date) -> tuple[dict[str, Decimal], int]:
    by_crop: dict[str, Decimal] = {}
    sum_insured = 0
    for r in rows:
        start = _day(r.get("start_date"))
        if start is None or start > as_of:
            continue
        if (_day(r.get("end_date")) or start + timedelta(days=INSURANCE_DEFAULT_DAYS)) < as_of:
            continue
        _add(by_crop, str(r.get("crop") or r.get("insured_object") or "").strip(), _decimal(r.get("insured_area") or 0))
        sum_insured += int(r.get("sum_insured") or 0)
    return {k: v for k, v in sorted(by_crop.items()) if v}, sum_insured


def _subsidies(rows: Rows, as_of: date) -> tuple[dict[int, int], int]:
    window_start = as_of - timedelta(days=SUBSIDY_WINDOW_DAYS)
    by_year: dict[int, int] = {}
    last_12 = 0
    for r in rows:
        paid = _day(r.get("paid_date"))
        if paid is None or paid > as_of:
            continue
        year, amount = int(r.get("year") or paid.year), int(r.get("amount") or 0)
        by_year[year] = by_year.get(year, 0) + amount
        last_12 += amount if paid > window_start else 0
    return dict(sorted(by_year.items())), last_12


def _yields(rows: Rows, as_of: date) -> dict[str, Decimal]:
    latest_year: dict[str, int] = {}
    output: dict[str, Decimal] = {}
    for r in rows:
        year, crop = int(r.get("year") or 0), str(r.get("crop", "")).strip()
        harvested = _day(r.get("harvest_date"))
        if year > as_of.year or (harvested is not None and harvested > as_of):
            continue
        if year > latest_year.get(crop, 0):
            latest_year[crop], output[crop] = year, ZERO
        if year == latest_year[crop]:
            _add(output, crop, _decimal(r.get("output_kg")))
    return dict(sorted(output.items()))


def summarise(records: Iterable[tuple[str, Mapping[str, Any]]], *, as_of: date) -> AgriculturalFacts:
    """The facts of (sub-category code, stored data) pairs, each the current version of one fact (pure)."""
    by_item: dict[str, Rows] = {code: [] for code in AGRICULTURAL_ITEMS}
    for code, data in records:
        if code in by_item:
            by_item[code].append(data)
    recognised = sorted((r for r in by_item["agri_entity"] if (_day(r.get("recognised_date")) or as_of) <= as_of),
                        key=lambda r: str(r.get("recognised_date")))
    season_year, planted = _planted(by_item["agri_crop"], as_of)
    insured_by_crop, sum_insured = _insurance(by_item["agri_insurance"], as_of)
    by_year, last_12 = _subsidies(by_item["agri_subsidy"], as_of)
    return AgriculturalFacts(
        as_of=as_of, operator_kind=str(recognised[-1]["kind"]) if recognised else None, season_year=season_year,
        planted_area_by_crop=planted, contracted_land_area=_land(by_item["agri_land_contract"], as_of),
        insured_area=sum(insured_by_crop.values(), ZERO), insured_area_by_crop=insured_by_crop,
        sum_insured_fen=sum_insured, subsidies_last_12_months_fen=last_12, subsidies_by_year_fen=by_year,
        latest_output_kg_by_crop=_yields(by_item["agri_yield"], as_of),
    )
