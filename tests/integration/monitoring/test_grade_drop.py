"""A drop of the batch grade between two scoring runs raises an alert for the firm's carriers, once; a firm that held
or improved its grade raises none."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from tests.integration.monitoring.conftest import Watched, alerts, detect
from xinyidai import clock
from xinyidai.scoring.models import EntityScore, ModelVersion, ScoringRun


def _run(session: Session, version: ModelVersion, as_of: date, grades: dict[int, str],
         previous: ScoringRun | None = None) -> ScoringRun:
    run = ScoringRun(model_version_id=version.id, as_of=as_of, status="done", trigger="schedule", host="test",
                     started_at=clock.now(), finished_at=clock.now(),
                     previous_run_id=previous.id if previous else None)
    session.add(run)
    session.flush()
    session.add_all([EntityScore(scoring_run_id=run.id, enterprise_id=enterprise_id, score=600.0, pd=0.05,
                                 grade=grade, outcome="approve", reason_codes=[])
                     for enterprise_id, grade in grades.items()])
    session.commit()
    return run


def test_a_grade_drop_fires_once_and_a_held_grade_is_silent(session: Session, watched: Watched) -> None:
    world = watched.world
    version = ModelVersion(name="scorecard", version_label="v-test", status="champion", model_card={},
                           scorecard_spec={}, digest="0" * 64, created_at=clock.now())
    session.add(version)
    session.flush()
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
