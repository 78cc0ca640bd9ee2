"""Use cases of scoring: the pre-assessment of an entity for a product, and its credit portrait."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.registry import service as registry_service
from xinyidai.scoring.batch import (
    completed_runs_after,
    grade_changes_query,
    latest_done,
    latest_grades,
    run_finished_at,
    scored_columns,
)
from xinyidai.scoring.batch import default_as_of as default_batch_as_of
from xinyidai.scoring.batch import get as get_run
from xinyidai.scoring.batch import run_job as run_batch
from xinyidai.scoring.champion import ChampionPreAssessor, attach_order, for_order
from xinyidai.scoring.portrait.chart import radar_data_url
from xinyidai.scoring.portrait.service import read_portrait
from xinyidai.scoring.preassessment import EntityFacts, Estimate, PreAssessor, ProductBounds

__all__ = [
    "attach_order",
    "completed_runs_after",
    "default_batch_as_of",
    "for_order",
    "get_assessor",
    "get_run",
    "grade_changes_query",
    "latest_done",
    "latest_grades",
    "pre_assess",
    "radar_data_url",
    "read_portrait",
    "run_batch",
    "run_finished_at",
    "scored_columns",
    "set_assessor",
]

_assessor: PreAssessor | None = None  # None: the champion model, or the rules while there is none


def get_assessor() -> PreAssessor | None:
    """The assessor installed in place of the champion, if any."""
    return _assessor


def set_assessor(assessor: PreAssessor | None) -> None:
    """Install another assessor in place of the champion (None: back to the champion)."""
    global _assessor
    _assessor = assessor


def pre_assess(session: Session, *, enterprise_id: int, bounds: ProductBounds,
               product_id: int | None = None) -> Estimate:
    """Estimate a line and rate for the entity within the product's bounds, recorded as a credit decision."""
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    gate = registry_service.annual_report_gate(enterprise)
    facts = EntityFacts(
        kind=enterprise.kind, scale=enterprise.scale, registration_date=enterprise.registration_date,
        registered_capital_fen=enterprise.registered_capital_fen, employees=enterprise.employees,
        is_abnormal=enterprise.is_abnormal,
        annual_reports_current=not any(f.code == "annual_report_missing" for f in gate.findings),
    )
    assessor = _assessor or ChampionPreAssessor(session, enterprise_id=enterprise_id, product_id=product_id)
    return assessor.assess(facts, bounds, today=clock.today())
