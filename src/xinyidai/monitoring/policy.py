"""The pure rules of post-loan monitoring (no I/O): which sub-categories each signal reads, what a rule may say,
how soon each severity must be acknowledged, and what an alert may show of the change."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from xinyidai.auth.enums import OrgKind
from xinyidai.monitoring.enums import SIGNAL_LABELS, Severity, Signal

# The sub-categories (catalogue item codes) whose new records each record-borne signal reads.
SIGNAL_ITEMS: dict[Signal, tuple[str, ...]] = {
    Signal.EQUITY_CHANGE: ("equity_change",),
    Signal.ABNORMAL_OPERATIONS: ("abnormal_operation",),
    Signal.ADMIN_PENALTY: ("admin_penalty",),
    Signal.ADMIN_PENALTY_SERIOUS: ("admin_penalty",),
    Signal.TAX_ARREARS: ("tax_arrears",),
    Signal.UTILITY_ARREARS: ("water", "electricity", "gas"),
    Signal.COURT_JUDGMENT: ("judgment",),
    Signal.COURT_ENFORCEMENT: ("enforcement_case", "dishonest_debtor", "restricted_consumption"),
    Signal.OTHER_INSTITUTION_DEFAULT: ("financing_default",),
}
# A corrected version of any record (it carries the number of the objection whose answer corrected it).
CORRECTION_SIGNALS = frozenset({Signal.RECORD_CORRECTED})
SCORE_SIGNALS = frozenset({Signal.GRADE_DROP})
# A fact marked repaired (信用修复) by the rights procedure: read from the marks, not the records.
MARK_SIGNALS = frozenset({Signal.CREDIT_REPAIRED})


@dataclass(frozen=True, slots=True)
class Trend:
    """A signal that compares a month's figure with an earlier month's (趋势信号): the sub-category, the field that
    holds the month ("YYYY-MM") and the figure, how the month's records add up, how many months back the
    comparison goes, and the records counted (a field and the value it must hold, or none)."""

    item_code: str
    month_field: str
    value_field: str
    summed: bool  # True: the month's records add up (payments); False: the month's one record (a count)
    months_back: int
    only: tuple[str, str] | None = None


# VAT paid in a month against the same month last year; the insured headcount against the month before.
TREND_SIGNALS: dict[Signal, Trend] = {
    Signal.VAT_DROP: Trend("tax_payment", "tax_period", "amount", summed=True, months_back=12,
                           only=("tax_kind", "增值税")),
    Signal.SOCIAL_INSURANCE_DROP: Trend("social_insurance_enrolment", "month", "insured_people", summed=False,
                                        months_back=1),
}
# Signals a rule can be written for (WATCH_STOPPED is a notice, not a rule).
RULE_SIGNALS: tuple[Signal, ...] = (*SIGNAL_ITEMS, *TREND_SIGNALS, Signal.RECORD_CORRECTED, Signal.CREDIT_REPAIRED,
                                    Signal.GRADE_DROP)
# What the threshold means, for the signals that use one; the others take none.
THRESHOLD_MEANING: dict[Signal, str] = {
    Signal.UTILITY_ARREARS: "欠费金额不低于（分）",
    Signal.VAT_DROP: "同比下降不少于（%）",
    Signal.SOCIAL_INSURANCE_DROP: "较上月下降不少于（%）",
    Signal.GRADE_DROP: "等级下降不少于（档）",
}
# Signals whose threshold is a percentage (at most 100).
PERCENT_SIGNALS = frozenset(TREND_SIGNALS)
SERIOUS_PENALTY = "严重"
GRADE_ORDER = ("A", "B", "C", "D")
RECIPIENT_KINDS = (OrgKind.BANK, OrgKind.GUARANTEE_COMPANY)

# How long an institution has to acknowledge an alert of each severity before it goes to its manager.
ACK_DEADLINE: dict[Severity, timedelta] = {
    Severity.HINT: timedelta(days=7), Severity.ATTENTION: timedelta(days=3),
    Severity.WARNING: timedelta(days=1), Severity.SEVERE: timedelta(hours=4),
}


@dataclass(frozen=True, slots=True)
class RuleInput:
    """A rule as the platform admin writes it, before it is checked."""

    signal: str
    severity: str
    recipient_kinds: tuple[str, ...]
    threshold: int | None = None
    enabled: bool = True


def rule_problems(rule: RuleInput) -> list[str]:
    """Why a rule cannot be stored, in Chinese (empty: it can)."""
    problems: list[str] = []
    signal = next((s for s in RULE_SIGNALS if s.value == rule.signal), None)
    if signal is None:
        problems.append(f"未知的监测信号“{rule.signal}”，可选：" + "、".join(s.value for s in RULE_SIGNALS))
    if rule.severity not in set(Severity):
        problems.append("预警等级须为提示、关注、预警或严重之一")
    if rule.threshold is not None and rule.threshold < 0:
        problems.append("阈值不能为负数")
    elif signal in PERCENT_SIGNALS and rule.threshold is not None and not 1 <= rule.threshold <= 100:
        problems.append("百分比阈值须在 1 到 100 之间")
    if signal is not None and signal in THRESHOLD_MEANING and rule.threshold is None:
        problems.append(f"该信号须设置阈值：{THRESHOLD_MEANING[signal]}")
    if not rule.recipient_kinds:
        problems.append("请至少选择一类接收机构（银行或担保公司）")
    elif unknown := [k for k in rule.recipient_kinds if k not in set(RECIPIENT_KINDS)]:
        problems.append("接收机构类别只能是银行或担保公司，不能是：" + "、".join(unknown))
    return problems


def deadline(severity: str, raised_at: datetime) -> datetime:
    """When an alert of this severity must be acknowledged by."""
    return raised_at + ACK_DEADLINE[Severity(severity)]


def dropped(previous: int, now: int, percent: int) -> bool:
    """Whether a figure fell by at least `percent` per cent of the earlier one (an earlier 0 never counts)."""
    return previous > 0 and now < previous and (previous - now) * 100 >= previous * percent


def grade_drop(previous: str, now: str) -> int:
    """How many grades an entity fell between two runs (0 if it held or rose; unknown grades count as none)."""
    if previous not in GRADE_ORDER or now not in GRADE_ORDER:
        return 0
    return max(0, GRADE_ORDER.index(now) - GRADE_ORDER.index(previous))


def change_text(signal: str, facts: dict[str, Any]) -> str:
    """What an alert says of the change: the kind of change and the day of the fact, never the record's content
    (names, amounts, free text stay behind the credit file and its own authorisation and masking)."""
    label = SIGNAL_LABELS.get(signal, signal)
    if signal == Signal.GRADE_DROP:
        return f"{label}：{facts.get('previous_grade', '')} → {facts.get('grade', '')}"
    if signal == Signal.WATCH_STOPPED:
        return "贵机构对该企业的贷后监测已停止（贷后管理授权已撤销或到期，或风险敞口已结清），此后的信用变化不再推送"
    day = facts.get("fact_date")
    return f"{label}（信息日期 {day}）" if day else label


def categories_text(codes: Iterable[str], names: dict[str, str]) -> str:
    """Category codes as their names, joined."""
    return "、".join(names.get(c, c) for c in codes)
