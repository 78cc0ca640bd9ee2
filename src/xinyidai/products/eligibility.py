"""Who may apply for a product: eligibility rules stored as data, checked against a firm's profile.

A rule is `{"field": ..., "op": ..., "value": ...}`. `FIELDS` is the registry of what a rule may name: each field
accepts one operator and one shape of value, and knows how to explain, in Chinese (and English), why a firm fails
it ("成立不满2年", "需近12个月纳税记录"). `parse` refuses a rule naming an unknown field, a wrong operator or a
value of the wrong type, with a message a bank's manager can act on; `evaluate` is pure: rules and a
`FirmProfile` in, the failures out (none: eligible).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from xinyidai.registry.enums import EntityKind

ENTITY_KIND_LABELS = {
    EntityKind.ENTERPRISE.value: "企业",
    EntityKind.INDIVIDUAL_BUSINESS.value: "个体工商户",
    EntityKind.FARMERS_COOPERATIVE.value: "农民专业合作社",
    EntityKind.FAMILY_FARM.value: "家庭农场",
}
ENTITY_KIND_WORDS_EN = {
    EntityKind.ENTERPRISE.value: "enterprises",
    EntityKind.INDIVIDUAL_BUSINESS.value: "individual businesses",
    EntityKind.FARMERS_COOPERATIVE.value: "farmers' cooperatives",
    EntityKind.FAMILY_FARM.value: "family farms",
}
GRADES = ("A", "B", "C", "D")  # best first, as the scoring policy grades
# The credit-information categories of the catalogue (`creditdata/catalogue.toml`), in the words a rule says.
CATEGORY_WORDS = {
    "C01": ("登记注册", "registration"), "C02": ("行政许可与处罚", "licence and penalty"),
    "C03": ("司法", "judicial"), "C04": ("纳税", "tax"), "C05": ("社保缴费", "social insurance"),
    "C06": ("公积金缴存", "housing fund"), "C07": ("水电气缴费", "utility payment"), "C08": ("不动产", "real estate"),
    "C09": ("进出口", "import and export"), "C10": ("知识产权", "intellectual property"),
    "C11": ("科技研发", "research"), "C12": ("荣誉", "honour"), "C13": ("新型农业经营主体", "agricultural entity"),
    "C14": ("公共资源交易与信用承诺", "public resources and commitment"),
}
MAX_LIST = 100
MAX_MONTHS = 60
MAX_YEARS = 100
MAX_MU = 1_000_000
MAX_LIVE_LINES = 100


@dataclass(frozen=True)
class FirmProfile:
    """What the eligibility rules may look at about a firm on a day (`as_of`)."""

    entity_kind: str
    industry_code: str
    area_code: str
    area_name: str
    registration_date: date
    as_of: date
    credit_grade: str | None = None  # the credit evaluation's grade (A best), None before any evaluation
    # The latest fact date of the firm's records in each credit-information category ("C04": tax).
    latest_record_by_category: Mapping[str, date] = field(default_factory=dict)
    serious_dishonesty: bool = False  # on the serious-dishonesty list on `as_of`
    planted_mu: Mapping[str, Decimal] = field(default_factory=dict)  # crop → planted area in 亩
    chain_member: bool = False  # a confirmed member of an industry-chain credit community
    live_lines: int = 0  # the firm's live credit lines on the platform, any bank

    @property
    def years_in_business(self) -> int:
        """Whole years from registration to `as_of`."""
        start, end = self.registration_date, self.as_of
        return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


@dataclass(frozen=True)
class Rule:
    """One checked eligibility rule."""

    field: str
    op: str
    value: Any

    def as_dict(self) -> dict[str, Any]:
        """The rule as stored with the product."""
        return {"field": self.field, "op": self.op, "value": self.value}


@dataclass(frozen=True)
class Failure:
    """A rule a firm fails, in words."""

    field: str
    text: str
    text_en: str


class RuleError(ValueError):
    """A rule that names an unknown field, a wrong operator or a wrong value; its message is Chinese."""

    def __init__(self, text: str, text_en: str) -> None:
        super().__init__(text)
        self.text, self.text_en = text, text_en


@dataclass(frozen=True)
class FieldSpec:
    """A field a rule may name: its label, its one operator, how its value is checked, tested and explained."""

    name: str
    label: str
    op: str
    value_hint: str
    check_value: Callable[[Any], Any]  # the value normalised, or ValueError
    passes: Callable[[FirmProfile, Any], bool]
    explain: Callable[[Any], tuple[str, str]]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_between(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if not _is_int(value) or not low <= value <= high:
            raise ValueError
        return int(value)
    return check


def _str_list(allowed: Callable[[str], bool]) -> Callable[[Any], list[str]]:
    def check(value: Any) -> list[str]:
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_LIST:
            raise ValueError
        if not all(isinstance(v, str) and 0 < len(v) <= 40 and allowed(v) for v in value):
            raise ValueError
        return list(dict.fromkeys(value))
    return check


def _true(value: Any) -> bool:
    if value is not True:
        raise ValueError
    return True


def _false(value: Any) -> bool:
    if value is not False:
        raise ValueError
    return False


def _grade(value: Any) -> str:
    if value not in GRADES:
        raise ValueError
    return str(value)


def _records(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != {"category", "months"}:
        raise ValueError
    if value["category"] not in CATEGORY_WORDS or not _is_int(value["months"]) or not 1 <= value["months"] <= 60:
        raise ValueError
    return {"category": value["category"], "months": value["months"]}


def _planted(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != {"crop", "mu"}:
        raise ValueError
    crop, mu = value["crop"], value["mu"]
    if not isinstance(crop, str) or not 0 < len(crop.strip()) <= 20 or not _is_int(mu) or not 1 <= mu <= MAX_MU:
        raise ValueError
    return {"crop": crop.strip(), "mu": mu}


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for candidate in range(day.day, 0, -1):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _has_recent(profile: FirmProfile, value: Mapping[str, Any]) -> bool:
    latest = profile.latest_record_by_category.get(value["category"])
    return latest is not None and latest >= months_before(profile.as_of, value["months"])


def _kinds_text(value: Sequence[str]) -> tuple[str, str]:
    return ("仅限" + "、".join(ENTITY_KIND_LABELS[v] for v in value) + "申请",
            "only for " + ", ".join(ENTITY_KIND_WORDS_EN[v] for v in value))


def _grade_ok(profile: FirmProfile, value: str) -> bool:
    return profile.credit_grade in GRADES and GRADES.index(profile.credit_grade) <= GRADES.index(value)


FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in (
    FieldSpec("entity_kind", "主体类型", "in", "主体类型列表（enterprise、individual_business、farmers_cooperative、"
              "family_farm）", _str_list(lambda v: v in ENTITY_KIND_LABELS),
              lambda p, v: p.entity_kind in v, _kinds_text),
    FieldSpec("industry", "所属行业", "in", "国民经济行业代码前缀列表（如 A、C13）",
              _str_list(lambda v: len(v) <= 5 and "A" <= v[0] <= "Z" and (v[1:].isdigit() or len(v) == 1)),
              lambda p, v: any(p.industry_code.startswith(prefix) for prefix in v),
              lambda v: ("所属行业不在产品支持范围内（" + "、".join(v) + "）", "industry not served")),
    FieldSpec("area", "所在镇街", "in", "镇街代码或名称列表", _str_list(lambda v: bool(v.strip())),
              lambda p, v: p.area_code in v or p.area_name in v,
              lambda v: ("仅限" + "、".join(v) + "的主体申请", "only for firms of " + ", ".join(v))),
    FieldSpec("years_in_business", "经营年限", ">=", f"整数年（0至{MAX_YEARS}）", _int_between(0, MAX_YEARS),
              lambda p, v: p.years_in_business >= v,
              lambda v: (f"成立不满{v}年", f"in business less than {v} years")),
    FieldSpec("credit_grade", "信用评价等级", ">=", "等级 A、B、C 或 D（A 最好）", _grade, _grade_ok,
              lambda v: (f"信用评价等级须达到{v}级", f"credit grade below {v}")),
    FieldSpec("credit_records", "信用信息记录", "within_months",
              "{\"category\": 信息类别代码（C01至C14）, \"months\": 月数（1至60）}", _records, _has_recent,
              lambda v: (f"需近{v['months']}个月{CATEGORY_WORDS[v['category']][0]}记录",
                         f"needs {CATEGORY_WORDS[v['category']][1]} records of the last {v['months']} months")),
    FieldSpec("serious_dishonesty", "严重失信", "==", "false（不得列入严重失信主体名单）", _false,
              lambda p, v: p.serious_dishonesty is v,
              lambda v: ("列入严重失信主体名单，不能申请", "on the serious-dishonesty list")),
    FieldSpec("planted_area", "种植面积", ">=", "{\"crop\": 作物名称, \"mu\": 亩数（整数）}", _planted,
              lambda p, v: p.planted_mu.get(v["crop"], Decimal(0)) >= v["mu"],
              lambda v: (f"{v['crop']}种植面积不足{v['mu']}亩", f"less than {v['mu']} mu of {v['crop']} planted")),
    FieldSpec("chain_member", "产业链成员", "==", "true（须为产业链信用共同体成员）", _true,
              lambda p, v: p.chain_member is v,
              lambda v: ("仅限产业链信用共同体成员申请", "only for members of an industry-chain community")),
    FieldSpec("live_lines", "现有授信笔数", "<=", f"整数（0至{MAX_LIVE_LINES}）", _int_between(0, MAX_LIVE_LINES),
              lambda p, v: p.live_lines <= v,
              lambda v: (f"现有有效授信超过{v}笔" if v else "已有有效授信，本产品仅限首贷",
                         f"more than {v} live credit lines")),
)}


def parse(raw: Any) -> Rule:
    """A checked rule from its stored form; `RuleError` (in words) when the field, operator or value is wrong."""
    if not isinstance(raw, Mapping) or set(raw) != {"field", "op", "value"}:
        raise RuleError("准入规则须由 field、op、value 三项组成", "a rule is {field, op, value}")
    name, op = raw["field"], raw["op"]
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise RuleError(f"准入规则的字段“{str(name)[:40]}”不存在；可用字段：{'、'.join(FIELDS)}",
                        f"unknown eligibility field {str(name)[:40]!r}")
    if op != spec.op:
        raise RuleError(f"准入规则“{spec.label}”的运算符须为“{spec.op}”，不能是“{str(op)[:10]}”",
                        f"field {name} takes operator {spec.op!r}")
    try:
        value = spec.check_value(raw["value"])
    except ValueError:
        raise RuleError(f"准入规则“{spec.label}”的取值不正确，应为：{spec.value_hint}",
                        f"wrong value for eligibility field {name}") from None
    return Rule(spec.name, spec.op, value)


def parse_all(raw_rules: Sequence[Any]) -> list[Rule]:
    """Every rule checked (`parse`); a field may appear once."""
    rules = [parse(raw) for raw in raw_rules]
    names = [r.field for r in rules if r.field not in ("credit_records", "planted_area")]
    if len(names) != len(set(names)):
        raise RuleError("同一准入字段只能出现一次", "a field appears once among the rules")
    return rules


def load_all(stored: Sequence[Mapping[str, Any]]) -> list[Rule]:
    """The rules a product stores, as they were checked when stored (`parse_all` on every write): read without
    checking again, for matching a whole shelf fast."""
    return [Rule(str(raw["field"]), str(raw["op"]), raw["value"]) for raw in stored]


def evaluate(rules: Sequence[Rule], profile: FirmProfile) -> list[Failure]:
    """The rules the firm fails, in the rules' order, each in words (empty: eligible)."""
    failures = []
    for rule in rules:
        spec = FIELDS[rule.field]
        if not spec.passes(profile, rule.value):
            text, text_en = spec.explain(rule.value)
            failures.append(Failure(rule.field, text, text_en))
    return failures


def describe(rule: Rule) -> str:
    """The rule as a requirement a firm reads on the product's page."""
    if rule.field == "years_in_business":
        return f"成立满{rule.value}年"
    if rule.field == "credit_grade":
        return f"信用评价等级{rule.value}级及以上"
    if rule.field == "serious_dishonesty":
        return "未列入严重失信主体名单"
    if rule.field == "live_lines":
        return f"现有有效授信不超过{rule.value}笔"
    return FIELDS[rule.field].explain(rule.value)[0]
