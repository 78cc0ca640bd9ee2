"""The statistics' pure rules: periods in business time, ratios, timeliness windows, and docs/statistics.md
listing every figure with the same definition as the code."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinyidai.reporting import definitions as d

DOCS = Path(__file__).resolve().parents[3] / "docs" / "statistics.md"


def test_a_month_is_its_days_in_beijing_time() -> None:
    october = d.month_period("2026-10")
    assert (october.first_day, october.last_day) == (date(2026, 10, 1), date(2026, 10, 31))
    # Midnight in Chongqing is 16:00 UTC the day before.
    assert october.since.astimezone(UTC) == datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert october.until.astimezone(UTC) == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert d.month_period("2028-02").last_day == date(2028, 2, 29)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-10", "", "2026-10-01", "１９９９-01"])
def test_a_month_not_written_yyyy_mm_is_refused(text: str) -> None:
    with pytest.raises(d.BadMonth):
        d.month_period(text)


def test_months_back_and_the_previous_month() -> None:
    assert d.months_back("2026-02", 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert d.previous_month(date(2026, 1, 15)) == "2025-12"


def test_ratios_and_averages_by_hand() -> None:
    assert d.ratio(2, 3) == Decimal("0.6667")  # half up at the fourth place
    assert d.ratio(1, 8) == Decimal("0.1250")
    assert d.ratio(5, 0) is None
    assert d.average_days(86400 * 5, 2) == Decimal("2.5")
    assert d.average_days(0, 0) is None


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_a_ratio_of_a_part_lies_between_nothing_and_all(part: int, whole: int) -> None:
    value = d.ratio(min(part, whole), whole)
    assert value is not None and Decimal(0) <= value <= Decimal(1)


def test_timeliness_follows_the_update_cycle() -> None:
    until = datetime(2026, 11, 1, tzinfo=UTC)
    assert d.delivered_on_time("monthly", until - timedelta(days=31), until)
    assert not d.delivered_on_time("monthly", until - timedelta(days=31, seconds=1), until)
    assert not d.delivered_on_time("daily", until - timedelta(days=2), until)
    assert d.delivered_on_time("on_change", until - timedelta(days=900), until)
    assert not d.delivered_on_time("yearly", None, until)


def test_every_figure_is_documented_with_its_definition() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for figure in d.FIGURES:
        assert f"| `{figure.code}` | {figure.name} | {figure.unit} | {figure.definition} |" in text, figure.code
    assert len({f.code for f in d.FIGURES}) == len(d.FIGURES)
