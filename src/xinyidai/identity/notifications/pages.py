"""消息: the caller's messages on the portal and the API, and the unread badge the page shell loads."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from xinyidai.auth.dependencies import AnyUserDep, csrf_protect
from xinyidai.identity.notifications import service as notifications
from xinyidai.portal.templating import render
from xinyidai.web import IdPath, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
api_router = APIRouter(prefix="/api/v1", tags=["notifications"], dependencies=[Depends(csrf_protect)])



class NotificationRead(BaseModel):
    """One message as its recipient reads it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


@router.get("/messages", response_class=HTMLResponse)
def messages_page(request: Request, session: SessionDep, principal: AnyUserDep) -> Response:
    """消息: the caller's and its organisation's messages, newest first, unread marked."""
    return render(request, "identity/messages.html", {
        "messages": notifications.list_for(session, principal=principal),
        "unread": notifications.unread_count(session, principal=principal),
    })


@router.get("/messages/badge", response_class=HTMLResponse)
def badge(request: Request, session: SessionDep, principal: AnyUserDep) -> Response:
    """The unread count the page shell shows next to 消息 (an htmx fragment)."""
    return render(request, "identity/_badge.html",
                  {"unread": notifications.unread_count(session, principal=principal)})


@router.post("/messages/{notification_id}/read")
def read_one(session: SessionDep, principal: AnyUserDep,
             notification_id: IdPath) -> Response:
    """Mark a message read and open what it is about."""
    notifications.mark_read(session, principal=principal, notification_id=notification_id)
    message = next((m for m in notifications.list_for(session, principal=principal) if m.id == notification_id),
                   None)
    return RedirectResponse(message.link if message and message.link else "/messages", status_code=303)


@router.post("/messages/read-all")
def read_all(session: SessionDep, principal: AnyUserDep) -> Response:
    """Mark every message of the caller read."""
    notifications.mark_read(session, principal=principal)
    return RedirectResponse("/messages", status_code=303)


@api_router.get("/notifications", response_model=list[NotificationRead])
def list_notifications(session: SessionDep,
                       principal: AnyUserDep) -> list[NotificationRead]:
    """The caller's and its organisation's messages, newest first (an institution's or department's system)."""
    return [NotificationRead.model_validate(m) for m in notifications.list_for(session, principal=principal)]


@api_router.post("/notifications/{notification_id}/read", status_code=204)
def mark_notification_read(session: SessionDep, principal: AnyUserDep,
                           notification_id: IdPath) -> Response:
    """Mark one message read."""
    notifications.mark_read(session, principal=principal, notification_id=notification_id)
    return Response(status_code=204)
