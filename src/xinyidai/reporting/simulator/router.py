"""REST API of the policy simulator (政策模拟): for the development-and-reform commission and the platform admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from xinyidai.auth.dependencies import BankManagerDep, OversightDep
from xinyidai.db import MAX_ID
from xinyidai.reporting.simulator import service
from xinyidai.reporting.simulator.models import PolicySimulation
from xinyidai.reporting.simulator.schemas import AppliedRead, PolicyIn, SimulationCreate, SimulationRead
from xinyidai.web import IdPath, SessionDep

router = APIRouter(prefix="/api/v1/policy-simulations", tags=["reporting"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def simulation_read(simulation: PolicySimulation) -> SimulationRead:
    """A saved simulation as the API shows it."""
    return SimulationRead.model_validate(simulation, from_attributes=True)


@router.get("/current-policy", response_model=PolicyIn)
def current_policy(session: SessionDep, principal: OversightDep,
                   product_id: Annotated[int, Query(ge=1, le=MAX_ID)]) -> PolicyIn:
    """A product's live policy in the shape a proposal takes: the starting point of a simulation."""
    return PolicyIn.of(service.current_policy(session, product_id=product_id))


@router.post("", response_model=SimulationRead, status_code=201)
def simulate(session: SessionDep, principal: OversightDep, simulation_in: SimulationCreate) -> SimulationRead:
    """Project a proposed policy beside the product's current one and keep the simulation; nothing live changes."""
    return simulation_read(service.simulate(session, principal=principal, simulation_in=simulation_in))


@router.get("/{simulation_id}", response_model=SimulationRead)
def get_simulation(session: SessionDep, principal: OversightDep, simulation_id: IdPath) -> SimulationRead:
    """One saved simulation with its assumptions, inputs and results."""
    return simulation_read(service.get(session, simulation_id=simulation_id))


@router.get("/{simulation_id}/workbook", response_class=Response)
def export(session: SessionDep, principal: OversightDep, simulation_id: IdPath) -> Response:
    """A saved simulation as an Excel workbook."""
    simulation = service.get(session, simulation_id=simulation_id)
    return Response(service.workbook(simulation), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="policy-simulation-{simulation.id}.xlsx"'})


@router.post("/{simulation_id}/apply", response_model=AppliedRead, status_code=201)
def apply(session: SessionDep, principal: BankManagerDep, simulation_id: IdPath) -> AppliedRead:
    """The product's bank adopts the simulation's product terms: a new version of its product, for the platform's
    review (audited); the risk split and the credit policy's rules are not product terms and stay as they are."""
    applied = service.apply(session, principal=principal, simulation_id=simulation_id)
    return AppliedRead(product_id=applied.product_id, version=applied.version, status=applied.status,
                       not_applied=service.not_applied(service.get(session, simulation_id=simulation_id)))
