"""Portal page of the enterprise's authorisations (我的授权): what it granted to whom, and revoking them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyidai.consent import service
from xinyidai.consent.models import Authorisation
from xinyidai.consent.policy import MODE_LABELS, PURPOSE_LABELS, STATUS_LABELS, Status
from xinyidai.errors import Forbidden, NotFound
from xinyidai.identity import service as identity_service
from xinyidai.identity.dependencies import Allow, csrf_protect
from xinyidai.identity.enums import Role
from xinyidai.identity.principal import Principal
from xinyidai.portal.templating import render
from xinyidai.web import IdPath, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

Entity = Allow(Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_STAFF)
REVOCABLE = frozenset({Status.ACTIVE, Status.PENDING})

CategoryNames = Callable[[Session], Mapping[str, str]]
# The catalogue's category names (code → name). Credit information sits beside consent, not below it, so the
# application wiring (main.py) provides them; without it the page shows the codes.
_category_names: CategoryNames = lambda session: {}  # noqa: E731


def use_category_names(provider: CategoryNames) -> None:
    """Let the page name the categories an authorisation covers."""
    global _category_names
    _category_names = provider


def categories_text(codes: list[str], names: Mapping[str, str]) -> str:
    """The categories an authorisation covers, in words: all of them, or each by name."""
    if names and set(names) <= set(codes):
        return f"全部{len(names)}类信用信息"
    return "、".join(names.get(code, code) for code in codes)


@dataclass(frozen=True)
class AuthorisationRow:
    """An authorisation with its names and status in words."""

    authorisation: Authorisation
    recipient: str
    purpose: str
    mode: str
    categories: str
    status: Status
    status_label: str
    revocable: bool


def _recipient(session: Session, organisation_id: int) -> str:
    try:
        return identity_service.get_organisation(session, organisation_id=organisation_id).name
    except NotFound:
        return f"#{organisation_id}"


def _rows(session: Session, enterprise_id: int) -> list[AuthorisationRow]:
    rows = []
    names = _category_names(session)
    for authorisation in service.list_for_enterprise(session, enterprise_id=enterprise_id):
        status = service.status(authorisation)
        rows.append(AuthorisationRow(
            authorisation=authorisation, recipient=_recipient(session, authorisation.recipient_organisation_id),
            purpose=PURPOSE_LABELS.get(authorisation.purpose, authorisation.purpose),
            mode=MODE_LABELS.get(authorisation.mode, authorisation.mode),
            categories=categories_text(list(authorisation.categories), names), status=status,
            status_label=STATUS_LABELS[status], revocable=status in REVOCABLE,
        ))
    return rows


def _enterprise_of(principal: Principal) -> int:
    if principal.enterprise_id is None or principal.user_id is None:
        raise Forbidden("该账号未关联市场主体", message_en="this account has no enterprise")
    return principal.enterprise_id


@router.get("/authorisations", response_class=HTMLResponse)
def authorisations(request: Request, session: SessionDep,
                   principal: Annotated[Principal, Depends(Entity)]) -> HTMLResponse:
    """我的授权: every authorisation the enterprise granted, newest first, with its status now."""
    enterprise_id = _enterprise_of(principal)
    return render(request, "consent/authorisations.html", {
        "rows": _rows(session, enterprise_id), "revoked": request.query_params.get("revoked"),
    })


@router.post("/authorisations/{authorisation_id}/revoke")
def revoke(session: SessionDep, principal: Annotated[Principal, Depends(Entity)],
           authorisation_id: IdPath) -> Response:
    """Revoke one of the enterprise's authorisations; the recipient's next request is refused."""
    enterprise_id = _enterprise_of(principal)
    service.revoke(session, enterprise_id=enterprise_id, authorisation_id=authorisation_id,
                   user_id=principal.user_id or 0)
    return RedirectResponse(f"/authorisations?revoked={authorisation_id}", status_code=303)
