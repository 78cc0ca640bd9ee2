"""Pure rules of the registry: who keeps the register, and the annual-report gate.

Who registers: market supervision keeps the register of market entities, so only its data officers (and the
platform's administrator) add entities to it.

The annual-report gate: when an entity must have filed which annual report.

Market supervision takes the annual report for year Y from 1 January to 30 June of Y+1. So on a
given day the latest report that must exist is last year's after 30 June and the year before that
until then; an entity registered after the end of year Y owes no report for Y.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from xinyidai.auth.enums import Role
from xinyidai.auth.principal import Principal


def may_register_enterprises(principal: Principal, *, registrar_organisation_id: int | None) -> bool:
    """Whether the caller may add market entities: the platform admin, or market supervision's data officers
    (`registrar_organisation_id`: the organisation that is market supervision, None while none is bound)."""
    if principal.is_platform_admin:
        return True
    return (registrar_organisation_id is not None and principal.organisation_id == registrar_organisation_id
            and Role.DEPARTMENT_DATA_OFFICER in principal.roles)


@dataclass(frozen=True)
class GateFinding:
    """One reason an entity may not apply yet, with what to do about it."""

    code: str
    message: str
    action: str
    action_url: str | None = None
    message_en: str = ""  # the same in English, for the portal's English mode
    action_en: str = ""


@dataclass(frozen=True)
class GateResult:
    """Whether the entity may apply now, and what stops it or what it should know."""

    allowed: bool
    findings: list[GateFinding] = field(default_factory=list)
    reminders: list[GateFinding] = field(default_factory=list)


def required_report_year(*, registration_date: date, today: date) -> int | None:
    """The latest year whose annual report is overdue if missing, or None if none is due yet."""
    year = today.year - 1 if today > date(today.year, 6, 30) else today.year - 2
    return year if year >= registration_date.year else None


def annual_report_gate(
    *,
    registration_date: date,
    last_report_year: int | None,
    is_abnormal: bool,
    abnormal_reason: str | None,
    operating_status: str,
    today: date,
    annual_report_url: str,
) -> GateResult:
    """Whether an entity may apply for financing today, judged on its registry facts."""
    findings: list[GateFinding] = []
    reminders: list[GateFinding] = []
    if operating_status != "in_operation":
        findings.append(GateFinding(
            code="not_in_operation",
            message="市场主体登记状态不是存续（在营），不能申请融资",
            action="如登记信息有误，请联系区市场监管局核实",
            message_en="The entity is not registered as in operation, so it cannot apply for financing",
            action_en="If the registration is wrong, ask the district's market supervision bureau to check it",
        ))
    due = required_report_year(registration_date=registration_date, today=today)
    if due is not None and (last_report_year is None or last_report_year < due):
        findings.append(GateFinding(
            code="annual_report_missing",
            message=f"尚未报送{due}年度年报（截止日期为{due + 1}年6月30日）",
            action=f"请先到国家企业信用信息公示系统报送{due}年度年报，报送后即可继续申请",
            action_url=annual_report_url,
            message_en=f"The annual report for {due} has not been filed (due by 30 June {due + 1})",
            action_en=f"File the {due} annual report on the National Enterprise Credit Information Publicity "
                      "System first; then you may apply",
        ))
    if is_abnormal:
        reason = f"（{abnormal_reason}）" if abnormal_reason else ""
        findings.append(GateFinding(
            code="abnormal_operations",
            message=f"已被列入经营异常名录{reason}",
            action="请补报年报或改正相关问题后，向区市场监管局申请移出经营异常名录",
            action_url=annual_report_url,
            message_en="Listed on the abnormal-operations list" + (f" ({abnormal_reason})" if abnormal_reason else ""),
            action_en="File the missing annual report or correct the problem, then ask the district's market "
                      "supervision bureau to remove the firm from the list",
        ))
    current_year_due = today.year - 1
    if (
        today <= date(today.year, 6, 30)
        and current_year_due >= registration_date.year
        and (last_report_year is None or last_report_year < current_year_due)
    ):
        reminders.append(GateFinding(
            code="annual_report_due_soon",
            message=f"{current_year_due}年度年报应于{today.year}年6月30日前报送",
            action="逾期未报将被列入经营异常名录，影响信用和融资",
            action_url=annual_report_url,
            message_en=f"The annual report for {current_year_due} is due by 30 June {today.year}",
            action_en="A firm that files late is put on the abnormal-operations list, which affects its credit and "
                      "financing",
        ))
    return GateResult(allowed=not findings, findings=findings, reminders=reminders)
