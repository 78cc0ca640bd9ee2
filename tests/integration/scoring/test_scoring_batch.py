"""Batch scoring through the real database: the run record's counts, one run per model and date, a failed or
abandoned run redone, no leakage of records received after the as-of date, refusals that write nothing, the CLI,
and the admin pages (runs and model versions) that only the platform admin (and, reading, the supervisor) see."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.conftest import MakeDatabase, World, _user, build_world, login, page_csrf
from tests.integration.scoring.test_model_registry import ARREARS, _deliver, _deliver_tax, _train
from xinyidai import clock, db
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.cli import app, upgrade_database
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate
from xinyidai.registry import service as registry_service
from xinyidai.scoring import batch
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.exceptions import BatchRunRefused, ModelAdminOnly
from xinyidai.scoring.models import EntityScore, ModelVersion, ScoringRun

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("batch-models")
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        return _train(root / "v1", seed=1), _train(root / "v2", seed=2)


def _champion(session: Session, world: World, directory: Path) -> ModelVersion:
    admin = world.principal(session, "admin")
    version = registry.register(session, principal=admin, files=registry.read_directory(directory))
    return registry.promote(session, principal=admin, version_id=version.id)


def _scores(session: Session, run_id: int) -> dict[int, tuple[object, ...]]:
    return {s.enterprise_id: (s.score, s.pd, s.grade, s.outcome, s.reason_codes) for s in
            session.scalars(select(EntityScore).where(EntityScore.scoring_run_id == run_id))}


def test_a_run_scores_every_operating_entity_and_its_record_adds_up(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dirs: tuple[Path, Path]) -> None:
    _deliver_tax(session, world)
    version = _champion(session, world, model_dirs[0])
    session.commit()
    seen: list[tuple[int, int]] = []
    result = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=session_factory, chunk=2,
                           progress=lambda done, total: seen.append((done, total)))
    assert result.ran and result.run_id is not None
    run = batch.get(session, run_id=result.run_id)
    expected = registry_service.count_operating(session, registered_by=AS_OF)
    assert expected >= 4
    assert (run.status, run.model_version_id, run.as_of, run.trigger) == ("done", version.id, AS_OF, "cli")
    assert run.entities_total == expected == len(_scores(session, run.id))
    assert run.entities_scored + run.entities_failed == expected and run.entities_failed == 0
    assert run.entities_approved + run.entities_remediate + run.entities_declined == run.entities_scored
    assert sum(count for _lower, count in run.score_histogram or []) == run.entities_scored
    assert run.decile_counts is not None and sum(run.decile_counts) == run.entities_scored
    assert run.psi_development is not None and run.psi_development >= 0
    assert run.previous_run_id is None and run.psi_previous is None
    assert seen[-1] == (expected, expected) and len(seen) == (expected + 1) // 2
    good = batch.score_of(session, run_id=run.id, enterprise_id=world.good_enterprise)
    assert good is not None and good.score is not None and 0 < (good.pd or 0) < 1 and good.grade in "ABCD"
    assert all(code.startswith(("model.", "rule.")) for code in good.reason_codes)
    actions = session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "scoring_run")
                           .order_by(AuditEntry.id)).all()
    assert list(actions) == ["scoring.batch_started", "scoring.batch_finished"]

    # A later date is compared with this run: PSI against the previous run on the same deciles.
    later = batch.run_job(as_of=AS_OF + timedelta(days=1), trigger="schedule", session_factory=session_factory)
    assert later.ran and later.run_id is not None
    second = batch.get(session, run_id=later.run_id)
    assert second.previous_run_id == run.id and second.psi_previous is not None and second.psi_previous >= 0


def test_rerunning_a_date_changes_nothing_and_says_so(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dirs: tuple[Path, Path]) -> None:
    _champion(session, world, model_dirs[0])
    session.commit()
    first = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=session_factory)
    assert first.run_id is not None
    before = _scores(session, first.run_id)
    again = batch.run_job(as_of=AS_OF, trigger="schedule", session_factory=session_factory)
    assert (again.ran, again.run_id) == (False, first.run_id) and "不重复评分" in again.message
    assert session.scalar(select(func.count()).select_from(ScoringRun)) == 1
    assert _scores(session, first.run_id) == before


def test_a_second_start_while_running_is_refused_and_an_abandoned_run_is_taken_over(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dirs: tuple[Path, Path],
        frozen_clock: clock.FixedClock) -> None:
    _champion(session, world, model_dirs[0])
    with db.transaction(session_factory) as claiming:
        held = batch.claim(claiming, as_of=AS_OF, trigger="schedule", host="host-a")
    refused = batch.run_job(as_of=AS_OF, trigger="schedule", session_factory=session_factory)
    assert not refused.ran and "正在进行" in refused.message and "host-a" in refused.message
    assert session.scalar(select(func.count()).select_from(EntityScore)) == 0
    frozen_clock.advance(batch.STALE_AFTER + timedelta(minutes=1))  # host-a died mid-run
    taken = batch.run_job(as_of=AS_OF, trigger="schedule", session_factory=session_factory)
    assert taken.ran and taken.run_id == held.id
    session.expire_all()
    assert batch.get(session, run_id=held.id).status == "done"


def test_a_record_received_after_the_date_changes_no_stored_score(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dirs: tuple[Path, Path]) -> None:
    _deliver_tax(session, world)
    _champion(session, world, model_dirs[0])
    session.commit()
    first = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=session_factory)
    assert first.run_id is not None
    before = _scores(session, first.run_id)
    assert before[world.good_enterprise][3] == "approve"
    # Tax arrears announced before the date but received the morning after it: unknown on the day.
    _deliver(session, world, clock.at(2026, 11, 23, 8, 30), "tax_arrears", {**ARREARS,
                                                                             "announced_date": "2026-11-20"})
    with db.transaction(session_factory) as failing:  # make the run redo itself from the records as they are now
        batch.fail(failing, run_id=first.run_id, error="test: redo")
    redo = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=session_factory)
    assert redo.run_id == first.run_id
    session.expire_all()
    assert _scores(session, first.run_id) == before
    # The next day knows it: the same entity is declined with the rule as its first reason.
    next_day = batch.run_job(as_of=AS_OF + timedelta(days=1), trigger="cli", session_factory=session_factory)
    assert next_day.run_id is not None
    after = _scores(session, next_day.run_id)[world.good_enterprise]
    assert after[3] == "decline" and after[4][0] == "rule.tax_arrears"  # type: ignore[index]


def test_without_a_champion_or_for_a_future_date_nothing_is_written(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dirs: tuple[Path, Path]) -> None:
    with pytest.raises(BatchRunRefused, match="尚未启用冠军模型"):
        batch.run_job(as_of=AS_OF, trigger="cli", session_factory=session_factory)
    _champion(session, world, model_dirs[0])
    session.commit()
    with pytest.raises(BatchRunRefused, match="未来日期"):
        batch.run_job(as_of=clock.today() + timedelta(days=1), trigger="cli", session_factory=session_factory)
    with pytest.raises(ModelAdminOnly):
        batch.claim(session, as_of=AS_OF, trigger="portal", principal=world.principal(session, "a.manager"))
    assert session.scalar(select(func.count()).select_from(ScoringRun)) == 0
    assert session.scalar(select(func.count()).select_from(EntityScore)) == 0


def _supervisor(session: Session) -> None:
    regulator = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name="南岸区发展改革委", kind=OrgKind.GOVERNMENT_DEPARTMENT))
    _user(session, regulator.id, "regulator", [Role.GOVERNMENT_SUPERVISOR])
    session.commit()


def test_admin_pages_show_runs_and_versions_and_refuse_other_roles(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dirs: tuple[Path, Path],
        client: TestClient) -> None:
    admin = world.principal(session, "admin")
    candidate = registry.register(session, principal=admin, files=registry.read_directory(model_dirs[1]))
    version = _champion(session, world, model_dirs[0])
    _supervisor(session)
    result = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=session_factory)

    login(client, "a.manager")
    for path in ("/admin/scoring/runs", f"/admin/scoring/runs/{result.run_id}", "/admin/models"):
        assert client.get(path).status_code == 403, path
    client.cookies.clear()

    login(client, "regulator")
    assert client.get("/admin/scoring/runs").status_code == 200
    assert client.get(f"/admin/scoring/runs/{result.run_id}").status_code == 200
    assert client.get("/admin/models").status_code == 403
    client.cookies.clear()

    login(client, "admin")
    listing = client.get("/admin/scoring/runs").text
    assert f'data-testid="run-{result.run_id}"' in listing and version.version_label in listing
    detail = client.get(f"/admin/scoring/runs/{result.run_id}").text
    assert 'data-testid="score-histogram"' in detail and "0.25" in detail and "PSI" in detail
    models = client.get("/admin/models").text
    assert version.version_label in models and candidate.version_label in models and "AUC" in models
    confirm = client.get(f"/admin/models/{candidate.id}/promote")
    assert confirm.status_code == 200 and "确认" in confirm.text
    csrf = page_csrf(client, f"/admin/models/{candidate.id}/promote")
    done = client.post(f"/admin/models/{candidate.id}/promote", data={"csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    session.expire_all()
    assert registry.champion(session) == session.get(ModelVersion, candidate.id)
    csrf = page_csrf(client, f"/admin/models/{candidate.id}/retire")
    client.post(f"/admin/models/{candidate.id}/retire", data={"csrf_token": csrf}, follow_redirects=False)
    session.expire_all()
    assert registry.champion(session) is None
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "model_version")))
    assert {"scoring.model_promoted", "scoring.model_retired"} <= actions


def test_cli_batch_score_runs_once_per_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           model_dirs: tuple[Path, Path]) -> None:
    url = f"sqlite:///{tmp_path / 'batch.db'}"
    upgrade_database(url)
    database = db.Database(url)
    monkeypatch.setattr(db, "_database", database)
    with db.transaction(database.session_factory) as session:
        world = build_world(session)
    runner = CliRunner()
    refused = runner.invoke(app, ["model", "batch-score", "--as-of", "2026-11-01"])
    assert refused.exit_code == 2 and "尚未启用冠军模型" in refused.output
    with db.transaction(database.session_factory) as session:
        _champion(session, world, model_dirs[0])
    result = runner.invoke(app, ["model", "batch-score", "--as-of", "2026-11-01"])
    assert result.exit_code == 0, result.output
    assert "评分" in result.output
    again = runner.invoke(app, ["model", "batch-score", "--as-of", "2026-11-01"])
    assert again.exit_code == 0 and "不重复评分" in again.output
    # A failed run is redone whole by the next start, to the same results.
    with database.session_factory() as session:
        run = session.scalars(select(ScoringRun)).one()
        assert run.status == "done" and run.entities_scored == run.entities_total > 0
        first_scores = _scores(session, run.id)
    with db.transaction(database.session_factory) as failing:
        batch.fail(failing, run_id=run.id, error="test: redo")
    with database.session_factory() as session:
        assert session.get(ScoringRun, run.id).status == "done"  # a finished run is not failed after the fact
    redo = runner.invoke(app, ["model", "batch-score", "--as-of", "2026-11-02"])
    assert redo.exit_code == 0, redo.output
    with database.session_factory() as session:
        runs = session.scalars(select(ScoringRun).order_by(ScoringRun.as_of)).all()
        assert [r.status for r in runs] == ["done", "done"]
        assert runs[1].entities_total == runs[0].entities_total
        assert _scores(session, run.id) == first_scores
    database.engine.dispose()


def test_the_run_pages_decile_table_names_each_column_once(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dirs: tuple[Path, Path],
        client: TestClient) -> None:
    _champion(session, world, model_dirs[0])
    result = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=session_factory)
    login(client, "admin")
    detail = client.get(f"/admin/scoring/runs/{result.run_id}").text
    header = re.search(r'data-testid="decile-shares">\s*<thead>(.*?)</thead>', detail, re.S)
    assert header, "no decile table"
    names = re.findall(r"<th[^>]*>([^<]*)</th>", header.group(1))
    assert len(names) == len(set(names)), names


def test_a_version_id_names_its_own_databases_model_in_a_process_that_served_another(
        make_committed_database: MakeDatabase, frozen_clock: clock.FixedClock, model_dirs: tuple[Path, Path]) -> None:
    # A worker process may serve a restored copy or another district: the same id there is another model, and the
    # scores must be the ones that database's model gives, not a remembered one's.
    ids = []
    for suffix, directory in (("batch_a", model_dirs[0]), ("batch_b", model_dirs[1])):
        database = make_committed_database(suffix)
        with db.transaction(database.session_factory) as session:
            world = build_world(session)
            ids.append(_champion(session, world, directory).id)
        result = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=database.session_factory)
        assert result.ran and result.run_id is not None
        with database.session_factory() as session:
            spec = registry.get(session, version_id=ids[-1]).scorecard_spec
            expected: dict[int, tuple[object, ...]] = {}
            for page in batch.entity_pages(session, as_of=AS_OF):
                rows = batch.score_page(spec, batch.feature_frame(session, as_of=AS_OF, page=page)).rows(result.run_id)
                expected |= {eid: (score, pd, grade, outcome, codes)
                             for _r, eid, score, pd, grade, outcome, _tax, _heads, codes in rows}
            assert _scores(session, result.run_id) == expected
    assert ids[0] == ids[1]
