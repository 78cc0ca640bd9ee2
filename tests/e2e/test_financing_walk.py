"""The portal in a real browser: an enterprise applies, a bank decides (the officer proposes, the manager approves:
审贷分离), the enterprise sees the outcome.

Runs against the demo district (40 entities, seed 7) served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

PASSWORD = "Demo2026xyd"
ORDER_NO = re.compile(r"XYD\d{16}")
PERCENT = re.compile(r"^\s*(\d+\.\d{2})%\s*$")

expect.set_options(timeout=10_000)


def at(path_pattern: str) -> re.Pattern[str]:
    """A URL on the server whose path (and query) is exactly `path_pattern` (a regular expression)."""
    return re.compile(r"^https?://[^/]+" + path_pattern + "$")


def login(page: Page, username: str, password: str = PASSWORD, *, home: str | None = None) -> None:
    """Log in through the form; with `home`, check the portal lands there with the user signed in."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    if home is not None:
        expect(page).to_have_url(at(re.escape(home)))
        expect(page.get_by_test_id("who")).to_be_visible()


def nav_to(page: Page, label: str) -> None:
    """Follow the main navigation's link `label`, opening the menu it sits in first when it is in one."""
    nav = page.get_by_role("navigation", name="main")
    link = nav.get_by_role("link", name=label, exact=True)
    if not link.is_visible():
        # A closed menu's links are hidden, and role queries skip hidden elements unless told otherwise.
        hidden_link = page.get_by_role("link", name=label, exact=True, include_hidden=True)
        nav.locator("details.navmenu").filter(has=hidden_link).locator("summary").click()
    link.click()


def logout(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(at("/login"))
    expect(page.get_by_test_id("who")).to_have_count(0)


def apply_for_chongxindai(page: Page, *, purpose: str = "采购原材料，补充流动资金") -> tuple[str, str]:
    """From the enterprise home, try 测一测 then apply for 重信贷; return the order's path and number."""
    page.goto("/enterprise")
    page.get_by_test_id("estimate-CHONGXINDAI").click()
    estimate = page.get_by_test_id("estimate-result-CHONGXINDAI").get_by_test_id("estimate")
    expect(estimate).to_contain_text("预估额度")
    expect(estimate).to_contain_text("不提交申请")
    page.get_by_test_id("apply-CHONGXINDAI").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("重信贷")
    page.get_by_label("申请金额").fill("200000")
    page.get_by_label("期限").select_option("12")
    page.get_by_label("还款方式").select_option(label="等额本息")
    page.get_by_label("资金用途").fill(purpose)
    page.get_by_label("我同意授权").check()
    page.get_by_role("button", name="提交申请").click()
    expect(page).to_have_url(at(r"/orders/\d+\?submitted=1"))
    expect(page.get_by_role("status")).to_contain_text("申请已提交")
    match = ORDER_NO.search(page.get_by_role("heading", level=1).inner_text())
    assert match, "the order page's heading carries no order number"
    return urlsplit(page.url).path, match.group()


def open_order_from_table(page: Page, order_no: str) -> None:
    """Click 查看 on the row of `order_no` in the page's order table."""
    row = page.get_by_test_id("orders").get_by_role("row").filter(has_text=order_no)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(order_no)


def bank_accepts(page: Page, order_no: str) -> None:
    """bank.officer finds the order on the workbench, opens it and accepts it."""
    login(page, "bank.officer", home="/bank/workbench")
    open_order_from_table(page, order_no)
    expect(page.get_by_test_id("order-status")).to_have_text("已提交")
    page.get_by_test_id("accept").click()
    expect(page.get_by_test_id("order-status")).to_have_text("银行已受理")


def test_approval_walk(page: Page) -> None:
    login(page, "enterprise.demo", home="/enterprise")
    registry = page.get_by_test_id("registry-card")
    expect(registry).to_be_visible()
    expect(registry).to_contain_text("统一社会信用代码")
    expect(page.get_by_test_id("gate")).to_contain_text("可以申请")

    order_path, order_no = apply_for_chongxindai(page)
    expect(page.get_by_test_id("order-status")).to_have_text("已提交")
    expect(page.get_by_test_id("estimated-line")).to_have_text(re.compile(r"^\s*[\d,]+\.\d{2}\s*$"))
    rate_text = page.get_by_test_id("estimated-rate").inner_text()
    rate = PERCENT.match(rate_text)
    assert rate, f"estimated rate {rate_text!r} is not a percentage"
    assert Decimal("3.50") <= Decimal(rate.group(1)) <= Decimal("8.00"), rate_text
    logout(page)

    bank_accepts(page, order_no)
    # The officer proposes; approving is not theirs to do.
    expect(page.get_by_test_id("approve-form")).to_have_count(0)
    form = page.get_by_test_id("propose-form")
    expect(form).to_be_visible()
    form.get_by_label("授信额度").fill("150000.00")
    form.get_by_test_id("propose").click()
    expect(page.get_by_test_id("order-status")).to_have_text("待审批")
    expect(page.get_by_test_id("proposed-line")).to_contain_text("150,000.00")
    expect(page.get_by_test_id("approve-form")).to_have_count(0)
    expect(page.get_by_test_id("awaiting-approval")).to_be_visible()
    logout(page)

    # The manager approves the proposal from the workbench, and sees what the firm already holds on the platform.
    login(page, "bank.manager", home="/bank/workbench")
    open_order_from_table(page, order_no)
    expect(page.get_by_test_id("order-status")).to_have_text("待审批")
    expect(page.get_by_test_id("exposure")).to_be_visible()
    expect(page.get_by_test_id("propose-form")).to_have_count(0)
    page.get_by_test_id("approve-form").get_by_test_id("approve").click()
    expect(page.get_by_test_id("order-status")).to_have_text("已批准")
    expect(page.get_by_test_id("approve-form")).to_have_count(0)
    logout(page)

    login(page, "enterprise.demo", home="/enterprise")
    open_order_from_table(page, order_no)
    assert page.url.endswith(order_path)
    expect(page.get_by_test_id("order-status")).to_have_text("已批准")
    expect(page.get_by_test_id("decision")).to_be_visible()
    expect(page.get_by_test_id("approved-line")).to_contain_text("150,000.00")
    timeline = page.get_by_test_id("timeline").get_by_role("listitem")
    expect(timeline).to_have_count(4)
    expect(timeline.nth(2)).to_contain_text("待审批")
    expect(timeline.nth(3)).to_contain_text("已批准")


def test_rejection_walk(page: Page) -> None:
    reason = "近两年纳税信息不足，建议补充纳税信用材料后再申请"
    login(page, "enterprise.demo", home="/enterprise")
    _, order_no = apply_for_chongxindai(page, purpose="购置设备")
    logout(page)

    bank_accepts(page, order_no)
    page.get_by_test_id("reject").click()
    error = page.get_by_test_id("form-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("拒绝必须填写原因")
    expect(page.get_by_test_id("order-status")).to_have_text("银行已受理")

    page.get_by_test_id("reject-form").get_by_label("拒绝原因").fill(reason)
    page.get_by_test_id("reject").click()
    expect(page.get_by_test_id("order-status")).to_have_text("已拒绝")
    expect(page.get_by_test_id("form-error")).to_have_count(0)
    logout(page)

    login(page, "enterprise.demo", home="/enterprise")
    open_order_from_table(page, order_no)
    expect(page.get_by_test_id("order-status")).to_have_text("已拒绝")
    expect(page.get_by_test_id("rejection-reason")).to_have_text(reason)


def test_late_annual_report_blocks_the_application(page: Page) -> None:
    login(page, "enterprise.late", home="/enterprise")
    expect(page.get_by_test_id("gate")).to_contain_text("年度年报")
    page.get_by_test_id("estimate-CHONGXINDAI").click()
    expect(page.get_by_test_id("estimate-error")).to_contain_text(re.compile(r"尚未报送\d{4}年度年报"))
    page.get_by_test_id("apply-CHONGXINDAI").click()
    blocked = page.get_by_test_id("gate-blocked")
    expect(blocked).to_be_visible()
    expect(blocked).to_contain_text(re.compile(r"尚未报送\d{4}年度年报"))
    link = blocked.get_by_role("link", name="前往办理").first
    expect(link).to_have_attribute("href", re.compile(r"^https://www\.gsxt\.gov\.cn/?"))
    expect(page.get_by_role("button", name="提交申请")).to_have_count(0)
    expect(page.locator("form[action^='/enterprise/apply']")).to_have_count(0)
    expect(page.get_by_label("申请金额")).to_have_count(0)


def test_another_bank_cannot_open_the_order(page: Page) -> None:
    login(page, "enterprise.demo", home="/enterprise")
    order_path, order_no = apply_for_chongxindai(page, purpose="店面装修")
    logout(page)

    login(page, "bank2.officer", home="/bank/workbench")
    page.get_by_test_id("filter-all").click()  # htmx swaps the queue and pushes the URL
    expect(page).to_have_url(at(re.escape("/bank/workbench?view=all")))
    expect(page.get_by_test_id("filter-all")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.get_by_test_id("orders")).not_to_contain_text(order_no)

    response = page.goto(order_path)
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("未找到该订单")
    expect(page.get_by_test_id("order-status")).to_have_count(0)
    expect(page.get_by_test_id("estimate")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(order_no)


def test_wrong_password_is_refused(page: Page) -> None:
    with page.expect_response(lambda r: r.request.method == "POST" and urlsplit(r.url).path == "/login") as answer:
        login(page, "admin", "not-the-password-1")
    assert answer.value.status == 401
    expect(page).to_have_url(at("/login"))
    expect(page.get_by_test_id("form-error")).to_have_text("用户名或密码不正确")
    expect(page.get_by_test_id("who")).to_have_count(0)
