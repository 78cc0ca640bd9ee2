"""The portal in a real browser: a department uploads a file with a bad row, fixes it from the error report,
and the enterprise finds the record in its credit file.

Runs against the demo district (40 entities, seed 7) served by `xinyidai serve`; see conftest.py. The demo
binds the tax bureau to its organisation and gives it the data officer `tax.data`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_financing_walk import at, login, logout, nav_to

pytestmark = pytest.mark.e2e

HEADER = "统一社会信用代码,电子税票号码,所属期,税种,实缴金额（元）,缴款日期"
VOUCHER_OK, VOUCHER_BAD = "E2E-2026-0001", "E2E-2026-0002"


def test_a_department_upload_with_a_bad_row_reaches_the_credit_file(page: Page, tmp_path: Path) -> None:
    # The enterprise's code, as its own credit file prints it.
    login(page, "enterprise.demo", home="/enterprise")
    nav_to(page, "我的信用档案")
    expect(page).to_have_url(at("/credit-file"))
    uscc = page.get_by_test_id("file-uscc").inner_text().strip()
    expect(page.get_by_text(VOUCHER_OK)).to_have_count(0)
    logout(page)

    # The tax bureau's officer uploads two payments; the second has a negative amount.
    upload = tmp_path / "纳税缴纳-2026年10月.csv"
    upload.write_text(f"{HEADER}\n{uscc},{VOUCHER_OK},2026-09,增值税,\"1,234.50\",2026-10-15\n"
                      f"{uscc},{VOUCHER_BAD},2026-09,企业所得税,-300,2026-10-15\n", encoding="utf-8")
    login(page, "tax.data", home="/data/uploads")
    page.get_by_label("信息项").select_option("tax_payment")
    page.get_by_label("数据文件（CSV 或 XLSX）").set_input_files(upload)
    page.get_by_test_id("upload").click()
    expect(page).to_have_url(at(r"/data/batches/\d+\?uploaded=1"))
    expect(page.get_by_test_id("batch-status")).to_have_text("已入库")
    expect(page.get_by_test_id("rows-stored")).to_have_text("1")
    expect(page.get_by_test_id("rows-rejected")).to_have_text("1")
    refused = page.get_by_test_id("row-error")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("不能为负数")
    expect(refused).to_contain_text(VOUCHER_BAD)

    # The error report: the refused row in the file's columns with the reason; fixed, it goes back in.
    with page.expect_download() as download_info:
        page.get_by_test_id("error-report").click()
    report = Path(download_info.value.path()).read_bytes()
    assert report.startswith("\ufeff".encode())
    lines = report.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER + ",错误原因" and len(lines) == 2 and VOUCHER_BAD in lines[1]
    fixed = tmp_path / "错误报告-已修正.csv"
    fixed.write_bytes(report.decode("utf-8-sig").replace(",-300,", ",300,").encode("utf-8-sig"))
    page.get_by_role("link", name="继续上传").click()
    expect(page.get_by_label("信息项")).to_have_value("tax_payment")
    page.get_by_label("数据文件（CSV 或 XLSX）").set_input_files(fixed)
    page.get_by_test_id("upload").click()
    expect(page).to_have_url(at(r"/data/batches/\d+\?uploaded=1"))
    expect(page.get_by_test_id("rows-stored")).to_have_text("1")
    expect(page.get_by_test_id("rows-rejected")).to_have_text("0")
    nav_to(page, "批次记录")
    expect(page.get_by_test_id("batches").get_by_text("纳税缴纳-2026年10月.csv")).to_have_count(1)
    logout(page)

    # The enterprise finds both payments in its file, with their source.
    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file")
    tax = page.get_by_test_id("file-item-tax_payment")
    for voucher, amount in ((VOUCHER_OK, "1,234.50"), (VOUCHER_BAD, "300.00")):
        row = tax.get_by_role("row").filter(has_text=voucher)
        expect(row).to_have_count(1)
        expect(row).to_contain_text(amount)
        expect(row).to_contain_text("物理归集")
