"""Schemathesis over every operation of the OpenAPI document, as a user of every role and unauthenticated: no 5xx,
and no response that breaks its declared schema.

Bounded and reproducible for every run of the suite: schemathesis's coverage cases (boundary and invalid values of
every parameter and body field) and a few generated examples per operation, from a fixed seed; one world, committed
to a database of the module's own, and one login per user. Each (operation, caller) pair is a test of its own, so
that xdist spreads them and a failure names both. A caller whose roles the route does not admit is refused by the
route's role dependency before any input is read, so one request shows that refusal; the callers it admits get
every case. `make fuzz` runs more generated examples (XINYIDAI_FUZZ_EXAMPLES)."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, build_world, login, page_csrf
from xinyidai import clock, db, events
from xinyidai.auth.dependencies import Allow
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.identity import security
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.loans import service as loans_service
from xinyidai.loans.schemas import DrawdownCreate
from xinyidai.main import create_app
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.products.enums import RepaymentMethod

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


# The routes outside the document, described the same way from their declarations: the portal's pages and forms,
# and the machine endpoints of single sign-on's provider (token, userinfo, keys). They declare no response schema,
# so what is checked of them is that none answers 5xx. `make fuzz` runs them (XINYIDAI_FUZZ_PAGES); every run of the
# suite does not, since they are more than the document's operations and the pages' own tests walk them.
FUZZ_PAGES = os.environ.get("XINYIDAI_FUZZ_PAGES", "") not in ("", "0")
# A caller's own session or organisation ended by the fuzz would end the rest of its run.
PAGES_LEFT_OUT = {"POST /logout", "POST /account/password", "POST /admin/organisations/{organisation_id}/status"}


def _outside_the_document(routes: list[APIRoute]) -> list[APIRoute]:
    found = []
    for route in routes:
        labels = {f"{method} {route.path_format}" for method in route.methods or ()}
        if not route.include_in_schema and not labels & PAGES_LEFT_OUT:
            described = copy.copy(route)
            described.include_in_schema = True
            found.append(described)
    return found


# For each operation, the role checks its route declares (none for a public route).
ROLE_CHECKS = {f"{method} {route.path_format}": _role_checks(route.dependant)
               for route in _api_routes(APP.routes) for method in route.methods}


def _admits(label: str, roles: frozenset[Role]) -> bool:
    return all(roles & check.roles for check in ROLE_CHECKS[label])


pages = schemathesis.openapi.from_dict(get_openapi(title="pages", version=APP.version,
                                                   routes=_outside_the_document(_api_routes(APP.routes))))
pages.app = APP


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


def _add_orders_and_a_loan(session: Session, world: World) -> None:
    """Orders at the steps a bank works them through and a line drawn once, so that the small ids the fuzz
    generates (1, 2, ...) name real ones: their input then meets the rules behind the lookup, not only its 404."""
    good, officer = world.principal(session, "good"), world.principal(session, "a.officer")

    def order(purpose: str) -> Any:
        return orders_service.apply(session, principal=good, order_in=OrderCreate(
            product_id=world.product_a, amount_fen=50_000_000, term_months=12,
            repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose=purpose, authorise=True))

    approved, accepted, proposed = order("补充流动资金"), order("采购原材料"), order("支付货款")
    for each in (approved, accepted, proposed):
        orders_service.accept(session, principal=officer, order=each)
    for each in (approved, proposed):
        orders_service.propose(session, principal=officer, order=each, proposal_in=OrderPropose(
            line_fen=50_000_000, annual_rate=Decimal("0.035"), term_months=12,
            repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
    orders_service.approve(session, principal=world.principal(session, "a.manager"), order=approved,
                           decision_in=OrderApprove())
    order("扩大经营")  # and one the bank has not taken up
    session.commit()
    events.dispatch_pending(session_factory=session.info["session_factory"])
    line_id = loans_service.list_lines(session, principal=good)[0].id
    loans_service.draw(session, principal=good, line_id=line_id, drawdown_in=DrawdownCreate(
        amount_fen=10_000_000, term_months=12, method=RepaymentMethod.EQUAL_INSTALLMENT), idempotency_key="fuzz-0001")


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
            _add_orders_and_a_loan(session, world)
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
    """No one (with the CSRF cookie a visitor's browser holds), and each user logged in once for the module (the
    session cookie, and the CSRF token a cookie-authenticated write echoes)."""
    with TestClient(fuzz_app, base_url="http://testserver") as client:
        # The anonymous forms (login, registration, an institution's application) want the CSRF cookie echoed.
        token = page_csrf(client, "/login")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    found = {ANONYMOUS: Caller({"Cookie": cookie, "X-CSRF-Token": token}, frozenset())}
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


if FUZZ_PAGES:
    @pages.parametrize()
    @pytest.mark.parametrize("caller", (ANONYMOUS, *USERS))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def test_no_page_answers_5xx(case: Any, caller: str, callers: dict[str, Caller]) -> None:
        who = callers[caller]
        if not _admits(case.operation.label, who.roles):
            return  # the document's operations show the refusal; a page's is the same dependency
        case.call_and_validate(headers=who.headers, checks=[not_a_server_error], timeout=300)


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def test_a_nul_in_every_field_of_every_route_is_no_5xx(fuzz_app: FastAPI, callers: dict[str, Caller]) -> None:
    """Every query and form field of every route, documented or not, holding a NUL at once, as the first caller
    the route admits (ids 1, which the world holds): PostgreSQL refuses a NUL in any text it is sent, so text that
    reaches a query unchecked is a 500 there, and a schema a page builds of it that refuses it, a 500 anywhere.
    Generated examples meet a NUL only now and then; this sends one in each field, every run."""
    failures = []
    client = TestClient(fuzz_app, base_url="http://testserver", raise_server_exceptions=False)
    for route in _api_routes(APP.routes):
        query = {param.alias: "1\x00" for dependant in _dependants(route.dependant)
                 for param in dependant.query_params}
        form = {param.alias: "1\x00" for dependant in _dependants(route.dependant)
                for param in dependant.body_params}
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(route.methods or ()):
            label = f"{method} {route.path_format}"
            admitted = [who for who in (ANONYMOUS, *USERS) if _admits(label, callers[who].roles)]
            if label in PAGES_LEFT_OUT or not admitted or not (query or form):
                continue
            response = client.request(method, path, params=query, data=form or None,
                                      headers=callers[admitted[0]].headers, follow_redirects=False)
            if response.status_code >= 500:
                failures.append(f"{label} as {admitted[0]}: {response.status_code}")
    assert failures == []
