"""REST API of the registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from xinyidai.errors import NotFound
from xinyidai.identity.dependencies import Allow
from xinyidai.identity.enums import Role
from xinyidai.identity.principal import Principal
from xinyidai.registry import service
from xinyidai.registry.schemas import EnterpriseCreate, EnterpriseRead, GateFindingRead
from xinyidai.web import SessionDep

router = APIRouter(prefix="/api/v1", tags=["registry"])

EnterpriseUser = Allow(Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF)
RegistryMaintainer = Allow(Role.PLATFORM_ADMIN, Role.DEPARTMENT_DATA_OFFICER)


@router.get("/enterprise", response_model=EnterpriseRead)
def my_enterprise(session: SessionDep, principal: Annotated[Principal, Depends(EnterpriseUser)]) -> EnterpriseRead:
    """The caller's own registry card."""
    if principal.enterprise_id is None:
        raise NotFound("未关联市场主体", message_en="no market entity")
    return service.to_read(service.get(session, enterprise_id=principal.enterprise_id))


@router.get("/enterprise/annual-report-gate", response_model=list[GateFindingRead])
def my_gate(session: SessionDep, principal: Annotated[Principal, Depends(EnterpriseUser)]) -> list[GateFindingRead]:
    """What stops the caller's entity from applying now (empty when nothing does)."""
    if principal.enterprise_id is None:
        raise NotFound("未关联市场主体", message_en="no market entity")
    gate = service.annual_report_gate(service.get(session, enterprise_id=principal.enterprise_id))
    return [GateFindingRead(**f.__dict__) for f in gate.findings]


@router.post("/registry/enterprises", response_model=EnterpriseRead, status_code=201)
def create_enterprise(
    session: SessionDep, _: Annotated[Principal, Depends(RegistryMaintainer)], enterprise_in: EnterpriseCreate
) -> EnterpriseRead:
    """Register a market entity (market supervision's data officer or the platform admin)."""
    return service.to_read(service.create(session, enterprise_in=enterprise_in))
