"""The pure rules of monitoring: what a rule may say, deadlines, grade drops, and what an alert shows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from xinyidai.monitoring import policy
from xinyidai.monitoring.enums import Severity, Signal


def _rule(**kw: object) -> policy.RuleInput:
    base: dict[str, object] = {"signal": "admin_penalty", "severity": "warning", "recipient_kinds": ("bank",),
                               "threshold": None}
    base.update(kw)
    return policy.RuleInput(**base)  # type: ignore[arg-type]


def test_a_sound_rule_has_no_problems() -> None:
    assert policy.rule_problems(_rule()) == []
    assert policy.rule_problems(_rule(signal="utility_arrears", threshold=0)) == []


def test_an_unknown_signal_a_negative_threshold_and_no_recipients_are_each_named_in_chinese() -> None:
    assert any("未知的监测信号" in p for p in policy.rule_problems(_rule(signal="weather")))
    assert any("阈值不能为负数" in p for p in policy.rule_problems(_rule(threshold=-1)))
    assert any("至少选择一类接收机构" in p for p in policy.rule_problems(_rule(recipient_kinds=())))
    assert any("银行或担保公司" in p for p in policy.rule_problems(_rule(recipient_kinds=("credit_agency",))))
    assert any("预警等级" in p for p in policy.rule_problems(_rule(severity="panic")))
    assert any("须设置阈值" in p for p in policy.rule_problems(_rule(signal="grade_drop")))


def test_the_stop_notice_is_not_a_rule_signal() -> None:
    assert Signal.WATCH_STOPPED not in policy.RULE_SIGNALS
    assert policy.rule_problems(_rule(signal="watch_stopped"))


def test_the_more_severe_the_sooner_the_deadline() -> None:
    at = datetime(2026, 11, 23, 2, tzinfo=UTC)
    deadlines = [policy.deadline(s, at) for s in (Severity.HINT, Severity.ATTENTION, Severity.WARNING,
                                                   Severity.SEVERE)]
    assert deadlines == sorted(deadlines, reverse=True)
    assert policy.deadline(Severity.SEVERE, at) == at + timedelta(hours=4)


def test_a_grade_drop_counts_steps_down_only() -> None:
    assert policy.grade_drop("A", "C") == 2
    assert policy.grade_drop("C", "A") == 0
    assert policy.grade_drop("B", "B") == 0
    assert policy.grade_drop("?", "D") == 0


def test_the_change_says_the_kind_and_date_never_the_content() -> None:
    text = policy.change_text(Signal.ADMIN_PENALTY, {"fact_date": date(2026, 11, 20), "amount": 5_000_000})
    assert text == "行政处罚（信息日期 2026-11-20）"
    assert policy.change_text(Signal.GRADE_DROP, {"previous_grade": "A", "grade": "C"}).endswith("A → C")
