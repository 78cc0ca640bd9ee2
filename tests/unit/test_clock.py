"""The platform clock: fixed clocks for tests and the China Standard Time business date."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from xinyidai import clock


def test_fixed_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        clock.FixedClock(datetime(2026, 11, 22, 17, 30))


def test_fixed_clock_keeps_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    fixed = clock.FixedClock(datetime(2026, 11, 23, 1, 30, tzinfo=beijing))
    assert fixed.now() == datetime(2026, 11, 22, 17, 30, tzinfo=UTC)
    assert fixed.now().utcoffset() == timedelta(0)


def test_fixed_clock_stands_still_and_advances() -> None:
    fixed = clock.FixedClock(datetime(2026, 11, 22, 17, 30, tzinfo=UTC))
    assert fixed.now() == fixed.now()
    fixed.advance(timedelta(hours=2))
    assert fixed.now() == datetime(2026, 11, 22, 19, 30, tzinfo=UTC)
    fixed.advance(timedelta(days=-1))
    assert fixed.now() == datetime(2026, 11, 21, 19, 30, tzinfo=UTC)


def test_use_installs_and_restores() -> None:
    before = clock.get_clock()
    fixed = clock.FixedClock(datetime(2026, 11, 22, 17, 30, tzinfo=UTC))
    with clock.use(fixed) as installed:
        assert installed is fixed
        assert clock.get_clock() is fixed
        assert clock.now() == datetime(2026, 11, 22, 17, 30, tzinfo=UTC)
    assert clock.get_clock() is before


def test_use_restores_even_on_exception() -> None:
    before = clock.get_clock()
    fixed = clock.FixedClock(datetime(2026, 11, 22, 17, 30, tzinfo=UTC))
    with pytest.raises(RuntimeError, match="boom"), clock.use(fixed):
        raise RuntimeError("boom")
    assert clock.get_clock() is before


def test_use_nests() -> None:
    outer = clock.FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    inner = clock.FixedClock(datetime(2026, 6, 1, tzinfo=UTC))
    with clock.use(outer):
        with clock.use(inner):
            assert clock.get_clock() is inner
        assert clock.get_clock() is outer


def test_blocks_overlapping_in_two_threads_leave_no_clock_behind() -> None:
    """Thread A begins, thread B begins, A ends, B ends: restoring "the clock before me" would leave A's clock
    installed for good (B's "before"), and every later test in the process on a stale time."""
    before = clock.get_clock()
    a_began, b_began, a_ended = threading.Event(), threading.Event(), threading.Event()

    def a() -> None:
        with clock.use(clock.at(2026, 11, 23, 10, 0)):
            a_began.set()
            b_began.wait(5)
        a_ended.set()

    def b() -> None:
        a_began.wait(5)
        with clock.use(clock.at(2026, 11, 23, 11, 0)):
            b_began.set()
            a_ended.wait(5)
            assert clock.now() == clock.at(2026, 11, 23, 11, 0).now()  # its own, though A's ended meanwhile

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert a_ended.is_set() and clock.get_clock() is before


def test_set_clock_is_the_base_under_use() -> None:
    before = clock.get_clock()
    base, inner = clock.at(2026, 1, 1), clock.at(2026, 6, 1)
    try:
        clock.set_clock(base)
        with clock.use(inner):
            assert clock.get_clock() is inner
        assert clock.get_clock() is base
    finally:
        clock.set_clock(before)
    assert clock.get_clock() is before


@pytest.mark.parametrize(
    ("utc", "china_date"),
    [
        (datetime(2026, 11, 22, 17, 30, tzinfo=UTC), date(2026, 11, 23)),  # 01:30 on the 23rd in China
        (datetime(2026, 11, 22, 15, 59, 59, tzinfo=UTC), date(2026, 11, 22)),  # 23:59:59 in China
        (datetime(2026, 11, 22, 16, 0, tzinfo=UTC), date(2026, 11, 23)),  # midnight in China
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2026, 7, 1, 0, 0, tzinfo=UTC), date(2026, 7, 1)),  # no daylight saving in China
    ],
)
def test_today_is_the_china_date(utc: datetime, china_date: date) -> None:
    with clock.use(clock.FixedClock(utc)):
        assert clock.today() == china_date
    assert clock.to_business_date(utc) == china_date


def test_at_is_china_wall_clock_time() -> None:
    fixed = clock.at(2026, 11, 23, 10, 0)
    assert fixed.now() == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    with clock.use(fixed):
        assert clock.today() == date(2026, 11, 23)


def test_system_clock_is_aware_utc() -> None:
    assert clock.SystemClock().now().utcoffset() == timedelta(0)
