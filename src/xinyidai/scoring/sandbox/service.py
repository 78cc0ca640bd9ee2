"""Use cases of the model sandbox (可用不可见): an institution uploads a model, runs it on the entities that
authorised it, and gets scores back; the features never leave the platform.

- `upload` checks the file (`validation.check`) and records it either way: accepted with its bytes, or refused with
  the reason and the digest only. Both are audited.
- `run` takes the candidates (the codes asked for, or every entity that authorised the institution under the
  reference), keeps those whose live authorisation for `Purpose.MODEL_RUN` covers every category the model's
  features are computed from, computes their features as of today from what that authorisation covers (its
  categories and data window; restricted sub-categories never), runs the model in the sandbox worker
  (`runner.run`) and keeps one score per entity: a probability in [0, 1] rounded to two decimals (a value outside
  fails the run). The rest are skipped and counted by reason, and each refused decision is audited
  (`consent.service.record_refusal`), so the entity sees it on its access log too. Fewer than `MIN_ENTITIES`
  entities left to compute on: the run is refused before the model runs, so no run singles one entity out. The run
  is recorded and audited, and so is each entity whose features went into it: that entry is what the enterprise
  sees on its "who looked at my information" page.

"Scores only" is bounded, not guaranteed: a model can encode a feature in its score. See `validation` for the
residual risk and what limits it (at least three features on a computing path, [0, 1], two decimals, at least
`MIN_ENTITIES` entities a run, every run audited and shown to the entity).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from xinyidai import clock, idempotency
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Sensitivity
from xinyidai.errors import Conflict, DomainError, Forbidden, NotFound
from xinyidai.registry import service as registry_service
from xinyidai.scoring import feature_store
from xinyidai.scoring.features import CATALOGUE, compute
from xinyidai.scoring.sandbox import runner
from xinyidai.scoring.sandbox.models import SandboxModel, SandboxRun
from xinyidai.scoring.sandbox.schemas import MAX_ENTITIES, SandboxModelCreate, SandboxRunCreate
from xinyidai.scoring.sandbox.validation import Checked, Layout, ModelInput, ModelRefused, check

PURPOSE = consent_service.Purpose.MODEL_RUN
RUNNING_KINDS = frozenset({OrgKind.BANK, OrgKind.CREDIT_AGENCY})
# A run computes on at least this many authorised entities, or does not run: a run of one would single one
# entity's score out. (It bounds, it does not prevent: see the module docstring.)
MIN_ENTITIES = 10


class ModelStatus:
    """Whether an uploaded model passed the checks."""

    VALIDATED = "validated"
    REFUSED = "refused"


MODEL_STATUS_LABELS = {ModelStatus.VALIDATED: "已通过校验", ModelStatus.REFUSED: "已拒收"}

SKIP_LABELS: dict[str, str] = {
    "unknown_entity": "未登记的市场主体",
    "not_authorised": "未授权或授权已失效",
    "categories_not_covered": "授权未涵盖模型所用的信息类别",
    "no_score": "模型未给出有效分数",
    "run_stopped": "运行被终止，未得出分数",
}


class SandboxModelNotFound(NotFound):
    """No such model, or not the caller's."""

    code = "sandbox_model_not_found"


class SandboxRunNotFound(NotFound):
    """No such run, or not the caller's."""

    code = "sandbox_run_not_found"


class ModelNotRunnable(Conflict):
    """A refused model is never run."""

    code = "sandbox_model_refused"


class TooFewEntities(Conflict):
    """Fewer authorised entities than `MIN_ENTITIES`: the run does not start."""

    code = "sandbox_too_few_entities"


class SandboxBusy(DomainError):
    """Every sandbox slot is taken; the run did not start."""

    status_code = 503
    code = "sandbox_busy"


def _institution(principal: Principal) -> int:
    if principal.organisation_kind not in RUNNING_KINDS:
        raise Forbidden("只有银行和信用服务机构可以在平台内运行模型", message_en="banks and credit agencies only")
    return principal.organisation_id


def upload(session: Session, *, principal: Principal, model_in: SandboxModelCreate, content: bytes) -> SandboxModel:
    """Check and record an institution's model; a refused one is recorded too (status refused, with the reason)."""
    organisation_id = _institution(principal)
    digest = hashlib.sha256(content).hexdigest()
    model = SandboxModel(
        organisation_id=organisation_id, name=model_in.name, features=list(model_in.features),
        output_name=model_in.output_name, output_column=model_in.output_column, inputs=[], operators=[],
        sha256=digest, size_bytes=len(content), uploaded_at=clock.now(), uploaded_by_user_id=principal.user_id,
        uploaded_by_api_client_id=principal.api_client_id,
    )
    try:
        checked = check(content, features=model_in.features, output_name=model_in.output_name,
                        output_column=model_in.output_column)
    except ModelRefused as refused:
        model.status, model.refusal_reason = ModelStatus.REFUSED, refused.reason_zh[:500]
    else:
        model.status, model.content = ModelStatus.VALIDATED, content
        model.layout, model.opset = checked.layout.value, checked.opset
        model.inputs = [[i.name, i.double] for i in checked.inputs]
        model.operators = list(checked.operators)
    session.add(model)
    session.flush()
    audit_service.record(
        session, action="scoring.sandbox_model_uploaded", actor=principal,
        subject_type="sandbox_model", subject_id=model.id,
        outcome="success" if model.status == ModelStatus.VALIDATED else "rejected",
        detail={"name": model.name, "sha256": digest, "size_bytes": len(content), "features": model.features,
                "status": model.status, "reason": model.refusal_reason},
    )
    return model


def _visible(principal: Principal, organisation_id: int) -> bool:
    return principal.is_platform_admin or principal.organisation_id == organisation_id


def get_model(session: Session, *, principal: Principal, model_id: int) -> SandboxModel:
    """The model, if the caller's organisation uploaded it (or the caller is the platform admin)."""
    model = session.get(SandboxModel, model_id)
    if model is None or not _visible(principal, model.organisation_id):
        raise SandboxModelNotFound("未找到该模型", message_en="model not found")
    return model


def list_models(session: Session, *, principal: Principal) -> Sequence[SandboxModel]:
    """The caller's organisation's models, newest first (every one for the platform admin)."""
    query = select(SandboxModel).order_by(SandboxModel.id.desc())
    if not principal.is_platform_admin:
        query = query.where(SandboxModel.organisation_id == principal.organisation_id)
    return session.scalars(query).all()


def get_run(session: Session, *, principal: Principal, run_id: int) -> SandboxRun:
    """The run, if the caller's organisation made it (or the caller is the platform admin)."""
    found = session.get(SandboxRun, run_id)
    if found is None or not _visible(principal, found.organisation_id):
        raise SandboxRunNotFound("未找到该运行记录", message_en="run not found")
    return found


def list_runs(session: Session, *, principal: Principal, model_id: int) -> Sequence[SandboxRun]:
    """The runs of a model the caller may see, newest first."""
    model = get_model(session, principal=principal, model_id=model_id)
    return session.scalars(select(SandboxRun).where(SandboxRun.model_id == model.id)
                           .order_by(SandboxRun.id.desc())).all()


@dataclass(frozen=True, slots=True)
class _Candidate:
    uscc: str
    enterprise_id: int | None


def _candidates(session: Session, *, organisation_id: int, run_in: SandboxRunCreate) -> list[_Candidate]:
    if run_in.usccs is not None:
        out = []
        for uscc in dict.fromkeys(run_in.usccs):
            enterprise = registry_service.get_by_uscc(session, uscc=uscc)
            out.append(_Candidate(uscc, enterprise.id if enterprise else None))
        return out
    ids = sorted({a.enterprise_id for a in consent_service.list_for_reference(session, purpose_ref=run_in.purpose_ref)
                  if a.recipient_organisation_id == organisation_id and a.purpose == PURPOSE})
    if len(ids) > MAX_ENTITIES:
        raise Conflict(f"该业务编号下的授权主体超过{MAX_ENTITIES}户，请分批指定统一社会信用代码",
                       message_en=f"more than {MAX_ENTITIES} entities; name them in batches")
    return [_Candidate(registry_service.get(session, enterprise_id=i).uscc, i) for i in ids]


@dataclass(frozen=True, slots=True)
class _Sources:
    """What the catalogue says of the sub-categories the model's features are computed from."""

    categories: frozenset[str]  # the categories the authorisation must cover
    category_of: dict[str, str]  # sub-category code → category code
    restricted: frozenset[str]  # sub-categories that never feed a model


def _sources(session: Session, features: Sequence[str]) -> _Sources:
    items = creditdata_service.list_items(session)
    category_of = {item.code: item.category_code for item in items}
    wanted = {source for feature in CATALOGUE if feature.name in features for source in feature.sources}
    return _Sources(categories=frozenset(category_of[s] for s in wanted if s in category_of),
                    category_of=category_of,
                    restricted=frozenset(item.code for item in items if item.sensitivity == Sensitivity.RESTRICTED))


def _features_row(session: Session, *, enterprise_id: int, decision: consent_service.Decision, sources: _Sources,
                  features: Sequence[str]) -> list[float]:
    """The entity's declared features as of today, from what the authorisation covers only."""
    today = clock.today()
    entity, records = feature_store.snapshot(session, enterprise_id=enterprise_id, as_of=today)
    window = decision.data_window
    covered = [r for r in records if sources.category_of.get(r.item) in decision.categories_allowed
               and r.item not in sources.restricted and window.covers(r.fact_date)]
    values = compute(today, entity, covered)
    return [np.nan if values[name] is None else float(values[name]) for name in features]  # type: ignore[arg-type]


def _checked(model: SandboxModel) -> Checked:
    return Checked(layout=Layout(model.layout or Layout.MATRIX),
                   inputs=tuple(ModelInput(str(name), bool(double)) for name, double in model.inputs),
                   output_name=model.output_name, output_column=model.output_column, opset=model.opset or 0,
                   node_count=0, operators=tuple(model.operators))


def _no_release() -> None:
    """The default between reading and running: keep the caller's transaction as it is."""


def _request_digest(model_id: int, run_in: SandboxRunCreate) -> str:
    return idempotency.fingerprint([model_id, run_in.purpose_ref, run_in.usccs])


def _replayed(session: Session, *, organisation_id: int, idempotency_key: str | None,
              digest: str) -> SandboxRun | None:
    """The run an earlier request with this key made, if any; the key reused for another request is refused."""
    if idempotency_key is None:
        return None
    found = session.scalars(select(SandboxRun).where(SandboxRun.organisation_id == organisation_id,
                                                     SandboxRun.idempotency_key == idempotency_key)).one_or_none()
    if found is None:
        return None
    return idempotency.replay_or_refuse(found, stored=found.request_digest, new=digest,
                                        message="该幂等键已用于另一次模型运行请求", message_en="Idempotency-Key reused")


def run(session: Session, *, principal: Principal, model_id: int, run_in: SandboxRunCreate,
        idempotency_key: str | None = None, release: Callable[[], None] = _no_release) -> SandboxRun:
    """Run the model on the authorised entities' features inside the platform and keep the scores only.

    The edge passes `release` to end its transaction once the features are read (the request's commit): a run
    may take as long as its time limit, and no lock may be held meanwhile. Each entity's authorisation is decided
    again when the scores come back, so one withdrawn during the run gets no score.
    """
    organisation_id = _institution(principal)
    model = get_model(session, principal=principal, model_id=model_id)
    if model.organisation_id != organisation_id:
        raise SandboxModelNotFound("未找到该模型", message_en="model not found")
    if model.status != ModelStatus.VALIDATED or model.content is None:
        raise ModelNotRunnable("该模型未通过校验，不能运行：" + (model.refusal_reason or ""),
                               message_en="the model was refused and is never run")
    digest = _request_digest(model.id, run_in)
    earlier = _replayed(session, organisation_id=organisation_id, idempotency_key=idempotency_key, digest=digest)
    if earlier is not None:
        return earlier
    content, features, checked = model.content, list(model.features), _checked(model)
    started = clock.now()
    candidates = _candidates(session, organisation_id=organisation_id, run_in=run_in)
    sources = _sources(session, features)
    skipped: Counter[str] = Counter()
    fed: list[_Candidate] = []
    rows: list[list[float]] = []

    def decide(enterprise_id: int) -> consent_service.Decision | None:
        decision = consent_service.decide(
            session, enterprise_id=enterprise_id, recipient_organisation_id=organisation_id, purpose=PURPOSE,
            purpose_ref=run_in.purpose_ref, categories=sources.categories or None)
        if not decision.allowed:
            skipped["not_authorised"] += 1
            refusal = consent_service.Refusal(decision.refusal)
            reason_zh, reason_en = decision.reason_zh, decision.reason_en
        elif decision.categories_withheld:
            skipped["categories_not_covered"] += 1
            refusal = consent_service.Refusal.CATEGORIES
            reason_zh = "授权未涵盖模型所用的信息类别：" + "、".join(sorted(decision.categories_withheld))
            reason_en = "the authorisation does not cover every category the model's features come from"
        else:
            return decision
        # Every refused decision is on the entity's access log, the run's fate notwithstanding.
        consent_service.record_refusal(
            session, enterprise_id=enterprise_id, refusal=refusal, reason_zh=reason_zh, reason_en=reason_en,
            actor=principal, purpose=PURPOSE.value, purpose_ref=run_in.purpose_ref,
            categories=sources.categories or None, authorisation_id=decision.authorisation_id)
        return None

    for candidate in candidates:
        if candidate.enterprise_id is None:
            skipped["unknown_entity"] += 1
        elif (decision := decide(candidate.enterprise_id)) is not None:
            rows.append(_features_row(session, enterprise_id=candidate.enterprise_id, decision=decision,
                                      sources=sources, features=features))
            fed.append(candidate)
    if len(fed) < MIN_ENTITIES:
        raise TooFewEntities(
            f"本次可计算的已授权主体只有{len(fed)}户，每次运行至少需要{MIN_ENTITIES}户，以免单个主体的分数被单独算出",
            message_en=f"{len(fed)} authorised entities, a run needs at least {MIN_ENTITIES}",
            eligible=len(fed), minimum=MIN_ENTITIES, skipped=dict(sorted(skipped.items())))
    x = np.array(rows, dtype=np.float64).reshape(len(rows), len(features))
    release()
    outcome = runner.run(content, x, checked=checked)
    if outcome.status is runner.RunStatus.BUSY:
        raise SandboxBusy("平台模型沙箱正忙，请稍后重试", message_en="the sandbox is busy; retry later")
    scores, computed = _kept_scores(session, outcome=outcome, fed=fed, decide=decide, skipped=skipped)
    model = get_model(session, principal=principal, model_id=model_id)
    record = SandboxRun(
        model_id=model.id, organisation_id=organisation_id, purpose=PURPOSE.value, purpose_ref=run_in.purpose_ref,
        as_of=clock.today(), status=outcome.status.value, requested=len(candidates), scored=len(scores),
        skipped=sum(skipped.values()), skipped_reasons=dict(sorted(skipped.items())), scores=scores,
        error=outcome.error[:300] or None, network=outcome.network or None, started_at=started,
        finished_at=clock.now(), requested_by_user_id=principal.user_id,
        requested_by_api_client_id=principal.api_client_id, idempotency_key=idempotency_key,
        request_digest=digest,
    )
    try:
        with session.begin_nested():  # a concurrent retry with the same key may have recorded its run first
            session.add(record)
    except IntegrityError:
        earlier = _replayed(session, organisation_id=organisation_id, idempotency_key=idempotency_key,
                            digest=digest)
        if earlier is None:
            raise
        return earlier
    _audit_run(session, principal=principal, model=model, record=record, enterprise_ids=computed)
    return record


def _kept_scores(session: Session, *, outcome: runner.Outcome, fed: list[_Candidate],
                 decide: Callable[[int], consent_service.Decision | None],
                 skipped: Counter[str]) -> tuple[list[dict[str, Any]], list[int]]:
    """The scores a run keeps, of the entities still authorised when the model returned, and whose data was used.

    Each entity's authorisation is decided again, and its use recorded; `skipped` counts the others."""
    scores: list[dict[str, Any]] = []
    computed: list[int] = []
    for index, candidate in enumerate(fed):
        assert candidate.enterprise_id is not None
        decision = decide(candidate.enterprise_id)
        if decision is None:  # withdrawn while the model ran: counted by `decide`, no score
            continue
        consent_service.record_use(session, decision=decision)
        computed.append(candidate.enterprise_id)
        if outcome.status is not runner.RunStatus.OK:
            skipped["run_stopped"] += 1
        elif outcome.scores[index] is None:
            skipped["no_score"] += 1
        else:
            scores.append({"uscc": candidate.uscc, "score": outcome.scores[index]})
    return scores, computed

def _audit_run(session: Session, *, principal: Principal, model: SandboxModel, record: SandboxRun,
               enterprise_ids: list[int]) -> None:
    """One entry for the run, and one per entity whose features went into it (what the enterprise sees)."""
    purpose = f"{record.purpose}:{record.purpose_ref}"
    outcome = "success" if record.status == runner.RunStatus.OK else "failure"
    audit_service.record(
        session, action="scoring.sandbox_run", subject_type="sandbox_run", subject_id=record.id, purpose=purpose,
        outcome=outcome, detail={"model_id": model.id, "model_name": model.name, "sha256": model.sha256,
                                 "status": record.status, "requested": record.requested, "scored": record.scored,
                                 "skipped": record.skipped_reasons},
        actor=principal)
    for enterprise_id in enterprise_ids:
        audit_service.record(
            session, action="scoring.sandbox_computed", subject_type="sandbox_run", subject_id=record.id,
            enterprise_id=enterprise_id, purpose=purpose, outcome=outcome,
            detail={"model_id": model.id, "model_name": model.name, "run_id": record.id, "status": record.status},
            actor=principal)
