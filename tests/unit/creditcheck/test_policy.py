"""Rules of public credit checks with no I/O: penalties' publicity periods (公示期), the sealed bytes, the
conclusion, the identifiers."""

from __future__ import annotations

import json
from datetime import date

import pytest

from xinyidai.creditcheck import policy
from xinyidai.creditdata.policy import add_months, penalty_publicity


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 9, 1), 3, date(2026, 12, 1)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),  # no 30 February: the month's last day
    (date(2024, 2, 29), 36, date(2027, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # a leap year
    (date(2026, 12, 5), 1, date(2027, 1, 5)),
])
def test_months_are_calendar_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(("decided", "severity", "today", "visible", "until"), [
    # General: 3 months. Shown through the last day, not the day after.
    (date(2026, 8, 23), "一般", date(2026, 11, 23), True, date(2026, 11, 23)),
    (date(2026, 8, 22), "一般", date(2026, 11, 23), False, date(2026, 11, 22)),
    (date(2026, 8, 23), "轻微", date(2026, 11, 23), True, date(2026, 11, 23)),
    # Serious: 3 years (the longest period; a shorter one only comes with an approved repair).
    (date(2023, 11, 23), "严重", date(2026, 11, 23), True, date(2026, 11, 23)),
    (date(2023, 11, 22), "严重", date(2026, 11, 23), False, date(2026, 11, 22)),
    # A severity the rule does not know is taken as serious: the longer period.
    (date(2025, 1, 1), "", date(2026, 11, 23), True, date(2028, 1, 1)),
])
def test_a_penalty_is_published_for_its_period(decided: date, severity: str, today: date, visible: bool,
                                               until: date) -> None:
    shown = penalty_publicity(decided, severity, today)
    assert (shown.visible, shown.until) == (visible, until)


def test_the_sealed_bytes_ignore_key_order_and_the_seal_itself() -> None:
    answer = {"uscc": "91500108MA0000001X", "found": True, "admin_penalties": [{"severity": "一般", "amount": 1}],
              "content_sm3": "ab", "seal": "cd"}
    reordered = json.loads(json.dumps(dict(reversed(list(answer.items())))))
    assert policy.canonical(answer) == policy.canonical(reordered) == (
        '{"admin_penalties":[{"amount":1,"severity":"一般"}],"found":true,"uscc":"91500108MA0000001X"}'.encode())
    changed = {**answer, "admin_penalties": [{"severity": "严重", "amount": 1}]}
    assert policy.canonical(changed) != policy.canonical(answer)


def test_the_conclusion_names_every_finding() -> None:
    assert policy.conclusion(found=True, dishonest=False, penalties=0, abnormal=False) == (
        "未发现严重失信、公示期内行政处罚或经营异常记录")
    assert policy.conclusion(found=True, dishonest=True, penalties=0, abnormal=True) == (
        "存在：列入失信名单；列入经营异常名录")
    assert policy.conclusion(found=True, dishonest=False, penalties=3, abnormal=False) == "存在：公示期内行政处罚 3 条"
    assert policy.conclusion(found=False, dishonest=True, penalties=1, abnormal=True).startswith("未在本平台登记")


def test_a_listing_is_lifted_on_its_removal_date() -> None:
    today = date(2026, 11, 23)
    assert not policy.removed({}, today) and not policy.removed({"removed_date": None}, today)
    assert policy.removed({"removed_date": "2026-11-23"}, today)
    assert not policy.removed({"removed_date": "2026-11-24"}, today)


def test_identifiers_and_the_grade_policy() -> None:
    digits = iter([1234567890, 42])
    assert policy.new_check_no(date(2026, 11, 23), lambda _: next(digits)) == "XYC202611231234567890"
    assert policy.new_batch_no(date(2026, 11, 23), lambda _: next(digits)) == "XYB202611230000000042"
    assert not policy.grade_published(district_publishes=False)
    assert policy.grade_published(district_publishes=True)
