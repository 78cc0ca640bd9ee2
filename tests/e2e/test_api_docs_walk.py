"""The API documentation in a real browser: /docs (Swagger UI) and /redoc (ReDoc) show the operations, their
scripts and styles served by the platform itself under its Content-Security-Policy, nothing from a CDN.

Runs against the demo district served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e


def _watch(page: Page, server: LiveServer) -> tuple[list[str], list[str]]:
    """Console errors (a script or style the policy refused) and requests that left the server."""
    errors: list[str] = []
    elsewhere: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def _request(request: Any) -> None:
        if not request.url.startswith((server.url, "data:", "blob:")):
            elsewhere.append(request.url)

    page.on("request", _request)
    return errors, elsewhere


def test_swagger_ui_shows_the_operations(page: Page, server: LiveServer) -> None:
    errors, elsewhere = _watch(page, server)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("xinyidai")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/oauth/token")).to_be_visible()
    # An operation opens with its parameters and responses.
    page.locator(".opblock-summary", has_text="/api/v1/enterprises/{enterprise_id}/credit-file").first.click()
    expect(page.locator(".opblock-body").first).to_contain_text("purpose_ref")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    assert elsewhere == [], elsewhere


def test_redoc_shows_the_operations(page: Page, server: LiveServer) -> None:
    errors, elsewhere = _watch(page, server)
    page.goto("/redoc")
    expect(page.get_by_role("heading", level=1).first).to_contain_text("xinyidai", timeout=30_000)
    expect(page.get_by_text("/api/v1/oauth/token").first).to_be_attached()
    # ReDoc's "API docs by Redocly" badge points at an image on its CDN: the policy blocks it (nothing leaves the
    # server), and the documentation needs it not. Every script and style it needs is the platform's own.
    refused = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
    assert all("cdn.redoc.ly" in e and "img-src" in e for e in refused), refused
    assert [url for url in elsewhere if "cdn.redoc.ly" not in url] == [], elsewhere
