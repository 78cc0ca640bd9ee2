"""Portal pages of scoring for the platform: batch scoring runs (评分批次) with their score distribution and PSI, read
also by the government supervisor; model versions (模型版本) with their model card, promoted and retired by the
platform admin after a confirmation. The pages show aggregates only: no entity's score appears here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyidai.auth.dependencies import OversightDep, PlatformAdminDep, csrf_protect
from xinyidai.errors import NotFound
from xinyidai.identity import service as identity_service
from xinyidai.portal.templating import render
from xinyidai.scoring import batch, distribution
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.models import ModelVersion
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

# The regulator watches the model's stability as the operator does; only the operator changes the model.
ACTIONS = {"promote": "启用为冠军模型", "retire": "退役"}
ActionPath = Annotated[Text, Path(max_length=20)]


def _user_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    names: dict[int, str] = {}
    for user_id in {i for i in ids if i is not None}:
        try:
            names[user_id] = identity_service.get_user(session, user_id=user_id).display_name
        except NotFound:
            names[user_id] = f"#{user_id}"
    return names


@router.get("/admin/scoring/runs", response_class=HTMLResponse)
def runs(request: Request, session: SessionDep, principal: OversightDep) -> HTMLResponse:
    """评分批次: the latest batch scoring runs, with counts and PSI."""
    rows = batch.list_runs(session)
    return render(request, "scoring/runs.html", {
        "rows": rows, "status_labels": batch.STATUS_LABELS, "trigger_labels": batch.TRIGGER_LABELS,
        "band": distribution.psi_band,
    })


@router.get("/admin/scoring/runs/{run_id}", response_class=HTMLResponse)
def run_detail(request: Request, run_id: IdPath, session: SessionDep,
               principal: OversightDep) -> HTMLResponse:
    """One run: its record, the score histogram, the shares on the development deciles and the PSI bands."""
    run = batch.get(session, run_id=run_id)
    version = registry.get(session, version_id=run.model_version_id)
    development = version.scorecard_spec.get("development_score_distribution") or {}
    deciles = (distribution.decile_rows(development.get("edges", []), run.decile_counts,
                                        development.get("shares", []))
               if run.decile_counts and development else [])
    return render(request, "scoring/run.html", {
        "run": run, "version": version, "status_labels": batch.STATUS_LABELS,
        "trigger_labels": batch.TRIGGER_LABELS, "bars": distribution.bars(run.score_histogram or []),
        "deciles": deciles, "bands": distribution.PSI_BANDS, "band": distribution.psi_band,
        "previous": batch.get(session, run_id=run.previous_run_id) if run.previous_run_id else None,
        "triggered_by": _user_names(session, {run.triggered_by_user_id}).get(run.triggered_by_user_id or 0),
    })


@dataclass(frozen=True)
class VersionRow:
    """A version with the figures of its model card the page shows."""

    version: ModelVersion
    status: str
    decides_with: str
    holdout: dict[str, Any]
    cross_validation: dict[str, Any]
    psi_holdout: float | None
    rows: dict[str, Any]
    promoted_by: str
    retired_by: str
    created_by: str


def _version_rows(session: Session, versions: list[ModelVersion]) -> list[VersionRow]:
    names = _user_names(session, {u for v in versions for u in (v.promoted_by_user_id, v.retired_by_user_id,
                                                                 v.created_by_user_id)})
    out = []
    for v in versions:
        card_metrics = v.model_card.get("metrics") or {}
        decides = registry.decides_with(v)  # the figures shown are those of what the version decides with
        out.append(VersionRow(
            version=v, status=registry.STATUS_LABELS.get(registry.ModelStatus(v.status), v.status),
            decides_with=registry.DECIDES_WITH_LABELS.get(decides, decides),
            holdout=(card_metrics.get("holdout") or {}).get(decides) or {},
            cross_validation=((card_metrics.get("cross_validation") or {}).get("summary") or {}).get(decides) or {},
            psi_holdout=card_metrics.get("psi_score_development_to_holdout"), rows=v.model_card.get("rows") or {},
            promoted_by=names.get(v.promoted_by_user_id or 0, ""), retired_by=names.get(v.retired_by_user_id or 0, ""),
            created_by=names.get(v.created_by_user_id or 0, "")))
    return out


@router.get("/admin/models", response_class=HTMLResponse)
def models(request: Request, session: SessionDep, principal: PlatformAdminDep,
           done: Annotated[Text, Query(max_length=20)] = "") -> HTMLResponse:
    """模型版本: every registered version with its model card's metrics, who promoted or retired it and when."""
    versions = list(registry.list_versions(session))
    return render(request, "scoring/models.html", {
        "rows": _version_rows(session, versions), "done": ACTIONS.get(done, ""), "band": distribution.psi_band,
    })


def _action(action: str) -> str:
    if action not in ACTIONS:
        raise NotFound("没有该操作", message_en="no such action")
    return action


@router.get("/admin/models/{version_id}/{action}", response_class=HTMLResponse)
def confirm(request: Request, version_id: IdPath, action: ActionPath, session: SessionDep,
            principal: PlatformAdminDep) -> HTMLResponse:
    """The confirmation before a version is promoted or retired, saying what will change."""
    version = registry.get(session, version_id=version_id)
    current = registry.champion(session, name=version.name)
    return render(request, "scoring/model_confirm.html", {
        "version": version, "action": _action(action), "action_label": ACTIONS[action], "champion": current,
    })


@router.post("/admin/models/{version_id}/{action}")
def act(version_id: IdPath, action: ActionPath, session: SessionDep,
        principal: PlatformAdminDep) -> Response:
    """Promote or retire a version (audited by the registry), then back to the list."""
    if _action(action) == "promote":
        registry.promote(session, principal=principal, version_id=version_id)
    else:
        registry.retire(session, principal=principal, version_id=version_id)
    return RedirectResponse(f"/admin/models?done={action}", status_code=303)
