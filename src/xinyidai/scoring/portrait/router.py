"""REST API of the credit portrait (信用画像): the entity's own, and an entity's under its authorisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from xinyidai.auth.dependencies import CreditReaderDep, EnterpriseUserDep, csrf_protect
from xinyidai.auth.scoping import own_enterprise_id
from xinyidai.scoring.portrait.schemas import PortraitRead
from xinyidai.scoring.portrait.service import read_portrait
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(prefix="/api/v1", tags=["credit portrait"], dependencies=[Depends(csrf_protect)])

# Who may ask; the service narrows it to the entity, the platform and institutions under a live authorisation.
PurposeRef = Annotated[Text | None, Query(min_length=1, max_length=60,
                                         description="授权对应的融资申请编号（机构查询时必填）")]


@router.get("/enterprises/me/portrait", response_model=PortraitRead)
def my_portrait(request: Request, session: SessionDep,
                principal: EnterpriseUserDep) -> PortraitRead:
    """The caller's own entity's credit portrait, with what would raise its score."""
    enterprise_id = own_enterprise_id(principal)
    return read_portrait(session, principal=principal, enterprise_id=enterprise_id,
                         ip_address=client_ip(request))


@router.get("/enterprises/{enterprise_id}/portrait", response_model=PortraitRead)
def portrait(request: Request, session: SessionDep, principal: CreditReaderDep,
             enterprise_id: IdPath, purpose_ref: PurposeRef = None) -> PortraitRead:
    """An entity's credit portrait as the caller may see it (an institution under the entity's authorisation)."""
    return read_portrait(session, principal=principal, enterprise_id=enterprise_id, purpose_ref=purpose_ref,
                         ip_address=client_ip(request))
