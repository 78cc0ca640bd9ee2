"""Portal pages of the model sandbox (模型沙箱): for banks' and credit agencies' users, upload a model, see why one
was refused, run one on the entities that authorised the institution, and read the scores; for an enterprise, the
address that used to grant model runs, now sent on to 新增授权 (consent's one grant form)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai.auth.dependencies import EnterpriseUserDep, SandboxUserDep, csrf_protect
from xinyidai.auth.principal import Principal
from xinyidai.consent.policy import PURPOSE_LABELS
from xinyidai.errors import DomainError
from xinyidai.portal.templating import render
from xinyidai.scoring.features import CATALOGUE
from xinyidai.scoring.sandbox import runner, service
from xinyidai.scoring.sandbox.models import SandboxModel
from xinyidai.scoring.sandbox.router import declaration, read_upload
from xinyidai.scoring.sandbox.schemas import SandboxRunCreate
from xinyidai.scoring.sandbox.validation import MAX_MODEL_BYTES, MIN_FEATURES
from xinyidai.web import IdPath, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])



def _labels() -> dict[str, Any]:
    return {"model_status_labels": service.MODEL_STATUS_LABELS, "run_status_labels": runner.RUN_STATUS_LABELS,
            "skip_labels": service.SKIP_LABELS, "purpose_labels": PURPOSE_LABELS,
            "min_entities": service.MIN_ENTITIES, "min_features": MIN_FEATURES,
            "score_decimals": runner.SCORE_DECIMALS}


def _models_page(request: Request, session: Session, principal: Principal, *, errors: list[str] | None = None,
                 form: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "sandbox/models.html", {
        "models": service.list_models(session, principal=principal), "catalogue": CATALOGUE,
        "errors": errors or [], "form": form or {}, "max_mb": MAX_MODEL_BYTES // 1048576, **_labels(),
    }, status_code=status_code)


def _model_page(request: Request, session: Session, principal: Principal, found: SandboxModel, *,
                errors: list[str] | None = None, form: dict[str, str] | None = None,
                status_code: int = 200) -> HTMLResponse:
    # A fresh one-off token each time the run form is shown: a resubmission of one form is one run.
    return render(request, "sandbox/model.html", {
        "model": found, "runs": service.list_runs(session, principal=principal, model_id=found.id),
        "errors": errors or [], "form": form or {}, "run_token": secrets.token_urlsafe(18), **_labels(),
    }, status_code=status_code)


@router.get("/sandbox", response_class=HTMLResponse)
def models(request: Request, session: SessionDep, principal: SandboxUserDep) -> Response:
    """模型沙箱: the institution's models and the upload form."""
    return _models_page(request, session, principal)


@router.post("/sandbox/models", response_class=HTMLResponse)
def upload(request: Request, session: SessionDep, principal: SandboxUserDep,
           name: Annotated[str, Form(max_length=80)] = "", features: Annotated[str, Form(max_length=4000)] = "",
           output_name: Annotated[str, Form(max_length=100)] = "",
           output_column: Annotated[str, Form(max_length=6)] = "", file: UploadFile | None = None) -> Response:
    """Upload a model; a refused one is recorded and its page says why."""
    form = {"name": name, "features": features, "output_name": output_name, "output_column": output_column}
    if file is None or not file.filename:
        return _models_page(request, session, principal, errors=["请选择要上传的 ONNX 模型文件"], form=form,
                            status_code=422)
    try:
        model = service.upload(session, principal=principal,
                               model_in=declaration(name, features, output_name, output_column),
                               content=read_upload(file))
    except DomainError as exc:
        session.rollback()
        return _models_page(request, session, principal, errors=[exc.message], form=form,
                            status_code=exc.status_code)
    return RedirectResponse(f"/sandbox/models/{model.id}", status_code=303)


@router.get("/sandbox/models/{model_id}", response_class=HTMLResponse)
def model(request: Request, session: SessionDep, principal: SandboxUserDep,
          model_id: IdPath) -> Response:
    """One model: what was declared, whether it was accepted, its runs and the run form."""
    return _model_page(request, session, principal, service.get_model(session, principal=principal, model_id=model_id))


@router.post("/sandbox/models/{model_id}/runs", response_class=HTMLResponse)
def run(request: Request, session: SessionDep, principal: SandboxUserDep,
        model_id: IdPath, purpose_ref: Annotated[str, Form(max_length=64)] = "",
        usccs: Annotated[str, Form(max_length=40_000)] = "",
        run_token: Annotated[str, Form(max_length=64)] = "") -> Response:
    """Run the model inside the platform; the result page shows scores only."""
    found = service.get_model(session, principal=principal, model_id=model_id)
    codes = [c for c in usccs.replace(",", " ").replace("，", " ").split() if c]
    try:
        run_in = SandboxRunCreate(purpose_ref=purpose_ref.strip(), usccs=codes or None)
        # The form's one-off token makes a double submission one run; the transaction ends before the model runs.
        done = service.run(session, principal=principal, model_id=found.id, run_in=run_in,
                           idempotency_key=f"portal:{run_token}" if len(run_token) >= 16 else None,
                           release=session.commit)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        message = exc.message if isinstance(exc, DomainError) else "请填写授权业务编号；统一社会信用代码须为18位"
        return _model_page(request, session, principal, found, errors=[message],
                           form={"purpose_ref": purpose_ref, "usccs": usccs},
                           status_code=exc.status_code if isinstance(exc, DomainError) else 422)
    return RedirectResponse(f"/sandbox/runs/{done.id}", status_code=303)


@router.get("/sandbox/runs/{run_id}", response_class=HTMLResponse)
def run_result(request: Request, session: SessionDep, principal: SandboxUserDep,
               run_id: IdPath) -> Response:
    """One run: how it ended, who was skipped and why, and the scores."""
    found = service.get_run(session, principal=principal, run_id=run_id)
    return render(request, "sandbox/run.html", {
        "run": found, "model": service.get_model(session, principal=principal, model_id=found.model_id),
        **_labels()})


# The enterprise grants model runs where it grants everything else (我的授权 → 新增授权: the summary it confirms, the
# mode, the data window, its IP address on record). The sandbox's own address stays for old links and bookmarks.
GRANT_MODEL_RUN = "/authorisations/new?purpose=model_run"


@router.get("/sandbox/authorise")
def authorise_form(principal: EnterpriseUserDep) -> Response:
    """授权机构模型计算: now granted on 新增授权, preselected for model runs."""
    return RedirectResponse(GRANT_MODEL_RUN, status_code=303)


@router.post("/sandbox/authorise")
def authorise(principal: EnterpriseUserDep) -> Response:
    """An old form's submission: nothing is granted here, the enterprise is sent to 新增授权 to confirm there."""
    return RedirectResponse(GRANT_MODEL_RUN, status_code=303)
