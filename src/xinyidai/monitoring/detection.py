"""Detection (监测): new credit records since the cursor, and grade changes of new scoring runs, joined to the
watch list, each rule in force one INSERT … SELECT. The unique (institution, signal, source) key makes a record
raise its alert once, whichever runs see it; a delivery's own run reads its batch whatever the cursor says, so a
batch that commits late still raises its alerts when it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from xinyidai import clock, events
from xinyidai.creditdata import service as creditdata_service
from xinyidai.db import UtcDateTime
from xinyidai.identity import service as identity_service
from xinyidai.monitoring import policy, rules, watch
from xinyidai.monitoring.enums import AlertStatus, Signal
from xinyidai.monitoring.events import AlertRaised
from xinyidai.monitoring.models import Alert, DetectionCursor, DetectionRun, MonitoringRule
from xinyidai.scoring import service as scoring_service

ALERT_COLUMNS = ["organisation_id", "enterprise_id", "signal", "source_key", "rule_id", "rule_version", "severity",
                 "record_id", "category_code", "item_code", "fact_date", "detail", "authorisation_id",
                 "credit_line_id", "detection_run_id", "raised_at", "due_at", "status"]


@dataclass(frozen=True)
class RunResult:
    """What one detection run did."""

    run_id: int
    records_after: int
    records_through: int
    watched_pairs: int
    alerts_raised: int
    watches_stopped: int


def _insert(session: Session) -> Any:
    """The dialect's INSERT that skips a row whose unique key exists (two runs racing raise an alert once)."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _record_filter(rule: MonitoringRule, record: Any, watcher: Any, names: Any) -> ColumnElement[bool] | None:
    """Which new records fire `rule` for a watcher (None: the rule reads no records)."""
    signal = Signal(rule.signal)
    if signal in policy.CORRECTION_SIGNALS:
        corrected: ColumnElement[bool] = record.c.reference.is_not(None)
        return corrected
    items = policy.SIGNAL_ITEMS.get(signal)
    if items is None:
        return None
    condition: ColumnElement[bool] = and_(record.c.item_code.in_(items), record.c.reference.is_(None))
    if signal is Signal.ADMIN_PENALTY:
        condition = and_(condition, func.coalesce(record.c.data["severity"].as_string(), "")
                         != policy.SERIOUS_PENALTY)
    elif signal is Signal.ADMIN_PENALTY_SERIOUS:
        condition = and_(condition, record.c.data["severity"].as_string() == policy.SERIOUS_PENALTY)
    elif signal is Signal.UTILITY_ARREARS:
        condition = and_(condition, record.c.data["amount_overdue"].as_integer() >= (rule.threshold or 0),
                         record.c.data["amount_overdue"].as_integer() > 0)
    elif signal is Signal.OTHER_INSTITUTION_DEFAULT:
        # A default at the watcher itself is its own business, not news from elsewhere on the platform.
        condition = and_(condition, ~exists().where(names.c.organisation_id == watcher.c.organisation_id,
                                                    names.c.name == record.c.data["lender"].as_string()))
    return condition


def _covered(watcher: Any, category: ColumnElement[str]) -> ColumnElement[bool]:
    """The watcher's post-loan grant covers the category (its categories are a JSON list of codes)."""
    return cast(watcher.c.categories, String).like(literal('%"', String) + category + literal('"%', String))


def _record_alerts(rule: MonitoringRule, *, watcher: Any, record: Any, names: Any, run_id: int,
                   now: datetime) -> Select[Any] | None:
    condition = _record_filter(rule, record, watcher, names)
    if condition is None:
        return None
    return select(
        watcher.c.organisation_id, record.c.enterprise_id, literal(rule.signal),
        literal("r", String) + cast(record.c.record_id, String(20)), literal(rule.id), literal(rule.version),
        literal(rule.severity), record.c.record_id, record.c.category_code, record.c.item_code, record.c.fact_date,
        null(), func.min(watcher.c.authorisation_id), func.min(watcher.c.line_id), literal(run_id),
        literal(now, UtcDateTime()), literal(policy.deadline(rule.severity, now), UtcDateTime()),
        literal(AlertStatus.OPEN.value),
    ).join(watcher, watcher.c.enterprise_id == record.c.enterprise_id).where(
        condition, watcher.c.kind.in_(list(rule.recipient_kinds)), _covered(watcher, record.c.category_code),
    ).group_by(watcher.c.organisation_id, record.c.enterprise_id, record.c.record_id, record.c.category_code,
               record.c.item_code, record.c.fact_date)


def _grade_alerts(rule: MonitoringRule, *, watcher: Any, run_id: int, previous_run_id: int, detection_run_id: int,
                  now: datetime) -> Select[Any]:
    change = scoring_service.grade_changes_query(run_id=run_id, previous_run_id=previous_run_id).subquery("change")

    def rank(grade: Any) -> Any:
        return case(*((grade == g, literal(i)) for i, g in enumerate(policy.GRADE_ORDER)), else_=literal(-1))

    drop = rank(change.c.grade) - rank(change.c.previous_grade)
    return select(
        watcher.c.organisation_id, change.c.enterprise_id, literal(rule.signal),
        literal(f"g{run_id}:", String) + cast(change.c.enterprise_id, String(20)), literal(rule.id),
        literal(rule.version), literal(rule.severity), null(), null(), null(), null(),
        change.c.previous_grade + literal("→", String) + change.c.grade,
        func.min(watcher.c.authorisation_id), func.min(watcher.c.line_id), literal(detection_run_id),
        literal(now, UtcDateTime()), literal(policy.deadline(rule.severity, now), UtcDateTime()),
        literal(AlertStatus.OPEN.value),
    ).join(watcher, watcher.c.enterprise_id == change.c.enterprise_id).where(
        rank(change.c.previous_grade) >= 0, rank(change.c.grade) >= 0, drop >= max(1, rule.threshold or 1),
        watcher.c.kind.in_(list(rule.recipient_kinds)),
    ).group_by(watcher.c.organisation_id, change.c.enterprise_id, change.c.previous_grade, change.c.grade)


def _skip_existing(session: Session, query: Select[Any]) -> Insert:
    statement = _insert(session)(Alert).from_select(ALERT_COLUMNS, query)
    skipping: Insert = statement.on_conflict_do_nothing(index_elements=["organisation_id", "signal", "source_key"])
    return skipping


def _cursor(session: Session) -> DetectionCursor:
    cursor = session.scalars(select(DetectionCursor).where(DetectionCursor.id == 1).with_for_update()).one_or_none()
    if cursor is None:
        cursor = DetectionCursor(id=1, last_record_id=0, last_scoring_run_id=0)
        session.add(cursor)
        session.flush()
    return cursor


def detect(session: Session, *, trigger: str, batch_id: int | None = None) -> RunResult:
    """One detection run: the watch periods brought up to date (stops told), then every rule in force over the
    records past the cursor (and the batch `batch_id`, whatever the cursor) and the scoring runs past it; each
    alert published as `monitoring.alert_raised`. The cursor row's lock makes concurrent runs take turns."""
    now, today = clock.now(), clock.today()
    cursor = _cursor(session)
    run = DetectionRun(trigger=trigger[:40], started_at=now, records_after=cursor.last_record_id,
                       records_through=creditdata_service.latest_record_id(session),
                       scoring_run_through=cursor.last_scoring_run_id, watched_pairs=0, alerts_raised=0,
                       watches_stopped=0)
    session.add(run)
    session.flush()
    run.watched_pairs, run.watches_stopped = watch.refresh_periods(session, now=now, today=today, run_id=run.id)
    # Computed once per statement and hash-joined (on PostgreSQL a CTE used once would be inlined into each rule's
    # join, and the planner re-evaluates the watch list per candidate record).
    watcher = watch.watch_query(now=now, today=today).cte("watcher").prefix_with("MATERIALIZED",
                                                                                 dialect="postgresql")
    records = creditdata_service.records_query().subquery("candidate")
    window = and_(records.c.record_id > run.records_after, records.c.record_id <= run.records_through)
    if batch_id is not None:
        window = or_(window, records.c.batch_id == batch_id)
    fresh = select(records).where(window).subquery("record")
    names = identity_service.organisation_names_query().subquery("organisation_name")
    in_force = [rule for rule in rules.current_rules(session) if rule.enabled and rule.recipient_kinds]
    for rule in in_force:
        query = _record_alerts(rule, watcher=watcher, record=fresh, names=names, run_id=run.id, now=now)
        if query is not None:
            session.execute(_skip_existing(session, query))
    grade_rules = [rule for rule in in_force if Signal(rule.signal) in policy.SCORE_SIGNALS]
    for scoring_run_id, previous_run_id in scoring_service.completed_runs_after(
            session, after_run_id=cursor.last_scoring_run_id):
        if previous_run_id is not None:
            for rule in grade_rules:
                session.execute(_skip_existing(session, _grade_alerts(
                    rule, watcher=watcher, run_id=scoring_run_id, previous_run_id=previous_run_id,
                    detection_run_id=run.id, now=now)))
        run.scoring_run_through = scoring_run_id
    cursor.last_record_id = max(cursor.last_record_id, run.records_through)
    cursor.last_scoring_run_id = run.scoring_run_through
    raised = session.execute(select(Alert.id, Alert.organisation_id, Alert.enterprise_id, Alert.severity,
                                    Alert.signal, Alert.rule_version).where(Alert.detection_run_id == run.id)
                             .order_by(Alert.id)).all()
    events.publish_many(session=session, events=[AlertRaised(
        alert_id=alert_id, organisation_id=organisation_id, enterprise_id=enterprise_id, severity=severity,
        signal=signal, rule_version=rule_version)
        for alert_id, organisation_id, enterprise_id, severity, signal, rule_version in raised])
    run.alerts_raised = len(raised)
    run.finished_at = clock.now()
    session.flush()
    return RunResult(run_id=run.id, records_after=run.records_after, records_through=run.records_through,
                     watched_pairs=run.watched_pairs, alerts_raised=run.alerts_raised,
                     watches_stopped=run.watches_stopped)
