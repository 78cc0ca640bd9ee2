"""Portal pages of the model sandbox (模型沙箱): for banks' and credit agencies' users, upload a model, see why one
was refused, run one on the entities that authorised the institution, and read the scores; for an enterprise, the
authorisation that lets an institution's models compute on its data."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai.consent.policy import PURPOSE_LABELS
from xinyidai.creditdata import service as creditdata_service
from xinyidai.errors import DomainError
from xinyidai.identity.dependencies import Allow, csrf_protect
from xinyidai.identity.enums import Role
from xinyidai.identity.principal import Principal
from xinyidai.portal.templating import render
from xinyidai.scoring.features import CATALOGUE
from xinyidai.scoring.sandbox import runner, service
from xinyidai.scoring.sandbox.router import declaration, read_upload
from xinyidai.scoring.sandbox.schemas import SandboxRunCreate
from xinyidai.scoring.sandbox.validation import MAX_MODEL_BYTES
from xinyidai.web import IdPath, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

Institution = Allow(Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER, Role.AGENCY_ANALYST)
Entity = Allow(Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF)
MAX_VALIDITY_DAYS = 366


def _labels() -> dict[str, Any]:
    return {"model_status_labels": service.MODEL_STATUS_LABELS, "run_status_labels": runner.RUN_STATUS_LABELS,
            "skip_labels": service.SKIP_LABELS, "purpose_labels": PURPOSE_LABELS}


def _models_page(request: Request, session: Session, principal: Principal, *, errors: list[str] | None = None,
                 form: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "sandbox/models.html", {
        "models": service.list_models(session, principal=principal), "catalogue": CATALOGUE,
        "errors": errors or [], "form": form or {}, "max_mb": MAX_MODEL_BYTES // 1048576, **_labels(),
    }, status_code=status_code)


@router.get("/sandbox", response_class=HTMLResponse)
def models(request: Request, session: SessionDep, principal: Annotated[Principal, Depends(Institution)]) -> Response:
    """模型沙箱: the institution's models and the upload form."""
    return _models_page(request, session, principal)


@router.post("/sandbox/models", response_class=HTMLResponse)
def upload(request: Request, session: SessionDep, principal: Annotated[Principal, Depends(Institution)],
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
def model(request: Request, session: SessionDep, principal: Annotated[Principal, Depends(Institution)],
          model_id: IdPath) -> Response:
    """One model: what was declared, whether it was accepted, its runs and the run form."""
    found = service.get_model(session, principal=principal, model_id=model_id)
    return render(request, "sandbox/model.html", {
        "model": found, "runs": service.list_runs(session, principal=principal, model_id=model_id), "errors": [],
        "form": {}, "run_token": secrets.token_urlsafe(18), **_labels()})


@router.post("/sandbox/models/{model_id}/runs", response_class=HTMLResponse)
def run(request: Request, session: SessionDep, principal: Annotated[Principal, Depends(Institution)],
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
        return render(request, "sandbox/model.html", {
            "model": found, "runs": service.list_runs(session, principal=principal, model_id=model_id),
            "errors": [message], "form": {"purpose_ref": purpose_ref, "usccs": usccs},
            "run_token": secrets.token_urlsafe(18), **_labels(),
        }, status_code=exc.status_code if isinstance(exc, DomainError) else 422)
    return RedirectResponse(f"/sandbox/runs/{done.id}", status_code=303)


@router.get("/sandbox/runs/{run_id}", response_class=HTMLResponse)
def run_result(request: Request, session: SessionDep, principal: Annotated[Principal, Depends(Institution)],
               run_id: IdPath) -> Response:
    """One run: how it ended, who was skipped and why, and the scores."""
    found = service.get_run(session, principal=principal, run_id=run_id)
    return render(request, "sandbox/run.html", {
        "run": found, "model": service.get_model(session, principal=principal, model_id=found.model_id),
        **_labels()})


def _authorise_page(request: Request, session: Session, *, errors: list[str] | None = None,
                    form: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "sandbox/authorise.html", {
        "institutions": service.institutions(session), "categories": creditdata_service.list_categories(session),
        "errors": errors or [], "form": form or {"categories": []}, "max_days": MAX_VALIDITY_DAYS,
    }, status_code=status_code)


@router.get("/sandbox/authorise", response_class=HTMLResponse)
def authorise_form(request: Request, session: SessionDep, principal: Annotated[Principal, Depends(Entity)]) -> Response:
    """授权机构模型计算: the enterprise lets an institution's models compute on its data inside the platform."""
    return _authorise_page(request, session)


@router.post("/sandbox/authorise", response_class=HTMLResponse)
def authorise(request: Request, session: SessionDep, principal: Annotated[Principal, Depends(Entity)],
              recipient: Annotated[str, Form(max_length=20)] = "",
              purpose_ref: Annotated[str, Form(max_length=64)] = "",
              categories: Annotated[list[str] | None, Form(max_length=20)] = None,
              days: Annotated[str, Form(max_length=4)] = "90") -> Response:
    """Grant the authorisation; it is listed, and revocable, on 我的授权."""
    chosen = [c for c in categories or [] if c]
    form = {"recipient": recipient, "purpose_ref": purpose_ref, "categories": chosen, "days": days}
    errors = [message for bad, message in (
        (not recipient.isdigit(), "请选择要授权的银行或信用服务机构"),
        (not purpose_ref.strip(), "请填写机构提供的业务编号"),
        (not chosen, "请至少选择一类信用信息"),
        (not days.isdigit() or not 1 <= int(days) <= MAX_VALIDITY_DAYS, f"有效期须为1至{MAX_VALIDITY_DAYS}天"),
    ) if bad]
    if errors:
        return _authorise_page(request, session, errors=errors, form=form, status_code=422)
    try:
        service.authorise(session, principal=principal, recipient_organisation_id=int(recipient),
                          purpose_ref=purpose_ref.strip(), categories=chosen, validity=timedelta(days=int(days)))
    except DomainError as exc:
        session.rollback()
        return _authorise_page(request, session, errors=[exc.message], form=form, status_code=exc.status_code)
    return RedirectResponse("/authorisations", status_code=303)
