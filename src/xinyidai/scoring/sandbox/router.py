"""REST API of the model sandbox (可用不可见) for banks' and credit agencies' systems.

The run route is a plain `def`: FastAPI runs it in its thread pool, and the model itself runs in a worker
process, so a long run never blocks the event loop that answers everyone else.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from xinyidai.auth.dependencies import SandboxUserDep, SandboxViewerDep, csrf_protect
from xinyidai.errors import DomainError, ErrorRead
from xinyidai.scoring.sandbox import service
from xinyidai.scoring.sandbox.schemas import SandboxModelCreate, SandboxModelRead, SandboxRunCreate, SandboxRunRead
from xinyidai.scoring.sandbox.validation import MAX_MODEL_BYTES
from xinyidai.web import IdempotencyKey, IdPath, SessionDep

router = APIRouter(prefix="/api/v1/sandbox", tags=["model sandbox"], dependencies=[Depends(csrf_protect)])



class InvalidUpload(DomainError):
    """The upload form is incomplete or too large; nothing was recorded."""

    status_code = 422
    code = "invalid_upload"


def read_upload(file: UploadFile) -> bytes:
    """The uploaded file, read up to one byte past the cap (a larger file is refused without reading it all)."""
    content = file.file.read(MAX_MODEL_BYTES + 1)
    return content


def declaration(name: str, features: str, output_name: str, output_column: str) -> SandboxModelCreate:
    """The declaration from form fields: features separated by commas, spaces or new lines."""
    try:
        return SandboxModelCreate(
            name=name.strip(), features=[f for f in features.replace(",", " ").replace("，", " ").split() if f],
            output_name=output_name.strip(),
            output_column=int(output_column) if output_column.strip() else None)
    except (ValidationError, ValueError) as exc:
        raise InvalidUpload("请填写模型名称、所用特征和分数输出名（分数所在列须为非负整数）",
                            message_en=f"invalid declaration: {exc}") from exc


def owned_model(session: SessionDep, principal: SandboxViewerDep,
                model_id: IdPath) -> SandboxModelRead:
    """The path's model if the caller's organisation owns it; 404 otherwise."""
    return SandboxModelRead.model_validate(service.get_model(session, principal=principal, model_id=model_id))


@router.post("/models", response_model=SandboxModelRead, status_code=201,
             responses={422: {"model": ErrorRead, "description": "模型被拒收（原因见 message），或表单不完整"}})
def upload(session: SessionDep, principal: SandboxUserDep, file: UploadFile,
           name: Annotated[str, Form(max_length=80)], features: Annotated[str, Form(max_length=4000)],
           output_name: Annotated[str, Form(max_length=100)],
           output_column: Annotated[str, Form(max_length=6)] = "") -> Response:
    """Upload an ONNX model with its declared features and output; a refused model is recorded and answered 422."""
    model = service.upload(session, principal=principal,
                           model_in=declaration(name, features, output_name, output_column),
                           content=read_upload(file))
    read = SandboxModelRead.model_validate(model)
    if model.status == service.ModelStatus.REFUSED:
        return JSONResponse({"code": "model_refused", "message": model.refusal_reason,
                             "message_en": "the model was refused", "details": {"model": read.model_dump(mode="json")}},
                            status_code=422)
    return JSONResponse(read.model_dump(mode="json"), status_code=201)


@router.get("/models", response_model=list[SandboxModelRead])
def list_models(session: SessionDep, principal: SandboxViewerDep) -> list[SandboxModelRead]:
    """The caller's organisation's models, newest first."""
    return [SandboxModelRead.model_validate(m) for m in service.list_models(session, principal=principal)]


@router.get("/models/{model_id}", response_model=SandboxModelRead)
def get_model(model: Annotated[SandboxModelRead, Depends(owned_model)]) -> SandboxModelRead:
    """One of the caller's organisation's models."""
    return model


@router.post("/models/{model_id}/runs", response_model=SandboxRunRead, status_code=201)
def run(session: SessionDep, principal: SandboxUserDep,
        model: Annotated[SandboxModelRead, Depends(owned_model)], run_in: SandboxRunCreate,
        idempotency_key: IdempotencyKey) -> SandboxRunRead:
    """Run the model on the authorised entities inside the platform; the answer holds scores only. A retry with
    the same Idempotency-Key answers the run already made."""
    # The request's transaction ends before the model runs: no lock is held for as long as the run may take.
    done = service.run(session, principal=principal, model_id=model.id, run_in=run_in,
                       idempotency_key=idempotency_key, release=session.commit)
    return SandboxRunRead.model_validate(done)


@router.get("/models/{model_id}/runs", response_model=list[SandboxRunRead])
def list_runs(session: SessionDep, principal: SandboxViewerDep,
              model: Annotated[SandboxModelRead, Depends(owned_model)]) -> list[SandboxRunRead]:
    """The model's runs, newest first."""
    return [SandboxRunRead.model_validate(r) for r in service.list_runs(session, principal=principal,
                                                                         model_id=model.id)]


@router.get("/runs/{run_id}", response_model=SandboxRunRead)
def get_run(session: SessionDep, principal: SandboxViewerDep, run_id: IdPath) -> SandboxRunRead:
    """One of the caller's organisation's runs."""
    return SandboxRunRead.model_validate(service.get_run(session, principal=principal, run_id=run_id))
