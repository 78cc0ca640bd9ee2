"""The job declarations and the in-process schedule, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from xinyidai import jobs


def _ts(*parts: int) -> float:
    return datetime(*parts, tzinfo=UTC).timestamp()


def test_a_job_is_declared_once_and_with_a_valid_schedule() -> None:
    def nightly(factory: object) -> None:
        pass

    jobs.job("test.nightly", cron="30 16 * * *")(nightly)
    jobs.job("test.nightly", cron="30 16 * * *")(nightly)  # importing a module twice declares nothing new
    assert jobs.get("test.nightly").cron == "30 16 * * *"
    with pytest.raises(ValueError, match="declared twice"):
        jobs.job("test.nightly")(lambda factory: None)
    with pytest.raises(ValueError, match="invalid cron"):
        jobs.job("test.bad", cron="every night")
    with pytest.raises(LookupError, match="no job named"):
        jobs.get("test.unknown")


def test_the_schedule_fires_each_job_at_its_ticks_in_utc() -> None:
    schedule = jobs.Schedule()
    schedule._jobs = [jobs.Job("eod", print, cron="30 16 * * *"), jobs.Job("each_minute", print, cron="* * * * *")]
    # 00:30 in Chongqing is 16:30 UTC the day before.
    assert [j.name for j in schedule.due(_ts(2026, 12, 4, 16, 29, 30), _ts(2026, 12, 4, 16, 30, 0))] == [
        "eod", "each_minute"]
    assert [j.name for j in schedule.due(_ts(2026, 12, 4, 16, 30, 0), _ts(2026, 12, 4, 16, 30, 59))] == []
    assert schedule.next_tick(_ts(2026, 12, 4, 16, 30, 0)) == _ts(2026, 12, 4, 16, 31, 0)
