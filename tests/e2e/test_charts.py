"""The portal's interactive charts draw in Chromium under the platform's Content-Security-Policy, with plotly.js
served by the platform itself (no CDN), and only pages that hold a chart fetch it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from xinyidai import db
from xinyidai.auth.dependencies import Public
from xinyidai.main import create_app
from xinyidai.portal.charts import Chart, Series
from xinyidai.portal.templating import templates

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/app.css">
<script src="/static/charts.js" defer></script></head><body>
{% from "portal/macros.html" import chart with context %}{% if c %}{{ chart(c) }}{% endif %}</body></html>"""


@pytest.fixture(scope="module")
def chart_server(database: db.Database) -> Iterator[str]:
    app = create_app(session_factory=database.session_factory)
    page = templates.env.from_string(PAGE)
    monthly = Chart(title="月度放款", categories=["2026-09", "2026-10", "2026-11"], kind="bar", unit="万元",
                    series=[Series("放款金额", [120, 340.5, 410]), Series("其中信用贷款", [60, 150, 230])],
                    targets=[("月度目标", 400)])

    @app.get("/test-chart", dependencies=[Depends(Public())], response_class=HTMLResponse)
    def with_chart(request: Request) -> str:
        return page.render(c=monthly, _=lambda text: text)

    @app.get("/test-no-chart", dependencies=[Depends(Public())], response_class=HTMLResponse)
    def without_chart(request: Request) -> str:
        return page.render(c=None, _=lambda text: text)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_a_chart_draws_under_the_content_security_policy_from_the_platforms_own_plotly(
        browser: Any, chart_server: str) -> None:
    context = browser.new_context(base_url=chart_server)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    page.goto("/test-chart")
    page.wait_for_selector("[data-drawn=true]", timeout=20_000)
    # Two bars series and the target line are drawn as SVG by plotly.js; the numbers are also in the table.
    assert page.locator(".chart-plot .main-svg").count() >= 1
    assert page.locator(".chart-plot g.trace.bars").count() == 2
    assert "月度目标" in page.locator(".chart-plot").inner_text()
    assert page.locator(".chart-data tbody tr").count() == 3
    assert problems == [], problems
    assert all(url.startswith(chart_server) for url in fetched)
    assert f"{chart_server}/static/vendor/plotly/plotly.min.js" in fetched

    fetched.clear()
    page.goto("/test-no-chart")
    page.wait_for_load_state("networkidle")
    assert not any("plotly" in url for url in fetched)
    context.close()


def test_only_the_script_is_served_from_the_plotly_package(chart_server: str) -> None:
    import httpx

    assert httpx.get(f"{chart_server}/static/vendor/plotly/plotly.min.js").status_code == 200
    assert httpx.get(f"{chart_server}/static/vendor/plotly/widgetbundle.js").status_code == 404
    assert httpx.get(f"{chart_server}/static/vendor/plotly/datasets/iris.csv.gz").status_code == 404


def test_the_policy_admits_an_empty_inline_style_and_no_other(chart_server: str) -> None:
    import base64
    import hashlib

    import httpx

    policy = httpx.get(f"{chart_server}/test-chart").headers["Content-Security-Policy"]
    empty = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    style = next(d for d in policy.split(";") if d.strip().startswith("style-src")).split()
    assert style == ["style-src", "'self'", f"'sha256-{empty}'"]
    assert "unsafe" not in policy
