"""Rules of objections and credit repair: deadlines in working days, state changes, evidence files, eligibility."""

from __future__ import annotations

from datetime import date

import pytest

from xinyidai.rights import policy
from xinyidai.rights.enums import ObjectionStatus, RepairStatus
from xinyidai.workdays import CALENDAR_2026, WorkCalendar

CALENDAR = WorkCalendar(holidays=frozenset(d for d, _, work in CALENDAR_2026 if not work),
                        adjusted_workdays=frozenset(d for d, _, work in CALENDAR_2026 if work))
PDF = b"%PDF-1.7\n1 0 obj\n"


@pytest.mark.parametrize(("filed", "due"), [
    (date(2026, 11, 23), date(2026, 11, 30)),  # Monday → the next Monday
    (date(2026, 11, 27), date(2026, 12, 4)),  # Friday: the weekend does not count
    # Filed on 30 September: National Day 1–7 October is off, Saturday 10 October is worked (调休).
    (date(2026, 9, 30), date(2026, 10, 13)),
])
def test_the_department_has_five_working_days(filed: date, due: date) -> None:
    assert policy.due_date(filed, CALENDAR) == due


def test_late_only_after_the_due_date_and_escalated_once_a_day() -> None:
    due = date(2026, 11, 30)
    assert not policy.is_late(due, due) and policy.is_late(due, date(2026, 12, 1))
    assert not policy.needs_escalation(ObjectionStatus.OPEN, due, None, due)
    assert policy.needs_escalation(ObjectionStatus.OPEN, due, None, date(2026, 12, 1))
    assert not policy.needs_escalation(ObjectionStatus.OPEN, due, date(2026, 12, 1), date(2026, 12, 1))
    assert policy.needs_escalation(ObjectionStatus.OPEN, due, date(2026, 12, 1), date(2026, 12, 2))
    assert not policy.needs_escalation(ObjectionStatus.UPHELD, due, None, date(2026, 12, 1))


def test_an_objection_is_answered_once_and_an_application_decided_once() -> None:
    assert policy.may_answer(ObjectionStatus.OPEN, ObjectionStatus.CORRECTED)
    assert policy.may_answer(ObjectionStatus.OPEN, ObjectionStatus.UPHELD)
    assert not policy.may_answer(ObjectionStatus.OPEN, ObjectionStatus.OPEN)
    for done in (ObjectionStatus.CORRECTED, ObjectionStatus.UPHELD):
        assert not any(policy.may_answer(done, answer) for answer in ObjectionStatus)
    assert policy.may_decide(RepairStatus.PENDING, RepairStatus.APPROVED)
    assert policy.may_decide(RepairStatus.PENDING, RepairStatus.REJECTED)
    assert not policy.may_decide(RepairStatus.APPROVED, RepairStatus.REJECTED)
    assert not policy.may_decide(RepairStatus.REJECTED, RepairStatus.APPROVED)


def test_reasons_must_say_something() -> None:
    assert policy.reason_problem("有误") is not None
    assert policy.reason_problem("纳税信用等级应为A级，评价结果已复核更正") is None
    assert policy.reason_problem("字" * 1001) is not None


def test_evidence_is_judged_by_its_bytes_and_named_safely() -> None:
    checked = policy.check_attachment("../../etc/缴款凭证.PDF", PDF)
    assert checked == policy.Evidence(file_name="缴款凭证.pdf", content_type="application/pdf")
    png = policy.check_attachment("scan", b"\x89PNG\r\n\x1a\n" + b"\0" * 10)
    assert isinstance(png, policy.Evidence) and png.file_name == "scan.png"
    assert isinstance(policy.check_attachment("evil.pdf", b"MZ\x90\x00 not a pdf"), str)
    assert isinstance(policy.check_attachment("empty.pdf", b""), str)
    assert isinstance(policy.check_attachment("big.pdf", PDF + b"\0" * policy.MAX_ATTACHMENT_BYTES), str)
    assert policy.safe_file_name('a"b;<c>.jpg', "jpg") == "abc.jpg"


def _eligibility(**overrides: object) -> policy.Eligibility:
    arguments: dict[str, object] = dict(
        item_code="admin_penalty", data={"severity": "一般"}, fact_date=date(2026, 8, 23),
        visible_until=date(2029, 8, 22), today=date(2026, 11, 23), is_current=True, repaired=False, pending=False,
        under_objection=False)
    arguments.update(overrides)
    return policy.repair_eligibility(**arguments)  # type: ignore[arg-type]


def test_a_general_penalty_is_repairable_after_three_months_of_publicity() -> None:
    assert _eligibility() == policy.Eligibility(True, [], date(2026, 11, 23))
    early = _eligibility(fact_date=date(2026, 8, 24))
    assert not early.eligible and early.earliest_date == date(2026, 11, 24)
    assert "最短公示期（3个月）未满" in early.reasons[0]


def test_a_serious_penalty_needs_a_year_and_the_dishonesty_list_is_not_repaired_by_application() -> None:
    serious = _eligibility(data={"severity": "严重"})
    assert not serious.eligible and serious.earliest_date == date(2027, 8, 23)
    assert _eligibility(data={"severity": "严重"}, fact_date=date(2025, 11, 23)).eligible
    listed = _eligibility(item_code="serious_dishonesty")
    assert not listed.eligible and "移出" in listed.reasons[0]
    assert not _eligibility(item_code="tax_arrears").eligible


@pytest.mark.parametrize(("override", "words"), [
    ({"repaired": True}, "已完成信用修复"), ({"pending": True}, "审核中"), ({"under_objection": True}, "异议处理中"),
    ({"is_current": False}, "当前版本"), ({"visible_until": date(2026, 11, 22)}, "已过公示期"),
])
def test_a_record_already_handled_is_not_eligible(override: dict[str, object], words: str) -> None:
    result = _eligibility(**override)
    assert not result.eligible and any(words in reason for reason in result.reasons)


def test_every_reason_a_record_is_not_eligible_is_said_in_english_too() -> None:
    import re

    cases = [_eligibility(repaired=True, pending=True, under_objection=True, is_current=False,
                          visible_until=date(2026, 11, 22), fact_date=date(2026, 9, 1)),
             _eligibility(fact_date=None), _eligibility(item_code="serious_dishonesty"),
             _eligibility(item_code="tax_arrears")]
    for result in cases:
        assert not result.eligible and len(result.reasons_en) == len(result.reasons) > 0
        assert not [text for text in result.reasons_en if re.search(r"[\u4e00-\u9fff]", text)]
    assert cases[0].reasons_en[-1] == ("The minimum publicity period (3 months) has not passed; you may apply from "
                                       "2026-12-01")
    assert _eligibility().reasons_en == []


def test_an_application_needs_fulfilment_commitment_and_evidence() -> None:
    good = dict(fulfilled_date=date(2026, 9, 1), fact_date=date(2026, 8, 23), today=date(2026, 11, 23),
                commitment_signed=True, evidence_count=1, statement="罚款已于9月1日缴清，违法行为已整改到位")
    assert policy.application_problems(**good) == []  # type: ignore[arg-type]
    for change, words in (({"fulfilled_date": None}, "履行完毕的日期"),
                          ({"fulfilled_date": date(2026, 11, 24)}, "晚于今天"),
                          ({"fulfilled_date": date(2026, 8, 1)}, "早于处罚决定日期"),
                          ({"commitment_signed": False}, "承诺书"), ({"evidence_count": 0}, "证明材料"),
                          ({"evidence_count": 4}, "最多"), ({"statement": "已缴"}, "申请说明")):
        problems = policy.application_problems(**{**good, **change})  # type: ignore[arg-type]
        assert any(words in p for p in problems), (change, problems)
