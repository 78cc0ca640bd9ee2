"""Portal pages of credit information: the catalogue and its edit form, coverage per source, department
uploads and their scoping, and the enterprise's credit file."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, counted_selects, login, page_csrf
from xinyidai import clock
from xinyidai.audit.models import AuditEntry
from xinyidai.creditdata import coverage, service
from xinyidai.creditdata.enums import BatchStatus, Channel
from xinyidai.creditdata.models import CatalogueItem, ImportBatch
from xinyidai.registry import service as registry_service


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _testid(html: str, testid: str) -> str:
    """The text of the element with `data-testid` up to its first closing tag of the same name, tags stripped."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{re.escape(testid)}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no {testid}"
    return _text(match.group(2)).strip()


def _store(session: Session, item_code: str, enterprise_id: int, channel: Channel = Channel.BULK_IMPORT,
           batch_id: int | None = None, **values: str) -> service.StoreResult:
    item = service.get_item(session, code=item_code)
    uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
    parsed = service.parser_for(item).parse({**values, "uscc": uscc})
    assert not isinstance(parsed, list), parsed
    return service.store(session, item=item, rows=[service.Delivered(enterprise_id, parsed)], channel=channel,
                         batch_id=batch_id)


def _batch(session: Session, world: World, item_code: str, **counts: Any) -> ImportBatch:
    item = service.get_item(session, code=item_code)
    batch = ImportBatch(catalogue_item_id=item.id, source_department=item.source_department,
                        organisation_id=world.tax_org, channel=Channel.BULK_IMPORT.value, file_name="f.csv",
                        started_at=clock.now(), finished_at=clock.now(), **counts)
    session.add(batch)
    session.flush()
    return batch


def _audits(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# The catalogue ------------------------------------------------------------------------------------------


def test_the_platform_admin_sees_the_catalogue_and_others_do_not(client: TestClient, world: World) -> None:
    login(client, "admin")
    page = client.get("/admin/catalogue")
    assert page.status_code == 200
    html = page.text
    assert html.count('data-testid="category-C') == 14
    assert 'href="/admin/catalogue"' in html and 'href="/admin/coverage"' in html  # navigation
    row = _testid(html, "item-tax_payment")
    assert "纳税缴纳信息" in row and "国家税务总局重庆市南岸区税务局" in row and "需授权" in row and "每月" in row
    fields = _testid(html, "fields-tax_payment")
    assert "电子税票号码" in fields and "实缴金额（元）" in fields and "金额（元）" in fields
    # Each field reads by its Chinese name and type; the code stays beside it as a hint, never alone.
    assert "money" not in fields and "integer" not in fields and "text" not in fields
    assert "总对总" in _testid(html, "item-customs_trade") and "本地不归集" in _testid(html, "item-customs_trade")
    assert 'action="/admin/catalogue/items/tax_payment"' in html
    for username in ("tax.officer", "good", "a.officer"):
        client.cookies.clear()
        login(client, username)
        assert client.get("/admin/catalogue").status_code == 403


def _edit_form(client: TestClient, **changes: str) -> dict[str, str]:
    form = {"csrf_token": page_csrf(client, "/admin/catalogue"), "name": "行政处罚信息", "sensitivity": "public",
            "update_cycle": "daily", "visible_days": "365", "authoritative_channel": "local", "enabled": "on"}
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _item_state(session: Session, code: str) -> tuple[Any, ...]:
    session.expire_all()
    item = session.scalars(select(CatalogueItem).where(CatalogueItem.code == code)).one()
    return (item.name, item.sensitivity, item.update_cycle, item.visible_days, item.authoritative_channel,
            item.local_allowed, item.enabled, item.updated_at)


def test_an_edit_of_a_sub_category_is_saved_and_audited(client: TestClient, session: Session, world: World) -> None:
    login(client, "admin")
    form = _edit_form(client, name="行政处罚信息（一般程序）", visible_days="180", update_cycle="real_time")
    response = client.post("/admin/catalogue/items/admin_penalty", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/catalogue?saved=")
    name, sensitivity, cycle, days, channel, local_allowed, enabled, _ = _item_state(session, "admin_penalty")
    assert (name, sensitivity, cycle, days, channel, local_allowed, enabled) == (
        "行政处罚信息（一般程序）", "public", "real_time", 180, "local", False, True)
    [audit] = _audits(session, "creditdata.catalogue.update")
    assert audit.subject_id == "admin_penalty" and audit.detail["visible_days"] == 180
    shown = client.get(response.headers["location"])
    assert "已保存信息项" in shown.text and "180 天" in _testid(shown.text, "item-admin_penalty")
    # Blank publicity period: the records stay visible for good; unchecked "enabled": no more deliveries.
    form = _edit_form(client, visible_days="", enabled="")
    assert client.post("/admin/catalogue/items/admin_penalty", data=form, follow_redirects=False).status_code == 303
    assert _item_state(session, "admin_penalty")[3:7] == (None, "local", False, False)


def test_bad_edits_are_refused_in_chinese_and_change_nothing(client: TestClient, session: Session,
                                                             world: World) -> None:
    login(client, "admin")
    before = _item_state(session, "admin_penalty")
    cases = [
        ({"visible_days": "三年"}, "公示期须为1至36500之间的整数天"),
        ({"visible_days": "0"}, "公示期须为1至36500之间的整数天"),
        ({"visible_days": "99999"}, "公示期须为1至36500之间的整数天"),
        ({"visible_days": "³"}, "公示期须为1至36500之间的整数天"),  # isdigit() yet not a number int() reads
        ({"sensitivity": "secret"}, "请选择敏感级别"),
        ({"update_cycle": "hourly"}, "请选择更新周期"),
        ({"authoritative_channel": "provincial"}, "请选择权威渠道"),
        ({"name": "   "}, "名称不能为空"),
    ]
    for changes, message in cases:
        response = client.post("/admin/catalogue/items/admin_penalty", data=_edit_form(client, **changes))
        assert response.status_code == 422, changes
        assert message in _testid(response.text, "form-error"), changes
        assert "<details open>" in response.text  # the form stays open with what was typed
    unknown = client.post("/admin/catalogue/items/no_such_item", data=_edit_form(client))
    assert unknown.status_code == 404 and "信息目录中没有" in unknown.text
    # Without the page's CSRF token the edit is refused before anything is read.
    forged = client.post("/admin/catalogue/items/admin_penalty", data={**_edit_form(client), "csrf_token": "forged"})
    assert forged.status_code == 403 and "页面已过期" in forged.text
    assert _item_state(session, "admin_penalty") == before
    assert _audits(session, "creditdata.catalogue.update") == []
    client.cookies.clear()
    login(client, "tax.officer")
    token = page_csrf(client, "/account")
    assert client.post("/admin/catalogue/items/admin_penalty",
                       data={**_edit_form(client), "csrf_token": token}).status_code == 403
    assert _item_state(session, "admin_penalty") == before


# Coverage per source ------------------------------------------------------------------------------------


def test_coverage_counts_batches_rows_records_and_entities_per_source(session: Session, world: World) -> None:
    first = _batch(session, world, "tax_payment", status=BatchStatus.COMMITTED.value, rows_total=5, rows_stored=2,
                   rows_duplicate=1, rows_rejected=2)
    _batch(session, world, "tax_payment", status=BatchStatus.REJECTED.value, rows_total=0, error="缺少必填列")
    payment = {"tax_period": "2026-09", "tax_kind": "增值税", "amount": "1,234.50", "paid_date": "2026-10-15"}
    _store(session, "tax_payment", world.good_enterprise, batch_id=first.id, voucher_no="V001", **payment)
    _store(session, "tax_payment", world.other_enterprise, batch_id=first.id, voucher_no="V002", **payment)
    # The same entity under a second sub-category of the same department: covered once, not twice.
    _store(session, "tax_credit_grade", world.good_enterprise, Channel.API_PUSH, year="2025", grade="A",
           evaluated_date="2026-04-20")
    _store(session, "registration", world.good_enterprise, entity_name="重庆甲商贸有限公司", legal_rep_name="张三",
           registration_date="2018-05-01", operating_status="存续")
    report = {d.code: d for d in coverage.coverage(session)}
    tax = report["tax"]
    items = {i.item_code: i for i in tax.items}
    payments = items["tax_payment"]
    assert (payments.batches, payments.batches_refused, payments.rows_stored, payments.rows_duplicate,
            payments.rows_refused, payments.records_held, payments.entities_covered) == (2, 1, 2, 1, 2, 2, 2)
    assert payments.last_delivery_at == clock.now()
    grade = items["tax_credit_grade"]
    assert (grade.batches, grade.records_held, grade.entities_covered) == (0, 1, 1)
    assert grade.last_delivery_at == clock.now()  # pushed through the API: no batch, but a delivery
    assert items["tax_arrears"].records_held == 0 and items["tax_arrears"].last_delivery_at is None
    assert (tax.batches, tax.rows_stored, tax.rows_refused, tax.records_held, tax.entities_covered,
            tax.items_delivered) == (2, 2, 2, 3, 2, 2)
    assert tax.bound and report["amr"].records_held == 1 and not report["court"].bound
    assert "platform" in report and len({i.item_code for d in report.values() for i in d.items}) == len(
        service.list_items(session))


def test_the_coverage_page_shows_each_department(client: TestClient, session: Session, world: World) -> None:
    _store(session, "tax_credit_grade", world.good_enterprise, year="2025", grade="A", evaluated_date="2026-04-20")
    session.commit()
    login(client, "admin")
    page = client.get("/admin/coverage")
    assert page.status_code == 200
    row = _testid(page.text, "coverage-tax_credit_grade").split()
    assert row[0] == "纳税信用等级信息" and row[-2:] == ["1", "1"]
    assert _testid(page.text, "total-records") == "1"
    client.cookies.clear()
    login(client, "tax.officer")
    assert client.get("/admin/coverage").status_code == 403


# The credit file ----------------------------------------------------------------------------------------


def _old_penalty(session: Session, enterprise_id: int) -> None:
    """A penalty decided in January 2022: past its three-year publicity period on 2026-11-23."""
    _store(session, "admin_penalty", enterprise_id, decision_no="南岸执法罚〔2022〕3号", violation="占道经营",
           penalty_kind="罚款", amount="2,000", severity="一般", decision_date="2022-01-10",
           authority="区综合行政执法局")


def test_the_enterprise_sees_its_file_grouped_with_sources_history_and_marks(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    good = world.good_enterprise
    _store(session, "tax_payment", good, voucher_no="V001", tax_period="2026-09", tax_kind="增值税",
           amount="1,234.5", paid_date="2026-10-15")
    _store(session, "tax_credit_grade", good, year="2025", grade="B", evaluated_date="2026-04-20")
    frozen_clock.advance(timedelta(hours=1))
    _store(session, "tax_credit_grade", good, Channel.API_PUSH, year="2025", grade="A", evaluated_date="2026-06-30")
    _old_penalty(session, good)
    _store(session, "tax_payment", world.other_enterprise, voucher_no="V999", tax_period="2026-09",
           tax_kind="印花税", amount="88", paid_date="2026-10-15")
    session.commit()
    login(client, "good")
    page = client.get("/credit-file")
    assert page.status_code == 200
    html = page.text
    assert 'href="/credit-file"' in html  # navigation
    tax = _testid(html, "file-category-C04")
    assert tax.startswith("纳税信息") and "纳税缴纳信息" in tax and "纳税信用等级" in tax
    assert "1,234.50" in tax and "增值税" in tax and "国家税务总局重庆市南岸区税务局" in tax and "物理归集" in tax
    assert "V999" not in html and "印花税" not in html  # another entity's record
    # The regraded tax grade: A is current, B is in its history.
    grades = _testid(html, "file-item-tax_credit_grade")
    assert "接口调用" in grades
    history = re.search(r'data-testid="history-\d+">(.*?)</details>', html, re.S)
    assert history and "历史版本（1）" in _text(history.group(1)) and " B " in _text(history.group(1))
    # A penalty of 2022 is past its publicity period: shown to the entity only, and marked so.
    penalty = _testid(html, "file-category-C02")
    assert "占道经营" in penalty and "2,000.00" in penalty and "已过公示期" in penalty and "不向金融机构展示" in penalty
    assert _testid(html, "record-count") == "3"  # current versions: the superseded grade is history
    # Reading one's own file is not audited.
    assert _audits(session, "creditdata.credit_file_read") == []
    client.cookies.clear()
    login(client, "a.officer")
    assert client.get("/credit-file").status_code == 403


def test_the_credit_file_page_reads_the_catalogue_once_however_many_sub_categories_it_shows(
        client: TestClient, session: Session, world: World, connection: Connection) -> None:
    good = world.good_enterprise
    _store(session, "tax_payment", good, voucher_no="V001", tax_period="2026-09", tax_kind="增值税",
           amount="1,234.5", paid_date="2026-10-15")
    session.commit()
    login(client, "good")

    def selects() -> int:
        with counted_selects(connection) as seen:
            assert client.get("/credit-file").status_code == 200
        return len(seen)

    one = selects()
    _store(session, "tax_credit_grade", good, year="2025", grade="B", evaluated_date="2026-04-20")
    _old_penalty(session, good)
    _store(session, "social_insurance_enrolment", good, month="2026-09", month_end="2026-09-30", insured_people="9")
    _store(session, "annual_report", good, report_year="2025", filed_date="2026-05-01")
    session.commit()
    html = client.get("/credit-file").text
    assert _testid(html, "record-count") == "5"
    assert selects() == one


def test_self_reported_records_are_marked(client: TestClient, session: Session, world: World) -> None:
    _store(session, "tax_credit_grade", world.good_enterprise, Channel.SELF_REPORT, year="2025", grade="A",
           evaluated_date="2026-04-20")
    session.commit()
    login(client, "good")
    html = client.get("/credit-file").text
    assert _testid(html, "self-reported") == "企业自主填报（信用承诺）"


def test_the_platform_admin_opens_a_file_naming_why_and_is_audited(
        client: TestClient, session: Session, world: World) -> None:
    good = world.good_enterprise
    _store(session, "tax_credit_grade", good, year="2025", grade="A", evaluated_date="2026-04-20")
    _old_penalty(session, good)
    session.commit()
    uscc = registry_service.get(session, enterprise_id=good).uscc
    login(client, "admin")
    assert client.get("/admin/credit-files").status_code == 200
    no_purpose = client.get("/admin/credit-files", params={"uscc": uscc})
    assert no_purpose.status_code == 422 and "请选择查阅事由" in no_purpose.text
    unknown = client.get("/admin/credit-files", params={"uscc": "91500108MA00000099", "purpose": "异议处理"})
    assert unknown.status_code == 422 and "未找到" in unknown.text
    assert _audits(session, "creditdata.credit_file_read") == []
    page = client.get("/admin/credit-files", params={"uscc": uscc, "purpose": "异议处理"})
    assert page.status_code == 200
    assert "纳税信用等级" in page.text and _testid(page.text, "file-purpose").startswith("异议处理")
    # Past its publicity period the penalty is still shown to the platform (objections, credit repair), flagged
    # as withheld from institutions; the API applies the same rule (creditdata.access).
    penalty = _testid(page.text, "file-category-C02")
    assert "占道经营" in penalty and "不向金融机构展示" in penalty
    [audit] = _audits(session, "creditdata.credit_file_read")
    assert (audit.enterprise_id, audit.purpose, audit.subject_type) == (good, "异议处理", "credit_file")


# Uploads by a department ----------------------------------------------------------------------------------

PAYMENT_HEADER = "统一社会信用代码,电子税票号码,所属期,税种,实缴金额（元）,缴款日期"


def _payments_csv(session: Session, world: World, *, bad_amount: str = "-5") -> bytes:
    good = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
    other = registry_service.get(session, enterprise_id=world.other_enterprise).uscc
    lines = [PAYMENT_HEADER, f"{good},V001,2026-09,增值税,\"1,234.50\",2026-10-15",
             f"{other},V002,2026-09,印花税,88,2026-10-15", f"{good},V003,2026-09,增值税,{bad_amount},2026-10-16"]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _upload(client: TestClient, item_code: str, content: bytes, name: str = "payments.csv",
            upload_token: str = "", **headers: str) -> Any:
    token = page_csrf(client, "/data/uploads")
    return client.post("/data/uploads", data={"csrf_token": token, "item_code": item_code,
                                              "upload_token": upload_token or secrets.token_urlsafe(12)},
                       files={"file": (name, content, "text/csv")}, headers=headers, follow_redirects=False)


def _batch_count(session: Session) -> int:
    session.expire_all()
    return len(session.scalars(select(ImportBatch.id)).all())


def test_a_department_uploads_sees_refused_rows_downloads_the_report_and_uploads_it_fixed(
        client: TestClient, session: Session, world: World) -> None:
    login(client, "tax.officer")
    page = client.get("/data/uploads")
    assert page.status_code == 200
    assert 'value="tax_payment"' in page.text and 'value="registration"' not in page.text  # only its own items
    assert 'href="/data/uploads"' in page.text and 'href="/data/batches"' in page.text  # navigation
    template = client.get("/data/templates/tax_payment.csv")
    assert template.status_code == 200 and template.content == ("\ufeff" + PAYMENT_HEADER + "\r\n").encode()
    response = _upload(client, "tax_payment", _payments_csv(session, world))
    assert response.status_code == 303
    batch_path = response.headers["location"].split("?")[0]
    html = client.get(response.headers["location"]).text
    assert "导入完成" in html and _testid(html, "batch-status") == "已入库"
    assert [_testid(html, f"rows-{k}") for k in ("total", "stored", "duplicate", "rejected")] == ["3", "2", "0", "1"]
    refused = _testid(html, "row-error")
    assert refused.startswith("4 实缴金额（元）") and "不能为负数" in refused  # row 4 of the file (header is 1)
    report = client.get(f"{batch_path}/errors.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert report.content.startswith("\ufeff".encode())
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == PAYMENT_HEADER + ",错误原因" and len(lines) == 2 and ",V003," in lines[1] and "负数" in lines[1]
    # The clerk fixes the amount in the report and uploads the report itself.
    fixed = report.content.decode("utf-8-sig").replace(",-5,", ",5,").encode("utf-8-sig")
    again = _upload(client, "tax_payment", fixed, name="errors-fixed.csv")
    html = client.get(again.headers["location"]).text
    assert [_testid(html, f"rows-{k}") for k in ("total", "stored", "rejected")] == ["1", "1", "0"]
    # The same file twice adds nothing.
    twice = _upload(client, "tax_payment", _payments_csv(session, world))
    html = client.get(twice.headers["location"]).text
    assert [_testid(html, f"rows-{k}") for k in ("stored", "duplicate", "rejected")] == ["0", "2", "1"]
    history = client.get("/data/batches").text
    assert history.count('data-testid="batch-') == 3 and "纳税缴纳信息" in history


def test_a_file_refused_whole_says_why(client: TestClient, session: Session, world: World) -> None:
    login(client, "tax.officer")
    response = _upload(client, "tax_payment", "统一社会信用代码,金额\r\n91500108MA0000001X,5\r\n".encode())
    html = client.get(response.headers["location"]).text
    assert _testid(html, "batch-status") == "已拒收" and "缺少必填列" in _testid(html, "batch-error")
    assert "文件已拒收" in html and 'data-testid="error-report"' not in html


def test_an_officer_sees_and_uploads_only_for_its_own_department(
        client: TestClient, session: Session, world: World) -> None:
    login(client, "tax.officer")
    batch_path = _upload(client, "tax_payment", _payments_csv(session, world)).headers["location"].split("?")[0]
    # Another department's item: refused in Chinese, nothing written.
    before = _batch_count(session)
    refused = _upload(client, "registration", "统一社会信用代码\r\n".encode())
    assert refused.status_code == 403 and "不是该信息的来源部门" in _testid(refused.text, "form-error")
    assert _batch_count(session) == before
    client.cookies.clear()
    login(client, "amr.officer")
    assert 'value="registration"' in client.get("/data/uploads").text
    assert 'data-testid="batch-' not in client.get("/data/batches").text
    assert client.get(batch_path).status_code == 404
    assert client.get(f"{batch_path}/errors.csv").status_code == 404
    client.cookies.clear()
    login(client, "good")
    assert client.get("/data/uploads").status_code == 403 and client.get(batch_path).status_code == 403
    client.cookies.clear()
    login(client, "admin")  # the platform admin sees every batch, and relays only the national channel
    assert client.get(batch_path).status_code == 200
    page = client.get("/data/uploads").text
    assert 'value="customs_trade"' in page and 'value="tax_payment"' not in page


def test_uploads_need_the_csrf_token_a_file_and_an_item(client: TestClient, session: Session, world: World) -> None:
    login(client, "tax.officer")
    content = _payments_csv(session, world)
    forged = client.post("/data/uploads", data={"csrf_token": "forged", "item_code": "tax_payment"},
                         files={"file": ("p.csv", content, "text/csv")})
    assert forged.status_code == 403 and "页面已过期" in forged.text
    token = page_csrf(client, "/data/uploads")
    no_file = client.post("/data/uploads", data={"csrf_token": token, "item_code": "tax_payment"})
    assert no_file.status_code == 422 and "请选择要上传的文件" in no_file.text
    no_item = client.post("/data/uploads", data={"csrf_token": token},
                          files={"file": ("p.csv", content, "text/csv")})
    assert no_item.status_code == 422 and "请选择信息项" in no_item.text
    assert _batch_count(session) == 0


def test_an_htmx_upload_reports_progress_and_redirects_to_its_batch(
        client: TestClient, session: Session, world: World) -> None:
    login(client, "tax.officer")
    token = secrets.token_urlsafe(12)  # the page's form carries one; progress is kept per user and token
    waiting = client.get(f"/data/uploads/progress/{token}")
    assert waiting.status_code == 200 and "正在上传文件" in waiting.text and "hx-get" in waiting.text
    response = _upload(client, "tax_payment", _payments_csv(session, world), upload_token=token,
                       **{"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith("/data/batches/")
    done = client.get(f"/data/uploads/progress/{token}")
    assert _testid(done.text, "progress-rows").startswith("已处理 3 行") and "hx-get" not in done.text
    # Errors come back as the form (htmx swaps only successful answers).
    refused = _upload(client, "registration", b"x\r\n", **{"HX-Request": "true"})
    assert refused.status_code == 200 and "不是该信息的来源部门" in refused.text and 'id="upload-panel"' in refused.text


def test_the_enterprise_self_reports_under_a_signed_commitment(client: TestClient, session: Session,
                                                               world: World) -> None:
    login(client, "good")
    page = client.get("/credit-file/self-report")
    assert page.status_code == 200 and "本单位郑重承诺" in _testid(page.text, "promise")
    form = {"csrf_token": page_csrf(client, "/credit-file/self-report"), "report_year": "2025",
            "main_products": "日用百货批发零售", "annual_revenue": "3,600,000", "employees": "12",
            "certifications": "ISO9001质量管理体系认证\n食品经营许可证", "main_customers": "南岸区各商超"}
    before = _audits(session, "creditdata.self_reported")
    unsigned = client.post("/credit-file/self-report", data=form)
    assert unsigned.status_code == 400 and "请阅读并签署信用承诺" in _testid(unsigned.text, "form-error")
    bad = client.post("/credit-file/self-report", data={**form, "annual_revenue": "三百万", "accept_commitment": "on"})
    assert bad.status_code == 422 and "营业收入须为金额" in _testid(bad.text, "form-error")
    short = client.post("/credit-file/self-report", data={**form, "main_products": "布", "accept_commitment": "on"})
    assert short.status_code == 422 and "主营产品须为2至500个字" in _testid(short.text, "form-error")
    for superscript in ({"report_year": "²"}, {"employees": "³"}):  # isdigit() yet not a number int() reads
        refused = client.post("/credit-file/self-report", data={**form, **superscript, "accept_commitment": "on"})
        assert refused.status_code == 422 and _testid(refused.text, "form-error"), superscript
    assert _audits(session, "creditdata.self_reported") == before == []
    done = client.post("/credit-file/self-report", data={**form, "accept_commitment": "on"}, follow_redirects=False)
    assert done.status_code == 303
    html = client.get(done.headers["location"]).text
    assert "已提交自主填报信息，信用承诺书编号 CN" in html
    assert _testid(html, "self-reported") == "企业自主填报（信用承诺）"
    assert "日用百货批发零售" in html and "3,600,000.00" in html
    assert len(_audits(session, "creditdata.self_reported")) == 1


def test_the_upload_page_says_valid_rows_are_stored_and_refused_rows_listed(client: TestClient, world: World) -> None:
    login(client, "tax.officer")
    page = client.get("/data/uploads").text
    assert "要么全部入库" not in page  # a batch loads partially: it is not all-or-nothing
    assert "校验通过的行入库" in page and "逐行列出原因" in page
