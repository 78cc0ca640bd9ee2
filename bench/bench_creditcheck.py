"""Public credit checks (公共信用核查): a tender's 1,000 bidders checked in one batch, beside the floor of the bare
reads of the same 1,000 entities and their records, on PostgreSQL.

Run: ``.venv/bin/python -m bench.bench_creditcheck --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/<db>
--entities 20000 --bidders 1000 --runs 3``. The database named by ``--pg-url`` is migrated and filled (its
credit records and checks are emptied first): use a database of your own.

Setup: ``--entities`` registered entities with valid codes (GB 32100-2015; kept from run to run), each with an
annual report (public, not read by a check) and a tax payment (authorised: never in a check); every 5th has a
general administrative penalty 30 days old (within its 3-month publicity period), every 50th a serious-dishonesty
listing, every 40th is on the abnormal-operations list. The bidders are a fixed random sample of the register (seed 7),
so that they carry penalties and listings in its proportions.

Measured in the same run, median of ``--runs`` runs each:

* ``service``: ``creditcheck.service.check_batch`` for the bidders as the trading centre's system, committed: the
  codes checked, the registry and public records read, 1,000 answers built, sealed and stored, 1,000 audit entries
  (one per firm, for its access log);
* ``api``: the same through ``POST /api/v1/credit-checks/batch`` with a bearer token (request and response JSON
  included), in process;
* ``floor``: the bare reads of the same 1,000 entities: their registry rows by code and every credit record of
  theirs, fetched (no rule, no answer, no write).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text

from xinyidai import clock, db
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.cli import upgrade_database
from xinyidai.registry.codes import uscc_check_char

TODAY_SQL = "CAST(:today AS date)"


def _code(n: int) -> str:
    first17 = f"91500108MA{n:07d}"
    return first17 + uscc_check_char(first17)


def _load(database: db.Database, entities: int) -> None:
    now, today = clock.now(), clock.today()
    with database.engine.begin() as connection:
        connection.execute(text("SET session_replication_role = replica"))
        # Not the registry: emptying it would cascade through organisations and users to the catalogue. Entities
        # are inserted by number and kept from run to run.
        for table in ("credit_check", "credit_record_mark", "credit_record"):  # FK checks are off (replica)
            connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - our own table names
        area = connection.execute(text(
            "INSERT INTO district_area (code, name, kind, is_pilot) VALUES ('500108001', '南坪街道', 'street', true) "
            "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name RETURNING id")).scalar_one()
        connection.execute(text("""
            INSERT INTO enterprise (id, uscc, name, kind, scale, legal_rep_name, legal_rep_id_cipher,
              legal_rep_id_index, registration_date, industry_code, district_area_id, address, operating_status,
              is_abnormal, created_at)
            VALUES (:id, :uscc, :name, 'enterprise', 'micro', '张三', 'x', :idx, '2018-05-01', 'F52', :area, '',
              'in_operation', :abnormal, :now)
            ON CONFLICT DO NOTHING"""),
            [{"id": n, "uscc": _code(n), "name": f"重庆测试{n}号商贸有限公司", "idx": f"{n:064d}", "area": area,
              "abnormal": n % 40 == 0, "now": now} for n in range(1, entities + 1)])
        items = {code: item_id for code, item_id in connection.execute(text(
            "SELECT code, id FROM catalogue_item WHERE code IN ('annual_report', 'tax_payment', 'admin_penalty', "
            "'serious_dishonesty')"))}
        for code, every, data, fact in (
                ("annual_report", 1, "jsonb_build_object('report_year', 2025, 'filed_date', '2026-05-10')",
                 "CAST('2026-05-10' AS date)"),
                ("tax_payment", 1, "jsonb_build_object('voucher_no', '33' || g, 'amount', 5600000, "
                 "'paid_date', '2026-10-15')", "CAST('2026-10-15' AS date)"),
                ("admin_penalty", 5, f"jsonb_build_object('decision_no', '南岸市监罚' || g, 'violation', '虚假宣传', "
                 f"'penalty_kind', '罚款', 'amount', 2000000, 'severity', '一般', 'decision_date', "
                 f"CAST({TODAY_SQL} - 30 AS text), 'authority', '区市场监督管理局')", f"{TODAY_SQL} - 30"),
                ("serious_dishonesty", 50, "jsonb_build_object('list_name', '严重失信主体名单', 'reason', '虚开发票', "
                 "'listed_date', '2025-06-01', 'authority', '区发展和改革委员会')", "CAST('2025-06-01' AS date)")):
            # The expressions are this script's constants, never input.
            connection.execute(text(f"""
                INSERT INTO credit_record (enterprise_id, catalogue_item_id, record_key, fingerprint, data, fact_date,
                  channel, source_department, received_at)
                SELECT g, :item, 'k' || g, gen_random_uuid(), {data}, {fact}, 'bulk_import', 'amr', :now
                FROM generate_series(1, :n) g WHERE g % :every = 0"""),  # noqa: S608
                {"item": items[code], "now": now, "n": entities, "every": every, "today": today})
        connection.execute(text("SELECT setval(pg_get_serial_sequence('enterprise', 'id'), "
                                "(SELECT max(id) FROM enterprise))"))
        connection.execute(text("ANALYZE enterprise; ANALYZE credit_record"))


def _trading_centre(database: db.Database) -> tuple[Principal, str]:
    from xinyidai.identity import service as identity_service
    from xinyidai.identity.schemas import ApiClientCreate, OrganisationCreate

    with db.transaction(database.session_factory) as session:
        org = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=f"南岸区公共资源交易中心 {time.time_ns()}", kind=OrgKind.GOVERNMENT_DEPARTMENT))
        created = identity_service.create_api_client(session, client_in=ApiClientCreate(
            organisation_id=org.id, name="电子招标投标交易系统", roles=[Role.DEPARTMENT_DATA_OFFICER]))
        token = identity_service.issue_client_token(session, client_id=created.client_id,
                                                    client_secret=created.client_secret).token
        assert token is not None
        principal = Principal(organisation_id=org.id, organisation_kind=OrgKind.GOVERNMENT_DEPARTMENT,
                              roles=frozenset({Role.DEPARTMENT_DATA_OFFICER}), api_client_id=created.id)
        return principal, token.access_token


def _timed(work: Callable[[], object], runs: int) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    """Load, then time the floor, the service and the API; print one table row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pg-url", required=True)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--bidders", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("XINYIDAI_JOBS_SCHEDULE_IN_PROCESS", "false")
    from xinyidai.creditcheck import service as creditcheck_service
    from xinyidai.main import create_app

    upgrade_database(args.pg_url)
    database = db.Database(args.pg_url)
    # A fixed sample of the register, so that the bidders carry penalties and listings in its proportions.
    numbers = sorted(random.Random(7).sample(range(1, args.entities + 1), args.bidders))  # noqa: S311
    codes = [_code(n) for n in numbers]
    with clock.use(clock.at(2026, 12, 5, 10, 0)):
        started = time.perf_counter()
        _load(database, args.entities)
        load_seconds = time.perf_counter() - started
        principal, token = _trading_centre(database)

        def floor() -> None:
            with database.session_factory() as session:
                rows = session.execute(text("SELECT * FROM enterprise WHERE uscc = ANY(:codes)"),
                                       {"codes": codes}).all()
                session.execute(text("SELECT * FROM credit_record WHERE enterprise_id = ANY(:ids)"),
                                {"ids": [row.id for row in rows]}).all()

        def service() -> None:
            with db.transaction(database.session_factory) as session:
                answers = creditcheck_service.check_batch(session, principal=principal, usccs=codes,
                                                          tender_ref="NA-ZB-BENCH")
                assert answers.count == len(codes)

        client = TestClient(create_app(session_factory=database.session_factory), base_url="http://testserver")

        def api() -> None:
            response = client.post("/api/v1/credit-checks/batch", json={"usccs": codes, "tender_ref": "NA-ZB-BENCH"},
                                   headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 201, response.text
            assert response.json()["count"] == len(codes)

        floor_seconds = _timed(floor, args.runs)
        service_seconds = _timed(service, args.runs)
        api_seconds = _timed(api, args.runs)
    with database.session_factory() as session:
        flagged = session.execute(text(
            "SELECT count(*) FILTER (WHERE jsonb_array_length(CAST(answer AS jsonb) -> 'admin_penalties') > 0), "
            "count(*) FILTER (WHERE CAST(answer ->> 'seriously_dishonest' AS boolean)), count(*) "
            "FROM credit_check")).one()
    print(f"| {args.entities:,} | {len(codes):,} | {service_seconds:.2f} | {api_seconds:.2f} | {floor_seconds:.3f} | "
          f"{service_seconds / floor_seconds:.0f}× | {flagged[0]:,} / {flagged[1]:,} / {flagged[2]:,} | "
          f"load {load_seconds:.1f} s, {platform.node()} |")
    database.engine.dispose()


if __name__ == "__main__":
    main()
