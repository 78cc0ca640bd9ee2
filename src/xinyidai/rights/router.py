"""REST API of objections and credit repair, for a source department's or the platform's own systems."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from xinyidai import pii
from xinyidai.auth.dependencies import DataOfficerDep, RightsPartyDep, csrf_protect
from xinyidai.auth.enums import Role
from xinyidai.auth.principal import Principal
from xinyidai.rights import service
from xinyidai.rights.enums import ObjectionStatus, RepairStatus
from xinyidai.rights.schemas import ObjectionAnswerCreate, ObjectionRead, RepairDecisionCreate, RepairRead
from xinyidai.web import IdPath, SessionDep

router = APIRouter(prefix="/api/v1/rights", tags=["information subject rights"], dependencies=[Depends(csrf_protect)])



def _as_followed(principal: Principal, read: ObjectionRead) -> ObjectionRead:
    """A supervisor follows objections (escalations) without being a party: the entity's and the department's
    free text reach it with identity and mobile numbers masked, as any other desensitised reader gets them."""
    if not principal.has_any(Role.GOVERNMENT_SUPERVISOR):
        return read
    return read.model_copy(update={"reason": pii.mask_numbers(read.reason),
                                   "answer_reason": pii.mask_numbers(read.answer_reason or "") or None})


@router.get("/objections", response_model=list[ObjectionRead])
def list_objections(session: SessionDep, principal: RightsPartyDep,
                    status: Annotated[ObjectionStatus | None, Query()] = None) -> list[ObjectionRead]:
    """The objections the caller is a party to (a department: its tasks; a supervisor: all, to follow them),
    newest first."""
    return [_as_followed(principal, ObjectionRead.model_validate(o))
            for o in service.list_objections(session, principal=principal, status=status)]


@router.get("/objections/{objection_id}", response_model=ObjectionRead)
def get_objection(session: SessionDep, principal: RightsPartyDep,
                  objection_id: IdPath) -> ObjectionRead:
    """One objection, for a party to it."""
    return ObjectionRead.model_validate(service.get_objection(session, principal=principal,
                                                              objection_id=objection_id))


@router.post("/objections/{objection_id}/answer", response_model=ObjectionRead)
def answer_objection(session: SessionDep, principal: DataOfficerDep, objection_id: IdPath,
                     answer_in: ObjectionAnswerCreate) -> ObjectionRead:
    """The source department answers (a retry after success gets 409: an objection is answered once)."""
    return ObjectionRead.model_validate(service.answer_objection(
        session, principal=principal, objection_id=objection_id, answer=answer_in.answer, reason=answer_in.reason,
        values=answer_in.values))


@router.get("/repairs", response_model=list[RepairRead])
def list_repairs(session: SessionDep, principal: RightsPartyDep,
                 status: Annotated[RepairStatus | None, Query()] = None) -> list[RepairRead]:
    """The credit-repair applications the caller is a party to, newest first."""
    reads = [RepairRead.model_validate(r) for r in service.list_repairs(session, principal=principal, status=status)]
    if not principal.has_any(Role.GOVERNMENT_SUPERVISOR):
        return reads
    return [r.model_copy(update={"statement": pii.mask_numbers(r.statement),
                                 "decision_reason": pii.mask_numbers(r.decision_reason or "") or None})
            for r in reads]


@router.post("/repairs/{repair_id}/decision", response_model=RepairRead)
def decide_repair(session: SessionDep, principal: DataOfficerDep, repair_id: IdPath,
                  decision_in: RepairDecisionCreate) -> RepairRead:
    """Approve or reject an application (decided once; a retry after success gets 409)."""
    return RepairRead.model_validate(service.decide_repair(
        session, principal=principal, repair_id=repair_id, decision=decision_in.decision, reason=decision_in.reason))
