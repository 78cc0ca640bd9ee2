"""Smart matching of 1,000 products for one firm, p50/p95/p99 over N runs, beside the bare pre-assessment of one
product in the same run.

Run: ``.venv/bin/python -m bench.bench_matching --products 1000 --runs 200`` (``--pg-url`` points at another
server; the database is always ``xinyidai_bench_matching`` and is dropped at the end unless ``--keep``).

Setup: the integration tests' fixture world in a fresh PostgreSQL database, the applying firm's credit file of the
assessment benchmark (12 months of VAT and social insurance, three annual reports, a penalty), a scorecard promoted
as champion, and ``--products`` products on the shelf from five banks, each with two to four eligibility rules of
the registry (entity kinds, industries, years in business, minimum grade, recent records of a category, no serious
dishonesty, planted area, chain membership, live lines), every fifth with a per-亩 line and every seventh at a
fixed rate. About half of them are ineligible for the firm.

Measured, interleaved run by run, each in its own session rolled back afterwards:

* ``products.service.match``: the whole use case a page calls — the caller's access, the champion's pre-assessment
  once (features, scorecard, policy, the decision stored), the firm's profile from its records, the shelf in one
  query, eligibility and ranking of every product in memory, the typed result with every product's terms in words,
  the audit entry;
* the floor, ``scoring.service.pre_assess`` of one product (what an application or 测一测 does for one product);
* for information, ``products.matching.rank`` alone over the products already in memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import psycopg

from xinyidai import db

DATABASE = "xinyidai_bench_matching"
KINDS = ["enterprise", "individual_business", "farmers_cooperative", "family_farm"]


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql") + "/postgres"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _rules(rng: random.Random) -> list[dict[str, Any]]:
    pool: list[dict[str, Any]] = [
        {"field": "entity_kind", "op": "in", "value": rng.sample(KINDS, rng.randint(1, 4))},
        {"field": "industry", "op": "in", "value": rng.sample(["A", "C", "F", "F52", "H", "I", "M"], 2)},
        {"field": "years_in_business", "op": ">=", "value": rng.randint(0, 10)},
        {"field": "credit_grade", "op": ">=", "value": rng.choice("ABCD")},
        {"field": "credit_records", "op": "within_months",
         "value": {"category": rng.choice(["C04", "C05", "C01", "C10"]), "months": rng.choice([6, 12, 24])}},
        {"field": "planted_area", "op": ">=", "value": {"crop": "花椒", "mu": 5}},
        {"field": "chain_member", "op": "==", "value": True},
        {"field": "live_lines", "op": "<=", "value": rng.randint(0, 3)},
    ]
    chosen = rng.sample(pool, rng.randint(1, 3))
    return [{"field": "serious_dishonesty", "op": "==", "value": False}, *chosen]


def _shelf(session: Any, world: Any, count: int) -> None:
    from xinyidai.auth.enums import OrgKind
    from xinyidai.identity import service as identity_service
    from xinyidai.identity.schemas import OrganisationCreate, UserCreate
    from xinyidai.products import service as products_service
    from xinyidai.products.schemas import ProductCreate

    rng = random.Random(2026)  # noqa: S311 - synthetic terms, not secrets
    managers = [world.principal(session, "a.manager"), world.principal(session, "b.manager")]
    for n in range(3):
        bank = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=f"基准银行{n}", kind=OrgKind.BANK))
        user = identity_service.create_user(session, user_in=UserCreate(
            organisation_id=bank.id, username=f"bench{n}.manager", display_name="主管", password="Bench2026pass",  # noqa: S106
            roles=["bank_manager"]))
        managers.append(identity_service.principal_for_user(user))
    for i in range(count):
        manager = managers[i % len(managers)]
        low = Decimal(rng.randint(300, 600)) / 10_000
        fixed = i % 7 == 0
        high = low if fixed else low + Decimal(rng.randint(50, 400)) / 10_000
        line_rule: dict[str, Any] = {"kind": "evaluated"}
        if i % 5 == 0:
            line_rule = {"kind": "per_mu", "crop": "花椒", "amount_per_mu_fen": rng.randint(10, 50) * 10_000}
        product = products_service.create(session, principal=manager, product_in=ProductCreate.model_validate({
            "code": f"BENCH{i:05d}", "name": f"基准产品{i}", "min_rate": low, "max_rate": high,
            "guarantee_fee_rate": Decimal(rng.choice([0, 0, 50, 100])) / 10_000, "min_amount_fen": 1_000_000,
            "max_line_fen": rng.randint(10, 500) * 1_000_000, "repayment_methods": ["equal_installment"],
            "term_options": [12, 24], "rate_mode": "fixed" if fixed else "evaluated", "line_rule": line_rule,
            "eligibility": _rules(rng), "required_documents": ["营业执照"]}))
        products_service.publish(session, principal=manager, product_id=product.id)


def main() -> None:
    """Set up, measure interleaved, print."""
    from tests.integration.conftest import build_world

    from bench.bench_assessment_api import _file
    from bench.bench_batch_scoring import _train
    from xinyidai import clock
    from xinyidai.cli import upgrade_database
    from xinyidai.orders.service import bounds_of
    from xinyidai.products import matching
    from xinyidai.products import service as products_service
    from xinyidai.scoring import model_versions as registry
    from xinyidai.scoring import service as scoring_service

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pg-url", default=os.environ.get("XINYIDAI_BENCH_PG_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    with psycopg.connect(_admin_url(args.pg_url), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        connection.execute(f"CREATE DATABASE {DATABASE}")
    url = args.pg_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    upgrade_database(url)
    database = db.Database(url)
    db.set_database(database)
    timings: dict[str, list[float]] = {"match": [], "pre_assess": [], "rank": []}
    eligible = ineligible = 0
    try:
        with db.transaction(database.session_factory) as session:
            world = build_world(session)
            _file(session, world)
            admin = world.principal(session, "admin")
            with TemporaryDirectory() as tmp:
                version = registry.register(session, principal=admin,
                                            files=registry.read_directory(_train(Path(tmp) / "model")))
            registry.promote(session, principal=admin, version_id=version.id)
        started = time.perf_counter()
        with db.transaction(database.session_factory) as session:
            _shelf(session, world, args.products)
        setup = time.perf_counter() - started
        with database.session_factory() as session:
            firm = world.principal(session, "good")
            product = products_service.get(session, product_id=world.product_a)
            bounds = bounds_of(product)
            estimate = scoring_service.pre_assess(session, enterprise_id=world.good_enterprise,
                                                  bounds=products_service.REFERENCE_BOUNDS)
            profile = products_service.firm_profile(session, enterprise_id=world.good_enterprise,
                                                    credit_grade=estimate.grade)
            candidates = [products_service.candidate_of(p) for p in products_service.list_published(session)]
            ceiling = Decimal("0.12")
            session.rollback()
        for i in range(args.runs + 10):
            with database.session_factory() as session:
                started = time.perf_counter()
                matched = products_service.match(session, principal=firm, enterprise_id=world.good_enterprise)
                whole = time.perf_counter() - started
                session.rollback()
            with database.session_factory() as session:
                started = time.perf_counter()
                scoring_service.pre_assess(session, enterprise_id=world.good_enterprise, bounds=bounds,
                                           product_id=world.product_a)
                one = time.perf_counter() - started
                session.rollback()
            started = time.perf_counter()
            matching.rank(products_service.evaluation_of(estimate), candidates, profile, ceiling=ceiling)
            ranked = time.perf_counter() - started
            if i >= 10:
                timings["match"].append(whole)
                timings["pre_assess"].append(one)
                timings["rank"].append(ranked)
        eligible, ineligible = len(matched.eligible), len(matched.ineligible)
        assert matched.assessor.startswith("model:"), matched.assessor
    finally:
        database.engine.dispose()
        db.set_database(None)
        if not args.keep:
            with psycopg.connect(_admin_url(args.pg_url), autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}; {args.products} products ({eligible} eligible, {ineligible} "
          f"ineligible for the firm), {args.runs} runs each, interleaved; shelf set up in {setup:.1f} s")
    print("\n| work | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, label in (("match", f"products.service.match ({args.products} products)"),
                        ("pre_assess", "floor: scoring pre_assess of one product"),
                        ("rank", f"matching.rank alone ({args.products} products in memory)")):
        seconds = timings[name]
        print(f"| {label} | {1000 * statistics.median(seconds):.1f} | {1000 * _percentile(seconds, 0.95):.1f} | "
              f"{1000 * _percentile(seconds, 0.99):.1f} | {1000 * max(seconds):.1f} |")
    ratio = _percentile(timings["match"], 0.99) / _percentile(timings["pre_assess"], 0.99)
    print(f"\np99 match / p99 pre-assessment of one product: {ratio:.1f}×; date {date.today()}, "
          f"clock {clock.today()}")


if __name__ == "__main__":
    main()
