"""REST API of post-loan monitoring: an institution's alerts since a cursor and their handling; the platform
admin's rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from xinyidai.auth.dependencies import PlatformAdminDep, RiskHolderDep
from xinyidai.auth.principal import Principal
from xinyidai.db import MAX_ID
from xinyidai.monitoring import service
from xinyidai.monitoring.enums import SEVERITY_LABELS, SIGNAL_LABELS
from xinyidai.monitoring.models import MonitoringRule
from xinyidai.monitoring.schemas import AlertActionCreate, AlertPage, AlertRead, RuleCreate, RuleRead
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(prefix="/api/v1/monitoring", tags=["monitoring"])



def rule_read(rule: MonitoringRule) -> RuleRead:
    """A rule version as the API shows it."""
    return RuleRead(id=rule.id, signal=rule.signal, signal_label=SIGNAL_LABELS.get(rule.signal, rule.signal),
                    version=rule.version, threshold=rule.threshold, severity=rule.severity,
                    severity_label=SEVERITY_LABELS.get(rule.severity, rule.severity),
                    recipient_kinds=[str(k) for k in rule.recipient_kinds], enabled=rule.enabled,
                    created_at=rule.created_at)


@router.get("/alerts", response_model=AlertPage)
def list_alerts(request: Request, session: SessionDep, principal: RiskHolderDep,
                after: Annotated[int, Query(ge=0, le=MAX_ID, description="游标：上次返回的 next_cursor")] = 0,
                limit: Annotated[int, Query(ge=1, le=200)] = 100) -> AlertPage:
    """The caller's institution's alerts with an id past `after`, oldest first, and the cursor for the next call;
    the read is audited on each firm's access log."""
    alerts = service.list_alerts(session, principal=principal, after=after, limit=limit)
    items = service.read_alerts(session, principal=principal, alerts=alerts, ip_address=client_ip(request))
    return AlertPage(items=items, next_cursor=items[-1].id if items else after)


def _one(request: Request, session: SessionDep, principal: Principal, alert_id: int) -> AlertRead:
    alert = service.get_alert(session, principal=principal, alert_id=alert_id)
    return service.read_alerts(session, principal=principal, alerts=[alert], ip_address=client_ip(request))[0]


@router.get("/alerts/{alert_id}", response_model=AlertRead)
def get_alert(request: Request, session: SessionDep, principal: RiskHolderDep, alert_id: IdPath) -> AlertRead:
    """One alert of the caller's institution (the read audited)."""
    return _one(request, session, principal, alert_id)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge(request: Request, session: SessionDep, principal: RiskHolderDep, alert_id: IdPath) -> AlertRead:
    """Acknowledge an alert (确认)."""
    service.acknowledge(session, principal=principal, alert_id=alert_id)
    return _one(request, session, principal, alert_id)


@router.post("/alerts/{alert_id}/actions", response_model=AlertRead)
def record_action(request: Request, session: SessionDep, principal: RiskHolderDep, alert_id: IdPath,
                  action_in: AlertActionCreate) -> AlertRead:
    """Record what was done about an alert; `froze_line` freezes the bank's line through the loan service."""
    service.record_action(session, principal=principal, alert_id=alert_id, action_in=action_in)
    return _one(request, session, principal, alert_id)


@router.post("/alerts/{alert_id}/close", response_model=AlertRead)
def close(request: Request, session: SessionDep, principal: RiskHolderDep, alert_id: IdPath) -> AlertRead:
    """Close an alert whose action is recorded."""
    service.close(session, principal=principal, alert_id=alert_id)
    return _one(request, session, principal, alert_id)


@router.get("/rules", response_model=list[RuleRead])
def list_rules(session: SessionDep, principal: PlatformAdminDep) -> list[RuleRead]:
    """The rule in force of each signal."""
    return [rule_read(r) for r in service.current_rules(session)]


@router.post("/rules", response_model=RuleRead, status_code=201)
def set_rule(session: SessionDep, principal: PlatformAdminDep, rule_in: RuleCreate) -> RuleRead:
    """Store a new version of a signal's rule (audited); bad input is refused with the reasons, nothing stored."""
    return rule_read(service.set_rule(session, principal=principal, rule_in=rule_in))
