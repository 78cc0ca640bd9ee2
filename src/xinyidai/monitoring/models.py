"""Rules (versioned), the watch list's history, detection runs and their cursor, and alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyidai.db import Base, BigId, IdPk, UtcDateTime


class MonitoringRule(Base):
    """One version of the rule of one signal (监测规则): its threshold, severity and who receives it. A change is a
    new row with the next version; the newest version of a signal is the one in force."""

    __tablename__ = "monitoring_rule"
    __table_args__ = (UniqueConstraint("signal", "version"),)

    id: Mapped[IdPk]
    signal: Mapped[str] = mapped_column(String(40))
    version: Mapped[int]
    threshold: Mapped[int | None] = mapped_column(BigId)
    severity: Mapped[str] = mapped_column(String(12))
    recipient_kinds: Mapped[list[Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))


class WatchPeriod(Base):
    """A span in which an institution watched a firm (监测期间): opened when the watch list first holds the pair,
    closed when it no longer does (the exposure ended, or the post-loan authorisation was revoked or expired)."""

    __tablename__ = "watch_period"
    __table_args__ = (Index("ix_watch_period_open", "organisation_id", "enterprise_id", "ended_at"),)

    id: Mapped[IdPk]
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DetectionRun(Base):
    """One run of detection (监测批次): what it read and what it raised; the record every batch run leaves."""

    __tablename__ = "monitoring_run"

    id: Mapped[IdPk]
    trigger: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    records_after: Mapped[int] = mapped_column(BigId, default=0)
    records_through: Mapped[int] = mapped_column(BigId, default=0)
    scoring_run_through: Mapped[int] = mapped_column(BigId, default=0)
    watched_pairs: Mapped[int] = mapped_column(default=0)
    alerts_raised: Mapped[int] = mapped_column(default=0)
    watches_stopped: Mapped[int] = mapped_column(default=0)


class Alert(Base):
    """One alert to one institution about one watched firm (风险预警): the rule version and the records that fired
    it, the category and the change, and the institution's handling. (organisation, signal, source) is unique: the
    same records never raise the same alert twice."""

    __tablename__ = "monitoring_alert"
    __table_args__ = (
        UniqueConstraint("organisation_id", "signal", "source_key"),
        Index("ix_monitoring_alert_org_id", "organisation_id", "id"),
        Index("ix_monitoring_alert_due", "status", "due_at"),
    )

    id: Mapped[IdPk]
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisation.id"))
    # No index of its own: alerts are read by institution (its index), never by firm alone, and a day's alerts
    # arrive in random firm order, so this index cost more to keep up than any other (BENCHMARKS.md).
    enterprise_id: Mapped[int] = mapped_column(BigId, ForeignKey("enterprise.id"))
    signal: Mapped[str] = mapped_column(String(40))
    # What fired it: "r<record id>" for a record, "g<run>:<enterprise>" for a grade drop, "w<period id>" for a stop.
    source_key: Mapped[str] = mapped_column(String(60))
    rule_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("monitoring_rule.id"))
    rule_version: Mapped[int | None]
    severity: Mapped[str] = mapped_column(String(12))
    # The credit record that fired it (a record-borne signal), its sub-category, category and fact date.
    record_id: Mapped[int | None] = mapped_column(BigId)
    category_code: Mapped[str | None] = mapped_column(String(8))
    item_code: Mapped[str | None] = mapped_column(String(40))
    fact_date: Mapped[date | None]
    # The change where no record says it (a grade drop: "A→C").
    detail: Mapped[str | None] = mapped_column(String(200))
    # The post-loan authorisation the watch ran under, and the line it names (a bank's, to freeze from the alert).
    authorisation_id: Mapped[int | None] = mapped_column(BigId)
    credit_line_id: Mapped[int | None] = mapped_column(BigId)
    # No index: a run finds its alerts by the primary key's range (`detection.detect`).
    detection_run_id: Mapped[int] = mapped_column(BigId, ForeignKey("monitoring_run.id"))
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acknowledged_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    action: Mapped[str | None] = mapped_column(String(20))
    action_note: Mapped[str | None] = mapped_column(String(500))
    action_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("user_account.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DetectionCursor(Base):
    """How far detection has read (one row): the last credit record, the last finished scoring run and the last
    mark set on a fact (a repair)."""

    __tablename__ = "monitoring_cursor"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_record_id: Mapped[int] = mapped_column(BigId, default=0)
    last_scoring_run_id: Mapped[int] = mapped_column(BigId, default=0)
    last_mark_id: Mapped[int] = mapped_column(BigId, default=0, server_default="0")
