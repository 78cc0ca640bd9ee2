"""Portal pages of credit information: the catalogue and coverage for the platform admin, uploads for a
department's data officer, and the enterprise's credit file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.creditdata import coverage as coverage_service
from xinyidai.creditdata import policy, service
from xinyidai.creditdata.enums import (
    AUTHORITATIVE_LABELS,
    CHANNEL_LABELS,
    SENSITIVITY_LABELS,
    UPDATE_CYCLE_LABELS,
    AuthoritativeChannel,
    Channel,
    FieldType,
    Sensitivity,
    UpdateCycle,
)
from xinyidai.creditdata.fields import USCC_FIELD, FieldSpec
from xinyidai.creditdata.models import CatalogueItem, CreditCommitment, CreditRecord
from xinyidai.creditdata.schemas import CatalogueItemUpdate
from xinyidai.errors import DomainError, NotFound
from xinyidai.identity.dependencies import Allow, csrf_protect
from xinyidai.identity.enums import Role
from xinyidai.identity.principal import Principal
from xinyidai.money import format_yuan
from xinyidai.portal.templating import render
from xinyidai.registry import service as registry_service
from xinyidai.web import SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PlatformAdmin = Allow(Role.PLATFORM_ADMIN)
# The monthly sharing progress is the credit office's (发改委) business as much as the operator's.
CoverageViewer = Allow(Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR)
Entity = Allow(Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF)

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
        "authoritatives": list(AuthoritativeChannel),
    }


def specs_of(item: CatalogueItem) -> tuple[FieldSpec, ...]:
    """The item's typed fields; the entity's USCC leads."""
    return service.field_specs(item)


def show_value(spec: FieldSpec, value: Any) -> str:
    """A stored typed value as the portal writes it: yuan with two decimals, 是/否, text as is."""
    if value is None or value == "":
        return "—"
    if spec.type is FieldType.MONEY:
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
                   principal: Annotated[Principal, Depends(PlatformAdmin)]) -> Response:
    """The credit-information catalogue: 14 categories, their sub-categories and an edit form for each."""
    saved = request.query_params.get("saved")
    return _catalogue_page(request, session, flash=f"已保存信息项“{saved}”" if saved else None)


def _edit_error(exc: ValidationError) -> str:
    fields = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
    messages = {
        "name": "名称不能为空，且不超过100个字",
        "sensitivity": "请选择敏感级别",
        "update_cycle": "请选择更新周期",
        "visible_days": "公示期须为1至36500之间的整数天，留空表示长期可见",
        "authoritative_channel": "请选择权威渠道",
    }
    return "；".join(messages[name] for name in messages if name in fields) or "提交的内容格式不正确"


@router.post("/admin/catalogue/items/{code}", response_class=HTMLResponse)
def edit_item(
    request: Request, session: SessionDep, principal: Annotated[Principal, Depends(PlatformAdmin)], code: ItemCode,
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
    if days and not days.isdigit():
        return _catalogue_page(request, session, status_code=422, forms={code: form},
                               errors={code: ["公示期须为1至36500之间的整数天，留空表示长期可见"]})
    try:
        item_in = CatalogueItemUpdate.model_validate({
            "name": name.strip(), "sensitivity": sensitivity, "update_cycle": update_cycle,
            "visible_days": int(days) if days else None, "authoritative_channel": authoritative_channel,
            "local_allowed": local_allowed is not None, "enabled": enabled is not None,
        })
    except ValidationError as exc:
        return _catalogue_page(request, session, status_code=422, forms={code: form}, errors={code: [_edit_error(exc)]})
    try:
        item = service.update_item(session, code=code, item_in=item_in, user_id=principal.user_id or 0)
        audit_service.record(
            session, action="creditdata.catalogue.update", actor_user_id=principal.user_id,
            actor_organisation_id=principal.organisation_id, subject_type="catalogue_item", subject_id=item.code,
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
                  principal: Annotated[Principal, Depends(CoverageViewer)]) -> Response:
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

    record: CreditRecord
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
    hidden: int


@dataclass
class SectionView:
    """One category of the file."""

    code: str
    name: str
    entries: list[EntryView]


def _file_view(session: Session, *, enterprise_id: int, include_hidden: bool) -> list[SectionView]:
    sections = service.credit_file(session, enterprise_id=enterprise_id, include_hidden=include_hidden)
    departments = {d.code: d.name for d in service.list_departments(session)}
    commitment_ids = {r.commitment_id for s in sections for e in s.entries for r in [*e.current, *e.superseded]
                      if r.commitment_id is not None}
    commitments = {c.id: c.number for c in (session.get(CreditCommitment, i) for i in commitment_ids) if c}
    today = clock.today()

    def view(record: CreditRecord, item: CatalogueItem, specs: Sequence[FieldSpec]) -> RecordView:
        shown = policy.visibility(record.fact_date, item.visible_days, today)
        return RecordView(
            record=record, values=[show_value(spec, record.data.get(spec.name)) for spec in specs],
            source=departments.get(record.source_department, record.source_department),
            channel=CHANNEL_LABELS.get(Channel(record.channel), record.channel),
            self_reported=record.channel == Channel.SELF_REPORT,
            commitment_number=commitments.get(record.commitment_id) if record.commitment_id else None,
            past_publicity=not shown.visible, visible_until=shown.until, received_at=record.received_at,
        )

    out = []
    for section in sections:
        entries = []
        for entry in section.entries:
            specs = [spec for spec in specs_of(entry.item) if spec.name != USCC_FIELD]
            records = [view(r, entry.item, specs) for r in entry.current]
            by_key = {v.record.record_key: v for v in records}
            for old in entry.superseded:  # newest first; only facts whose current version is shown
                if old.record_key in by_key:
                    by_key[old.record_key].history.append(view(old, entry.item, specs))
            if records or entry.hidden:
                entries.append(EntryView(item=entry.item, columns=[s.label for s in specs], records=records,
                                         hidden=entry.hidden))
        if entries:
            out.append(SectionView(code=section.category.code, name=section.category.name, entries=entries))
    return out


def _file_page(request: Request, session: Session, *, enterprise_id: int, own: bool, **extra: Any) -> Response:
    enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    sections = _file_view(session, enterprise_id=enterprise_id, include_hidden=own)
    return render(request, "creditdata/credit_file.html", {
        **labels(),
        "enterprise": enterprise,
        "sections": sections,
        "record_count": sum(len(e.records) for s in sections for e in s.entries),
        "own": own,
        "self_report_mark": SELF_REPORT_MARK,
        "generated_at": clock.now(),
        **extra,
    })


@router.get("/credit-file", response_class=HTMLResponse)
def my_credit_file(request: Request, session: SessionDep, principal: Annotated[Principal, Depends(Entity)]) -> Response:
    """我的信用档案: everything the platform holds on the caller's entity, by category, with time and source."""
    if principal.enterprise_id is None:
        raise NotFound("未关联市场主体", message_en="no market entity")
    # The entity reading its own file is not an access to someone else's information: not audited.
    return _file_page(request, session, enterprise_id=principal.enterprise_id, own=True)


@router.get("/admin/credit-files", response_class=HTMLResponse)
def admin_credit_file(
    request: Request, session: SessionDep, principal: Annotated[Principal, Depends(PlatformAdmin)],
    uscc: Annotated[str, Query(max_length=30)] = "",
    purpose: Annotated[str, Query(max_length=20)] = "",
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
    audit_service.record(
        session, action="creditdata.file.read", actor_user_id=principal.user_id,
        actor_organisation_id=principal.organisation_id, subject_type="enterprise", subject_id=enterprise.id,
        enterprise_id=enterprise.id, purpose=purpose, ip_address=client_ip(request),
    )
    return _file_page(request, session, enterprise_id=enterprise.id, own=False, purpose=purpose)
