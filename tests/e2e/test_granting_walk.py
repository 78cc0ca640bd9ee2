"""The portal in a real browser: the enterprise authorises a bank to download its credit report on 我的授权
(summary, then confirm), the bank downloads the PDF under the reference, the enterprise revokes, the bank is
refused, and the enterprise sees the refused attempt on 谁查看了我的信息.

Runs against the demo district served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_financing_walk import at, login, logout, nav_to

pytestmark = pytest.mark.e2e

BANK = "渝南城市商业银行南岸支行"


def _request_report(page: Page, uscc: str, reference: str) -> None:
    page.goto("/credit-reports")
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("授权业务编号").fill(reference)


def test_the_enterprise_grants_a_report_download_the_bank_downloads_then_is_refused_once_revoked(page: Page) -> None:
    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file")
    uscc = page.get_by_test_id("file-uscc").inner_text().strip()
    nav_to(page, "我的授权")
    expect(page).to_have_url(at("/authorisations"))
    page.get_by_test_id("new-authorisation").click()
    expect(page).to_have_url(at("/authorisations/new"))
    page.get_by_label("被授权机构").select_option(label=f"{BANK}（银行）")
    page.get_by_label("信用报告下载").check()
    page.get_by_label("登记注册信息").check()
    page.get_by_label("有效期（天，1至365）").fill("30")
    page.get_by_label("有效期内多次").check()
    page.get_by_test_id("grant-preview").click()
    summary = page.get_by_test_id("grant-summary")
    expect(summary).to_contain_text(f"被授权机构：{BANK}")
    expect(summary).to_contain_text("授权用途：信用报告下载")
    expect(summary).to_contain_text("有效期：自确认起30天")
    page.get_by_test_id("grant-confirm").click()
    expect(page).to_have_url(at(r"/authorisations\?granted=\d+"))
    reference = page.get_by_test_id("granted-ref").inner_text().strip()
    assert reference.startswith("RPT")
    logout(page)

    login(page, "bank.officer")
    _request_report(page, uscc, reference)
    with page.expect_download(timeout=60_000) as download_info:  # a report sets its CJK font: slow when busy
        page.get_by_test_id("report-request-submit").click(timeout=60_000)
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    logout(page)

    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/authorisations")
    row = page.locator("tr", has_text=reference)
    row.get_by_role("link", name="撤销授权").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认撤销授权")  # one click does not revoke
    page.get_by_role("button", name="确认撤销").click()
    expect(page.get_by_test_id("revoked-notice")).to_be_visible()
    expect(page.locator("tr", has_text=reference)).to_contain_text("已撤销")
    logout(page)

    login(page, "bank.officer")
    _request_report(page, uscc, reference)
    page.get_by_test_id("report-request-submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("撤销")
    logout(page)

    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file/access-log")
    expect(page.get_by_test_id("access-log")).to_contain_text("查询被拒绝：授权已撤销")
    expect(page.get_by_test_id("access-log")).to_contain_text(BANK)
