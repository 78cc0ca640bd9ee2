"""Schemathesis over every operation of the OpenAPI document, as a user of every role and unauthenticated: no 5xx,
and no response that breaks its declared schema.

Bounded and reproducible for every run of the suite: schemathesis's coverage cases (boundary and invalid values of
every parameter and body field) and a few generated examples per operation, from a fixed seed; one world, committed
to a database of the module's own, and one login per user. Each (operation, caller) pair is a test of its own, so
that xdist spreads them and a failure names both. A caller whose roles the route does not admit is refused by the
route's role dependency before any input is read, so one request shows that refusal; the callers it admits get
every case. `make fuzz` runs more generated examples (XINYIDAI_FUZZ_EXAMPLES)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, build_world, login, page_csrf
from xinyidai import clock, db
from xinyidai.auth.dependencies import Allow
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.identity import security
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.main import create_app

# A user of each role: those of the fixture world, and the roles it has no user for, added below.
USERS = ("admin", "a.officer", "a.manager", "a.admin", "guarantor", "agency", "tax.officer", "supervisor", "good",
         "good.staff", "grid")
ANONYMOUS = "anonymous"
# Generated examples per operation and caller, besides the coverage cases: a few in every run, more in `make fuzz`.
EXAMPLES = int(os.environ.get("XINYIDAI_FUZZ_EXAMPLES", "2"))

# The document does not depend on the database: built once, in process (loading it over HTTP has a timeout a loaded
# machine can exceed); the module's fixture points the application at its world.
APP = create_app()
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP
schema.location = "/openapi.json"


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_api_routes(route.original_router.routes))
    return found


def _role_checks(dependant: Dependant) -> list[Allow]:
    found = [dependant.call] if isinstance(dependant.call, Allow) else []
    for sub in dependant.dependencies:
        found.extend(_role_checks(sub))
    return found


# For each operation, the role checks its route declares (none for a public route).
ROLE_CHECKS = {f"{method} {route.path_format}": _role_checks(route.dependant)
               for route in _api_routes(APP.routes) for method in route.methods}


def _admits(label: str, roles: frozenset[Role]) -> bool:
    return all(roles & check.roles for check in ROLE_CHECKS[label])


def _add_missing_roles(session: Session, world_good_enterprise: int, bank_a: int, tax_org: int) -> None:
    def user(organisation_id: int, username: str, role: Role) -> None:
        identity_service.create_user(session, user_in=UserCreate(
            organisation_id=organisation_id, username=username, display_name=username, password=PASSWORD,
            roles=[role]))

    good_org = identity_service.get_enterprise_organisation(session, enterprise_id=world_good_enterprise)
    assert good_org is not None
    agency = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name="丁信用服务", kind=OrgKind.CREDIT_AGENCY))
    user(good_org.id, "good.staff", Role.ENTERPRISE_STAFF)
    user(bank_a, "a.admin", Role.INSTITUTION_ADMIN)
    user(agency.id, "agency", Role.AGENCY_ANALYST)
    user(tax_org, "supervisor", Role.GOVERNMENT_SUPERVISOR)
    user(tax_org, "grid", Role.GRID_WORKER)


@pytest.fixture(scope="module")
def fuzz_app(module_committed_database: db.Database) -> Iterator[FastAPI]:
    """The application over the module's own committed database holding the fixture world, on a frozen clock.
    Every request commits as in production, so work that opens sessions or threads of its own (domain-event
    dispatch, audit entries written after a rollback) meets the database as it would in production, not one
    connection's open transaction."""
    factory = module_committed_database.session_factory
    with pytest.MonkeyPatch.context() as patch, clock.use(clock.at(2026, 11, 23, 10, 0)):
        patch.setattr(security, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        patch.setattr(db, "_database", module_committed_database)  # what reaches for the process-wide database
        with db.transaction(factory) as session:
            world = build_world(session)
            _add_missing_roles(session, world.good_enterprise, world.bank_a, world.tax_org)
        APP.state.session_factory = factory
        try:
            yield APP
        finally:
            APP.state.session_factory = None


class Caller:
    """How a request is made as one caller: its headers and its roles."""

    def __init__(self, headers: dict[str, str], roles: frozenset[Role]) -> None:
        self.headers = headers
        self.roles = roles
        # Operations this caller was refused on already: the refusal does not depend on the input.
        self.refused_on: set[str] = set()


@pytest.fixture(scope="module")
def callers(fuzz_app: FastAPI) -> dict[str, Caller]:
    """No one, and each user logged in once for the module (the session cookie, and the CSRF token a
    cookie-authenticated write echoes)."""
    found = {ANONYMOUS: Caller({}, frozenset())}
    with fuzz_app.state.session_factory() as session:
        roles = {user.username: identity_service.principal_for_user(user).roles
                 for user in identity_service.list_users(session)}
    for username in USERS:
        with TestClient(fuzz_app, base_url="http://testserver") as client:
            login(client, username)
            token = page_csrf(client, "/account")
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
            found[username] = Caller({"Cookie": cookie, "X-CSRF-Token": token}, roles[username])
    return found


@schema.parametrize()
@pytest.mark.parametrize("caller", (ANONYMOUS, *USERS))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_breaks_its_schema(case: Any, caller: str, callers: dict[str, Caller]) -> None:
    who = callers[caller]
    label = case.operation.label
    admitted = _admits(label, who.roles)
    if not admitted:
        # Refused whatever the input: one request in the operation's own method (not a coverage probe of another).
        if label in who.refused_on or case.method.upper() != case.operation.method.upper():
            return
        who.refused_on.add(label)
    # What is checked is the answer, not its speed: a credit report's PDF takes seconds on a busy 2-core machine.
    response = case.call_and_validate(headers=who.headers, checks=[not_a_server_error, response_schema_conformance],
                                      timeout=300)
    if not admitted:
        assert response.status_code in (401, 403), f"{caller} is not admitted to {label}: {response.status_code}"
