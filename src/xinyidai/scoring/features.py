"""Features of a market entity computed from its credit file as of a date, and the catalogue that documents them.

Pure: `compute` takes plain snapshots (`EntitySnapshot`, `RecordSnapshot`) and touches no database;
`scoring.feature_store` loads the snapshots. `compute` is the reference statement of every feature, one entity at a
time; `scoring.feature_columns` computes the same features for a page of entities at once, column-wise, and the
property tests hold the two equal.

The as-of rule: no information from after `as_of` may reach a feature.

1.–3. Which stored versions count on `as_of` — known by the end of that business day, in the version current then,
   still within its publicity period — is `scoring.as_of.counting`, the rule's one statement, which both ways of
   computing the features apply.
4. A date inside a record that lies after `as_of` (a removal date, say) is read as not having happened yet.
5. From the registry's entity only what does not change is used (its registration date). The registry row holds
   today's values (capital, abnormal flag, head count), so everything that changes is taken from the dated
   records instead.

Values: the features read only the fields `READS` names, each of the kind it declares; an entity whose counting
records hold a value malformed for its kind (`well_formed`) has no features (`MalformedRecord`), whichever way they
are computed. Amounts are summed in integer fen and turned into yuan once; ratios are rounded with `rounded`.

Windows: "the last N months" is the half-open interval (as_of − N months, as_of] over the record's fact date.
A feature is None when the file holds nothing it could be computed from (no tax grade yet, say); a count or a
sum over events the departments report whenever they happen (penalties, judgments, tax paid) is 0 then.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import numpy as np

from xinyidai.creditdata import catalogue
from xinyidai.creditdata.enums import AuthoritativeChannel
from xinyidai.creditdata.fields import canonical_text
from xinyidai.scoring import as_of as as_of_rule


class Dimension(StrEnum):
    """The dimensions of the credit portrait a feature contributes to."""

    IDENTITY_STABILITY = "identity_stability"
    OPERATIONS = "operations"
    COMPLIANCE = "compliance"
    FINANCE_TAX = "finance_tax"
    JUDICIAL = "judicial"
    SOCIAL_RESPONSIBILITY = "social_responsibility"


DIMENSION_LABELS = {
    Dimension.IDENTITY_STABILITY: "身份稳定", Dimension.OPERATIONS: "经营状况", Dimension.COMPLIANCE: "合规守信",
    Dimension.FINANCE_TAX: "财务纳税", Dimension.JUDICIAL: "司法涉诉", Dimension.SOCIAL_RESPONSIBILITY: "社会责任",
}


class Risk(StrEnum):
    """Which way the risk goes as the feature's value grows."""

    HIGHER_IS_RISKIER = "higher_is_riskier"
    LOWER_IS_RISKIER = "lower_is_riskier"


RISK_LABELS = {Risk.HIGHER_IS_RISKIER: "越高风险越大", Risk.LOWER_IS_RISKIER: "越低风险越大"}
# A feature's risk is its expected direction, and it binds the model: the bad rate of the scorecard's bins must
# follow it (optbinning's `monotonic_trend` names the bad rate's trend as the value grows), so a better value never
# costs points however noisy the training data. A feature whose data contradicts it is dropped from the model.
BAD_RATE_TREND = {Risk.HIGHER_IS_RISKIER: "ascending", Risk.LOWER_IS_RISKIER: "descending"}


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature as the catalogue documents it."""

    name: str
    label: str
    dimension: Dimension
    description: str
    sources: tuple[str, ...]  # catalogue sub-category codes
    unit: str
    risk: Risk


@dataclass(frozen=True, slots=True)
class EntitySnapshot:
    """What of the registry's entity a feature may use: only what does not change over time."""

    enterprise_id: int
    registration_date: date


@dataclass(slots=True)
class RecordSnapshot:
    """One stored version of a credit record, with the rules of its sub-category that decide whether it counts."""

    id: int
    item: str  # catalogue sub-category code
    record_key: str
    channel: str
    received_at: datetime
    fact_date: date | None
    data: Mapping[str, Any]
    authoritative: AuthoritativeChannel
    visible_days: int | None


# What the features read ----------------------------------------------------------------------------------------


class Kind(StrEnum):
    """How a feature reads a field's value (its text as `creditdata.fields.canonical_text` gives it)."""

    INTEGER = "integer"  # amounts in fen, counts, years: an integer of at most 15 digits
    DATE = "date"  # a real day, YYYY-MM-DD from the year 1000
    MONTH = "month"  # YYYY-MM
    TEXT = "text"  # compared as text: any value is well formed


INTEGER, DATE, MONTH, TEXT = Kind.INTEGER, Kind.DATE, Kind.MONTH, Kind.TEXT
# Every field a feature reads, by sub-category, with its kind; the date a record states is its `fact_date`. A
# feature reads nothing else (a test holds `compute` to it), so the batch fetches exactly these.
READS: dict[str, dict[str, Kind]] = {
    "registration": {"registration_date": DATE, "registered_capital": INTEGER, "operating_status": TEXT},
    "equity_change": {},
    "social_insurance_enrolment": {"month": MONTH, "insured_people": INTEGER},
    "water": {"month": MONTH, "amount_overdue": INTEGER},
    "electricity": {"month": MONTH, "amount_overdue": INTEGER},
    "gas": {"month": MONTH, "amount_overdue": INTEGER},
    "social_insurance_payment": {"month": MONTH, "amount_paid": INTEGER, "amount_due": INTEGER},
    "housing_fund": {"month": MONTH, "status": TEXT},
    "tax_payment": {"amount": INTEGER, "tax_kind": TEXT, "tax_period": MONTH},
    "tax_credit_grade": {"year": INTEGER, "grade": TEXT},
    "tax_arrears": {"tax_kind": TEXT, "amount": INTEGER},
    "financing_default": {"days_past_due": INTEGER},
    "annual_report": {"report_year": INTEGER, "filed_date": DATE},
    "abnormal_operation": {"removed_date": DATE},
    "admin_penalty": {"severity": TEXT},
    "admin_enforcement": {},
    "serious_dishonesty": {"removed_date": DATE},
    "commitment_fulfilment": {"result": TEXT},
    "self_reported_operations": {"report_year": INTEGER, "annual_revenue": INTEGER, "employees": INTEGER},
    "dishonest_debtor": {"removed_date": DATE},
    "enforcement_case": {"status": TEXT},
    "restricted_consumption": {},
    "judgment": {"role": TEXT},
}
PATTERNS: dict[Kind, str] = {
    INTEGER: r"^-?[0-9]{1,15}$", DATE: r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$", MONTH: r"^[0-9]{4}-(0[1-9]|1[0-2])$",
}
_PATTERNS = {kind: re.compile(pattern) for kind, pattern in PATTERNS.items()}


class MalformedRecord(ValueError):
    """A counting record holds a value a feature cannot read: the entity has no features."""


def well_formed(kind: Kind, text: str) -> bool:
    """Whether a value's text is of its kind (`PATTERNS`; a date must also be a real day)."""
    pattern = _PATTERNS.get(kind)
    if pattern is None:
        return True
    if pattern.fullmatch(text) is None:
        return False
    if kind is DATE:
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
    return True


def rounded(value: float, digits: int) -> float:
    """A ratio rounded as numpy rounds a column (`np.round`), so one entity and a page round alike."""
    return float(np.round(value, digits))


# Dates and windows ---------------------------------------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _within(day: date | None, as_of: date, months: int) -> bool:
    return day is not None and months_before(as_of, months) < day <= as_of


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _happened(value: Any, as_of: date) -> bool:
    """Whether a date inside a record had come by `as_of` (a later date has not happened yet)."""
    day = _day(value)
    return day is not None and day <= as_of


def _month_index(value: Any) -> int | None:
    if not isinstance(value, str) or len(value) < 7:
        return None
    return int(value[:4]) * 12 + int(value[5:7]) - 1


def _int(value: Any) -> int:
    return int(value or 0)


def _yuan(fen: Any) -> float:
    return _int(fen) / 100


# The file as it stood on the day ------------------------------------------------------------------------------


def _counting_rows(as_of: date, records: list[RecordSnapshot]) -> list[int]:
    """The positions in `records` of the versions that count on `as_of` (one entity's file through the rule)."""
    frame = as_of_rule.rule_frame([(0, record) for record in records]).with_row_index("row")
    return as_of_rule.counting(frame, as_of)["row"].to_list()


class FileAsOf:
    """The current, visible version of each fact the platform knew by `as_of` (`as_of.counting`), by sub-category."""

    def __init__(self, as_of: date, records: Iterable[RecordSnapshot]) -> None:
        self.as_of = as_of
        held = list(records)
        counted = [held[row] for row in _counting_rows(as_of, held)] if held else []
        counted.sort(key=lambda r: (r.fact_date or date.min, r.id), reverse=True)  # newest fact first
        self._items: dict[str, list[RecordSnapshot]] = {}
        for record in counted:
            for name, kind in READS.get(record.item, {}).items():
                value = record.data.get(name)
                if value is not None and not well_formed(kind, canonical_text(value)):
                    raise MalformedRecord(f"{record.item} record {record.id}: {name} = {value!r} is not a {kind}")
            self._items.setdefault(record.item, []).append(record)

    def of(self, *items: str) -> list[RecordSnapshot]:
        """The records of these sub-categories, newest fact first within each."""
        return [record for item in items for record in self._items.get(item, ())]

    def within(self, months: int, *items: str) -> list[RecordSnapshot]:
        """The records of these sub-categories whose fact date falls in the last `months` months."""
        return [r for r in self.of(*items) if _within(r.fact_date, self.as_of, months)]

    def latest(self, item: str, field: str) -> RecordSnapshot | None:
        """The record with the greatest value of `field` (a year or a month), or None."""
        held = [r for r in self.of(item) if r.data.get(field) is not None]
        return max(held, key=lambda r: (str(r.data[field]), r.fact_date or date.min)) if held else None


# The features ---------------------------------------------------------------------------------------------------

Value = float | None
_COMPUTE: dict[str, Callable[[EntitySnapshot, FileAsOf], Value]] = {}
_CATALOGUE: list[Feature] = []


def _feature(name: str, label: str, dimension: Dimension, risk: Risk, unit: str, sources: tuple[str, ...],
             description: str) -> Callable[[Callable[[EntitySnapshot, FileAsOf], Value]],
                                           Callable[[EntitySnapshot, FileAsOf], Value]]:
    def register(function: Callable[[EntitySnapshot, FileAsOf], Value]) -> Callable[[EntitySnapshot, FileAsOf],
                                                                                    Value]:
        _CATALOGUE.append(Feature(name, label, dimension, description, sources, unit, risk))
        _COMPUTE[name] = function
        return function
    return register


IDENTITY, OPERATIONS, COMPLIANCE = Dimension.IDENTITY_STABILITY, Dimension.OPERATIONS, Dimension.COMPLIANCE
FINANCE, JUDICIAL, SOCIAL = Dimension.FINANCE_TAX, Dimension.JUDICIAL, Dimension.SOCIAL_RESPONSIBILITY
HIGHER, LOWER = Risk.HIGHER_IS_RISKIER, Risk.LOWER_IS_RISKIER
DEREGISTERED_STATUSES = frozenset({"吊销", "注销", "迁出"})
TAX_GRADE_ORDINAL = {"A": 5, "B": 4, "M": 3, "C": 2, "D": 1}
# Revenue implied by VAT paid: the levy rate of small-scale taxpayers, 1% until 2027 (财政部 税务总局公告2023年第19号).
# A general taxpayer pays VAT on value added at 13%, so its ratio reads low; the model learns that from the data.
IMPLIED_VAT_RATE = 0.01
UTILITIES = ("water", "electricity", "gas")
# A monthly series is "still running" when its latest month ended at most this long ago: departments deliver a
# month's figures in the first weeks of the next.
MONTHLY_DELIVERY_LAG_DAYS = 62
ANNUAL_REPORT_YEARS = 3  # annual reports looked at: the last three years whose deadline (30 June) has passed


@_feature("years_in_operation", "成立年限", IDENTITY, LOWER, "年", ("registration",),
          "成立日期（登记注册信息，缺少时取主体登记的成立日期）至评价日的年数；评价日早于成立日期时为空。")
def _years_in_operation(entity: EntitySnapshot, file: FileAsOf) -> Value:
    registration = file.of("registration")
    founded = _day(registration[0].data.get("registration_date")) if registration else None
    founded = founded or entity.registration_date
    if founded > file.as_of:
        return None
    return rounded((file.as_of - founded).days / 365.25, 2)


@_feature("registered_capital", "注册资本", IDENTITY, LOWER, "元", ("registration",),
          "评价日已知的登记注册信息中的注册资本；未登记注册资本时为空。")
def _registered_capital(entity: EntitySnapshot, file: FileAsOf) -> Value:
    registration = file.of("registration")
    capital = registration[0].data.get("registered_capital") if registration else None
    return None if capital is None else _yuan(capital)


@_feature("deregistered", "已吊销或注销", IDENTITY, HIGHER, "是=1/否=0", ("registration",),
          "评价日已知的登记状态为吊销、注销或迁出时为 1；没有登记注册信息时为空。")
def _deregistered(entity: EntitySnapshot, file: FileAsOf) -> Value:
    registration = file.of("registration")
    if not registration:
        return None
    return 1.0 if registration[0].data.get("operating_status") in DEREGISTERED_STATUSES else 0.0


@_feature("equity_changes_36m", "近36个月股权及出资变更次数", IDENTITY, HIGHER, "次", ("equity_change",),
          "变更日期在评价日前36个月内的股东、出资额、法定代表人和注册资本变更次数。")
def _equity_changes(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(len(file.within(36, "equity_change")))


@_feature("social_insurance_headcount", "社保参保人数", OPERATIONS, LOWER, "人", ("social_insurance_enrolment",),
          "评价日已知的最近一个参保年月的参保人数；没有参保信息时为空。")
def _headcount(entity: EntitySnapshot, file: FileAsOf) -> Value:
    latest = file.latest("social_insurance_enrolment", "month")
    return None if latest is None else float(latest.data.get("insured_people") or 0)


@_feature("utility_overdue_amount", "水电气欠费金额", OPERATIONS, HIGHER, "元", UTILITIES,
          "用水、用电、用气各自在评价日前12个月内最近一个账期的欠费金额之和；12个月内没有缴费信息时为空。")
def _utility_overdue(entity: EntitySnapshot, file: FileAsOf) -> Value:
    total, seen = 0, False
    for item in UTILITIES:
        recent = [r for r in file.within(12, item) if r.data.get("month")]
        if recent:
            seen = True
            total += _int(max(recent, key=lambda r: str(r.data["month"])).data.get("amount_overdue"))
    return _yuan(total) if seen else None


@_feature("utility_arrears_months_12m", "近12个月水电气欠费月数", OPERATIONS, HIGHER, "月", UTILITIES,
          "评价日前12个月内任一水、电、气账期有欠费的月份数；12个月内没有缴费信息时为空。")
def _utility_arrears_months(entity: EntitySnapshot, file: FileAsOf) -> Value:
    recent = file.within(12, *UTILITIES)
    if not recent:
        return None
    return float(len({r.data.get("month") for r in recent if int(r.data.get("amount_overdue") or 0) > 0}))


@_feature("social_insurance_continuous_months", "社保连续参保月数", SOCIAL, LOWER, "月",
          ("social_insurance_enrolment",),
          "截至评价日已知的最近参保年月向前不间断参保（参保人数大于 0）的月数；最近参保年月的统计日期早于评价日"
          f"{MONTHLY_DELIVERY_LAG_DAYS}天以上（已停保）时为 0；没有参保信息时为空。")
def _continuous_months(entity: EntitySnapshot, file: FileAsOf) -> Value:
    enrolled = file.of("social_insurance_enrolment")
    if not enrolled:
        return None
    months = {index for r in enrolled if int(r.data.get("insured_people") or 0) > 0
              for index in (_month_index(r.data.get("month")),) if index is not None}
    latest = file.latest("social_insurance_enrolment", "month")
    if not months or latest is None or latest.fact_date is None \
            or (file.as_of - latest.fact_date).days > MONTHLY_DELIVERY_LAG_DAYS:
        return 0.0
    month, count = _month_index(latest.data.get("month")), 0
    while month is not None and month in months:
        count, month = count + 1, month - 1
    return float(count)


@_feature("social_insurance_arrears_months_12m", "近12个月社保欠缴月数", SOCIAL, HIGHER, "月",
          ("social_insurance_payment",),
          "评价日前12个月内实缴金额少于应缴金额的费款所属月份数；12个月内没有缴费信息时为空。")
def _social_insurance_arrears(entity: EntitySnapshot, file: FileAsOf) -> Value:
    recent = file.within(12, "social_insurance_payment")
    if not recent:
        return None
    return float(len({r.data.get("month") for r in recent
                      if int(r.data.get("amount_paid") or 0) < int(r.data.get("amount_due") or 0)}))


@_feature("housing_fund_arrears_months_12m", "近12个月公积金欠缴缓缴月数", SOCIAL, HIGHER, "月", ("housing_fund",),
          "评价日前12个月内缴存状态为欠缴或缓缴的月份数；12个月内没有缴存信息时为空。")
def _housing_fund_arrears(entity: EntitySnapshot, file: FileAsOf) -> Value:
    recent = file.within(12, "housing_fund")
    if not recent:
        return None
    return float(len({r.data.get("month") for r in recent if r.data.get("status") in ("欠缴", "缓缴")}))


def _tax_paid(file: FileAsOf, months: int, skip: int = 0) -> int:
    """Tax paid (fen) in the `months` months ending `skip` months before the day."""
    end = months_before(file.as_of, skip)
    return sum(_int(r.data.get("amount")) for r in file.of("tax_payment") if _within(r.fact_date, end, months))


@_feature("tax_paid_12m", "近12个月实缴税额", FINANCE, LOWER, "元", ("tax_payment",),
          "缴款日期在评价日前12个月内的各税种实缴金额之和。")
def _tax_paid_12m(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return _yuan(_tax_paid(file, 12))


@_feature("tax_paid_trend", "实缴税额同比变化", FINANCE, LOWER, "比率",
          ("tax_payment",),
          "近12个月实缴税额相对此前12个月的变化率：（近12个月 − 前12个月）÷ 前12个月；前12个月未缴税时为空。")
def _tax_trend(entity: EntitySnapshot, file: FileAsOf) -> Value:
    previous = _tax_paid(file, 12, skip=12)
    if previous <= 0:
        return None
    return rounded((_tax_paid(file, 12) - previous) / previous, 4)


@_feature("tax_credit_grade", "纳税信用等级", FINANCE, LOWER, "A=5 B=4 M=3 C=2 D=1", ("tax_credit_grade",),
          "评价日已知的最近评价年度的纳税信用等级（复评后以评价日已收到的复评结果为准）；没有评价时为空。")
def _tax_grade(entity: EntitySnapshot, file: FileAsOf) -> Value:
    latest = file.latest("tax_credit_grade", "year")
    grade = TAX_GRADE_ORDINAL.get(str(latest.data.get("grade"))) if latest else None
    return None if grade is None else float(grade)


@_feature("tax_arrears_amount", "欠税余额", FINANCE, HIGHER, "元", ("tax_arrears",),
          "评价日前12个月内各欠税税种最近一次公告的欠税余额之和。")
def _tax_arrears(entity: EntitySnapshot, file: FileAsOf) -> Value:
    latest: dict[str, RecordSnapshot] = {}
    for record in file.within(12, "tax_arrears"):
        kind = str(record.data.get("tax_kind"))
        if kind not in latest or (record.fact_date or date.min) > (latest[kind].fact_date or date.min):
            latest[kind] = record
    return _yuan(sum(_int(r.data.get("amount")) for r in latest.values()))


@_feature("financing_defaults", "平台融资违约次数", FINANCE, HIGHER, "次", ("financing_default",),
          "在平台办理的贷款违约记录数（公示期五年内）。")
def _defaults(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(len(file.of("financing_default")))


@_feature("financing_max_days_past_due", "平台融资最长逾期天数", FINANCE, HIGHER, "天", ("financing_default",),
          "在平台办理的贷款违约记录中最长的逾期天数；没有违约时为 0。")
def _max_days_past_due(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(max((int(r.data.get("days_past_due") or 0) for r in file.of("financing_default")), default=0))


@_feature("annual_report_years_late", "年报逾期年数", COMPLIANCE, HIGHER, "年", ("annual_report",),
          f"报送截止日（次年6月30日）已过的最近{ANNUAL_REPORT_YEARS}个报告年度中，评价日已知的年报报送日期晚于截止日"
          "或未报送的年数；早于成立年度、早于平台已有最早年报年度的年度不计（归集可能晚于这些年度开始）；"
          "评价日前从未归集到该主体的年报时为空（未知，而不是逾期）。")
def _annual_reports_late(entity: EntitySnapshot, file: FileAsOf) -> Value:
    filed = {int(r.data["report_year"]): _day(r.data.get("filed_date")) for r in file.of("annual_report")
             if r.data.get("report_year") is not None}
    if not filed:
        # No annual report ever collected: market supervision has not delivered on this entity (yet), which says
        # nothing about its filings; reading it as "every year missing" would send it to remediation for our gap.
        return None
    last_due = file.as_of.year - 1 if file.as_of > date(file.as_of.year, 6, 30) else file.as_of.year - 2
    # Years before the earliest report held are not taken as missing: collection may have begun after them.
    first = max(entity.registration_date.year, min(filed, default=entity.registration_date.year))
    years = [y for y in range(last_due - ANNUAL_REPORT_YEARS + 1, last_due + 1) if y >= first]
    return float(sum(1 for y in years if (filed.get(y) or date.max) > date(y + 1, 6, 30)))


@_feature("abnormal_listings_36m", "近36个月列入经营异常名录次数", COMPLIANCE, HIGHER, "次", ("abnormal_operation",),
          "列入日期在评价日前36个月内的经营异常名录记录数（含已移出的）。")
def _abnormal_listings(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(len(file.within(36, "abnormal_operation")))


@_feature("abnormal_listed_now", "评价日在经营异常名录中", COMPLIANCE, HIGHER, "是=1/否=0", ("abnormal_operation",),
          "评价日已知的经营异常名录记录中有尚未移出的为 1（移出日期晚于评价日视为未移出）。")
def _abnormal_now(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(any(not _happened(r.data.get("removed_date"), file.as_of) for r in file.of("abnormal_operation")))


@_feature("penalties_12m", "近12个月行政处罚次数", COMPLIANCE, HIGHER, "次", ("admin_penalty",),
          "处罚决定日期在评价日前12个月内的行政处罚数。")
def _penalties_12m(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(len(file.within(12, "admin_penalty")))


@_feature("penalties_36m", "近36个月行政处罚次数", COMPLIANCE, HIGHER, "次", ("admin_penalty",),
          "处罚决定日期在评价日前36个月内的行政处罚数。")
def _penalties_36m(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(len(file.within(36, "admin_penalty")))


@_feature("serious_penalties_36m", "近36个月情节严重的行政处罚次数", COMPLIANCE, HIGHER, "次", ("admin_penalty",),
          "处罚决定日期在评价日前36个月内、情节为“严重”的行政处罚数。")
def _serious_penalties(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(sum(1 for r in file.within(36, "admin_penalty") if r.data.get("severity") == "严重"))


@_feature("days_since_last_penalty", "距最近一次行政处罚天数", COMPLIANCE, LOWER, "天", ("admin_penalty",),
          "评价日距公示期内最近一次行政处罚决定日期的天数；没有行政处罚时为空。")
def _days_since_penalty(entity: EntitySnapshot, file: FileAsOf) -> Value:
    days = [(file.as_of - r.fact_date).days for r in file.of("admin_penalty") if r.fact_date is not None]
    return float(min(days)) if days else None


@_feature("admin_enforcements_36m", "近36个月行政强制次数", COMPLIANCE, HIGHER, "次", ("admin_enforcement",),
          "决定日期在评价日前36个月内的行政强制措施数。")
def _enforcements(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(len(file.within(36, "admin_enforcement")))


@_feature("serious_dishonesty_listed_now", "评价日在严重失信主体名单中", COMPLIANCE, HIGHER, "是=1/否=0",
          ("serious_dishonesty",),
          "评价日已知、公示期内且尚未移出的严重失信主体名单记录存在时为 1。")
def _serious_dishonesty(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(any(not _happened(r.data.get("removed_date"), file.as_of) for r in file.of("serious_dishonesty")))


@_feature("broken_commitments", "信用承诺未履约次数", COMPLIANCE, HIGHER, "次", ("commitment_fulfilment",),
          "公示期内核查结论为“未履约（承诺不实）”的信用承诺数。")
def _broken_commitments(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(sum(1 for r in file.of("commitment_fulfilment") if r.data.get("result") == "未履约（承诺不实）"))


@_feature("self_reported_revenue_ratio", "自报营业收入与税额推算收入之比", COMPLIANCE, HIGHER, "倍",
          ("self_reported_operations", "tax_payment"),
          "评价日已知的最近填报年度的自报年营业收入 ÷ 该年度所属期增值税实缴额按小规模纳税人征收率 1% 推算的收入；"
          "没有自报或该年度未缴增值税时为空。一般纳税人按增值额纳税，实缴增值税占收入比重更高，其比值偏低是常态。")
def _revenue_ratio(entity: EntitySnapshot, file: FileAsOf) -> Value:
    report = file.latest("self_reported_operations", "report_year")
    if report is None:
        return None
    year = str(report.data["report_year"])
    vat = sum(_int(r.data.get("amount")) for r in file.of("tax_payment")
              if r.data.get("tax_kind") == "增值税" and str(r.data.get("tax_period", "")).startswith(year))
    if vat <= 0:
        return None
    return rounded(_yuan(report.data.get("annual_revenue")) / (_yuan(vat) / IMPLIED_VAT_RATE), 4)


@_feature("self_reported_employees_ratio", "自报从业人数与社保参保人数之比", COMPLIANCE, HIGHER, "倍",
          ("self_reported_operations", "social_insurance_enrolment"),
          "评价日已知的最近一次自报从业人数 ÷ 评价日已知的最近参保人数；没有自报或参保人数为 0 时为空。")
def _employees_ratio(entity: EntitySnapshot, file: FileAsOf) -> Value:
    report = file.latest("self_reported_operations", "report_year")
    headcount = _headcount(entity, file)
    if report is None or not headcount:
        return None
    return rounded(_int(report.data.get("employees")) / headcount, 4)


@_feature("dishonest_debtor_open", "未屏蔽的失信被执行人记录数", JUDICIAL, HIGHER, "条", ("dishonest_debtor",),
          "评价日已知且屏蔽日期未到的失信被执行人记录数。")
def _dishonest_open(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(sum(1 for r in file.of("dishonest_debtor") if not _happened(r.data.get("removed_date"), file.as_of)))


@_feature("enforcement_cases_open", "未结被执行案件数", JUDICIAL, HIGHER, "件", ("enforcement_case",),
          "评价日已知的最新状态不是“已结案”的被执行人案件数（终结本次执行视为未结）。")
def _enforcement_open(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(sum(1 for r in file.of("enforcement_case") if r.data.get("status") != "已结案"))


@_feature("restricted_consumption_orders", "限制高消费令数", JUDICIAL, HIGHER, "件", ("restricted_consumption",),
          "评价日已知的限制高消费令数。")
def _restricted(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(len(file.of("restricted_consumption")))


@_feature("judgments_as_defendant_36m", "近36个月作为被告的裁判文书数", JUDICIAL, HIGHER, "件", ("judgment",),
          "裁判日期在评价日前36个月内、诉讼地位为被告的裁判文书数。")
def _judgments_defendant(entity: EntitySnapshot, file: FileAsOf) -> Value:
    return float(sum(1 for r in file.within(36, "judgment") if r.data.get("role") == "被告"))


CATALOGUE: tuple[Feature, ...] = tuple(_CATALOGUE)

# The portal's English mode: each feature's and dimension's name, and the units a value is read in.
LABELS_EN: dict[str, str] = {
    "years_in_operation": "Years in operation", "registered_capital": "Registered capital",
    "deregistered": "Revoked or deregistered", "equity_changes_36m": "Equity and capital changes (36 months)",
    "social_insurance_headcount": "Employees with social insurance",
    "utility_overdue_amount": "Utility arrears (water, power, gas)",
    "utility_arrears_months_12m": "Months with utility arrears (12 months)",
    "social_insurance_continuous_months": "Months of continuous social insurance",
    "social_insurance_arrears_months_12m": "Months of social insurance arrears (12 months)",
    "housing_fund_arrears_months_12m": "Months of housing fund arrears or deferral (12 months)",
    "tax_paid_12m": "Tax paid (12 months)", "tax_paid_trend": "Change in tax paid, year on year",
    "tax_credit_grade": "Tax credit grade", "tax_arrears_amount": "Tax arrears",
    "financing_defaults": "Defaults on platform financing",
    "financing_max_days_past_due": "Longest days past due on platform financing",
    "annual_report_years_late": "Years of late annual reports",
    "abnormal_listings_36m": "Abnormal-operations listings (36 months)",
    "abnormal_listed_now": "On the abnormal-operations list on the day",
    "penalties_12m": "Administrative penalties (12 months)", "penalties_36m": "Administrative penalties (36 months)",
    "serious_penalties_36m": "Serious administrative penalties (36 months)",
    "days_since_last_penalty": "Days since the last administrative penalty",
    "admin_enforcements_36m": "Administrative enforcements (36 months)",
    "serious_dishonesty_listed_now": "On the serious dishonesty list on the day",
    "broken_commitments": "Broken credit commitments",
    "self_reported_revenue_ratio": "Self-reported revenue against revenue implied by tax",
    "self_reported_employees_ratio": "Self-reported employees against insured employees",
    "dishonest_debtor_open": "Open dishonest judgment debtor records",
    "enforcement_cases_open": "Open enforcement cases",
    "restricted_consumption_orders": "Consumption restriction orders",
    "judgments_as_defendant_36m": "Judgments as defendant (36 months)",
}
DIMENSION_LABELS_EN = {
    Dimension.IDENTITY_STABILITY: "Identity and stability", Dimension.OPERATIONS: "Business operations",
    Dimension.COMPLIANCE: "Compliance", Dimension.FINANCE_TAX: "Finance and tax", Dimension.JUDICIAL: "Litigation",
    Dimension.SOCIAL_RESPONSIBILITY: "Social responsibility",
}
UNITS_EN = {"年": "years", "元": "yuan", "次": "times", "月": "months", "件": "cases", "条": "entries",
            "人": "people", "天": "days", "倍": "times", "比率": "", "是=1/否=0": ""}
NAMES: tuple[str, ...] = tuple(feature.name for feature in CATALOGUE)


def compute(as_of: date, enterprise: EntitySnapshot, records: Iterable[RecordSnapshot]) -> dict[str, float | None]:
    """Every catalogue feature of the entity from the records known by `as_of` (see the module's as-of rule)."""
    file = FileAsOf(as_of, records)
    return {feature.name: _COMPUTE[feature.name](enterprise, file) for feature in CATALOGUE}


def expected_trends() -> dict[str, str]:
    """Every catalogue feature's expected bad-rate trend as its value grows ("ascending" or "descending")."""
    return {feature.name: BAD_RATE_TREND[feature.risk] for feature in CATALOGUE}


def catalogue_markdown() -> str:
    """The feature catalogue as a Markdown document (docs/features.md), grouped by dimension."""
    names = {item.code: item.name for item in catalogue.load_packaged().items}
    lines = ["# 特征目录 Feature catalogue", "",
             "Generated from `xinyidai.scoring.features.CATALOGUE` by `xinyidai model features --markdown`; "
             "do not edit by hand.", "",
             "Every feature is computed *as of a date* from what the platform knew on that date:",
             "a record counts only if it was received by the end of that business day and its fact is dated on "
             "or before it; a fact with history counts in the version current on that day (a correction received "
             "later stays out); a record past its publicity period on that day does not count. "
             "See the docstring of `xinyidai/scoring/features.py`.", "",
             "风险方向 is each feature's expected direction and binds model training: the bad rate of a scorecard's "
             "bins must follow it (a better value never costs points); a feature whose training data contradicts it "
             "is left out of the model, and the model card says so.", ""]
    for dimension in Dimension:
        features = [f for f in CATALOGUE if f.dimension is dimension]
        lines += [f"## {DIMENSION_LABELS[dimension]} `{dimension.value}`", "",
                  "| 特征 name | 名称 | 单位 | 风险方向 | 来源信息项 | 口径 |", "| --- | --- | --- | --- | --- | --- |"]
        for f in features:
            sources = "、".join(f"{names[s]}（`{s}`）" for s in f.sources)
            lines.append(f"| `{f.name}` | {f.label} | {f.unit} | {RISK_LABELS[f.risk]} | {sources} | "
                         f"{f.description} |")
        lines.append("")
    return "\n".join(lines)
