"""Credit decisions with a registered model version, and the pre-assessor that uses the champion.

A decision is features as of a day → the version's model (its scorecard's JSON spec, and its challenger's ONNX
graph when the version decides with the challenger or the blend) → the credit policy. Each is stored with the model
version, the features, the product's bounds and every figure, so `reproduce` can recompute it from the database
alone.
Without a champion the rule-based assessor answers, the hard rules still apply, and the decision says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.scoring import feature_store, features, policy
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.exceptions import DecisionNotFound, ModelVersionNotFound
from xinyidai.scoring.models import CreditDecision, ModelVersion
from xinyidai.scoring.policy import Outcome, Reason
from xinyidai.scoring.preassessment import EntityFacts, Estimate, ProductBounds, RuleBasedPreAssessor

TOP_MODEL_REASONS = 3
LABELS = {feature.name: feature.label for feature in features.CATALOGUE}
NO_CHAMPION = Reason("note.no_champion", "尚未启用冠军模型，按规则预评估", "note")


@dataclass(frozen=True)
class Scored:
    """What a scorecard says about one entity."""

    score: float
    pd: float
    reasons: tuple[Reason, ...]


def score_features(version: ModelVersion, values: Mapping[str, float | None]) -> Scored:
    """Score one entity's features as the version decides (its scorecard, challenger or their blend); reasons name
    the features costing the most scorecard points."""
    from xinyidai.scoring.modelling import scorecard, shipped  # the modelling stack loads only when a model scores

    spec = version.scorecard_spec
    cells = [values.get(i["name"]) for i in spec["inputs"]]
    row = np.array([[np.nan if cell is None else float(cell) for cell in cells]])
    challenger = registry.challenger_of(version)
    total, pd, points = shipped.score(spec, row, None if challenger is None else shipped.challenger_pd(challenger, row))
    reasons = tuple(
        Reason(f"model.{name}", f"{LABELS.get(name, name)}（扣{lost:.1f}分）", "model")
        for name, lost in scorecard.top_losses(spec, points, TOP_MODEL_REASONS)[0]
    )
    return Scored(score=float(total[0]), pd=float(pd[0]), reasons=reasons)


def bounds_json(bounds: ProductBounds) -> dict[str, Any]:
    """The product's bounds as stored with a decision (the product may change later; the decision does not)."""
    return {"min_rate": str(bounds.min_rate), "max_rate": str(bounds.max_rate), "max_line_fen": bounds.max_line_fen,
            "min_amount_fen": bounds.min_amount_fen}


def bounds_of(stored: Mapping[str, Any]) -> ProductBounds:
    """The bounds a decision was made within."""
    return ProductBounds(min_rate=Decimal(stored["min_rate"]), max_rate=Decimal(stored["max_rate"]),
                         max_line_fen=int(stored["max_line_fen"]), min_amount_fen=int(stored["min_amount_fen"]))


def assessor_of(version: ModelVersion) -> str:
    """How a decision names the model version that made it."""
    return f"model:{version.version_label}"


def evaluate(version: ModelVersion, values: Mapping[str, float | None],
             bounds: ProductBounds) -> tuple[Scored, policy.PolicyDecision]:
    """Score with the version and apply the policy: pure given the version's stored spec."""
    scored = score_features(version, values)
    return scored, policy.decide(values, scored.pd, scored.reasons, bounds)


def _store(session: Session, *, enterprise_id: int, as_of: date, bounds: ProductBounds, product_id: int | None,
           version: ModelVersion | None, assessor: str, values: Mapping[str, float | None], score: float,
           pd: float | None, decided: policy.PolicyDecision) -> CreditDecision:
    decision = CreditDecision(
        enterprise_id=enterprise_id, product_id=product_id, as_of=as_of,
        model_version_id=None if version is None else version.id, assessor=assessor, bounds=bounds_json(bounds),
        features=dict(values), score=score, pd=pd, grade=decided.grade, outcome=decided.outcome,
        annual_rate=decided.annual_rate, line_fen=decided.line_fen,
        reasons=[r.as_dict() for r in decided.reasons], created_at=clock.now(),
    )
    session.add(decision)
    session.flush()
    # Features are computed from the entity's credit file: the read is audited like any other.
    audit_service.record(session, action="scoring.decided", actor=audit_service.Actor.system("credit_decision"),
                         subject_type="credit_decision", subject_id=decision.id,
                         enterprise_id=enterprise_id,
                         detail={"as_of": as_of.isoformat(), "assessor": assessor, "outcome": decided.outcome})
    return decision


def decide(session: Session, *, enterprise_id: int, as_of: date, bounds: ProductBounds,
           model_version_id: int | None = None, product_id: int | None = None) -> CreditDecision:
    """Decide on the entity as of a day with a given version (else the champion), and store the decision."""
    version = (registry.get(session, version_id=model_version_id) if model_version_id is not None
               else registry.champion(session))
    if version is None:
        raise ModelVersionNotFound("尚未启用冠军模型", message_en="no champion model has been promoted")
    values = feature_store.features_as_of(session, enterprise_id=enterprise_id, as_of=as_of)
    scored, decided = evaluate(version, values, bounds)
    return _store(session, enterprise_id=enterprise_id, as_of=as_of, bounds=bounds, product_id=product_id,
                  version=version, assessor=assessor_of(version), values=values, score=scored.score, pd=scored.pd,
                  decided=decided)


def reproduce(session: Session, *, decision_id: int) -> policy.PolicyDecision:
    """Recompute a stored model decision from its stored features, bounds and model version."""
    decision = session.get(CreditDecision, decision_id)
    if decision is None:
        raise DecisionNotFound("未找到该评估决策", message_en="credit decision not found")
    if decision.model_version_id is None:
        raise ModelVersionNotFound("该决策由规则评估作出，没有模型版本",
                                   message_en="a rule-based decision has no model version to rerun")
    version = registry.get(session, version_id=decision.model_version_id)
    return evaluate(version, decision.features, bounds_of(decision.bounds))[1]


def attach_order(session: Session, *, decision_id: int, order_id: int) -> None:
    """Link a decision to the order it was made for (the order exists only after its pre-assessment)."""
    decision = session.get(CreditDecision, decision_id)
    if decision is None:
        raise DecisionNotFound("未找到该评估决策", message_en="credit decision not found")
    decision.order_id = order_id
    session.flush()


def for_order(session: Session, *, order_id: int) -> CreditDecision | None:
    """The decision made when the order was submitted, if any."""
    return session.scalars(select(CreditDecision).where(CreditDecision.order_id == order_id)
                           .order_by(CreditDecision.id.desc())).first()


class ChampionPreAssessor:
    """The pre-assessor of one entity: the champion model and the policy, or the rules while there is no champion."""

    def __init__(self, session: Session, *, enterprise_id: int, product_id: int | None = None) -> None:
        self._session = session
        self._enterprise_id = enterprise_id
        self._product_id = product_id
        self._champion = registry.champion(session)
        self.version = assessor_of(self._champion) if self._champion else RuleBasedPreAssessor.version

    def assess(self, facts: EntityFacts, bounds: ProductBounds, *, today: date) -> Estimate:
        """The estimate on `today`, stored as a credit decision with the model version that made it."""
        if self._champion is None:
            return self._by_rules(facts, bounds, today=today)
        decision = decide(self._session, enterprise_id=self._enterprise_id, as_of=today, bounds=bounds,
                          model_version_id=self._champion.id, product_id=self._product_id)
        reasons = [Reason(r["code"], r["text"], r["kind"]) for r in decision.reasons]
        return Estimate(
            score=round(decision.score), grade=decision.grade, line_fen=decision.line_fen,
            annual_rate=decision.annual_rate, assessor=self.version, reasons=[r.text for r in reasons],
            pd=decision.pd, decision_id=decision.id, outcome=decision.outcome,
            broken_rules=[r.text for r in reasons if r.kind == "rule"], remedies=policy.remedies(reasons),
        )

    def _by_rules(self, facts: EntityFacts, bounds: ProductBounds, *, today: date) -> Estimate:
        estimate = RuleBasedPreAssessor().assess(facts, bounds, today=today)
        values = feature_store.features_as_of(self._session, enterprise_id=self._enterprise_id, as_of=today)
        hits = policy.hard_rule_hits(values)
        outcome = (Outcome.DECLINE if any(r.outcome is Outcome.DECLINE for r in hits)
                   else Outcome.REMEDIATE if hits else Outcome.APPROVE)
        reasons = (*(Reason(r.code, r.text, "rule") for r in hits),
                   *(Reason("rules.basis", text, "rules") for text in estimate.reasons), NO_CHAMPION)
        line = 0 if outcome is Outcome.DECLINE else estimate.line_fen
        decided = policy.PolicyDecision(outcome, estimate.grade, estimate.annual_rate, line, reasons)
        decision = _store(self._session, enterprise_id=self._enterprise_id, as_of=today, bounds=bounds,
                          product_id=self._product_id, version=None, assessor=estimate.assessor, values=values,
                          score=float(estimate.score), pd=None, decided=decided)
        return Estimate(score=estimate.score, grade=estimate.grade, line_fen=line, annual_rate=estimate.annual_rate,
                        assessor=estimate.assessor, reasons=[r.text for r in reasons], decision_id=decision.id,
                        outcome=outcome.value, broken_rules=[r.text for r in hits],
                        remedies=policy.remedies(reasons))
