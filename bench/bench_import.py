"""Bulk import of tax-payment rows into PostgreSQL, timed against a raw COPY of the same file in the same run.

Run: ``.venv/bin/python -m bench.bench_import --rows 1000000`` (``--small 100000`` is the second size whose
peak memory is compared, ``--entities 20000``, ``--keep`` leaves the database behind, ``--pg-url`` points at
another server, ``--database`` names the database, ``xinyidai_bench_import`` unless told).

What it does, in order:

1. drops and creates ``xinyidai_bench_import``, migrates it with ``xinyidai.cli.upgrade_database`` and makes
   the reference rows through the services: the tax department's organisation, bound as the source of
   ``tax_payment``, its data officer, a district area and one registered enterprise; then ``--entities`` − 1
   more registered entities by one set-based ``INSERT … SELECT`` copying that enterprise under valid USCCs
   (check characters by GB 32100), then ``VACUUM ANALYZE`` (loading is not what is measured);
2. writes two CSV files (UTF-8, the catalogue's Chinese column labels) of ``--small`` and ``--rows`` tax
   payments: entity uniform over the registered ones, a unique 20-digit voucher number, period, one of the
   ten tax kinds, an amount of 1–100,000 yuan with fen, a payment date in 2026; every 1,000th row has a
   negative amount (refused row-level, so the error path is exercised);
3. for each file, in a **fresh child process** (so that its peak RSS is the import's own), runs the real
   pipeline — ``creditdata.imports.import_file`` as ``xinyidai creditdata import`` runs it: streamed
   decoding, the csv module, ``RowParser.parse`` of every field, the entity lookup, row errors, COPY into a
   temporary staging table, one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` into ``credit_record`` (with its
   unique and secondary indexes), the batch record and the audit entry — and commits; timed with
   ``time.perf_counter`` from opening the file to the end of the commit. ``credit_record`` is emptied
   (TRUNCATE) before each import so both sizes start alike. The child reports ``ru_maxrss``;
4. checks that the batch says what was stored and refused, and that ``credit_record`` holds exactly that;
5. the floor: ``COPY bare FROM STDIN (FORMAT csv, HEADER)`` of the same large file into a bare table of six
   ``text`` columns with no index, from the same client, in one transaction, committed. It does no parsing,
   no validation, no de-duplication and writes no index: the physical minimum of getting the bytes into the
   database. Import / COPY says how far the pipeline is from it;
6. prints a markdown table (rows/s of both, the ratio, peak memory of both sizes) and drops the database
   (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import func, select, text

from bench.bench_eod import machine
from xinyidai import clock, db
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.cli import upgrade_database
from xinyidai.creditdata import service as creditdata_service
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import id_check_char, uscc_check_char
from xinyidai.registry.schemas import EnterpriseCreate

DATABASE = "xinyidai_bench_import"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
HEADER = ["统一社会信用代码", "电子税票号码", "所属期", "税种", "实缴金额（元）", "缴款日期"]
TAX_KINDS = ["增值税", "企业所得税", "个人所得税", "城市维护建设税", "印花税", "房产税", "城镇土地使用税", "教育费附加",
             "地方教育附加", "其他"]
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PASSWORD = "Bench2026pass"


def usccs(count: int) -> list[str]:
    """`count` distinct valid enterprise USCCs registered in Nan'an."""
    out = []
    for n in range(count):
        body, digits = "", n
        for _ in range(8):
            body = ALPHABET[digits % 31] + body
            digits //= 31
        first17 = f"91500108M{body}"
        out.append(first17 + uscc_check_char(first17))
    return out


def prepare(url: str, entities: int) -> list[str]:
    """Migrated database with the tax department, its officer and `entities` registered entities."""
    server, _, name = url.replace("+psycopg", "").rpartition("/")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    upgrade_database(url)
    database = db.Database(url)
    codes = usccs(entities)
    with db.transaction(database.session_factory) as session:
        tax = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="南岸区税务局", kind=OrgKind.GOVERNMENT_DEPARTMENT))
        identity_service.create_user(session, user_in=UserCreate(
            organisation_id=tax.id, username="tax.officer", display_name="税务数据专员", password=PASSWORD,
            roles=[Role.DEPARTMENT_DATA_OFFICER]))
        creditdata_service.bind_department(session, code="tax", organisation_id=tax.id)
        area = registry_service.create_area(session, code="500108001", name="南坪街道", kind="street", is_pilot=True)
        template = registry_service.create(session, enterprise_in=EnterpriseCreate.model_validate(dict(
            uscc=codes[0], name="重庆样本商贸有限公司0", kind="enterprise", legal_rep_name="张三",
            legal_rep_id_number="50010819800101123" + id_check_char("50010819800101123"),
            registration_date=date(2018, 5, 1),
            registered_capital_fen=200_000_000, industry_code="F52", district_area_id=area.id,
            last_annual_report_year=2025, employees=12)))
        session.execute(text(
            "INSERT INTO enterprise (uscc, name, kind, scale, legal_rep_name, legal_rep_id_cipher, legal_rep_id_index, "
            "registration_date, registered_capital_fen, industry_code, district_area_id, address, operating_status, "
            "last_annual_report_year, is_abnormal, employees, created_at) "
            "SELECT c.code, '重庆样本商贸有限公司' || c.n, e.kind, e.scale, e.legal_rep_name, e.legal_rep_id_cipher, "
            "e.legal_rep_id_index, e.registration_date, e.registered_capital_fen, e.industry_code, "
            "e.district_area_id, e.address, e.operating_status, e.last_annual_report_year, e.is_abnormal, "
            "e.employees, e.created_at FROM enterprise e, unnest(CAST(:codes AS text[])) WITH ORDINALITY AS c(code, n) "
            "WHERE e.id = :template"), {"codes": codes[1:], "template": template.id})
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    database.engine.dispose()
    return codes


def write_file(path: Path, rows: int, codes: list[str], seed: int) -> None:
    """`rows` tax payments; every 1,000th with a negative amount."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    start = date(2026, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for n in range(rows):
            paid = start + timedelta(days=rng.randrange(300))
            amount = f"{rng.randrange(100, 10_000_000) / 100:.2f}"
            writer.writerow([rng.choice(codes), f"{seed:02d}{n:018d}", f"{paid.year}-{paid.month:02d}",
                             rng.choice(TAX_KINDS), "-" + amount if n % 1000 == 999 else amount, paid.isoformat()])


def child(url: str, path: Path) -> None:
    """Run one import in this process and print its figures as JSON (the parent reads them)."""
    from xinyidai.creditdata import imports
    from xinyidai.creditdata.models import CreditRecord

    database = db.Database(url)
    with database.engine.begin() as connection:
        connection.execute(text("TRUNCATE credit_record, import_row_error CASCADE"))
    with database.session_factory() as session:
        officer = next(u for u in identity_service.list_users(session) if u.username == "tax.officer")
        principal = identity_service.principal_for_user(officer)
    started = time.perf_counter()
    with db.transaction(database.session_factory) as session, path.open("rb") as source:
        batch = imports.import_file(session, principal=principal, item_code="tax_payment", source=source,
                                    file_name=path.name)
        figures = {"rows": batch.rows_total, "stored": batch.rows_stored, "duplicate": batch.rows_duplicate,
                   "refused": batch.rows_rejected, "status": batch.status}
    figures["seconds"] = time.perf_counter() - started
    figures["maxrss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with database.session_factory() as session:
        figures["held"] = session.scalar(select(func.count()).select_from(CreditRecord))
    database.engine.dispose()
    print(json.dumps(figures))


def run_child(url: str, path: Path) -> dict[str, Any]:
    """The import of `path` in a fresh process."""
    command = [sys.executable, "-m", "bench.bench_import", "--child", str(path), "--pg-url", url,
               "--database", url.rpartition("/")[2]]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603 - our own module
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return figures


def raw_copy(url: str, path: Path) -> float:
    """Seconds to COPY the file's bytes into a bare six-column text table, committed."""
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        connection.execute("DROP TABLE IF EXISTS bare")
        connection.execute("CREATE TABLE bare (uscc text, voucher_no text, tax_period text, tax_kind text, "
                           "amount text, paid_date text)")
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor, path.open("rb") as source, \
                cursor.copy("COPY bare FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        connection.commit()
        return time.perf_counter() - started


def main() -> None:
    """Parse arguments, prepare, measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--pg-url", default=DEFAULT_SERVER)
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", type=Path)
    args = parser.parse_args()
    url = args.pg_url if args.pg_url.endswith(f"/{args.database}") else f"{args.pg_url.rstrip('/')}/{args.database}"
    if args.child:
        with clock.use(clock.at(2026, 11, 23, 10, 0)):
            child(url, args.child)
        return
    codes = prepare(url, args.entities)
    with tempfile.TemporaryDirectory() as folder:
        small, large = Path(folder) / "small.csv", Path(folder) / "large.csv"
        write_file(small, args.small, codes, seed=1)
        write_file(large, args.rows, codes, seed=2)
        size_mib = large.stat().st_size / (1 << 20)
        first = run_child(url, small)
        second = run_child(url, large)
        copy_seconds = raw_copy(url, large)
    for figures, rows in ((first, args.small), (second, args.rows)):
        refused = rows // 1000
        assert figures["status"] == "committed" and figures["rows"] == rows, figures
        assert figures["refused"] == refused and figures["stored"] == figures["held"] == rows - refused, figures
    import_rate = args.rows / second["seconds"]
    copy_rate = args.rows / copy_seconds
    print(f"\n{machine()}; PostgreSQL at {url.split('@')[-1]}; {args.entities:,} registered entities; "
          f"file {size_mib:.0f} MiB\n")
    print("| rows | import (s) | import rows/s | raw COPY (s) | raw COPY rows/s | import / COPY | "
          f"peak RSS {args.small:,} rows | peak RSS {args.rows:,} rows |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {args.rows:,} | {second['seconds']:.1f} | {import_rate:,.0f} | {copy_seconds:.2f} | {copy_rate:,.0f} | "
          f"{import_rate / copy_rate:.2f} | {first['maxrss_mib']:.0f} MiB | {second['maxrss_mib']:.0f} MiB |")
    print(f"\n{args.small:,} rows: {first['seconds']:.1f} s, {args.small / first['seconds']:,.0f} rows/s")
    if not args.keep:
        server, _, name = url.replace("+psycopg", "").rpartition("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
