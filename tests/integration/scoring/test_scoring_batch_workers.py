"""The batch scoring on the job engine: `xinyidai worker` processes (procrastinate on PostgreSQL) share a run's pages,
and a worker killed in the middle of a page leaves it to another: nothing lost, nothing scored twice, and the run
the same as one process makes of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import build_world
from tests.integration.scoring.test_model_registry import _train
from xinyidai import clock, db, jobs
from xinyidai.scoring import batch
from xinyidai.scoring import jobs as scoring_jobs  # noqa: F401  (declares the jobs deferred below)
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.models import EntityScore, ScoringPage, ScoringRun

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="the job engine (procrastinate) runs on PostgreSQL: tested in the PostgreSQL run of make test",
)

AS_OF = date(2026, 11, 22)
EXTRA_ENTITIES = 60
CHUNK = 6
FIGURES = ("entities_total", "entities_scored", "entities_declined", "entities_failed", "mean_score", "mean_pd",
           "decile_counts", "score_histogram", "psi_development")
STALLED_AFTER_S = 3


def _wait(condition: Callable[[], Any], what: str, timeout: float = 240.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Workers:
    """`xinyidai worker` processes on the test's database, stopped at the end."""

    def __init__(self, url: str, logs: Path) -> None:
        self.url, self.logs, self.started = url, logs, []  # type: list[subprocess.Popen[bytes]]
        self.env = {**os.environ, "XINYIDAI_DATABASE_URL": url, "XINYIDAI_JOBS_ENGINE": "procrastinate",
                    "XINYIDAI_JOBS_STALLED_AFTER_SECONDS": str(STALLED_AFTER_S),
                    "XINYIDAI_JOBS_STALLED_CHECK_CRON": "* * * * * *"}  # every second

    def start(self, name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen([sys.executable, "-m", "xinyidai.cli", "worker", "--queue", "scoring",
                                    "--queue", "housekeeping"], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.started.clear()

    def output(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
                         for path in sorted(self.logs.glob("*.log")))


@pytest.fixture
def workers(committed_database: db.Database, tmp_path: Path) -> Iterator[Workers]:
    running = Workers(committed_database.engine.url.render_as_string(hide_password=False), tmp_path)
    yield running
    running.stop()


def _district(database: db.Database, tmp_path: Path) -> None:
    """The fixture world, a champion, and more entities (copies of the first, registered on other days)."""
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        model = _train(tmp_path / "model", seed=5)
    with db.transaction(database.session_factory) as session:
        world = build_world(session)
        admin = world.principal(session, "admin")
        version = registry.register(session, principal=admin, files=registry.read_directory(model))
        registry.promote(session, principal=admin, version_id=version.id)
        session.execute(text("""
            INSERT INTO enterprise (uscc, name, kind, scale, legal_rep_name, legal_rep_id_cipher, legal_rep_id_index,
                                    registration_date, industry_code, district_area_id, address, operating_status,
                                    is_abnormal, created_at)
            SELECT 'T' || lpad(g::text, 17, '0'), name || g, kind, scale, legal_rep_name, legal_rep_id_cipher,
                   md5(g::text), registration_date - g * 40, industry_code, district_area_id, address,
                   operating_status, is_abnormal, created_at
            FROM enterprise, generate_series(1, :n) AS g WHERE enterprise.id = (SELECT min(id) FROM enterprise)"""),
                        {"n": EXTRA_ENTITIES})


def _run_of(session: Session) -> ScoringRun | None:
    return session.scalars(select(ScoringRun).where(ScoringRun.as_of == AS_OF)).first()


def _snapshot(session: Session, run: ScoringRun) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    results = sorted((s.enterprise_id, s.outcome, s.grade, s.score, s.pd, tuple(s.reason_codes)) for s in
                     session.scalars(select(EntityScore).where(EntityScore.scoring_run_id == run.id)))
    return {figure: getattr(run, figure) for figure in FIGURES}, results


def _redo(database: db.Database) -> None:
    """Let the next start take the day's run over (as after a failure)."""
    with db.transaction(database.session_factory) as session:
        run = _run_of(session)
        assert run is not None
        run.status = batch.RunStatus.FAILED


def _done(database: db.Database) -> ScoringRun | None:
    with database.session_factory() as session:
        run = _run_of(session)
        return run if run is not None and run.status == batch.RunStatus.DONE else None


def test_two_workers_share_a_run_and_a_killed_worker_leaves_its_page_to_the_other(
        committed_database: db.Database, workers: Workers, tmp_path: Path) -> None:
    database = committed_database
    _district(database, tmp_path)
    # The run as one process makes it: the reference.
    one = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=database.session_factory, chunk=CHUNK)
    assert one.ran and one.pages >= 10, one.message
    with database.session_factory() as session:
        run = _run_of(session)
        assert run is not None
        expected = _snapshot(session, run)
        assert len(expected[1]) == run.entities_total > EXTRA_ENTITIES
    _redo(database)
    engine = jobs.Procrastinate(workers.url)

    # Two workers, the run started as the schedule starts it: each scores part, together what one process did.
    workers.start("a")
    workers.start("b")
    with database.engine.connect() as connection:
        _wait(lambda: connection.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar() == 2,
              "two workers")
    engine.defer("scoring.batch", {"as_of": AS_OF.isoformat(), "trigger": "schedule", "chunk": CHUNK})
    try:
        _wait(lambda: _done(database), "the run scored by two workers")
    except AssertionError:
        raise AssertionError(workers.output()) from None
    with database.session_factory() as session:
        run = _run_of(session)
        assert run is not None
        assert _snapshot(session, run) == expected
        by_worker = dict(session.execute(select(ScoringPage.worker, func.count()).where(
            ScoringPage.scoring_run_id == run.id).group_by(ScoringPage.worker)).all())
    assert len(by_worker) == 2 and sum(by_worker.values()) == one.pages, by_worker
    workers.stop()
    _redo(database)

    # One worker, held in the middle of its first page (its results written, not committed: the page's last step
    # waits for the run's row, which this test holds), is killed; a second worker takes the page over.
    started = batch.start(as_of=AS_OF, trigger="schedule", session_factory=database.session_factory, chunk=CHUNK)
    assert started.run_id is not None and started.pages == one.pages
    with database.engine.connect() as holder, database.engine.connect() as watcher:
        holder.execute(text("SELECT id FROM scoring_run WHERE id = :id FOR NO KEY UPDATE"), {"id": started.run_id})
        engine.defer_many("scoring.batch_page",
                          [{"run_id": started.run_id, "page_no": n} for n in range(started.pages)])
        doomed = workers.start("doomed")

        def others(condition: str) -> int:
            # The statistics views hold one snapshot per transaction: each look is its own.
            with watcher.begin():
                return int(watcher.execute(text(f"SELECT count(*) FROM {condition}")).scalar() or 0)  # noqa: S608

        _wait(lambda: others("pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
                             "AND query LIKE '%scoring_run%FOR NO KEY UPDATE%'") == 1,
              "the worker to reach its page's last step")
        # ... having written its page's results, in its open transaction.
        assert others("pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation WHERE pg_class.relname = "
                      "'entity_score' AND pg_locks.mode = 'RowExclusiveLock'") == 1
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
        holder.rollback()
    with database.session_factory() as session:
        # Nothing of the killed worker's page committed.
        assert session.scalar(select(func.count()).select_from(EntityScore).where(
            EntityScore.scoring_run_id == started.run_id)) == 0
        assert session.scalar(select(func.count()).select_from(ScoringPage).where(
            ScoringPage.scoring_run_id == started.run_id, ScoringPage.done_at.is_not(None))) == 0
        killed_jobs = session.execute(text(
            "SELECT id FROM procrastinate_jobs WHERE task_name = 'scoring.batch_page' AND status = 'doing'")).all()
    assert len(killed_jobs) == 1
    workers.start("survivor")
    try:
        _wait(lambda: _done(database), "the survivor to finish the run, the killed page included")
    except AssertionError:
        raise AssertionError(workers.output()) from None
    with database.session_factory() as session:
        run = _run_of(session)
        assert run is not None and run.id == started.run_id
        assert _snapshot(session, run) == expected  # nothing lost, nothing twice
        assert session.execute(text("SELECT status, attempts FROM procrastinate_jobs WHERE id = :id"),
                               {"id": killed_jobs[0][0]}).one() == ("succeeded", 2)
        # Every page by the survivor, the killed one's included.
        assert len(set(session.scalars(select(ScoringPage.worker).where(ScoringPage.scoring_run_id == run.id)))) == 1
