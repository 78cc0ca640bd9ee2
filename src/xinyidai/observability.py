"""Structured logs, Prometheus metrics and the health endpoints.

No personal data in logs: every record, structlog's and the standard library's (uvicorn's access log
included), has resident identity numbers and mainland mobile numbers masked before any handler sees it, and
values under secret-sounding keys (password, id_number, mobile…) withheld. The request log names the route
template, never the raw path or query.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import text

from xinyidai import pii
from xinyidai.config import Settings, get_settings
from xinyidai.db import get_database

log = structlog.get_logger(__name__)

WITHHELD = pii.WITHHELD


def scrub_text(text: str) -> str:
    """`text` with identity and mobile numbers withheld: anything shaped like an identity number, valid or not
    (over-masking a log line costs nothing, a leaked number cannot be taken back)."""
    return pii.scrub_text(text, any_id_shape=True)


def scrub(value: Any) -> Any:
    """A value for a log line: text scrubbed, secret-named keys withheld, containers walked."""
    return pii.scrub(value, any_id_shape=True)


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


def metrics_reader_allowed(request: Request, settings: Settings) -> bool:
    """Whether the caller may read the metrics: from an allowed network, or with the metrics bearer token."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    scheme, _, supplied = request.headers.get("authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(supplied.strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in settings.metrics_allowed_networks)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus metrics in the text exposition format, to the operator's network or its token only."""
    if not metrics_reader_allowed(request, get_settings()):
        return JSONResponse({"code": "forbidden", "message": "无权读取运行指标",
                             "message_en": "metrics are served to the operator's network or token only"},
                            status_code=403)
    return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)
