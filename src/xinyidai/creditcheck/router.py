"""REST API of public credit checks (公共信用核查): a government system checks one bidder or a tender's bidders, and
anyone holding a result checks that it is genuine."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from xinyidai.auth.dependencies import CreditCheckerDep, PublicCallerDep, csrf_protect
from xinyidai.creditcheck import service
from xinyidai.creditcheck.schemas import (
    CreditCheckBatchCreate,
    CreditCheckBatchRead,
    CreditCheckCreate,
    CreditCheckRead,
    CreditCheckVerificationRead,
    CreditCheckVerify,
)
from xinyidai.text import Text
from xinyidai.web import SessionDep, client_ip

router = APIRouter(prefix="/api/v1", tags=["public credit check"], dependencies=[Depends(csrf_protect)])

Code = Annotated[Text, Query(min_length=1, max_length=40, description="核查结果上的校验码，如 ABCD-EFGH-JKMN-PQRS")]


@router.post("/credit-checks", status_code=201, response_model=CreditCheckRead)
def check(request: Request, session: SessionDep, principal: CreditCheckerDep,
          check_in: CreditCheckCreate) -> CreditCheckRead:
    """A government system checks one bidder by its code: public information only, sealed, stored and audited."""
    return service.check(session, principal=principal, uscc=check_in.uscc, tender_ref=check_in.tender_ref,
                         ip_address=client_ip(request), served_at=str(request.base_url))


@router.post("/credit-checks/batch", status_code=201, response_model=CreditCheckBatchRead)
def check_batch(request: Request, session: SessionDep, principal: CreditCheckerDep,
                batch_in: CreditCheckBatchCreate) -> CreditCheckBatchRead:
    """A tender's bidders in one call (at most 1,000): one sealed answer each, in the order asked; a wrong code
    refuses the whole call and nothing is stored."""
    return service.check_batch(session, principal=principal, usccs=batch_in.usccs, tender_ref=batch_in.tender_ref,
                               ip_address=client_ip(request), served_at=str(request.base_url))


@router.get("/credit-checks/verification", response_model=CreditCheckVerificationRead)
def verify_code(request: Request, session: SessionDep, caller: PublicCallerDep,
                code: Code) -> CreditCheckVerificationRead:
    """Anyone: was a check answered with this code, about whom and for whom (never its content)."""
    return service.verify(session, code=code, principal=caller, ip_address=client_ip(request))


@router.post("/credit-checks/verification", response_model=CreditCheckVerificationRead)
def verify_answer(request: Request, session: SessionDep, caller: PublicCallerDep,
                  verify_in: CreditCheckVerify) -> CreditCheckVerificationRead:
    """Anyone: as `GET`, and whether the presented answer is exactly the one sealed under the code."""
    if verify_in.answer is not None and len(json.dumps(verify_in.answer)) > service.MAX_ANSWER_CHARS:
        raise service.InvalidCheckRequest("所提交的核查结果过大", message_en="answer too large")
    return service.verify(session, code=verify_in.code, answer=verify_in.answer, principal=caller,
                          ip_address=client_ip(request))
