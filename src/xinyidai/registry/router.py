"""REST API of the registry."""

from __future__ import annotations

from fastapi import APIRouter

from xinyidai.auth.dependencies import DataOfficerDep, EnterpriseUserDep
from xinyidai.auth.scoping import own_enterprise_id
from xinyidai.registry import service
from xinyidai.registry.schemas import EnterpriseCreate, EnterpriseRead, GateFindingRead
from xinyidai.web import SessionDep

router = APIRouter(prefix="/api/v1", tags=["registry"])



@router.get("/enterprise", response_model=EnterpriseRead)
def my_enterprise(session: SessionDep, principal: EnterpriseUserDep) -> EnterpriseRead:
    """The caller's own registry card."""
    enterprise_id = own_enterprise_id(principal)
    return service.to_read(service.get(session, enterprise_id=enterprise_id))


@router.get("/enterprise/annual-report-gate", response_model=list[GateFindingRead])
def my_gate(session: SessionDep, principal: EnterpriseUserDep) -> list[GateFindingRead]:
    """What stops the caller's entity from applying now (empty when nothing does)."""
    enterprise_id = own_enterprise_id(principal)
    gate = service.annual_report_gate(service.get(session, enterprise_id=enterprise_id))
    return [GateFindingRead(**f.__dict__) for f in gate.findings]


@router.post("/registry/enterprises", response_model=EnterpriseRead, status_code=201)
def create_enterprise(
    session: SessionDep, principal: DataOfficerDep, enterprise_in: EnterpriseCreate
) -> EnterpriseRead:
    """Register a market entity (market supervision's data officer or the platform admin)."""
    return service.to_read(service.register(session, principal=principal, enterprise_in=enterprise_in))
