"""Portal pages of credit information: the catalogue and coverage for the platform admin, uploads for a
department's data officer, and the enterprise's credit file."""

from __future__ import annotations

import io
import re
import secrets
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai import clock, spreadsheet
from xinyidai.audit import service as audit_service
from xinyidai.auth.dependencies import (
    DataOfficerDep,
    EnterpriseUserDep,
    InstitutionReaderDep,
    OversightDep,
    PlatformAdminDep,
    csrf_protect,
)
from xinyidai.auth.principal import Principal
from xinyidai.auth.scoping import own_enterprise_id
from xinyidai.creditdata import agriculture, credit_file, imports, policy, selfreport, service
from xinyidai.creditdata import coverage as coverage_service
from xinyidai.creditdata.enums import (
    AUTHORITATIVE_LABELS,
    BATCH_STATUS_LABELS,
    CHANNEL_LABELS,
    FIELD_TYPE_LABELS,
    SENSITIVITY_LABELS,
    UPDATE_CYCLE_LABELS,
    AuthoritativeChannel,
    BatchStatus,
    Channel,
    FieldType,
    Sensitivity,
    UpdateCycle,
)
from xinyidai.creditdata.exceptions import CatalogueItemNotFound
from xinyidai.creditdata.fields import USCC_FIELD, FieldSpec
from xinyidai.creditdata.models import CatalogueItem, CreditCommitment, ImportBatch
from xinyidai.creditdata.schemas import (
    CatalogueItemUpdate,
    CreditFileRead,
    CreditRecordRead,
    FactsSelfReportCreate,
    SelfReportCreate,
)
from xinyidai.errors import DomainError
from xinyidai.money import InvalidAmount, format_yuan, parse_yuan
from xinyidai.portal.forms import form_errors
from xinyidai.portal.templating import render
from xinyidai.registry import service as registry_service
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, attachment, client_ip, spooled_csv

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

# The monthly sharing progress is the credit office's (发改委) business as much as the operator's.
# 信易查: an institution reads an entity's file under the entity's authorisation for one business reference.

ItemCode = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]

SENSITIVITY_BADGES = {Sensitivity.PUBLIC: "approved", Sensitivity.AUTHORISED: "accepted",
                      Sensitivity.RESTRICTED: "rejected"}
SELF_REPORT_MARK = "企业自主填报（信用承诺）"
# Why the platform admin opens an entity's file; the choice is written to the audit log.
ADMIN_PURPOSES = ("异议处理", "信用修复", "数据质量核查", "监督检查")


def labels() -> dict[str, Any]:
    """The words every page of this context shows for its codes."""
    return {
        "sensitivity_labels": SENSITIVITY_LABELS, "cycle_labels": UPDATE_CYCLE_LABELS,
        "channel_labels": CHANNEL_LABELS, "authoritative_labels": AUTHORITATIVE_LABELS,
        "sensitivity_badges": SENSITIVITY_BADGES, "sensitivities": list(Sensitivity), "cycles": list(UpdateCycle),
        "authoritatives": list(AuthoritativeChannel), "field_type_labels": FIELD_TYPE_LABELS,
    }


def specs_of(item: CatalogueItem) -> tuple[FieldSpec, ...]:
    """The item's typed fields; the entity's USCC leads."""
    return service.field_specs(item)


def show_value(spec: FieldSpec, value: Any) -> str:
    """A stored typed value as the portal writes it: yuan with two decimals, 是/否, text as is (a desensitised
    amount is already words: its band)."""
    if value is None or value == "":
        return "—"
    if spec.type is FieldType.MONEY and isinstance(value, int):
        return format_yuan(int(value))
    if spec.type is FieldType.BOOLEAN:
        return "是" if value else "否"
    return str(value)


# The catalogue ---------------------------------------------------------------------------------------


def _catalogue_page(request: Request, session: Session, *, status_code: int = 200,
                    errors: Mapping[str, Sequence[str]] | None = None,
                    forms: Mapping[str, Mapping[str, str]] | None = None, flash: str | None = None) -> Response:
    items = service.list_items(session)
    by_category: dict[str, list[CatalogueItem]] = {}
    for item in items:
        by_category.setdefault(item.category_code, []).append(item)
    return render(request, "creditdata/catalogue.html", {
        **labels(),
        "categories": [(category, by_category.get(category.code, []))
                       for category in service.list_categories(session)],
        "departments": {d.code: d.name for d in service.list_departments(session)},
        "specs": {item.code: specs_of(item) for item in items},
        "item_count": len(items),
        "item_errors": errors or {},
        "forms": forms or {},
        "flash": flash,
    }, status_code=status_code)


@router.get("/admin/catalogue", response_class=HTMLResponse)
def catalogue_page(request: Request, session: SessionDep,
                   principal: PlatformAdminDep) -> Response:
    """The credit-information catalogue: 14 categories, their sub-categories and an edit form for each."""
    saved = request.query_params.get("saved")
    return _catalogue_page(request, session, flash=f"已保存信息项“{saved}”" if saved else None)


EDIT_ERRORS = {
    "name": "名称不能为空，且不超过100个字",
    "sensitivity": "请选择敏感级别",
    "update_cycle": "请选择更新周期",
    "visible_days": "公示期须为1至36500之间的整数天，留空表示长期可见",
    "authoritative_channel": "请选择权威渠道",
}


@router.post("/admin/catalogue/items/{code}", response_class=HTMLResponse)
def edit_item(
    request: Request, session: SessionDep, principal: PlatformAdminDep, code: ItemCode,
    name: Annotated[str, Form(max_length=200)] = "",
    sensitivity: Annotated[str, Form(max_length=20)] = "",
    update_cycle: Annotated[str, Form(max_length=20)] = "",
    visible_days: Annotated[str, Form(max_length=10)] = "",
    authoritative_channel: Annotated[str, Form(max_length=20)] = "",
    local_allowed: Annotated[str | None, Form(max_length=5)] = None,
    enabled: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """Save the platform admin's edit of one sub-category; bad input changes nothing and is named in Chinese."""
    form = {"name": name, "sensitivity": sensitivity, "update_cycle": update_cycle, "visible_days": visible_days,
            "authoritative_channel": authoritative_channel, "local_allowed": "on" if local_allowed else "",
            "enabled": "on" if enabled else ""}
    service.get_item(session, code=code)  # an unknown code is a 404, not a form error
    days = visible_days.strip()
    if days and not re.fullmatch(r"[0-9]{1,5}", days):
        return _catalogue_page(request, session, status_code=422, forms={code: form},
                               errors={code: ["公示期须为1至36500之间的整数天，留空表示长期可见"]})
    try:
        item_in = CatalogueItemUpdate.model_validate({
            "name": name.strip(), "sensitivity": sensitivity, "update_cycle": update_cycle,
            "visible_days": int(days) if days else None, "authoritative_channel": authoritative_channel,
            "local_allowed": local_allowed is not None, "enabled": enabled is not None,
        })
    except ValidationError as exc:
        message = "；".join(form_errors(exc, EDIT_ERRORS, default="提交的内容格式不正确"))
        return _catalogue_page(request, session, status_code=422, forms={code: form}, errors={code: [message]})
    try:
        item = service.update_item(session, code=code, item_in=item_in, user_id=principal.user_id or 0)
        audit_service.record(
            session, action="creditdata.catalogue.update", actor=principal,
            subject_type="catalogue_item", subject_id=item.code,
            ip_address=client_ip(request), detail=item_in.model_dump(mode="json", exclude_unset=True),
        )
    except DomainError as exc:
        session.rollback()
        return _catalogue_page(request, session, status_code=exc.status_code, forms={code: form},
                               errors={code: [exc.message]})
    return RedirectResponse(f"/admin/catalogue?saved={code}#item-{code}", status_code=303)


# Coverage per source ---------------------------------------------------------------------------------


@router.get("/admin/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, session: SessionDep,
                  principal: OversightDep) -> Response:
    """Coverage per source (归集进度): per department and sub-category, what was delivered and what is held."""
    departments = coverage_service.coverage(session)
    return render(request, "creditdata/coverage.html", {
        "departments": departments,
        "total_records": sum(d.records_held for d in departments),
        "items_delivered": sum(d.items_delivered for d in departments),
        "item_count": sum(len(d.items) for d in departments),
    })


# The credit file -------------------------------------------------------------------------------------


@dataclass
class RecordView:
    """One record as the file shows it: typed values in words, time, source and marks."""

    record: CreditRecordRead
    values: list[str]
    source: str
    channel: str
    self_reported: bool
    commitment_number: str | None
    past_publicity: bool
    visible_until: date | None
    received_at: datetime
    history: list[RecordView] = field(default_factory=list)


@dataclass
class EntryView:
    """One sub-category of the file."""

    item: CatalogueItem
    columns: list[str]
    records: list[RecordView]
    field_names: list[str] = field(default_factory=list)  # the columns' field names, in the same order


@dataclass
class SectionView:
    """One category of the file."""

    code: str
    name: str
    entries: list[EntryView]


def _file_view(session: Session, file: CreditFileRead) -> list[SectionView]:
    """The file as the API gives it (`credit_file.read_credit_file`), with values in words and history in place."""
    records = [r for s in file.sections for e in s.entries for r in [*e.current, *e.history]]
    commitments = {c.id: c.number for c in (session.get(CreditCommitment, i)
                                            for i in {r.commitment_id for r in records if r.commitment_id}) if c}
    today = clock.today()

    def view(record: CreditRecordRead, item: CatalogueItem, specs: Sequence[FieldSpec]) -> RecordView:
        return RecordView(
            record=record, values=[show_value(spec, record.data.get(spec.name)) for spec in specs],
            source=record.source_label, channel=CHANNEL_LABELS.get(Channel(record.channel), record.channel),
            self_reported=record.self_reported,
            commitment_number=commitments.get(record.commitment_id) if record.commitment_id else None,
            past_publicity=record.past_publicity,
            visible_until=policy.visibility(record.fact_date, item.visible_days, today).until,
            received_at=record.received_at,
        )

    items = {item.code: item for item in service.list_items(session)}  # one query, not one per sub-category shown
    out = []
    for section in file.sections:
        entries = []
        for entry in section.entries:
            item = items.get(entry.item_code) or service.get_item(session, code=entry.item_code)
            specs = [spec for spec in specs_of(item) if spec.name != USCC_FIELD]
            current = [view(r, item, specs) for r in entry.current]
            by_key = {v.record.record_key: v for v in current}
            for old in entry.history:  # newest first; only facts whose current version is shown
                if old.record_key in by_key:
                    by_key[old.record_key].history.append(view(old, item, specs))
            entries.append(EntryView(item=item, columns=[s.label for s in specs], records=current,
                                     field_names=[s.name for s in specs]))
        out.append(SectionView(code=section.category_code, name=section.category_name, entries=entries))
    return out


def _file_page(request: Request, session: Session, file: CreditFileRead, *, own: bool, **extra: Any) -> Response:
    sections = _file_view(session, file)
    shown = [(entry.item_code, record.data) for section in file.sections for entry in section.entries
             for record in entry.current if not record.past_publicity]
    return render(request, "creditdata/credit_file.html", {
        "agri": agriculture.summarise(shown, as_of=clock.today()),
        **labels(),
        "enterprise": registry_service.get(session, enterprise_id=file.enterprise_id),
        "sections": sections,
        "record_count": sum(len(e.records) for s in sections for e in s.entries),
        "own": own,
        "self_report_mark": SELF_REPORT_MARK,
        "generated_at": file.generated_at,
        **extra,
    })


@router.get("/credit-file", response_class=HTMLResponse)
def my_credit_file(request: Request, session: SessionDep, principal: EnterpriseUserDep) -> Response:
    """我的信用档案: everything the platform holds on the caller's entity, by category, with time and source."""
    enterprise_id = own_enterprise_id(principal)
    reported = request.query_params.get("reported", "")
    flash = f"已提交自主填报信息，信用承诺书编号 {reported}" if re.fullmatch(r"CN\d{16}", reported) else None
    file = credit_file.read_credit_file(session, principal=principal, enterprise_id=enterprise_id)
    return _file_page(request, session, file, own=True, flash=flash)


@router.get("/admin/credit-files", response_class=HTMLResponse)
def admin_credit_file(
    request: Request, session: SessionDep, principal: PlatformAdminDep,
    uscc: Annotated[Text, Query(max_length=30)] = "",
    purpose: Annotated[Text, Query(max_length=20)] = "",
) -> Response:
    """The platform admin opens any entity's credit file, naming why; each opening is audited."""
    context: dict[str, Any] = {"purposes": ADMIN_PURPOSES, "form": {"uscc": uscc, "purpose": purpose}}
    if not uscc and not purpose:
        return render(request, "creditdata/file_lookup.html", context)
    problems = []
    enterprise = registry_service.get_by_uscc(session, uscc=uscc.strip().upper()) if uscc.strip() else None
    if enterprise is None:
        problems.append("未找到该统一社会信用代码对应的市场主体")
    if purpose not in ADMIN_PURPOSES:
        problems.append("请选择查阅事由")
    if problems or enterprise is None:
        return render(request, "creditdata/file_lookup.html", {**context, "errors": problems}, status_code=422)
    file = credit_file.read_credit_file(session, principal=principal, enterprise_id=enterprise.id, purpose=purpose,
                                        ip_address=client_ip(request))
    return _file_page(request, session, file, own=False, purpose=purpose)


@router.get("/credit-files/{enterprise_id}", response_class=HTMLResponse)
def credit_lookup(
    request: Request, session: SessionDep, principal: InstitutionReaderDep,
    enterprise_id: IdPath, purpose_ref: Annotated[Text, Query(max_length=60)] = "",
) -> Response:
    """信易查: the entity's credit file as the institution may see it under the authorisation for `purpose_ref`
    (the financing application's number): the categories it covers, values desensitised for the caller's role;
    every lookup is decided by consent and audited, and a revoked or expired authorisation is refused."""
    file = credit_file.read_credit_file(session, principal=principal, enterprise_id=enterprise_id,
                                        purpose_ref=purpose_ref.strip() or None, ip_address=client_ip(request))
    return _file_page(request, session, file, own=False, lookup_ref=purpose_ref.strip())


# Uploads by a department's data officer --------------------------------------------------------------


UploadToken = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
ROW_ERRORS_SHOWN = 200  # the page lists the first refused rows; the downloadable report has them all


class _Progress:
    """Rows processed so far by each upload in this server process, for the polling progress line.

    The import runs inside the upload request (one transaction, committed whole), so its progress can only
    be seen from the process running it: with several server processes behind a proxy, a poll answered by
    another process shows "uploading" without a count. Entries are dropped ten minutes after they finish.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[tuple[int, str], tuple[int, bool, float]] = {}

    def update(self, owner: int, token: str, rows: int, *, done: bool = False) -> None:
        with self._lock:
            now = time.monotonic()
            self._rows[(owner, token)] = (rows, done, now)
            for key in [k for k, (_, finished, at) in self._rows.items() if finished and now - at > 600]:
                del self._rows[key]

    def get(self, owner: int, token: str) -> tuple[int, bool] | None:
        with self._lock:
            found = self._rows.get((owner, token))
        return (found[0], found[1]) if found else None


PROGRESS = _Progress()


def _upload_channel(principal: Principal) -> Channel:
    # A department uploads its own files; the platform admin only relays the national channel (总对总).
    return Channel.NATIONAL if principal.is_platform_admin else Channel.BULK_IMPORT


def _uploadable(session: Session, principal: Principal) -> tuple[list[CatalogueItem], list[CatalogueItem]]:
    """The sub-categories the caller may upload, and those of its department that the catalogue does not take."""
    items = list(service.list_items(session, enabled_only=True))
    channel = _upload_channel(principal)
    if channel is Channel.NATIONAL:
        return [i for i in items if i.authoritative_channel == AuthoritativeChannel.NATIONAL], []
    own = {d.code for d in service.list_departments(session) if d.organisation_id == principal.organisation_id}
    mine = [i for i in items if i.source_department in own]
    refused = [i for i in mine if policy.refusal_of_channel(
        authoritative=AuthoritativeChannel(i.authoritative_channel), local_allowed=i.local_allowed, channel=channel)]
    return [i for i in mine if i not in refused], refused


def _upload_page(request: Request, session: Session, principal: Principal, *, status_code: int = 200,
                 errors: Sequence[str] = (), selected: str = "") -> Response:
    items, refused = _uploadable(session, principal)
    return render(request, "creditdata/upload.html", {
        "items": items, "refused_items": refused, "selected": selected or request.query_params.get("item", ""),
        "national": _upload_channel(principal) is Channel.NATIONAL, "errors": list(errors),
        "token": secrets.token_urlsafe(16), "specs": {item.code: specs_of(item) for item in items},
    }, status_code=status_code)


@router.get("/data/uploads", response_class=HTMLResponse)
def upload_page(request: Request, session: SessionDep, principal: DataOfficerDep) -> Response:
    """上传数据文件: choose one of the department's sub-categories and a CSV or XLSX file."""
    return _upload_page(request, session, principal)


@router.post("/data/uploads", response_class=HTMLResponse)
def upload(
    request: Request, session: SessionDep, principal: DataOfficerDep,
    item_code: Annotated[str, Form(max_length=40)] = "",
    upload_token: Annotated[str, Form(max_length=64)] = "",
    file: UploadFile | None = None,
) -> Response:
    """Import the uploaded file as one batch (committed or refused whole) and show its result."""
    htmx = bool(request.headers.get("hx-request"))
    problems = [message for missing, message in ((not item_code, "请选择信息项"),
                                                 (file is None or not file.filename, "请选择要上传的文件"))
                if missing]
    if problems or file is None:
        # htmx swaps only successful answers; the form's own post gets the proper status.
        return _upload_page(request, session, principal, status_code=200 if htmx else 422, errors=problems,
                            selected=item_code)
    owner = principal.user_id or 0
    token = upload_token if upload_token.replace("-", "").replace("_", "").isalnum() else ""

    def progress(rows: int, _size: int | None) -> None:
        if token:
            PROGRESS.update(owner, token, rows)

    try:
        batch = imports.import_file(session, principal=principal, item_code=item_code, source=file.file,
                                    file_name=file.filename or "upload.csv", channel=_upload_channel(principal),
                                    progress=progress)
    except DomainError as exc:
        session.rollback()
        return _upload_page(request, session, principal, status_code=200 if htmx else exc.status_code,
                            errors=[exc.message], selected=item_code)
    finally:
        if token:
            found = PROGRESS.get(owner, token)
            PROGRESS.update(owner, token, found[0] if found else 0, done=True)
    target = f"/data/batches/{batch.id}?uploaded=1"
    if htmx:
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


@router.get("/data/uploads/progress/{token}", response_class=HTMLResponse)
def upload_progress(request: Request, principal: DataOfficerDep,
                    token: UploadToken) -> Response:
    """The rows an upload in progress has processed (an htmx partial that polls itself until the upload ends)."""
    found = PROGRESS.get(principal.user_id or 0, token)
    return render(request, "creditdata/_progress.html", {
        "token": token, "rows": found[0] if found else None, "done": bool(found and found[1]),
    })


@router.get("/data/templates/{code}.csv")
def blank_template(session: SessionDep, principal: DataOfficerDep, code: ItemCode) -> Response:
    """A blank file of one sub-category: the header row of its column labels (UTF-8 with BOM, opens in Excel)."""
    item = service.get_item(session, code=code)
    buffer = io.StringIO()
    spreadsheet.writer(buffer, lineterminator="\r\n").writerow([spec.label for spec in specs_of(item)])
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment(f"{item.name}-模板.csv", f"{item.code}-template.csv")})


# Batches ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchRow:
    """A batch with the names the history shows."""

    batch: ImportBatch
    item_name: str
    item_code: str
    department: str
    status: str
    channel: str


def _batch_rows(session: Session, batches: Sequence[ImportBatch]) -> list[BatchRow]:
    items = {item.id: item for item in service.list_items(session)}
    departments = {d.code: d.name for d in service.list_departments(session)}
    return [BatchRow(
        batch=b, item_name=items[b.catalogue_item_id].name, item_code=items[b.catalogue_item_id].code,
        department=departments.get(b.source_department, b.source_department),
        status=BATCH_STATUS_LABELS.get(BatchStatus(b.status), b.status),
        channel=CHANNEL_LABELS.get(Channel(b.channel), b.channel),
    ) for b in batches]


@router.get("/data/batches", response_class=HTMLResponse)
def batches_page(request: Request, session: SessionDep,
                 principal: DataOfficerDep) -> Response:
    """批次记录: the latest batches of the caller's organisation (all of them for the platform admin)."""
    batches = imports.list_batches(session, principal=principal, limit=100)
    return render(request, "creditdata/batches.html", {"rows": _batch_rows(session, batches)})


@router.get("/data/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(request: Request, session: SessionDep, principal: DataOfficerDep,
               batch_id: IdPath) -> Response:
    """One batch: stored, duplicate and refused counts, a file-level refusal, the refused rows."""
    batch = imports.get_batch(session, principal=principal, batch_id=batch_id)
    [row] = _batch_rows(session, [batch])
    item = session.get(CatalogueItem, batch.catalogue_item_id)
    assert item is not None
    labels_by_name = {spec.name: spec.label for spec in specs_of(item)}
    errors = imports.row_errors(session, principal=principal, batch_id=batch_id)
    flash = None
    if request.query_params.get("uploaded") == "1":
        flash = "文件已拒收，未入库任何数据" if batch.status == BatchStatus.REJECTED else "导入完成"
    return render(request, "creditdata/batch.html", {
        "row": row, "batch": batch, "errors_shown": errors[:ROW_ERRORS_SHOWN], "error_count": len(errors),
        "field_labels": labels_by_name, "flash": flash,
        "flash_kind": "bad" if batch.status == BatchStatus.REJECTED else "ok",
    })


@router.get("/data/batches/{batch_id}/errors.csv")
def error_report(session: SessionDep, principal: DataOfficerDep,
                 batch_id: IdPath) -> Response:
    """错误报告下载: the refused rows in the file's own columns plus the reason (UTF-8 CSV with BOM)."""
    return spooled_csv(imports.error_report_csv(session, principal=principal, batch_id=batch_id),
                       name=f"错误报告-批次{batch_id}.csv", ascii_name=f"errors-batch-{batch_id}.csv")


# Self-reporting under a credit commitment ------------------------------------------------------------

SELF_REPORT_ERRORS = {
    "report_year": "请填写有效的报告年度", "main_products": "主营产品须为2至500个字",
    "annual_revenue_fen": "营业收入须为不小于零的金额", "employees": "从业人数须为不小于零的整数",
    "certifications": "资质认证每项2至40个字，最多10项", "main_customers": "主要客户不超过300个字",
}


def _self_report_page(request: Request, *, status_code: int = 200, errors: Sequence[str] = (),
                      form: Mapping[str, str] | None = None) -> Response:
    return render(request, "creditdata/self_report.html", {
        "promise": selfreport.PROMISE, "errors": list(errors),
        "form": form or {"report_year": str(clock.today().year - 1)},
    }, status_code=status_code)


# Agricultural facts (农业信用信息自主填报): a form per self-reportable sub-category, its fields from the catalogue.


async def _form_fields(request: Request) -> dict[str, str]:
    """The submitted form's text fields (named after the sub-category's fields, which the catalogue decides)."""
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


FormFields = Annotated[dict[str, str], Depends(_form_fields)]
SelfReportItemPath = Annotated[str, Path(max_length=40, pattern=r"^[a-z0-9_]+$")]


def _facts_page(request: Request, session: Session, item: CatalogueItem, *, status_code: int = 200,
                errors: Sequence[str] = (), form: Mapping[str, str] | None = None) -> Response:
    fields = [spec for spec in service.field_specs(item) if spec.name != USCC_FIELD]
    return render(request, "creditdata/self_report_facts.html", {
        "item": item, "fields": fields, "promise": selfreport.PROMISE, "errors": list(errors), "form": form or {},
        "others": [service.get_item(session, code=code) for code in selfreport.SELF_REPORTABLE_ITEMS
                   if code != item.code],
    }, status_code=status_code)


def _self_reportable(session: Session, item_code: str) -> CatalogueItem:
    if item_code not in selfreport.SELF_REPORTABLE_ITEMS:
        raise CatalogueItemNotFound("该信息项不接受自主填报", message_en="this catalogue item is not self-reported")
    return service.get_item(session, code=item_code)


@router.get("/credit-file/self-report/{item_code}", response_class=HTMLResponse)
def self_report_facts_page(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                           item_code: SelfReportItemPath) -> Response:
    """自主填报 of agricultural facts (a crop planted, a harvest, a land contract), under a credit commitment."""
    return _facts_page(request, session, _self_reportable(session, item_code))


@router.post("/credit-file/self-report/{item_code}", response_class=HTMLResponse)
def self_report_facts(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                      item_code: SelfReportItemPath, submitted: FormFields) -> Response:
    """Store the agricultural facts and their signed commitment; bad input is named and changes nothing."""
    item = _self_reportable(session, item_code)
    names = {spec.name for spec in service.field_specs(item)} - {USCC_FIELD}
    form = {name: submitted.get(name, "")[:400] for name in names}
    try:
        facts_in = FactsSelfReportCreate(values={k: v for k, v in form.items() if v.strip()},
                                         accept_commitment=submitted.get("accept_commitment") == "on")
        done = selfreport.report_facts(session, principal=principal, item_code=item.code, facts_in=facts_in)
    except ValidationError:
        return _facts_page(request, session, item, status_code=422, form=form,
                           errors=["请填写各项信息（每项不超过200个字）"])
    except DomainError as exc:
        session.rollback()
        return _facts_page(request, session, item, status_code=exc.status_code, errors=[exc.message], form=form)
    return RedirectResponse(f"/credit-file?reported={done.commitment.number}", status_code=303)


@router.get("/credit-file/self-report", response_class=HTMLResponse)
def self_report_page(request: Request, principal: EnterpriseUserDep) -> Response:
    """自主填报: the entity's operating information, signed under a credit commitment."""
    return _self_report_page(request)


@router.post("/credit-file/self-report", response_class=HTMLResponse)
def self_report(
    request: Request, session: SessionDep, principal: EnterpriseUserDep,
    report_year: Annotated[str, Form(max_length=6)] = "",
    main_products: Annotated[str, Form(max_length=600)] = "",
    annual_revenue: Annotated[str, Form(max_length=30)] = "",
    employees: Annotated[str, Form(max_length=12)] = "",
    certifications: Annotated[str, Form(max_length=600)] = "",
    main_customers: Annotated[str, Form(max_length=400)] = "",
    accept_commitment: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    """Store the self-report and its signed commitment; bad input is named in Chinese and changes nothing."""
    form = {"report_year": report_year, "main_products": main_products, "annual_revenue": annual_revenue,
            "employees": employees, "certifications": certifications, "main_customers": main_customers}
    try:
        report_in = SelfReportCreate.model_validate({
            "report_year": int(report_year) if re.fullmatch(r"[0-9]{1,4}", report_year.strip()) else -1,
            "main_products": main_products.strip(), "annual_revenue_fen": parse_yuan(annual_revenue),
            "employees": (int(employees.replace(",", ""))
                          if re.fullmatch(r"[0-9]{1,9}", employees.strip().replace(",", "")) else -1),
            "certifications": [c.strip() for c in re.split(r"[、，,；;\n]", certifications) if c.strip()],
            "main_customers": main_customers.strip() or None, "accept_commitment": accept_commitment is not None,
        })
        done = selfreport.report(session, principal=principal, report_in=report_in)
    except InvalidAmount:
        return _self_report_page(request, status_code=422, errors=["营业收入须为金额（元，最多两位小数）"], form=form)
    except ValidationError as exc:
        return _self_report_page(request, status_code=422, form=form, errors=form_errors(exc, SELF_REPORT_ERRORS))
    except DomainError as exc:
        session.rollback()
        return _self_report_page(request, status_code=exc.status_code, errors=[exc.message], form=form)
    return RedirectResponse(f"/credit-file?reported={done.commitment.number}", status_code=303)
