"""REST API of the enterprise's credit file, verification (核验) and self-reporting under credit commitments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from xinyidai.auth.dependencies import CreditReaderDep, DataOfficerDep, EnterpriseUserDep, csrf_protect
from xinyidai.auth.scoping import own_enterprise_id
from xinyidai.creditdata import selfreport, verification
from xinyidai.creditdata.credit_file import read_credit_file
from xinyidai.creditdata.schemas import (
    CommitmentBreachCreate,
    CommitmentRead,
    CreditFileRead,
    FactsSelfReportCreate,
    SelfReportCreate,
    SelfReportRead,
    VerificationCreate,
    VerificationRead,
)
from xinyidai.db import MAX_ID
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep

router = APIRouter(prefix="/api/v1", tags=["credit file"], dependencies=[Depends(csrf_protect)])

# Who may read a file or ask a question; the service narrows it to the entity, the platform and authorised
# institutions.
PurposeRef = Annotated[Text | None, Query(min_length=1, max_length=60,
                                         description="授权对应的融资申请编号（机构查询时必填）")]


@router.get("/enterprises/me/credit-file", response_model=CreditFileRead)
def my_credit_file(session: SessionDep, principal: EnterpriseUserDep) -> CreditFileRead:
    """The caller's own entity's credit file, records past their publicity period included and flagged."""
    enterprise_id = own_enterprise_id(principal)
    return read_credit_file(session, principal=principal, enterprise_id=enterprise_id)


@router.get("/enterprises/{enterprise_id}/credit-file", response_model=CreditFileRead)
def credit_file(session: SessionDep, principal: CreditReaderDep, enterprise_id: IdPath,
                purpose_ref: PurposeRef = None) -> CreditFileRead:
    """An entity's credit file as the caller may see it (an institution under the entity's authorisation)."""
    return read_credit_file(session, principal=principal, enterprise_id=enterprise_id, purpose_ref=purpose_ref)


@router.post("/verifications", response_model=VerificationRead, status_code=201)
def ask(session: SessionDep, principal: CreditReaderDep,
        verification_in: VerificationCreate) -> VerificationRead:
    """Ask the source department whether the entity meets a condition; only the answer is kept."""
    asked = verification.verify(
        session, principal=principal, enterprise_id=verification_in.enterprise_id,
        condition=verification_in.condition, parameters=verification_in.parameters,
        purpose=verification_in.purpose, purpose_ref=verification_in.purpose_ref,
    )
    return VerificationRead.model_validate(asked)


@router.get("/verifications", response_model=list[VerificationRead])
def list_verifications(session: SessionDep, principal: CreditReaderDep,
                       enterprise_id: Annotated[int, Query(ge=1, le=MAX_ID)]) -> list[VerificationRead]:
    """The questions put about an entity (an institution sees its own)."""
    found = verification.list_verifications(session, principal=principal, enterprise_id=enterprise_id)
    return [VerificationRead.model_validate(v) for v in found]


@router.post("/self-reports", response_model=SelfReportRead, status_code=201)
def self_report(session: SessionDep, principal: EnterpriseUserDep,
                report_in: SelfReportCreate) -> SelfReportRead:
    """Report operating information under a signed credit commitment."""
    reported = selfreport.report(session, principal=principal, report_in=report_in)
    return SelfReportRead(commitment=CommitmentRead.model_validate(reported.commitment),
                          item_code=selfreport.ITEM_CODE, data=reported.record.data)


SelfReportItem = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$",
                                     description="agri_crop, agri_yield or agri_land_contract")]


@router.post("/self-reports/{item_code}", response_model=SelfReportRead, status_code=201)
def self_report_facts(session: SessionDep, principal: EnterpriseUserDep, item_code: SelfReportItem,
                      facts_in: FactsSelfReportCreate) -> SelfReportRead:
    """Report agricultural facts (a crop planted, a harvest, a land contract) under a signed credit commitment."""
    reported = selfreport.report_facts(session, principal=principal, item_code=item_code, facts_in=facts_in)
    return SelfReportRead(commitment=CommitmentRead.model_validate(reported.commitment),
                          item_code=item_code, data=reported.record.data)


@router.post("/commitments/{commitment_id}/breach", response_model=CommitmentRead)
def breach(session: SessionDep, principal: DataOfficerDep, commitment_id: IdPath,
           breach_in: CommitmentBreachCreate) -> CommitmentRead:
    """Find a commitment false: it is marked breached and the entity gets a negative record."""
    found = selfreport.find_false(session, principal=principal, commitment_id=commitment_id,
                                  finding=breach_in.finding)
    return CommitmentRead.model_validate(found)
