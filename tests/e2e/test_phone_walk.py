"""The portal on a phone (390 px wide): every demo login's navigation stays on one line inside the screen, its
menus open, and tables keep readable columns (scrolling sideways) instead of a character a line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_financing_walk import login, nav_to

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
# Every demo login (`xinyidai demo generate` prints them), with a page of theirs with a table where they have one.
LOGINS: list[tuple[str, str | None]] = [
    ("enterprise.demo", "/loans"), ("enterprise.staff", None), ("enterprise.late", None),
    ("bank.officer", "/bank/portfolio"), ("bank.manager", "/bank/portfolio"), ("guarantor", "/guarantee"),
    ("agency", None), ("ndrc", "/admin/coverage"), ("tax.data", "/data/batches"), ("amr.data", "/data/batches"),
    ("law.data", "/data/batches"), ("admin", "/admin/users"), ("institution.admin", None),
    ("grid.worker", "/outreach/me")]


@pytest.fixture
def phone(browser: Any, server: LiveServer) -> Iterator[Page]:
    """A page the size of a phone's screen, touch and all."""
    context = browser.new_context(base_url=server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _bar(page: Page) -> list[dict[str, float]]:
    """The boxes of the navigation bar's items (links and menus)."""
    boxes: list[dict[str, float]] = page.eval_on_selector_all(
        "nav.mainnav > a, nav.mainnav > details > summary",
        "items => items.map(i => { const r = i.getBoundingClientRect(); return {top: r.top, right: r.right}; })")
    return boxes


@pytest.mark.parametrize(("username", "table_page"), LOGINS)
def test_the_navigation_fits_one_line_and_tables_stay_readable_on_a_phone(phone: Page, username: str,
                                                                          table_page: str | None) -> None:
    login(phone, username)
    expect(phone.get_by_test_id("who")).to_have_count(1)
    bar = _bar(phone)
    assert bar, "no navigation"
    assert len({round(box["top"]) for box in bar}) == 1, f"the bar wraps: {bar}"
    assert max(box["right"] for box in bar) <= PHONE["width"], f"the bar runs off the screen: {bar}"

    if table_page is None:
        return
    phone.goto(table_page)
    cells = phone.eval_on_selector_all(
        "main table th, main table td",
        "cells => cells.filter(c => c.textContent.trim().length >= 2).map(c => ({text: c.textContent.trim(),"
        " width: c.getBoundingClientRect().width, size: parseFloat(getComputedStyle(c).fontSize)}))")
    assert cells, f"{table_page} shows no table"
    squeezed = [c["text"] for c in cells if c["width"] < 2.5 * c["size"]]
    assert squeezed == [], f"columns squeezed below two characters on {table_page}: {squeezed[:5]}"


def test_a_menu_opens_on_a_phone_and_leads_to_its_page(phone: Page) -> None:
    login(phone, "enterprise.demo")
    nav_to(phone, "我的授权")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert phone.url.endswith("/authorisations")
