"""Use cases of reporting: the commission's targets, the statistics of a period and the monthly reports (月报)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock, workdays
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.creditdata import service as creditdata_service
from xinyidai.errors import DomainError, NotFound
from xinyidai.identity import service as identity_service
from xinyidai.reporting import definitions as d
from xinyidai.reporting import figures, files
from xinyidai.reporting.models import BankSmeLending, MonthlyReport, ReceivedMonthlyReport, ReportingTarget

TREND_MONTHS = 6


class MonthNotOver(DomainError):
    """A monthly report asked for a month that has not ended yet."""

    status_code = 422
    code = "month_not_over"


class InvalidReceivedReport(DomainError):
    """A child node's monthly report that cannot be stored (a bad month, figures that do not match its checksum)."""

    status_code = 422
    code = "invalid_received_report"


class InvalidTarget(DomainError):
    """A target value that cannot be (negative, a share above 100%, an unknown target)."""

    status_code = 422
    code = "invalid_target"


@dataclass(frozen=True, slots=True)
class DefaultTarget:
    """A target as the seeds set it, before the commission edits it."""

    code: str
    name: str
    figure_code: str
    value: Decimal
    unit: str
    due_date: date | None


# The seeds' targets (the migration stores the same rows; the commission edits them).
DEFAULT_TARGETS: tuple[DefaultTarget, ...] = (
    DefaultTarget("credit_loan_share", "信用贷款占新增小微企业贷款比重", "credit_share_of_sme_loans", Decimal("0.30"),
                  "比例", None),
    DefaultTarget("registration_share", "注册用户占本地中小微企业比重", "registration_share", Decimal("0.20"), "比例",
                  None),
    DefaultTarget("firms_financed", "累计获贷企业数", "firms_financed_total", Decimal(50000), "户", date(2025, 12, 31)),
    DefaultTarget("amount_financed", "累计放款金额", "amount_financed_total", Decimal(20_000_000_000), "元",
                  date(2025, 12, 31)),
)


# Targets -------------------------------------------------------------------------------------------------------


def list_targets(session: Session) -> list[files.TargetLine]:
    """The targets in force: the commission's stored ones, the seeds' for any not stored."""
    stored = {t.code: t for t in session.scalars(select(ReportingTarget))}
    out = []
    for default in DEFAULT_TARGETS:
        row = stored.get(default.code)
        value = default.value if row is None else Decimal(row.value)
        due = default.due_date if row is None else row.due_date
        out.append(files.TargetLine(name=default.name, figure_code=default.figure_code, value=value,
                                    unit=default.unit, due="" if due is None else due.isoformat()))
    return out


def set_target(session: Session, *, principal: Principal, code: str, value: Decimal,
               due_date: date | None) -> ReportingTarget:
    """Change a target's value (and date); audited. A share lies in (0, 1], a count or amount is positive."""
    default = next((t for t in DEFAULT_TARGETS if t.code == code), None)
    if default is None:
        raise InvalidTarget("没有这个目标", message_en="unknown target")
    if value <= 0 or (default.unit == "比例" and value > 1):
        raise InvalidTarget("比例目标须在0%到100%之间" if default.unit == "比例" else "目标值须为正数",
                            message_en="target out of range")
    row = session.get(ReportingTarget, code)
    before = None if row is None else str(row.value)
    if row is None:
        row = ReportingTarget(code=code, name=default.name, figure_code=default.figure_code, unit=default.unit,
                              note="", value=value, due_date=due_date, updated_at=clock.now())
        session.add(row)
    row.value, row.due_date, row.updated_at, row.updated_by_user_id = value, due_date, clock.now(), principal.user_id
    session.flush()
    audit_service.record(session, actor=principal, action="reporting.target_set", subject_type="reporting_target",
                         subject_id=code, detail={"before": before, "after": str(value),
                                                  "due_date": None if due_date is None else due_date.isoformat()})
    return row


# What banks report of all their SME lending -------------------------------------------------------------------


class InvalidReport(DomainError):
    """A bank's reported SME lending that cannot be (not a bank, a month to come, a negative amount)."""

    status_code = 422
    code = "invalid_sme_lending"


def record_sme_lending(session: Session, *, principal: Principal, bank_organisation_id: int, month: str,
                       amount_fen: int) -> BankSmeLending:
    """Record what a bank reported as its new SME loans of a past month (a later record corrects an earlier one
    from the moment it is made); audited."""
    period = d.month_period(month)
    if period.first_day > clock.today():
        raise InvalidReport("不能登记尚未开始的月份", message_en="the month has not started")
    if amount_fen < 0:
        raise InvalidReport("金额不能为负数", message_en="negative amount")
    banks = {o.id for o in identity_service.list_organisations(session, kind=OrgKind.BANK)}
    if bank_organisation_id not in banks:
        raise InvalidReport("请选择报送的银行", message_en="not a bank")
    row = BankSmeLending(bank_organisation_id=bank_organisation_id, month=month, amount_fen=amount_fen,
                         recorded_at=clock.now(), recorded_by_user_id=principal.user_id)
    session.add(row)
    session.flush()
    audit_service.record(session, actor=principal, action="reporting.sme_lending_recorded",
                         subject_type="bank_sme_lending", subject_id=row.id,
                         detail={"bank_organisation_id": bank_organisation_id, "month": month,
                                 "amount_fen": amount_fen})
    return row


def list_sme_lending(session: Session, *, limit: int = 50) -> Sequence[BankSmeLending]:
    """The latest records of banks' reported SME lending, newest first."""
    return session.scalars(select(BankSmeLending).order_by(BankSmeLending.recorded_at.desc(),
                                                           BankSmeLending.id.desc()).limit(limit)).all()


def bank_choices(session: Session) -> list[tuple[int, str]]:
    """The banks on the platform (id, name) for the reporting form."""
    return [(o.id, o.name) for o in identity_service.list_organisations(session, kind=OrgKind.BANK)]


# Statistics ----------------------------------------------------------------------------------------------------


def period_through(day: date) -> d.Period:
    """The month of `day` up to and including `day` (the dashboard's current month)."""
    return d.Period(day.replace(day=1), day)


def statistics(session: Session, *, period: d.Period) -> figures.Snapshot:
    """Every figure of `period` as of its end (see definitions.FIGURES)."""
    return figures.compute(session, period)


def trend(session: Session, *, month: str, count: int = 12) -> list[figures.MonthPoint]:
    """Headline lending and approvals for `count` months up to `month`."""
    return figures.trend(session, d.months_back(month, count))


def _snapshot(session: Session, month: str) -> dict[str, Any]:
    period = d.month_period(month)
    snapshot = figures.compute(session, period)
    points = figures.trend(session, d.months_back(month, TREND_MONTHS))
    snapshot.tables.append(figures.Table(
        "trend", "近期各月", ["月份", "放款金额（分）", "信用贷款（分）", "获贷企业数", "融资申请笔数", "获批笔数",
                             "首贷户数"],
        [[p.month, p.disbursed_fen, p.credit_fen, p.firms, p.submitted, p.passed, p.first_loan_firms]
         for p in points]))
    return snapshot.as_json()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(snapshot: dict[str, Any]) -> bytes:
    """The snapshot as canonical JSON bytes (sorted keys, no spaces): what its checksum is of."""
    return json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


# Monthly reports -----------------------------------------------------------------------------------------------


def generate_monthly_report(session: Session, *, month: str, actor: Principal | audit_service.Actor) -> MonthlyReport:
    """Compute `month`'s figures as of its end, draw the workbook and PDF and archive them (replacing an earlier
    generation of the same month: the figures are the same, read as of the same end); audited."""
    period = d.month_period(month)
    if period.last_day >= clock.today():
        raise MonthNotOver(f"{month} 尚未结束，月报须在次月生成", message_en="the month has not ended yet")
    snapshot = _snapshot(session, month)
    targets = list_targets(session)
    font = creditdata_service.find_font(get_settings().report_font)
    workbook = files.workbook(month, snapshot, targets)
    pdf = files.pdf(month, snapshot, targets, font)
    figures_sha = _sha256(canonical(snapshot))
    report = session.scalar(select(MonthlyReport).where(MonthlyReport.month == month))
    if report is None:
        report = MonthlyReport(month=month, generations=0)
        session.add(report)
    report.figures, report.figures_sha256 = snapshot, figures_sha
    report.workbook, report.workbook_sha256 = workbook, _sha256(workbook)
    report.pdf, report.pdf_sha256 = pdf, _sha256(pdf)
    report.generated_at = clock.now()
    report.generations = (report.generations or 0) + 1
    session.flush()
    audit_service.record(session, actor=actor, action="reporting.monthly_report_generated",
                         subject_type="monthly_report", subject_id=month,
                         detail={"figures_sha256": figures_sha, "generation": report.generations})
    return report


def list_reports(session: Session) -> Sequence[MonthlyReport]:
    """The archived monthly reports, newest month first."""
    return session.scalars(select(MonthlyReport).order_by(MonthlyReport.month.desc())).all()


@dataclass(frozen=True, slots=True)
class ReportStamp:
    """Which generation of a month's archived report is there, with its figures' checksum (no files read)."""

    month: str
    generation: int
    figures_sha256: str


def report_stamps(session: Session) -> list[ReportStamp]:
    """Each archived report's month, generation and checksum, oldest month first: what a capture compares with
    what it last sent without reading the workbooks and PDFs."""
    rows = session.execute(select(MonthlyReport.month, MonthlyReport.generations, MonthlyReport.figures_sha256)
                           .order_by(MonthlyReport.month)).all()
    return [ReportStamp(month, generation, digest) for month, generation, digest in rows]


def get_report(session: Session, *, month: str) -> MonthlyReport:
    """The archived report of `month`; NotFound if none was generated."""
    report = session.scalar(select(MonthlyReport).where(MonthlyReport.month == month))
    if report is None:
        raise NotFound(f"尚未生成 {month} 的月报", message_en="no monthly report for that month")
    return report


def record_download(session: Session, *, principal: Principal, report: MonthlyReport, kind: str,
                    ip_address: str | None) -> None:
    """Note in the audit log who downloaded which report file."""
    audit_service.record(session, actor=principal, action="reporting.monthly_report_downloaded",
                         subject_type="monthly_report", subject_id=report.month, ip_address=ip_address,
                         detail={"file": kind})


def first_workday(session: Session, *, month_day: date) -> date:
    """The first working day of the month `month_day` falls in."""
    calendar = workdays.load_calendar(session)
    first = month_day.replace(day=1)
    return first if calendar.is_workday(first) else calendar.add_workdays(first, 1)


def due_report(session: Session, *, today: date) -> str | None:
    """The month whose report is due (the previous one, from the first working day of this month on) and is not
    archived yet; None when there is none (so a job that runs daily generates each month once)."""
    if today < first_workday(session, month_day=today):
        return None
    month = d.previous_month(today)
    exists = session.scalar(select(MonthlyReport.id).where(MonthlyReport.month == month))
    return None if exists is not None else month


# Monthly reports of the nodes below (下级节点月报) ---------------------------------------------------------------


def figures_checksum(figures: dict[str, Any]) -> str:
    """The SHA-256 of a figures snapshot's canonical JSON (what `MonthlyReport.figures_sha256` holds)."""
    return _sha256(canonical(figures))


def receive_child_report(session: Session, *, node_code: str, node_name: str, month: str, figures: dict[str, Any],
                         figures_sha256: str, generated_at: datetime,
                         generation: int) -> ReceivedMonthlyReport | None:
    """Store a child node's monthly report as it arrived, replacing an earlier generation of the same month (one
    row per node and month, its revisions counted); None when this generation or a later one is held already.
    Refused when the month is not one or the figures do not match their checksum (altered on the way)."""
    try:
        d.month_period(month)
    except d.BadMonth as exc:
        raise InvalidReceivedReport("月报月份格式不正确", message_en="bad month") from exc
    if figures_checksum(figures) != figures_sha256:
        raise InvalidReceivedReport("月报数据与其校验值不符", message_en="figures do not match their checksum")
    row = session.scalar(select(ReceivedMonthlyReport).where(ReceivedMonthlyReport.node_code == node_code,
                                                             ReceivedMonthlyReport.month == month)
                         .with_for_update())
    if row is not None and row.generation >= generation:
        return None  # a replay, or an older generation arriving late: what is held stands
    if row is None:
        row = ReceivedMonthlyReport(node_code=node_code, month=month, revisions=0)
        session.add(row)
    row.node_name, row.figures, row.figures_sha256 = node_name[:100], figures, figures_sha256
    row.generated_at, row.generation, row.received_at = generated_at, generation, clock.now()
    row.revisions = (row.revisions or 0) + 1
    session.flush()
    return row


def list_received_reports(session: Session) -> Sequence[ReceivedMonthlyReport]:
    """The monthly reports received from the nodes below, newest month first, then by node."""
    return session.scalars(select(ReceivedMonthlyReport).order_by(ReceivedMonthlyReport.month.desc(),
                                                                  ReceivedMonthlyReport.node_code)).all()
