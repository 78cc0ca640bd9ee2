"""Detection (监测): new credit records since the cursor, new marks (repairs), and grade changes of new scoring runs,
joined to the watch list; a handful of set-based INSERT … SELECT statements per run, whatever the number of records
or rules:

- the watch list is written once into a temporary table (`watch.materialise`) that every statement reads;
- every record-borne rule at once: the fresh records joined to the rules in force (a VALUES list of sub-category,
  recipient kind and rule) and to the watch list, each signal's own condition in one WHERE;
- corrected records, each trend rule (a month's VAT paid against the same month last year, the insured headcount
  against the month before), repaired facts and each scoring run's grade drops: one statement each;
- the run's alerts published in one statement (`events.publish_select`).

The unique (institution, signal, source) key makes a record raise its alert once, whichever runs see it; a
delivery's own run reads its batch whatever the cursor says, so a batch that commits late still raises its alerts
when it arrives; a trend compares the months on both sides of a record that arrives, so a late month is compared
with the month before it and with the month after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    Date,
    Insert,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    union,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from xinyidai import clock, events
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import MarkKind
from xinyidai.db import UtcDateTime
from xinyidai.identity import service as identity_service
from xinyidai.monitoring import policy, rules, watch
from xinyidai.monitoring.enums import AlertStatus, Signal
from xinyidai.monitoring.events import AlertRaised
from xinyidai.monitoring.models import Alert, DetectionCursor, DetectionRun, MonitoringRule, WatchPeriod
from xinyidai.scoring import service as scoring_service

ALERT_COLUMNS = ["organisation_id", "enterprise_id", "signal", "source_key", "rule_id", "rule_version", "severity",
                 "record_id", "category_code", "item_code", "fact_date", "detail", "authorisation_id",
                 "credit_line_id", "detection_run_id", "raised_at", "due_at", "status"]
# The record-borne signals whose rule reads more than the sub-category (their condition in `_condition`).
_CONDITIONED = (Signal.ADMIN_PENALTY, Signal.ADMIN_PENALTY_SERIOUS, Signal.UTILITY_ARREARS,
                Signal.OTHER_INSTITUTION_DEFAULT)


WORK_MEM = "64MB"  # per sort or hash of one detection run's statements, on PostgreSQL

# The fresh records only some statements read (corrections, the trends' sub-categories), copied in one scan of the
# run's window so that those statements do not each scan a day's million records again.
FRESH = Table(
    "monitoring_fresh", MetaData(),
    Column("record_id", BigInteger, nullable=False),
    Column("enterprise_id", BigInteger, nullable=False),
    Column("item_code", String(40), nullable=False),
    Column("category_code", String(8), nullable=False),
    Column("fact_date", Date),
    Column("data", JSON().with_variant(JSONB(), "postgresql")),
    Column("reference", String(60)),
    Column("record_key", String(200)),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class RunResult:
    """What one detection run did."""

    run_id: int
    records_after: int
    records_through: int
    watched_pairs: int
    alerts_raised: int
    watches_stopped: int


@dataclass(frozen=True)
class _Run:
    """What every statement of one run shares."""

    id: int
    now: datetime
    watcher: Table


def _insert(session: Session) -> Any:
    """The dialect's INSERT that skips a row whose unique key exists (two runs racing raise an alert once)."""
    return postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _skip_existing(session: Session, query: Select[Any]) -> Insert:
    statement = _insert(session)(Alert).from_select(ALERT_COLUMNS, query)
    skipping: Insert = statement.on_conflict_do_nothing(index_elements=["organisation_id", "signal", "source_key"])
    return skipping


def _covered(watcher: Table, category: ColumnElement[str]) -> ColumnElement[bool]:
    """The watcher's post-loan grant covers the category (its categories are a JSON list of codes, as text)."""
    return watcher.c.categories.like(literal('%"', String) + category + literal('"%', String))


def _month_index(text: ColumnElement[Any]) -> ColumnElement[int]:
    """A "YYYY-MM" month as a number of months (year × 12 + month − 1), so months compare and subtract."""
    return (cast(func.substr(text, 1, 4), Integer) * 12 + cast(func.substr(text, 6, 2), Integer) - 1)


def _rules_in_force(session: Session) -> list[MonitoringRule]:
    return [rule for rule in rules.current_rules(session) if rule.enabled and rule.recipient_kinds]


def _rule_table(record_rules: list[MonitoringRule], now: datetime) -> Any:
    """The record-borne rules as rows (item_code, kind, rule_id, signal, version, severity, threshold, due_at): one
    per sub-category the rule reads and institution kind it reaches."""
    rows = [(item, kind, rule.id, rule.signal, rule.version, rule.severity, rule.threshold or 0,
             policy.deadline(rule.severity, now))
            for rule in record_rules for item in policy.SIGNAL_ITEMS[Signal(rule.signal)]
            for kind in dict.fromkeys(rule.recipient_kinds)]
    types: tuple[TypeEngine[Any], ...] = (String(40), String(20), BigInteger(), String(40), Integer(), String(12),
                                          BigInteger(), UtcDateTime())
    names = ("item_code", "kind", "rule_id", "signal", "version", "severity", "threshold", "due_at")
    # A UNION ALL of one-row SELECTs (SQLite has no VALUES list with column names), each text and number cast to
    # its type so that PostgreSQL knows the branches' types; a time is bound as one already (and SQLite would cast
    # its text to a number).
    return union_all(*(select(*((literal(value, kind) if isinstance(kind, UtcDateTime)
                                 else cast(literal(value, kind), kind)).label(name)
                                for value, kind, name in zip(row, types, names, strict=True)))
                       for row in rows)).subquery("rule_item")


def _condition(rule: Any, record: Any, watcher: Table, names: Any) -> ColumnElement[bool]:
    """Each signal's own test of a record beyond its sub-category, as one condition over the rule's row."""
    severity = func.coalesce(record.c.data["severity"].as_string(), "")
    overdue = record.c.data["amount_overdue"].as_integer()
    return or_(
        rule.c.signal.not_in([s.value for s in _CONDITIONED]),
        and_(rule.c.signal == Signal.ADMIN_PENALTY.value, severity != policy.SERIOUS_PENALTY),
        and_(rule.c.signal == Signal.ADMIN_PENALTY_SERIOUS.value, severity == policy.SERIOUS_PENALTY),
        and_(rule.c.signal == Signal.UTILITY_ARREARS.value, overdue > 0, overdue >= rule.c.threshold),
        # A default at the watcher itself is its own business, not news from elsewhere on the platform.
        and_(rule.c.signal == Signal.OTHER_INSTITUTION_DEFAULT.value,
             ~exists().where(names.c.organisation_id == watcher.c.organisation_id,
                             names.c.name == record.c.data["lender"].as_string())),
    )


def _record_alerts(run: _Run, record_rules: list[MonitoringRule], fresh: Any, names: Any) -> Select[Any]:
    """Every record-borne rule over the fresh records, in one query. No GROUP BY: where one institution watches a
    firm under several grants (one per line) the unique key keeps the first row of each alert and skips the rest,
    which costs less than sorting a day's alerts to merge them."""
    watcher, rule = run.watcher, _rule_table(record_rules, run.now)
    return select(
        watcher.c.organisation_id, fresh.c.enterprise_id, rule.c.signal,
        literal("r", String) + cast(fresh.c.record_id, String(20)), rule.c.rule_id, rule.c.version, rule.c.severity,
        fresh.c.record_id, fresh.c.category_code, fresh.c.item_code, fresh.c.fact_date, null(),
        watcher.c.authorisation_id, watcher.c.line_id, literal(run.id), literal(run.now, UtcDateTime()),
        rule.c.due_at, literal(AlertStatus.OPEN.value),
    ).select_from(fresh).join(rule, rule.c.item_code == fresh.c.item_code).join(watcher, and_(
        watcher.c.enterprise_id == fresh.c.enterprise_id, watcher.c.kind == rule.c.kind)).where(
        fresh.c.reference.is_(None), _condition(rule, fresh, watcher, names),
        # The grant's coverage tested once a record is in hand (a record id is never null): tested earlier, on the
        # watch list × rules alone, PostgreSQL guesses it keeps 0.5% of them and probes the records once per pair.
        or_(_covered(watcher, fresh.c.category_code), fresh.c.record_id.is_(None)),
    )


def _fixed(rule: MonitoringRule) -> list[Any]:
    """The columns every alert of `rule` in this run shares: rule, version, severity (in ALERT_COLUMNS' order)."""
    return [literal(rule.id), literal(rule.version), literal(rule.severity)]


def _tail(rule: MonitoringRule, run: _Run) -> list[Any]:
    """The closing columns of an alert: the grant and line, the run, when raised, by when due, open."""
    watcher = run.watcher
    return [func.min(watcher.c.authorisation_id), func.min(watcher.c.line_id), literal(run.id),
            literal(run.now, UtcDateTime()), literal(policy.deadline(rule.severity, run.now), UtcDateTime()),
            literal(AlertStatus.OPEN.value)]


def _corrected_alerts(rule: MonitoringRule, run: _Run, fresh: Any) -> Select[Any]:
    """A corrected version of any record (a positive signal)."""
    watcher = run.watcher
    return select(
        watcher.c.organisation_id, fresh.c.enterprise_id, literal(rule.signal),
        literal("r", String) + cast(fresh.c.record_id, String(20)), *_fixed(rule), fresh.c.record_id,
        fresh.c.category_code, fresh.c.item_code, fresh.c.fact_date, null(), *_tail(rule, run),
    ).join(watcher, watcher.c.enterprise_id == fresh.c.enterprise_id).where(
        fresh.c.reference.is_not(None), watcher.c.kind.in_(list(rule.recipient_kinds)),
        _covered(watcher, fresh.c.category_code),
    ).group_by(watcher.c.organisation_id, fresh.c.enterprise_id, fresh.c.record_id, fresh.c.category_code,
               fresh.c.item_code, fresh.c.fact_date)


def _trend_alerts(rule: MonitoringRule, run: _Run, fresh: Any) -> Select[Any]:
    """A month's figure fallen by the rule's percentage against the month `months_back` earlier, for each month a
    fresh record touches (its own month, and the month it is the earlier side of). One alert per firm and month."""
    trend = policy.TREND_SIGNALS[Signal(rule.signal)]
    watcher = run.watcher

    def of_item(records: Any) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = records.c.item_code == trend.item_code
        if trend.only is not None:
            condition = and_(condition, records.c.data[trend.only[0]].as_string() == trend.only[1])
        return condition

    month = _month_index(fresh.c.data[trend.month_field].as_string())
    touched = union(
        select(fresh.c.enterprise_id, month.label("month")).where(of_item(fresh)),
        select(fresh.c.enterprise_id, (month + trend.months_back).label("month")).where(of_item(fresh)),
    ).subquery("touched")

    def figure(months_back: int) -> Any:
        """The firm's figure for the touched month less `months_back`: the sum of its current records, or the
        value of its latest record."""
        stored = creditdata_service.records_query().subquery()
        later = creditdata_service.records_query().subquery()
        current = ~exists().where(later.c.enterprise_id == stored.c.enterprise_id,
                                  later.c.item_code == stored.c.item_code,
                                  later.c.record_key == stored.c.record_key, later.c.record_id > stored.c.record_id)
        value = stored.c.data[trend.value_field].as_integer()
        query = select(func.sum(value) if trend.summed else value).where(
            stored.c.enterprise_id == touched.c.enterprise_id, of_item(stored), current,
            _month_index(stored.c.data[trend.month_field].as_string()) == touched.c.month - months_back)
        if not trend.summed:
            query = query.order_by(stored.c.record_id.desc()).limit(1)
        return query.scalar_subquery()

    def latest(column_name: str) -> Any:
        """The touched month's latest record: the one that names the alert."""
        stored = creditdata_service.records_query().subquery()
        return select(stored.c[column_name]).where(
            stored.c.enterprise_id == touched.c.enterprise_id, of_item(stored),
            _month_index(stored.c.data[trend.month_field].as_string()) == touched.c.month,
        ).order_by(stored.c.record_id.desc()).limit(1).scalar_subquery()

    compared = select(touched.c.enterprise_id, touched.c.month, figure(0).label("now"),
                      figure(trend.months_back).label("before"), latest("record_id").label("record_id"),
                      latest("category_code").label("category_code"),
                      latest("fact_date").label("fact_date")).subquery("compared")
    threshold = rule.threshold or 0
    return select(
        watcher.c.organisation_id, compared.c.enterprise_id, literal(rule.signal),
        literal("m", String) + cast(compared.c.month, String(12)) + literal(":", String)
        + cast(compared.c.enterprise_id, String(20)), *_fixed(rule), compared.c.record_id,
        compared.c.category_code, literal(trend.item_code), compared.c.fact_date, null(), *_tail(rule, run),
    ).join(watcher, watcher.c.enterprise_id == compared.c.enterprise_id).where(
        compared.c.record_id.is_not(None), compared.c.before > 0, compared.c.now < compared.c.before,
        (compared.c.before - compared.c.now) * 100 >= compared.c.before * threshold,
        watcher.c.kind.in_(list(rule.recipient_kinds)), _covered(watcher, compared.c.category_code),
    ).group_by(watcher.c.organisation_id, compared.c.enterprise_id, compared.c.month, compared.c.record_id,
               compared.c.category_code, compared.c.fact_date)


def _repair_alerts(rule: MonitoringRule, run: _Run, after_mark: int, through_mark: int) -> Select[Any]:
    """A fact marked repaired (信用修复) by the rights procedure (a positive signal)."""
    watcher = run.watcher
    mark = creditdata_service.marks_query().subquery("mark")
    return select(
        watcher.c.organisation_id, mark.c.enterprise_id, literal(rule.signal),
        literal("k", String) + cast(mark.c.mark_id, String(20)), *_fixed(rule), mark.c.record_id,
        mark.c.category_code, mark.c.item_code, mark.c.effective_date, null(), *_tail(rule, run),
    ).join(watcher, watcher.c.enterprise_id == mark.c.enterprise_id).where(
        mark.c.mark_id > after_mark, mark.c.mark_id <= through_mark, mark.c.kind == MarkKind.REPAIRED.value,
        watcher.c.kind.in_(list(rule.recipient_kinds)), _covered(watcher, mark.c.category_code),
    ).group_by(watcher.c.organisation_id, mark.c.enterprise_id, mark.c.mark_id, mark.c.record_id,
               mark.c.category_code, mark.c.item_code, mark.c.effective_date)


def _grade_alerts(rule: MonitoringRule, run: _Run, *, scoring_run_id: int, previous_run_id: int,
                  previous_finished: datetime) -> Select[Any]:
    """Grade drops between a scoring run and the one before, for the firms watched since before that earlier run
    finished: a firm's first run under the watch has nothing to compare with, and history never floods."""
    watcher = run.watcher
    change = scoring_service.grade_changes_query(run_id=scoring_run_id,
                                                 previous_run_id=previous_run_id).subquery("change")

    def rank(grade: Any) -> Any:
        return case(*((grade == g, literal(i)) for i, g in enumerate(policy.GRADE_ORDER)), else_=literal(-1))

    drop = rank(change.c.grade) - rank(change.c.previous_grade)
    watched_then = exists().where(WatchPeriod.organisation_id == watcher.c.organisation_id,
                                  WatchPeriod.enterprise_id == watcher.c.enterprise_id,
                                  WatchPeriod.ended_at.is_(None),
                                  WatchPeriod.started_at <= literal(previous_finished, UtcDateTime()))
    return select(
        watcher.c.organisation_id, change.c.enterprise_id, literal(rule.signal),
        literal(f"g{scoring_run_id}:", String) + cast(change.c.enterprise_id, String(20)), *_fixed(rule),
        null(), null(), null(), null(), change.c.previous_grade + literal("→", String) + change.c.grade,
        *_tail(rule, run),
    ).join(watcher, watcher.c.enterprise_id == change.c.enterprise_id).where(
        rank(change.c.previous_grade) >= 0, rank(change.c.grade) >= 0, drop >= max(1, rule.threshold or 1),
        watcher.c.kind.in_(list(rule.recipient_kinds)), watched_then,
    ).group_by(watcher.c.organisation_id, change.c.enterprise_id, change.c.previous_grade, change.c.grade)


def _keep_special(session: Session, fresh: Any, special: list[MonitoringRule]) -> Table:
    """Copy the fresh records the corrections' and trends' rules read into the temporary table `FRESH`."""
    connection = session.connection()
    FRESH.drop(connection, checkfirst=True)
    FRESH.create(connection)
    items = [policy.TREND_SIGNALS[Signal(rule.signal)].item_code for rule in special
             if Signal(rule.signal) in policy.TREND_SIGNALS]
    wanted = or_(fresh.c.item_code.in_(items), fresh.c.reference.is_not(None)) if any(
        Signal(rule.signal) in policy.CORRECTION_SIGNALS for rule in special) else fresh.c.item_code.in_(items)
    session.execute(insert(FRESH).from_select(
        [c.name for c in FRESH.c],
        select(*(fresh.c[c.name] for c in FRESH.c)).where(wanted)))
    return FRESH


def _cursor(session: Session) -> DetectionCursor:
    cursor = session.scalars(select(DetectionCursor).where(DetectionCursor.id == 1).with_for_update()).one_or_none()
    if cursor is None:
        cursor = DetectionCursor(id=1, last_record_id=0, last_scoring_run_id=0, last_mark_id=0)
        session.add(cursor)
        session.flush()
    return cursor


def detect(session: Session, *, trigger: str, batch_id: int | None = None) -> RunResult:
    """One detection run: the watch periods brought up to date (stops told), then every rule in force over the
    records past the cursor (and the batch `batch_id`, whatever the cursor), the marks past it and the scoring
    runs past it; each alert published as `monitoring.alert_raised`. The cursor row's lock makes concurrent runs
    take turns."""
    now, today = clock.now(), clock.today()
    if session.get_bind().dialect.name == "postgresql":
        # A day's records hash-joined to the watch list fit in memory instead of spilling in batches to disk.
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        # The planner's costs for the watch list (exposures with an EXISTS over the drawdowns, grants, a UNION of
        # carriers) pass the JIT thresholds, and compiling them cost more than they ran: at 100,000 watched firms a
        # run without anything new took 5.9-7.1 s with JIT and 3.5 s without, the day's run 11.5-14.0 s and 7.7-8.8 s.
        session.execute(text("SET LOCAL jit = off"))
    cursor = _cursor(session)
    alerts_before = int(session.scalar(select(func.coalesce(func.max(Alert.id), 0))) or 0)
    run_row = DetectionRun(trigger=trigger[:40], started_at=now, records_after=cursor.last_record_id,
                           records_through=creditdata_service.latest_record_id(session),
                           scoring_run_through=cursor.last_scoring_run_id, watched_pairs=0, alerts_raised=0,
                           watches_stopped=0)
    session.add(run_row)
    session.flush()
    run = _Run(id=run_row.id, now=now, watcher=watch.materialise(session, now=now, today=today))
    run_row.watched_pairs, run_row.watches_stopped = watch.refresh_periods(session, watcher=run.watcher, now=now,
                                                                           run_id=run.id)
    records = creditdata_service.records_query().subquery("candidate")
    window = and_(records.c.record_id > run_row.records_after, records.c.record_id <= run_row.records_through)
    if batch_id is not None:
        window = or_(window, records.c.batch_id == batch_id)
    fresh = select(records).where(window).subquery("record")
    names = identity_service.organisation_names_query().subquery("organisation_name")
    in_force = _rules_in_force(session)
    record_rules = [rule for rule in in_force if Signal(rule.signal) in policy.SIGNAL_ITEMS]
    if record_rules:
        session.execute(_skip_existing(session, _record_alerts(run, record_rules, fresh, names)))
    special = [rule for rule in in_force
               if Signal(rule.signal) in policy.CORRECTION_SIGNALS or Signal(rule.signal) in policy.TREND_SIGNALS]
    if special:
        kept = _keep_special(session, fresh, special)
        for rule in special:
            statement = (_corrected_alerts(rule, run, kept) if Signal(rule.signal) in policy.CORRECTION_SIGNALS
                         else _trend_alerts(rule, run, kept))
            session.execute(_skip_existing(session, statement))
        kept.drop(session.connection())
    marks_through = creditdata_service.latest_mark_id(session)
    for rule in in_force:
        if Signal(rule.signal) in policy.MARK_SIGNALS:
            session.execute(_skip_existing(session, _repair_alerts(rule, run, cursor.last_mark_id, marks_through)))
    grade_rules = [rule for rule in in_force if Signal(rule.signal) in policy.SCORE_SIGNALS]
    for scoring_run_id, previous_run_id in scoring_service.completed_runs_after(
            session, after_run_id=cursor.last_scoring_run_id):
        previous_finished = (scoring_service.run_finished_at(session, run_id=previous_run_id)
                             if previous_run_id is not None else None)
        if previous_run_id is not None and previous_finished is not None:
            for rule in grade_rules:
                session.execute(_skip_existing(session, _grade_alerts(
                    rule, run, scoring_run_id=scoring_run_id, previous_run_id=previous_run_id,
                    previous_finished=previous_finished)))
        run_row.scoring_run_through = scoring_run_id
    cursor.last_record_id = max(cursor.last_record_id, run_row.records_through)
    cursor.last_scoring_run_id = run_row.scoring_run_through
    cursor.last_mark_id = max(cursor.last_mark_id, marks_through)
    # The run's alerts are the ones past the greatest id before it (runs take turns on the cursor's lock): a range
    # of the primary key, with no index of their own to keep up on every alert.
    raised = select(Alert.id.label("alert_id"), Alert.organisation_id, Alert.enterprise_id, Alert.severity,
                    Alert.signal, Alert.rule_version).where(Alert.id > alerts_before,
                                                            Alert.detection_run_id == run.id).order_by(Alert.id)
    run_row.alerts_raised = events.publish_select(session=session, event_type=AlertRaised, rows=raised)
    watch.release(session)
    run_row.finished_at = clock.now()
    session.flush()
    return RunResult(run_id=run.id, records_after=run_row.records_after, records_through=run_row.records_through,
                     watched_pairs=run_row.watched_pairs, alerts_raised=run_row.alerts_raised,
                     watches_stopped=run_row.watches_stopped)

