"""create_app(): the one place that wires every context's API, pages, navigation and error handling."""

from __future__ import annotations

from pathlib import Path

import js_lib_htmx
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

import xinyidai
from xinyidai import clock, events, jobs
from xinyidai.audit import pages as audit_pages
from xinyidai.auth.dependencies import PASSWORD_CHANGE_PAGE, LoginRequired, PasswordChangeRequired, csrf_protect
from xinyidai.auth.enums import INSTITUTION_READER_ROLES, ORG_KIND_LABELS, ROLE_LABELS, OrgKind, Role
from xinyidai.chains import pages as chains_pages
from xinyidai.chains import router as chains_router
from xinyidai.chains import service as chains_service
from xinyidai.config import get_settings
from xinyidai.consent import pages as consent_pages
from xinyidai.consent import service as consent_service
from xinyidai.consent.granting import LoanChoice
from xinyidai.creditcheck import pages as creditcheck_pages
from xinyidai.creditcheck import router as creditcheck_router
from xinyidai.creditdata import file_router as creditdata_file_router
from xinyidai.creditdata import pages as creditdata_pages
from xinyidai.creditdata import router as creditdata_router
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.events import DeliveryCommitted
from xinyidai.creditdata.report import pages as creditdata_report_pages
from xinyidai.creditdata.report import router as creditdata_report_router
from xinyidai.demo import sandbox_pages as api_sandbox_pages
from xinyidai.errors import INVALID_REQUEST_RESPONSE, DomainError, NotFound, RequestTooLarge
from xinyidai.guarantee import pages as guarantee_pages
from xinyidai.guarantee import router as guarantee_router
from xinyidai.guarantee import service as guarantee_service
from xinyidai.identity import pages as identity_pages
from xinyidai.identity import router as identity_router
from xinyidai.identity import service as identity_service
from xinyidai.identity.exceptions import OrganisationSuspended
from xinyidai.identity.notifications import pages as notification_pages
from xinyidai.identity.notifications import sms as notification_sms
from xinyidai.identity.onboarding import pages as onboarding_pages
from xinyidai.identity.onboarding import router as onboarding_router
from xinyidai.loans import eod_pages as loans_eod_pages
from xinyidai.loans import jobs as loans_jobs
from xinyidai.loans import pages as loans_pages
from xinyidai.loans import router as loans_router
from xinyidai.loans import service as loans_service
from xinyidai.loans.enums import LineStatus
from xinyidai.loans.events import DrawdownDefaulted, DrawdownOverdue
from xinyidai.money import format_yuan
from xinyidai.monitoring import jobs as monitoring_jobs
from xinyidai.monitoring import pages as monitoring_pages
from xinyidai.monitoring import router as monitoring_router
from xinyidai.network import jobs as network_jobs
from xinyidai.network import pages as network_pages
from xinyidai.network import router as network_router
from xinyidai.network.signon import pages as signon_pages
from xinyidai.network.signon import relying as signon_relying
from xinyidai.observability import configure_logging, install_metrics
from xinyidai.observability import router as ops_router
from xinyidai.orders import lifecycle as orders_lifecycle
from xinyidai.orders import lifecycle_pages as orders_lifecycle_pages
from xinyidai.orders import pages as orders_pages
from xinyidai.orders import router as orders_router
from xinyidai.orders import service as orders_service
from xinyidai.orders import texts as orders_texts
from xinyidai.orders.events import DeferralDecided, OrderApproved, RenewalDecided
from xinyidai.orders.policy import LineExposure, is_live
from xinyidai.outreach import pages as outreach_pages
from xinyidai.portal import charts, nav
from xinyidai.portal.apidocs import install_api_docs
from xinyidai.portal.templating import render, templates
from xinyidai.products import router as products_router
from xinyidai.products import service as products_service
from xinyidai.products.supermarket import pages as supermarket_pages
from xinyidai.products.supermarket import router as supermarket_router
from xinyidai.registry import router as registry_router
from xinyidai.registry import service as registry_service
from xinyidai.reporting import jobs as reporting_jobs
from xinyidai.reporting import pages as reporting_pages
from xinyidai.reporting.simulator import pages as simulator_pages
from xinyidai.reporting.simulator import router as simulator_router
from xinyidai.rights import jobs as rights_jobs
from xinyidai.rights import pages as rights_pages
from xinyidai.rights import router as rights_router
from xinyidai.scoring import jobs as scoring_jobs
from xinyidai.scoring import pages as scoring_pages
from xinyidai.scoring.events import ScoringRunCompleted
from xinyidai.scoring.labels import assessor_label, reason_label
from xinyidai.scoring.portrait import router as scoring_portrait_router
from xinyidai.scoring.sandbox import pages as sandbox_pages
from xinyidai.scoring.sandbox import router as sandbox_router
from xinyidai.web import BodyLimit, InFlightLimit, is_api_request, requests_in_flight
from xinyidai.webhooks import catalogue as webhooks_catalogue
from xinyidai.webhooks import jobs as webhooks_jobs
from xinyidai.webhooks import pages as webhooks_pages
from xinyidai.webhooks import router as webhooks_router
from xinyidai.webhooks import service as webhooks_service

PORTAL_STATIC = Path(__file__).parent / "portal" / "static"
# plotly.js (portal.charts) appends an *empty* <style> element and fills it through the CSSOM, which the policy does
# not govern: the hash of the empty string admits that element and no inline style with any content.
EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CONTENT_SECURITY_POLICY = (f"default-src 'self'; img-src 'self' data:; style-src 'self' {EMPTY_STYLE_HASH}; "
                           "script-src 'self'; frame-ancestors 'none'")
HTMX_STATIC = Path(js_lib_htmx.__file__).parent / "static" / "htmx"


def _consent_recipient(session: Session, published: events.PublishedEvent) -> int | None:
    """A revoked authorisation is news for the institution it was given to."""
    value = published.payload.get("recipient_organisation_id")
    return value if isinstance(value, int) else None


def _alert_recipient(session: Session, published: events.PublishedEvent) -> int | None:
    """A post-loan alert is news for the institution it was raised for (a bank or a guarantee company)."""
    value = published.payload.get("organisation_id")
    return value if isinstance(value, int) else None


def _order_bank(session: Session, published: events.PublishedEvent) -> int | None:
    """An order's event is news for the order's bank: its payload names it, or (an event published before its
    payload carried it, such as `orders.rejected`) the order does."""
    named = webhooks_service.bank_of(session, published)
    if named is not None:
        return named
    order_id = published.payload.get("order_id")
    return orders_service.bank_of(session, order_id=order_id) if isinstance(order_id, int) else None


# Which domain events become webhook events, and for whom: every event of the webhook catalogue, by name, for the
# organisation its payload's `bank_organisation_id` names (an order's event: else the order's bank) unless mapped
# otherwise here. (Made once: subscribing the same handler again adds nothing.)
WEBHOOK_RECIPIENTS: dict[str, webhooks_service.OrganisationOf] = {
    "consent.revoked": _consent_recipient, "monitoring.alert_raised": _alert_recipient}
WEBHOOK_FORWARDERS = {
    name: webhooks_service.forwarder(WEBHOOK_RECIPIENTS.get(
        name, _order_bank if name.startswith("orders.") else webhooks_service.bank_of))
    for name in webhooks_catalogue.EVENT_NAMES}


def wire_events() -> None:
    """Subscribe each context to the domain events of the others (the only place that knows them all)."""
    for name, forwarder in WEBHOOK_FORWARDERS.items():
        events.subscribe_name(name, forwarder)
    events.subscribe(OrderApproved, loans_service.on_order_approved)
    for decision in orders_texts.DECISION_EVENTS:
        events.subscribe(decision, orders_texts.text_applicant)
    events.subscribe(RenewalDecided, loans_service.on_renewal_decided)
    events.subscribe(DeferralDecided, loans_service.on_deferral_decided)
    events.subscribe(DrawdownDefaulted, guarantee_service.on_drawdown_defaulted)
    events.subscribe(DrawdownDefaulted, record_default)
    events.subscribe(DrawdownDefaulted, chains_service.on_drawdown_defaulted)
    events.subscribe(DrawdownOverdue, chains_service.on_drawdown_overdue)
    events.subscribe(DeliveryCommitted, monitoring_jobs.on_delivery_committed)
    events.subscribe(ScoringRunCompleted, monitoring_jobs.on_scoring_run_completed)
    # Not an event: orders read the firm's lines from loans when they need them (see `line_exposure`); wired here
    # so that the CLI and the demo, which wire events without building the app, apply the same product rules.
    orders_service.use_line_exposure(line_exposure)
    products_service.use_live_lines(live_lines)
    identity_service.use_phone_book(lambda session, user_id: identity_service.mobile_of(session, user_id=user_id))
    loans_service.use_community_drawable(lambda session, enterprise_id, lender_id: chains_service.drawable_with_lender(
        session, enterprise_id=enterprise_id, lender_organisation_id=lender_id))
    products_service.use_chain_membership(lambda session, enterprise_id: chains_service.is_confirmed_member(
        session, enterprise_id=enterprise_id))
    orders_lifecycle.use_drawdown_facts(loans_service.drawdown_facts)
    consent_service.use_post_loan_choices(post_loan_choices)


# Each context's background jobs are declared by importing its `jobs` module; this is the list a worker runs.
JOB_MODULES = (loans_jobs, rights_jobs, scoring_jobs, network_jobs, webhooks_jobs, notification_sms, monitoring_jobs,
               reporting_jobs)


def wire_jobs() -> dict[str, jobs.Job]:
    """Every background job, with the event subscriptions the outbox's job delivers to (for a worker, the CLI)."""
    wire_events()
    return jobs.declared()


def record_default(session: Session, event: DrawdownDefaulted) -> None:
    """Domain-event handler: a default becomes a negative record in the entity's credit file (creditdata does
    not know loans, so the event is adapted here). Storing the same fact twice adds nothing."""
    lender = identity_service.get_organisation(session, organisation_id=event.bank_organisation_id)
    creditdata_service.record_platform_fact(session, item_code="financing_default", enterprise_id=event.enterprise_id,
                                            values={"loan_ref": str(event.drawdown_id), "lender": lender.name,
                                                    "default_date": event.business_date.isoformat(),
                                                    "days_past_due": str(event.days_past_due),
                                                    "outstanding": format_yuan(event.outstanding_fen)})


def post_loan_choices(session: Session, enterprise_id: int) -> list[LoanChoice]:
    """The firm's live credit lines (newest first), then the industry-chain communities it is a confirmed member of:
    what a post-loan authorisation may name, each with its lender (consent knows neither loans nor chains)."""
    names: dict[int, str] = {}

    def lender(organisation_id: int) -> str:
        if organisation_id not in names:
            names[organisation_id] = identity_service.get_organisation(session, organisation_id=organisation_id).name
        return names[organisation_id]

    lines = [LoanChoice(reference=loans_service.line_reference(line.id),
                        lender_organisation_id=line.bank_organisation_id,
                        label=f"授信额度 LINE{line.id}（{lender(line.bank_organisation_id)}，"
                              f"额度 {format_yuan(line.limit_fen)} 元，至 {line.valid_until}）")
             for line in reversed(loans_service.lines_of_enterprise(session, enterprise_id=enterprise_id))
             if line.status in (LineStatus.ACTIVE, LineStatus.FROZEN)]
    # A member's share of a community line is carried by the community's lender alone.
    communities = [LoanChoice(reference=chains_service.watch_reference(community.id), lender_only=True,
                              lender_organisation_id=community.lender_organisation_id,
                              label=f"产业链信用共同体“{community.name}”"
                                    f"（授信银行：{lender(community.lender_organisation_id)}）")
                   for community in chains_service.member_communities(session, enterprise_id=enterprise_id)]
    return lines + communities


def line_exposure(session: Session, enterprise_id: int) -> list[LineExposure]:
    """The firm's credit lines at every bank, for orders to show the bank its exposure and to apply a product's
    one-live-line rule (orders sit below loans and cannot read them)."""
    names: dict[int, str] = {}

    def lender(organisation_id: int) -> str:
        if organisation_id not in names:
            names[organisation_id] = identity_service.get_organisation(session, organisation_id=organisation_id).name
        return names[organisation_id]

    exposure = []
    for line in loans_service.lines_of_enterprise(session, enterprise_id=enterprise_id):
        read = loans_service.to_line_read(session, line)
        exposure.append(LineExposure(
            line_id=read.id, order_id=read.order_id, bank_organisation_id=read.bank_organisation_id,
            lender_name=lender(read.bank_organisation_id), product_id=read.product_id, limit_fen=read.limit_fen,
            used_fen=read.used_fen, status=str(read.status), valid_until=read.valid_until))
    return exposure


def live_lines(session: Session, enterprise_id: int) -> int:
    """The firm's live credit lines at every bank, for matching's eligibility rule (products sit below loans)."""
    today = clock.today()
    return sum(1 for line in line_exposure(session, enterprise_id) if is_live(line, today))


def _organisation_name(session: Session, organisation_id: int) -> str | None:
    try:
        return identity_service.get_organisation(session, organisation_id=organisation_id).name
    except NotFound:
        return None


def _enterprise_label(session: Session, enterprise_id: int) -> str | None:
    try:
        enterprise = registry_service.get(session, enterprise_id=enterprise_id)
    except NotFound:
        return None
    return f"{enterprise.name}（{enterprise.uscc}）"


def _enterprise_id_by_uscc(session: Session, uscc: str) -> int | None:
    enterprise = registry_service.get_by_uscc(session, uscc=uscc)
    return enterprise.id if enterprise is not None else None


def _searchable_organisations(session: Session) -> list[tuple[int, str]]:
    return [(o.id, o.name) for kind in OrgKind if kind is not OrgKind.ENTERPRISE
            for o in identity_service.list_organisations(session, kind=kind)]


def _audit_subject_name(session: Session, subject_type: str, subject_id: str) -> str | None:
    if subject_type == "financing_order" and subject_id.isdigit():
        return orders_service.order_number(session, order_id=int(subject_id))
    return None


AUDIT_DIRECTORY = audit_pages.Directory(organisation_name=_organisation_name, enterprise_label=_enterprise_label,
                                        enterprise_id_by_uscc=_enterprise_id_by_uscc,
                                        searchable_organisations=_searchable_organisations,
                                        subject_name=_audit_subject_name)


def _register_navigation() -> None:
    # Menus (group=...) keep the bar on one line, on a phone too; an entry's order places its menu.
    nav.register("企业首页", "/enterprise", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF], order=10)
    nav.register("我的贷款", "/loans", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF], order=15, group="融资")
    nav.register("银行工作台", "/bank/workbench", [Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER], order=20)
    nav.register("融资需求", "/enterprise/needs/new", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF], order=11,
                 landing=False, group="融资")
    # The commission's and the regulator's first page; the platform admin finds it in the same menu.
    nav.register("统计与月报", "/supervision/statistics", [Role.GOVERNMENT_SUPERVISOR], order=68, group="监督")
    nav.register("统计与月报", "/supervision/statistics", [Role.PLATFORM_ADMIN], order=68, landing=False,
                 group="监督")
    nav.register("服务质量监督", "/supervision/late-orders", [Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR],
                 order=69, landing=False, group="监督")
    nav.register("资产组合", "/bank/portfolio", [Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER], order=25)
    nav.register("担保业务", "/guarantee", [Role.GUARANTEE_OFFICER], order=30)
    nav.register("产业链共同体", "/chains", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF], order=11, landing=False,
                 group="融资")
    nav.register("产业链共同体", "/chains", [Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER], order=24, landing=False,
                 group="贷后管理")
    nav.register("风险预警", "/monitoring/alerts", [Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER, Role.GUARANTEE_OFFICER],
                 order=24, group="贷后管理")
    nav.register("贷后风险视图", "/monitoring/portfolio", [Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER,
                                                        Role.GUARANTEE_OFFICER], order=24, landing=False,
                 group="贷后管理")
    nav.register("政策模拟", "/reporting/simulator", [Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR], order=69,
                 landing=False, group="监督")
    nav.register("监测规则", "/admin/monitoring/rules", [Role.PLATFORM_ADMIN], order=74, landing=False, group="运维")
    nav.register("我的信用档案", "/credit-file", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF], order=12,
                 group="信用信息")
    nav.register("上传数据文件", "/data/uploads", [Role.DEPARTMENT_DATA_OFFICER], order=40, group="数据归集")
    nav.register("批次记录", "/data/batches", [Role.DEPARTMENT_DATA_OFFICER], order=41, group="数据归集")
    nav.register("信用信息目录", "/admin/catalogue", [Role.PLATFORM_ADMIN], order=70, landing=False, group="信用信息")
    nav.register("归集进度", "/admin/coverage", [Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR], order=71,
                 landing=False, group="信用信息")
    nav.register("查阅信用档案", "/admin/credit-files", [Role.PLATFORM_ADMIN], order=72, landing=False,
                 group="信用信息")
    nav.register("下载企业信用报告", "/credit-reports", list(INSTITUTION_READER_ROLES), order=26, landing=False,
                 group="信用信息")
    nav.register("核验信用报告", "/verify-report", list(Role), order=91, landing=False, group="更多")
    nav.register("公共信用核查", "/credit-checks", [Role.GOVERNMENT_SUPERVISOR], order=76, landing=False,
                 group="监督")
    nav.register("我的授权", "/authorisations", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF], order=13, group="授权")
    nav.register("谁查看了我的信息", "/credit-file/access-log", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF],
                 order=13, landing=False, group="信用信息")
    nav.register("审计日志", "/admin/audit", [Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR], order=75,
                 landing=False, group="监督")
    nav.register("模型沙箱", "/sandbox", [Role.BANK_LOAN_OFFICER, Role.BANK_MANAGER, Role.AGENCY_ANALYST], order=27,
                 landing=False, group="信用信息")
    nav.register("授权机构模型计算", "/authorisations/new?purpose=model_run",
                 [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF], order=14, landing=False, group="授权")
    nav.register("评分批次", "/admin/scoring/runs", [Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR], order=73,
                 landing=False, group="运维")
    nav.register("模型版本", "/admin/models", [Role.PLATFORM_ADMIN], order=74, landing=False, group="运维")
    nav.register("机构管理", "/admin/organisations", [Role.PLATFORM_ADMIN], order=80, group="机构与用户")
    nav.register("用户管理", "/admin/users", [Role.PLATFORM_ADMIN], order=81, group="机构与用户")
    nav.register("入驻审核", "/admin/institution-applications", [Role.PLATFORM_ADMIN], order=82, landing=False,
                 group="机构与用户")
    nav.register("机构接入", "/institution", [Role.INSTITUTION_ADMIN], order=50)
    nav.register("事件推送", webhooks_pages.PAGE, [Role.INSTITUTION_ADMIN, Role.BANK_MANAGER], order=51,
                 landing=False, group="更多")
    nav.register("借款试算", "/calculator", list(Role), order=90, landing=False, group="更多")
    nav.register("金融超市", "/supermarket", list(Role), order=89, landing=False, group="更多")
    nav.register("政策管理", "/admin/policies", [Role.PLATFORM_ADMIN], order=78, landing=False, group="运维")
    nav.register("我的异议", "/rights/objections", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF], order=14,
                 landing=False, group="信用信息")
    nav.register("信用修复", "/rights/repairs", [Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF], order=14,
                 landing=False, group="信用信息")
    nav.register("异议处理", "/rights/objections", [Role.DEPARTMENT_DATA_OFFICER], order=42, group="异议与修复")
    nav.register("修复审核", "/rights/repairs", [Role.DEPARTMENT_DATA_OFFICER], order=43, group="异议与修复")
    nav.register("异议与修复", "/rights/overview", [Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR], order=73,
                 landing=False, group="监督")
    nav.register("日终处理", "/admin/end-of-day", [Role.PLATFORM_ADMIN], order=76, landing=False, group="运维")
    nav.register("平台网络", "/admin/network", [Role.PLATFORM_ADMIN], order=77, landing=False, group="运维")
    nav.register("我的账户", "/account", list(Role), order=99, group="更多")
    nav.register("网格员工作台", outreach_pages.MY_PAGE, [Role.GRID_WORKER], order=60)
    nav.register("推广覆盖", outreach_pages.COVERAGE_PAGE, [Role.PLATFORM_ADMIN, Role.GOVERNMENT_SUPERVISOR], order=70,
                 landing=False, group="监督")
    nav.register("网格员管理", outreach_pages.ADMIN_PAGE, [Role.PLATFORM_ADMIN], order=83, landing=False,
                 group="机构与用户")


def _busy(request: Request) -> Response:
    """503 with Retry-After: the platform is at capacity, the request changed nothing."""
    headers = {"Retry-After": str(get_settings().busy_retry_after_seconds)}
    if is_api_request(request):
        return JSONResponse({"code": "busy", "message": "系统繁忙，请稍后重试", "message_en": "busy, retry later"},
                            status_code=503, headers=headers)
    response = render(request, "portal/error.html", {"title": "系统繁忙", "message": "系统繁忙，请稍后重试"},
                      status_code=503)
    response.headers.update(headers)
    return response


def _too_large(request: Request) -> Response:
    """413: the request's body is past what the platform reads; nothing was read further, nothing changed."""
    error = RequestTooLarge("请求内容过大", message_en="request body too large")
    if is_api_request(request):
        return JSONResponse(error.to_dict(), status_code=error.status_code)
    return render(request, "portal/error.html", {"title": "请求内容过大", "message": "提交的内容过大，请缩小后重试"},
                  status_code=error.status_code)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _password_change_required(request: Request, exc: PasswordChangeRequired) -> Response:
        if is_api_request(request):
            return JSONResponse(exc.to_dict(), status_code=exc.status_code)
        if request.headers.get("hx-request"):
            return Response(status_code=204)  # a fragment has nothing to show; the page itself is redirected
        return RedirectResponse(PASSWORD_CHANGE_PAGE, status_code=303)

    @app.exception_handler(DomainError)
    async def _domain_error(request: Request, exc: DomainError) -> Response:
        if is_api_request(request):
            return JSONResponse(exc.to_dict(), status_code=exc.status_code)
        response = render(request, "portal/error.html", {"message": exc.message}, status_code=exc.status_code)
        if isinstance(exc, OrganisationSuspended):
            # Told once why; the browser then drops the session, so it can reach the login page (and log out)
            # instead of meeting the same refusal on every page until the cookie expires.
            response.delete_cookie(get_settings().session_cookie_name, path="/")
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        if is_api_request(request):
            return JSONResponse(
                {"code": "invalid_request", "message": "请求参数不正确", "message_en": "invalid request",
                 "errors": errors},
                status_code=422,
            )
        fields = "、".join(e["field"] for e in errors if e["field"]) or "表单"
        return render(request, "portal/error.html", {"message": f"提交的内容不完整或格式不正确：{fields}"},
                      status_code=422)

    @app.exception_handler(PoolTimeout)
    async def _pool_exhausted(request: Request, exc: PoolTimeout) -> Response:
        # Every connection of the pool is busy: the request did nothing, and the client may try again shortly.
        return _busy(request)

    @app.exception_handler(OperationalError)
    async def _database_busy(request: Request, exc: OperationalError) -> Response:
        # SQLite's write lock held past the busy timeout is load, not bad input: answered like an exhausted pool.
        # Any other operational failure (the database is down, ...) stays a 500 and is logged as such.
        if "database is locked" not in str(exc.orig):
            raise exc
        return _busy(request)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api_request(request) or exc.status_code not in (404, 405):
            return JSONResponse({"code": "http_error", "message": str(exc.detail)}, status_code=exc.status_code)
        return render(request, "portal/error.html", {"title": "页面不存在", "message": "您访问的页面不存在"},
                      status_code=exc.status_code)


def create_app(*, session_factory: sessionmaker[Session] | None = None) -> FastAPI:
    """The web application: API under /api/v1, the portal, static assets, health and metrics."""
    settings = get_settings()
    configure_logging(settings)
    app = FastAPI(
        title="xinyidai 融资信用服务平台 API",
        version=xinyidai.__version__,
        description="Financing credit service platform for small and micro enterprises. "
        "Institutions authenticate with OAuth2 client credentials at /api/v1/oauth/token.",
        docs_url=None, redoc_url=None,  # served from installed assets below (portal.apidocs), not a CDN
    )
    app.state.session_factory = session_factory
    app.state.principal_source = identity_service.PRINCIPAL_SOURCE
    templates.env.globals.update(ORG_KIND_LABELS=ORG_KIND_LABELS, ROLE_LABELS=ROLE_LABELS)
    templates.env.filters["assessor"] = assessor_label
    templates.env.filters["reason"] = reason_label
    consent_pages.use_category_names(
        lambda session: {c.code: c.name for c in creditdata_service.list_categories(session)})
    audit_pages.use_directory(AUDIT_DIRECTORY)
    registry_service.use_registrar(
        lambda session: creditdata_service.department_organisation(session, code=creditdata_service.MARKET_SUPERVISION))
    identity_pages.use_signon(login_context=signon_relying.login_context, logout_target=signon_relying.logout_target)
    wire_events()
    _register_navigation()
    _install_error_handlers(app)
    install_metrics(app)
    app.mount("/static/vendor/htmx", StaticFiles(directory=HTMX_STATIC), name="htmx")
    app.mount(charts.PLOTLY_URL, charts.plotly_static(), name="plotly")
    install_api_docs(app)
    app.mount("/static", StaticFiles(directory=PORTAL_STATIC), name="static")
    app.include_router(ops_router)
    app.include_router(identity_router.oauth_router, responses=INVALID_REQUEST_RESPONSE)
    for router in (identity_router.router, registry_router.router, products_router.router, orders_router.router,
                   orders_router.supervision_router,
                   loans_router.router, creditdata_router.router,
                   creditdata_file_router.router, creditdata_report_router.router, scoring_portrait_router.router,
                   rights_router.router, notification_pages.api_router, onboarding_router.router,
                   sandbox_router.router, guarantee_router.router, network_router.admin, supermarket_router.router,
                   webhooks_router.router, chains_router.router,
                   monitoring_router.router, creditcheck_router.router, simulator_router.router):
        # A cookie-authenticated write to the API must echo the session's CSRF token like a page's form does
        # (bearer clients need none); one place, so no router can forget it.
        app.include_router(router, dependencies=[Depends(csrf_protect)], responses=INVALID_REQUEST_RESPONSE)
    for pages in (identity_pages.router, orders_pages.router, orders_lifecycle_pages.router, loans_pages.router,
                  guarantee_pages.router,
                  creditdata_pages.router, creditdata_report_pages.router, audit_pages.router, consent_pages.router,
                  rights_pages.router, notification_pages.router, onboarding_pages.router, sandbox_pages.router,
                  scoring_pages.router, loans_eod_pages.router, network_pages.router, signon_pages.pages,
                  supermarket_pages.router, webhooks_pages.router, chains_pages.router,
                  monitoring_pages.router, creditcheck_pages.router, api_sandbox_pages.router,
                  outreach_pages.router, simulator_pages.router, reporting_pages.router):
        app.include_router(pages)
    # Node-to-node routes: authenticated by the signature of a directory member, not by a session (so no CSRF);
    # the identity provider's token endpoint authenticates the calling node by its signed assertion likewise.
    app.include_router(network_router.router, responses=INVALID_REQUEST_RESPONSE)
    app.include_router(signon_pages.api, responses=INVALID_REQUEST_RESPONSE)
    webhooks_router.describe_events(app)

    # Before the headers' middleware, which wraps it: a request waiting for its turn holds nothing, and a busy
    # answer still carries the security headers.
    limits = get_settings()
    app.add_middleware(InFlightLimit, busy=_busy, timeout=limits.pool_timeout_seconds,
                       limit=requests_in_flight(pool_size=limits.pool_size, pool_max_overflow=limits.pool_max_overflow))

    # Outside the in-flight limit: a body refused by its declared length never waits for a slot.
    app.add_middleware(BodyLimit, too_large=_too_large,
                       max_bytes=max(limits.request_max_bytes, limits.network_batch_max_bytes),
                       max_upload_bytes=limits.import_max_file_bytes + (1 << 20))

    @app.middleware("http")
    async def _security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response

    return app
