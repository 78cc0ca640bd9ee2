"""Working days: weekends and the public-holiday calendar, with adjusted working days (调休).

The calendar is a table because the State Council publishes each year's arrangement late in the
year before; the platform admin enters it. The arithmetic is pure.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyidai.db import Base


class PublicHoliday(Base):
    """A day off on a weekday (is_workday false) or a weekend day worked instead (is_workday true)."""

    __tablename__ = "public_holiday"

    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    is_workday: Mapped[bool] = mapped_column(default=False)


@dataclass(frozen=True)
class WorkCalendar:
    """Holidays and adjusted working days; everything else follows Monday to Friday."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    adjusted_workdays: frozenset[date] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day."""
        if day in self.adjusted_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_workdays(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself not counted)."""
        if days < 0:
            raise ValueError("days must be non-negative")
        current = start
        remaining = days
        while remaining:
            current += timedelta(days=1)
            if self.is_workday(current):
                remaining -= 1
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.workdays_between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_workday(start + timedelta(days=n)))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def load_calendar(session: Session) -> WorkCalendar:
    """The calendar as stored."""
    rows = session.scalars(select(PublicHoliday)).all()
    return WorkCalendar(
        holidays=frozenset(r.day for r in rows if not r.is_workday),
        adjusted_workdays=frozenset(r.day for r in rows if r.is_workday),
    )


def _span(first: date, last: date) -> Iterable[date]:
    return (first + timedelta(days=n) for n in range((last - first).days + 1))


# The State Council's published arrangement of public holidays for 2026.
CALENDAR_2026: list[tuple[date, str, bool]] = [
    *((d, "元旦", False) for d in _span(date(2026, 1, 1), date(2026, 1, 3))),
    (date(2026, 1, 4), "元旦调休上班", True),
    (date(2026, 2, 14), "春节调休上班", True),
    *((d, "春节", False) for d in _span(date(2026, 2, 15), date(2026, 2, 23))),
    (date(2026, 2, 28), "春节调休上班", True),
    *((d, "清明节", False) for d in _span(date(2026, 4, 4), date(2026, 4, 6))),
    *((d, "劳动节", False) for d in _span(date(2026, 5, 1), date(2026, 5, 5))),
    (date(2026, 5, 9), "劳动节调休上班", True),
    *((d, "端午节", False) for d in _span(date(2026, 6, 19), date(2026, 6, 21))),
    (date(2026, 9, 20), "国庆节调休上班", True),
    *((d, "中秋节", False) for d in _span(date(2026, 9, 25), date(2026, 9, 27))),
    *((d, "国庆节", False) for d in _span(date(2026, 10, 1), date(2026, 10, 7))),
    (date(2026, 10, 10), "国庆节调休上班", True),
]


def seed_calendar(session: Session, entries: Iterable[tuple[date, str, bool]] = CALENDAR_2026) -> int:
    """Insert calendar entries that are not stored yet; return how many were added."""
    existing = set(session.scalars(select(PublicHoliday.day)))
    added = 0
    for day, name, is_workday in entries:
        if day not in existing:
            session.add(PublicHoliday(day=day, name=name, is_workday=is_workday))
            added += 1
    session.flush()
    return added
