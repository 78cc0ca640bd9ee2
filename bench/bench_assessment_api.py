"""One on-demand credit assessment through the API, p50/p95/p99 over N requests, against a floor in the same run.

Run: ``.venv/bin/python -m bench.bench_assessment_api --requests 500`` (``--pg-url`` points at another server; the
database is always ``xinyidai_bench_api`` and is dropped at the end unless ``--keep``).

The on-demand assessment is ``POST /api/v1/orders/estimate``: an enterprise asks what a product would offer it
(测一测) and gets the pre-assessment, made by the champion model as of today from the entity's credit file
(features from its records, scorecard, credit policy, reasons), the decision stored with its model version and
audited. ``POST /api/v1/orders`` (the same assessment inside a whole application: the order, its authorisations and
notifications written in the same transaction) is measured beside it. The client is FastAPI's TestClient
(the whole ASGI application in process, cookie session and CSRF header as a browser-backed client sends them).

Setup: the integration tests' fixture world (platform, two banks with published products, four entities) in a fresh
PostgreSQL database; the applying entity's file holds 12 monthly VAT payments, 12 months of social insurance, three
annual reports and one administrative penalty, delivered through ``creditdata.service.store``; a scorecard trained on
five platform features is registered and promoted. 20 warm-up requests of each kind are not counted.

Floors, measured in the same run, interleaved request by request with the assessment so that both see the same
load on this shared machine:

* ``GET /api/v1/me``: the same client, session and middleware, no assessment (the cost of an authenticated request);
* ``features + score``: ``feature_store.features_as_of`` and ``champion.evaluate`` called in process for the same
  entity (the assessment's own work without HTTP, the order or any write).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

import psycopg

from xinyidai import clock, db
from xinyidai.cli import upgrade_database

DATABASE = "xinyidai_bench_api"


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql") + "/postgres"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _file(session: object, world: object) -> None:
    """A year of tax and social insurance, three annual reports and a penalty for the applying entity."""
    from tests.integration.scoring.test_model_registry import _deliver

    today = clock.today()
    for back in range(1, 13):
        month_end = date(today.year, today.month, 1) - timedelta(days=1 + 31 * (back - 1))
        month_end = date(month_end.year, month_end.month, 1) + timedelta(days=27)
        period = f"{month_end.year}-{month_end.month:02d}"
        received = clock.at(month_end.year, month_end.month, month_end.day, 9, 0)
        _deliver(session, world, received, "tax_payment", {  # type: ignore[arg-type]
            "voucher_no": f"3260{back:05d}", "tax_period": period, "tax_kind": "增值税",
            "amount": f"{8000 + 700 * back}.00", "paid_date": month_end.isoformat()})
        _deliver(session, world, received, "social_insurance_enrolment", {  # type: ignore[arg-type]
            "month": period, "month_end": month_end.isoformat(), "insured_people": "14"})
    for year in (2023, 2024, 2025):
        _deliver(session, world, clock.at(year + 1, 5, 2), "annual_report", {  # type: ignore[arg-type]
            "report_year": str(year), "filed_date": f"{year + 1}-05-01"})
    _deliver(session, world, clock.at(2026, 3, 1), "admin_penalty", {  # type: ignore[arg-type]
        "decision_no": "南市监罚〔2026〕12号", "violation": "未按规定公示", "penalty_kind": "罚款", "amount": "2000",
        "severity": "一般", "decision_date": "2026-02-20", "authority": "南岸区市场监管局"})


def main() -> None:
    """Set up, measure interleaved, print."""
    from fastapi.testclient import TestClient
    from tests.integration.conftest import build_world, login, page_csrf

    from bench.bench_batch_scoring import _train
    from xinyidai.main import create_app
    from xinyidai.scoring import champion, feature_store
    from xinyidai.scoring import model_versions as registry
    from xinyidai.scoring.preassessment import ProductBounds

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--pg-url", default=os.environ.get("XINYIDAI_BENCH_PG_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-sync-commit", action="store_true",
                        help="diagnosis only: synchronous_commit off for the database, to show what waiting for the "
                             "disk at each commit costs on this machine")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one log line per request would be measured too
    with psycopg.connect(_admin_url(args.pg_url), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")
        if args.no_sync_commit:
            connection.execute(f"ALTER DATABASE {DATABASE} SET synchronous_commit = off")
    url = args.pg_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    upgrade_database(url)
    database = db.Database(url)
    db.set_database(database)
    try:
        with db.transaction(database.session_factory) as session:
            world = build_world(session)
            _file(session, world)
            admin = world.principal(session, "admin")
            with TemporaryDirectory() as tmp:
                version = registry.register(session, principal=admin,
                                            files=registry.read_directory(_train(Path(tmp) / "model")))
            registry.promote(session, principal=admin, version_id=version.id)
        application = {"product_id": world.product_a, "amount_fen": 20_000_000, "term_months": 12,
                       "repayment_method": "equal_installment", "purpose": "采购原材料", "authorise": True}
        bounds = ProductBounds(min_rate=Decimal("0.035"), max_rate=Decimal("0.08"), max_line_fen=100_000_000,
                               min_amount_fen=1_000_000)
        timings: dict[str, list[float]] = {"assessment": [], "application": [], "me": [], "in process": []}
        with TestClient(create_app(session_factory=database.session_factory)) as client:
            login(client, "good")
            headers = {"X-CSRF-Token": page_csrf(client, "/account")}
            first = client.post("/api/v1/orders", json=application, headers=headers)
            assert first.status_code == 201, first.text
            assert first.json()["estimate"]["assessor_version"].startswith("model:"), first.json()
            estimate = {"product_id": world.product_a}
            for i in range(args.requests + 20):
                started = time.perf_counter()
                response = client.post("/api/v1/orders/estimate", json=estimate, headers=headers)
                assessment = time.perf_counter() - started
                assert response.status_code == 200, response.text
                started = time.perf_counter()
                response = client.post("/api/v1/orders", json=application, headers=headers)
                applied = time.perf_counter() - started
                assert response.status_code == 201, response.text
                started = time.perf_counter()
                response = client.get("/api/v1/me")
                me = time.perf_counter() - started
                assert response.status_code == 200, response.text
                with database.session_factory() as session:
                    started = time.perf_counter()
                    values = feature_store.features_as_of(session, enterprise_id=world.good_enterprise,
                                                          as_of=clock.today())
                    champion.evaluate(registry.get(session, version_id=version.id), values, bounds)
                    in_process = time.perf_counter() - started
                if i >= 20:
                    timings["assessment"].append(assessment)
                    timings["application"].append(applied)
                    timings["me"].append(me)
                    timings["in process"].append(in_process)
    finally:
        database.engine.dispose()
        db.set_database(None)
        if not args.keep:
            with psycopg.connect(_admin_url(args.pg_url), autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}; {args.requests} requests each, interleaved"
          + ("; synchronous_commit off" if args.no_sync_commit else ""))
    print("\n| request | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, label in (("assessment", "POST /api/v1/orders/estimate (assessment)"),
                        ("application", "POST /api/v1/orders (application)"), ("me", "floor: GET /api/v1/me"),
                        ("in process", "floor: features + score in process")):
        seconds = timings[name]
        print(f"| {label} | {1000 * statistics.median(seconds):.1f} | {1000 * _percentile(seconds, 0.95):.1f} | "
              f"{1000 * _percentile(seconds, 0.99):.1f} | {1000 * max(seconds):.1f} |")
    ratio = _percentile(timings["assessment"], 0.99) / _percentile(timings["me"], 0.99)
    print(f"\np99 assessment / p99 GET /api/v1/me: {ratio:.1f}×; date {date.today()}")


if __name__ == "__main__":
    main()
