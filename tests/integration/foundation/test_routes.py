"""Every route declares who may call it."""

from __future__ import annotations

from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from xinyidai.auth.dependencies import Allow, Public
from xinyidai.main import create_app

FRAMEWORK_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
OPERATIONS_ROUTES = {"/healthz", "/readyz", "/metrics"}


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found.extend(_api_routes(route.original_router.routes))
    return found


def _declarations(dependant: Dependant) -> list[object]:
    found = [dependant.call] if isinstance(dependant.call, Allow | Public) else []
    for sub in dependant.dependencies:
        found.extend(_declarations(sub))
    return found


def test_every_route_declares_its_callers() -> None:
    routes = _api_routes(create_app().routes)
    assert len(routes) > 20
    undeclared = [
        f"{sorted(r.methods)} {r.path}" for r in routes
        if r.path not in OPERATIONS_ROUTES and not _declarations(r.dependant)
    ]
    assert undeclared == []


def test_write_routes_of_the_api_are_never_public_except_token_registration_and_calculator() -> None:
    public_writes = {
        r.path for r in _api_routes(create_app().routes)
        if r.path.startswith("/api/") and r.methods & {"POST", "PUT", "PATCH", "DELETE"}
        and any(isinstance(d, Public) for d in _declarations(r.dependant))
        and not any(isinstance(d, Allow) for d in _declarations(r.dependant))
    }
    # The calculator computes and stores nothing; an institution's application to connect is, like an
    # enterprise's registration, made before it has any account (and it grants nothing until reviewed); checking a
    # credit report's file, or a public credit check's answer, changes nothing but the audit log. A batch pushed by
    # another node of the network is open to no user: it is authenticated by the Ed25519 signature of a member of
    # the network directory (NodeSigned); so is the identity provider's request to a home node to check one of its
    # users' credentials.
    assert public_writes == {"/api/v1/oauth/token", "/api/v1/registrations", "/api/v1/calculator",
                             "/api/v1/institution-applications", "/api/v1/credit-reports/verification",
                             "/api/v1/credit-checks/verification", "/api/v1/network/batches",
                             "/api/v1/network/signon/verify"}
