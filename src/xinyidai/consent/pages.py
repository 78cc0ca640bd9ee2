"""Portal page of the enterprise's authorisations (我的授权): what it granted to whom, and revoking them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.dependencies import EnterpriseUserDep, csrf_protect
from xinyidai.auth.enums import INSTITUTION_KINDS, ORG_KIND_LABELS, OrgKind, OrgStatus
from xinyidai.auth.principal import Principal
from xinyidai.consent import granting, service
from xinyidai.consent.granting import GRANTABLE, MAX_VALIDITY_DAYS, LoanChoice
from xinyidai.consent.models import Authorisation
from xinyidai.consent.policy import MODE_LABELS, PURPOSE_LABELS, STATUS_LABELS, Mode, Purpose, Status
from xinyidai.errors import Forbidden, NotFound
from xinyidai.identity import service as identity_service
from xinyidai.portal.templating import render
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

REVOCABLE = frozenset({Status.ACTIVE, Status.PENDING})

CategoryNames = Callable[[Session], Mapping[str, str]]
# The catalogue's category names (code → name). Credit information sits beside consent, not below it, so the
# application wiring (main.py) provides them; without it the page shows the codes.
_category_names: CategoryNames = lambda session: {}  # noqa: E731


def use_category_names(provider: CategoryNames) -> None:
    """Let the page name the categories an authorisation covers."""
    global _category_names
    _category_names = provider


LoanChoices = Callable[[Session, Principal], Sequence[LoanChoice]]
# The enterprise's loans a post-loan authorisation may name. Loans sit above consent, so the application wiring
# (main.py) provides them; without it no loan can be chosen and post-loan management cannot be granted.
_loan_choices: LoanChoices = lambda session, principal: ()  # noqa: E731


def use_loan_choices(provider: LoanChoices) -> None:
    """Let the grant form offer the enterprise's loans for post-loan management."""
    global _loan_choices
    _loan_choices = provider


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
                   principal: EnterpriseUserDep) -> HTMLResponse:
    """我的授权: every authorisation the enterprise granted, newest first, with its status now."""
    enterprise_id = _enterprise_of(principal)
    granted = request.query_params.get("granted", "")
    granted_row = next((r for r in _rows(session, enterprise_id) if str(r.authorisation.id) == granted), None)
    return render(request, "consent/authorisations.html", {
        "rows": _rows(session, enterprise_id), "revoked": request.query_params.get("revoked"),
        "granted": granted_row,
    })


def _institutions(session: Session) -> list[tuple[int, str, OrgKind]]:
    return [(o.id, o.name, kind) for kind in INSTITUTION_KINDS
            for o in identity_service.list_organisations(session, kind=kind) if o.status == OrgStatus.ACTIVE]


GrantForm = dict[str, str | list[str]]


def _grant_page(request: Request, session: Session, principal: Principal, *, form: GrantForm | None = None,
                errors: list[str] | None = None, preview: list[str] | None = None,
                status_code: int = 200) -> HTMLResponse:
    return render(request, "consent/grant.html", {
        "institutions": [(i, f"{name}（{ORG_KIND_LABELS[kind]}）") for i, name, kind in _institutions(session)],
        "categories": _category_names(session), "loans": _loan_choices(session, principal),
        "purposes": [(p.value, PURPOSE_LABELS[p]) for p in GRANTABLE],
        "modes": [(m.value, MODE_LABELS[m]) for m in Mode], "max_days": MAX_VALIDITY_DAYS,
        "form": form or {"purpose": Purpose.CREDIT_REPORT_DOWNLOAD.value, "categories": [], "days": "30",
                         "mode": Mode.ONE_TIME.value},
        "errors": errors or [], "preview": preview,
        "may_bind": service.may_bind_enterprise(principal.roles), "binding_refusal": service.BINDING_REFUSAL,
    }, status_code=status_code)


@router.get("/authorisations/new", response_class=HTMLResponse)
def grant_form(request: Request, session: SessionDep, principal: EnterpriseUserDep) -> Response:
    """新增授权: the enterprise authorises an institution to download its credit report, its lender to manage
    one of its loans after lending, or an institution's models to compute on its data in the platform (financing is
    authorised when applying). `?purpose=` preselects one."""
    _enterprise_of(principal)
    asked = request.query_params.get("purpose", "")
    if asked in {p.value for p in GRANTABLE}:  # a link may preselect the purpose (the model sandbox's, say)
        return _grant_page(request, session, principal, form={
            "purpose": asked, "categories": [], "days": "30", "mode": Mode.ONE_TIME.value})
    return _grant_page(request, session, principal)


FormText = Annotated[str, Form(max_length=64)]


@router.post("/authorisations/new", response_class=HTMLResponse)
def grant(request: Request, session: SessionDep, principal: EnterpriseUserDep,
          recipient: FormText = "", purpose: FormText = "", loan: FormText = "",
          categories: Annotated[list[str] | None, Form(max_length=30)] = None, data_from: FormText = "",
          data_to: FormText = "", days: FormText = "", mode: FormText = "", confirm: FormText = "",
          purpose_ref: FormText = "") -> Response:
    """Check the form and show what would be authorised; granted only once the enterprise confirms the summary.
    A form with any problem is answered 422 in Chinese and grants nothing."""
    enterprise_id = _enterprise_of(principal)
    form: GrantForm = {"recipient": recipient, "purpose": purpose, "loan": loan,
                       "categories": [c for c in categories or [] if c], "data_from": data_from,
                       "data_to": data_to, "days": days, "mode": mode, "purpose_ref": purpose_ref}
    institutions = _institutions(session)
    names = _category_names(session)
    loans = _loan_choices(session, principal)
    checked, errors = granting.check(
        form, institutions={i: name for i, name, _ in institutions},
        guarantors=frozenset(i for i, _, kind in institutions if kind is OrgKind.GUARANTEE_COMPANY),
        categories=names, loans=loans)
    if checked is None:
        return _grant_page(request, session, principal, form=form, errors=errors, status_code=422)
    recipient_name = dict((i, name) for i, name, _ in institutions)[checked.recipient_organisation_id]
    loan_label = next((c.label for c in loans if c.reference == checked.purpose_ref
                       and checked.purpose is Purpose.POST_LOAN_MANAGEMENT), None)
    if confirm != "yes":
        return _grant_page(request, session, principal, form=form, preview=granting.summary(
            checked, recipient=recipient_name, categories=names, now=clock.now(), loan_label=loan_label))
    granted = service.authorise(
        session, principal=principal, enterprise_id=enterprise_id,
        recipient_organisation_id=checked.recipient_organisation_id, purpose=checked.purpose,
        purpose_ref=checked.purpose_ref or granting.new_report_reference(clock.today()),
        categories=checked.categories, data_from=checked.data_from, data_to=checked.data_to,
        validity=timedelta(days=checked.validity_days), mode=checked.mode, ip_address=client_ip(request))
    return RedirectResponse(f"/authorisations?granted={granted.id}", status_code=303)


def _revocable_row(session: Session, enterprise_id: int, authorisation_id: int) -> AuthorisationRow:
    row = next((r for r in _rows(session, enterprise_id) if r.authorisation.id == authorisation_id), None)
    if row is None:
        raise NotFound("授权不存在", message_en="authorisation not found")
    return row


@router.get("/authorisations/{authorisation_id}/revoke", response_class=HTMLResponse)
def confirm_revoke(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                   authorisation_id: IdPath) -> HTMLResponse:
    """What revoking an authorisation ends, with the button that does it: no revocation on a single click."""
    row = _revocable_row(session, _enterprise_of(principal), authorisation_id)
    return render(request, "consent/revoke_confirm.html", {"r": row})


@router.post("/authorisations/{authorisation_id}/revoke")
def revoke(session: SessionDep, principal: EnterpriseUserDep, authorisation_id: IdPath,
           confirm: Annotated[str, Form(max_length=5)] = "") -> Response:
    """Revoke one of the enterprise's authorisations once confirmed; the recipient's next request is refused."""
    enterprise_id = _enterprise_of(principal)
    _revocable_row(session, enterprise_id, authorisation_id)
    if confirm != "yes":  # a post that skipped the confirmation is asked to confirm first
        return RedirectResponse(f"/authorisations/{authorisation_id}/revoke", status_code=303)
    service.revoke(session, enterprise_id=enterprise_id, authorisation_id=authorisation_id,
                   user_id=principal.user_id or 0)
    return RedirectResponse(f"/authorisations?revoked={authorisation_id}", status_code=303)
