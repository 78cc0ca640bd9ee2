"""Request-scoped helpers shared by every context's routes and pages."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from xinyidai.db import MAX_ID, transaction


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
