"""The portal in a real browser: the firm's clerk (经办人) prepares a 365-day, multi-use authorisation for a bank to
download the credit report and submits it for the administrator's confirmation (提交管理员确认); the administrator
finds it waiting on 我的授权 with who prepared it, and confirms it; only then does the bank download the report.

Runs against the demo district served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_financing_walk import at, login, logout, nav_to

pytestmark = pytest.mark.e2e

BANK = "渝南城市商业银行南岸支行"
CLERK_NAME = "财务经办人"


def test_the_clerk_prepares_a_grant_and_the_administrator_confirms_it(page: Page) -> None:
    login(page, "enterprise.staff", home="/enterprise")
    nav_to(page, "我的授权")
    page.get_by_test_id("new-authorisation").click()
    page.get_by_label("被授权机构").select_option(label=f"{BANK}（银行）")
    page.get_by_label("信用报告下载").check()
    page.get_by_label("登记注册信息").check()
    page.get_by_label("有效期（天，1至365）").fill("365")
    page.get_by_label("有效期内多次").check()
    page.get_by_test_id("grant-preview").click()
    expect(page.get_by_test_id("grant-summary")).to_contain_text("有效期：自确认起365天")
    expect(page.get_by_test_id("grant-confirm")).to_have_count(0)  # the clerk cannot grant
    page.get_by_role("button", name="提交管理员确认").click()
    expect(page).to_have_url(at(r"/authorisations/drafts/\d+\?prepared=1"))
    expect(page.get_by_test_id("draft-prepared-notice")).to_be_visible()
    expect(page.get_by_test_id("draft-waiting")).to_be_visible()
    expect(page.get_by_test_id("draft-confirm")).to_have_count(0)
    draft_path = urlsplit(page.url).path
    logout(page)

    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file")
    uscc = page.get_by_test_id("file-uscc").inner_text().strip()
    nav_to(page, "我的授权")
    drafts = page.get_by_test_id("authorisation-drafts")
    expect(drafts).to_contain_text(CLERK_NAME)
    expect(drafts).to_contain_text(BANK)
    drafts.locator(f'a[href="{draft_path}"]').click()
    expect(page).to_have_url(at(draft_path))
    expect(page.get_by_test_id("draft-preparer")).to_contain_text(CLERK_NAME)
    expect(page.get_by_test_id("draft-summary")).to_contain_text("授权方式：有效期内多次")
    page.get_by_test_id("draft-confirm").click()
    expect(page).to_have_url(at(r"/authorisations\?granted=\d+"))
    reference = page.get_by_test_id("granted-ref").inner_text().strip()
    assert reference.startswith("RPT")
    expect(page.get_by_test_id("authorisation-drafts")).to_have_count(0)
    logout(page)

    login(page, "bank.officer")
    page.goto("/credit-reports")
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("授权业务编号").fill(reference)
    with page.expect_download(timeout=60_000) as download_info:  # a report sets its CJK font: slow when busy
        page.get_by_test_id("report-request-submit").click(timeout=60_000)
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF-")
