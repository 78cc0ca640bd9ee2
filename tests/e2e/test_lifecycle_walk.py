"""The order's whole life in a real browser: one need sent to several banks (three where the shelf has three
banks whose products fit it), one approves, the firm accepts its offer and the others show withdrawn; then a renewal
(续贷) of the line it opened, requested by the firm and approved by maker-checker.

Runs against the demo district served by `xinyidai serve` (see conftest.py). The renewal window opens 90 days
before a line expires; the line opened in this walk is brought there by moving its expiry in the server's database
(as if it had been opened ten months ago), the one fact the walk cannot wait for.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import LiveServer
from tests.e2e.test_financing_walk import at, login, logout
from xinyidai.workdays import add_months

pytestmark = pytest.mark.e2e

ORDER_NO = re.compile(r"XYD\d{16}")

expect.set_options(timeout=10_000)

PICK_PRODUCTS = """() => {
  // Up to three products of different banks whose terms fit 200,000 yuan over 12 months, equal installments,
  // 重信贷 first (its bank decides in this walk).
  const boxes = [...document.querySelectorAll('input[name=product_ids]')];
  const ours = (box) => box.dataset.testid === 'need-product-CHONGXINDAI';
  boxes.sort((a, b) => ours(b) - ours(a));
  const banks = new Set(); const picked = [];
  for (const box of boxes) {
    const fits = box.dataset.terms.split(',').includes('12')
      && box.dataset.methods.split(',').includes('equal_installment')
      && Number(box.dataset.min) <= 20000000 && Number(box.dataset.max) >= 20000000;
    if (fits && !banks.has(box.dataset.bank) && picked.length < 3) {
      banks.add(box.dataset.bank); picked.push(box.dataset.testid);
    }
  }
  return picked;
}"""


def _bank_decides(page: Page, order_path: str, *, line: str = "200000.00") -> None:
    """bank.officer accepts and proposes, bank.manager approves."""
    login(page, "bank.officer", home="/bank/workbench")
    page.goto(order_path)
    page.get_by_test_id("accept").click()
    form = page.get_by_test_id("propose-form")
    form.get_by_label("授信额度").fill(line)
    form.get_by_label("期限").select_option("12")
    form.get_by_test_id("propose").click()
    expect(page.get_by_test_id("order-status")).to_have_text("待审批")
    logout(page)
    login(page, "bank.manager", home="/bank/workbench")
    page.goto(order_path)
    page.get_by_test_id("approve-form").get_by_test_id("approve").click()
    logout(page)


def test_need_to_several_banks_then_renewal_walk(page: Page, server: LiveServer) -> None:
    login(page, "enterprise.demo", home="/enterprise")
    page.get_by_test_id("send-need").click()
    expect(page).to_have_url(at("/enterprise/needs/new"))
    picked = page.evaluate(PICK_PRODUCTS)
    assert picked[0] == "need-product-CHONGXINDAI" and len(picked) >= 2, picked
    for testid in picked:
        page.get_by_test_id(testid).check()
    page.get_by_label("申请金额").fill("200000")
    page.get_by_label("期限（月）").fill("12")
    page.get_by_label("还款方式").select_option(label="等额本息")
    page.get_by_label("资金用途").fill("扩大生产，采购设备")
    page.get_by_test_id("need-authorise").check()
    page.get_by_test_id("need-submit").click()
    expect(page).to_have_url(at(r"/enterprise/needs/\d+\?sent=1"))
    need_path = "/" + page.url.split("?")[0].split("://", 1)[1].split("/", 1)[1]
    rows = page.get_by_test_id("need-orders").locator("tbody tr")
    expect(rows).to_have_count(len(picked))
    expect(page.get_by_test_id("need-status")).to_have_text("进行中")
    ours = page.get_by_test_id("need-order-重信贷")
    order_no = ours.get_by_role("link").inner_text()
    assert ORDER_NO.fullmatch(order_no)
    ours.get_by_role("link").click()
    order_path = "/" + page.url.split("://", 1)[1].split("/", 1)[1]
    logout(page)

    # 重信贷's bank approves: an offer that waits for the firm.
    _bank_decides(page, order_path)
    login(page, "enterprise.demo", home="/enterprise")
    page.goto(order_path)
    expect(page.get_by_test_id("order-status")).to_have_text("已批准，待企业接受")
    page.get_by_test_id("compare-offers").click()
    expect(page).to_have_url(at(re.escape(need_path)))
    offer = page.get_by_test_id("need-order-重信贷")
    offer.get_by_role("button", name="接受该批复").click()
    # The confirmation box is required: nothing happens until it is ticked.
    expect(page).to_have_url(at(re.escape(need_path)))
    offer.get_by_role("checkbox").check()
    offer.get_by_role("button", name="接受该批复").click()
    expect(page).to_have_url(at(re.escape(need_path) + r"\?accepted=1"))
    expect(page.get_by_test_id("offer-accepted")).to_be_visible()
    expect(page.get_by_test_id("need-status")).to_have_text("已选定银行")
    statuses = page.get_by_test_id("need-order-status")
    expect(statuses).to_have_count(len(picked))
    expect(page.get_by_test_id("need-order-重信贷").get_by_test_id("need-order-status")).to_have_text("已批准")
    for index in range(len(picked)):
        row = rows.nth(index)
        if "重信贷" not in row.inner_text():
            expect(row.get_by_test_id("need-order-status")).to_have_text("已撤回")

    # The line opened for 重信贷 alone. Bring it into the renewal window (as if opened ten months ago).
    page.goto("/loans")
    expiry = date.today() + timedelta(days=60)
    engine = create_engine(server.database_url)
    with engine.begin() as connection:
        line_id = connection.execute(text(
            "UPDATE credit_line SET valid_until = :expiry WHERE order_id = "
            "(SELECT id FROM financing_order WHERE order_no = :no) RETURNING id"),
            {"expiry": expiry, "no": order_no}).scalar_one()
    engine.dispose()
    page.goto("/loans")
    page.get_by_test_id(f"request-renewal-{line_id}").click()
    expect(page.get_by_test_id("line-valid-until")).to_have_text(expiry.isoformat())
    page.get_by_label("续贷原因").fill("经营稳定，订单增长，申请无还本续贷")
    page.get_by_test_id("renewal-authorise").check()
    page.get_by_test_id("renewal-submit").click()
    expect(page).to_have_url(at(r"/orders/\d+\?submitted=1"))
    expect(page.get_by_test_id("order-kind")).to_have_text("续贷申请")
    renewal_path = "/" + page.url.split("?")[0].split("://", 1)[1].split("/", 1)[1]
    logout(page)

    _bank_decides(page, renewal_path)
    login(page, "enterprise.demo", home="/enterprise")
    page.goto(renewal_path)
    expect(page.get_by_test_id("order-status")).to_have_text("已批准")
    page.goto("/loans")
    renewed_until = add_months(expiry, 12)  # the demo's 重信贷 lines are valid 12 months
    expect(page.get_by_test_id(f"line-{line_id}").get_by_test_id("line-validity")).to_contain_text(
        renewed_until.isoformat())
