"""The portal in a real browser: the enterprise downloads its credit report from its credit file, and anyone checks
it on the public verification page by the code printed on it and by the file itself.

Runs against the demo district served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_financing_walk import at, login, logout, nav_to
from tests.integration.creditdata.test_creditdata_report import embedded_fonts, pdf_text

pytestmark = pytest.mark.e2e

CODE = re.compile(r"校验码：([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})")


def test_the_enterprise_downloads_its_report_and_the_public_page_verifies_it(page: Page, tmp_path: Path,
                                                                            server: LiveServer) -> None:
    login(page, "enterprise.demo", home="/enterprise")
    nav_to(page, "我的信用档案")
    expect(page).to_have_url(at("/credit-file"))
    name = page.get_by_role("heading", level=1).inner_text().split("·")[-1].strip()
    # Setting a report embeds and subsets the whole CJK font: on a busy machine that outlasts the default wait.
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="下载信用报告（PDF，免费）").click(timeout=60_000)
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf") and "企业信用报告" in download.suggested_filename
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "企业信用报告" in text and name in text
    assert all(embedded for _, embedded in embedded_fonts(pdf))
    # Verified where the platform is served (no XINYIDAI_PUBLIC_URL outside production: the request's address).
    assert f"{server.url}/verify-report" in text
    match = CODE.search(text)
    assert match, text[:400]
    saved = tmp_path / "信用报告.pdf"
    saved.write_bytes(pdf)
    logout(page)

    # Anyone, not logged in: the code alone, then the code with the file.
    page.goto("/verify-report")
    page.get_by_label("校验码").fill(match.group(1).lower())
    page.get_by_test_id("verify-submit").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_have_attribute("data-status", "genuine")
    expect(page.get_by_test_id("verify-subject")).to_have_text(name)
    expect(page.get_by_test_id("verify-file")).to_have_text("未上传文件")
    page.get_by_label("报告文件（可选，PDF）").set_input_files(saved)
    page.get_by_test_id("verify-submit").click()
    expect(page.get_by_test_id("verify-file")).to_have_text("文件与平台出具的报告一致")
    # A code the platform never issued.
    page.get_by_label("校验码").fill("0000-0000-0000-0000")
    page.get_by_test_id("verify-submit").click()
    expect(page.get_by_test_id("verify-result")).to_have_attribute("data-status", "not_found")
