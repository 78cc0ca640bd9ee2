"""Post-loan monitoring in a real browser: the demo bank's officer opens the risk inbox, handles an alert the demo
district raised (acknowledge, record what was done, close), then reads the portfolio risk view, whose trend charts
plotly.js draws; and the same view on a phone's screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_financing_walk import at, login, nav_to

pytestmark = pytest.mark.e2e

expect.set_options(timeout=10_000)
PHONE = {"width": 390, "height": 844}
CHART_TIMEOUT_MS = 30_000


def _charts_drawn(page: Page, count: int) -> None:
    page.wait_for_selector("[data-drawn=true]", timeout=CHART_TIMEOUT_MS)
    expect(page.locator(".chart-plot[data-drawn=true]")).to_have_count(count, timeout=CHART_TIMEOUT_MS)
    assert page.locator(".chart-plot .main-svg").count() >= count


def test_a_bank_officer_handles_an_alert_and_reads_the_portfolio_view(page: Page, server: LiveServer) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    login(page, "bank.officer", home="/bank/workbench")
    nav_to(page, "风险预警")
    expect(page).to_have_url(at("/monitoring/alerts"))
    expect(page.get_by_role("heading", level=1)).to_have_text("风险预警")
    waiting = page.get_by_test_id("open-alerts").locator("tbody tr[data-testid^='alert-']").filter(has_text="待确认")
    expect(waiting.first).to_be_visible()
    alert_id = (waiting.first.get_attribute("data-testid") or "").removeprefix("alert-")
    assert alert_id.isdigit()
    waiting.first.get_by_role("link", name="处理").click()
    expect(page).to_have_url(at(f"/monitoring/alerts/{alert_id}"))
    expect(page.get_by_test_id("alert-status")).to_have_text("待确认")
    expect(page.get_by_test_id("alert-change")).not_to_be_empty()

    page.get_by_test_id("acknowledge-form").get_by_role("button", name="确认预警").click()
    expect(page.locator(".flash")).to_contain_text("已确认预警")
    expect(page.get_by_test_id("alert-status")).to_have_text("处理中")
    form = page.get_by_test_id("action-form")
    form.get_by_label("处置措施").select_option("called")
    form.get_by_label("备注").fill("已电话联系企业财务负责人，经营正常")
    form.get_by_role("button", name="记录处置措施").click()
    expect(page.get_by_test_id("alert-action")).to_contain_text("电话联系企业")
    expect(page.get_by_test_id("alert-action")).to_contain_text("经营正常")
    page.get_by_test_id("close-form").get_by_role("button", name="关闭预警").click()
    expect(page).to_have_url(at("/monitoring/alerts"))
    expect(page.locator(".flash")).to_contain_text(f"预警第{alert_id}号已关闭")
    expect(page.get_by_test_id(f"alert-{alert_id}")).to_have_count(0)
    expect(page.get_by_test_id("closed-alerts").get_by_role("link", name=f"#{alert_id}")).to_be_visible()

    nav_to(page, "贷后风险视图")
    expect(page).to_have_url(at("/monitoring/portfolio"))
    _charts_drawn(page, 2)
    # The alerts chart draws two series of bars, the exposure chart one per severity and 无未结预警 (five).
    expect(page.get_by_test_id("trend-alerts").locator("g.trace.bars")).to_have_count(2)
    expect(page.get_by_test_id("trend-exposure").locator("g.trace.bars")).to_have_count(5)
    assert int(page.get_by_test_id("watched-firms").inner_text()) > 0
    for table in ("by-severity", "by-industry", "by-area"):
        expect(page.get_by_test_id(table).locator("tbody tr").first).to_be_visible()
    open_alerts = page.get_by_test_id("portfolio-open-alerts")
    expect(open_alerts.locator("tbody tr").first).to_be_visible()
    expect(open_alerts.get_by_role("link", name=f"#{alert_id}")).to_have_count(0)  # closed above
    # The table under the chart holds its numbers: six months, and a closed alert in the current one.
    months = page.get_by_test_id("trend-alerts").locator(".chart-data tbody tr")
    expect(months).to_have_count(6)
    assert int(months.last.locator("td").nth(1).text_content() or "0") >= 1

    page.get_by_role("link", name="按周").click()
    expect(page).to_have_url(at(re.escape("/monitoring/portfolio?by=week")))
    _charts_drawn(page, 2)
    expect(page.get_by_test_id("trend-alerts").locator(".chart-data tbody tr")).to_have_count(12)
    assert problems == [], problems


@pytest.fixture
def phone(browser: Any, server: LiveServer) -> Iterator[Page]:
    """A page the size of a phone's screen."""
    context = browser.new_context(base_url=server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_portfolio_view_fits_a_phone(phone: Page) -> None:
    login(phone, "guarantor")
    expect(phone.get_by_test_id("who")).to_have_count(1)
    phone.goto("/monitoring/portfolio")
    _charts_drawn(phone, 2)
    # Nothing pushes the page sideways: wide tables scroll inside themselves, the charts fit the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widths = phone.eval_on_selector_all(".chart-plot .main-svg",
                                        "svgs => svgs.map(s => s.getBoundingClientRect().right)")
    assert widths and max(widths) <= PHONE["width"]
    assert phone.locator(".chart-plot .modebar").count() == 0  # no tool bar over the titles on a small screen
    cells = phone.eval_on_selector_all(
        "main table th, main table td",
        "cells => cells.filter(c => c.offsetParent !== null && c.textContent.trim().length >= 2).map(c => ({"
        "text: c.textContent.trim(), width: c.getBoundingClientRect().width, size: parseFloat(getComputedStyle(c)"
        ".fontSize)}))")
    squeezed = [c["text"] for c in cells if c["width"] < 2.5 * c["size"]]
    assert cells and squeezed == [], squeezed[:5]
