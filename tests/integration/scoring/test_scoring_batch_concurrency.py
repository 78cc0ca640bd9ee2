"""Several hosts starting the same day's batch at once (cron at the same minute): exactly one scores it, the others
say it is taken or done, and the results are written once (PostgreSQL: real commits, real contention)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import build_world
from tests.integration.scoring.test_model_registry import _train
from xinyidai import clock, db
from xinyidai.scoring import batch
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.models import EntityScore, ScoringRun

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="concurrency is tested on PostgreSQL (the PostgreSQL run of make test); SQLite serialises writers",
)


def test_simultaneous_starts_score_the_day_once(committed_database: db.Database, frozen_clock: clock.FixedClock,
                                                tmp_path: Path) -> None:
    factory = committed_database.session_factory
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        model = _train(tmp_path / "model", seed=5)
    with db.transaction(factory) as session:
        world = build_world(session)
        admin = world.principal(session, "admin")
        version = registry.register(session, principal=admin, files=registry.read_directory(model))
        registry.promote(session, principal=admin, version_id=version.id)

    def start(_host: int) -> batch.JobResult:
        return batch.run_job(as_of=date(2026, 11, 22), trigger="schedule", session_factory=factory)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(start, range(6)))
    assert sum(r.ran for r in results) == 1, [r.message for r in results]
    assert all("不重复" in r.message for r in results if not r.ran)
    with factory() as session:
        runs = session.scalars(select(ScoringRun)).all()
        assert [r.status for r in runs] == ["done"]
        assert session.scalar(select(func.count()).select_from(EntityScore)) == runs[0].entities_total > 0


def test_worker_processes_score_as_one_process_does(committed_database: db.Database, frozen_clock: clock.FixedClock,
                                                    tmp_path: Path) -> None:
    """Worker processes start from `scoring.batch` alone (no module loading every context's tables) and score
    every entity as the run in one process does."""
    factory = committed_database.session_factory
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        model = _train(tmp_path / "model", seed=5)
    with db.transaction(factory) as session:
        world = build_world(session)
        admin = world.principal(session, "admin")
        version = registry.register(session, principal=admin, files=registry.read_directory(model))
        registry.promote(session, principal=admin, version_id=version.id)
    scored = {}
    for day, workers in ((date(2026, 11, 21), 1), (date(2026, 11, 22), 2)):
        result = batch.run_job(as_of=day, trigger="cli", session_factory=factory, workers=workers, chunk=2)
        assert result.ran, result.message
        with factory() as session:
            run = session.scalars(select(ScoringRun).where(ScoringRun.as_of == day)).one()
            assert run.status == "done"
            scored[workers] = sorted((s.enterprise_id, s.outcome, s.grade) for s in session.scalars(
                select(EntityScore).where(EntityScore.scoring_run_id == run.id)))
    assert scored[2] == scored[1] and scored[1]
