"""Detection (监测) over a day's deliveries against the watch list, on PostgreSQL, beside the floor of a bare join.

Run: ``.venv/bin/python -m bench.bench_monitoring --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/<db>
--exposures 200000 --records 1000000``. The database named by ``--pg-url`` is migrated and filled (its tables are
emptied first): use a database of your own.

Setup, in SQL (``generate_series``; foreign-key checks off for the load, ``session_replication_role = replica``):
``--exposures`` active credit lines at one bank, one entity each, each with a live post-loan authorisation naming
it (all 14 categories) to the bank; ``--records`` credit records received today about entities drawn uniformly from
twice as many entities (so about half of them are about a watched firm), spread over six sub-categories
(administrative penalties one in three serious, abnormal-operations listings, tax arrears, water bills one in two in
arrears, equity changes, annual reports that no rule reads). The rules in force are the defaults (version 1). The
entity numbers are computed in ``bigint`` (``g * 7919`` overflows an integer past 271,000 records).

Measured, each from a cold start of the run, in the same run:

* ``detect``: ``monitoring.service.detect`` in one transaction: the watch list written once into a temporary table
  and the watch periods opened (one per watched firm), every record-borne rule in one ``INSERT … SELECT`` of the
  records past the cursor joined to the rules and the watch list, the corrections and trend records copied once
  and their rules' statements, and one ``monitoring.alert_raised`` event per alert written by one
  ``INSERT … SELECT``; committed;
* ``floor``: ``SELECT count(*)`` of the same records joined to the same watch-list query (no rules, no writes).
"""

from __future__ import annotations

import argparse
import platform
import time

from sqlalchemy import func, select, text

from xinyidai import clock, db
from xinyidai.cli import upgrade_database

ALL = '["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10", "C11", "C12", "C13", "C14"]'
ITEMS = ("admin_penalty", "abnormal_operation", "tax_arrears", "water", "equity_change", "annual_report")


def _load(database: db.Database, exposures: int, records: int) -> None:
    now = clock.now()
    with database.engine.begin() as connection:
        connection.execute(text("SET session_replication_role = replica"))
        for table in ("monitoring_alert", "watch_period", "monitoring_run", "domain_event", "credit_record",
                      "authorisation", "credit_line"):
            connection.execute(text(f"TRUNCATE {table} CASCADE"))
        connection.execute(text("UPDATE monitoring_cursor SET last_record_id = 0, last_scoring_run_id = 0"))
        connection.execute(text("""
            INSERT INTO credit_line (id, order_id, enterprise_id, bank_organisation_id, product_id, limit_fen,
              annual_rate, guarantee_fee_rate, repayment_methods, term_options, valid_from, valid_until, status,
              created_at)
            SELECT g, g, g, 1, 1, 100000000, 0.04, 0.01, '[]', '[]', :today - 30, :today + 335, 'active', :now
            FROM generate_series(1, :n) g"""), {"n": exposures, "today": clock.today(), "now": now})
        connection.execute(text("""
            INSERT INTO authorisation (enterprise_id, recipient_organisation_id, purpose, purpose_ref, categories,
              mode, granted_at, valid_from, expires_at)
            SELECT g, 1, 'post_loan_management', 'LINE' || g, CAST(:all AS json), 'periodic', :now, :now - interval
              '1 day', :now + interval '90 days'
            FROM generate_series(1, :n) g"""), {"n": exposures, "now": now, "all": ALL})
        items: dict[str, int] = dict(connection.execute(text(
            "SELECT code, id FROM catalogue_item WHERE code = ANY(:codes)"), {"codes": list(ITEMS)}).all())
        connection.execute(text("""
            INSERT INTO credit_record (enterprise_id, catalogue_item_id, record_key, fingerprint, data, fact_date,
              channel, source_department, received_at)
            SELECT 1 + (g::bigint * 7919) % (2 * :n),
              (ARRAY[:i0, :i1, :i2, :i3, :i4, :i5])[1 + g % 6], 'k' || g, gen_random_uuid(),
              CASE g % 6
                WHEN 0 THEN jsonb_build_object('severity', CASE WHEN g % 3 = 0 THEN '严重' ELSE '一般' END)
                WHEN 3 THEN jsonb_build_object('amount_overdue', CASE WHEN g % 2 = 0 THEN 0 ELSE 250000 END)
                ELSE '{}'::jsonb END,
              :today, 'bulk_import', 'amr', :now
            FROM generate_series(1, :m) g"""),
            {"n": exposures, "m": records, "today": clock.today(), "now": now,
             **{f"i{k}": items[code] for k, code in enumerate(ITEMS)}})
        connection.execute(text("ANALYZE credit_line; ANALYZE authorisation; ANALYZE credit_record"))


def _floor(database: db.Database) -> tuple[float, int]:
    from xinyidai.creditdata import service as creditdata_service
    from xinyidai.monitoring import service as monitoring_service

    with database.session_factory() as session:
        watch = monitoring_service.watch_query(now=clock.now(), today=clock.today()).subquery()
        record = creditdata_service.records_query().subquery()
        started = time.perf_counter()
        joined = session.scalar(select(func.count()).select_from(record).join(
            watch, watch.c.enterprise_id == record.c.enterprise_id).where(record.c.record_id > 0))
        return time.perf_counter() - started, int(joined or 0)


def _detect(database: db.Database) -> tuple[float, int]:
    from xinyidai.monitoring import service as monitoring_service

    started = time.perf_counter()
    with database.session_factory() as session:
        session.execute(text("SET session_replication_role = replica"))  # the loaded rows name no real entities
        result = monitoring_service.detect(session, trigger="bench")
        session.commit()
    return time.perf_counter() - started, result.alerts_raised


def main() -> None:
    """Load, run the floor and detection, print one table row."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", required=True)
    parser.add_argument("--exposures", type=int, default=20_000)
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    upgrade_database(args.pg_url)
    database = db.Database(args.pg_url)
    with clock.use(clock.at(2026, 11, 23, 23, 0)):
        started = time.perf_counter()
        _load(database, args.exposures, args.records)
        load_seconds = time.perf_counter() - started
        floor_seconds, joined = _floor(database)
        detect_seconds, raised = _detect(database)
    print(f"| {args.exposures:,} | {args.records:,} | {joined:,} | {raised:,} | {detect_seconds:.2f} | "
          f"{floor_seconds:.2f} | {detect_seconds / floor_seconds:.2f}× | load {load_seconds:.1f} s, "
          f"{platform.node()} |")
    database.engine.dispose()


if __name__ == "__main__":
    main()
