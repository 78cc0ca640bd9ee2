"""The in-process engine's background threads: an `apart` job never runs in the caller, a later job runs no sooner
than asked, and a failing job does not stop the others."""

from __future__ import annotations

import threading
import time
from typing import Any

from xinyidai import jobs

ran: list[tuple[str, float, str]] = []


@jobs.job("test.apart", apart=True)
def apart(factory: Any, *, label: str) -> None:
    ran.append((label, time.monotonic(), threading.current_thread().name))


@jobs.job("test.inline")
def inline(factory: Any, *, label: str) -> None:
    ran.append((label, time.monotonic(), threading.current_thread().name))


@jobs.job("test.failing", apart=True)
def failing(factory: Any) -> None:
    raise RuntimeError("boom")


def test_apart_jobs_run_on_background_threads_and_later_ones_wait() -> None:
    ran.clear()
    engine = jobs.InProcess()
    factory: Any = object()
    engine.defer("test.inline", {"label": "inline"}, factory=factory)
    assert ran[0][0] == "inline" and ran[0][2] == threading.current_thread().name
    asked = time.monotonic()
    engine.defer_later("test.apart", {"label": "later"}, delay_seconds=0.3, factory=factory)
    engine.defer("test.failing", {}, factory=factory)
    engine.defer("test.apart", {"label": "now"}, factory=factory)
    assert engine.background.wait_idle(10)
    labels = [label for label, _, _ in ran]
    assert labels == ["inline", "now", "later"]
    later = next(entry for entry in ran if entry[0] == "later")
    assert later[1] - asked >= 0.29 and later[2] != threading.current_thread().name
    assert engine.background.pending() == 0
