"""The annual-report gate. Market supervision takes the report for year Y from 1 January to 30 June of
Y+1 (企业信息公示暂行条例 第八条); an entity registered in year Y reports from the following year on.
"""

from __future__ import annotations

from datetime import date

import pytest

from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.registry.policy import GateResult, annual_report_gate, may_register_enterprises, required_report_year

URL = "https://www.gsxt.gov.cn/"


def _gate(*, registered: date = date(2020, 5, 1), last: int | None = 2025, abnormal: bool = False,
          reason: str | None = None, status: str = "in_operation", today: date = date(2026, 11, 22)) -> GateResult:
    return annual_report_gate(
        registration_date=registered, last_report_year=last, is_abnormal=abnormal, abnormal_reason=reason,
        operating_status=status, today=today, annual_report_url=URL,
    )


@pytest.mark.parametrize(
    ("registered", "today", "year"),
    [
        (date(2020, 5, 1), date(2026, 11, 22), 2025),
        (date(2020, 5, 1), date(2026, 3, 1), 2024),
        (date(2020, 5, 1), date(2026, 6, 30), 2024),  # the last day of the filing period
        (date(2020, 5, 1), date(2026, 7, 1), 2025),  # the day after
        (date(2020, 5, 1), date(2026, 1, 1), 2024),
        (date(2026, 2, 1), date(2026, 11, 22), None),  # registered this year: nothing due yet
        (date(2025, 12, 31), date(2026, 11, 22), 2025),  # registered in 2025 owes the 2025 report
        (date(2025, 3, 1), date(2026, 3, 1), None),  # ... but only after 30 June 2026
        (date(2024, 12, 31), date(2026, 3, 1), 2024),
    ],
)
def test_required_report_year(registered: date, today: date, year: int | None) -> None:
    assert required_report_year(registration_date=registered, today=today) == year


def test_current_reports_pass() -> None:
    result = _gate(last=2025)
    assert result.allowed
    assert result.findings == []
    assert result.reminders == []


@pytest.mark.parametrize("last", [None, 2023, 2024])
def test_missing_2025_report_blocks_in_november_2026(last: int | None) -> None:
    result = _gate(last=last)
    assert not result.allowed
    [finding] = result.findings
    assert finding.code == "annual_report_missing"
    assert finding.message == "尚未报送2025年度年报（截止日期为2026年6月30日）"
    assert "2025年度年报" in finding.action
    assert finding.action_url == URL
    assert result.reminders == []


def test_march_2026_requires_2024_and_reminds_of_2025() -> None:
    result = _gate(last=2024, today=date(2026, 3, 1))
    assert result.allowed
    assert result.findings == []
    [reminder] = result.reminders
    assert reminder.code == "annual_report_due_soon"
    assert reminder.message == "2025年度年报应于2026年6月30日前报送"
    assert reminder.action_url == URL


def test_march_2026_missing_2024_blocks_and_reminds() -> None:
    result = _gate(last=2023, today=date(2026, 3, 1))
    assert not result.allowed
    assert [f.message for f in result.findings] == ["尚未报送2024年度年报（截止日期为2025年6月30日）"]
    assert [r.code for r in result.reminders] == ["annual_report_due_soon"]


def test_march_2026_with_2025_filed_early_has_no_reminder() -> None:
    result = _gate(last=2025, today=date(2026, 3, 1))
    assert result.allowed
    assert result.reminders == []


def test_registered_this_year_owes_nothing() -> None:
    result = _gate(registered=date(2026, 2, 1), last=None, today=date(2026, 11, 22))
    assert result.allowed
    assert result.findings == []
    assert result.reminders == []


def test_registered_this_year_gets_no_reminder_in_the_filing_period() -> None:
    result = _gate(registered=date(2026, 2, 1), last=None, today=date(2026, 3, 1))
    assert result.allowed
    assert result.reminders == []


def test_registered_last_year_is_reminded_in_the_filing_period() -> None:
    result = _gate(registered=date(2025, 8, 1), last=None, today=date(2026, 3, 1))
    assert result.allowed
    assert [r.message for r in result.reminders] == ["2025年度年报应于2026年6月30日前报送"]


def test_abnormal_list_blocks_with_the_action_url() -> None:
    result = _gate(abnormal=True, reason="未按规定期限公示年度报告")
    assert not result.allowed
    [finding] = result.findings
    assert finding.code == "abnormal_operations"
    assert finding.message == "已被列入经营异常名录（未按规定期限公示年度报告）"
    assert "移出经营异常名录" in finding.action
    assert finding.action_url == URL


def test_abnormal_without_reason() -> None:
    [finding] = _gate(abnormal=True).findings
    assert finding.message == "已被列入经营异常名录"


@pytest.mark.parametrize("status", ["suspended", "revoked", "cancelled", "moved_out"])
def test_status_other_than_in_operation_blocks(status: str) -> None:
    result = _gate(status=status)
    assert not result.allowed
    [finding] = result.findings
    assert finding.code == "not_in_operation"
    assert finding.message == "市场主体登记状态不是存续（在营），不能申请融资"
    assert finding.action_url is None


def test_all_findings_are_reported_together() -> None:
    result = _gate(status="revoked", last=None, abnormal=True)
    assert [f.code for f in result.findings] == ["not_in_operation", "annual_report_missing", "abnormal_operations"]


def test_only_market_supervisions_data_officers_and_the_platform_admin_register_entities() -> None:
    def who(org: int, kind: OrgKind, role: Role) -> Principal:
        return Principal(organisation_id=org, organisation_kind=kind, roles=frozenset({role}))

    amr, tax = 7, 8
    assert may_register_enterprises(who(amr, OrgKind.GOVERNMENT_DEPARTMENT, Role.DEPARTMENT_DATA_OFFICER),
                                    registrar_organisation_id=amr)
    assert may_register_enterprises(who(1, OrgKind.PLATFORM_OPERATOR, Role.PLATFORM_ADMIN),
                                    registrar_organisation_id=None)
    assert not may_register_enterprises(who(tax, OrgKind.GOVERNMENT_DEPARTMENT, Role.DEPARTMENT_DATA_OFFICER),
                                        registrar_organisation_id=amr)
    assert not may_register_enterprises(who(amr, OrgKind.GOVERNMENT_DEPARTMENT, Role.GOVERNMENT_SUPERVISOR),
                                        registrar_organisation_id=amr)
    assert not may_register_enterprises(who(amr, OrgKind.GOVERNMENT_DEPARTMENT, Role.DEPARTMENT_DATA_OFFICER),
                                        registrar_organisation_id=None)


def test_every_finding_and_reminder_says_itself_in_english_too() -> None:
    import re

    gates = [_gate(last=None, abnormal=True, reason="未按时报送年报", status="revoked"),
             _gate(last=2024, today=date(2026, 3, 1))]
    said = [f for gate in gates for f in (*gate.findings, *gate.reminders)]
    assert {f.code for f in said} == {"not_in_operation", "annual_report_missing", "abnormal_operations",
                                      "annual_report_due_soon"}
    for finding in said:
        assert finding.message_en and finding.action_en, finding.code
        # Only the data it quotes (the listing's reason) may stay Chinese.
        assert not re.search(r"[\u4e00-\u9fff]", finding.action_en + finding.message_en.replace("未按时报送年报", ""))
