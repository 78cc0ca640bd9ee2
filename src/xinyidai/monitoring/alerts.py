"""The risk inbox: an institution reads its alerts (each read audited on the firm's access log), acknowledges them,
records what it did (freezing the line through the loan service) and closes them; alerts left unacknowledged past
their severity's deadline go to the institution's manager."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.errors import NotFound
from xinyidai.identity import service as identity_service
from xinyidai.loans import service as loans_service
from xinyidai.loans.enums import LineStatus
from xinyidai.monitoring import policy
from xinyidai.monitoring.enums import (
    ACTION_LABELS,
    SEVERITY_LABELS,
    SIGNAL_LABELS,
    STATUS_LABELS,
    AlertStatus,
    HandlingAction,
    Signal,
)
from xinyidai.monitoring.exceptions import AlertHandlingRefused, AlertNotFound
from xinyidai.monitoring.models import Alert
from xinyidai.monitoring.schemas import AlertActionCreate, AlertRead
from xinyidai.registry import service as registry_service

MAX_PAGE = 200
WITHHELD = "贷后管理授权已终止，变化内容不再显示"


def _scoped(principal: Principal) -> Select[Alert]:
    return select(Alert).where(Alert.organisation_id == principal.organisation_id)


def list_alerts(session: Session, *, principal: Principal, after: int = 0, limit: int = 100,
                status: AlertStatus | None = None) -> Sequence[Alert]:
    """The caller's institution's alerts with an id past `after` (the cursor), oldest first."""
    query = _scoped(principal).where(Alert.id > after)
    if status is not None:
        query = query.where(Alert.status == status)
    return session.scalars(query.order_by(Alert.id).limit(max(1, min(limit, MAX_PAGE)))).all()


def open_alerts(session: Session, *, principal: Principal, limit: int = 100) -> Sequence[Alert]:
    """The caller's institution's alerts not yet closed, most severe and oldest first."""
    rank = {s: i for i, s in enumerate(reversed(list(SEVERITY_LABELS)))}
    alerts = session.scalars(_scoped(principal).where(Alert.status != AlertStatus.CLOSED)
                             .order_by(Alert.id).limit(MAX_PAGE)).all()
    return sorted(alerts, key=lambda a: (rank.get(a.severity, 9), a.id))[:limit]


def get_alert(session: Session, *, principal: Principal, alert_id: int, lock: bool = False) -> Alert:
    """One alert of the caller's institution (404 for another's: it may not know it exists)."""
    query = _scoped(principal).where(Alert.id == alert_id)
    if lock:
        query = query.with_for_update()
    alert: Alert | None = session.scalars(query).one_or_none()
    if alert is None:
        raise AlertNotFound("未找到该预警", message_en="alert not found")
    return alert


def read_alerts(session: Session, *, principal: Principal, alerts: Sequence[Alert],
                ip_address: str | None = None) -> list[AlertRead]:
    """The alerts as the institution may see them, and the read audited once per firm, under the post-loan
    authorisation it was made under, so that it shows on the firm's access log (谁查看了我的信息). An alert whose
    authorisation is no longer active keeps its kind but withholds the change."""
    live = consent_service.live_authorisation_ids(
        session, authorisation_ids=[a.authorisation_id for a in alerts if a.authorisation_id is not None])
    categories = {c.code: c.name for c in creditdata_service.list_categories(session)}
    names: dict[int, str] = {}
    reads = []
    shown: dict[int, list[Alert]] = {}
    for alert in alerts:
        if alert.enterprise_id not in names:
            try:
                names[alert.enterprise_id] = registry_service.get(session, enterprise_id=alert.enterprise_id).name
            except NotFound:
                names[alert.enterprise_id] = ""
        visible = alert.signal == Signal.WATCH_STOPPED or alert.authorisation_id in live
        if visible and alert.signal != Signal.WATCH_STOPPED:
            shown.setdefault(alert.enterprise_id, []).append(alert)
        facts = {"fact_date": alert.fact_date, "previous_grade": (alert.detail or "→").split("→")[0],
                 "grade": (alert.detail or "→").split("→")[-1]}
        reads.append(AlertRead(
            id=alert.id, enterprise_id=alert.enterprise_id, enterprise_name=names[alert.enterprise_id],
            signal=alert.signal, signal_label=SIGNAL_LABELS.get(alert.signal, alert.signal),
            severity=alert.severity, severity_label=SEVERITY_LABELS.get(alert.severity, alert.severity),
            rule_version=alert.rule_version, category_code=alert.category_code,
            category_name=categories.get(alert.category_code or "") if visible else None,
            change=policy.change_text(alert.signal, facts) if visible else WITHHELD,
            fact_date=alert.fact_date if visible else None, record_id=alert.record_id if visible else None,
            authorisation_id=alert.authorisation_id, credit_line_id=alert.credit_line_id, raised_at=alert.raised_at,
            due_at=alert.due_at, status=alert.status, status_label=STATUS_LABELS.get(alert.status, alert.status),
            action=alert.action, action_note=alert.action_note, escalated=alert.escalated_at is not None))
    for enterprise_id, read in shown.items():
        first = read[0]
        reference = loans_service.line_reference(first.credit_line_id) if first.credit_line_id else ""
        audit_service.record(
            session, action="monitoring.alert_read", actor=principal, subject_type="monitoring_alert",
            subject_id=first.id, enterprise_id=enterprise_id, ip_address=ip_address,
            purpose=f"{consent_service.Purpose.POST_LOAN_MANAGEMENT}:{reference}",
            detail={"alert_ids": [a.id for a in read], "authorisation_ids": sorted(
                {a.authorisation_id for a in read if a.authorisation_id is not None}),
                "signals": sorted({a.signal for a in read})})
    return reads


def _audit(session: Session, principal: Principal, alert: Alert, audit_action: str, **detail: object) -> None:
    audit_service.record(session, action=audit_action, actor=principal, subject_type="monitoring_alert",
                         subject_id=alert.id, enterprise_id=alert.enterprise_id,
                         detail={"signal": alert.signal, **detail})


def acknowledge(session: Session, *, principal: Principal, alert_id: int) -> Alert:
    """The institution has seen the alert (确认); acknowledging twice changes nothing."""
    alert = get_alert(session, principal=principal, alert_id=alert_id, lock=True)
    if alert.status == AlertStatus.CLOSED:
        raise AlertHandlingRefused("该预警已关闭", message_en="the alert is closed")
    if alert.status == AlertStatus.OPEN:
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_at = clock.now()
        alert.acknowledged_by_user_id = principal.user_id
        _audit(session, principal, alert, "monitoring.alert_acknowledged")
        session.flush()
    return alert


def record_action(session: Session, *, principal: Principal, alert_id: int, action_in: AlertActionCreate) -> Alert:
    """Record what the institution did (acknowledging the alert if it was not); freezing the line goes through
    the loan service (the bank's own line only) and is audited there too."""
    alert = acknowledge(session, principal=principal, alert_id=alert_id)
    if action_in.action is HandlingAction.FROZE_LINE:
        if alert.credit_line_id is None:
            raise AlertHandlingRefused("该预警没有关联的授信额度，无法冻结", message_en="no line to freeze")
        line = loans_service.get_line(session, principal=principal, line_id=alert.credit_line_id)
        if line.bank_organisation_id != principal.organisation_id:
            raise AlertHandlingRefused("只有放款银行可以冻结授信额度", message_en="only the lending bank may freeze")
        if line.status != LineStatus.FROZEN:
            loans_service.set_line_status(
                session, principal=principal, line_id=line.id, status=LineStatus.FROZEN,
                reason=f"风险预警第{alert.id}号：{SIGNAL_LABELS.get(alert.signal, alert.signal)}")
    alert.action = action_in.action
    alert.action_note = action_in.note.strip() if action_in.note else None
    alert.action_at = clock.now()
    _audit(session, principal, alert, "monitoring.alert_action", action=action_in.action.value,
           action_label=ACTION_LABELS[action_in.action], note=alert.action_note,
           credit_line_id=alert.credit_line_id)
    session.flush()
    return alert


def close(session: Session, *, principal: Principal, alert_id: int) -> Alert:
    """Close an alert once what was done about it is recorded."""
    alert = get_alert(session, principal=principal, alert_id=alert_id, lock=True)
    if alert.status == AlertStatus.CLOSED:
        return alert
    if alert.action is None and alert.signal != Signal.WATCH_STOPPED:
        raise AlertHandlingRefused("请先记录处置措施再关闭预警", message_en="record an action before closing")
    alert.status = AlertStatus.CLOSED
    alert.closed_at = clock.now()
    alert.closed_by_user_id = principal.user_id
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by_user_id = alert.closed_at, principal.user_id
    _audit(session, principal, alert, "monitoring.alert_closed")
    session.flush()
    return alert


def escalate_overdue(session: Session) -> int:
    """Alerts still unacknowledged past their severity's deadline go to the institution's manager (银行信贷主管; a
    guarantee company, which has no such role, to the organisation's inbox) as a 站内消息; each once."""
    now = clock.now()
    overdue = session.scalars(select(Alert).where(Alert.status == AlertStatus.OPEN, Alert.due_at < now,
                                                  Alert.escalated_at.is_(None)).order_by(Alert.id)
                              .with_for_update(skip_locked=True)).all()
    for alert in overdue:
        organisation = identity_service.get_organisation(session, organisation_id=alert.organisation_id)
        managers = (identity_service.user_ids_with_role(session, role=Role.BANK_MANAGER,
                                                        organisation_id=organisation.id)
                    if organisation.kind == OrgKind.BANK else [])
        subject = f"风险预警逾期未确认：{SIGNAL_LABELS.get(alert.signal, alert.signal)}"
        body = (f"预警第{alert.id}号（{SEVERITY_LABELS.get(alert.severity, alert.severity)}）已超过确认时限，"
                "请督促处理。")
        link = f"/monitoring/alerts/{alert.id}"
        if managers:
            for user_id in managers:
                identity_service.notify(session, user_id=user_id, subject=subject, body=body, link=link)
        else:
            identity_service.notify(session, organisation_id=organisation.id, subject=subject, body=body, link=link)
        alert.escalated_at = now
        audit_service.record(session, action="monitoring.alert_escalated",
                             actor=audit_service.Actor.system("monitoring.escalate",
                                                              organisation_id=alert.organisation_id),
                             subject_type="monitoring_alert", subject_id=alert.id, enterprise_id=alert.enterprise_id,
                             detail={"severity": alert.severity, "managers": managers})
    session.flush()
    return len(overdue)
