"""The portal in a real browser: an objection (the enterprise disputes a record, the tax bureau corrects it, the
enterprise finds the new version and the message) and a credit repair (the enterprise applies with evidence,
the law-enforcement bureau approves, the bank no longer sees the record).

Runs against the demo district (40 entities, seed 7) served by `xinyidai serve`; see conftest.py. The demo gives
the tax bureau the data officer `tax.data` and the law-enforcement bureau `law.data`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_financing_walk import apply_for_chongxindai, at, login, logout, nav_to
from xinyidai import clock

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OBJECTION_NO = re.compile(r"YY\d{14}")
PENALTY_NO = "南岸执罚〔2026〕E2E-1号"
PENALTY_HEADER = "统一社会信用代码,处罚决定书文号,违法行为类型,处罚类别,罚没金额（元）,情节,处罚决定日期,处罚机关"


def _evidence(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(PDF)
    return path


def _open_message(page: Page, subject_part: str) -> None:
    page.get_by_test_id("messages-link").click()
    expect(page).to_have_url(at("/messages"))
    message = page.get_by_test_id("message").filter(has_text=subject_part)
    expect(message).to_have_count(1)
    message.get_by_role("button").click()


def test_objection_walk(page: Page, tmp_path: Path) -> None:
    # The enterprise disputes the date of its 2025 tax-credit evaluation (evaluated on 20 April 2026).
    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file")
    grades = page.get_by_test_id("file-item-tax_credit_grade")
    disputed = grades.locator("tr[data-testid^='record-']").filter(has_text="2026-04-20")
    expect(disputed).to_have_count(1)
    disputed.get_by_role("link", name="提出异议").click()
    expect(page).to_have_url(at(r"/rights/objections/new\?record_id=\d+"))
    page.get_by_label("异议理由").fill("2025年度纳税信用评价结果于2026年4月21日作出，平台记录的评价日期有误")
    page.get_by_label("证明材料").set_input_files(_evidence(tmp_path, "评价结果通知书.pdf"))
    page.get_by_role("button", name="提交异议").click()
    expect(page).to_have_url(at(r"/rights/objections/\d+\?filed=1"))
    expect(page.get_by_test_id("objection-status")).to_have_text("处理中")
    match = OBJECTION_NO.search(page.get_by_role("heading", level=1).inner_text())
    assert match, "the objection page's heading carries no objection number"
    number = match.group()
    page.goto("/credit-file")
    expect(grades.locator("tr[data-testid^='record-']").filter(has_text="2026-04-20")
           .get_by_test_id("under-objection")).to_have_text("异议处理中")
    logout(page)

    # The tax bureau finds the task among its messages and corrects the record.
    login(page, "tax.data", home="/data/uploads")
    expect(page.get_by_test_id("unread-count")).not_to_have_text("")
    _open_message(page, number)
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.get_by_test_id("attachment")).to_have_text("评价结果通知书.pdf")
    page.get_by_label("更正（").check()
    page.get_by_label("答复理由").fill("经核对评价档案，评价日期为2026年4月21日，予以更正")
    page.get_by_label("评价日期").fill("2026-04-21")
    page.get_by_role("button", name="提交答复").click()
    expect(page.get_by_test_id("objection-status")).to_have_text("已更正")
    expect(page.get_by_test_id("corrected-record")).to_contain_text("2026-04-21")
    logout(page)

    # The enterprise is told, and its file shows the new version with the old one kept as history.
    login(page, "enterprise.demo", home="/enterprise")
    _open_message(page, f"异议已答复：{number}")
    expect(page.get_by_test_id("answer-reason")).to_contain_text("予以更正")
    page.goto("/credit-file")
    current = grades.locator("tr[data-testid^='record-']").filter(has_text="2026-04-21")
    expect(current).to_have_count(1)
    expect(current.get_by_test_id("corrected-by")).to_contain_text(number)
    expect(current.get_by_test_id("under-objection")).to_have_count(0)
    expect(grades.locator("tr[data-testid^='record-']").filter(has_text="2026-04-20")).to_have_count(0)
    history = grades.locator("details[data-testid^='history-']").filter(has_text="2026-04-20")
    expect(history).to_have_count(1)


def _bank_sees_penalty(page: Page, enterprise_id: int, order_no: str) -> bool:
    response = page.request.get(f"/api/v1/enterprises/{enterprise_id}/credit-file",
                                params={"purpose_ref": order_no})
    assert response.status == 200, response.text()
    return PENALTY_NO in response.text()


def test_credit_repair_walk(page: Page, tmp_path: Path) -> None:
    # The enterprise's code and id, and an order that authorises the bank to read its file.
    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file")
    uscc = page.get_by_test_id("file-uscc").inner_text().strip()
    enterprise_id = page.request.get("/api/v1/enterprises/me/credit-file").json()["enterprise_id"]
    _, order_no = apply_for_chongxindai(page, purpose="支付门店租金")
    logout(page)

    # The law-enforcement bureau delivers a general penalty decided five months ago.
    decided = (clock.today() - timedelta(days=150)).isoformat()
    penalties = tmp_path / "行政处罚.csv"
    penalties.write_text(f"{PENALTY_HEADER}\n{uscc},{PENALTY_NO},占道经营,罚款,\"2,000\",一般,{decided},"
                         "重庆市南岸区综合行政执法局\n", encoding="utf-8")
    login(page, "law.data", home="/data/uploads")
    page.get_by_label("信息项").select_option("admin_penalty")
    page.get_by_label("数据文件（CSV 或 XLSX）").set_input_files(penalties)
    page.get_by_test_id("upload").click()
    expect(page.get_by_test_id("rows-stored")).to_have_text("1")
    logout(page)

    login(page, "bank.officer", home="/bank/workbench")
    assert _bank_sees_penalty(page, enterprise_id, order_no)
    logout(page)

    # The enterprise applies with the receipt of the fine and the signed commitment.
    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file")
    penalty = page.get_by_test_id("file-item-admin_penalty").locator("tr[data-testid^='record-']").filter(
        has_text=PENALTY_NO)
    penalty.get_by_role("link", name="申请信用修复").click()
    expect(page).to_have_url(at(r"/rights/repairs/new\?record_id=\d+"))
    page.get_by_label("处罚义务履行完毕日期").fill((clock.today() - timedelta(days=140)).isoformat())
    page.get_by_label("申请说明").fill("罚款已于处罚决定后十日内缴清，占道经营行为已整改")
    page.get_by_label("履行证明材料").set_input_files(_evidence(tmp_path, "罚款缴纳凭证.pdf"))
    page.get_by_role("button", name="提交修复申请").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("承诺书")  # not signed yet: nothing filed
    page.get_by_label("履行证明材料").set_input_files(_evidence(tmp_path, "罚款缴纳凭证.pdf"))
    page.get_by_label("我已阅读并签署上述信用修复承诺").check()
    page.get_by_role("button", name="提交修复申请").click()
    expect(page).to_have_url(at(r"/rights/repairs/\d+\?filed=1"))
    expect(page.get_by_test_id("repair-status")).to_have_text("审核中")
    logout(page)

    # The bureau approves from its review list.
    login(page, "law.data", home="/data/uploads")
    nav_to(page, "修复审核")
    rows = page.get_by_test_id("repair-row")
    expect(rows).to_have_count(1)
    rows.get_by_role("link").click()
    expect(page.get_by_test_id("attachment")).to_have_text("罚款缴纳凭证.pdf")
    page.get_by_label("同意修复").check()
    page.get_by_label("审核意见").fill("罚款已缴清，公示期已满三个月，同意修复")
    page.get_by_role("button", name="提交审核结果").click()
    expect(page.get_by_test_id("repair-status")).to_have_text("已修复")
    logout(page)

    # The bank no longer sees the record; the enterprise sees it marked 已修复 and has the message.
    login(page, "bank.officer", home="/bank/workbench")
    assert not _bank_sees_penalty(page, enterprise_id, order_no)
    logout(page)
    login(page, "enterprise.demo", home="/enterprise")
    page.goto("/credit-file")
    expect(penalty.get_by_test_id("repaired")).to_have_text("已修复")
    expect(penalty.get_by_role("link", name="申请信用修复")).to_have_count(0)
    page.get_by_test_id("messages-link").click()
    expect(page.get_by_test_id("message").filter(has_text="信用修复申请已审核")).to_have_count(1)
