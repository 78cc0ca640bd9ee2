"""事件推送: an institution's webhook page — its endpoints (register, rotate the secret, enable, disable, delete),
the delivery log with the dead letters, and redelivery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyidai.auth.dependencies import WebhookManagerDep, csrf_protect
from xinyidai.portal import flash
from xinyidai.portal.templating import render
from xinyidai.web import IdPath, SessionDep
from xinyidai.webhooks import catalogue, service
from xinyidai.webhooks.policy import DELIVERY_STATUS_LABELS, ENDPOINT_STATUS_LABELS, DeliveryStatus
from xinyidai.webhooks.schemas import EndpointCreate, EndpointUpdate

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PAGE = "/institution/webhooks"
SECRET_PURPOSE = "webhook_secret"


@router.get(PAGE, response_class=HTMLResponse)
def webhooks_page(request: Request, session: SessionDep, principal: WebhookManagerDep,
                  status: Annotated[DeliveryStatus | None, Query()] = None) -> Response:
    """The institution's endpoints and its latest deliveries (`status=dead`: the dead letters)."""
    deliveries = service.list_deliveries(session, principal=principal, status=status, limit=100)
    return render(request, "webhooks/webhooks.html", {
        "endpoints": service.list_endpoints(session, principal=principal),
        "deliveries": [service.to_delivery_read(session, d, with_attempts=False) for d in deliveries],
        "status": status, "catalogue": list(catalogue.CATALOGUE.values()),
        "endpoint_status_labels": ENDPOINT_STATUS_LABELS, "delivery_status_labels": DELIVERY_STATUS_LABELS,
        "event_labels": catalogue.EVENT_LABELS, "created": flash.take_secret(request, purpose=SECRET_PURPOSE),
    })


@router.get(PAGE + "/deliveries/{delivery_id}", response_class=HTMLResponse)
def delivery_page(request: Request, session: SessionDep, principal: WebhookManagerDep,
                  delivery_id: IdPath) -> Response:
    """One delivery: its body and every attempt."""
    delivery = service.get_delivery(session, principal=principal, delivery_id=delivery_id)
    return render(request, "webhooks/delivery.html", {
        "delivery": service.to_delivery_read(session, delivery), "body": delivery.body,
        "delivery_status_labels": DELIVERY_STATUS_LABELS, "event_labels": catalogue.EVENT_LABELS})


@router.post(PAGE)
def create_endpoint(session: SessionDep, principal: WebhookManagerDep,
                    url: Annotated[str, Form(min_length=8, max_length=500)],
                    events: Annotated[list[str], Form(max_length=50)],
                    description: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Register an endpoint; its secret is shown once on the page it returns to."""
    try:
        endpoint_in = EndpointCreate(url=url, events=events, description=description)
    except ValidationError as exc:
        # Refused as a field the form declares is (the 422 page naming the fields), never a 500.
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
                                     ) from exc
    endpoint, secret = service.create_endpoint(session, principal=principal, endpoint_in=endpoint_in)
    return flash.redirect_with_secret(PAGE, principal=principal, purpose=SECRET_PURPOSE,
                                      secret={"endpoint": str(endpoint.id), "url": endpoint.url, "secret": secret},
                                      flash="推送地址已登记")


@router.post(PAGE + "/{endpoint_id}/rotate")
def rotate_secret(session: SessionDep, principal: WebhookManagerDep, endpoint_id: IdPath) -> Response:
    """A new secret, shown once; the old one still signs during the grace period."""
    endpoint, secret = service.rotate_secret(session, principal=principal, endpoint_id=endpoint_id)
    return flash.redirect_with_secret(PAGE, principal=principal, purpose=SECRET_PURPOSE,
                                      secret={"endpoint": str(endpoint.id), "url": endpoint.url, "secret": secret},
                                      flash="签名密钥已更换，旧密钥在过渡期内仍然有效")


@router.post(PAGE + "/{endpoint_id}/enable")
def enable(session: SessionDep, principal: WebhookManagerDep, endpoint_id: IdPath,
           enabled: Annotated[str, Form(pattern=r"^(yes|no)$")]) -> Response:
    """Enable or disable an endpoint."""
    service.update_endpoint(session, principal=principal, endpoint_id=endpoint_id,
                            endpoint_in=EndpointUpdate(enabled=enabled == "yes"))
    return flash.redirect(PAGE, "推送地址已启用" if enabled == "yes" else "推送地址已停用")


@router.post(PAGE + "/{endpoint_id}/delete")
def delete(session: SessionDep, principal: WebhookManagerDep, endpoint_id: IdPath) -> Response:
    """Delete an endpoint."""
    service.delete_endpoint(session, principal=principal, endpoint_id=endpoint_id)
    return flash.redirect(PAGE, "推送地址已删除")


@router.post(PAGE + "/deliveries/{delivery_id}/redeliver")
def redeliver(session: SessionDep, principal: WebhookManagerDep, delivery_id: IdPath) -> Response:
    """Send a delivery again."""
    service.redeliver(session, principal=principal, delivery_id=delivery_id)
    return flash.redirect(PAGE, "已重新推送")
