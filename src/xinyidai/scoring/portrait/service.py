"""Reading an entity's credit portrait: who may see it, on what information, and the audit of the read.

The portrait is derived from the entity's credit file, so it is read like the file (`creditdata.credit_file`):
the entity itself, the platform, or an institution under the entity's live authorisation for the purpose and
reference (the financing application's number) — consent's decision, spent like any read under it. An
institution's portrait is computed only from what that decision lets it see: the categories the authorisation
covers, facts dated inside its data window, and no restricted sub-category; a feature drawing on anything else is
withheld and left out of every score. Every read that is not the entity's own is audited.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service

# credit_file's access path is not re-exported by creditdata.service: credit_file builds on that module, and a
# re-export would make the two import each other.
from xinyidai.creditdata import credit_file
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Sensitivity
from xinyidai.registry import service as registry_service
from xinyidai.scoring import feature_store, features
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.champion import assessor_of
from xinyidai.scoring.portrait import policy as portrait_rules
from xinyidai.scoring.portrait.schemas import PortraitDimensionRead, PortraitRead, PortraitSuggestionRead

AUDIT_ACTION = "scoring.portrait_read"


def _visible_items(session: Session, *, access: creditdata_service.Access,
                   decision: consent_service.Decision | None) -> set[str] | None:
    """The sub-categories the reader may see (None: all of them)."""
    if decision is None:
        return None
    sensitivities = creditdata_service.sensitivities_for(access) or frozenset(Sensitivity)
    return {item.code for item in creditdata_service.list_items(session)
            if item.category_code in decision.categories_allowed and Sensitivity(item.sensitivity) in sensitivities}


def read_portrait(session: Session, *, principal: Principal, enterprise_id: int, purpose_ref: str | None = None,
                  ip_address: str | None = None) -> PortraitRead:
    """The entity's credit portrait as the caller may see it today; every read but the entity's own is audited."""
    standing = credit_file.require_access(session, principal=principal, enterprise_id=enterprise_id,
                                          purpose_ref=purpose_ref, ip_address=ip_address)
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    as_of = clock.today()
    visible = _visible_items(session, access=standing.access, decision=standing.decision)
    withheld: frozenset[str] = frozenset()
    if visible is not None and standing.decision is not None:
        # An institution's portrait: from what its authorisation lets it see, computed for this read.
        entity, records = feature_store.snapshot(session, enterprise_id=enterprise_id, as_of=as_of)
        window = standing.decision.data_window
        records = [r for r in records if r.item in visible and window.covers(r.fact_date)]
        withheld = frozenset(f.name for f in features.CATALOGUE if not set(f.sources) <= visible)
        values = features.compute(as_of, entity, records)
    else:
        # The whole file (the entity's own view, the platform's): the features 测一测 uses too, cached.
        values = feature_store.features_as_of(session, enterprise_id=enterprise_id, as_of=as_of)
    champion = registry.champion(session)
    built = portrait_rules.build(
        values, model_spec=champion.scorecard_spec if champion else None,
        model_version=assessor_of(champion) if champion else None, withheld=withheld,
        suggest=standing.access is not creditdata_service.Access.AUTHORISED,
    )
    if standing.decision is not None:
        consent_service.record_use(session, decision=standing.decision)
    if creditdata_service.is_audited(standing.access):
        audit_service.record(
            session, action=AUDIT_ACTION, actor=principal,
            subject_type="credit_portrait", subject_id=enterprise_id, enterprise_id=enterprise_id,
            purpose=credit_file.purpose_of(standing, purpose_ref), ip_address=ip_address,
            detail={"view": standing.access.value, "as_of": as_of.isoformat(),
                    "model_version": built.model_version, "withheld": sorted(withheld)},
        )
    return PortraitRead(
        enterprise_id=enterprise.id, enterprise_name=enterprise.name, as_of=as_of, view=standing.access.value,
        model_version=built.model_version, note=built.note, note_en=built.note_en,
        dimensions=[PortraitDimensionRead(code=d.dimension.value, label=d.label, score=d.score, basis=d.basis.value,
                                          basis_label=portrait_rules.BASIS_LABELS[d.basis],
                                          explanation=d.explanation, explanation_en=d.explanation_en)
                    for d in built.dimensions],
        suggestions=[PortraitSuggestionRead(feature=s.feature, label=s.label, dimension=s.dimension.value,
                                            text=s.text, text_en=s.text_en, points_gained=s.points_gained,
                                            dimension_before=s.dimension_before, dimension_after=s.dimension_after)
                     for s in built.suggestions],
    )
