"""Portal pages of post-loan monitoring: the institution's risk inbox (风险预警) and one alert with its handling;
the platform admin's rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyidai.auth.dependencies import PlatformAdminDep, RiskHolderDep, csrf_protect
from xinyidai.auth.principal import Principal
from xinyidai.errors import DomainError
from xinyidai.money import FEN_PER_YUAN
from xinyidai.monitoring import policy, service
from xinyidai.monitoring.enums import ACTION_LABELS, SEVERITY_LABELS, SIGNAL_LABELS, AlertStatus, HandlingAction
from xinyidai.monitoring.portfolio import NO_ALERT, Trend
from xinyidai.monitoring.router import rule_read
from xinyidai.monitoring.schemas import AlertActionCreate, RuleCreate
from xinyidai.portal import flash, i18n
from xinyidai.portal.charts import Chart, Series
from xinyidai.portal.templating import render
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
INBOX = "/monitoring/alerts"


@router.get(INBOX, response_class=HTMLResponse)
def inbox(request: Request, session: SessionDep, principal: RiskHolderDep) -> Response:
    """The risk inbox: the alerts still open, most severe first, and the latest closed ones (the read audited)."""
    still_open = service.open_alerts(session, principal=principal)
    closed = service.list_alerts(session, principal=principal, status=AlertStatus.CLOSED, limit=200)[-20:]
    reads = service.read_alerts(session, principal=principal, alerts=[*still_open, *closed],
                                ip_address=client_ip(request))
    return render(request, "monitoring/inbox.html", {
        "open_alerts": reads[:len(still_open)], "closed_alerts": reads[len(still_open):],
        "action_labels": ACTION_LABELS,
    })


# The severities' colours on the trend chart, most severe the portal's red, no open alert grey.
SEVERITY_COLOURS: dict[str, str] = {"严重": "#b3261e", "预警": "#e8710a", "关注": "#f2b705", "提示": "#1f77b4",
                                    NO_ALERT: "#9aa5b1"}


def _wan(fen: int) -> Decimal:
    return (Decimal(fen) / (FEN_PER_YUAN * 10_000)).quantize(Decimal("0.01"))


def trend_charts(trend: Trend, lang: str) -> list[Chart]:
    """The trend as two charts, in the page's language: alerts raised and closed per period, and the exposure at
    each period's end stacked by the most severe alert then open (万元)."""
    def t(text: str) -> str:
        return i18n.translate(text, lang)

    labels = [p.label for p in trend.periods]
    per = t("按月") if trend.granularity == "month" else t("按周")
    alerts = Chart(title=f"{t('新增和关闭的预警')}{t('（')}{per}{t('）')}", categories=labels, kind="bar",
                   unit=t("预警条数"),
                   series=[Series(t("新增预警"), trend.raised), Series(t("已关闭预警"), trend.closed)])
    exposure = Chart(title=f"{t('期末风险敞口（按最高预警等级）')}{t('（')}{per}{t('）')}", categories=labels,
                     kind="stacked", unit=t("万元"),
                     series=[Series(t(label), [_wan(v) for v in values], SEVERITY_COLOURS.get(label))
                             for label, values in trend.exposure_by_severity.items()])
    return [alerts, exposure]


@router.get("/monitoring/portfolio", response_class=HTMLResponse)
def portfolio_page(request: Request, session: SessionDep, principal: RiskHolderDep,
                   by: Annotated[Text, Query(max_length=10)] = "month") -> Response:
    """The portfolio risk view: watched firms and exposure by the most severe open alert, industry and town/street,
    the trend by month or week (charts), and the alerts still open (the read audited as the inbox's)."""
    granularity: service.Granularity = "week" if by == "week" else "month"
    view = service.portfolio(session, principal=principal)
    trend = service.trend(session, principal=principal, granularity=granularity)
    still_open = service.open_alerts(session, principal=principal)
    reads = service.read_alerts(session, principal=principal, alerts=still_open, ip_address=client_ip(request))
    return render(request, "monitoring/portfolio.html", {
        "view": view, "trend": trend, "charts": trend_charts(trend, i18n.language_of(request)),
        "open_alerts": [r for r in reads if r.signal != "watch_stopped"], "granularity": granularity,
        "no_alert": NO_ALERT,
    })


def _alert_page(request: Request, session: SessionDep, principal: Principal, alert_id: int, *,
                errors: list[str] | None = None, status_code: int = 200) -> Response:
    alert = service.get_alert(session, principal=principal, alert_id=alert_id)
    [read] = service.read_alerts(session, principal=principal, alerts=[alert], ip_address=client_ip(request))
    return render(request, "monitoring/alert.html", {
        "alert": read, "actions": ACTION_LABELS, "errors": errors or [],
        "may_freeze": read.credit_line_id is not None and principal.organisation_kind == "bank",
    }, status_code=status_code)


@router.get(INBOX + "/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, session: SessionDep, principal: RiskHolderDep, alert_id: IdPath) -> Response:
    """One alert: what changed (the category and the change), under which rule version, and its handling."""
    return _alert_page(request, session, principal, alert_id)


@router.post(INBOX + "/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(request: Request, session: SessionDep, principal: RiskHolderDep, alert_id: IdPath) -> Response:
    """Acknowledge the alert."""
    try:
        service.acknowledge(session, principal=principal, alert_id=alert_id)
    except DomainError as exc:
        return _alert_page(request, session, principal, alert_id, errors=[exc.message], status_code=exc.status_code)
    return flash.redirect(f"{INBOX}/{alert_id}", "已确认预警")


@router.post(INBOX + "/{alert_id}/actions", response_class=HTMLResponse)
def record_action(request: Request, session: SessionDep, principal: RiskHolderDep, alert_id: IdPath,
                  action: Annotated[str, Form(max_length=20)] = "",
                  note: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Record what was done (freezing the line through the loan service)."""
    try:
        action_in = AlertActionCreate(action=HandlingAction(action), note=note or None)
        service.record_action(session, principal=principal, alert_id=alert_id, action_in=action_in)
    except (ValueError, ValidationError):
        return _alert_page(request, session, principal, alert_id, status_code=422,
                           errors=["请选择处置措施；备注不超过500字且不含控制字符"])
    except DomainError as exc:
        return _alert_page(request, session, principal, alert_id, errors=[exc.message], status_code=exc.status_code)
    return flash.redirect(f"{INBOX}/{alert_id}", f"已记录处置措施：{ACTION_LABELS[HandlingAction(action)]}")


@router.post(INBOX + "/{alert_id}/close", response_class=HTMLResponse)
def close(request: Request, session: SessionDep, principal: RiskHolderDep, alert_id: IdPath) -> Response:
    """Close the alert once an action is recorded."""
    try:
        service.close(session, principal=principal, alert_id=alert_id)
    except DomainError as exc:
        return _alert_page(request, session, principal, alert_id, errors=[exc.message], status_code=exc.status_code)
    return flash.redirect(INBOX, f"预警第{alert_id}号已关闭")


def _rules_page(request: Request, session: SessionDep, *, errors: list[str] | None = None,
                status_code: int = 200) -> Response:
    return render(request, "monitoring/rules.html", {
        "rules": [rule_read(r) for r in service.current_rules(session)], "errors": errors or [],
        "signals": {s.value: SIGNAL_LABELS[s] for s in policy.RULE_SIGNALS}, "severities": SEVERITY_LABELS,
        "thresholds": {s.value: meaning for s, meaning in policy.THRESHOLD_MEANING.items()},
    }, status_code=status_code)


@router.get("/admin/monitoring/rules", response_class=HTMLResponse)
def rules_page(request: Request, session: SessionDep, principal: PlatformAdminDep) -> Response:
    """The rules in force, and a form for a new version of one."""
    return _rules_page(request, session)


@router.post("/admin/monitoring/rules", response_class=HTMLResponse)
def set_rule(request: Request, session: SessionDep, principal: PlatformAdminDep,
             signal: Annotated[str, Form(max_length=40)] = "", severity: Annotated[str, Form(max_length=12)] = "",
             recipient_kinds: Annotated[list[str] | None, Form(max_length=5)] = None,
             threshold: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Store a new version of a rule; refused input is shown with its reasons and nothing is stored."""
    errors: list[str] = []
    value: int | None = None
    if threshold.strip():
        try:
            value = int(threshold.strip())
        except ValueError:
            errors.append("阈值须为整数")
    if not errors:
        try:
            service.set_rule(session, principal=principal, rule_in=RuleCreate(
                signal=signal, severity=severity, recipient_kinds=recipient_kinds or [], threshold=value))
        except ValidationError:
            errors.append("提交的规则格式不正确")
        except DomainError as exc:
            errors.append(exc.message)
    if errors:
        return _rules_page(request, session, errors=errors, status_code=422)
    return flash.redirect("/admin/monitoring/rules", f"已保存规则新版本：{SIGNAL_LABELS.get(signal, signal)}")
