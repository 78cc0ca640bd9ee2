"""End of day over N active drawdowns on PostgreSQL, timed against a floor measured in the same run.

Run: ``.venv/bin/python -m bench.bench_eod --drawdowns 1000000`` (``--keep`` leaves the database behind,
``--pg-url`` points at another server; the database is always ``xinyidai_bench_eod``).

What it does, in order:

1. drops and creates the database ``xinyidai_bench_eod``, migrates it with ``xinyidai.cli.upgrade_database``
   and makes the reference rows through the services (bank, product published, district area, enterprise,
   an approved order whose ``OrderApproved`` event opens the credit line);
2. bulk-loads N active 12-month equal-installment drawdowns with set-based SQL (``INSERT … SELECT`` over
   ``generate_series`` and a recursive CTE for the schedules; loading is not what is measured):

   * principal 10,000–1,000,000 yuan (whole hundreds of yuan), ``rate_ppm`` 35,000–80,000 (3.5–8%, steps of
     0.05%), ``overdue_rate_ppm`` = 1.5 × rate, ``fee_rate_ppm`` 12,000 on even ids and 0 on odd ids, ACT/360,
     value dates uniform over the 335 days before the business date D;
   * the schedule of each drawdown as ``schedule.build`` makes it (payment rounded once, interest on the fen
     balance at rate / 12, the last installment takes the residual), due on the value date's day of month;
   * repayment history: every installment due before D was paid on its due date (accrued interest and fee
     to date, then the installment's principal), except for a delinquent share (``--delinquent-share``, 3%)
     that missed their last 1–3 installments, and only those due within the last 90 days (a loan more than
     90 days late would have defaulted on an earlier day); installments due on D itself are unpaid when
     end of day starts (the borrower has not paid by the evening: the due transfer of ~1/30 of the book is
     the heavy case);
   * cached balances and carries exactly as the daily accrual would have left them after the end of day of
     D − 1 (running-total rounding with the sub-fen remainder carried; penalty on overdue principal and
     interest from each missed due date; days past due and classification as of D − 1);
   * one opening journal entry per drawdown whose postings equal the cached balances (contra accounts:
     cash for the principal net of what was repaid, interest income, penalty income, fee payable), so that
     ``loans.service.verify_balances`` holds before the run;
   then ``VACUUM ANALYZE`` and ``CHECKPOINT``, as the nightly state of a database autovacuum looks after.
3. runs ``loans.eod.run(session, business_date=D)`` in ``db.transaction`` with the clock at D 23:00 (China
   time), timed with ``time.perf_counter`` (the run itself; the commit is reported apart), with the time
   of each SQL statement recorded, and prints the ``EodRun`` record;
4. checks ``verify_balances`` on 100 drawdowns (evenly spread ids, plus drawdowns that went through the
   due transfer and overdue ones), that every entry of the run balances, and that every carry is within
   half a fen;
5. measures the floor: the physical minimum of a set-based end of day on this schema, in one transaction
   on tables in the same state as the run found its own (fresh copies, vacuumed, after a checkpoint):

   * ``INSERT INTO <copy of ledger_posting> SELECT … FROM generate_series(1, P)`` — as many posting rows as
     the run made, into a table with ``ledger_posting``'s columns, id sequence default and indexes (but no
     foreign keys): writing the postings at all;
   * ``UPDATE <copy of drawdown> SET accrued_through_ordinal = accrued_through_ordinal`` — one new version
     of every drawdown row, with its index entries: moving the cached balances at all. The copy (not
     ``drawdown`` itself, which the run has just rewritten) is what makes it the same physical work as the
     run's own update of a freshly loaded table.

   It leaves out the journal entries, the joins, the arithmetic and the foreign-key checks: everything
   that is the end of day's own work. EOD / floor says how far the run is from that minimum;
6. prints a markdown table and drops the database (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import Connection

from xinyidai import clock, db, events
from xinyidai.audit.actor import Actor
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.cli import upgrade_database
from xinyidai.clock import BUSINESS_TZ
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.loans import eod
from xinyidai.loans import service as loans_service
from xinyidai.loans.models import CreditLine, Drawdown
from xinyidai.orders import service as orders_service
from xinyidai.orders.events import OrderApproved
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products import service as products_service
from xinyidai.products.enums import RepaymentMethod
from xinyidai.products.schemas import ProductCreate
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import id_check_char, uscc_check_char
from xinyidai.registry.schemas import EnterpriseCreate

DATABASE = "xinyidai_bench_eod"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
DEFAULT_BUSINESS_DATE = date(2026, 11, 23)
MAX_AGE_DAYS = 335  # value dates over the last 11 months
MAX_DAYS_LATE = 90  # the product's default trigger: older arrears would have defaulted already
BASIS = 360 * 1_000_000  # year_days × ppm
PASSWORD = "Bench2026pass"


# Machine and timing ----------------------------------------------------------------------------------


def machine() -> str:
    """nproc, CPU model and memory of this machine."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            kib = int(meminfo.readline().split()[1])
            memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"nproc {os.cpu_count()}, {model}{memory}"


@dataclass
class StatementTimes:
    """Wall time of each SQL statement an engine runs while recording."""

    recording: bool = False
    rows: list[tuple[float, int, str]] = field(default_factory=list)
    _started: float = 0.0

    def attach(self, engine: Engine) -> None:
        @event.listens_for(engine, "before_cursor_execute")
        def _before(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
            self._started = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(conn: Connection, cursor: Any, statement: str, parameters: Any, context: Any,
                   executemany: bool) -> None:
            if self.recording:
                self.rows.append((time.perf_counter() - self._started, cursor.rowcount, statement))

    def report(self, top: int = 12) -> list[str]:
        lines = []
        for seconds, rowcount, statement in sorted(self.rows, key=lambda r: r[0], reverse=True)[:top]:
            head = " ".join(statement.split())[:150]
            lines.append(f"  {seconds:8.3f} s  {rowcount:>10,} rows  {head}")
        return lines


@contextmanager
def timed(label: str, log: list[tuple[str, float]]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    log.append((label, seconds))
    print(f"  {label}: {seconds:.1f} s", flush=True)


# Database lifecycle ----------------------------------------------------------------------------------


def recreate_database(server: str) -> str:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{DATABASE}"')
    admin.dispose()
    return f"{server}/{DATABASE}"


def drop_database(server: str) -> None:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin.dispose()


def server_settings(engine: Engine) -> str:
    with engine.connect() as connection:
        version = str(connection.exec_driver_sql("SHOW server_version").scalar_one())
        settings = {name: str(connection.exec_driver_sql(f"SHOW {name}").scalar_one())
                    for name in ("shared_buffers", "work_mem", "max_wal_size", "synchronous_commit")}
    return f"PostgreSQL {version} (" + ", ".join(f"{k} {v}" for k, v in settings.items()) + ")"


# Reference rows, through the services ----------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    bank_id: int
    enterprise_id: int
    product_id: int
    line_id: int


def _uscc(body: str) -> str:
    first17 = f"91500108{body}"
    return first17 + uscc_check_char(first17)


def _id_number(birth: str) -> str:
    first17 = f"500108{birth}123"
    return first17 + id_check_char(first17)


def make_reference(database: db.Database, business_date: date) -> Reference:
    """Bank, published product, area, enterprise and a credit line opened by an approved order."""
    opened = business_date - timedelta(days=MAX_AGE_DAYS + 5)
    events.subscribe(OrderApproved, loans_service.on_order_approved)
    with clock.use(clock.at(opened.year, opened.month, opened.day, 9, 0)), \
            db.transaction(database.session_factory) as session:
        def user(org: int, username: str, role: Role) -> Any:
            created = identity_service.create_user(session, user_in=UserCreate(
                organisation_id=org, username=username, display_name=username, password=PASSWORD, roles=[role]))
            return identity_service.principal_for_user(created)

        identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="平台运营中心", kind=OrgKind.PLATFORM_OPERATOR))
        bank = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="基准测试银行", kind=OrgKind.BANK))
        manager = user(bank.id, "bench.manager", Role.BANK_MANAGER)
        officer = user(bank.id, "bench.officer", Role.BANK_LOAN_OFFICER)
        product = products_service.create(session, principal=manager, product_in=ProductCreate(
            code="BENCH-EOD", name="日终基准产品", min_rate=Decimal("0.035"), max_rate=Decimal("0.08"),
            guarantee_fee_rate=Decimal("0.012"), min_amount_fen=1_000_000, max_line_fen=100_000_000,
            repayment_methods=[RepaymentMethod.EQUAL_INSTALLMENT], term_options=[12],
        ))
        products_service.publish(session, principal=manager, product_id=product.id)
        area = registry_service.create_area(session, code="500108001", name="南坪街道", kind="street", is_pilot=True)
        enterprise = registry_service.create(session, enterprise_in=EnterpriseCreate(
            uscc=_uscc("MA0000001"), name="重庆基准商贸有限公司", kind="enterprise", legal_rep_name="张三",
            legal_rep_id_number=_id_number("19800101"), registration_date=date(2018, 5, 1),
            registered_capital_fen=200_000_000, industry_code="F52", district_area_id=area.id,
            last_annual_report_year=opened.year - 1, employees=12,
        ))
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
        ids = (bank.id, enterprise.id, product.id, order.id)
    # The commit dispatched OrderApproved: the loans context has opened the line.
    events.dispatch_pending(session_factory=database.session_factory)
    with database.session_factory() as session:
        line = session.scalars(select(CreditLine).where(CreditLine.order_id == ids[3])).one()
        return Reference(bank_id=ids[0], enterprise_id=ids[1], product_id=ids[2], line_id=line.id)


# Bulk load -------------------------------------------------------------------------------------------


def drawdown_statements(n: int, entities: int, business_date: date, seed: float, delinquent_share: float, *,
                        line_id: int, bank_id: int, line_of_entity: bool = False) -> list[tuple[str, str]]:
    """The book's load, as (label, SQL; all numbers are ours, formatted in): n drawdowns on one credit line, drawdown
    k attributed to the k-th registered entity (modulo `entities`); `line_of_entity`: each drawdown on its borrower's
    own line instead (every borrower must then hold exactly one credit line)."""
    d = business_date.isoformat()
    line, line_join = ("cl.id", "JOIN credit_line AS cl ON cl.enterprise_id = e.id") if line_of_entity else (
        str(line_id), "")
    dord = business_date.toordinal()
    created = f"TIMESTAMPTZ '{d} 02:00:00+00'"
    return [
        ("entity numbering", """
            CREATE UNLOGGED TABLE bench_ent AS SELECT row_number() OVER (ORDER BY id) AS k, id FROM enterprise;
            CREATE UNIQUE INDEX ON bench_ent (k);
        """),
        ("random loans", f"""
            SELECT setseed({seed});
            CREATE UNLOGGED TABLE bench_rand AS
            SELECT g AS n,
                   (100 + floor(random() * 9901))::bigint * 10000 AS principal_fen,
                   (35000 + 500 * floor(random() * 91))::int AS rate_ppm,
                   DATE '{d}' - (1 + floor(random() * {MAX_AGE_DAYS}))::int AS value_date,
                   random() < {delinquent_share} AS delinquent,
                   (1 + floor(random() * 3))::int AS missed
            FROM generate_series(1, {n}) AS g;
            CREATE UNLOGGED TABLE bench_loan AS
            SELECT n, principal_fen, rate_ppm, rate_ppm * 3 / 2 AS overdue_ppm,
                   CASE WHEN n % 2 = 0 THEN 12000 ELSE 0 END AS fee_ppm, value_date,
                   value_date - DATE '0001-01-01' + 1 AS vord, delinquent, missed,
                   round(principal_fen * r * power(1 + r, 12) / (power(1 + r, 12) - 1))::bigint AS payment_fen
            FROM (SELECT *, rate_ppm::numeric / 12000000 AS r FROM bench_rand) AS q;
            DROP TABLE bench_rand;
        """),  # noqa: S608 - our own numbers
        ("schedules (recursive CTE)", """
            CREATE UNLOGGED TABLE bench_sched AS
            WITH RECURSIVE s(n, k, balance, rate_ppm, payment_fen, principal_k, interest_k) AS (
                SELECT n, 0, principal_fen, rate_ppm, payment_fen, 0::bigint, 0::bigint FROM bench_loan
              UNION ALL
                SELECT n, k + 1,
                       balance - CASE WHEN k + 1 = 12 THEN balance ELSE least(greatest(
                           payment_fen - (2 * balance * rate_ppm + 12000000) / 24000000, 0), balance) END,
                       rate_ppm, payment_fen,
                       CASE WHEN k + 1 = 12 THEN balance ELSE least(greatest(
                           payment_fen - (2 * balance * rate_ppm + 12000000) / 24000000, 0), balance) END,
                       (2 * balance * rate_ppm + 12000000) / 24000000
                FROM s WHERE k < 12
            )
            SELECT n, k, principal_k, interest_k FROM s WHERE k > 0;
        """),
        ("history, accrual and carries per installment", f"""
            SET LOCAL work_mem = '512MB';
            CREATE UNLOGGED TABLE bench_inst AS
            WITH base AS (
                SELECT s.n, s.k, s.principal_k, s.interest_k, l.principal_fen, l.rate_ppm, l.overdue_ppm,
                       l.fee_ppm, l.vord, l.delinquent, l.missed,
                       (l.value_date + make_interval(months => s.k))::date AS due_date
                FROM bench_sched AS s JOIN bench_loan AS l USING (n)
            ), ord AS (
                SELECT base.*, due_date - DATE '0001-01-01' + 1 AS dord FROM base
            ), st AS (
                SELECT ord.*, coalesce(lag(dord) OVER w, vord) AS prev_ord,
                       count(*) FILTER (WHERE dord < {dord}) OVER (PARTITION BY n) AS past
                FROM ord WINDOW w AS (PARTITION BY n ORDER BY k)
            ), st2 AS (
                SELECT st.*,
                       CASE WHEN dord < {dord} AND delinquent AND k > past - missed
                                 AND dord >= {dord - MAX_DAYS_LATE} THEN 'missed'
                            WHEN dord < {dord} THEN 'paid'
                            WHEN prev_ord < {dord} THEN 'current'
                            ELSE 'future' END AS state
                FROM st
            ), st3 AS (
                SELECT st2.*,
                       CASE WHEN state = 'future' THEN 0 ELSE least(dord, {dord}) - prev_ord END AS days,
                       principal_fen - coalesce(sum(principal_k) FILTER (WHERE state = 'paid') OVER (
                           PARTITION BY n ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                           AS outstanding
                FROM st2
            ), st4 AS (
                SELECT st3.*,
                       sum(outstanding * rate_ppm * days) OVER w AS iu,
                       sum(outstanding * fee_ppm * days) OVER w AS fu
                FROM st3 WINDOW w AS (PARTITION BY n ORDER BY k)
            ), st5 AS (
                SELECT st4.*, div(2 * iu + {BASIS}, {2 * BASIS}) AS ir, div(2 * fu + {BASIS}, {2 * BASIS}) AS fr
                FROM st4
            )
            SELECT n, k, due_date, dord, principal_k, interest_k, state, overdue_ppm,
                   iu::bigint AS iu, ir::bigint AS ir, fu::bigint AS fu, fr::bigint AS fr,
                   (ir - coalesce(lag(ir) OVER w, 0))::bigint AS i_posted,
                   (fr - coalesce(lag(fr) OVER w, 0))::bigint AS f_posted
            FROM st5 WINDOW w AS (PARTITION BY n ORDER BY k);
            DROP TABLE bench_sched;
        """),  # noqa: S608 - our own numbers
        ("balances per drawdown", f"""
            CREATE UNLOGGED TABLE bench_bal AS
            SELECT n,
                   sum(principal_k) FILTER (WHERE state IN ('current', 'future')) AS bal_principal,
                   coalesce(sum(principal_k) FILTER (WHERE state = 'missed'), 0) AS bal_principal_overdue,
                   sum(i_posted) FILTER (WHERE state = 'current') AS bal_interest_accrued,
                   coalesce(sum(i_posted) FILTER (WHERE state = 'missed'), 0) AS bal_interest_overdue,
                   coalesce(sum(i_posted) FILTER (WHERE state = 'paid'), 0) AS interest_paid,
                   sum(f_posted) FILTER (WHERE state = 'current') AS bal_fee_accrued,
                   coalesce(sum(f_posted) FILTER (WHERE state = 'missed'), 0) AS bal_fee_overdue,
                   coalesce(sum(f_posted) FILTER (WHERE state = 'paid'), 0) AS fee_paid,
                   max(iu - ir * {BASIS}) FILTER (WHERE state = 'current') AS carry_interest,
                   max(fu - fr * {BASIS}) FILTER (WHERE state = 'current') AS carry_fee,
                   coalesce(sum((principal_k + i_posted) * overdue_ppm * ({dord} - dord))
                            FILTER (WHERE state = 'missed'), 0) AS penalty_units,
                   min(dord) FILTER (WHERE state = 'missed') AS overdue_since,
                   max(due_date) AS maturity_date
            FROM bench_inst GROUP BY n;
        """),  # noqa: S608 - our own numbers
        ("drawdown rows", f"""
            SET LOCAL session_replication_role = replica;  -- no FK triggers during the load
            INSERT INTO drawdown (
                id, credit_line_id, enterprise_id, bank_organisation_id, idempotency_key, principal_fen, method,
                term_months, value_date, maturity_date, annual_rate, rate_ppm, overdue_rate_ppm, fee_rate_ppm,
                year_days, fee_mode, prepayment_rule, status, bal_principal, bal_principal_overdue,
                bal_interest_accrued, bal_interest_overdue, bal_penalty, bal_fee_accrued, bal_fee_overdue,
                carry_interest, carry_penalty, carry_fee, accrued_through_ordinal, overdue_since_ordinal,
                days_past_due, classification, settled_date, created_at)
            SELECT l.n, {line}, e.id, {bank_id}, 'bench-' || l.n, l.principal_fen,
                   'equal_installment', 12, l.value_date, b.maturity_date, l.rate_ppm::numeric / 1000000,
                   l.rate_ppm, l.overdue_ppm, l.fee_ppm, 360, 'daily', 'shorten_term', 'active',
                   b.bal_principal, b.bal_principal_overdue, b.bal_interest_accrued, b.bal_interest_overdue,
                   p.bal_penalty, b.bal_fee_accrued, b.bal_fee_overdue,
                   b.carry_interest, b.penalty_units - p.bal_penalty * {BASIS}, b.carry_fee,
                   {dord - 1}, b.overdue_since,
                   CASE WHEN b.overdue_since IS NULL THEN 0 ELSE {dord - 1} - b.overdue_since END,
                   CASE WHEN b.overdue_since IS NULL THEN 'normal' ELSE 'special_mention' END,
                   NULL, (l.value_date + TIME '02:00') AT TIME ZONE 'UTC'
            FROM bench_loan AS l JOIN bench_bal AS b USING (n)
            JOIN bench_ent AS e ON e.k = (l.n - 1) % {entities} + 1 {line_join}
            CROSS JOIN LATERAL (SELECT div(2 * b.penalty_units + {BASIS}, {2 * BASIS})::bigint AS bal_penalty) AS p
            ORDER BY l.n;
            SELECT setval(pg_get_serial_sequence('drawdown', 'id'), {n});
        """),  # noqa: S608 - our own numbers
        ("installment rows", """
            SET LOCAL session_replication_role = replica;
            INSERT INTO installment (
                drawdown_id, number, due_date, due_ordinal, principal_fen, scheduled_interest_fen,
                principal_paid_fen, overdue_principal_fen, overdue_interest_fen, overdue_paid_fen, superseded)
            SELECT n, k, due_date, dord, principal_k, interest_k,
                   CASE WHEN state = 'paid' THEN principal_k ELSE 0 END,
                   CASE WHEN state = 'missed' THEN principal_k ELSE 0 END,
                   CASE WHEN state = 'missed' THEN i_posted ELSE 0 END,
                   0, false
            FROM bench_inst ORDER BY n, k;
        """),
        ("opening journal entries", f"""
            SET LOCAL session_replication_role = replica;
            INSERT INTO journal_entry (id, drawdown_id, business_date, kind, eod_run_id, reverses_entry_id, memo,
                                       created_at)
            SELECT id, id, DATE '{(business_date - timedelta(days=1)).isoformat()}', 'opening', NULL, NULL,
                   'benchmark: balances brought forward', {created}
            FROM drawdown ORDER BY id;
            SELECT setval(pg_get_serial_sequence('journal_entry', 'id'), {n});
        """),  # noqa: S608 - our own numbers
        ("opening postings", """
            SET LOCAL session_replication_role = replica;
            INSERT INTO ledger_posting (entry_id, drawdown_id, account, amount_fen)
            SELECT d.id, d.id, leg.account, leg.amount
            FROM drawdown AS d JOIN bench_bal AS b ON b.n = d.id
            CROSS JOIN LATERAL (VALUES
                (1, 'principal', d.bal_principal),
                (2, 'principal_overdue', d.bal_principal_overdue),
                (3, 'cash', -(d.bal_principal + d.bal_principal_overdue) + b.interest_paid + b.fee_paid),
                (4, 'interest_accrued', d.bal_interest_accrued),
                (5, 'interest_overdue', d.bal_interest_overdue),
                (6, 'interest_income', -(d.bal_interest_accrued + d.bal_interest_overdue + b.interest_paid)),
                (7, 'penalty', d.bal_penalty),
                (8, 'penalty_income', -d.bal_penalty),
                (9, 'fee_accrued', d.bal_fee_accrued),
                (10, 'fee_overdue', d.bal_fee_overdue),
                (11, 'fee_payable', -(d.bal_fee_accrued + d.bal_fee_overdue + b.fee_paid))
            ) AS leg(seq, account, amount)
            WHERE leg.amount <> 0
            ORDER BY d.id, leg.seq;
        """),
        ("drop staging", "DROP TABLE bench_inst, bench_bal, bench_loan, bench_ent;"),
    ]


def run_script(engine: Engine, sql: str) -> None:
    """Several statements in one transaction, through the driver with no parameters (so `%` is modulo)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(sql)
        cursor.close()
        raw.commit()
    finally:
        raw.close()


def load(engine: Engine, n: int, business_date: date, seed: float, delinquent_share: float,
         ref: Reference) -> list[tuple[str, float]]:
    log: list[tuple[str, float]] = []
    # The one registered entity holds the whole book.
    for label, sql in drawdown_statements(n, 1, business_date, seed, delinquent_share, line_id=ref.line_id,
                                          bank_id=ref.bank_id):
        with timed(label, log):
            run_script(engine, sql)
    with timed("VACUUM ANALYZE, CHECKPOINT", log), engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("drawdown", "installment", "journal_entry", "ledger_posting", "credit_line", "product"):
            connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
        connection.exec_driver_sql("CHECKPOINT")
    return log


def book_summary(engine: Engine, business_date: date) -> str:
    dord = business_date.toordinal()
    with engine.connect() as connection:
        row = connection.execute(text("""
            SELECT count(*), sum(bal_principal + bal_principal_overdue),
                   count(*) FILTER (WHERE overdue_since_ordinal IS NOT NULL),
                   count(*) FILTER (WHERE overdue_since_ordinal = :dord - :late),
                   (SELECT count(*) FROM installment), (SELECT count(*) FROM installment WHERE due_ordinal = :dord),
                   (SELECT count(*) FROM ledger_posting)
            FROM drawdown WHERE status = 'active'
        """), {"dord": dord, "late": MAX_DAYS_LATE}).one()
    return (f"book: {row[0]:,} active drawdowns, {row[1] / 100:,.0f} yuan outstanding, {row[2]:,} overdue "
            f"({row[3]:,} reach {MAX_DAYS_LATE} days past due on D), {row[4]:,} installments ({row[5]:,} due on D), "
            f"{row[6]:,} opening postings")


# The run, its checks, the floor ----------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    run_id: int
    seconds: float
    commit_seconds: float
    drawdowns_accrued: int
    entries: int
    postings: int
    defaults: int
    record: str


def run_eod(database: db.Database, business_date: date, times: StatementTimes) -> RunResult:
    evening = clock.at(business_date.year, business_date.month, business_date.day, 23, 0)
    with clock.use(evening):
        started = time.perf_counter()
        with db.transaction(database.session_factory) as session:
            times.recording = True
            before = time.perf_counter()
            record = eod.run(session, business_date=business_date, actor=Actor.cli("bench_eod"))
            seconds = time.perf_counter() - before
            times.recording = False
            result = (record.id, record.drawdowns_accrued, record.entries_made, record.postings_made,
                      record.defaults_triggered)
            finished = record.finished_at.astimezone(BUSINESS_TZ).strftime("%H:%M:%S") if record.finished_at else None
            described = (f"EodRun(id={record.id}, business_date={record.business_date}, status={record.status}, "
                         f"drawdowns_accrued={record.drawdowns_accrued:,}, entries_made={record.entries_made:,}, "
                         f"postings_made={record.postings_made:,}, defaults_triggered={record.defaults_triggered:,}, "
                         f"started_at={record.started_at.astimezone(BUSINESS_TZ):%H:%M:%S}, "
                         f"finished_at={finished})")
        total = time.perf_counter() - started
    return RunResult(run_id=result[0], seconds=seconds, commit_seconds=total - seconds, drawdowns_accrued=result[1],
                     entries=result[2], postings=result[3], defaults=result[4], record=described)


def verify(database: db.Database, n: int, run: RunResult) -> list[str]:
    """verify_balances on 100 drawdowns, balanced entries, carries within half a fen."""
    problems: list[str] = []
    with database.session_factory() as session:
        spread = [1 + i * (n - 1) // 99 for i in range(100)]
        due = list(session.execute(text(
            "SELECT drawdown_id FROM journal_entry WHERE eod_run_id = :run AND kind = 'due_transfer' "
            "ORDER BY drawdown_id LIMIT 25"), {"run": run.run_id}).scalars())
        overdue = list(session.execute(text(
            "SELECT id FROM drawdown WHERE overdue_since_ordinal IS NOT NULL AND id NOT IN "
            "(SELECT drawdown_id FROM journal_entry WHERE eod_run_id = :run AND kind = 'due_transfer') "
            "ORDER BY id LIMIT 25"), {"run": run.run_id}).scalars())
        chosen = set(due) | set(overdue)
        sample = sorted(chosen | set([i for i in spread if i not in chosen][:100 - len(chosen)]))
        for drawdown in session.scalars(select(Drawdown).where(Drawdown.id.in_(sample))):
            problems += [f"drawdown {drawdown.id}: {p}"
                         for p in loans_service.verify_balances(session, drawdown=drawdown)]
        unbalanced = session.execute(text("""
            SELECT count(*) FROM (
                SELECT p.entry_id FROM ledger_posting AS p JOIN journal_entry AS j ON j.id = p.entry_id
                WHERE j.eod_run_id = :run GROUP BY p.entry_id HAVING sum(p.amount_fen) <> 0) AS bad
        """), {"run": run.run_id}).scalar_one()
        if unbalanced:
            problems.append(f"{unbalanced} entries of the run do not balance")
        out_of_range = session.execute(text(f"""
            SELECT count(*) FROM drawdown WHERE
                carry_interest < -{BASIS // 2} OR carry_interest >= {BASIS // 2} OR
                carry_penalty < -{BASIS // 2} OR carry_penalty >= {BASIS // 2} OR
                carry_fee < -{BASIS // 2} OR carry_fee >= {BASIS // 2}
        """)).scalar_one()  # noqa: S608 - constants only
        if out_of_range:
            problems.append(f"{out_of_range} drawdowns carry more than half a fen")
        print(f"verified {len(sample)} drawdowns ({len(due)} through the due transfer, {len(overdue)} other overdue): "
              + ("all agree with the ledger" if not problems else f"{len(problems)} problems"))
    return problems


def measure_floor(engine: Engine, n: int, postings: int) -> tuple[float, list[tuple[str, float]]]:
    """INSERT of `postings` rows into a ledger_posting-shaped table + one UPDATE of every row of a drawdown copy."""
    with engine.begin() as connection:
        connection.exec_driver_sql("""
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
    steps: list[tuple[str, float]] = []
    raw = engine.raw_connection()  # the driver itself: no parameters, so `%` is modulo
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute(f"""
            INSERT INTO bench_floor_posting (entry_id, drawdown_id, account, amount_fen)
            SELECT {n} + g, (g - 1) % {n} + 1, 'interest_accrued', g % 100000
            FROM generate_series(1, {postings}) AS g
        """)  # noqa: S608 - integers only
        steps.append(("INSERT postings", time.perf_counter() - started))
        middle = time.perf_counter()
        cursor.execute("UPDATE bench_floor_drawdown SET accrued_through_ordinal = accrued_through_ordinal")
        steps.append(("UPDATE every drawdown", time.perf_counter() - middle))
        seconds = time.perf_counter() - started
        commit_started = time.perf_counter()
        raw.commit()
        steps.append(("commit", time.perf_counter() - commit_started))
        cursor.close()
    finally:
        raw.close()
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE bench_floor_posting, bench_floor_drawdown")
    return seconds, steps


# Main ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--drawdowns", type=int, default=20_000, help="active drawdowns to load (default 20,000)")
    parser.add_argument("--business-date", type=date.fromisoformat, default=DEFAULT_BUSINESS_DATE,
                        help=f"the end-of-day date D (default {DEFAULT_BUSINESS_DATE})")
    parser.add_argument("--delinquent-share", type=float, default=0.03,
                        help="share of drawdowns behind on their last 1-3 installments (default 0.03)")
    parser.add_argument("--seed", type=float, default=0.2026, help="PostgreSQL setseed() for the load")
    parser.add_argument("--pg-url", default=DEFAULT_SERVER, help=f"server URL without database ({DEFAULT_SERVER})")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DATABASE} afterwards")
    args = parser.parse_args(argv)
    n: int = args.drawdowns
    business_date: date = args.business_date
    if n < 50:
        parser.error("--drawdowns must be at least 50")

    print(f"end-of-day benchmark: {n:,} drawdowns, business date {business_date}, {machine()}", flush=True)
    url = recreate_database(args.pg_url)
    print(f"database {DATABASE} created; migrating", flush=True)
    upgrade_database(url)
    database = db.Database(url)
    times = StatementTimes()
    times.attach(database.engine)
    print(server_settings(database.engine))
    ref = make_reference(database, business_date)
    print(f"reference rows: bank {ref.bank_id}, product {ref.product_id}, enterprise {ref.enterprise_id}, "
          f"credit line {ref.line_id}")
    print("loading (not measured):", flush=True)
    load_started = time.perf_counter()
    load(database.engine, n, business_date, args.seed, args.delinquent_share, ref)
    load_seconds = time.perf_counter() - load_started
    print(f"  load total: {load_seconds:.1f} s")
    print(book_summary(database.engine, business_date), flush=True)

    print("end of day:", flush=True)
    result = run_eod(database, business_date, times)
    print(f"  {result.record}")
    print(f"  eod.run: {result.seconds:.2f} s; commit (and after-commit event dispatch): "
          f"{result.commit_seconds:.2f} s")
    print("  slowest statements of the run:")
    print("\n".join(times.report()))
    statement_total = sum(r[0] for r in times.rows)
    print(f"  {len(times.rows)} statements, {statement_total:.2f} s in SQL "
          f"({result.seconds - statement_total:.2f} s in Python and the driver)", flush=True)

    problems = verify(database, n, result)
    for problem in problems[:20]:
        print("  PROBLEM:", problem)

    print("floor:", flush=True)
    floor_seconds, floor_steps = measure_floor(database.engine, n, result.postings)
    for label, seconds in floor_steps:
        print(f"  {label}: {seconds:.2f} s")
    database.engine.dispose()
    if not args.keep:
        drop_database(args.pg_url)
        print(f"database {DATABASE} dropped")

    ratio = result.seconds / floor_seconds if floor_seconds else float("nan")
    rate = result.postings / result.seconds if result.seconds else float("nan")
    print()
    print("| N (active drawdowns) | EOD (s) | postings | postings/s | floor (s) | EOD / floor | date | machine |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    print(f"| {n:,} | {result.seconds:.2f} | {result.postings:,} | {rate:,.0f} | {floor_seconds:.2f} "
          f"| {ratio:.2f}× | D = {business_date}, run {datetime.now().date()} | {machine()} |")
    print()
    verdict = "under" if result.seconds < 120 else "OVER"
    print(f"target: end of day {verdict} 2 minutes ({result.seconds:.1f} s); entries {result.entries:,}, "
          f"drawdowns accrued {result.drawdowns_accrued:,}, defaults {result.defaults:,}; "
          f"median statement {statistics.median(r[0] for r in times.rows) if times.rows else 0:.3f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
