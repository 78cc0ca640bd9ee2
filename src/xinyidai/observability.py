"""Structured logs, Prometheus metrics and the health endpoints.

No personal data in logs: every record, structlog's and the standard library's (uvicorn's access log
included), has resident identity numbers and mainland mobile numbers masked before any handler sees it, and
values under secret-sounding keys (password, id_number, mobile…) withheld. The request log names the route
template, never the raw path or query.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import text

from xinyidai.config import Settings
from xinyidai.db import get_database

log = structlog.get_logger(__name__)

WITHHELD = "[已隐去]"
# Any 18-character resident identity number shape (17 digits and a digit or X) and any mainland mobile number:
# over-masking a log line costs nothing, a leaked number cannot be taken back.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)")
_SECRET_KEY_PARTS = ("password", "passwd", "secret", "token", "id_number", "idcard", "id_card", "phone", "mobile",
                     "cookie", "authorization")


def scrub_text(text: str) -> str:
    """`text` with identity and mobile numbers withheld."""
    return _MOBILE.sub(WITHHELD, _ID_NUMBER.sub(WITHHELD, text))


def scrub(value: Any) -> Any:
    """A value for a log line: text scrubbed, secret-named keys withheld, containers walked."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {key: WITHHELD if isinstance(key, str) and any(p in key.lower() for p in _SECRET_KEY_PARTS)
                and value[key] not in (None, "") else scrub(value[key]) for key in value}
    if isinstance(value, tuple):
        return tuple(scrub(item) for item in value)
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


def scrub_event(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: the event and its values scrubbed (see `scrub`)."""
    return scrub(dict(event_dict))  # type: ignore[no-any-return]


_base_factory = logging.getLogRecordFactory()


def _scrubbing_record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Every standard-library record scrubbed as it is made, whichever logger and handler it goes to (uvicorn's
    access formatter reads its args as a tuple, so they are scrubbed one by one, not merged into the message)."""
    record = _base_factory(*args, **kwargs)
    if isinstance(record.msg, str):
        record.msg = scrub_text(record.msg)
    if record.args:
        record.args = scrub(record.args)
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = scrub_text(logging.Formatter().formatException(record.exc_info))
    return record


REQUESTS = Counter("xinyidai_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("xinyidai_http_request_seconds", "HTTP request latency", ["method", "route"])


def configure_logging(settings: Settings) -> None:
    """Structured logs: JSON lines in production, readable lines in development."""
    level = getattr(logging, settings.log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(message)s")
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.log_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    logging.setLogRecordFactory(_scrubbing_record_factory)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            scrub_event,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # One pipeline: structlog's lines go through the standard library's handlers like uvicorn's, and so
        # through the scrubbing record factory.
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def install_metrics(app: FastAPI) -> None:
    """Count and time every request by its route template (never by raw path: ids would explode)."""

    @app.middleware("http")
    async def _metrics(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        LATENCY.labels(request.method, template).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, template, str(response.status_code)).inc()
        log.info("http.request", method=request.method, route=template, status=response.status_code,
                 ms=round((time.perf_counter() - started) * 1000, 1))
        return response


router = APIRouter(tags=["operations"])


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
def readyz() -> Response:
    """Readiness: the database answers."""
    try:
        with get_database().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    """Prometheus metrics in the text exposition format."""
    return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)
