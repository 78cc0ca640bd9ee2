"""The commission in a real browser: its statistics dashboard (figures beside targets, interactive charts drawn by
the platform's own plotly.js), and last month's report generated, downloaded and opened — the workbook's sheets
read back with openpyxl and the PDF's pages with pypdf.

Runs against the demo district served by `xinyidai serve`; see conftest.py.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import LiveServer
from tests.e2e.test_financing_walk import at, login

pytestmark = pytest.mark.e2e


def test_the_commission_reads_its_dashboard_and_downloads_a_monthly_report(page: Page, server: LiveServer) -> None:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    login(page, "ndrc", home="/supervision/statistics")
    expect(page.get_by_role("heading", level=1)).to_have_text("统计与月报")
    # The demo district has firms and loans: the figures are not all nothing, and targets sit beside them.
    expect(page.get_by_test_id("value-registered_firms")).not_to_have_text("0")
    expect(page.get_by_test_id("target-registration_share")).to_contain_text("20.00%")
    expect(page.get_by_test_id("target-amount_financed_total")).to_contain_text("20,000,000,000.00")
    # Every chart is drawn in the browser, from the platform's own script (no CDN).
    charts = page.locator(".chart-plot")
    expect(charts).to_have_count(7)
    expect(page.locator(".chart-plot[data-drawn=true]")).to_have_count(7, timeout=30_000)
    assert page.locator(".chart-plot .main-svg").count() >= 7
    assert all(url.startswith(server.url) for url in fetched), [u for u in fetched if not u.startswith(server.url)]

    # Last month's report, generated from the page (the field holds last month already).
    month = page.get_by_label("月份", exact=True).input_value()
    assert re.fullmatch(r"20[0-9]{2}-[01][0-9]", month)
    page.get_by_test_id("generate").click(timeout=60_000)
    expect(page.get_by_test_id("report-generated")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id(f"report-{month}")).to_be_visible()

    with page.expect_download(timeout=60_000) as workbook_info:
        page.get_by_test_id(f"xlsx-{month}").click()
    workbook = workbook_info.value
    assert workbook.suggested_filename.endswith(f"{month}.xlsx")
    book = load_workbook(io.BytesIO(Path(workbook.path()).read_bytes()))
    assert book.sheetnames[0] == "总体指标" and book.sheetnames[-1] == "统计口径"
    assert {"按镇街", "信息归集（按部门）", "超期未办结融资申请（按银行）", "近期各月"} <= set(book.sheetnames)
    overview = {row[0]: row for row in book["总体指标"].iter_rows(min_row=5, values_only=True) if row[0]}
    assert overview["registered_firms"][1] == "注册企业数"
    # The demo's loans go back 150 days: last month's report has money lent by its end.
    assert float(str(overview["amount_financed_total"][2])) > 0
    definitions = [row[3] for row in book["统计口径"].iter_rows(min_row=2, values_only=True)]
    assert all(definitions) and len(definitions) == len(overview)

    with page.expect_download(timeout=60_000) as pdf_info:
        page.get_by_test_id(f"pdf-{month}").click()
    pdf = Path(pdf_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    text = re.sub(r"[\s\x00]+", "", "".join(p.extract_text() for p in pages))
    assert f"融资信用服务平台月报（{month}）" in text and "目标完成进度" in text and "统计口径" in text
    expect(page).to_have_url(at(r"/supervision/statistics\?month=.*"))
