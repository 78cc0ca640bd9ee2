"""A drop of the batch grade between two scoring runs raises an alert for the firm's carriers, once; a firm that held
or improved its grade raises none."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from tests.integration.monitoring.conftest import Watched, alerts, detect
from xinyidai import clock
from xinyidai.scoring.models import EntityScore, ModelVersion, ScoringRun


def _run(session: Session, version: ModelVersion, as_of: date, grades: dict[int, str],
         previous: ScoringRun | None = None, finished_at: datetime | None = None) -> ScoringRun:
    run = ScoringRun(model_version_id=version.id, as_of=as_of, status="done", trigger="schedule", host="test",
                     started_at=finished_at or clock.now(), finished_at=finished_at or clock.now(),
                     previous_run_id=previous.id if previous else None)
    session.add(run)
    session.flush()
    session.add_all([EntityScore(scoring_run_id=run.id, enterprise_id=enterprise_id, score=600.0, pd=0.05,
                                 grade=grade, outcome="approve", reason_codes=[])
                     for enterprise_id, grade in grades.items()])
    session.commit()
    return run


def _version(session: Session) -> ModelVersion:
    version = ModelVersion(name="scorecard", version_label="v-test", status="champion", model_card={},
                           scorecard_spec={}, digest="0" * 64, created_at=clock.now())
    session.add(version)
    session.flush()
    return version


def test_a_grade_drop_fires_once_and_a_held_grade_is_silent(session: Session, watched: Watched) -> None:
    world = watched.world
    version = _version(session)
    first = _run(session, version, date(2026, 11, 20), {world.good_enterprise: "A", world.other_enterprise: "B"})
    detect(session)
    assert alerts(session) == []  # one run: nothing to compare with
    _run(session, version, date(2026, 11, 21), {world.good_enterprise: "A", world.other_enterprise: "D"}, first)
    detect(session)
    assert alerts(session) == []  # the watched firm held its grade; the other firm is watched by no one
    second = session.query(ScoringRun).order_by(ScoringRun.id.desc()).first()
    _run(session, version, date(2026, 11, 22), {world.good_enterprise: "C", world.other_enterprise: "D"}, second)
    detect(session)
    raised = alerts(session)
    assert sorted(a.organisation_id for a in raised) == sorted([world.bank_a, world.guarantor_org])
    assert {a.signal for a in raised} == {"grade_drop"} and {a.detail for a in raised} == {"A→C"}
    detect(session)
    assert len(alerts(session)) == 2


def test_a_firms_first_scoring_run_has_nothing_to_compare_with(session: Session, watched: Watched) -> None:
    world = watched.world
    version = _version(session)
    first = _run(session, version, date(2026, 11, 20), {world.other_enterprise: "A"})  # the firm not yet scored
    detect(session)
    _run(session, version, date(2026, 11, 21), {world.good_enterprise: "D", world.other_enterprise: "A"}, first)
    detect(session)
    assert alerts(session) == []  # its first grade, D, is no drop from anything


def test_runs_finished_before_the_watch_began_raise_nothing(session: Session, watched: Watched) -> None:
    """The grades of history (a first detection meeting every past run, or a firm newly watched) never flood the
    inbox: a drop counts only against a run finished while the firm was watched."""
    world = watched.world
    version = _version(session)
    before = clock.now() - timedelta(days=30)
    old = _run(session, version, date(2026, 10, 20), {world.good_enterprise: "A"}, finished_at=before)
    older = _run(session, version, date(2026, 10, 21), {world.good_enterprise: "B"}, old,
                 finished_at=before + timedelta(days=1))
    first_watched = _run(session, version, date(2026, 11, 22), {world.good_enterprise: "C"}, older)
    detect(session)
    assert alerts(session) == []  # A→B and B→C: each against a run finished before the watch began
    _run(session, version, date(2026, 11, 23), {world.good_enterprise: "D"}, first_watched)
    detect(session)
    assert sorted((a.organisation_id, a.detail) for a in alerts(session)) == sorted(
        [(world.bank_a, "C→D"), (world.guarantor_org, "C→D")])
