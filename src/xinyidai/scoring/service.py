"""Use cases of scoring: the pre-assessment of an entity for a product."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.registry import service as registry_service
from xinyidai.scoring.preassessment import (
    EntityFacts,
    Estimate,
    PreAssessor,
    ProductBounds,
    RuleBasedPreAssessor,
)

_assessor: PreAssessor = RuleBasedPreAssessor()


def get_assessor() -> PreAssessor:
    """The assessor in use."""
    return _assessor


def set_assessor(assessor: PreAssessor) -> None:
    """Install another assessor (the credit-evaluation model)."""
    global _assessor
    _assessor = assessor


def pre_assess(session: Session, *, enterprise_id: int, bounds: ProductBounds) -> Estimate:
    """Estimate a line and rate for the entity within the product's bounds."""
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    gate = registry_service.annual_report_gate(enterprise)
    facts = EntityFacts(
        kind=enterprise.kind, scale=enterprise.scale, registration_date=enterprise.registration_date,
        registered_capital_fen=enterprise.registered_capital_fen, employees=enterprise.employees,
        is_abnormal=enterprise.is_abnormal,
        annual_reports_current=not any(f.code == "annual_report_missing" for f in gate.findings),
    )
    return get_assessor().assess(facts, bounds, today=clock.today())
