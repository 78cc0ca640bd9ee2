"""A province's night on one PostgreSQL: deliveries, batch scoring, end of day, network sync and post-loan
monitoring, each timed beside its floor.

Run: ``.venv/bin/python -m bench.bench_night --entities 1000000`` (``--drawdowns`` and ``--rows`` default to
``--entities``, ``--penalties`` to one per 1,000 entities; ``--compare`` also scores the same day again in one
process with ``scoring.batch.run_job``; ``--keep`` leaves the databases behind; ``--pg-url`` points at another
server; ``--json`` writes the figures to a file; ``--database`` names the night's database, ``xinyidai_bench_night``
by default, and the provincial node's is that name + ``_province``).

One database holds all of it, as a province's node would: N registered entities with their credit-record history,
N active drawdowns spread over those entities, each borrower watched by its bank, and the day's deliveries. The
business date D is yesterday (China time), the day the nightly batch scores as of; the workers run on the real
clock, as in production.

Loading (not measured; set-based SQL, as the other benchmarks load, but this script's own code):

1. drops and creates ``xinyidai_bench_night``, migrates it with ``xinyidai.cli.upgrade_database`` and makes the
   reference rows through the services: the platform operator and its admin, the tax department bound as the
   source of ``tax_payment`` and the district's law-enforcement bureau as that of ``admin_penalty``, each with its
   data officer, a district area, one registered enterprise, a bank with a published product and an approved order
   whose ``OrderApproved`` event opens a credit line;
2. N − 1 more registered entities copied from that one under valid USCCs (GB 32100 check characters), with
   registration dates spread over 2008–2021;
3. their history: about 5.2 credit records an entity (three VAT payments, a social-insurance month, an annual
   report, a penalty for 15%, tax arrears for 3%), all received before D;
4. each borrower's own approved order and credit line (the template's copied), then N active 12-month
   equal-installment drawdowns with their schedules, repayment history, balances, carries and opening postings
   exactly as the end of day of D − 1 would have left them (3% delinquent, ~1/30 of the book due on D), drawdown k
   attributed to entity k (modulo N entities), on that entity's line;
5. the watch list as disbursement leaves it: each borrower's post-loan authorisation of its line to the bank (all
   categories, from its first drawdown until a day past the line's last maturity), its open watch period from that
   moment, and the detection cursor past the history (read on earlier nights);
6. ``VACUUM ANALYZE`` and ``CHECKPOINT``; a scorecard trained on five platform features
   (``scoring.modelling.development``), registered and promoted champion; yesterday's scoring run (as of D − 1, by
   ``scoring.batch.run_job`` in this process) and the detection job its completion deferred (asserted to find the
   loaded watch list as it derives it: every pair watched, none opened or stopped, nothing raised); ``VACUUM
   ANALYZE`` again; the day's two CSV files (UTF-8, the catalogue's Chinese labels, entities uniform over the
   register): ``--rows`` tax payments (every 1,000th with a negative amount, refused row by row) and ``--penalties``
   administrative penalties decided in the week before D (one in ten 严重).

The night, in order, each stage through the platform's public entry points, timed with ``time.perf_counter``. This
process's job engine is the in-process one, except that ``monitoring.detect`` waits in a queue (``HeldJobs``) as it
would on procrastinate's for a ``monitoring`` worker, so that detection runs in its own stage and not inside the
stage whose event deferred it:

1. **deliveries**: ``creditdata.imports.import_file`` of each file by its department's officer, clock at D 18:00,
   committed (reading, validation, entity lookup, COPY to staging, ``INSERT … SELECT`` into ``credit_record``
   beside its history, batch and audit records; the after-commit dispatch of its ``DeliveryCommitted``, whose
   handler defers the batch's detection);
2. **batch scoring** as production runs it: ``--workers`` ``xinyidai worker --queue scoring`` processes
   (procrastinate on this database; started before the stage, idle until then) and the job ``scoring.batch``
   deferred for D; timed from the defer until the run record says done (claim, pages, every page's features,
   scorecard, policy and COPY of results by whichever worker takes it, completion with PSI against yesterday's
   run); its ``ScoringRunCompleted`` is then dispatched, not timed (its handler defers the run's detection);
3. **end of day**: ``loans.eod.run`` for D in one transaction with the clock at D 23:00, with its commit and the
   after-commit dispatch of its domain events (defaults);
4. **network sync**: the night's database is a local node whose day's records go up to its provincial node, a
   second database seeded with the same entities (``bench_network``'s set-up: two uvicorn servers on 127.0.0.1,
   each node with its Ed25519 key, the local node in the province's signed directory; done after loading, not
   measured; the records loaded as history count as captured and pulled on earlier nights: the feed starts after
   them). Timed: ``network.service.capture`` of ``creditdata.record`` page after page until nothing is new, then
   the province's ``network.service.pull`` of the feed (signed batches of the settings' default 1,000 entries,
   verified, the flow table applied on both sides, records stored through ``relay_rows``, cursor advanced).
   Tax payments are ``authorised``: the flow table keeps them at the local node, so the batches carry only the
   day's penalties (``public``) and advance the province's cursor past the rest;
5. **monitoring**: the detection jobs the day deferred, in that order (one per delivery, one for the scoring run),
   each run as a worker runs ``monitoring.detect`` (one transaction: the watch list derived and written once, the
   watch periods brought up to date, every rule in force over the records past the cursor, VAT against the same
   month last year, grade drops of tonight's run against yesterday's, the alerts and their events), then the
   outbox's dispatch of the alerts' events (``events.dispatch``). What fires: the day's penalties (行政处罚, and 情节
   严重), a month's VAT fallen by 30% or more against the same month of the year before (the day's payments against
   the history's), and grades fallen between the two runs (the penalties move ``penalties_36m``).

The floors, measured after the night in the same run on the same database:

1. deliveries: a raw ``COPY … (FORMAT csv)`` of each file into a bare text table of its width, without index;
2. batch scoring: reading every credit record once (``COPY (SELECT …) TO STDOUT`` of the columns the pages read)
   + the bare prediction of an N × inputs matrix drawn from the training distribution (the stored ONNX graph under
   onnxruntime, and the numpy scorecard; the faster counts) + writing the N results (``INSERT … SELECT`` of the
   run's ``entity_score`` rows into an index-equal copy): the input read, the model applied, the output written;
3. end of day: an ``INSERT … SELECT`` of as many posting rows as the run made into a foreign-key-less copy of
   ``ledger_posting`` + a no-op ``UPDATE`` of every row of a packed copy of ``drawdown`` (as ``bench_eod``);
4. network sync: the signed batch bodies exactly as the pull received them, fetched in the same order from a bare
   ASGI server (``bench_network``'s floor: the same bytes by a bare HTTP transfer on loopback);
5. monitoring: reading the records past the cursor of watched firms joined to the stored watch list (open
   ``watch_period`` rows) once, reading both scoring runs' grades joined by firm once (``COPY … TO STDOUT``), and
   writing as many alert rows into a bare copy of ``monitoring_alert`` (no index, no key; ``INSERT … SELECT``).

Printed: each stage's time, floor and ratio, the night's total and the sum of the floors, the load average
before and after each stage, PostgreSQL's settings, and the rows and sizes of the biggest tables.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bench.bench_eod import drawdown_statements, run_script
from xinyidai import clock, db, events, jobs
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.cli import upgrade_database
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.models import CreditRecord
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.loans.lines import LINE_REFERENCE_PREFIX
from xinyidai.loans.models import CreditLine
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.products.schemas import ProductCreate
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import id_check_char, uscc_check_char
from xinyidai.registry.schemas import EnterpriseCreate

DATABASE = "xinyidai_bench_night"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PASSWORD = "Bench2026pass"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
HEADER = ["统一社会信用代码", "电子税票号码", "所属期", "税种", "实缴金额（元）", "缴款日期"]
PENALTY_HEADER = ["统一社会信用代码", "处罚决定书文号", "违法行为类型", "处罚类别", "罚没金额（元）", "情节",
                  "处罚决定日期", "处罚机关"]
PENALTY_AUTHORITY = "南岸区综合行政执法局"
TAX_KINDS = ["增值税", "企业所得税", "个人所得税", "城市维护建设税", "印花税", "房产税", "城镇土地使用税", "教育费附加",
             "地方教育附加", "其他"]
FEATURES = ("tax_paid_12m", "penalties_36m", "social_insurance_headcount", "annual_report_years_late",
            "tax_arrears_amount")
MAX_AGE_DAYS = 335  # drawdowns' value dates over the last 11 months
MAX_DAYS_LATE = 90  # the product's default trigger: older arrears would have defaulted already
BASIS = 360 * 1_000_000  # year_days × ppm
BIG_TABLES = 14


# Machine, load, timing ---------------------------------------------------------------------------------


def machine() -> str:
    """nproc, CPU model, memory and Python of this machine."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            memory = f", {int(meminfo.readline().split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        memory = ""
    return f"nproc {os.cpu_count()}, {model}{memory}, Python {platform.python_version()}"


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, as `uptime` prints them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


@contextmanager
def step(label: str, log: dict[str, float]) -> Iterator[None]:
    """Time a loading step and print it."""
    started = time.perf_counter()
    yield
    log[label] = time.perf_counter() - started
    print(f"  {label}: {log[label]:.1f} s", flush=True)


@dataclass
class Stage:
    """One stage of the night: its time, its floor, what it did and the load around it."""

    name: str
    seconds: float | None = None
    floor: float | None = None
    floor_parts: dict[str, float] = field(default_factory=dict)
    detail: str = ""
    load_before: str = ""
    load_after: str = ""

    def ratio(self) -> str:
        """Time over floor, or a dash."""
        if self.seconds is None or not self.floor:
            return "—"
        return f"{self.seconds / self.floor:,.1f}×"


@contextmanager
def timed_stage(stage: Stage) -> Iterator[None]:
    """Time a stage of the night, with the load average before and after."""
    stage.load_before = load_average()
    print(f"\n[{datetime.now():%H:%M:%S}] {stage.name} (load {stage.load_before})", flush=True)
    started = time.perf_counter()
    yield
    stage.seconds = time.perf_counter() - started
    stage.load_after = load_average()
    print(f"  {stage.name}: {stage.seconds:.1f} s (load after {stage.load_after})", flush=True)


# Database lifecycle ------------------------------------------------------------------------------------


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg", "postgresql")


def recreate_database(server: str, name: str = DATABASE) -> str:
    """Drop and create a benchmark's database (this one's by default); its SQLAlchemy URL."""
    drop_database(server, name)
    with psycopg.connect(f"{_plain(server)}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop_database(server: str, name: str = DATABASE) -> None:
    """Drop a benchmark's database (this one's by default)."""
    with psycopg.connect(f"{_plain(server)}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_settings(engine: Engine) -> str:
    """PostgreSQL's version and the settings that matter for a night's batch work."""
    names = ("shared_buffers", "effective_cache_size", "work_mem", "maintenance_work_mem", "max_wal_size",
             "checkpoint_timeout", "synchronous_commit", "wal_level", "max_connections", "autovacuum")
    with engine.connect() as connection:
        version = str(connection.exec_driver_sql("SHOW server_version").scalar_one())
        settings = {name: str(connection.exec_driver_sql(f"SHOW {name}").scalar_one()) for name in names}
    return f"PostgreSQL {version} (" + ", ".join(f"{k} {v}" for k, v in settings.items()) + ")"


def _vacuum(engine: Engine) -> None:
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("VACUUM ANALYZE")
        connection.exec_driver_sql("CHECKPOINT")


# Reference rows, through the services ------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The rows the load hangs everything on."""

    template_enterprise_id: int
    bank_id: int
    order_id: int
    line_id: int


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


def make_reference(database: db.Database, business_date: date, first_uscc: str) -> Reference:
    """Platform, tax department, area, the template entity, and a bank's credit line opened by an approved order."""
    opened = business_date - timedelta(days=MAX_AGE_DAYS + 5)
    with clock.use(clock.at(opened.year, opened.month, opened.day, 9, 0)), \
            db.transaction(database.session_factory) as session:
        def user(org: int, username: str, role: Role) -> Any:
            created = identity_service.create_user(session, user_in=UserCreate(
                organisation_id=org, username=username, display_name=username, password=PASSWORD, roles=[role]))
            return identity_service.principal_for_user(created)

        platform_org = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="平台运营中心", kind=OrgKind.PLATFORM_OPERATOR))
        user(platform_org.id, "admin", Role.PLATFORM_ADMIN)
        tax = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="南岸区税务局", kind=OrgKind.GOVERNMENT_DEPARTMENT))
        user(tax.id, "tax.officer", Role.DEPARTMENT_DATA_OFFICER)
        creditdata_service.bind_department(session, code="tax", organisation_id=tax.id)
        enforcement = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=PENALTY_AUTHORITY, kind=OrgKind.GOVERNMENT_DEPARTMENT))
        user(enforcement.id, "enforcement.officer", Role.DEPARTMENT_DATA_OFFICER)
        creditdata_service.bind_department(session, code="law_enforcement", organisation_id=enforcement.id)
        bank = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="基准测试银行", kind=OrgKind.BANK))
        manager = user(bank.id, "bench.manager", Role.BANK_MANAGER)
        officer = user(bank.id, "bench.officer", Role.BANK_LOAN_OFFICER)
        product = products_service.create(session, principal=manager, product_in=ProductCreate(
            code="BENCH-NIGHT", name="夜间基准产品", min_rate=Decimal("0.035"), max_rate=Decimal("0.08"),
            guarantee_fee_rate=Decimal("0.012"), min_amount_fen=1_000_000, max_line_fen=100_000_000,
            repayment_methods=[RepaymentMethod.EQUAL_INSTALLMENT], term_options=[12]))
        products_service.publish(session, principal=manager, product_id=product.id)
        area = registry_service.create_area(session, code="500108001", name="南坪街道", kind="street", is_pilot=True)
        enterprise = registry_service.create(session, enterprise_in=EnterpriseCreate(
            uscc=first_uscc, name="重庆样本商贸有限公司0", kind="enterprise", legal_rep_name="张三",
            legal_rep_id_number="50010819800101123" + id_check_char("50010819800101123"),
            registration_date=date(2018, 5, 1), registered_capital_fen=200_000_000, industry_code="F52",
            district_area_id=area.id, last_annual_report_year=opened.year - 1, employees=12))
        enterprise_org = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=enterprise.name, kind=OrgKind.ENTERPRISE, uscc=enterprise.uscc, enterprise_id=enterprise.id))
        applicant = user(enterprise_org.id, "bench.enterprise", Role.ENTERPRISE_ADMIN)
        order = orders_service.apply(session, principal=applicant, order_in=OrderCreate(
            product_id=product.id, amount_fen=100_000_000, term_months=12,
            repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="补充流动资金", authorise=True))
        orders_service.accept(session, principal=officer, order=order)
        orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
            line_fen=100_000_000, annual_rate=Decimal("0.05"), term_months=12,
            repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
        orders_service.approve(session, principal=manager, order=order, decision_in=OrderApprove())
        ids = (enterprise.id, bank.id, order.id)
    events.dispatch_pending(session_factory=database.session_factory)  # the loans context opens the line
    with database.session_factory() as session:
        line = session.scalars(select(CreditLine).where(CreditLine.order_id == ids[2])).one()
        return Reference(template_enterprise_id=ids[0], bank_id=ids[1], order_id=ids[2], line_id=line.id)


# Bulk load ---------------------------------------------------------------------------------------------


def load_entities(database: db.Database, ref: Reference, codes: list[str]) -> None:
    """The other entities, copies of the template under the given codes, registered over 2008–2021."""
    with db.transaction(database.session_factory) as session:
        session.execute(text(
            "INSERT INTO enterprise (uscc, name, kind, scale, legal_rep_name, legal_rep_id_cipher, legal_rep_id_index, "
            "registration_date, registered_capital_fen, industry_code, district_area_id, address, operating_status, "
            "last_annual_report_year, is_abnormal, employees, created_at) "
            "SELECT c.code, '重庆样本商贸有限公司' || c.n, e.kind, e.scale, e.legal_rep_name, e.legal_rep_id_cipher, "
            "e.legal_rep_id_index, DATE '2008-01-01' + ((c.n * 7919) % 5000)::int, e.registered_capital_fen, "
            "e.industry_code, e.district_area_id, e.address, e.operating_status, e.last_annual_report_year, "
            "e.is_abnormal, e.employees, e.created_at "
            "FROM enterprise e, unnest(CAST(:codes AS text[])) WITH ORDINALITY AS c(code, n) "
            "WHERE e.id = :template ORDER BY c.n"), {"codes": codes, "template": ref.template_enterprise_id})


def history_sql(business_date: date) -> str:
    """The credit records every entity has before D: ~5.2 an entity, all received before D, stored in the order
    they arrived (by date, so an entity's records lie apart in the table, as deliveries over the years leave them)."""
    recent = business_date - timedelta(days=10)
    month_end = (business_date.replace(day=1) - timedelta(days=1)).replace(day=1) - timedelta(days=1)
    report_year = (business_date - timedelta(days=200)).year - 1
    on_time, late = date(report_year + 1, 5, 20), date(report_year + 1, 8, 15)
    arrears = business_date - timedelta(days=61)
    assert late + timedelta(days=8) < business_date and month_end + timedelta(days=8) < business_date
    return f"""
WITH e AS (SELECT id, abs(hashtext(id::text)) AS h FROM enterprise),
item AS (SELECT id, code, source_department FROM catalogue_item),
facts AS (
  SELECT e.id AS enterprise_id, 'tax_payment' AS code, k AS n,
         (DATE '{recent}' - ((e.h >> (k * 3)) % 300 + (CASE WHEN k = 2 THEN 365 ELSE 0 END))::int) AS fact,
         500 * 100 + (e.h >> k) % 4950000 AS amount
  FROM e CROSS JOIN generate_series(0, 2) AS k
  UNION ALL
  SELECT e.id, 'social_insurance_enrolment', 0, DATE '{month_end}', e.h % 50 FROM e
  UNION ALL
  SELECT e.id, 'annual_report', 0, CASE WHEN e.h % 20 = 0 THEN DATE '{late}' ELSE DATE '{on_time}' END, 0 FROM e
  UNION ALL
  SELECT e.id, 'admin_penalty', 0, DATE '{recent}' - (e.h % 1000)::int, 100000 + e.h % 900000 FROM e
  WHERE e.h % 100 < 15
  UNION ALL
  SELECT e.id, 'tax_arrears', 0, DATE '{arrears}', 50000 + e.h % 500000 FROM e WHERE (e.h >> 7) % 100 < 3
)
INSERT INTO credit_record (enterprise_id, catalogue_item_id, record_key, fingerprint, data, fact_date, channel,
                           source_department, received_at)
SELECT f.enterprise_id, item.id, k.record_key, md5(item.code || ':' || f.enterprise_id || ':' || k.record_key)::uuid,
       CASE f.code
         WHEN 'tax_payment' THEN jsonb_build_object('voucher_no', k.record_key, 'tax_period',
              to_char(f.fact - 20, 'YYYY-MM'), 'tax_kind', '增值税', 'amount', f.amount, 'paid_date', f.fact::text)
         WHEN 'social_insurance_enrolment' THEN jsonb_build_object('month', '{month_end:%Y-%m}',
              'month_end', '{month_end}', 'insured_people', f.amount)
         WHEN 'annual_report' THEN jsonb_build_object('report_year', {report_year}, 'filed_date', f.fact::text)
         WHEN 'admin_penalty' THEN jsonb_build_object('decision_no', k.record_key, 'violation', '未按规定公示',
              'penalty_kind', '罚款', 'amount', f.amount,
              'severity', CASE WHEN f.enterprise_id % 10 = 0 THEN '严重' ELSE '一般' END,
              'decision_date', f.fact::text, 'authority', '南岸区市场监管局')
         ELSE jsonb_build_object('tax_kind', '增值税', 'amount', f.amount, 'announced_date', f.fact::text)
       END,
       f.fact, 'bulk_import', item.source_department,
       (f.fact + 8)::timestamp AT TIME ZONE 'Asia/Shanghai' + interval '10 hours'
FROM facts f JOIN item ON item.code = f.code
CROSS JOIN LATERAL (SELECT CASE f.code WHEN 'annual_report' THEN '{report_year}'
                                       WHEN 'social_insurance_enrolment' THEN '{month_end:%Y-%m}'
                                       WHEN 'tax_arrears' THEN '增值税|' || f.fact::text
                                       ELSE f.code || '-' || f.enterprise_id || '-' || f.n END AS record_key) k
ORDER BY f.fact, f.enterprise_id
"""  # noqa: S608 - dates we computed


def borrower_lines_sql(ref: Reference, borrowers: int) -> str:
    """Each borrower's own approved order and the credit line it opened, as the template's (the first entity's, made
    through the services) copied to entities 2 … `borrowers` in id order: the line is what post-loan monitoring
    watches (an exposure is a line), so the book's drawdowns each go on their borrower's line."""
    order_columns = [c.name for c in FinancingOrder.__table__.columns
                     if c.name not in ("id", "order_no", "enterprise_id")]
    line_columns = [c.name for c in CreditLine.__table__.columns if c.name not in ("id", "order_id", "enterprise_id")]
    return f"""
        SET LOCAL session_replication_role = replica;  -- no FK triggers: every id below is one we just read
        CREATE TEMPORARY TABLE bench_borrower AS
        SELECT k, id FROM (SELECT row_number() OVER (ORDER BY id) AS k, id FROM enterprise) AS e
        WHERE k BETWEEN 2 AND {borrowers};
        INSERT INTO financing_order (order_no, enterprise_id, {", ".join(order_columns)})
        SELECT 'BENCH' || lpad(b.k::text, 12, '0'), b.id, {", ".join("o." + c for c in order_columns)}
        FROM bench_borrower AS b CROSS JOIN financing_order AS o WHERE o.id = {ref.order_id} ORDER BY b.k;
        INSERT INTO credit_line (order_id, enterprise_id, {", ".join(line_columns)})
        SELECT o.id, o.enterprise_id, {", ".join("l." + c for c in line_columns)}
        FROM financing_order AS o CROSS JOIN credit_line AS l
        WHERE l.id = {ref.line_id} AND o.order_no LIKE 'BENCH%' ORDER BY o.id;
        ANALYZE financing_order;
        ANALYZE credit_line;
    """  # noqa: S608 - column names from our models, ids we read


def load_drawdowns(engine: Engine, n: int, entities: int, business_date: date, ref: Reference,
                   log: dict[str, float]) -> None:
    """Run the drawdowns' load statements, each in its own transaction: drawdown k on the line of entity k."""
    for label, sql in drawdown_statements(n, entities, business_date, 0.2026, 0.03, line_id=ref.line_id,
                                          bank_id=ref.bank_id, line_of_entity=True):
        with step(f"drawdowns: {label}", log):
            run_script(engine, sql)


def watch_list_sql() -> str:
    """The watch list as disbursement leaves it (`monitoring.watch`): each borrower's post-loan authorisation
    (贷后管理) of its line to the bank, all categories, granted at its first drawdown and lasting until a day after
    the line's last maturity, as `consent.service.grant` writes it; the watch period that the first detection run
    after the grant opened (`watch.refresh_periods`: organisation, firm, started, not ended); and the detection
    cursor past the history (read by earlier nights' runs, as the network feed starts after it).

    Not loaded, since nothing in the night reads them: the firms' administrators who granted (`granted_by_user_id`
    is left empty) and the grants' audit entries."""
    return f"""
        SET LOCAL session_replication_role = replica;  -- no FK triggers: every id below is one we just read
        INSERT INTO authorisation (enterprise_id, granted_by_user_id, recipient_organisation_id, purpose,
                                   purpose_ref, categories, data_from, data_to, mode, granted_at, valid_from,
                                   expires_at)
        SELECT l.enterprise_id, NULL, l.bank_organisation_id, '{consent_service.Purpose.POST_LOAN_MANAGEMENT.value}',
               '{LINE_REFERENCE_PREFIX}' || l.id, c.codes, NULL, NULL, 'periodic', d.disbursed, d.disbursed,
               (d.maturity + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
        FROM credit_line AS l
        JOIN (SELECT credit_line_id, min(created_at) AS disbursed, max(maturity_date) AS maturity
              FROM drawdown GROUP BY credit_line_id) AS d ON d.credit_line_id = l.id
        CROSS JOIN (SELECT json_agg(code ORDER BY code) AS codes FROM catalogue_category) AS c
        ORDER BY l.id;
        INSERT INTO watch_period (organisation_id, enterprise_id, started_at, ended_at)
        SELECT recipient_organisation_id, enterprise_id, min(valid_from), NULL FROM authorisation
        WHERE purpose = '{consent_service.Purpose.POST_LOAN_MANAGEMENT.value}'
        GROUP BY recipient_organisation_id, enterprise_id ORDER BY enterprise_id;
        INSERT INTO monitoring_cursor (id, last_record_id, last_scoring_run_id, last_mark_id)
        SELECT 1, coalesce(max(id), 0), 0, 0 FROM credit_record
        ON CONFLICT (id) DO UPDATE SET last_record_id = excluded.last_record_id;
        ANALYZE authorisation;
        ANALYZE watch_period;
    """  # noqa: S608 - constants of ours


class HeldJobs(jobs.InProcess):
    """This process's job engine: in process, as the benchmark always ran (the import's and end of day's after-commit
    dispatch of their events in the caller), except that the jobs named in `held` wait in a queue, as on
    procrastinate's for a worker of their queue, until `run_held` runs them: a delivery's and a scoring run's
    detection (`monitoring.detect`) are deferred by their events' handlers and run in the monitoring stage."""

    def __init__(self, held: set[str]) -> None:
        super().__init__()
        self.held = held
        self.queue: list[tuple[str, dict[str, Any], sessionmaker[Session] | None]] = []

    def defer(self, name: str, kwargs: dict[str, Any], *, factory: sessionmaker[Session] | None = None) -> None:
        """Queue a held job; run any other now."""
        if name in self.held:
            self.queue.append((name, dict(kwargs), factory))
        else:
            super().defer(name, kwargs, factory=factory)

    def waiting(self, name: str, factory: sessionmaker[Session]) -> list[dict[str, Any]]:
        """The arguments of the jobs `name` queued for the database of `factory`, in order."""
        return [kwargs for queued, kwargs, owner in self.queue if queued == name and owner is factory]

    def run_held(self, name: str, factory: sessionmaker[Session], *, once: bool = False) -> list[dict[str, Any]]:
        """Run the queued jobs `name` of the database of `factory` in the order deferred (`once`: one run for them
        all, as a single-queued job), as a worker runs them; the arguments run."""
        todo = self.waiting(name, factory)
        self.queue = [q for q in self.queue if not (q[0] == name and q[2] is factory)]
        for kwargs in todo[:1] if once else todo:
            jobs.get(name).func(factory, **kwargs)
        return todo


def yesterday(database: db.Database, held: HeldJobs, business_date: date, borrowers: int) -> int:
    """Yesterday's scoring run (as of D − 1, in this process: `scoring.batch.run_job`) and the detection its completion
    deferred, as the night before this one left them (grade drops compare tonight's run with it); the run's id."""
    from xinyidai.scoring import batch

    result = batch.run_job(as_of=business_date - timedelta(days=1), trigger="schedule",
                           session_factory=database.session_factory)
    assert result.ran and result.run_id is not None, result.message
    factory = database.session_factory
    periods_before = _count(database, "SELECT count(*) FROM watch_period")
    ran = held.run_held("monitoring.detect", factory)
    with database.engine.connect() as connection:
        run = connection.execute(text(
            "SELECT watched_pairs, watches_stopped, alerts_raised, scoring_run_through FROM monitoring_run "
            "ORDER BY id DESC LIMIT 1")).one()
    # The loaded watch list is the one detection derives: no pair opened, none stopped, nothing raised.
    assert ran and tuple(run) == (borrowers, 0, 0, result.run_id), (ran, run)
    assert _count(database, "SELECT count(*) FROM watch_period") == periods_before == borrowers
    return result.run_id


def _count(database: db.Database, sql: str) -> int:
    with database.engine.connect() as connection:
        return int(connection.exec_driver_sql(sql).scalar_one())


def train_champion(database: db.Database, folder: Path, business_date: date, seed: int = 2026) -> int:
    """A scorecard on a synthetic frame of five platform features, registered and promoted; its version id."""
    from xinyidai.scoring import model_versions as registry
    from xinyidai.scoring.modelling import development, store
    from xinyidai.scoring.modelling.dataset import TrainingData

    frame = feature_frame(4000, np.random.default_rng(seed))
    tax, penalties, staff, late, arrears = (frame[name].to_numpy() for name in FEATURES)
    logit = -2.2 - 0.00002 * (tax - 50_000) + 0.8 * penalties - 0.03 * (staff - 25) + 0.9 * late + 0.0002 * arrears
    y = (np.random.default_rng(seed + 1).random(len(frame)) < 1 / (1 + np.exp(-logit))).astype(int)
    data = TrainingData(frame=frame, y_bad=y, numeric=list(FEATURES), categorical=[], dates=None, dropped=[])
    trained = business_date - timedelta(days=2)
    with clock.use(clock.at(trained.year, trained.month, trained.day, 9, 0)):
        store.save(development.develop(data, folds=3, seed=seed), folder)
        with db.transaction(database.session_factory) as session:
            admin_user = next(u for u in identity_service.list_users(session) if u.username == "admin")
            admin = identity_service.principal_for_user(admin_user)
            version = registry.register(session, principal=admin, files=registry.read_directory(folder))
            registry.promote(session, principal=admin, version_id=version.id)
            return version.id


def feature_frame(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Five platform features distributed like the loaded records (the training frame, and the floor's matrix)."""
    return pd.DataFrame({
        "tax_paid_12m": rng.uniform(1_000, 100_000, n),
        "penalties_36m": (rng.random(n) < 0.15).astype(float),
        "social_insurance_headcount": rng.integers(0, 50, n).astype(float),
        "annual_report_years_late": (rng.random(n) < 0.05).astype(float),
        "tax_arrears_amount": np.where(rng.random(n) < 0.03, rng.uniform(500, 5_500, n), 0.0),
    })


def write_file(path: Path, rows: int, codes: list[str], business_date: date, seed: int = 1) -> None:
    """The day's delivery: `rows` tax payments; every 1,000th with a negative amount."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    start = business_date - timedelta(days=300)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for n in range(rows):
            paid = start + timedelta(days=rng.randrange(300))
            amount = f"{rng.randrange(100, 10_000_000) / 100:.2f}"
            writer.writerow([rng.choice(codes), f"{seed:02d}{n:018d}", f"{paid.year}-{paid.month:02d}",
                             rng.choice(TAX_KINDS), "-" + amount if n % 1000 == 999 else amount, paid.isoformat()])


def write_penalties(path: Path, rows: int, codes: list[str], business_date: date, seed: int = 2) -> None:
    """The day's second delivery: `rows` administrative penalties decided in the week before D by the district's
    law-enforcement bureau (one in ten 严重), about firms drawn uniformly from the register."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(PENALTY_HEADER)
        for n in range(rows):
            decided = business_date - timedelta(days=rng.randrange(1, 8))
            serious = n % 10 == 9
            writer.writerow([rng.choice(codes), f"南综执罚〔{decided.year}〕{seed}{n:07d}号",
                             "违法生产经营" if serious else "未按规定公示信息", "罚款",
                             f"{rng.randrange(50_000, 20_000_000) / 100:.2f}", "严重" if serious else "一般",
                             decided.isoformat(), PENALTY_AUTHORITY])


# The night's stages ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """One file of the day: where it is, its sub-category and who delivers it."""

    path: Path
    item_code: str
    username: str


def deliveries(database: db.Database, files: list[Delivery], business_date: date, stage: Stage) -> list[int]:
    """Stage 1: the day's files, each through `creditdata.imports.import_file` by its department's officer and
    committed (its `DeliveryCommitted` dispatched after the commit, whose handler defers the batch's detection); the
    batches' ids."""
    from xinyidai.creditdata import imports

    with database.session_factory() as session:
        users = {u.username: identity_service.principal_for_user(u) for u in identity_service.list_users(session)}
    d = business_date
    details, batches = [], []
    with clock.use(clock.at(d.year, d.month, d.day, 18, 0)), timed_stage(stage):
        for delivery in files:
            with db.transaction(database.session_factory) as session, delivery.path.open("rb") as source:
                batch = imports.import_file(session, principal=users[delivery.username],
                                            item_code=delivery.item_code, source=source,
                                            file_name=delivery.path.name)
                figures = (batch.id, batch.status, batch.rows_total, batch.rows_stored, batch.rows_duplicate,
                           batch.rows_rejected)
            batch_id, status, total, stored, duplicate, refused = figures
            details.append(f"{delivery.item_code}: {total:,} rows, {stored:,} stored, {duplicate:,} duplicate, "
                           f"{refused:,} refused")
            batches.append(batch_id)
            # Tax payments: every 1,000th refused (a negative amount); penalties: none.
            expected = total // 1000 if delivery.item_code == "tax_payment" else 0
            assert status == "committed" and refused == expected and stored == total - refused, figures
    stage.detail = "; ".join(details)
    print(f"  batches committed: {stage.detail}")
    return batches


@dataclass
class Workers:
    """`xinyidai worker` processes on the benchmark's database."""

    url: str
    count: int
    folder: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, engine: Engine) -> float:
        """Start them and wait until each has registered with the job engine; seconds it took."""
        started = time.perf_counter()
        env = {**os.environ, "XINYIDAI_DATABASE_URL": self.url, "XINYIDAI_JOBS_ENGINE": "procrastinate",
               "XINYIDAI_LOG_LEVEL": "WARNING"}
        for k in range(self.count):
            with (self.folder / f"worker{k}.log").open("wb") as log:  # the child keeps its own descriptor
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", "xinyidai.cli", "worker", "--queue", "scoring"], env=env, stdout=log,
                    stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            self.check()
            with engine.connect() as connection:
                if connection.exec_driver_sql("SELECT count(*) FROM procrastinate_workers").scalar_one() >= self.count:
                    return time.perf_counter() - started
            time.sleep(0.2)
        raise RuntimeError("the workers did not register within two minutes")

    def check(self) -> None:
        """Raise, with the log, when a worker has died."""
        for k, process in enumerate(self.processes):
            if process.poll() is not None:
                log = (self.folder / f"worker{k}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"worker {k} exited with {process.returncode}:\n{log}")

    def stop(self) -> None:
        """SIGTERM each (procrastinate finishes its job and leaves), then wait."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


def scoring_with_workers(database: db.Database, url: str, business_date: date, version_id: int, workers: Workers,
                         stage: Stage) -> int:
    """Stage 2: defer `scoring.batch` for D and wait until the run is done; the run's id."""
    engine = jobs.Procrastinate(url)
    query = text("SELECT id, status, entities_total, error FROM scoring_run WHERE model_version_id = :v AND as_of = :d")
    try:
        with timed_stage(stage):
            engine.defer("scoring.batch", {"as_of": business_date.isoformat(), "trigger": "schedule"})
            while True:
                workers.check()
                with database.engine.connect() as connection:
                    row = connection.execute(query, {"v": version_id, "d": business_date}).first()
                if row is not None and row.status in ("done", "failed"):
                    break
                time.sleep(0.2)
    finally:
        engine.app.close()
    assert row.status == "done", row.error
    with database.engine.connect() as connection:
        shares = connection.execute(text(
            "SELECT worker, count(*), sum(entities) FROM scoring_page WHERE scoring_run_id = :r GROUP BY worker "
            "ORDER BY worker"), {"r": row.id}).all()
    stage.detail = (f"{row.entities_total:,} entities in {sum(s[1] for s in shares)} pages, "
                    + "; ".join(f"{s[0]}: {s[1]} pages" for s in shares))
    print(f"  run {row.id}: {stage.detail}")
    return int(row.id)


def end_of_day(database: db.Database, held: HeldJobs, business_date: date, stage: Stage) -> int:
    """Stage 3: `loans.eod.run` for D, committed, then the after-commit dispatch of its events (defaults, and each
    drawdown past due: `loans.drawdown_overdue`), timed apart within the stage; the postings made."""
    from xinyidai.audit.actor import Actor
    from xinyidai.loans import eod

    d = business_date
    factory = database.session_factory
    held.held.add("events.dispatch")
    try:
        with clock.use(clock.at(d.year, d.month, d.day, 23, 0)), timed_stage(stage):
            started = time.perf_counter()
            with db.transaction(factory) as session:
                record = eod.run(session, business_date=business_date, actor=Actor.cli("bench_night"))
                figures = (record.status, record.drawdowns_accrued, record.entries_made, record.postings_made,
                           record.defaults_triggered)
            run_seconds = time.perf_counter() - started
            published = pending_events(database)
            started = time.perf_counter()
            held.run_held("events.dispatch", factory, once=True)
            dispatch_seconds = time.perf_counter() - started
    finally:
        held.held.discard("events.dispatch")
    status, accrued, entries, postings, defaults = figures
    stage.detail = (f"{accrued:,} drawdowns accrued, {entries:,} entries, {postings:,} postings, "
                    f"{defaults:,} defaults; run and commit {run_seconds:.1f} s, dispatch of its {published:,} "
                    f"events {dispatch_seconds:.1f} s")
    print(f"  run {status}: {stage.detail}")
    return int(postings)


@dataclass
class Network:
    """The night's database as a local node and a provincial node in a second database, both serving over HTTP."""

    province: Any  # bench.bench_network.BenchNode (imported late: that module imports this one)
    local: Any
    server: str
    bodies: list[bytes] = field(default_factory=list)

    @classmethod
    def start(cls, url: str, server: str, province_database: str, codes: list[str], folder: Path) -> Network:
        """Create, seed and start both nodes, as `bench_network` does; the local node's records up to now count
        as captured and pulled on earlier nights (its feed starts after them, the province's cursor at 0)."""
        from bench import bench_network as net
        from xinyidai.network import policy, service
        from xinyidai.network.models import NetworkFeedHead

        province = net.BenchNode("500000", policy.Role.PROVINCIAL, recreate_database(server, province_database),
                                 folder / "province", net.free_port(), 1000)
        local = net.BenchNode("500108", policy.Role.LOCAL, url, folder / "local", net.free_port(), 1000,
                              parent=province)
        network = cls(province, local, server)
        for node in (province, local):
            node.workdir.mkdir()
        net.seed(province, codes)  # the province holds every firm of the province
        service.keygen(local.key_path)
        with db.transaction(local.database.session_factory) as session:
            top = creditdata_service.latest_record_id(session)
            session.add(NetworkFeedHead(topic=service.RECORD_TOPIC, sequence=0, watermarks={
                item.code: top for item in creditdata_service.list_items(session)}))
        net.join(province, local)
        return network

    def stop(self, keep: bool) -> None:
        """Stop both servers; drop the province's database unless `keep`."""
        for node in (self.local, self.province):
            node.stop()
        if not keep:
            drop_database(self.server, self.province.database.engine.url.database)


def network_sync(network: Network, stage: Stage) -> None:
    """Stage 4: capture the day's records into the local node's feed, then the province pulls them over HTTP
    (`network.service.pull` with signed batches, as `xinyidai network sync` runs it); the batches kept for the
    floor."""
    from bench import bench_network as net
    from xinyidai.network import service

    province, local = network.province, network.local
    transport = net.RecordingTransport()
    with timed_stage(stage), httpx.Client(transport=transport, timeout=120) as client:
        captured, capture_seconds = net.capture_records(local)
        pulled = service.pull(province.database.session_factory, node=province.node(), peer_code=local.code,
                              topic=service.RECORD_TOPIC, client=client)
    assert pulled.error is None and pulled.position == pulled.head == captured, pulled
    with province.database.session_factory() as session:
        held = session.scalar(select(func.count()).select_from(CreditRecord))
    assert held == pulled.stored, (held, pulled)
    network.bodies = transport.bodies
    size = sum(len(b) for b in transport.bodies)
    stage.detail = (f"{captured:,} records captured ({capture_seconds:.1f} s), pulled in {pulled.batches} signed "
                    f"batches ({size / 2**20:.1f} MiB): {pulled.entries:,} sent, {pulled.stored:,} stored at the "
                    f"province, {captured - pulled.entries:,} withheld by the flow table")
    print(f"  {stage.detail}")


@dataclass(frozen=True)
class Detection:
    """What the monitoring stage read: its detection runs, the records past the cursor, the two scoring runs."""

    run_ids: list[int]
    records_after: int
    records_through: int
    scoring_run_id: int
    previous_run_id: int


def monitoring(database: db.Database, held: HeldJobs, stage: Stage, *, scoring_run_id: int, previous_run_id: int
               ) -> Detection:
    """Stage 5: the detection jobs the day deferred (one per delivery, from `DeliveryCommitted`; one for the scoring
    run, from `ScoringRunCompleted`), each run as a `monitoring` worker runs `monitoring.detect` (one transaction:
    watch list, periods, every rule in force over the records past the cursor and the batch, grade drops against the
    previous run, the alerts' events written), in the order deferred; then the outbox's dispatch of the alerts'
    events (`events.dispatch`, as the `events` queue's worker runs it after those commits)."""
    factory = database.session_factory
    queued = held.waiting("monitoring.detect", factory)
    print(f"  detection jobs waiting: {', '.join(str(kwargs.get('trigger')) for kwargs in queued)}", flush=True)
    assert queued, "nothing deferred monitoring.detect: are the events wired?"
    last_run = _count(database, "SELECT coalesce(max(id), 0) FROM monitoring_run")
    held.held.add("events.dispatch")
    try:
        with timed_stage(stage):
            started = time.perf_counter()
            held.run_held("monitoring.detect", factory)
            detect_seconds = time.perf_counter() - started
            started = time.perf_counter()
            held.run_held("events.dispatch", factory, once=True)
            dispatch_seconds = time.perf_counter() - started
    finally:
        held.held.discard("events.dispatch")
    with database.engine.connect() as connection:
        runs = connection.execute(text(
            "SELECT id, trigger, records_after, records_through, watched_pairs, alerts_raised, "
            "extract(epoch FROM finished_at - started_at) AS seconds FROM monitoring_run WHERE id > :last "
            "ORDER BY id"), {"last": last_run}).all()
        ids = [int(r.id) for r in runs]
        signals = connection.execute(text(
            "SELECT signal, count(*) FROM monitoring_alert WHERE detection_run_id = ANY(:ids) GROUP BY signal "
            "ORDER BY count(*) DESC, signal"), {"ids": ids}).all()
        events_sent = connection.execute(text(
            "SELECT count(*) FROM domain_event WHERE name = 'monitoring.alert_raised' AND dispatched_at IS NOT NULL"
        )).scalar_one()
    for r in runs:
        print(f"  run {r.id} ({r.trigger}): records {r.records_after:,} < id ≤ {r.records_through:,}, "
              f"{r.watched_pairs:,} pairs watched, {r.alerts_raised:,} alerts, {float(r.seconds):.1f} s")
    alerts = sum(int(r.alerts_raised) for r in runs)
    first = runs[0]
    stage.detail = (
        f"{len(runs)} detection runs ({', '.join(str(r.trigger).split(':')[0] for r in runs)}) over "
        f"{first.watched_pairs:,} watched pairs: {first.records_through - first.records_after:,} new records, "
        f"grades of run {scoring_run_id} against run {previous_run_id}; {alerts:,} alerts ("
        + ", ".join(f"{signal} {count:,}" for signal, count in signals)
        + f"); detection {detect_seconds:.1f} s, dispatch of the {events_sent:,} alerts' events "
          f"{dispatch_seconds:.1f} s")
    print(f"  {stage.detail}")
    assert alerts == sum(count for _, count in signals), (alerts, signals)
    return Detection(ids, int(first.records_after), int(first.records_through), scoring_run_id, previous_run_id)


def pending_events(database: db.Database) -> int:
    """Domain events recorded and not yet delivered."""
    with database.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(events.DomainEventRecord).where(
            events.DomainEventRecord.dispatched_at.is_(None))) or 0)


# Floors ------------------------------------------------------------------------------------------------


def floor_copy(url: str, path: Path) -> float:
    """Seconds to COPY the file's bytes into a bare text table of as many columns as the file has, committed."""
    with path.open(encoding="utf-8", newline="") as handle:
        width = len(next(csv.reader(handle)))
    with psycopg.connect(_plain(url)) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_floor_bare")
        connection.execute("CREATE TABLE bench_floor_bare ("
                           + ", ".join(f"c{k} text" for k in range(width)) + ")")
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor, path.open("rb") as source, \
                cursor.copy("COPY bench_floor_bare FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        connection.commit()
        seconds = time.perf_counter() - started
        connection.execute("DROP TABLE bench_floor_bare")
        connection.commit()
    return seconds


def floor_scoring(database: db.Database, url: str, run_id: int, version_id: int, entities: int
                  ) -> dict[str, float]:
    """Read every record once, predict an N-row matrix, write the N results: seconds of each."""
    import onnxruntime

    from xinyidai.scoring import model_versions as registry
    from xinyidai.scoring.modelling import scorecard

    parts: dict[str, float] = {}
    with psycopg.connect(_plain(url)) as connection:
        started = time.perf_counter()
        size = 0
        with connection.cursor() as cursor, cursor.copy(
                "COPY (SELECT enterprise_id, id, catalogue_item_id, record_key, channel, received_at, fact_date, "
                "data FROM credit_record) TO STDOUT") as copy:
            for block in copy:
                size += len(block)
        parts["read every record (COPY out)"] = time.perf_counter() - started
        print(f"  records read: {size / (1 << 20):,.0f} MiB in {parts['read every record (COPY out)']:.2f} s")
    with database.session_factory() as session:
        version = registry.get(session, version_id=version_id)
        onnx, spec = version.scorecard_onnx, version.scorecard_spec
    frame = feature_frame(entities, np.random.default_rng(7))
    names = [i["name"] for i in spec["inputs"]]
    x = np.column_stack([frame[name].to_numpy() if name in frame else np.full(entities, np.nan) for name in names])
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    model = onnxruntime.InferenceSession(onnx, options, providers=["CPUExecutionProvider"])
    model.run(None, {"X": x[:1000]})  # the first call allocates
    started = time.perf_counter()
    model.run(None, {"X": x})
    onnx_seconds = time.perf_counter() - started
    started = time.perf_counter()
    scorecard.score(spec, x)
    numpy_seconds = time.perf_counter() - started
    parts["predict (faster of ONNX, numpy)"] = min(onnx_seconds, numpy_seconds)
    print(f"  predict {x.shape[0]:,} × {x.shape[1]}: ONNX {onnx_seconds:.3f} s, numpy scorecard {numpy_seconds:.3f} s")
    with psycopg.connect(_plain(url)) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_floor_score")
        connection.execute("CREATE TABLE bench_floor_score (LIKE entity_score INCLUDING ALL)")
        connection.commit()
        started = time.perf_counter()
        connection.execute("INSERT INTO bench_floor_score SELECT * FROM entity_score WHERE scoring_run_id = %s",
                           (run_id,))
        connection.commit()
        parts["write the results (INSERT … SELECT)"] = time.perf_counter() - started
        connection.execute("DROP TABLE bench_floor_score")
        connection.commit()
    return parts


def floor_monitoring(url: str, detection: Detection) -> dict[str, float]:
    """Read the new records of watched firms joined to the watch list once, read the grades of both scoring runs
    joined by firm, and write as many alert rows into a bare copy of the alert table (no index, no key): seconds of
    each."""
    parts: dict[str, float] = {}
    reads = {
        "read the new records of watched firms (COPY out)": (
            "COPY (SELECT r.id, r.enterprise_id, r.catalogue_item_id, r.fact_date, r.data FROM credit_record AS r "  # noqa: S608
            "JOIN watch_period AS w ON w.enterprise_id = r.enterprise_id AND w.ended_at IS NULL "
            f"WHERE r.id > {detection.records_after} AND r.id <= {detection.records_through}) TO STDOUT"),
        "read both runs' grades (COPY out)": (
            "COPY (SELECT s.enterprise_id, p.grade, s.grade FROM entity_score AS s JOIN entity_score AS p "  # noqa: S608
            f"ON p.enterprise_id = s.enterprise_id AND p.scoring_run_id = {detection.previous_run_id} "
            f"WHERE s.scoring_run_id = {detection.scoring_run_id}) TO STDOUT"),
    }
    with psycopg.connect(_plain(url)) as connection:
        for label, sql in reads.items():
            started, size = time.perf_counter(), 0
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                for block in copy:
                    size += len(block)
            parts[label] = time.perf_counter() - started
            print(f"  {label}: {size / (1 << 20):,.1f} MiB in {parts[label]:.2f} s")
        connection.commit()
        connection.execute("DROP TABLE IF EXISTS bench_floor_alert")
        connection.execute("CREATE TABLE bench_floor_alert (LIKE monitoring_alert)")
        connection.commit()
        started = time.perf_counter()
        connection.execute("INSERT INTO bench_floor_alert SELECT * FROM monitoring_alert "
                           "WHERE detection_run_id = ANY(%s)", (detection.run_ids,))
        connection.commit()
        parts["write the alerts (INSERT … SELECT, bare table)"] = time.perf_counter() - started
        connection.execute("DROP TABLE bench_floor_alert")
        connection.commit()
    return parts


def floor_eod(engine: Engine, n: int, postings: int) -> dict[str, float]:
    """INSERT of `postings` rows into a ledger_posting-shaped table + one UPDATE of every row of a drawdown copy."""
    run_script(engine, """
        DROP TABLE IF EXISTS bench_floor_posting, bench_floor_drawdown;
        CREATE TABLE bench_floor_posting (LIKE ledger_posting INCLUDING ALL);
        CREATE TABLE bench_floor_drawdown (LIKE drawdown INCLUDING ALL);
        INSERT INTO bench_floor_drawdown SELECT * FROM drawdown ORDER BY id;
    """)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("VACUUM ANALYZE bench_floor_drawdown")
        connection.exec_driver_sql("VACUUM ANALYZE bench_floor_posting")
        connection.exec_driver_sql("CHECKPOINT")
    parts: dict[str, float] = {}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute(f"""
            INSERT INTO bench_floor_posting (entry_id, drawdown_id, account, amount_fen)
            SELECT {n} + g, (g - 1) % {n} + 1, 'interest_accrued', g % 100000
            FROM generate_series(1, {postings}) AS g
        """)  # noqa: S608 - integers only
        parts["INSERT postings"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("UPDATE bench_floor_drawdown SET accrued_through_ordinal = accrued_through_ordinal")
        parts["UPDATE every drawdown"] = time.perf_counter() - started
        started = time.perf_counter()
        raw.commit()
        parts["commit"] = time.perf_counter() - started
        cursor.close()
    finally:
        raw.close()
    run_script(engine, "DROP TABLE bench_floor_posting, bench_floor_drawdown")
    return parts


def score_in_one_process(database: db.Database, run_id: int, business_date: date) -> tuple[float, str]:
    """The same day scored again by `scoring.batch.run_job` in this process (the workers' run removed first)."""
    from xinyidai.scoring import batch

    run_script(database.engine, f"""
        DELETE FROM entity_score WHERE scoring_run_id = {run_id};
        DELETE FROM scoring_page WHERE scoring_run_id = {run_id};
        DELETE FROM scoring_run WHERE id = {run_id};
    """)  # noqa: S608 - an id we read
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE entity_score")
    load_before = load_average()
    started = time.perf_counter()
    result = batch.run_job(as_of=business_date, trigger="cli", session_factory=database.session_factory)
    seconds = time.perf_counter() - started
    assert result.ran, result.message
    return seconds, f"load {load_before} → {load_average()}"


# Sizes -------------------------------------------------------------------------------------------------


def table_sizes(engine: Engine) -> tuple[list[tuple[str, int, int, int, int]], int]:
    """(table, rows, heap bytes, index bytes, total bytes) of the biggest tables, and the database's size."""
    with engine.connect() as connection:
        biggest = connection.execute(text("""
            SELECT c.relname, pg_relation_size(c.oid), pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname = 'public'
            ORDER BY pg_total_relation_size(c.oid) DESC LIMIT :top"""), {"top": BIG_TABLES}).all()
        out = []
        for name, heap, indexes, total in biggest:
            rows = connection.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar_one()  # noqa: S608 - pg_class
            out.append((str(name), int(rows), int(heap), int(indexes), int(total)))
        database_size = int(connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())
    return out, database_size


def mib(size: int) -> str:
    """Bytes as MiB with thousands separators."""
    return f"{size / (1 << 20):,.0f}"


# Main --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """What the load leaves for the night."""

    codes: list[str]
    version_id: int
    previous_run_id: int
    log: dict[str, float]


def load_all(database: db.Database, held: HeldJobs, args: argparse.Namespace, business_date: date, folder: Path
             ) -> Loaded:
    """Everything the night starts from: the entities' codes, the champion's version id, yesterday's scoring run and
    the load's times."""
    log: dict[str, float] = {}
    borrowers = min(args.drawdowns, args.entities)
    with step("entity codes (Python)", log):
        codes = usccs(args.entities)
    with step("reference rows (services)", log):
        ref = make_reference(database, business_date, codes[0])
    with step(f"{args.entities - 1:,} more entities", log):
        load_entities(database, ref, codes[1:])
    with step("credit-record history", log):
        run_script(database.engine, history_sql(business_date))
    with step(f"{borrowers - 1:,} more borrowers' orders and lines", log):
        run_script(database.engine, borrower_lines_sql(ref, borrowers))
    load_drawdowns(database.engine, args.drawdowns, args.entities, business_date, ref, log)
    with step("post-loan authorisations, watch periods, detection cursor", log):
        run_script(database.engine, watch_list_sql())
    with step("VACUUM ANALYZE, CHECKPOINT", log):
        _vacuum(database.engine)
    with step("champion scorecard", log):
        version_id = train_champion(database, folder / "model", business_date)
    with step("yesterday's scoring run and its detection", log):
        previous_run_id = yesterday(database, held, business_date, borrowers)
    with step("VACUUM ANALYZE, CHECKPOINT", log):
        _vacuum(database.engine)
    with step(f"the day's files ({args.rows:,} tax payments, {args.penalties:,} penalties)", log):
        write_file(folder / "delivery.csv", args.rows, codes, business_date)
        write_penalties(folder / "penalties.csv", args.penalties, codes, business_date)
    return Loaded(codes, version_id, previous_run_id, log)


def report(args: argparse.Namespace, business_date: date, stages: list[Stage], settings: str,
           sizes: list[tuple[str, int, int, int, int]], database_size: int, load_seconds: float,
           uptime_before: str, uptime_after: str) -> dict[str, Any]:
    """Print the tables; the figures as a dict."""
    measured = [s for s in stages if s.seconds is not None]
    total = sum(s.seconds or 0.0 for s in measured)
    floors = sum(s.floor or 0.0 for s in measured)
    print(f"\n## The night: {args.entities:,} entities, {args.drawdowns:,} drawdowns, {args.rows:,} delivered rows and "
          f"{args.penalties:,} penalties; D = {business_date}; run {datetime.now():%Y-%m-%d %H:%M}")
    print(f"\n{machine()}; shared with other sessions' work (load average before the night {uptime_before}, after "
          f"{uptime_after})\n{settings}\nloading (not measured): {load_seconds / 60:.1f} min\n")
    print("| stage | what it did | time (s) | floor (s) | time / floor | load before → after |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for s in stages:
        seconds = f"{s.seconds:,.1f}" if s.seconds is not None else "—"
        floor = f"{s.floor:,.2f}" if s.floor is not None else "—"
        load = f"{s.load_before} → {s.load_after}" if s.load_before else "—"
        print(f"| {s.name} | {s.detail} | {seconds} | {floor} | {s.ratio()} | {load} |")
    print(f"| **the night** | | **{total:,.1f}** ({total / 60:.1f} min) | **{floors:,.2f}** | "
          f"{total / floors if floors else float('nan'):,.1f}× | |")
    for s in measured:
        if s.floor_parts:
            print(f"\nfloor of {s.name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in s.floor_parts.items()))
    verdict = "under" if total < 600 else "OVER"
    print(f"\ngoal: the whole night under 10 minutes on this machine: {verdict} ({total / 60:.1f} min)")
    print(f"\ndatabase {mib(database_size)} MiB; the biggest tables after the night:\n")
    print("| table | rows | heap (MiB) | indexes (MiB) | total (MiB) | bytes a row |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, rows, heap, indexes, size in sizes:
        print(f"| {name} | {rows:,} | {mib(heap)} | {mib(indexes)} | {mib(size)} | "
              f"{size / rows if rows else 0:,.0f} |")
    return {
        "entities": args.entities, "drawdowns": args.drawdowns, "rows": args.rows, "penalties": args.penalties,
        "business_date": str(business_date),
        "run": datetime.now().isoformat(timespec="minutes"), "machine": machine(), "settings": settings,
        "uptime_before": uptime_before, "uptime_after": uptime_after, "load_seconds": load_seconds,
        "stages": [s.__dict__ for s in stages], "total": total, "floors": floors,
        "database_bytes": database_size,
        "tables": [dict(zip(("table", "rows", "heap", "indexes", "total"), t, strict=True)) for t in sizes],
    }


def main(argv: list[str] | None = None) -> int:
    """Load, run the night, measure the floors, print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000, help="registered entities (default 100,000)")
    parser.add_argument("--drawdowns", type=int, help="active drawdowns (default: as many as entities)")
    parser.add_argument("--rows", type=int, help="rows in the day's delivered file (default: as many as entities)")
    parser.add_argument("--penalties", type=int, help="rows in the day's file of administrative penalties (default: "
                        "one per 1,000 entities)")
    parser.add_argument("--workers", type=int, default=2, help="`xinyidai worker` processes scoring (default 2)")
    parser.add_argument("--compare", action="store_true",
                        help="afterwards, score the same day again with run_job in one process")
    parser.add_argument("--business-date", type=date.fromisoformat,
                        help="D (default yesterday, China time: what the nightly scoring job scores as of)")
    parser.add_argument("--pg-url", default=DEFAULT_SERVER, help=f"server URL without database ({DEFAULT_SERVER})")
    parser.add_argument("--database", default=DATABASE, help=f"the night's database (default {DATABASE}); the "
                        "provincial node's is its name + `_province`")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    args.drawdowns = args.drawdowns or args.entities
    args.rows = args.rows or args.entities
    args.penalties = args.entities // 1000 if args.penalties is None else args.penalties
    if args.entities < 1000 or args.drawdowns < 50 or args.penalties < 1:
        parser.error("--entities must be at least 1,000, --drawdowns at least 50 and --penalties at least 1")
    business_date: date = args.business_date or clock.today() - timedelta(days=1)
    if business_date >= clock.today():
        parser.error("D must be before today: the workers run on the real clock and score only days past")

    print(f"the night: {args.entities:,} entities, {args.drawdowns:,} drawdowns, {args.rows:,} rows and "
          f"{args.penalties:,} penalties, D = {business_date}; {machine()}; load {load_average()}", flush=True)
    from xinyidai.main import wire_jobs

    wire_jobs()  # the jobs, and the event subscriptions production wires (the line opens on OrderApproved)
    held = HeldJobs({"monitoring.detect"})
    jobs.use(held)
    server = args.pg_url.rstrip("/")
    url = recreate_database(server, args.database)
    upgrade_database(url)
    database = db.Database(url)
    settings = server_settings(database.engine)
    print(settings)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("loading (not measured):", flush=True)
        started = time.perf_counter()
        loaded = load_all(database, held, args, business_date, folder)
        load_seconds = time.perf_counter() - started
        print(f"  load total: {load_seconds / 60:.1f} min", flush=True)
        started = time.perf_counter()
        network = Network.start(url, server, f"{args.database}_province", loaded.codes, folder)
        print(f"  provincial node seeded, both nodes serving: {time.perf_counter() - started:.1f} s (not part of "
              "the night: production nodes are always up)", flush=True)
        try:
            figures = night(args, database, held, url, business_date, loaded, folder, network, settings,
                            load_seconds)
        finally:
            network.stop(args.keep)
    database.engine.dispose()
    if not args.keep:
        drop_database(server, args.database)
    return 0 if figures else 1


def night(args: argparse.Namespace, database: db.Database, held: HeldJobs, url: str, business_date: date,
          loaded: Loaded, folder: Path, network: Network, settings: str, load_seconds: float) -> dict[str, Any]:
    """The night's stages, their floors and the report (and the comparison if asked); the figures."""
    uptime_before = load_average()
    stages = [Stage("deliveries"), Stage("batch scoring"), Stage("end of day"), Stage("network sync"),
              Stage("monitoring")]
    files = [Delivery(folder / "delivery.csv", "tax_payment", "tax.officer"),
             Delivery(folder / "penalties.csv", "admin_penalty", "enforcement.officer")]
    deliveries(database, files, business_date, stages[0])
    workers = Workers(url, args.workers, folder)
    try:
        print(f"  {args.workers} workers registered in {workers.start(database.engine):.1f} s (not part of the "
              "night: production workers are always up)", flush=True)
        run_id = scoring_with_workers(database, url, business_date, loaded.version_id, workers, stages[1])
    finally:
        workers.stop()
    # The run's `ScoringRunCompleted` goes to the outbox's `events` queue, which the scoring workers do not serve:
    # delivered here (its handler only defers the run's detection), not timed, as a worker of that queue would.
    events.dispatch_pending(session_factory=database.session_factory)
    postings = end_of_day(database, held, business_date, stages[2])
    network_sync(network, stages[3])
    detection = monitoring(database, held, stages[4], scoring_run_id=run_id, previous_run_id=loaded.previous_run_id)
    left = pending_events(database)
    print(f"  domain events still pending after the night: {left:,}")
    uptime_after = load_average()

    print("\nfloors:", flush=True)
    stages[0].floor_parts = {f"raw COPY of {f.path.name}": floor_copy(url, f.path) for f in files}
    stages[1].floor_parts = floor_scoring(database, url, run_id, loaded.version_id, args.entities)
    stages[2].floor_parts = floor_eod(database.engine, args.drawdowns, postings)
    from bench.bench_network import floor as floor_transfer

    stages[3].floor_parts = {"bare HTTP transfer of the same batches": floor_transfer(network.bodies, folder)}
    stages[4].floor_parts = floor_monitoring(url, detection)
    for stage in stages:
        stage.floor = sum(stage.floor_parts.values())
        print(f"  {stage.name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in stage.floor_parts.items()),
              flush=True)
    sizes, database_size = table_sizes(database.engine)
    # The night's figures first: the comparison below is long, and the night must not be lost with it.
    figures = report(args, business_date, stages, settings, sizes, database_size, load_seconds,
                     uptime_before, uptime_after)
    figures["load_steps"] = loaded.log
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    if args.compare:
        print("\nscoring again in one process (run_job):", flush=True)
        seconds, loads = score_in_one_process(database, run_id, business_date)
        scoring = stages[1].seconds or 0.0
        print(f"\nbatch scoring compared: {args.workers} `xinyidai worker` processes {scoring:.1f} s; "
              f"`scoring.batch.run_job` in one process {seconds:.1f} s ({loads})", flush=True)
        figures["compare_in_process"] = {"seconds": seconds, "load": loads}
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return figures


if __name__ == "__main__":
    raise SystemExit(main())
