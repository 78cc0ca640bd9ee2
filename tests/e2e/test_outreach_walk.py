"""The roll-out in a browser: a grid worker's QR link, opened on a merchant's phone, registers the merchant; the
commission's coverage counts move and the merchant is the grid worker's; the grid worker logs the visit on a
phone-sized page; a link with an unknown code says so and offers no form."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from tests.e2e.test_financing_walk import login
from xinyidai import db
from xinyidai.outreach.models import GridWorker
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import id_check_char, uscc_check_char
from xinyidai.registry.schemas import EnterpriseCreate

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
NEW_USCC_FIRST17 = "92500108MA0WGY001"
NEW_USCC = NEW_USCC_FIRST17 + uscc_check_char(NEW_USCC_FIRST17)
NEW_ID_FIRST17 = "50010819850606123"
NEW_ID = NEW_ID_FIRST17 + id_check_char(NEW_ID_FIRST17)
MERCHANT = "南岸区扫码注册测试商行"


def _totals(page: Page) -> dict[str, int]:
    """The district's coverage figures as the commission's page shows them."""
    page.goto("/outreach/coverage")
    return {figure: int(page.get_by_test_id(f"total-{figure}").inner_text())
            for figure in ("merchants", "visited", "registered", "credited", "financed")}


def _referred(page: Page, name: str) -> int:
    """How many merchants the page's attribution table says the grid worker `name` brought in."""
    row = page.get_by_test_id("attribution").locator("tr", has_text=name)
    return int(row.locator("td").nth(2).inner_text())


def _new_merchant_in(server: LiveServer, code: str) -> None:
    """Market supervision registers a new merchant in the grid worker's community (as its feed would)."""
    database = db.Database(server.database_url)
    try:
        with database.session_factory() as session:
            worker = session.scalars(select(GridWorker).where(GridWorker.code == code)).one()
            community = registry_service.get_community(session, community_id=worker.community_id)
            registry_service.create(session, enterprise_in=EnterpriseCreate(
                uscc=NEW_USCC, name=MERCHANT, kind="individual_business", legal_rep_name="郑扫码",
                legal_rep_id_number=NEW_ID, registration_date=date(2024, 3, 1), industry_code="F52",
                district_area_id=community.district_area_id, community_id=community.id,
                last_annual_report_year=2025))
            session.commit()
    finally:
        database.engine.dispose()


def test_a_grid_workers_qr_link_registers_a_merchant_and_the_coverage_moves(browser: Any, page: Page,
                                                                            server: LiveServer) -> None:
    phone_context = browser.new_context(base_url=server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                        viewport=PHONE, is_mobile=True, has_touch=True)
    phone_context.set_default_timeout(10_000)
    grid = phone_context.new_page()
    # The grid worker's page, on a phone: the QR code and the link it carries.
    login(grid, "grid.worker")
    expect(grid).to_have_url(re.compile(r"/outreach/me$"))  # the grid worker lands on their own page
    expect(grid.get_by_test_id("grid-qr")).to_be_visible()
    link = grid.get_by_test_id("grid-link").inner_text()
    code = grid.get_by_test_id("grid-code").inner_text()
    assert link.endswith(f"/r/{code}")
    worker_name = grid.get_by_test_id("grid-name").inner_text()

    login(page, "ndrc")
    before = _totals(page)
    referred_before = _referred(page, worker_name)
    _new_merchant_in(server, code)
    after_feed = _totals(page)
    assert after_feed["merchants"] == before["merchants"] + 1
    assert after_feed["registered"] == before["registered"]

    # The merchant scans the code on their own phone: a fresh browser with nobody logged in.
    merchant_context = browser.new_context(base_url=server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                           viewport=PHONE, is_mobile=True, has_touch=True)
    merchant_context.set_default_timeout(10_000)
    merchant = merchant_context.new_page()
    try:
        merchant.goto(link)
        expect(merchant.get_by_test_id("referrer")).to_contain_text(worker_name)
        merchant.get_by_label("统一社会信用代码").fill(NEW_USCC)
        merchant.get_by_label("法定代表人（经营者）姓名").fill("郑扫码")
        merchant.get_by_label("身份证号码").fill(NEW_ID)
        merchant.get_by_label("用户名").fill("saoma.shop")
        merchant.get_by_label("显示名称").fill("郑扫码")
        merchant.get_by_label("密码", exact=True).fill("Saoma2026shop")
        merchant.get_by_role("button", name="注册").click()
        expect(merchant).to_have_url(re.compile(r"/login$"))
        expect(merchant.get_by_role("status")).to_contain_text("注册成功")

        # A wrong code: a clear message, no form, nothing stored.
        merchant.goto("/r/WRONG999")
        expect(merchant.get_by_role("alert")).to_contain_text("推广码无效")
        expect(merchant.get_by_label("身份证号码")).to_have_count(0)
    finally:
        merchant_context.close()

    after = _totals(page)
    assert after["registered"] == after_feed["registered"] + 1
    # The coverage chart is the portal's interactive chart, drawn in the browser from the same figures.
    chart = page.get_by_test_id("coverage-chart")
    expect(chart.locator(".chart-plot[data-drawn=true]")).to_have_count(1, timeout=30_000)
    assert chart.locator(".chart-plot .main-svg").count() >= 1
    drawn = dict(chart.locator(".chart-plot").evaluate(
        "e => JSON.parse(e.dataset.figure).data.map(t => [t.name, t.y.reduce((a, b) => a + b, 0)])"))
    assert drawn["已注册"] == after["registered"] and drawn["登记在册"] == after["merchants"]
    assert after["merchants"] == after_feed["merchants"]
    assert _referred(page, worker_name) == referred_before + 1

    # The grid worker logs the visit from the phone; the merchant counts as visited.
    grid.goto(f"/outreach/me?uscc={NEW_USCC}")
    expect(grid.get_by_label("统一社会信用代码")).to_have_value(NEW_USCC)
    grid.get_by_label("走访结果").select_option("registered")
    grid.get_by_label("备注").fill("扫码注册")
    grid.get_by_role("button", name="保存走访记录").click()
    expect(grid.get_by_role("status")).to_contain_text("走访已记录")
    expect(grid.get_by_test_id("visits")).to_contain_text(MERCHANT)
    width = grid.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1  # the page fits the phone: no sideways scrolling of the whole page
    phone_context.close()
    assert _totals(page)["visited"] == after["visited"] + 1
