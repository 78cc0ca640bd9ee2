"""Working days under the 2026 arrangement of public holidays.

Known facts from the State Council General Office's notice on the 2026 holiday arrangement
(国务院办公厅关于2026年部分节假日安排的通知):
元旦 1月1日—3日 放假, 1月4日（周日）上班; 春节 2月15日—23日 放假, 2月14日（周六）、2月28日（周六）上班;
劳动节 5月1日—5日 放假, 5月9日（周六）上班; 中秋节 9月25日—27日 放假;
国庆节 10月1日—7日 放假, 9月20日（周日）、10月10日（周六）上班.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.workdays import CALENDAR_2026, WorkCalendar

CAL = WorkCalendar(
    holidays=frozenset(d for d, _, is_workday in CALENDAR_2026 if not is_workday),
    adjusted_workdays=frozenset(d for d, _, is_workday in CALENDAR_2026 if is_workday),
)
PLAIN = WorkCalendar()


def _span(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@pytest.mark.parametrize(
    "day",
    [*_span(date(2026, 10, 1), date(2026, 10, 7)), *_span(date(2026, 2, 15), date(2026, 2, 23)),
     *_span(date(2026, 1, 1), date(2026, 1, 3)), *_span(date(2026, 5, 1), date(2026, 5, 5)),
     *_span(date(2026, 9, 25), date(2026, 9, 27))],
)
def test_public_holidays_are_not_workdays(day: date) -> None:
    assert not CAL.is_workday(day)


@pytest.mark.parametrize(
    "day",
    [date(2026, 10, 10), date(2026, 9, 20), date(2026, 2, 14), date(2026, 2, 28), date(2026, 1, 4), date(2026, 5, 9)],
)
def test_adjusted_weekend_days_are_workdays(day: date) -> None:
    assert day.weekday() >= 5  # they are Saturdays or Sundays
    assert CAL.is_workday(day)
    assert not PLAIN.is_workday(day)


def test_ordinary_days_follow_monday_to_friday() -> None:
    assert CAL.is_workday(date(2026, 10, 8))  # Thursday after the National Day break
    assert CAL.is_workday(date(2026, 2, 24))  # Tuesday after the Spring Festival break
    assert not CAL.is_workday(date(2026, 10, 11))  # Sunday
    assert not CAL.is_workday(date(2026, 11, 22))  # Sunday
    assert CAL.is_workday(date(2026, 11, 23))  # Monday


def test_ten_workdays_after_mid_autumn_friday() -> None:
    # From Friday 2026-09-25 (itself 中秋节):
    #  9-26 Sat, 9-27 Sun holidays; 9-28 Mon (1), 9-29 Tue (2), 9-30 Wed (3);
    #  10-01..10-07 国庆节; 10-08 Thu (4), 10-09 Fri (5), 10-10 Sat adjusted workday (6);
    #  10-11 Sun; 10-12 Mon (7), 10-13 Tue (8), 10-14 Wed (9), 10-15 Thu (10).
    assert CAL.add_workdays(date(2026, 9, 25), 10) == date(2026, 10, 15)
    assert CAL.workdays_between(date(2026, 9, 25), date(2026, 10, 15)) == 10
    # Without holidays it would be two plain weeks: Friday 2026-10-09.
    assert PLAIN.add_workdays(date(2026, 9, 25), 10) == date(2026, 10, 9)


def test_add_workdays_around_spring_festival() -> None:
    assert CAL.add_workdays(date(2026, 2, 13), 1) == date(2026, 2, 14)  # Friday -> adjusted Saturday
    assert CAL.add_workdays(date(2026, 2, 14), 1) == date(2026, 2, 24)  # over the nine-day break
    assert CAL.add_workdays(date(2026, 2, 27), 1) == date(2026, 2, 28)  # Friday -> adjusted Saturday
    assert CAL.add_workdays(date(2026, 2, 28), 1) == date(2026, 3, 2)


def test_add_workdays_over_a_weekend() -> None:
    assert CAL.add_workdays(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday -> Monday
    assert CAL.add_workdays(date(2026, 11, 22), 1) == date(2026, 11, 23)  # Sunday -> Monday


def test_zero_workdays_is_the_start() -> None:
    assert CAL.add_workdays(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_negative_workdays_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        CAL.add_workdays(date(2026, 9, 25), -1)


def test_workdays_between_counts_the_end_not_the_start() -> None:
    assert CAL.workdays_between(date(2026, 11, 23), date(2026, 11, 23)) == 0
    assert CAL.workdays_between(date(2026, 11, 23), date(2026, 11, 24)) == 1
    assert CAL.workdays_between(date(2026, 9, 30), date(2026, 10, 7)) == 0
    assert CAL.workdays_between(date(2026, 10, 15), date(2026, 9, 25)) == -10


days_2026 = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))


@given(days_2026, days_2026)
def test_workdays_between_is_antisymmetric(a: date, b: date) -> None:
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)


@given(days_2026, st.integers(min_value=0, max_value=60))
def test_add_workdays_inverts_workdays_between(start: date, n: int) -> None:
    end = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, end) == n
    if n:
        assert CAL.is_workday(end)
