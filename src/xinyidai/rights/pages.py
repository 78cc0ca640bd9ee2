"""Portal pages of the information subject's rights: objections and credit repair, for the entity, the source
department and the platform admin (and supervisors, read only)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyidai import clock, workdays
from xinyidai.auth.dependencies import (
    DataOfficerDep,
    EnterpriseUserDep,
    OversightDep,
    RightsPartyDep,
    csrf_protect,
)
from xinyidai.auth.enums import ENTERPRISE_ROLES, Role
from xinyidai.auth.principal import Principal
from xinyidai.creditdata import service as creditdata_service
from xinyidai.db import MAX_ID
from xinyidai.errors import DomainError
from xinyidai.portal.templating import render
from xinyidai.rights import policy, service
from xinyidai.rights.enums import (
    OBJECTION_STATUS_LABELS,
    REPAIR_STATUS_LABELS,
    STATUS_BADGES,
    ObjectionStatus,
    RepairStatus,
)
from xinyidai.rights.exceptions import InvalidRightsRequest
from xinyidai.rights.models import CreditRepair, Objection
from xinyidai.web import IdPath, IdQuery, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

RecordId = IdQuery
FIELD_PREFIX = "f_"


def _labels() -> dict[str, Any]:
    return {"objection_labels": OBJECTION_STATUS_LABELS, "repair_labels": REPAIR_STATUS_LABELS,
            "badges": STATUS_BADGES, "today": clock.today()}


def _uploads(files: list[UploadFile]) -> list[service.Upload]:
    """The chosen files (a form with no file chosen sends one nameless empty part), each read up to one byte past
    the limit so that an oversized file is refused without reading all of it; too many files are refused before
    any is read."""
    chosen = [f for f in files if f.filename]
    if len(chosen) > policy.MAX_ATTACHMENTS:
        raise InvalidRightsRequest(f"附件最多 {policy.MAX_ATTACHMENTS} 个", message_en="too many attachments")
    return [service.Upload(file_name=f.filename or "", content=f.file.read(policy.MAX_ATTACHMENT_BYTES + 1))
            for f in chosen]


async def _form_fields(request: Request) -> dict[str, str]:
    """The submitted form's text fields (an answer's corrected values come in fields named after the record's)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]


def _record_view(session: Session, principal: Principal, record_id: int, purpose: str) -> dict[str, Any]:
    view = service.view_record(session, principal=principal, record_id=record_id, purpose=purpose)
    return {"record": view.record, "item": view.item, "fields": view.fields, "masked": view.masked,
            "department": view.department}


def _title(principal: Principal, *, entity: str, department: str, overall: str) -> str:
    if principal.has_any(*ENTERPRISE_ROLES):
        return entity
    return department if principal.has_any(Role.DEPARTMENT_DATA_OFFICER) else overall


# Objections ---------------------------------------------------------------------------------------------


def _objection_form(request: Request, session: Session, principal: Principal, record_id: int, *,
                    errors: list[str] | None = None, reason: str = "", status_code: int = 200) -> Response:
    creditdata_service.get_record(session, record_id=record_id, enterprise_id=principal.enterprise_id)
    view = _record_view(session, principal, record_id, "异议处理")
    calendar_due = policy.due_date(clock.today(), workdays.load_calendar(session))
    return render(request, "rights/objection_new.html", {
        **_labels(), **view, "errors": errors or [], "reason": reason, "due": calendar_due,
        "max_files": policy.MAX_ATTACHMENTS, "max_mb": policy.MAX_ATTACHMENT_BYTES >> 20,
    }, status_code=status_code)


@router.get("/rights/objections/new", response_class=HTMLResponse)
def new_objection(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                  record_id: RecordId) -> Response:
    """提出异议: the disputed record, the reasons, evidence files."""
    return _objection_form(request, session, principal, record_id)


@router.post("/rights/objections", response_class=HTMLResponse)
def file_objection(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                   record_id: Annotated[int, Form(ge=1, le=MAX_ID)],
                   reason: Annotated[str, Form(max_length=2000)] = "",
                   files: Annotated[list[UploadFile], File()] = []) -> Response:  # noqa: B006 - FastAPI default
    """File the objection; the record is marked 异议处理中 and the source department gets a task."""
    try:
        objection = service.file_objection(session, principal=principal, record_id=record_id, reason=reason,
                                           uploads=_uploads(files))
    except DomainError as exc:
        session.rollback()
        return _objection_form(request, session, principal, record_id, errors=[exc.message], reason=reason,
                               status_code=exc.status_code)
    return RedirectResponse(f"/rights/objections/{objection.id}?filed=1", status_code=303)


@router.get("/rights/objections", response_class=HTMLResponse)
def objections(request: Request, session: SessionDep, principal: RightsPartyDep,
               status: Annotated[ObjectionStatus | None, Query()] = None,
               escalated: Annotated[bool, Query()] = False) -> Response:
    """我的异议 / 异议处理 / 异议总览: the caller's objections (the department's tasks with their deadlines)."""
    found = service.list_objections(session, principal=principal, status=status, escalated_only=escalated)
    return render(request, "rights/objections.html", {
        **_labels(), "objections": found, "items": _item_names(session, found), "status": status,
        "escalated": escalated, "may_open": service.may_open(principal),
        "title": _title(principal, entity="我的异议", department="异议处理", overall="异议总览"),
    })


def _item_names(session: Session, rows: Any) -> dict[int, str]:
    return {i: creditdata_service.get_item_by_id(session, item_id=i).name for i in {r.catalogue_item_id for r in rows}}


def _objection_page(request: Request, session: Session, principal: Principal, objection: Objection, *,
                    errors: list[str] | None = None, form: dict[str, str] | None = None,
                    status_code: int = 200) -> Response:
    purpose = f"异议处理（{objection.number}）"
    view = _record_view(session, principal, objection.record_id, purpose)
    corrected = (_record_view(session, principal, objection.corrected_record_id, purpose)
                 if objection.corrected_record_id else None)
    return render(request, "rights/objection.html", {
        **_labels(), **view, "objection": objection, "corrected": corrected,
        "attachments": service.attachments_of(session, objection_id=objection.id),
        "may_answer": objection.status == ObjectionStatus.OPEN
        and service.is_answerer(principal, objection.department_organisation_id),
        "late": policy.is_late(objection.due_date, clock.today()) and objection.status == ObjectionStatus.OPEN,
        "errors": errors or [], "form": form or {}, "prefix": FIELD_PREFIX,
        "flash": "异议已提交，来源部门将在答复期限内核查答复" if request.query_params.get("filed") else None,
    }, status_code=status_code)


@router.get("/rights/objections/{objection_id}", response_class=HTMLResponse)
def objection_page(request: Request, session: SessionDep, principal: RightsPartyDep,
                   objection_id: IdPath) -> Response:
    """One objection: the record, the reasons and evidence, the deadline, the answer (or the form to answer)."""
    objection = service.get_objection(session, principal=principal, objection_id=objection_id)
    return _objection_page(request, session, principal, objection)


@router.post("/rights/objections/{objection_id}/answer", response_class=HTMLResponse)
def answer_objection(request: Request, session: SessionDep, principal: DataOfficerDep,
                     objection_id: IdPath, form: FormFields) -> Response:
    """The source department answers: corrected (with the corrected content) or upheld, with its reason."""
    values = {k.removeprefix(FIELD_PREFIX): v.strip() for k, v in form.items() if k.startswith(FIELD_PREFIX)}
    answer = form.get("answer", "")
    try:
        if answer not in (ObjectionStatus.CORRECTED, ObjectionStatus.UPHELD):
            raise InvalidRightsRequest("请选择答复结果：更正或维持原记录", message_en="answer missing")
        service.answer_objection(session, principal=principal, objection_id=objection_id,
                                 answer=ObjectionStatus(answer), reason=form.get("reason", "")[:2000],
                                 values=values if answer == ObjectionStatus.CORRECTED else None)
    except DomainError as exc:
        session.rollback()
        objection = service.get_objection(session, principal=principal, objection_id=objection_id)
        return _objection_page(request, session, principal, objection, errors=[exc.message], form=form,
                               status_code=exc.status_code)
    return RedirectResponse(f"/rights/objections/{objection_id}", status_code=303)


@router.get("/rights/attachments/{attachment_id}")
def attachment(session: SessionDep, principal: RightsPartyDep, attachment_id: IdPath) -> Response:
    """An evidence file, for the parties only; always downloaded, never shown inline."""
    found = service.get_attachment(session, principal=principal, attachment_id=attachment_id)
    return Response(found.content, media_type=found.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.file_name)}",
        "Cache-Control": "private, no-store"})


# Credit repair ------------------------------------------------------------------------------------------


def _repair_form(request: Request, session: Session, principal: Principal, record_id: int, *,
                 errors: list[str] | None = None, form: dict[str, Any] | None = None,
                 status_code: int = 200) -> Response:
    check = service.check_repair(session, principal=principal, record_id=record_id)
    return render(request, "rights/repair_new.html", {
        **_labels(), **_record_view(session, principal, record_id, "信用修复"), "eligibility": check.eligibility,
        "commitment": policy.COMMITMENT_TEXT, "errors": errors or [], "form": form or {},
        "max_files": policy.MAX_ATTACHMENTS, "max_mb": policy.MAX_ATTACHMENT_BYTES >> 20,
    }, status_code=status_code)


@router.get("/rights/repairs/new", response_class=HTMLResponse)
def new_repair(request: Request, session: SessionDep, principal: EnterpriseUserDep,
               record_id: RecordId) -> Response:
    """申请信用修复: whether the record may be repaired, and the application with evidence and commitment."""
    return _repair_form(request, session, principal, record_id)


@router.post("/rights/repairs", response_class=HTMLResponse)
def apply_repair(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                 record_id: Annotated[int, Form(ge=1, le=MAX_ID)],
                 fulfilled_date: Annotated[str, Form(max_length=10)] = "",
                 statement: Annotated[str, Form(max_length=2000)] = "",
                 accept_commitment: Annotated[str, Form(max_length=3)] = "",
                 files: Annotated[list[UploadFile], File()] = []) -> Response:  # noqa: B006 - FastAPI default
    """File the application; the source department (or the platform admin) decides."""
    form = {"fulfilled_date": fulfilled_date, "statement": statement}
    try:
        try:
            fulfilled = date.fromisoformat(fulfilled_date) if fulfilled_date else None
        except ValueError:
            raise InvalidRightsRequest("履行完毕日期格式不正确（应为 YYYY-MM-DD）",
                                               message_en="bad date") from None
        repair = service.apply_repair(session, principal=principal, record_id=record_id, fulfilled_date=fulfilled,
                                      statement=statement, commitment_signed=accept_commitment == "on",
                                      uploads=_uploads(files))
    except DomainError as exc:
        session.rollback()
        return _repair_form(request, session, principal, record_id, errors=[exc.message], form=form,
                            status_code=exc.status_code)
    return RedirectResponse(f"/rights/repairs/{repair.id}?filed=1", status_code=303)


@router.get("/rights/repairs", response_class=HTMLResponse)
def repairs(request: Request, session: SessionDep, principal: RightsPartyDep,
            status: Annotated[RepairStatus | None, Query()] = None) -> Response:
    """我的信用修复 / 修复审核 / 修复总览: the caller's applications, with their deadlines."""
    found = service.list_repairs(session, principal=principal, status=status)
    return render(request, "rights/repairs.html", {
        **_labels(), "repairs": found, "items": _item_names(session, found), "status": status,
        "may_open": service.may_open(principal),
        "title": _title(principal, entity="我的信用修复", department="修复审核", overall="信用修复总览"),
    })


def _repair_page(request: Request, session: Session, principal: Principal, repair: CreditRepair, *,
                 errors: list[str] | None = None, status_code: int = 200) -> Response:
    return render(request, "rights/repair.html", {
        **_labels(), **_record_view(session, principal, repair.record_id, f"信用修复审核（{repair.number}）"),
        "repair": repair,
        "attachments": service.attachments_of(session, repair_id=repair.id),
        "may_decide": repair.status == RepairStatus.PENDING
        and service.is_answerer(principal, repair.department_organisation_id),
        "errors": errors or [],
        "flash": "信用修复申请已提交，请等待审核" if request.query_params.get("filed") else None,
    }, status_code=status_code)


@router.get("/rights/repairs/{repair_id}", response_class=HTMLResponse)
def repair_page(request: Request, session: SessionDep, principal: RightsPartyDep,
                repair_id: IdPath) -> Response:
    """One application: the record, the evidence and commitment, the decision (or the form to decide)."""
    return _repair_page(request, session, principal, service.get_repair(session, principal=principal,
                                                                         repair_id=repair_id))


@router.post("/rights/repairs/{repair_id}/decision", response_class=HTMLResponse)
def decide_repair(request: Request, session: SessionDep, principal: DataOfficerDep,
                  repair_id: IdPath, decision: Annotated[str, Form(max_length=20)] = "",
                  reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """Approve (the record is no longer shown to institutions nor counted) or reject, with the reason."""
    try:
        if decision not in (RepairStatus.APPROVED, RepairStatus.REJECTED):
            raise InvalidRightsRequest("请选择审核结果：同意修复或不予修复", message_en="decision missing")
        service.decide_repair(session, principal=principal, repair_id=repair_id, decision=RepairStatus(decision),
                              reason=reason)
    except DomainError as exc:
        session.rollback()
        repair = service.get_repair(session, principal=principal, repair_id=repair_id)
        return _repair_page(request, session, principal, repair, errors=[exc.message], status_code=exc.status_code)
    return RedirectResponse(f"/rights/repairs/{repair_id}", status_code=303)


# Overview -----------------------------------------------------------------------------------------------


@router.get("/rights/overview", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, principal: OversightDep) -> Response:
    """异议与修复总览: counts by state, late and escalated objections, pending applications."""
    all_objections = service.list_objections(session, principal=principal)
    all_repairs = service.list_repairs(session, principal=principal)
    today = clock.today()
    late = [o for o in all_objections if o.status == ObjectionStatus.OPEN and policy.is_late(o.due_date, today)]
    pending = [r for r in all_repairs if r.status == RepairStatus.PENDING]
    return render(request, "rights/overview.html", {
        **_labels(),
        "objection_counts": {s: sum(o.status == s for o in all_objections) for s in ObjectionStatus},
        "repair_counts": {s: sum(r.status == s for r in all_repairs) for s in RepairStatus},
        "late": late, "pending": pending, "items": _item_names(session, [*late, *pending]),
        "may_open": service.may_open(principal),
    })
