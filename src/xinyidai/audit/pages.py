"""Portal pages of the audit log: the search for the platform admin and the regulator, and the enterprise's
"who looked at my information"."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service
from xinyidai.audit.labels import (
    ACTION_LABELS,
    ACTOR_KIND_LABELS,
    OUTCOME_LABELS,
    Translate,
    action_label,
    actor_label,
    purpose_label,
    subject_label,
)
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.dependencies import EnterpriseUserDep, OversightDep, csrf_protect
from xinyidai.errors import Forbidden
from xinyidai.portal.forms import form_date
from xinyidai.portal.i18n import language_of, translate
from xinyidai.portal.templating import render
from xinyidai.text import Text
from xinyidai.web import SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

# The regulator (政府监管) searches the log as the operator does; neither may change it.
PAGE_SIZE = 50

TextQuery = Annotated[Text, Query(max_length=60)]
PageNo = Annotated[int, Query(ge=1, le=100_000)]


@dataclass(frozen=True)
class EntryRow:
    """An entry with the names it refers to, in the page's language."""

    entry: AuditEntry
    action: str
    outcome: str
    organisation: str
    enterprise: str
    actor: str
    subject: str
    purpose: str
    by_machine: str  # how an organisation acted when it was not a person at the portal: 接口客户端, 系统任务, 命令行
    summary: str  # the action in words; a refusal says why (the short reason its detail carries)


@dataclass(frozen=True)
class Directory:
    """How the pages name an entry's parties. Identity and registry sit above audit, so the application wiring
    (main.py) provides it; without it the pages show the parties' ids."""

    organisation_name: Callable[[Session, int], str | None]
    enterprise_label: Callable[[Session, int], str | None]
    enterprise_id_by_uscc: Callable[[Session, str], int | None]
    # The organisations the search offers: institutions, departments and the operator (enterprises go by code).
    searchable_organisations: Callable[[Session], list[tuple[int, str]]]
    # The name of an entry's subject (subject_type, subject_id), e.g. a financing order's number; None: its id.
    subject_name: Callable[[Session, str, str], str | None] = lambda session, kind, i: None


_directory = Directory(organisation_name=lambda session, i: None, enterprise_label=lambda session, i: None,
                       enterprise_id_by_uscc=lambda session, uscc: None,
                       searchable_organisations=lambda session: [])


def use_directory(directory: Directory) -> None:
    """Let the pages name organisations and enterprises and find an enterprise by its code."""
    global _directory
    _directory = directory


def _organisation_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    # One lookup per distinct organisation on the page (at most PAGE_SIZE).
    return {i: _directory.organisation_name(session, i) or f"#{i}" for i in {i for i in ids if i is not None}}


def _enterprise_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    return {i: _directory.enterprise_label(session, i) or f"#{i}" for i in {i for i in ids if i is not None}}


def _rows(session: Session, entries: Iterable[AuditEntry], lang: str) -> list[EntryRow]:
    def tr(text: str) -> str:
        return translate(text, lang)

    entries = list(entries)
    organisations = _organisation_names(session, (e.actor_organisation_id for e in entries))
    enterprises = _enterprise_names(session, (e.enterprise_id for e in entries))
    subjects = {(e.subject_type, e.subject_id): subject_label(
        e.subject_type, e.subject_id,
        name=_directory.subject_name(session, e.subject_type, e.subject_id) if e.subject_type and e.subject_id
        else None, tr=tr) for e in entries}
    return [_row(e, tr, lang, organisation=organisations.get(e.actor_organisation_id, tr("平台"))
                 if e.actor_organisation_id else tr("平台"),
                 enterprise=enterprises.get(e.enterprise_id, "") if e.enterprise_id else "",
                 subject=subjects[(e.subject_type, e.subject_id)])
            for e in entries]


def _row(e: AuditEntry, tr: Translate, lang: str, *, organisation: str, enterprise: str, subject: str) -> EntryRow:
    action = action_label(e.action, tr=tr)
    kind = e.actor_kind or ("api_client" if e.actor_api_client_id is not None else "user")
    detail = e.detail or {}
    # A refusal's short reason; in English the one its detail carries in English, if it does.
    reason = ((lang == "en" and detail.get("reason_en")) or detail.get("reason")) if e.outcome == "refused" else None
    return EntryRow(
        entry=e, action=action, outcome=tr(OUTCOME_LABELS.get(e.outcome, e.outcome)), organisation=organisation,
        enterprise=enterprise, subject=subject, purpose=purpose_label(e.purpose, tr=tr),
        actor=actor_label(kind=e.actor_kind, label=e.actor_label, user_id=e.actor_user_id,
                          api_client_id=e.actor_api_client_id, tr=tr),
        by_machine="" if kind in ("user", "public") else tr(ACTOR_KIND_LABELS.get(kind, kind)),
        summary=f"{action}{tr('：')}{tr(str(reason))}" if reason else action)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.BUSINESS_TZ)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_search(request: Request, session: SessionDep, principal: OversightDep,
                 action: TextQuery = "", organisation: TextQuery = "", uscc: TextQuery = "", date_from: TextQuery = "",
                 date_to: TextQuery = "", page: PageNo = 1) -> HTMLResponse:
    """Search the audit log by action, acting organisation, enterprise, dates; paged, newest first."""
    errors: list[str] = []
    organisation_id = int(organisation) if re.fullmatch(r"[0-9]{1,9}", organisation) else None
    if organisation and organisation_id is None:
        errors.append("所选机构无效")
    enterprise_id: int | None = None
    if uscc.strip():
        enterprise_id = _directory.enterprise_id_by_uscc(session, uscc.strip().upper())
        if enterprise_id is None:
            errors.append(f"未找到统一社会信用代码为“{uscc.strip()}”的市场主体")
    first, last = form_date(date_from, "起始日期", errors), form_date(date_to, "截止日期", errors)
    found = None
    if not errors:
        found = service.search(
            session, action=action or None, actor_organisation_id=organisation_id, enterprise_id=enterprise_id,
            occurred_from=_start_of(first) if first else None,
            occurred_before=_start_of(last + timedelta(days=1)) if last else None, page=page, page_size=PAGE_SIZE)
        # Reading the log is itself a read of whose data was touched: it is audited too.
        service.record(session, action="audit.searched", actor=principal, enterprise_id=enterprise_id,
                       ip_address=client_ip(request),
                       detail={"action": action, "organisation_id": organisation_id, "date_from": date_from,
                               "date_to": date_to, "page": page})
    filters = {"action": action, "organisation": organisation, "uscc": uscc, "date_from": date_from,
               "date_to": date_to}
    return render(request, "audit/search.html", {
        "errors": errors, "filters": filters, "found": found,
        "rows": _rows(session, found.entries, language_of(request)) if found else [],
        "actions": sorted(ACTION_LABELS), "action_label": action_label,
        "organisations": _directory.searchable_organisations(session),
        "query": urlencode({k: v for k, v in filters.items() if v}),
    }, status_code=422 if errors else 200)


@router.get("/credit-file/access-log", response_class=HTMLResponse)
def access_log(request: Request, session: SessionDep, principal: EnterpriseUserDep,
               page: PageNo = 1) -> HTMLResponse:
    """谁查看了我的信息: what other organisations did with this enterprise's information, and why."""
    if principal.enterprise_id is None:
        raise Forbidden("该账号未关联市场主体", message_en="this account has no enterprise")
    found = service.search(session, enterprise_id=principal.enterprise_id,
                           exclude_actor_organisation_id=principal.organisation_id, page=page, page_size=PAGE_SIZE)
    return render(request, "audit/access_log.html",
                  {"found": found, "rows": _rows(session, found.entries, language_of(request))})
