"""A burst bigger than the connection pool: every request waits its turn and is answered, none times out on the
pool while the CPU idles (threads waiting for connections held by requests waiting for threads)."""

from __future__ import annotations

import asyncio

import anyio.to_thread
import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import run_apart
from tests.integration.conftest import MakeDatabase, build_world, login
from xinyidai import clock, config, db
from xinyidai.main import create_app

BURST = 60


def test_a_burst_of_requests_past_the_pool_and_the_threads_is_served_whole(
        make_committed_database: MakeDatabase, monkeypatch: pytest.MonkeyPatch,
        frozen_clock: clock.FixedClock) -> None:
    # Two connections and four threads, as 15 connections and 40 threads are under a real burst.
    monkeypatch.setenv("XINYIDAI_POOL_SIZE", "1")
    monkeypatch.setenv("XINYIDAI_POOL_MAX_OVERFLOW", "1")
    monkeypatch.setenv("XINYIDAI_POOL_TIMEOUT_SECONDS", "2")
    config.get_settings.cache_clear()
    try:
        database = make_committed_database("in_flight")
        with db.transaction(database.session_factory) as session:
            build_world(session)
        app = create_app(session_factory=database.session_factory)
        with TestClient(app) as client:
            login(client, "admin")
            cookies = dict(client.cookies)
    finally:
        monkeypatch.undo()
        config.get_settings.cache_clear()

    async def burst() -> list[int]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = 4
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver",
                                     cookies=cookies) as caller:
            answers = await asyncio.gather(*[caller.get("/api/v1/me") for _ in range(BURST)])
        return [answer.status_code for answer in answers]

    codes = run_apart(burst())
    assert codes == [200] * BURST, f"{codes.count(503)} of {BURST} answered busy"
