"""Several hosts starting the same day's batch at once (cron at the same minute): exactly one scores it, the others
say it is taken or done, and the results are written once (PostgreSQL: real commits, real contention)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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


def test_pages_scored_in_any_order_give_the_run_one_process_gives(committed_database: db.Database,
                                                                  frozen_clock: clock.FixedClock,
                                                                  tmp_path: Path) -> None:
    """Pages taken by several workers finish in any order, and a page's job may run twice: the results and the run's
    figures are those of one process scoring the pages in order."""
    factory = committed_database.session_factory
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        model = _train(tmp_path / "model", seed=5)
    with db.transaction(factory) as session:
        world = build_world(session)
        admin = world.principal(session, "admin")
        version = registry.register(session, principal=admin, files=registry.read_directory(model))
        registry.promote(session, principal=admin, version_id=version.id)
    day = date(2026, 11, 21)
    in_order = batch.run_job(as_of=day, trigger="cli", session_factory=factory, chunk=1)
    assert in_order.ran and in_order.pages > 2 and in_order.run_id is not None, in_order.message
    figures = ("entities_total", "entities_scored", "entities_declined", "entities_failed", "mean_score", "mean_pd",
               "decile_counts", "score_histogram", "psi_development")

    def results(session: Session, run_id: int) -> list[tuple[int, str, str, float | None]]:
        return sorted((s.enterprise_id, s.outcome, s.grade, s.score) for s in session.scalars(
            select(EntityScore).where(EntityScore.scoring_run_id == run_id)))

    with db.transaction(factory) as session:
        run = batch.get(session, run_id=in_order.run_id)
        expected = {figure: getattr(run, figure) for figure in figures}, results(session, run.id)
        run.status = "failed"  # so that the next start takes the run over and scores it again
    again = batch.start(as_of=day, trigger="cli", session_factory=factory, chunk=1)
    assert again.run_id == in_order.run_id and again.pages == in_order.pages
    for page_no in reversed(range(again.pages)):  # the last page first
        with db.transaction(factory) as session:
            assert batch.score_run_page(session, run_id=again.run_id, page_no=page_no, worker=f"w{page_no % 2}")
    with db.transaction(factory) as session:  # a page's job run a second time does nothing
        assert not batch.score_run_page(session, run_id=again.run_id, page_no=0)
    with factory() as session:
        run = batch.get(session, run_id=again.run_id)
        assert run.status == "done"
        assert ({figure: getattr(run, figure) for figure in figures}, results(session, run.id)) == expected
        assert len(expected[1]) == run.entities_total > 0
