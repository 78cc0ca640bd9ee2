"""REST API of collection: department systems push rows or upload files; batches, their errors and reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from xinyidai.auth.dependencies import DataOfficerDep, csrf_protect
from xinyidai.auth.principal import Principal
from xinyidai.creditdata import imports
from xinyidai.creditdata.enums import BatchStatus
from xinyidai.creditdata.models import ImportBatch
from xinyidai.errors import ErrorRead
from xinyidai.text import CellText, FieldName
from xinyidai.web import IdempotencyKey, IdPath, SessionDep, spooled_csv

router = APIRouter(prefix="/api/v1/credit-data", tags=["credit-data"], dependencies=[Depends(csrf_protect)])

# Department data officers and their systems' API clients deliver; the platform admin sees every batch.
ItemCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]


class BatchRead(BaseModel):
    """An import batch: what was delivered, when, by whom, and what became of its rows."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source_department: str
    channel: str
    file_name: str | None
    encoding: str | None
    content_sha256: str | None
    idempotency_key: str | None
    status: BatchStatus
    error: str | None
    rows_total: int
    rows_stored: int
    rows_duplicate: int
    rows_rejected: int
    started_at: datetime
    finished_at: datetime | None


class RowErrorRead(BaseModel):
    """One problem of one row."""

    field: str | None
    message: str


class RowResultRead(BaseModel):
    """What became of one pushed row (numbered from 1 in the order sent)."""

    row_number: int
    status: str
    errors: list[RowErrorRead]


class PushCreate(BaseModel):
    """Rows of one sub-category, each keyed by field name or column label, values as text."""

    model_config = ConfigDict(extra="forbid")

    rows: list[dict[FieldName, CellText]] = Field(min_length=1, max_length=imports.MAX_PUSH_ROWS)


class PushRead(BaseModel):
    """The batch a push made (or made before, for a repeated key) and the result of each row."""

    batch: BatchRead
    rows: list[RowResultRead]


@router.post("/{item_code}/rows", response_model=PushRead, status_code=201,
             responses={200: {"model": PushRead}, 409: {},
                        422: {"model": PushRead | ErrorRead,
                              "description": "the batch, refused whole; or the request, invalid"}})
def push_rows(session: SessionDep, principal: DataOfficerDep, item_code: ItemCode,
              push_in: PushCreate, idempotency_key: IdempotencyKey) -> JSONResponse:
    """Push rows (接口调用); 201 for a new batch, 200 for a repeated key with the same rows, 422 if refused whole."""
    batch, replayed = imports.push_rows(session, principal=principal, item_code=item_code, rows=push_in.rows,
                                        idempotency_key=idempotency_key)
    body = _push_read(session, principal, batch)
    status = 422 if batch.status == BatchStatus.REJECTED else (200 if replayed else 201)
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


@router.post("/{item_code}/files", response_model=BatchRead, status_code=201,
             responses={422: {"model": BatchRead | ErrorRead,
                              "description": "the batch, its file refused whole; or the request, invalid"}})
def upload_file(session: SessionDep, principal: DataOfficerDep, item_code: ItemCode,
                file: Annotated[UploadFile, File(description="CSV (UTF-8 or GBK) or XLSX")],
                response: Response) -> BatchRead:
    """Import a CSV or XLSX file (物理归集) as one batch; 422 with the batch if the file is refused whole."""
    batch = imports.import_file(session, principal=principal, item_code=item_code, source=file.file,
                                file_name=file.filename or "upload.csv")
    if batch.status == BatchStatus.REJECTED:
        response.status_code = 422
    return BatchRead.model_validate(batch)


@router.get("/batches", response_model=list[BatchRead])
def list_batches(session: SessionDep, principal: DataOfficerDep) -> list[BatchRead]:
    """The latest batches of the caller's organisation (all, for the platform admin)."""
    return [BatchRead.model_validate(b) for b in imports.list_batches(session, principal=principal)]


@router.get("/batches/{batch_id}", response_model=PushRead)
def get_batch(session: SessionDep, principal: DataOfficerDep,
              batch_id: IdPath) -> PushRead:
    """One batch; for a pushed batch, the result of each row."""
    return _push_read(session, principal, imports.get_batch(session, principal=principal, batch_id=batch_id))


@router.get("/batches/{batch_id}/errors.csv", response_class=StreamingResponse)
def error_report(session: SessionDep, principal: DataOfficerDep,
                 batch_id: IdPath) -> StreamingResponse:
    """The refused rows in the file's own columns plus 错误原因 (UTF-8 with BOM), to fix and upload again."""
    return spooled_csv(imports.error_report_csv(session, principal=principal, batch_id=batch_id),
                       name=f"batch-{batch_id}-errors.csv", ascii_name=f"batch-{batch_id}-errors.csv")


def _push_read(session: SessionDep, principal: Principal, batch: ImportBatch) -> PushRead:
    rows = [] if batch.channel != "api_push" else [
        RowResultRead(row_number=r.row_number, status=r.status,
                      errors=[RowErrorRead(field=e.field, message=e.message) for e in r.errors])
        for r in imports.row_outcomes(session, principal=principal, batch_id=batch.id)]
    return PushRead(batch=BatchRead.model_validate(batch), rows=rows)
