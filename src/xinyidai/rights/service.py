"""Use cases of the information subject's rights: objections (异议) and credit repair (信用修复).

The record and its marks belong to creditdata: this context asks it (through its service) to mark a fact
under objection, to store a corrected version, and to mark a fact repaired. Every step is audited and every
party (the entity, the source department, the platform) gets a message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from xinyidai import clock, workdays
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import ENTERPRISE_ROLES, Role
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import MarkKind
from xinyidai.creditdata.fields import FieldSpec
from xinyidai.creditdata.policy import visibility
from xinyidai.errors import Forbidden
from xinyidai.identity import service as identity_service
from xinyidai.rights import policy
from xinyidai.rights.enums import ObjectionStatus, RepairStatus
from xinyidai.rights.exceptions import (
    AlreadyInProgress,
    AttachmentNotFound,
    InvalidRightsRequest,
    NotEligibleForRepair,
    ObjectionNotFound,
    RepairNotFound,
)
from xinyidai.rights.models import CreditRepair, Objection, RightsAttachment

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as it arrived: the name the sender gave and its bytes."""

    file_name: str
    content: bytes


# Who is who ---------------------------------------------------------------------------------------------


def _own_entity(principal: Principal) -> int:
    if principal.enterprise_id is None or not principal.has_any(*ENTERPRISE_ROLES):
        raise Forbidden("只有市场主体本身可以提出申请", message_en="only the entity itself may apply")
    return principal.enterprise_id


def is_answerer(principal: Principal, department_organisation_id: int | None) -> bool:
    """The source department's officers answer; the platform admin answers for facts no department is bound to
    (and may step in when one does not answer)."""
    if principal.is_platform_admin:
        return True
    return (principal.has_any(Role.DEPARTMENT_DATA_OFFICER) and department_organisation_id is not None
            and principal.organisation_id == department_organisation_id)


def _is_own(principal: Principal, enterprise_id: int) -> bool:
    return principal.enterprise_id == enterprise_id and principal.has_any(*ENTERPRISE_ROLES)


def _is_department(principal: Principal, department_organisation_id: int | None) -> bool:
    return (principal.has_any(Role.DEPARTMENT_DATA_OFFICER) and department_organisation_id is not None
            and principal.organisation_id == department_organisation_id)


def _is_party(principal: Principal, enterprise_id: int, department_organisation_id: int | None) -> bool:
    # A supervisor is no party: it watches the lists and the overview (statistics), not the disputed records, the
    # entity's reasons or its evidence.
    return _is_own(principal, enterprise_id) or is_answerer(principal, department_organisation_id)


def may_open(principal: Principal) -> bool:
    """Whether the caller may open an objection or application at all (the lists link to them): not a supervisor
    who is nothing else."""
    return (principal.is_platform_admin or principal.has_any(*ENTERPRISE_ROLES)
            or principal.has_any(Role.DEPARTMENT_DATA_OFFICER))


@dataclass(frozen=True, slots=True)
class RecordView:
    """The record an objection or application is about, as the caller may see it."""

    record: creditdata_service.CreditRecordView
    item: creditdata_service.CatalogueItemView
    fields: list[tuple[FieldSpec, str]]
    masked: frozenset[str]  # the fields whose value the caller sees desensitised (not offered for correction)
    department: str


def view_record(session: Session, *, principal: Principal, record_id: int, purpose: str) -> RecordView:
    """The record for the entity itself and its source department in clear; for the platform admin desensitised
    for its audience and audited with `purpose` (异议处理 / 信用修复审核 and the procedure's number). The caller's
    standing as a party is checked before (get_objection / get_repair / the entity's own record)."""
    record = creditdata_service.get_record(session, record_id=record_id)
    item = creditdata_service.get_item_by_id(session, item_id=record.catalogue_item_id)
    clear = creditdata_service.field_texts(item, record)
    department_org = creditdata_service.department_organisation(session, code=record.source_department)
    if _is_own(principal, record.enterprise_id) or _is_department(principal, department_org):
        fields, masked = clear, frozenset[str]()
    elif principal.is_platform_admin:
        fields = creditdata_service.field_texts(item, record, consent_service.Audience.PLATFORM_ADMIN)
        masked = frozenset(spec.name for (spec, text), (_, shown) in zip(clear, fields, strict=True)
                           if text != shown)
        audit_service.record(session, action="rights.record_viewed", actor=principal, subject_type="credit_record",
                             subject_id=record.id, enterprise_id=record.enterprise_id, purpose=purpose,
                             detail={"item": item.code, "audience": consent_service.Audience.PLATFORM_ADMIN.value})
    else:
        raise Forbidden("无权查看该记录", message_en="not a party to this record")
    return RecordView(record=record, item=item, fields=fields, masked=masked,
                      department=creditdata_service.department_name(session, code=record.source_department))


def _audit(session: Session, principal: Principal, action: str, *, subject_type: str, subject_id: int,
           enterprise_id: int, detail: dict[str, object]) -> None:
    audit_service.record(session, action=action, actor=principal, subject_type=subject_type,
                         subject_id=subject_id, enterprise_id=enterprise_id, purpose="information_subject_rights",
                         detail=detail)


def _entity_org(session: Session, enterprise_id: int) -> int | None:
    organisation = identity_service.get_enterprise_organisation(session, enterprise_id=enterprise_id)
    return organisation.id if organisation else None


def _store_attachments(session: Session, principal: Principal, uploads: Sequence[Upload], *,
                       objection_id: int | None = None, repair_id: int | None = None) -> None:
    for upload in uploads:
        checked = policy.check_attachment(upload.file_name, upload.content)
        assert isinstance(checked, policy.Evidence)  # checked before anything was written
        session.add(RightsAttachment(
            objection_id=objection_id, repair_id=repair_id, file_name=checked.file_name,
            content_type=checked.content_type, size_bytes=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(), content=upload.content,
            uploaded_by_user_id=principal.user_id, uploaded_at=clock.now()))
    session.flush()


def attachment_problems(uploads: Sequence[Upload]) -> list[str]:
    """Why the uploaded files are refused as evidence (count, size, type); empty when all are fine."""
    problems = [p for p in (policy.check_attachment(u.file_name, u.content) for u in uploads) if isinstance(p, str)]
    if len(uploads) > policy.MAX_ATTACHMENTS:
        problems.append(f"附件最多 {policy.MAX_ATTACHMENTS} 个")
    return problems


def attachments_of(session: Session, *, objection_id: int | None = None,
                   repair_id: int | None = None) -> Sequence[RightsAttachment]:
    """The evidence files of an objection or an application, in upload order."""
    query = select(RightsAttachment).order_by(RightsAttachment.id)
    if objection_id is not None:
        query = query.where(RightsAttachment.objection_id == objection_id)
    else:
        query = query.where(RightsAttachment.repair_id == repair_id)
    return session.scalars(query).all()


def get_attachment(session: Session, *, principal: Principal, attachment_id: int) -> RightsAttachment:
    """An evidence file, for a party to its objection or application only."""
    found = session.get(RightsAttachment, attachment_id)
    if found is None:
        raise AttachmentNotFound("没有找到该附件", message_en="no such attachment")
    try:
        if found.objection_id is not None:
            get_objection(session, principal=principal, objection_id=found.objection_id)
        else:
            get_repair(session, principal=principal, repair_id=found.repair_id or 0)
    except (ObjectionNotFound, RepairNotFound):
        raise AttachmentNotFound("没有找到该附件", message_en="no such attachment") from None
    if not _is_own(principal, found_enterprise(session, found)):
        # Evidence is the entity's: anyone else's download of it is on its access log.
        audit_service.record(session, action="rights.attachment_downloaded", actor=principal,
                             subject_type="rights_attachment",
                             subject_id=found.id, enterprise_id=found_enterprise(session, found),
                             purpose="异议处理" if found.objection_id is not None else "信用修复审核",
                             detail={"file_name": found.file_name, "sha256": found.sha256})
    return found


def found_enterprise(session: Session, attachment: RightsAttachment) -> int:
    """The entity whose objection or application an evidence file belongs to."""
    owner = (session.get(Objection, attachment.objection_id) if attachment.objection_id is not None
             else session.get(CreditRepair, attachment.repair_id))
    assert owner is not None  # the foreign keys hold
    return owner.enterprise_id


# Objections ---------------------------------------------------------------------------------------------


def get_objection(session: Session, *, principal: Principal, objection_id: int) -> Objection:
    """An objection, for a party to it (the entity, the answering department, the platform admin)."""
    objection = session.get(Objection, objection_id)
    if objection is None or not _is_party(principal, objection.enterprise_id, objection.department_organisation_id):
        raise ObjectionNotFound("没有找到该异议", message_en="no such objection")
    return objection


def _parties_only(query: Select[T], principal: Principal, *, enterprise_column: InstrumentedAttribute[Any],
                  department_column: InstrumentedAttribute[Any]) -> Select[T] | None:
    """An objection or repair query narrowed to the caller's: its entity's, its department's tasks, or all for the
    platform and supervisors; None for anyone else."""
    if principal.is_platform_admin or principal.has_any(Role.GOVERNMENT_SUPERVISOR):
        return query
    if principal.has_any(*ENTERPRISE_ROLES) and principal.enterprise_id is not None:
        return query.where(enterprise_column == principal.enterprise_id)
    if principal.has_any(Role.DEPARTMENT_DATA_OFFICER):
        return query.where(department_column == principal.organisation_id)
    return None


def list_objections(session: Session, *, principal: Principal, status: ObjectionStatus | None = None,
                    escalated_only: bool = False) -> Sequence[Objection]:
    """The objections the caller is a party to: its entity's, its department's tasks, or all (platform,
    supervisors); newest first."""
    query = _parties_only(select(Objection).order_by(Objection.filed_at.desc(), Objection.id.desc()), principal,
                          enterprise_column=Objection.enterprise_id,
                          department_column=Objection.department_organisation_id)
    if query is None:
        return []
    if status is not None:
        query = query.where(Objection.status == status.value)
    if escalated_only:
        query = query.where(Objection.escalated_at.is_not(None))
    return session.scalars(query).all()


def open_objection_for(session: Session, *, record: creditdata_service.CreditRecordView) -> Objection | None:
    """The open objection on the record's fact, if there is one."""
    return session.scalars(select(Objection).where(
        Objection.enterprise_id == record.enterprise_id, Objection.catalogue_item_id == record.catalogue_item_id,
        Objection.record_key == record.record_key, Objection.status == ObjectionStatus.OPEN.value)).first()


def file_objection(session: Session, *, principal: Principal, record_id: int, reason: str,
                   uploads: Sequence[Upload] = ()) -> Objection:
    """The entity disputes one of its records: the fact is marked 异议处理中 and the source department gets a task
    due in `policy.ANSWER_WORKDAYS` working days."""
    enterprise_id = _own_entity(principal)
    record = creditdata_service.get_record(session, record_id=record_id, enterprise_id=enterprise_id)
    problems = [p for p in (policy.reason_problem(reason, what="异议理由"),) if p] + attachment_problems(uploads)
    if problems:
        raise InvalidRightsRequest("；".join(problems), message_en="invalid objection")
    if creditdata_service.current_version(session, record=record).id != record.id:
        raise InvalidRightsRequest("该记录已有更新的版本，请对当前版本提出异议", message_en="not the current version")
    if open_objection_for(session, record=record) is not None:
        raise AlreadyInProgress("该记录已有处理中的异议", message_en="an objection on this record is open")
    today = clock.today()
    department_org = creditdata_service.department_organisation(session, code=record.source_department)
    objection = Objection(
        number="", enterprise_id=enterprise_id, record_id=record.id, catalogue_item_id=record.catalogue_item_id,
        record_key=record.record_key, source_department=record.source_department,
        department_organisation_id=department_org, reason=reason.strip(), status=ObjectionStatus.OPEN.value,
        filed_by_user_id=principal.user_id, filed_at=clock.now(),
        due_date=policy.due_date(today, workdays.load_calendar(session)))
    session.add(objection)
    session.flush()
    objection.number = f"YY{today:%Y%m%d}{objection.id:06d}"
    _store_attachments(session, principal, uploads, objection_id=objection.id)
    creditdata_service.mark_record(session, record_id=record.id, kind=MarkKind.UNDER_OBJECTION,
                                   reference=objection.number, user_id=principal.user_id)
    _audit(session, principal, "rights.objection_filed", subject_type="objection", subject_id=objection.id,
           enterprise_id=enterprise_id, detail={"number": objection.number, "record_id": record.id,
                                                "due_date": objection.due_date.isoformat(),
                                                "attachments": len(uploads)})
    item = creditdata_service.get_item_by_id(session, item_id=record.catalogue_item_id)
    link = f"/rights/objections/{objection.id}"
    identity_service.notify_each(
        session,
        organisation_ids=[department_org] if department_org else identity_service.platform_operator_ids(session),
        subject=f"新的异议待处理：{objection.number}",
        body=f"市场主体对“{item.name}”记录提出异议，请于 {objection.due_date.isoformat()} 前核查并答复。", link=link)
    identity_service.notify_each(
        session, organisation_ids=[_entity_org(session, enterprise_id)], subject=f"异议已受理：{objection.number}",
        body=f"您对“{item.name}”记录的异议已提交来源部门核查，答复期限 {objection.due_date.isoformat()}。"
             "处理期间该记录向金融机构展示时标注“异议处理中”。", link=link)
    return objection


def answer_objection(session: Session, *, principal: Principal, objection_id: int, answer: ObjectionStatus,
                     reason: str, values: dict[str, str] | None = None) -> Objection:
    """The source department answers: corrected (a new version of the record, the old one kept) or upheld
    (the record stands, with the reason). The mark is cleared and every party is told."""
    objection = get_objection(session, principal=principal, objection_id=objection_id)
    if not is_answerer(principal, objection.department_organisation_id):
        raise Forbidden("只有该记录的来源部门可以答复此异议", message_en="only the source department answers")
    if not policy.may_answer(ObjectionStatus(objection.status), answer):
        raise AlreadyInProgress("该异议已答复，不能再次答复", message_en="objection already answered")
    problem = policy.reason_problem(reason, what="答复理由")
    if problem:
        raise InvalidRightsRequest(problem, message_en="invalid answer reason")
    if answer is ObjectionStatus.CORRECTED:
        if not values:
            raise InvalidRightsRequest("更正须填写更正后的记录内容", message_en="corrected values missing")
        # A field not given keeps its recorded value: the platform admin is shown some fields desensitised and is
        # not offered them for correction (a masked value must never be stored as the fact).
        record = creditdata_service.get_record(session, record_id=objection.record_id)
        item = creditdata_service.get_item_by_id(session, item_id=record.catalogue_item_id)
        recorded = {spec.name: text for spec, text in creditdata_service.field_texts(item, record)}
        corrected = creditdata_service.correct_record(session, record_id=objection.record_id,
                                                      values={**recorded, **values}, reference=objection.number)
        objection.corrected_record_id = corrected.id
    objection.status = answer.value
    objection.answer_reason = reason.strip()
    objection.answered_at = clock.now()
    objection.answered_by_user_id = principal.user_id
    objection.answered_by_organisation_id = principal.organisation_id
    creditdata_service.clear_marks(session, reference=objection.number, kind=MarkKind.UNDER_OBJECTION,
                                   user_id=principal.user_id)
    session.flush()
    _audit(session, principal, "rights.objection_answered", subject_type="objection", subject_id=objection.id,
           enterprise_id=objection.enterprise_id,
           detail={"number": objection.number, "answer": answer.value, "record_id": objection.record_id,
                   "corrected_record_id": objection.corrected_record_id,
                   "late": policy.is_late(objection.due_date, clock.today())})
    outcome = "已更正，记录形成新版本（原版本作为历史保留）" if answer is ObjectionStatus.CORRECTED else "维持原记录"
    identity_service.notify_each(
        session, organisation_ids=[_entity_org(session, objection.enterprise_id), objection.department_organisation_id,
                                   *identity_service.platform_operator_ids(session)],
        subject=f"异议已答复：{objection.number}", body=f"答复结果：{outcome}。理由：{objection.answer_reason}",
        link=f"/rights/objections/{objection.id}")
    return objection


def escalate_overdue(session: Session, *, today: date | None = None) -> list[Objection]:
    """Escalate open objections past their due date to the platform admin and the supervisors, once a business
    day; the first escalation marks the objection escalated. Returns the objections escalated by this run."""
    today = today or clock.today()
    late = session.scalars(select(Objection).where(
        Objection.status == ObjectionStatus.OPEN.value, Objection.due_date < today).order_by(Objection.id)).all()
    escalated = [o for o in late if policy.needs_escalation(ObjectionStatus(o.status), o.due_date,
                                                            o.last_escalated_on, today)]
    supervisors = identity_service.user_ids_with_role(session, role=Role.GOVERNMENT_SUPERVISOR)
    for objection in escalated:
        first = objection.escalated_at is None
        if first:
            objection.escalated_at = clock.now()
        objection.last_escalated_on = today
        department = creditdata_service.department_name(session, code=objection.source_department)
        days = workdays.load_calendar(session).workdays_between(objection.due_date, today)
        subject = f"异议逾期未答复：{objection.number}"
        body = f"{department}应于 {objection.due_date.isoformat()} 前答复，已逾期 {days} 个工作日，请督办。"
        link = f"/rights/objections/{objection.id}"
        identity_service.notify_each(session, organisation_ids=[*identity_service.platform_operator_ids(session),
                                                             objection.department_organisation_id],
                                  subject=subject, body=body, link=link)
        for user_id in supervisors:  # a supervisor follows the list of escalated objections, not the objection
            identity_service.notify(session, user_id=user_id, subject=subject, body=body,
                                 link="/rights/objections?escalated=true")
        audit_service.record(session, action="rights.objection_escalated",
                             actor=audit_service.Actor.system("objection_escalation"), subject_type="objection",
                             subject_id=objection.id, enterprise_id=objection.enterprise_id,
                             purpose="information_subject_rights",
                             detail={"number": objection.number, "due_date": objection.due_date.isoformat(),
                                     "first": first, "business_date": today.isoformat()})
    session.flush()
    return list(escalated)


# Credit repair ------------------------------------------------------------------------------------------


def get_repair(session: Session, *, principal: Principal, repair_id: int) -> CreditRepair:
    """A repair application, for a party to it."""
    repair = session.get(CreditRepair, repair_id)
    if repair is None or not _is_party(principal, repair.enterprise_id, repair.department_organisation_id):
        raise RepairNotFound("没有找到该信用修复申请", message_en="no such credit repair application")
    return repair


def list_repairs(session: Session, *, principal: Principal,
                 status: RepairStatus | None = None) -> Sequence[CreditRepair]:
    """The applications the caller is a party to, newest first."""
    query = _parties_only(select(CreditRepair).order_by(CreditRepair.filed_at.desc(), CreditRepair.id.desc()),
                          principal, enterprise_column=CreditRepair.enterprise_id,
                          department_column=CreditRepair.department_organisation_id)
    if query is None:
        return []
    if status is not None:
        query = query.where(CreditRepair.status == status.value)
    return session.scalars(query).all()


@dataclass(frozen=True, slots=True)
class RepairCheck:
    """A record the entity may want repaired, its sub-category, and whether it may apply today."""

    record: creditdata_service.CreditRecordView
    item: creditdata_service.CatalogueItemView
    eligibility: policy.Eligibility


def check_repair(session: Session, *, principal: Principal, record_id: int) -> RepairCheck:
    """Whether the caller's entity may apply to repair this record today, and why not."""
    enterprise_id = _own_entity(principal)
    record = creditdata_service.get_record(session, record_id=record_id, enterprise_id=enterprise_id)
    item = creditdata_service.get_item_by_id(session, item_id=record.catalogue_item_id)
    marks = creditdata_service.active_marks(session, enterprise_id=enterprise_id).get(
        (record.catalogue_item_id, record.record_key), set())
    pending = session.scalars(select(CreditRepair.id).where(
        CreditRepair.enterprise_id == enterprise_id, CreditRepair.catalogue_item_id == record.catalogue_item_id,
        CreditRepair.record_key == record.record_key, CreditRepair.status == RepairStatus.PENDING.value)).first()
    today = clock.today()
    eligibility = policy.repair_eligibility(
        item_code=item.code, data=record.data, fact_date=record.fact_date,
        visible_until=visibility(record.fact_date, item.visible_days, today).until, today=today,
        is_current=creditdata_service.current_version(session, record=record).id == record.id,
        repaired=MarkKind.REPAIRED in marks, pending=pending is not None,
        under_objection=MarkKind.UNDER_OBJECTION in marks)
    return RepairCheck(record, item, eligibility)


def apply_repair(session: Session, *, principal: Principal, record_id: int, fulfilled_date: date | None,
                 statement: str, commitment_signed: bool, uploads: Sequence[Upload]) -> CreditRepair:
    """The entity applies to repair an eligible penalty record with evidence and a signed commitment; the
    source department (or the platform admin) decides."""
    check = check_repair(session, principal=principal, record_id=record_id)
    if not check.eligibility.eligible:
        raise NotEligibleForRepair("该记录暂不能申请信用修复：" + "；".join(check.eligibility.reasons),
                                   message_en="record not eligible for repair: "
                                   + "; ".join(check.eligibility.reasons_en))
    record, item = check.record, check.item
    today = clock.today()
    problems = policy.application_problems(
        fulfilled_date=fulfilled_date, fact_date=record.fact_date, today=today, commitment_signed=commitment_signed,
        evidence_count=len(uploads), statement=statement) + attachment_problems(uploads)
    if problems or fulfilled_date is None:
        raise InvalidRightsRequest("；".join(problems), message_en="invalid repair application")
    now = clock.now()
    department_org = creditdata_service.department_organisation(session, code=record.source_department)
    repair = CreditRepair(
        number="", enterprise_id=record.enterprise_id, record_id=record.id, catalogue_item_id=item.id,
        record_key=record.record_key, source_department=record.source_department,
        department_organisation_id=department_org, fulfilled_date=fulfilled_date, statement=statement.strip(),
        commitment_text=policy.COMMITMENT_TEXT,
        commitment_sha256=hashlib.sha256(f"{policy.COMMITMENT_TEXT}|{record.id}|{principal.user_id}".encode())
        .hexdigest(),
        commitment_signed_at=now, status=RepairStatus.PENDING.value, filed_by_user_id=principal.user_id,
        filed_at=now, due_date=policy.due_date(today, workdays.load_calendar(session), policy.DECISION_WORKDAYS))
    session.add(repair)
    session.flush()
    repair.number = f"XF{today:%Y%m%d}{repair.id:06d}"
    _store_attachments(session, principal, uploads, repair_id=repair.id)
    _audit(session, principal, "rights.repair_applied", subject_type="credit_repair", subject_id=repair.id,
           enterprise_id=record.enterprise_id,
           detail={"number": repair.number, "record_id": record.id, "fulfilled_date": fulfilled_date.isoformat(),
                   "commitment_sha256": repair.commitment_sha256, "attachments": len(uploads)})
    link = f"/rights/repairs/{repair.id}"
    identity_service.notify_each(
        session,
        organisation_ids=[department_org] if department_org else identity_service.platform_operator_ids(session),
        subject=f"新的信用修复申请待审核：{repair.number}",
        body=f"市场主体申请修复“{item.name}”记录，请于 {repair.due_date.isoformat()} 前审核。", link=link)
    identity_service.notify_each(
        session, organisation_ids=[_entity_org(session, record.enterprise_id)],
        subject=f"信用修复申请已提交：{repair.number}",
        body=f"审核期限 {repair.due_date.isoformat()}，结果将以消息通知。", link=link)
    return repair


def decide_repair(session: Session, *, principal: Principal, repair_id: int, decision: RepairStatus,
                  reason: str) -> CreditRepair:
    """The source department or the platform admin approves (from today the record is neither shown to
    institutions nor counted) or rejects with a reason."""
    repair = get_repair(session, principal=principal, repair_id=repair_id)
    if not is_answerer(principal, repair.department_organisation_id):
        raise Forbidden("只有该记录的来源部门或平台管理员可以审核此申请", message_en="not the deciding party")
    if not policy.may_decide(RepairStatus(repair.status), decision):
        raise AlreadyInProgress("该申请已审核，不能再次审核", message_en="application already decided")
    problem = policy.reason_problem(reason, what="审核意见")
    if problem:
        raise InvalidRightsRequest(problem, message_en="invalid decision reason")
    today = clock.today()
    repair.status = decision.value
    repair.decision_reason = reason.strip()
    repair.decided_at = clock.now()
    repair.decided_by_user_id = principal.user_id
    repair.decided_by_organisation_id = principal.organisation_id
    if decision is RepairStatus.APPROVED:
        repair.effective_date = today
        creditdata_service.mark_record(session, record_id=repair.record_id, kind=MarkKind.REPAIRED,
                                       reference=repair.number, user_id=principal.user_id, effective_date=today)
    session.flush()
    _audit(session, principal, "rights.repair_decided", subject_type="credit_repair", subject_id=repair.id,
           enterprise_id=repair.enterprise_id,
           detail={"number": repair.number, "decision": decision.value, "record_id": repair.record_id,
                   "effective_date": repair.effective_date.isoformat() if repair.effective_date else None})
    outcome = ("已修复：自今日起该记录不再向金融机构展示，也不计入信用评价" if decision is RepairStatus.APPROVED
               else "不予修复")
    identity_service.notify_each(
        session, organisation_ids=[_entity_org(session, repair.enterprise_id), repair.department_organisation_id,
                                   *identity_service.platform_operator_ids(session)],
        subject=f"信用修复申请已审核：{repair.number}", body=f"审核结果：{outcome}。意见：{repair.decision_reason}",
        link=f"/rights/repairs/{repair.id}")
    return repair


# Statistics (read by reporting) ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseTotals:
    """Objections or repairs in a period: filed, closed (answered or decided) with their total handling time,
    and those still open at the end whose due date had passed."""

    filed: int
    closed: int
    handling_seconds: int  # summed over the closed ones
    overdue_open: int


def _case_totals(session: Session, model: type[Objection] | type[CreditRepair], closed_at: Any, *,
                 since: datetime | None, until: datetime, as_of: date) -> CaseTotals:
    filed_query = select(func.count()).select_from(model).where(model.filed_at < until)
    closed_query = select(model.filed_at, closed_at).where(closed_at.is_not(None), closed_at < until)
    if since is not None:
        filed_query = filed_query.where(model.filed_at >= since)
        closed_query = closed_query.where(closed_at >= since)
    closed = session.execute(closed_query).all()
    overdue = session.scalar(select(func.count()).select_from(model).where(
        model.filed_at < until, model.due_date < as_of, or_(closed_at.is_(None), closed_at >= until)))
    return CaseTotals(filed=int(session.scalar(filed_query) or 0), closed=len(closed),
                      handling_seconds=sum(int((end - start).total_seconds()) for start, end in closed),
                      overdue_open=int(overdue or 0))


def objection_totals(session: Session, *, since: datetime | None, until: datetime, as_of: date) -> CaseTotals:
    """Objections filed in [since, until), answered in it (and how long each took), open past due at `as_of`."""
    return _case_totals(session, Objection, Objection.answered_at, since=since, until=until, as_of=as_of)


def repair_totals(session: Session, *, since: datetime | None, until: datetime, as_of: date) -> CaseTotals:
    """Repair applications filed in [since, until), decided in it (and how long each took), open past due."""
    return _case_totals(session, CreditRepair, CreditRepair.decided_at, since=since, until=until, as_of=as_of)
