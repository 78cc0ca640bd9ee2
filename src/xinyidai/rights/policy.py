"""Rules of objections and credit repair with no I/O: deadlines, state changes, evidence files, eligibility.

Deadlines. The requirements and seeds set none for the source department's answer; the platform follows a
time limit of 5 working days (法定工作日, the State Council's holiday arrangement in `workdays`) for the
department to answer an objection and to decide a repair application, counted from the day after filing. An
objection still open after its due date is late and is escalated to the platform admin and the supervisors.

Repair. Administrative-penalty records (行政处罚信息) may be repaired once the penalty's obligations are
fulfilled, the entity signs a credit-repair commitment, and the minimum publicity period has been served:
3 months for a minor or general violation, 12 months for a serious one (the NDRC's rule on repairing
administrative-penalty information: 最短公示期 3 个月 / 1 年). The list of seriously dishonest entities
(严重失信主体名单) is not repaired by application here: an entity leaves it through the listing authority's
own removal procedure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from xinyidai.rights.enums import ObjectionStatus, RepairStatus
from xinyidai.workdays import WorkCalendar, add_months

ANSWER_WORKDAYS = 5
DECISION_WORKDAYS = 5

REASON_MIN, REASON_MAX = 10, 1000

# Evidence files: a few scans or PDFs, each small enough to keep in the database.
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 << 20
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)

REPAIRABLE_ITEMS = frozenset({"admin_penalty"})
NOT_REPAIRABLE = {
    "serious_dishonesty": "严重失信主体名单信息不适用信用修复申请，须由认定部门按名单管理规定办理移出",
}
NOT_REPAIRABLE_EN = {
    "serious_dishonesty": "A serious dishonesty listing cannot be repaired on application: the department that "
                          "listed the firm removes it under the list's rules",
}
MIN_PUBLICITY_MONTHS = {"轻微": 3, "一般": 3, "严重": 12}
COMMITMENT_TEXT = (
    "本单位承诺：已全面履行行政处罚决定规定的义务，违法行为已纠正，所提交的材料真实、有效；"
    "修复后如再次发生同类违法行为或承诺不实，愿意承担相应法律责任，并同意将承诺履行情况记入信用档案。"
)


def due_date(filed_on: date, calendar: WorkCalendar, workdays: int = ANSWER_WORKDAYS) -> date:
    """The last day to answer: `workdays` working days after the filing day."""
    return calendar.add_workdays(filed_on, workdays)


def is_late(due: date, today: date) -> bool:
    """Late once the due date has passed (the due date itself is still in time)."""
    return today > due


def needs_escalation(status: ObjectionStatus, due: date, last_escalated_on: date | None, today: date) -> bool:
    """An open, late objection is escalated once a business day (running the job again that day does nothing)."""
    return status is ObjectionStatus.OPEN and is_late(due, today) and last_escalated_on != today


OBJECTION_TRANSITIONS = {ObjectionStatus.OPEN: frozenset({ObjectionStatus.CORRECTED, ObjectionStatus.UPHELD})}
REPAIR_TRANSITIONS = {RepairStatus.PENDING: frozenset({RepairStatus.APPROVED, RepairStatus.REJECTED})}


def may_answer(current: ObjectionStatus, answer: ObjectionStatus) -> bool:
    """Only an open objection is answered, and only as corrected or upheld."""
    return answer in OBJECTION_TRANSITIONS.get(current, frozenset())


def may_decide(current: RepairStatus, decision: RepairStatus) -> bool:
    """Only a pending application is decided, and only as approved or rejected."""
    return decision in REPAIR_TRANSITIONS.get(current, frozenset())


def reason_problem(text: str, *, what: str = "理由") -> str | None:
    """Why a reason is unusable (too short or too long), or None."""
    size = len(text.strip())
    if size < REASON_MIN:
        return f"{what}至少需要{REASON_MIN}个字，请具体说明"
    if size > REASON_MAX:
        return f"{what}不能超过{REASON_MAX}个字"
    return None


@dataclass(frozen=True, slots=True)
class Evidence:
    """An uploaded file as checked: its safe name and the type its bytes show."""

    file_name: str
    content_type: str


def check_attachment(file_name: str, content: bytes) -> Evidence | str:
    """The file as evidence, or why it is refused (empty, too large, not a PDF/PNG/JPEG by its bytes)."""
    if not content:
        return f"附件“{file_name}”是空文件"
    if len(content) > MAX_ATTACHMENT_BYTES:
        return f"附件“{file_name}”超过 {MAX_ATTACHMENT_BYTES >> 20} MB"
    for magic, content_type, extension in SIGNATURES:
        if content.startswith(magic):
            return Evidence(file_name=safe_file_name(file_name, extension), content_type=content_type)
    return f"附件“{file_name}”不是 PDF、PNG 或 JPEG 文件"


def safe_file_name(name: str, extension: str) -> str:
    """A file name without any path, control or quoting characters, ending in the type's extension."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[\x00-\x1f\"';<>|*?:]", "", base).strip(" .") or "附件"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:100]}.{extension}"


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether a record may be repaired now, why not, and from when on."""

    eligible: bool
    reasons: list[str] = field(default_factory=list)
    earliest_date: date | None = None
    reasons_en: list[str] = field(default_factory=list)  # the same in English, for the portal's English mode


def repair_eligibility(*, item_code: str, data: dict[str, Any], fact_date: date | None, visible_until: date | None,
                       today: date, is_current: bool, repaired: bool, pending: bool,
                       under_objection: bool) -> Eligibility:
    """Whether the entity may apply to repair this record today (the evidence is checked on application)."""
    if item_code in NOT_REPAIRABLE:
        return Eligibility(False, [NOT_REPAIRABLE[item_code]], reasons_en=[NOT_REPAIRABLE_EN[item_code]])
    if item_code not in REPAIRABLE_ITEMS:
        return Eligibility(False, ["仅行政处罚信息可以申请信用修复"],
                           reasons_en=["Only administrative penalty records can be repaired"])
    reasons: list[str] = []
    reasons_en: list[str] = []

    def refuse(text: str, text_en: str) -> None:
        reasons.append(text)
        reasons_en.append(text_en)

    earliest = None
    if repaired:
        refuse("该记录已完成信用修复", "The record has already been repaired")
    if pending:
        refuse("该记录已有审核中的信用修复申请", "A repair application for the record is already under review")
    if under_objection:
        refuse("该记录正在异议处理中，请待异议处理完毕后再申请",
               "An objection to the record is being handled; apply once it is answered")
    if not is_current:
        refuse("只能对记录的当前版本申请信用修复", "Only the current version of a record can be repaired")
    if visible_until is not None and today > visible_until:
        refuse("该记录已过公示期，不再向金融机构展示，无需申请修复",
               "The record's publicity period is over: it is no longer shown to financial institutions, so "
               "there is nothing to repair")
    months = MIN_PUBLICITY_MONTHS.get(str(data.get("severity", "")), 12)
    if fact_date is None:
        refuse("记录缺少处罚决定日期，无法计算最短公示期",
               "The record has no penalty decision date, so the minimum publicity period cannot be worked out")
    else:
        earliest = add_months(fact_date, months)
        if today < earliest:
            refuse(f"最短公示期（{months}个月）未满，{earliest.isoformat()} 起可申请",
                   f"The minimum publicity period ({months} months) has not passed; you may apply from "
                   f"{earliest.isoformat()}")
    return Eligibility(not reasons, reasons, earliest, reasons_en)


def application_problems(*, fulfilled_date: date | None, fact_date: date | None, today: date,
                         commitment_signed: bool, evidence_count: int, statement: str) -> list[str]:
    """What is missing or wrong in a repair application (fulfilment, commitment, evidence, statement)."""
    problems = []
    if fulfilled_date is None:
        problems.append("请填写处罚义务履行完毕的日期")
    elif fulfilled_date > today:
        problems.append("履行完毕日期不能晚于今天")
    elif fact_date is not None and fulfilled_date < fact_date:
        problems.append("履行完毕日期不能早于处罚决定日期")
    if not commitment_signed:
        problems.append("请阅读并签署信用修复承诺书")
    if evidence_count < 1:
        problems.append("请上传已履行处罚义务的证明材料（如罚没款缴纳凭证）")
    if evidence_count > MAX_ATTACHMENTS:
        problems.append(f"附件最多 {MAX_ATTACHMENTS} 个")
    problem = reason_problem(statement, what="申请说明")
    if problem:
        problems.append(problem)
    return problems
