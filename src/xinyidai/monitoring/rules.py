"""Rules as data: the platform admin writes a signal's threshold, severity and recipients; each change is a new
version, audited; the newest version of each signal is in force."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.monitoring import policy
from xinyidai.monitoring.exceptions import InvalidRule
from xinyidai.monitoring.models import MonitoringRule
from xinyidai.monitoring.schemas import RuleCreate


def current_rules(session: Session) -> Sequence[MonitoringRule]:
    """The version in force of each signal's rule (the newest), by signal."""
    newest = select(MonitoringRule.signal, func.max(MonitoringRule.version).label("version")).group_by(
        MonitoringRule.signal).subquery()
    rule = aliased(MonitoringRule)
    return session.scalars(select(rule).join(newest, (newest.c.signal == rule.signal)
                                             & (newest.c.version == rule.version)).order_by(rule.signal)).all()


def history(session: Session, *, signal: str) -> Sequence[MonitoringRule]:
    """Every version of one signal's rule, newest first."""
    return session.scalars(select(MonitoringRule).where(MonitoringRule.signal == signal)
                           .order_by(MonitoringRule.version.desc())).all()


def get_rule(session: Session, *, rule_id: int) -> MonitoringRule | None:
    """One rule version by id."""
    return session.get(MonitoringRule, rule_id)


def set_rule(session: Session, *, principal: Principal, rule_in: RuleCreate) -> MonitoringRule:
    """Store a new version of a signal's rule; an unknown signal, a negative threshold or no recipients is refused
    with the reasons in Chinese, and nothing is stored."""
    candidate = policy.RuleInput(signal=rule_in.signal, severity=rule_in.severity,
                                 recipient_kinds=tuple(dict.fromkeys(rule_in.recipient_kinds)),
                                 threshold=rule_in.threshold, enabled=rule_in.enabled)
    if problems := policy.rule_problems(candidate):
        raise InvalidRule("；".join(problems), message_en="invalid monitoring rule: " + "; ".join(problems))
    version = int(session.scalar(select(func.coalesce(func.max(MonitoringRule.version), 0)).where(
        MonitoringRule.signal == candidate.signal)) or 0) + 1
    rule = MonitoringRule(signal=candidate.signal, version=version, threshold=candidate.threshold,
                          severity=candidate.severity, recipient_kinds=list(candidate.recipient_kinds),
                          enabled=candidate.enabled, created_at=clock.now(), created_by_user_id=principal.user_id)
    session.add(rule)
    session.flush()
    audit_service.record(session, action="monitoring.rule_changed", actor=principal, subject_type="monitoring_rule",
                         subject_id=rule.id, detail={"signal": rule.signal, "version": rule.version,
                                                     "threshold": rule.threshold, "severity": rule.severity,
                                                     "recipient_kinds": rule.recipient_kinds,
                                                     "enabled": rule.enabled})
    return rule
