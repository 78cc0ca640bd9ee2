"""Portal pages of outreach: the registration a grid worker's QR code leads to, the grid worker's own page (QR code,
visit log), coverage and the roll-out plan for the commission and the platform, and the admin's list of grid
workers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.dependencies import GridWorkerDep, OversightDep, PlatformAdminDep, Public, csrf_protect
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.db import MAX_ID
from xinyidai.errors import DomainError
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import EnterpriseRegistrationCreate
from xinyidai.outreach import chart, policy, service
from xinyidai.outreach.enums import OUTCOME_LABELS, VisitOutcome
from xinyidai.outreach.exceptions import UnknownGridWorkerCode
from xinyidai.outreach.schemas import GridWorkerCreate, PhaseUpdate, VisitCreate
from xinyidai.portal import flash, i18n
from xinyidai.portal.forms import form_date
from xinyidai.portal.templating import render
from xinyidai.registry import service as registry_service
from xinyidai.text import Text
from xinyidai.web import SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
# Any text: a code mistyped or cut from a link (a NUL included) is an unknown code the page says is unknown.
ReferralCode = Annotated[str, Path(max_length=200)]

PublicPage = Depends(Public())
MY_PAGE = "/outreach/me"
COVERAGE_PAGE = "/outreach/coverage"
ADMIN_PAGE = "/admin/grid-workers"
USERNAME_MESSAGE = "用户名只能包含字母、数字和 _ . - @，长度3至64位"


FIELD_LABELS = {"uscc": "统一社会信用代码", "legal_rep_name": "法定代表人（经营者）姓名", "id_number": "身份证号码",
                "display_name": "显示名称", "password": "密码", "mobile": "手机号码", "note": "备注",
                "reason": "无意向原因"}


def _first_message(exc: ValidationError) -> str:
    """The first refused field, in words a person filling the form understands."""
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error.get("loc") else ""
    if field == "username":
        return USERNAME_MESSAGE
    return f"{FIELD_LABELS.get(field, field)}填写有误：请检查长度和字符后重试"


# The registration a grid worker's QR code leads to ------------------------------------------------------


def _referral_page(request: Request, session: Session, code: str, *, form: dict[str, str] | None = None,
                   errors: list[str] | None = None, status_code: int = 200) -> Response:
    try:
        worker = service.get_by_code(session, code=code)
    except UnknownGridWorkerCode as exc:
        # The code is the only thing this page has to go on: a wrong one shows no form at all.
        return render(request, "outreach/register.html", {"unknown": True, "errors": [exc.message], "form": {}},
                      status_code=exc.status_code)
    community = registry_service.get_community(session, community_id=worker.community_id)
    return render(request, "outreach/register.html", {
        "unknown": False, "code": worker.code, "worker_name": worker.name, "community_name": community.name,
        "form": form or {}, "errors": errors or []}, status_code=status_code)


@router.get(service.REFERRAL_PATH + "{code}", response_class=HTMLResponse, dependencies=[PublicPage])
def referral_page(request: Request, session: SessionDep, code: ReferralCode) -> Response:
    """The registration form a grid worker's QR code or link opens, naming the grid worker who brought the
    merchant; an unknown code says so and offers no form."""
    return _referral_page(request, session, code[:40])


@router.post(service.REFERRAL_PATH + "{code}", response_class=HTMLResponse, dependencies=[PublicPage])
def register_referred(
    request: Request, session: SessionDep, code: ReferralCode,
    uscc: Annotated[str, Form(max_length=30)], legal_rep_name: Annotated[str, Form(max_length=50)],
    id_number: Annotated[str, Form(max_length=30)], username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=100)], password: Annotated[str, Form(max_length=128)],
    mobile: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Real-name registration through a grid worker's link: the merchant is attributed to the grid worker and
    their community; an unknown code stores nothing."""
    code = code[:40]
    form = {"uscc": uscc, "legal_rep_name": legal_rep_name, "username": username, "display_name": display_name,
            "mobile": mobile}
    try:
        registration_in = EnterpriseRegistrationCreate(
            uscc=uscc, legal_rep_name=legal_rep_name, id_number=id_number, username=username,
            display_name=display_name, password=password, mobile=mobile.strip() or None)
        service.register_referred(session, code=code, registration_in=registration_in)
    except DomainError as exc:
        session.rollback()
        return _referral_page(request, session, code, form=form, errors=[exc.message], status_code=exc.status_code)
    except ValidationError as exc:
        session.rollback()
        return _referral_page(request, session, code, form=form, errors=[_first_message(exc)], status_code=422)
    return flash.redirect("/login", "注册成功，请登录")


# The grid worker's own page --------------------------------------------------------------------------


def _my_page(request: Request, session: Session, principal: Principal, *, form: dict[str, str] | None = None,
             errors: list[str] | None = None, status_code: int = 200) -> Response:
    worker = service.grid_worker_of(session, principal=principal)
    community = registry_service.get_community(session, community_id=worker.community_id)
    base = get_settings().public_url or str(request.base_url)
    link = service.referral_url(base_url=base, code=worker.code)
    return render(request, "outreach/me.html", {
        "worker": worker, "community_name": community.name, "link": link, "qr": service.qr_data_url(link),
        "visits": service.list_visits(session, grid_worker_id=worker.id),
        "merchants": registry_service.community_enterprises(session, community_id=worker.community_id),
        "outcomes": list(VisitOutcome), "outcome_labels": OUTCOME_LABELS,
        "form": form or {"visited_on": clock.today().isoformat(), "outcome": VisitOutcome.VISITED.value},
        "errors": errors or []}, status_code=status_code)


@router.get(MY_PAGE, response_class=HTMLResponse)
def my_page(request: Request, session: SessionDep, principal: GridWorkerDep,
            uscc: Annotated[Text, Query(max_length=30)] = "") -> Response:
    """The grid worker's page: their QR code and link, the visit form, their latest visits and their community's
    merchants."""
    form = {"visited_on": clock.today().isoformat(), "outcome": VisitOutcome.VISITED.value, "uscc": uscc[:30]}
    return _my_page(request, session, principal, form=form)


@router.post("/outreach/visits", response_class=HTMLResponse)
def record_visit(
    request: Request, session: SessionDep, principal: GridWorkerDep,
    uscc: Annotated[str, Form(max_length=30)], visited_on: Annotated[str, Form(max_length=20)],
    outcome: Annotated[str, Form(max_length=20)], reason: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Record a visit to a merchant."""
    form = {"uscc": uscc, "visited_on": visited_on, "outcome": outcome, "reason": reason, "note": note}
    errors: list[str] = []
    day = form_date(visited_on.strip(), "走访日期", errors)
    if day is None and not errors:
        errors.append("请填写走访日期")
    if outcome not in {o.value for o in VisitOutcome}:
        errors.append("请选择走访结果")
    if errors:
        return _my_page(request, session, principal, form=form, errors=errors, status_code=422)
    try:
        visit_in = VisitCreate(uscc=uscc.strip(), visited_on=day, outcome=VisitOutcome(outcome),
                               reason=reason.strip() or None, note=note.strip() or None)
        service.record_visit(session, principal=principal, visit_in=visit_in)
    except DomainError as exc:
        session.rollback()
        return _my_page(request, session, principal, form=form, errors=[exc.message], status_code=exc.status_code)
    except ValidationError as exc:
        session.rollback()
        return _my_page(request, session, principal, form=form, errors=[_first_message(exc)], status_code=422)
    return flash.redirect(MY_PAGE, "走访已记录")


# Coverage and the roll-out plan ----------------------------------------------------------------------


def _coverage_page(request: Request, session: Session, *, errors: list[str] | None = None,
                   status_code: int = 200) -> Response:
    coverage = service.coverage(session)
    return render(request, "outreach/coverage.html", {
        "coverage": coverage, "chart": chart.coverage_chart(coverage, i18n.language_of(request)),
        "figures": policy.FIGURES,
        "labels": policy.FIGURE_LABELS,
        "percent": policy.percent, "plan": service.plan(session), "areas": registry_service.list_areas(session),
        "attribution": service.attribution(session), "errors": errors or []}, status_code=status_code)


@router.get(COVERAGE_PAGE, response_class=HTMLResponse)
def coverage_page(request: Request, session: SessionDep, _: OversightDep) -> Response:
    """Coverage by town or street and community against the target, as a table and a chart; what each grid
    worker's merchants went on to do; the roll-out plan."""
    return _coverage_page(request, session)


@router.post("/outreach/plan", response_class=HTMLResponse)
def set_phase(
    request: Request, session: SessionDep, principal: OversightDep,
    district_area_id: Annotated[int, Form(ge=1, le=MAX_ID)], phase: Annotated[int, Form(ge=1, le=9)],
    starts_on: Annotated[str, Form(max_length=20)], ends_on: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Place a town or street in the roll-out: its phase and dates."""
    errors: list[str] = []
    start = form_date(starts_on.strip(), "开始日期", errors)
    end = form_date(ends_on.strip(), "结束日期", errors)
    if not errors and (start is None or end is None):
        errors.append("请填写开始日期和结束日期")
    if errors or start is None or end is None:
        return _coverage_page(request, session, errors=errors, status_code=422)
    try:
        service.set_phase(session, principal=principal, phase_in=PhaseUpdate(
            district_area_id=district_area_id, phase=phase, starts_on=start, ends_on=end, note=note.strip() or None))
    except DomainError as exc:
        session.rollback()
        return _coverage_page(request, session, errors=[exc.message], status_code=exc.status_code)
    return flash.redirect(COVERAGE_PAGE + "#plan", "推广计划已保存")


# The admin's list of grid workers --------------------------------------------------------------------


def _admin_page(request: Request, session: Session, *, form: dict[str, Any] | None = None,
                errors: list[str] | None = None, status_code: int = 200) -> Response:
    communities = registry_service.list_communities(session)
    area_names = {a.id: a.name for a in registry_service.list_areas(session)}
    community_names = {c.id: f"{area_names.get(c.district_area_id, '')} {c.name}" for c in communities}
    return render(request, "outreach/grid_workers.html", {
        "workers": service.list_grid_workers(session), "community_names": community_names,
        "organisations": identity_service.list_organisations(session, kind=OrgKind.GOVERNMENT_DEPARTMENT),
        "form": form or {}, "errors": errors or []}, status_code=status_code)


@router.get(ADMIN_PAGE, response_class=HTMLResponse)
def grid_workers_page(request: Request, session: SessionDep, _: PlatformAdminDep) -> Response:
    """Every grid worker with their community and code, and a form to add one."""
    return _admin_page(request, session)


@router.post(ADMIN_PAGE, response_class=HTMLResponse)
def add_grid_worker(
    request: Request, session: SessionDep, principal: PlatformAdminDep,
    organisation_id: Annotated[int, Form(ge=1, le=MAX_ID)], community_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    username: Annotated[str, Form(max_length=64)], display_name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=128)],
) -> Response:
    """Add a grid worker: a user of a street office or town government for one community."""
    form = {"organisation_id": organisation_id, "community_id": community_id, "username": username,
            "display_name": display_name}
    try:
        service.create_grid_worker(session, principal=principal, grid_worker_in=GridWorkerCreate(
            organisation_id=organisation_id, community_id=community_id, username=username,
            display_name=display_name, password=password))
    except DomainError as exc:
        session.rollback()
        return _admin_page(request, session, form=form, errors=[exc.message], status_code=exc.status_code)
    except ValidationError as exc:
        session.rollback()
        return _admin_page(request, session, form=form, errors=[_first_message(exc)], status_code=422)
    return flash.redirect(ADMIN_PAGE, "网格员已添加")
