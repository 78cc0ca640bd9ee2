"""The platform's time: `now()` (aware UTC) and the business date `today()` in China Standard Time.

Domain code never calls datetime.now(); tests and the demo move time on purpose with `use()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until moved; for tests and reproducible runs."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward (or back, with a negative delta)."""
        self._at += delta


class OffsetClock:
    """The wall clock shifted by a fixed offset; lets the demo live a few days ahead."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


_base: Clock = SystemClock()
# Clocks installed by `use()`, innermost last, each under a token of its own: a block leaving removes its own
# entry, so blocks that overlap in several threads (each thread's `use()` ends when it ends) cannot leave one of
# them installed after all have ended, as restoring "the clock before me" would.
_installed: list[tuple[object, Clock]] = []
_lock = threading.Lock()
_current: Clock = _base


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return _current.now()


def today() -> date:
    """The business date: the calendar date in China Standard Time."""
    return _current.now().astimezone(BUSINESS_TZ).date()


def to_business_date(instant: datetime) -> date:
    """The business date on which `instant` falls."""
    return instant.astimezone(BUSINESS_TZ).date()


def set_clock(clock: Clock) -> None:
    """Install `clock` process-wide, under any clock `use()` has installed."""
    global _base
    with _lock:
        _base = clock
        _refresh()


def get_clock() -> Clock:
    """The installed clock."""
    return _current


def _refresh() -> None:
    global _current
    _current = _installed[-1][1] if _installed else _base


@contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    """Install `clock` for the duration of a block, then remove it (whatever other blocks began or ended since)."""
    token = object()
    with _lock:
        _installed.append((token, clock))
        _refresh()
    try:
        yield clock
    finally:
        with _lock:
            _installed[:] = [entry for entry in _installed if entry[0] is not token]
            _refresh()


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> FixedClock:
    """A FixedClock at a China Standard Time wall-clock moment (convenient in tests)."""
    return FixedClock(datetime(year, month, day, hour, minute, tzinfo=BUSINESS_TZ))
