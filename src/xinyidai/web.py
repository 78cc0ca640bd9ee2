"""Request-scoped helpers shared by every context's routes and pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from xinyidai.db import MAX_ID, get_database, run_after_commit_hooks


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed when the route returns, rolled back if it raises."""
    factory = getattr(request.app.state, "session_factory", None) or get_database().session_factory
    with factory() as session:
        session.info["session_factory"] = factory
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        run_after_commit_hooks(session)


# scope="function": commit before the response is sent, so a redirect never outruns its own write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]


def client_ip(request: Request) -> str | None:
    """The caller's address as the server saw it (a proxy in front must be configured to pass it)."""
    return request.client.host if request.client else None


def is_api_request(request: Request) -> bool:
    """Whether the request addresses the JSON API rather than the portal."""
    return request.url.path.startswith("/api/")
