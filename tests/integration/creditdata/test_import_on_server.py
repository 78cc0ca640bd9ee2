"""The bulk import's server-side path (PostgreSQL): a plain CSV file split into rows by COPY and checked a distinct
text at a time stores the same records, and refuses the same rows with the same reasons, as the row-by-row path;
a file COPY would read otherwise goes row by row; a writer that skips the insert lock cannot make an import fail."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.integration.conftest import MakeDatabase, World, build_world, uscc
from tests.integration.creditdata.test_creditdata_import import (
    GOOD,
    OTHER,
    csv_bytes,
    needs_postgres,
    payment,
    run,
)
from xinyidai import clock, db
from xinyidai.creditdata import bulk, imports, service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CreditRecord, ImportBatch, ImportRowError
from xinyidai.creditdata.schemas import CatalogueItemUpdate

pytestmark = needs_postgres

LATE = uscc("MA0000003")


def outcome(session: Session, batch: ImportBatch) -> tuple[Any, ...]:
    """Everything a batch left: its counts, its records with their provenance, its row errors."""
    records = sorted(
        (r.enterprise_id, r.record_key, r.fingerprint, r.data, str(r.fact_date), r.channel, r.source_department,
         r.row_number, r.original, r.received_at)
        for r in session.scalars(select(CreditRecord).where(CreditRecord.batch_id == batch.id)))
    errors = [(e.row_number, e.field, e.message, e.original) for e in session.scalars(
        select(ImportRowError).where(ImportRowError.batch_id == batch.id)
        .order_by(ImportRowError.row_number, ImportRowError.id))]
    counts = (batch.status, batch.error, batch.rows_total, batch.rows_stored, batch.rows_duplicate,
              batch.rows_rejected, batch.content_sha256, batch.encoding, batch.columns)
    return counts, records, errors


def on_server_and_row_by_row(session: Session, world: World, data: bytes, monkeypatch: pytest.MonkeyPatch,
                             **kw: Any) -> tuple[dict[bool, tuple[Any, ...]], bool]:
    """The outcome of the file by the fast path and by `service.store` row by row, each rolled back; and whether
    the fast path read the file on the server."""
    server_reads: list[int] = []
    finish = bulk.ServerLoad.finish

    def counted(self: bulk.ServerLoad) -> int:
        server_reads.append(self.rows)
        return finish(self)

    monkeypatch.setattr(bulk.ServerLoad, "finish", counted)
    results = {}
    for fast in (True, False):
        savepoint = session.begin_nested()
        batch = run(session, world, data, fast_path=fast, **kw)
        results[fast] = outcome(session, batch)
        savepoint.rollback()
    return results, bool(server_reads)


BOM = "\ufeff"


def _rows() -> list[list[str]]:
    return [
        payment("V01"),
        payment("V02", who=OTHER, amount="1,234.50", paid="2026/4/15", period="2026年3月"),
        payment("V01"),  # the same row again: a duplicate
        payment("V03", amount="88", paid="20260415", period="2026-3"),
        payment(" V04"),  # blanks around a text are trimmed (by the converter, not SQL)
        payment("V05\u3000"),
        payment("V\t06"),  # a tab inside a text stays
        payment("V07\u202e"),  # a bidirectional control is refused
        payment("V" * 41),  # too long
        payment(""),  # blank
        payment("税票08", amount="0.01", kind=" 印花税"),
        payment("V09", amount="-5"),
        payment("V10", amount="12."),
        payment("V11", amount="１２３"),
        payment("V12", amount="¥100"),
        payment("V13", amount=" 100 "),
        payment("V14", amount="1,23.00"),
        payment("V15", amount="99999999999999999"),
        payment("V16", amount="0"),
        payment("V17", paid="2026-02-30", period="2026-13"),
        payment("V18", paid="2026-12-01"),
        payment("V19", paid=" 2026-04-15", kind="增殖税"),
        payment("V20", who=GOOD.lower()),
        payment("V21", who=uscc("MA0000099")),  # valid, not registered
        payment("V22", who=GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2")),  # check character
        payment("'=V23"),  # the error report's protective quote before a formula is dropped
        payment("V24", amount="'-5"),
        payment("'V25"),  # an apostrophe before anything else stays
        payment("V26", who=LATE, amount="1,000,000"),
        payment("V27", who=""),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_plain_file_is_read_on_the_server_exactly_as_row_by_row(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    rows = _rows()
    data = csv_bytes(rows, encoding=encoding)  # amounts with a thousands separator are quoted
    assert b'"1,234.50"' in data
    results, on_server = on_server_and_row_by_row(session, world, data, monkeypatch)
    assert on_server
    assert results[True] == results[False]
    counts, records, errors = results[True]
    assert counts[2:6] == (len(rows), len(records), 1, len({e[0] for e in errors}))
    assert len(records) >= 12 and len(errors) >= 15
    by_voucher = {r[1]: r for r in records}
    assert by_voucher["=V23"][8]["电子税票号码"] == "=V23" and by_voucher["'V25"][1] == "'V25"
    assert by_voucher["V02"][3]["amount"] == 123_450 and by_voucher["V26"][3]["amount"] == 100_000_000


@pytest.mark.parametrize(("item", "header", "rows"), [
    ("annual_report", ["统一社会信用代码", "报告年度", "报送日期", "从业人数", "营业总收入（元）", "资产总额（元）"],
     [[GOOD, "2025", "2026-05-01", "12", "1,000", ""], [OTHER, "2025年", "2026/5/2", "", "", "5000.5"],
      [LATE, "1948", "2026-05-03", "-1", "x", "1"], [GOOD, "2024", "2026-05-01", "1,200", "0", "0.00"],
      [OTHER, "2025", "2026-05-02", "9223372036854775808", "1", "1"]]),
    ("real_estate", ["统一社会信用代码", "不动产权证号", "用途", "面积（平方米）", "登记日期", "是否抵押"],
     [[GOOD, "渝(2026)南岸区不动产权第0001号", "工业", "1,200.50", "2026/3/1", "是"],
      [OTHER, "渝(2026)南岸区不动产权第0002号", "仓储", " 80 ", "20260302", "否"],
      [GOOD, "渝(2026)南岸区不动产权第0001号", "工业", "1200.5", "2026-03-01", "有"],
      [GOOD, "渝(2026)南岸区不动产权第0003号", "商业", "0.0000001", "2026-03-01", "TRUE"],
      [LATE, "渝(2026)南岸区不动产权第0004号", "住宅", "1e3", "2026-03-01", "maybe"]]),
    ("agri_entity", ["统一社会信用代码", "主体类型", "示范级别", "认定日期", "主营产品"],
     [[GOOD, "家庭农场", "市级", "2025-06-01", ""], [OTHER, "农民合作社", "国家级", "2025-06-02", "柑橘\t晚熟\\脐橙"],
      [GOOD, "家庭农场", "市级", "2025-06-01", "  "], [LATE, "农民合作社", "省级", "2025-06-03", "\\N"]]),
])
def test_every_field_type_is_read_on_the_server_as_row_by_row(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch, item: str, header: list[str],
        rows: list[list[str]]) -> None:
    service.bind_department(session, code=service.get_item(session, code=item).source_department,
                            organisation_id=world.tax_org)
    results, on_server = on_server_and_row_by_row(session, world, csv_bytes(rows, header=header), monkeypatch,
                                                  item=item)
    assert on_server
    assert results[True] == results[False]
    assert results[True][0][3] >= 2  # some stored


def test_bounded_amounts_are_read_on_the_server_as_row_by_row(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    item = service.get_item(session, code="tax_payment")
    fields = [dict(raw) for raw in item.fields if raw["name"] != "uscc"]
    for raw in fields:
        if raw["name"] == "amount":
            raw.update(minimum="1", maximum="1000.5")
    service.update_item(session, code="tax_payment", item_in=CatalogueItemUpdate(fields=fields),
                        user_id=None)  # type: ignore[arg-type]
    rows = [payment(f"B{n}", amount=amount) for n, amount in
            enumerate(["1", "0.99", "1000.5", "1000.51", "1,000.50", "500", "0"])]
    results, on_server = on_server_and_row_by_row(session, world, csv_bytes(rows), monkeypatch)
    assert on_server
    assert results[True] == results[False]
    assert results[True][0][3] == 4


def test_the_national_version_wins_on_the_server_too(session: Session, world: World,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    debtor = ["统一社会信用代码", "执行案号", "执行法院", "生效法律文书确定的义务", "发布日期"]
    case = [GOOD, "（2026）渝0108执123号", "南岸区人民法院", "支付货款", "2026-05-01"]
    national = run(session, world, csv_bytes([case], header=debtor), item="dishonest_debtor", username="admin",
                   channel=Channel.NATIONAL)
    assert national.rows_stored == 1
    service.bind_department(session, code=service.get_item(session, code="dishonest_debtor").source_department,
                            organisation_id=world.amr_org)
    local = csv_bytes([[GOOD, "（2026）渝0108执123号", "南岸区法院", "支付货款", "2026-05-01"],
                       [OTHER, "（2026）渝0108执124号", "南岸区法院", "支付货款", "2026-05-01"]], header=debtor)
    results, on_server = on_server_and_row_by_row(session, world, local, monkeypatch, item="dishonest_debtor",
                                                  username="amr.officer")
    assert on_server
    assert results[True] == results[False]
    assert results[True][0][3:5] == (1, 1)


def _with_line(data: bytes, line: bytes, at: int = 3) -> bytes:
    lines = data.split(b"\r\n")
    return b"\r\n".join([*lines[:at], line, *lines[at:]])


@pytest.mark.parametrize(("case", "make"), [
    ("a quote inside a cell", lambda data: _with_line(data, f'{GOOD},Q"1",2026-03,增值税,1,2026-04-15'.encode())),
    ("text after a closing quote", lambda data: _with_line(data, f'{GOOD},"Q"1,2026-03,增值税,1,2026-04-15'.encode())),
    ("a blank before an opening quote", lambda data: _with_line(data, f'{GOOD}, "Q1",2026-03,增值税,1,2026-04-15'
                                                                       .encode())),
    ("a quote left open", lambda data: data + f'{GOOD},"Q1,2026-03,增值税,1,2026-04-15\r\n'.encode()),
    ("a blank line", lambda data: _with_line(data, b"")),
    ("blank lines at the end", lambda data: data + b"\r\n\r\n"),
    ("a short row", lambda data: _with_line(data, f"{GOOD},Q1,2026-03".encode())),
    ("a long row", lambda data: _with_line(data, f"{GOOD},Q1,2026-03,增值税,1,2026-04-15,x".encode())),
    ("COPY's end of data", lambda data: _with_line(data, b"\\.")),
    ("a cut-off last row", lambda data: data + f"{GOOD},Q1,2026-03".encode()),
    ("a lone carriage return", lambda data: _with_line(data, f"{GOOD},Q\r1,2026-03,增值税,1,2026-04-15".encode())),
    ("a byte that is not UTF-8", lambda data: _with_line(data, f"{GOOD},Q1,2026-03,增值税,1,2026-04-15".encode()
                                                            + b"\xff")),
    ("a header only", lambda data: data.split(b"\r\n")[0] + b"\r\n"),
])
def test_a_file_copy_would_read_otherwise_is_read_row_by_row(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch, case: str,
        make: Callable[[bytes], bytes]) -> None:
    data = make(csv_bytes([payment(f"V{n}", amount=f"{n}.5") for n in range(1, 8)] + [payment("V9", amount="-1")]))
    results, _ = on_server_and_row_by_row(session, world, data, monkeypatch)
    assert results[True] == results[False], case


def test_a_refused_cell_repeated_on_many_rows_is_reported_on_each(
        session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [payment(f"R{n}", who=uscc("MA0000099") if n % 3 == 0 else GOOD, kind="营业税" if n % 4 == 0 else "增值税")
            for n in range(1, 13_000)]  # more than two of the reader's chunks
    results, on_server = on_server_and_row_by_row(session, world, csv_bytes(rows), monkeypatch)
    assert on_server
    assert results[True] == results[False]
    counts, _, errors = results[True]
    assert counts[5] == len({e[0] for e in errors}) == sum(1 for n in range(1, 13_000) if n % 3 == 0 or n % 4 == 0)


def test_the_row_reader_has_the_last_word(session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Were the server to take a row for refused that the reader accepts, the file is read row by row instead.
    original = bulk.ServerLoad.check_values

    def disagreeing(self: bulk.ServerLoad) -> None:
        original(self)
        for values in self.values:
            if values.table is not None:
                self.session.execute(text(f"UPDATE {values.table} SET ok = false"))  # noqa: S608
                values.refused = 1

    monkeypatch.setattr(bulk.ServerLoad, "check_values", disagreeing)
    batch = run(session, world, csv_bytes([payment("V1"), payment("V2", who=OTHER)]))
    assert (batch.rows_stored, batch.rows_rejected) == (2, 0)


def test_progress_is_reported_while_the_server_reads(session: Session, world: World) -> None:
    seen: list[tuple[int, int | None]] = []
    data = csv_bytes([payment(f"V{n}") for n in range(1, 40_000)])
    batch = imports.import_file(session, principal=world.principal(session, "tax.officer"), item_code="tax_payment",
                                source=io.BytesIO(data), file_name="tax.csv",
                                progress=lambda rows, total: seen.append((rows, total)))
    assert batch.rows_stored == 39_999
    assert seen and seen[-1] == (39_999, len(data)) and all(total == len(data) for _, total in seen)


def test_a_writer_that_skips_the_lock_cannot_make_an_import_fail(make_committed_database: MakeDatabase) -> None:
    database = make_committed_database("import_lockless")
    with clock.use(clock.at(2026, 11, 23, 10, 0)), db.transaction(database.session_factory) as session:
        world = build_world(session)
        principal = world.principal(session, "tax.officer")
        item = service.get_item(session, code="tax_payment")
        row = service.parser_for(item).parse(dict(zip(
            ["uscc", "voucher_no", "tax_period", "tax_kind", "amount", "paid_date"], payment("L1"), strict=True)))
        assert not isinstance(row, list)
        item_id = item.id
    url = database.engine.url.render_as_string(hide_password=False).replace("+psycopg", "")
    outcome_: dict[str, Any] = {}
    with psycopg.connect(url) as other:
        # Another writer inserts the same fact without the lock and keeps its transaction open …
        other.execute(
            "INSERT INTO credit_record (enterprise_id, catalogue_item_id, record_key, fingerprint, data, channel, "
            "source_department, received_at) VALUES (%s, %s, 'L1', %s, '{}', 'api_push', 'tax', now())",
            (world.good_enterprise, item_id, row.fingerprint))

        def load() -> None:
            with clock.use(clock.at(2026, 11, 23, 10, 0)), db.transaction(database.session_factory) as session:
                batch = imports.import_file(session, principal=principal, item_code="tax_payment",
                                            source=io.BytesIO(csv_bytes([payment("L1"), payment("L2")])),
                                            file_name="tax.csv")
                outcome_["batch"] = (batch.status, batch.rows_stored, batch.rows_duplicate)

        thread = threading.Thread(target=load)
        thread.start()
        with psycopg.connect(url, autocommit=True) as watcher:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # … until the import waits on its row, then commits
                waiting = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                          "AND query LIKE 'INSERT INTO credit_record%'").fetchone()
                if waiting and waiting[0]:
                    break
                time.sleep(0.02)
            else:
                pytest.fail("the import never waited for the other writer")
        other.commit()
        thread.join(timeout=60)
    database.engine.dispose()
    assert outcome_["batch"] == ("committed", 1, 1)
