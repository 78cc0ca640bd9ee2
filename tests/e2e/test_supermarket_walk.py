"""The financial supermarket in a real browser, as a visitor who has not logged in: from the home page to the
shelf, narrowed by lender and amount, one product's page (which asks them to log in to apply), and the district's
policy pages.

Runs against the demo district served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_financing_walk import login

pytestmark = pytest.mark.e2e


def test_a_visitor_browses_the_shelf_and_the_policies_without_logging_in(page: Page, server: LiveServer) -> None:
    page.goto("/")
    page.get_by_test_id("to-supermarket").click()
    expect(page).to_have_url(re.compile(r"/supermarket$"))
    shelf = page.get_by_test_id("shelf")
    expect(shelf.get_by_test_id("shelf-CHONGXINDAI")).to_be_visible()
    every = int(page.get_by_test_id("shelf-count").inner_text())
    assert every >= 2

    # One lender only: every row left names it.
    lender = page.get_by_label("金融机构")
    chosen = lender.locator("option").nth(1).inner_text()
    lender.select_option(label=chosen)
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"lender=\d+"))
    rows = shelf.locator("tbody tr")
    assert 0 < rows.count() < every
    for i in range(rows.count()):
        expect(rows.nth(i)).to_contain_text(chosen)

    # An amount no product lends: nothing, said in words.
    page.goto("/supermarket?amount_wan=99999")
    expect(page.get_by_test_id("shelf-count")).to_have_text("0")
    expect(shelf).to_contain_text("没有符合条件的产品")
    page.goto("/supermarket?term_months=abc")
    expect(page.get_by_test_id("form-error")).to_contain_text("期限")

    page.goto("/supermarket")
    page.get_by_test_id("shelf-CHONGXINDAI").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("重信贷")
    expect(page.get_by_test_id("product-terms")).to_contain_text("3.50%")
    expect(page.get_by_role("link", name="登录", exact=True).last).to_be_visible()

    page.goto("/supermarket")
    page.get_by_role("link", name="全部政策").click()
    page.get_by_label("关键词").fill("52号")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("main")).to_contain_text("国办发〔2021〕52号")
    page.get_by_role("link", name="加强信用信息共享应用促进中小微企业融资实施方案").click()
    expect(page.get_by_test_id("policy-article")).to_contain_text("国务院办公厅")


def test_a_firm_sees_the_shelf_matched_to_it_and_why(page: Page, server: LiveServer) -> None:
    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/supermarket")
    page.get_by_test_id("to-matches").click()
    expect(page).to_have_url(re.compile(r"/supermarket/matches$"))
    eligible = page.get_by_test_id("eligible")
    expect(eligible.locator("tbody tr").first).to_contain_text("第1名")
    assert int(page.get_by_test_id("eligible-count").inner_text()) >= 3
    # Apart, with a reason in words: the demo shelf has products this firm cannot have (farmers' loans at least).
    ineligible = page.get_by_test_id("ineligible")
    expect(ineligible).to_contain_text("花椒贷")
    expect(ineligible.get_by_test_id(re.compile(r"^ineligible-")).first.locator("li").first).not_to_be_empty()
    # The best-placed product opens its application.
    eligible.get_by_role("link", name="申请融资").first.click()
    expect(page).to_have_url(re.compile(r"/enterprise/apply/\d+$"))
