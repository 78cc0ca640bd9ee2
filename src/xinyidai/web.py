"""Request-scoped helpers shared by every context's routes and pages."""

from __future__ import annotations

import asyncio
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Header, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from xinyidai.db import MAX_ID, transaction
from xinyidai.errors import RequestTooLarge


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed when the route returns, rolled back if it raises."""
    with transaction(getattr(request.app.state, "session_factory", None)) as session:
        yield session


# scope="function": commit before the response is sent, so a redirect never outruns its own write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
# Every id a route reads from its path or query: a number beyond 64 bits is a 422, never a database overflow.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int, Query(ge=1, le=MAX_ID)]
# What a partner sends so that a retried request does the work once.
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=8, max_length=100)]

SPOOL_IN_MEMORY = 8 << 20
SPOOL_CHUNK = 64 << 10


def client_ip(request: Request) -> str | None:
    """The caller's address as the server saw it (a proxy in front must be configured to pass it)."""
    return request.client.host if request.client else None


def is_api_request(request: Request) -> bool:
    """Whether the request addresses the JSON API rather than the portal."""
    return request.url.path.startswith("/api/")


def attachment(name: str, ascii_name: str) -> str:
    """A Content-Disposition for a download named `name` (any script), `ascii_name` for old clients."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def spooled_csv(chunks: Iterable[bytes], *, name: str, ascii_name: str) -> StreamingResponse:
    """A CSV download built now and sent afterwards.

    The request's session closes before a streamed body is sent, so the body is produced while the
    session is open and spooled (in memory while small, on disk beyond) for the response to stream.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed by the response's task
    for chunk in chunks:
        spool.write(chunk)
    spool.seek(0)
    return StreamingResponse(iter(lambda: spool.read(SPOOL_CHUNK), b""), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": attachment(name, ascii_name)},
                             background=BackgroundTask(spool.close))


class InFlightLimit:
    """ASGI middleware: at most `limit` requests of this process at work at once; the others wait their turn holding
    neither a thread nor a database connection, and are answered `busy` after `timeout` seconds of waiting.

    Why: a request's sync dependencies and route run in the thread pool one call after another, holding its pooled
    connection in between. With more requests at work than connections, every thread can end up waiting for a
    connection held by a request that is itself waiting for a thread: nothing moves until the pool's timeout, and
    a burst turns into 503s with the CPU idle. Admitting no more requests than half the pool (a request may need a
    second connection, for an audit entry written apart) means an admitted request always finds both."""

    def __init__(self, app: ASGIApp, *, limit: int, timeout: float, busy: Callable[[Request], Response]) -> None:
        self.app, self.limit, self.timeout, self.busy = app, limit, timeout, busy
        # One semaphore per event loop (an asyncio one belongs to its loop): a server process runs one loop; a test
        # client may run the same app on a loop of its own per thread.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = \
            weakref.WeakKeyDictionary()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.limit)
        try:
            await asyncio.wait_for(slots.acquire(), self.timeout)
        except TimeoutError:
            await self.busy(Request(scope, receive))(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()


class BodyLimit:
    """ASGI middleware: a request body past its bound is refused (413, `request_too_large`) without being read whole. A
    multipart body (a data file, a model, an attachment) may be as large as an upload may be, any other one
    `max_bytes`: JSON and forms are read into memory and parsed whole, so a bound on each field of a schema does
    not bound the work a huge body costs before the schema sees it. A declared length past the bound is refused
    before anything is read; a body sent without one (chunked) stops being read at the bound, and the request is
    refused all the same (400: the framework reports a body it could not read as such)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_upload_bytes: int,
                 too_large: Callable[[Request], Response]) -> None:
        self.app, self.max_bytes, self.max_upload_bytes, self.too_large = app, max_bytes, max_upload_bytes, too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        upload = headers.get(b"content-type", b"").lower().startswith(b"multipart/")
        limit = self.max_upload_bytes if upload else self.max_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self.too_large(Request(scope))(scope, receive, send)
            return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(f"请求内容超过 {limit >> 20} MB 的上限",
                                          message_en=f"request body over {limit} bytes")
            return message

        await self.app(scope, bounded, send)


def requests_in_flight(*, pool_size: int, pool_max_overflow: int) -> int:
    """How many requests a process admits at once: half its connections, so that each may hold two."""
    return max(1, (pool_size + pool_max_overflow) // 2)
