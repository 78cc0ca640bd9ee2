"""The in-flight limit alone: requests past the limit wait their turn, and one that waits too long is told busy."""

from __future__ import annotations

import asyncio

import httpx
from fastapi.responses import PlainTextResponse, Response
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from tests.conftest import run_apart
from xinyidai.web import InFlightLimit, requests_in_flight


def test_admits_half_the_pool_so_that_each_request_may_hold_two_connections() -> None:
    assert requests_in_flight(pool_size=5, pool_max_overflow=10) == 7
    assert requests_in_flight(pool_size=1, pool_max_overflow=0) == 1


def test_requests_past_the_limit_wait_and_one_that_waits_too_long_is_told_busy() -> None:
    async def scenario() -> list[tuple[int, str]]:
        release = asyncio.Event()
        at_work = 0
        most = 0

        async def slow(scope: Scope, receive: Receive, send: Send) -> None:
            nonlocal at_work, most
            at_work += 1
            most = max(most, at_work)
            await release.wait()
            at_work -= 1
            await PlainTextResponse("done")(scope, receive, send)

        def busy(_request: Request) -> Response:
            return PlainTextResponse("busy", status_code=503)

        limited = InFlightLimit(slow, limit=2, timeout=0.2, busy=busy)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://t") as client:
            calls = [asyncio.create_task(client.get("/")) for _ in range(3)]
            await asyncio.sleep(0.5)  # the third has waited past the timeout
            release.set()
            answers = await asyncio.gather(*calls)
            assert most == 2
            later = await client.get("/")  # a slot freed is a slot taken again
        return [(a.status_code, a.text) for a in [*answers, later]]

    answers = run_apart(scenario())
    assert sorted(answers[:3]) == [(200, "done"), (200, "done"), (503, "busy")]
    assert answers[3] == (200, "done")
