"""REST API of webhooks: the event catalogue, an institution's endpoints and its delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query
from fastapi.responses import Response

from xinyidai.auth.dependencies import Public, WebhookManagerDep
from xinyidai.text import Text
from xinyidai.web import IdPath, IdQuery, SessionDep
from xinyidai.webhooks import catalogue, service
from xinyidai.webhooks.policy import DeliveryStatus
from xinyidai.webhooks.schemas import (
    DeliveryRead,
    EndpointCreate,
    EndpointCreated,
    EndpointRead,
    EndpointUpdate,
    EventTypeRead,
    SecretRotated,
)

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


@router.get("/event-types", response_model=list[EventTypeRead], dependencies=[Depends(Public())])
def event_types() -> list[EventTypeRead]:
    """The events an endpoint may receive, each with its description and an example payload."""
    return [EventTypeRead(name=s.name, title=s.title, description=s.description, example=s.example)
            for s in catalogue.CATALOGUE.values()]


@router.get("/endpoints", response_model=list[EndpointRead])
def list_endpoints(session: SessionDep, principal: WebhookManagerDep) -> list[EndpointRead]:
    """The caller's institution's endpoints."""
    return [service.to_endpoint_read(e) for e in service.list_endpoints(session, principal=principal)]


@router.post("/endpoints", response_model=EndpointCreated, status_code=201)
def create_endpoint(session: SessionDep, principal: WebhookManagerDep, endpoint_in: EndpointCreate) -> EndpointCreated:
    """Register an endpoint (https); its signing secret is in this answer only."""
    endpoint, secret = service.create_endpoint(session, principal=principal, endpoint_in=endpoint_in)
    return EndpointCreated(**service.to_endpoint_read(endpoint).model_dump(), secret=secret)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointRead)
def get_endpoint(session: SessionDep, principal: WebhookManagerDep, endpoint_id: IdPath) -> EndpointRead:
    """One endpoint of the caller's institution."""
    return service.to_endpoint_read(service.get_endpoint(session, principal=principal, endpoint_id=endpoint_id))


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointRead)
def update_endpoint(session: SessionDep, principal: WebhookManagerDep, endpoint_id: IdPath,
                    endpoint_in: EndpointUpdate) -> EndpointRead:
    """Change an endpoint's events or note, or enable or disable it."""
    return service.to_endpoint_read(service.update_endpoint(session, principal=principal, endpoint_id=endpoint_id,
                                                            endpoint_in=endpoint_in))


@router.post("/endpoints/{endpoint_id}/rotate-secret", response_model=SecretRotated)
def rotate_secret(session: SessionDep, principal: WebhookManagerDep, endpoint_id: IdPath) -> SecretRotated:
    """A new signing secret (in this answer only); the old one signs too until the end of the grace period."""
    endpoint, secret = service.rotate_secret(session, principal=principal, endpoint_id=endpoint_id)
    return SecretRotated(endpoint_id=endpoint.id, secret=secret,
                         previous_secret_expires_at=endpoint.previous_secret_expires_at)


@router.delete("/endpoints/{endpoint_id}", status_code=204)
def delete_endpoint(session: SessionDep, principal: WebhookManagerDep, endpoint_id: IdPath) -> Response:
    """Delete an endpoint; its deliveries stay in the log."""
    service.delete_endpoint(session, principal=principal, endpoint_id=endpoint_id)
    return Response(status_code=204)


@router.get("/deliveries", response_model=list[DeliveryRead])
def list_deliveries(session: SessionDep, principal: WebhookManagerDep,
                    status: Annotated[DeliveryStatus | None, Query()] = None,
                    endpoint_id: IdQuery | None = None,
                    event: Annotated[Text | None, Query(max_length=100)] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryRead]:
    """The caller's institution's deliveries, newest first; `status=dead` is the dead-letter list."""
    return [service.to_delivery_read(session, d, with_attempts=False) for d in service.list_deliveries(
        session, principal=principal, status=status, endpoint_id=endpoint_id, event_name=event, limit=limit)]


@router.get("/deliveries/{delivery_id}", response_model=DeliveryRead)
def get_delivery(session: SessionDep, principal: WebhookManagerDep, delivery_id: IdPath) -> DeliveryRead:
    """One delivery with every attempt (status code, duration, error, next attempt)."""
    return service.to_delivery_read(session, service.get_delivery(session, principal=principal,
                                                                  delivery_id=delivery_id))


@router.post("/deliveries/{delivery_id}/redeliver", response_model=DeliveryRead, status_code=202)
def redeliver(session: SessionDep, principal: WebhookManagerDep, delivery_id: IdPath) -> DeliveryRead:
    """Send a delivered or dead delivery again (same body and delivery id), in a new round of attempts."""
    return service.to_delivery_read(session, service.redeliver(session, principal=principal, delivery_id=delivery_id))


def describe_events(app: FastAPI) -> None:
    """Describe every catalogued event's body, with its example, in the OpenAPI document (`webhooks`)."""
    for spec in catalogue.CATALOGUE.values():
        model = catalogue.body_model(spec)

        def receiver(body: model) -> None:  # type: ignore[valid-type]  # documentation only: never served
            """What the platform posts to the institution's endpoint."""

        receiver.__annotations__ = {"body": model, "return": None}
        app.webhooks.add_api_route(
            spec.name, receiver, methods=["POST"], summary=spec.title, operation_id=f"webhook_{spec.name}",
            description=f"{spec.description}\n\n签名：`X-Xinyidai-Signature: v1=<HMAC-SHA256(secret, "
                        f"timestamp + \".\" + body)>`，见 docs/webhooks.md。",
            tags=["webhooks"], status_code=200)
