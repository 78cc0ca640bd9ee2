"""`xinyidai serve`: one process or several uvicorn workers, the in-process schedule started once either way."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from xinyidai import jobs
from xinyidai.cli import app
from xinyidai.config import get_settings


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict[str, Any]], list[int]]:
    """uvicorn.run and the schedule's start replaced by recorders; the embedded default with its schedule on."""
    runs: list[dict[str, Any]] = []
    schedules: list[int] = []
    monkeypatch.setenv("XINYIDAI_JOBS_ENGINE", "in_process")
    monkeypatch.setenv("XINYIDAI_JOBS_SCHEDULE_IN_PROCESS", "true")
    get_settings.cache_clear()
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: runs.append({"target": target, **kwargs}))
    monkeypatch.setattr(jobs.Schedule, "start", lambda self: schedules.append(1))
    return runs, schedules


def test_several_workers_share_the_port_and_the_schedule_is_started_once(
        served: tuple[list[dict[str, Any]], list[int]]) -> None:
    runs, schedules = served
    result = CliRunner().invoke(app, ["serve", "--workers", "4", "--port", "8123"])
    assert result.exit_code == 0, result.output
    # The app as an import string and a factory: each spawned worker builds its own, with its own pool.
    assert [(r["target"], r["factory"], r["workers"], r["port"], r["reload"]) for r in runs] == [
        ("xinyidai.main:create_app", True, 4, 8123, False)]
    assert schedules == [1]


def test_one_worker_is_the_default_and_serves_in_this_process(
        served: tuple[list[dict[str, Any]], list[int]]) -> None:
    runs, schedules = served
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert [r["workers"] for r in runs] == [None] and schedules == [1]


@pytest.mark.parametrize("workers", ["0", "65"])
def test_a_worker_count_out_of_bounds_is_refused(served: tuple[list[dict[str, Any]], list[int]],
                                                  workers: str) -> None:
    runs, _ = served
    result = CliRunner().invoke(app, ["serve", "--workers", workers])
    assert result.exit_code == 2 and runs == []
    assert "--workers" in result.output


def test_reload_with_several_workers_is_refused_before_anything_starts(
        served: tuple[list[dict[str, Any]], list[int]]) -> None:
    runs, schedules = served
    result = CliRunner().invoke(app, ["serve", "--reload", "--workers", "2"])
    assert result.exit_code == 2 and runs == [] and schedules == []
    assert "--reload" in result.output and "--workers" in result.output
