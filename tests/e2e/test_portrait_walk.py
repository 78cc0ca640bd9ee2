"""The credit portrait in a real browser: the enterprise sees its radar chart and suggestions on its home, the bank
sees the radar on the order it was authorised for; the chart loads under the portal's CSP.

Runs against the demo district served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_financing_walk import apply_for_chongxindai, login, logout, open_order_from_table

pytestmark = pytest.mark.e2e

expect.set_options(timeout=10_000)


def _watch_csp(page: Page) -> list[str]:
    """Collect the console's Content-Security-Policy complaints."""
    complaints: list[str] = []
    page.on("console", lambda message: complaints.append(message.text)
            if "Content Security Policy" in message.text else None)
    return complaints


def _radar_loaded(page: Page) -> dict[str, Any]:
    radar = page.get_by_test_id("portrait-radar")
    expect(radar).to_be_visible()
    loaded: dict[str, Any] = radar.evaluate(
        "img => ({complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,"
        " shown: img.getBoundingClientRect().width, src: img.src.slice(0, 26)})")
    assert loaded["complete"] and loaded["width"] > 0 and loaded["height"] > 0 and loaded["shown"] > 0, loaded
    assert loaded["src"] == "data:image/svg+xml;base64,"
    return loaded


def test_the_enterprise_sees_its_portrait_and_the_bank_sees_it_on_the_order(page: Page) -> None:
    complaints = _watch_csp(page)
    login(page, "enterprise.demo", home="/enterprise")
    portrait = page.get_by_test_id("portrait")
    expect(portrait).to_contain_text("信用画像")
    _radar_loaded(page)
    expect(page.get_by_test_id("portrait-dimensions").get_by_role("row")).to_have_count(7)  # header + six
    for label in ("身份稳定", "经营状况", "合规守信", "财务纳税", "司法涉诉", "社会责任"):
        expect(page.get_by_test_id("portrait-dimensions")).to_contain_text(label)
    suggestions = page.get_by_test_id("portrait-suggestions").get_by_role("listitem")
    expect(suggestions.first).to_contain_text("预计可提升约")

    _order_path, order_no = apply_for_chongxindai(page)
    expect(page.get_by_test_id("portrait")).to_have_count(0)  # the enterprise's order view has no bank section
    logout(page)

    login(page, "bank.officer", home="/bank/workbench")
    open_order_from_table(page, order_no)
    expect(page.get_by_test_id("portrait")).to_contain_text("信用画像")
    _radar_loaded(page)
    expect(page.get_by_test_id("portrait-suggestions")).to_have_count(0)
    assert complaints == []
