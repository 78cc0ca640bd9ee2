"""Batch scoring of N entities on PostgreSQL, timed against the bare model prediction measured in the same run.

Run: ``.venv/bin/python -m bench.bench_batch_scoring --entities 1000000`` (``--keep`` leaves the database behind and
``--reuse`` scores a database a previous ``--keep`` left, without loading again; ``--pg-url`` points at another server;
the database is ``xinyidai_bench_batch`` unless ``--database`` names another).

What it does, in order:

1. drops and creates the database, migrates it (``xinyidai.cli.upgrade_database``), makes a platform admin through
   the identity service and one district area through the registry's;
2. bulk-loads N entities in operation and their credit records with set-based SQL (``INSERT … SELECT`` over
   ``generate_series``; loading is not what is measured), about 5.2 records an entity across the sub-categories the
   features read, every one received eight days after its fact and before the as-of date D = 2026-11-22:

   * ``tax_payment``: two VAT payments in the last 12 months and one 12–24 months back (amounts 500–50,000 yuan);
   * ``social_insurance_enrolment``: October 2026, 0–49 insured people;
   * ``annual_report``: 2025, filed on time by 95% (late by the rest);
   * ``admin_penalty``: 15% of entities, one penalty in the last three years (a tenth of them serious);
   * ``tax_arrears``: 3% of entities, announced two months before D;

   then ``VACUUM ANALYZE``;
3. trains a scorecard on a synthetic frame named after five platform features (``development.develop``, as
   ``xinyidai model train`` does), registers it and promotes it through ``scoring.registry``;
4. runs ``scoring.batch.run_job`` in this one process (what ``xinyidai model batch-score`` does on the embedded
   engine; workers sharing the pages are measured by ``bench_night``), pages of ``--chunk`` entities, default
   ``batch.CHUNK``; claim, then score every entity: each page's records read
   as columns with one COPY, the features computed column-wise by ``feature_columns.compute_page``, the matrix
   taken from the feature frame, scorecard, credit policy and reasons for the page at once, one binary COPY into
   ``entity_score`` built by column, run record with distribution and PSI, commit) with the clock at D + 1, 01:30
   China time, timed with ``time.perf_counter``; the time spent loading records, computing features, scoring with
   the policy and writing is recorded by wrapping those functions, and the feature matrix the run scored is kept;
5. the floor, on that same matrix: the version's stored ONNX graph run by onnxruntime (one call over all rows, and
   in pages of ``--chunk`` as the run pages), and the numpy scorecard (``scorecard.score``) over all rows, each the
   best of three; and the floor of the data, which no computation can go below: reading the records the run reads
   with its own query and parse (``batch.page_records``) in pages of 100,000 entities, and writing its results
   (``INSERT … SELECT`` of the run's rows into a table like ``entity_score``, indexes included, committed), each the
   best of two;
6. prints the load average before and after the run (the machine may be shared), the CPU the run used in this
   process and the PostgreSQL backends serving the database (sampled from /proc; over the cores, a
   lower bound on the run's time on an idle machine), a markdown row with the run's ratio to the fastest bare
   prediction and to the floor of the data with it, and drops the database (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import text

from xinyidai import clock, db
from xinyidai.cli import upgrade_database

DATABASE = "xinyidai_bench_batch"
AS_OF = date(2026, 11, 22)
READ_FLOOR = "read the records (the run's query and parse, pages of 100,000)"
WRITE_FLOOR = "write the results (INSERT … SELECT)"
FEATURES = ("tax_paid_12m", "penalties_36m", "social_insurance_headcount", "annual_report_years_late",
            "tax_arrears_amount")


def _admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0].replace("postgresql+psycopg", "postgresql") + "/postgres"


def _recreate(url: str, name: str) -> str:
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def _drop(url: str, name: str) -> None:
    with psycopg.connect(_admin_url(url), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")


def _reference(database: db.Database) -> None:
    from tests.integration.conftest import PASSWORD

    from xinyidai.auth.enums import OrgKind, Role
    from xinyidai.identity import service as identity_service
    from xinyidai.identity.schemas import OrganisationCreate, UserCreate
    from xinyidai.registry import service as registry_service

    with db.transaction(database.session_factory) as session:
        platform_org = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="平台运营中心", kind=OrgKind.PLATFORM_OPERATOR))
        identity_service.create_user(session, user_in=UserCreate(
            organisation_id=platform_org.id, username="admin", display_name="平台管理员", password=PASSWORD,
            roles=[Role.PLATFORM_ADMIN]))
        registry_service.create_area(session, code="500108001", name="南坪街道", kind="street", is_pilot=True)


RECORDS = """
WITH e AS (SELECT id, abs(hashtext(id::text)) AS h FROM enterprise),
item AS (SELECT id, code, source_department FROM catalogue_item),
facts AS (
  -- two VAT payments in the last 12 months, one 12–24 months back
  SELECT e.id AS enterprise_id, 'tax_payment' AS code, k AS n,
         (DATE '2026-11-12' - ((e.h >> (k * 3)) % 300 + (CASE WHEN k = 2 THEN 365 ELSE 0 END))::int) AS fact,
         500 * 100 + (e.h >> k) % 4950000 AS amount
  FROM e CROSS JOIN generate_series(0, 2) AS k
  UNION ALL
  SELECT e.id, 'social_insurance_enrolment', 0, DATE '2026-10-31', e.h % 50 FROM e
  UNION ALL
  SELECT e.id, 'annual_report', 0, CASE WHEN e.h % 20 = 0 THEN DATE '2026-08-15' ELSE DATE '2026-05-20' END, 0 FROM e
  UNION ALL
  SELECT e.id, 'admin_penalty', 0, DATE '2026-11-12' - (e.h % 1000)::int, 100000 + e.h % 900000 FROM e
  WHERE e.h % 100 < 15
  UNION ALL
  SELECT e.id, 'tax_arrears', 0, DATE '2026-09-22', 50000 + e.h % 500000 FROM e WHERE (e.h >> 7) % 100 < 3
)
INSERT INTO credit_record (enterprise_id, catalogue_item_id, record_key, fingerprint, data, fact_date, channel,
                           source_department, received_at)
SELECT f.enterprise_id, item.id, k.record_key, md5(item.code || ':' || f.enterprise_id || ':' || k.record_key)::uuid,
       CASE f.code
         WHEN 'tax_payment' THEN jsonb_build_object('voucher_no', k.record_key, 'tax_period',
              to_char(f.fact - 20, 'YYYY-MM'), 'tax_kind', '增值税', 'amount', f.amount, 'paid_date', f.fact::text)
         WHEN 'social_insurance_enrolment' THEN jsonb_build_object('month', '2026-10', 'month_end', '2026-10-31',
              'insured_people', f.amount)
         WHEN 'annual_report' THEN jsonb_build_object('report_year', 2025, 'filed_date', f.fact::text)
         WHEN 'admin_penalty' THEN jsonb_build_object('decision_no', k.record_key, 'violation', '未按规定公示',
              'penalty_kind', '罚款', 'amount', f.amount,
              'severity', CASE WHEN f.enterprise_id % 10 = 0 THEN '严重' ELSE '一般' END,
              'decision_date', f.fact::text, 'authority', '南岸区市场监管局')
         ELSE jsonb_build_object('tax_kind', '增值税', 'amount', f.amount, 'announced_date', f.fact::text)
       END,
       f.fact, 'bulk_import', item.source_department,
       (f.fact + 8)::timestamp AT TIME ZONE 'Asia/Shanghai' + interval '10 hours'
FROM facts f JOIN item ON item.code = f.code
CROSS JOIN LATERAL (SELECT CASE f.code WHEN 'annual_report' THEN '2025'
                                       WHEN 'social_insurance_enrolment' THEN '2026-10'
                                       WHEN 'tax_arrears' THEN '增值税|' || f.fact::text
                                       ELSE f.code || '-' || f.enterprise_id || '-' || f.n END AS record_key) k
"""


def _load(url: str, entities: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        area = connection.execute("SELECT id FROM district_area LIMIT 1").fetchone()[0]  # type: ignore[index]
        started = time.perf_counter()
        connection.execute("""
            INSERT INTO enterprise (uscc, name, kind, scale, legal_rep_name, legal_rep_id_cipher, legal_rep_id_index,
                                    registration_date, industry_code, district_area_id, address, operating_status,
                                    is_abnormal, created_at)
            SELECT 'B' || lpad(g::text, 17, '0'), '基准企业' || g, 'enterprise', 'micro', '法人', 'x', md5(g::text),
                   DATE '2008-01-01' + (g %% 5000), 'F', %s, '', 'in_operation', false, now()
            FROM generate_series(1, %s) AS g""", (area, entities))
        timings["entities"] = time.perf_counter() - started
        started = time.perf_counter()
        connection.execute(RECORDS)
        timings["records"] = time.perf_counter() - started
        started = time.perf_counter()
        connection.execute("VACUUM ANALYZE")
        timings["vacuum"] = time.perf_counter() - started
        timings["record_rows"] = connection.execute("SELECT count(*) FROM credit_record").fetchone()[0]  # type: ignore[index]
    return timings


def _train(out: Path, seed: int = 2026) -> Path:
    """A scorecard on a synthetic frame of five platform features, distributed like the loaded records."""
    from xinyidai.scoring.modelling import development, store
    from xinyidai.scoring.modelling.dataset import TrainingData

    rng = np.random.default_rng(seed)
    n = 4000
    tax = rng.uniform(1_000, 100_000, n)
    penalties = (rng.random(n) < 0.15).astype(float)
    staff = rng.integers(0, 50, n).astype(float)
    late = (rng.random(n) < 0.05).astype(float)
    arrears = np.where(rng.random(n) < 0.03, rng.uniform(500, 5_500, n), 0.0)
    logit = -2.2 - 0.00002 * (tax - 50_000) + 0.8 * penalties - 0.03 * (staff - 25) + 0.9 * late + 0.0002 * arrears
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(dict(zip(FEATURES, (tax, penalties, staff, late, arrears), strict=True)))
    data = TrainingData(frame=frame, y_bad=y, numeric=list(FEATURES), categorical=[], dates=None, dropped=[])
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        store.save(development.develop(data, folds=3, seed=seed), out)
    return out


def _champion(database: db.Database, directory: Path) -> int:
    from xinyidai.identity import service as identity_service
    from xinyidai.scoring import model_versions as registry

    with db.transaction(database.session_factory) as session:
        user = next(u for u in identity_service.list_users(session) if u.username == "admin")
        admin = identity_service.principal_for_user(user)
        version = registry.register(session, principal=admin, files=registry.read_directory(directory))
        registry.promote(session, principal=admin, version_id=version.id)
        return version.id


@contextmanager
def _timed(owner: Any, name: str, totals: dict[str, float], key: str,
           keep: Callable[[Any], None] | None = None) -> Iterator[None]:
    """Wrap `owner.name` so its calls add their time to totals[key] (and hand results to `keep`)."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = original(*args, **kwargs)
        totals[key] += time.perf_counter() - started
        if keep is not None:
            keep(result)
        return result

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


class _CpuOfBackends(threading.Thread):
    """The CPU time of the PostgreSQL backends serving one database, sampled as they come and go."""

    def __init__(self, database: str) -> None:
        super().__init__(daemon=True)
        self._database, self._done, self._tick = database, threading.Event(), os.sysconf("SC_CLK_TCK")
        self.seen: dict[int, float] = {}  # backend pid → its CPU seconds when last seen

    def run(self) -> None:
        while not self._done.wait(0.2):
            self.sample()

    def sample(self) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
                if not command.startswith("postgres:") or f" {self._database} " not in command:
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.seen[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self._tick

    def stop(self) -> float:
        self._done.set()
        self.join()
        self.sample()
        return sum(self.seen.values())


def _cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _score(database: db.Database, chunk: int) -> tuple[float, dict[str, float], np.ndarray, Any]:
    from xinyidai.scoring import batch, feature_columns

    totals: dict[str, float] = defaultdict(float)
    matrices: list[np.ndarray] = []
    backends = _CpuOfBackends(database.engine.url.database or "")
    backends.sample()
    backends_before = sum(backends.seen.values())
    own = _cpu_seconds(resource.RUSAGE_SELF)
    backends.start()
    with clock.use(clock.at(2026, 11, 23, 1, 30)), \
            _timed(batch, "page_records", totals, "load records"), \
            _timed(feature_columns, "compute_page", totals, "features"), \
            _timed(batch, "score_page", totals, "score, policy, reasons (matrix included)"), \
            _timed(batch, "matrix", totals, "matrix", keep=matrices.append), \
            _timed(batch, "write_results", totals, "write (binary COPY)"):
        started = time.perf_counter()
        result = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=database.session_factory, chunk=chunk)
        elapsed = time.perf_counter() - started
    # CPU the run used, wherever it ran: what it would take on an idle machine is at least this over the cores.
    totals["CPU: this process"] = _cpu_seconds(resource.RUSAGE_SELF) - own
    totals["CPU: PostgreSQL backends"] = backends.stop() - backends_before
    assert result.ran and result.run_id is not None, result.message
    with database.session_factory() as session:
        run = batch.get(session, run_id=result.run_id)
        session.expunge(run)
    return elapsed, dict(totals), np.vstack(matrices), run


def _floor(database: db.Database, version_id: int, x: np.ndarray, chunk: int) -> dict[str, float]:
    import onnxruntime

    from xinyidai.scoring import model_versions as registry
    from xinyidai.scoring.modelling import scorecard

    with database.session_factory() as session:
        version = registry.get(session, version_id=version_id)
        onnx, spec = version.scorecard_onnx, version.scorecard_spec
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    model = onnxruntime.InferenceSession(onnx, options, providers=["CPUExecutionProvider"])
    model.run(None, {"X": x[:chunk]})  # the first call allocates; not part of a prediction
    def pages() -> None:
        for start in range(0, len(x), chunk):
            model.run(None, {"X": x[start:start + chunk]})

    floor: dict[str, float] = {}
    # The best of three of each: on a shared machine the others' work only ever adds to a measurement.
    for name, predict in (("onnx, one call", lambda: model.run(None, {"X": x})), ("onnx, pages", pages),
                          ("numpy scorecard", lambda: scorecard.score(spec, x))):
        for _ in range(3):
            started = time.perf_counter()
            predict()
            floor[name] = min(floor.get(name, float("inf")), time.perf_counter() - started)
    return floor


def _records(url: str) -> int:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as connection:
        return int(connection.execute("SELECT count(*) FROM credit_record").fetchone()[0])  # type: ignore[index]


def _floor_io(database: db.Database, run_id: int, pages: int = 100_000) -> dict[str, float]:
    """What the run cannot go below whatever it computes: reading the records it reads with its own query and parse
    (`batch.page_records`) in pages of `pages` entities instead of `CHUNK`, and writing its results (``INSERT …
    SELECT`` of the run's rows into a copy of `entity_score`); each the best of two."""
    from xinyidai.scoring import batch

    floor: dict[str, float] = {}
    with database.session_factory() as session:
        items = batch._items(session)
        last = int(session.execute(text("SELECT max(id) FROM enterprise")).scalar_one())
        for _ in range(2):
            started, rows = time.perf_counter(), 0
            for first in range(1, last + 1, pages):
                rows += batch.page_records(session, as_of=AS_OF, page=[(first, AS_OF), (first + pages - 1, AS_OF)],
                                           items=items).height
            floor[READ_FLOOR] = min(floor.get(READ_FLOOR, float("inf")), time.perf_counter() - started)
        print(f"  records the run reads: {rows:,}")
        session.rollback()
        # A table like entity_score, indexes and all, written and committed as the run's results are.
        session.execute(text("CREATE TABLE bench_floor_score (LIKE entity_score INCLUDING ALL)"))
        session.commit()
        try:
            for _ in range(2):
                session.execute(text("TRUNCATE bench_floor_score"))
                session.commit()
                started = time.perf_counter()
                session.execute(text("INSERT INTO bench_floor_score SELECT * FROM entity_score "
                                     "WHERE scoring_run_id = :r"), {"r": run_id})
                session.commit()
                floor[WRITE_FLOOR] = min(floor.get(WRITE_FLOOR, float("inf")), time.perf_counter() - started)
        finally:
            session.rollback()
            session.execute(text("DROP TABLE bench_floor_score"))
            session.commit()
    return floor


def _batch_chunk() -> int:
    from xinyidai.scoring import batch

    return int(batch.CHUNK)


def main() -> None:
    """Load, score, measure the floor, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--pg-url", default=os.environ.get("XINYIDAI_BENCH_PG_URL",
                                                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--chunk", type=int, default=None, help="entities a page (default: batch.CHUNK)")
    parser.add_argument("--database", default=DATABASE, help="the database to (re)create on that server")
    parser.add_argument("--keep", action="store_true", help="leave the database behind")
    parser.add_argument("--reuse", action="store_true", help="score the database a --keep run left")
    args = parser.parse_args()
    url = args.pg_url.rsplit("/", 1)[0] + f"/{args.database}"
    load: dict[str, float] = {}
    if args.reuse:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
            # The same model is trained again (same seed, same files): the registry would refuse it twice.
            connection.execute("TRUNCATE entity_score, scoring_run, model_version CASCADE")
            connection.execute("VACUUM ANALYZE")
    else:
        url = _recreate(args.pg_url, args.database)
        upgrade_database(url)
    database = db.Database(url)
    try:
        if not args.reuse:
            _reference(database)
            load = _load(url, args.entities)
            print(f"loaded {args.entities:,} entities and {int(load['record_rows']):,} records: "
                  f"{load['entities']:.1f} s + {load['records']:.1f} s + vacuum {load['vacuum']:.1f} s", flush=True)
        with TemporaryDirectory() as tmp:
            version_id = _champion(database, _train(Path(tmp) / "model"))
        chunk = args.chunk or _batch_chunk()
        load_before = os.getloadavg()
        elapsed, parts, x, run = _score(database, chunk)
        load_after = os.getloadavg()
        floor = _floor(database, version_id, x, chunk)
        io = _floor_io(database, run.id)
    finally:
        database.engine.dispose()
    best_floor = min(floor.values())
    print(f"\nmachine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, load average (1, 5, 15 min) before the run "
          f"{', '.join(f'{v:.2f}' for v in load_before)}, after it {', '.join(f'{v:.2f}' for v in load_after)}")
    print(f"run {run.id}: {run.entities_total:,} entities, scored {run.entities_scored:,}, approved "
          f"{run.entities_approved:,}, remediate {run.entities_remediate:,}, declined {run.entities_declined:,}, "
          f"failed {run.entities_failed:,}, mean score {run.mean_score:.1f}, PSI vs development "
          f"{run.psi_development:.4f}")
    print(f"\none process; pages of {chunk:,}; matrix {x.shape[0]:,} × {x.shape[1]}")
    print("parts of the run (s): "
          + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()))
    print("floor (s): " + ", ".join(f"{k} {v:.3f}" for k, v in floor.items()))
    io_floor = sum(io.values()) + best_floor
    print("floor of the data (s): " + ", ".join(f"{k} {v:.2f}" for k, v in io.items())
          + f", with the bare prediction {io_floor:.2f}: the run is {elapsed / io_floor:.1f}× it; reading alone is "
          f"{io[READ_FLOOR] / best_floor:,.0f}× the bare prediction")
    cpu = sum(v for k, v in parts.items() if k.startswith("CPU:"))
    print(f"CPU of the run {cpu:.1f} s in all (over {os.cpu_count()} cores: at least "
          f"{cpu / (os.cpu_count() or 1):.1f} s on an idle machine, {cpu / (os.cpu_count() or 1) / best_floor:,.0f}× "
          "the floor)")
    print("\n| entities | records | batch (s) | entities/s | floor: bare predict (s) | batch / floor "
          "| floor: read + predict + write (s) | batch / that | date |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    records = int(load["record_rows"]) if load else _records(url)
    print(f"| {run.entities_total:,} | {records:,} | {elapsed:.1f} | {run.entities_total / elapsed:,.0f} | "
          f"{best_floor:.3f} | {elapsed / best_floor:,.0f}× | {io_floor:.2f} | {elapsed / io_floor:.1f}× | "
          f"{date.today()} |")
    if not args.keep:
        _drop(args.pg_url, args.database)


if __name__ == "__main__":
    main()
