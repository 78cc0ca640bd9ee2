"""Portal page of the enterprise's authorisations (我的授权): what it granted to whom, and revoking them; the grants a
clerk (经办人) prepared, which the firm's administrator confirms or discards."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from xinyidai.consent.granting import GRANTABLE, MAX_VALIDITY_DAYS, GrantRequest
from xinyidai.consent.models import Authorisation, AuthorisationDraft
from xinyidai.consent.policy import (
    DRAFT_STATUS_LABELS,
    MODE_LABELS,
    PURPOSE_LABELS,
    STATUS_LABELS,
    DraftStatus,
    Mode,
    Purpose,
    Status,
)
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


@dataclass(frozen=True)
class DraftRow:
    """A prepared grant with what it would authorise in words, who prepared it, and its status."""

    draft: AuthorisationDraft
    recipient: str
    purpose: str
    categories: str
    prepared_by: str
    status_label: str
    summary: list[str]


def _user_name(session: Session, user_id: int) -> str:
    try:
        return identity_service.get_user(session, user_id=user_id).display_name
    except NotFound:
        return f"#{user_id}"


def _request_of(draft: AuthorisationDraft) -> GrantRequest:
    return GrantRequest(recipient_organisation_id=draft.recipient_organisation_id, purpose=Purpose(draft.purpose),
                        purpose_ref=draft.purpose_ref, categories=tuple(draft.categories), data_from=draft.data_from,
                        data_to=draft.data_to, validity_days=draft.validity_days, mode=Mode(draft.mode))


def _draft_row(session: Session, principal: Principal, draft: AuthorisationDraft) -> DraftRow:
    names = _category_names(session)
    recipient = _recipient(session, draft.recipient_organisation_id)
    loan_label = next((c.label for c in service.post_loan_choices(session, enterprise_id=draft.enterprise_id)
                       if c.reference == draft.purpose_ref and draft.purpose == Purpose.POST_LOAN_MANAGEMENT), None)
    return DraftRow(
        draft=draft, recipient=recipient, purpose=PURPOSE_LABELS.get(draft.purpose, draft.purpose),
        categories=categories_text(list(draft.categories), names),
        prepared_by=_user_name(session, draft.prepared_by_user_id),
        status_label=DRAFT_STATUS_LABELS[draft.status],
        summary=granting.summary(_request_of(draft), recipient=recipient, categories=names, now=clock.now(),
                                 loan_label=loan_label),
    )


@router.get("/authorisations", response_class=HTMLResponse)
def authorisations(request: Request, session: SessionDep,
                   principal: EnterpriseUserDep) -> HTMLResponse:
    """我的授权: every authorisation the enterprise granted, newest first, with its status now, and the grants its
    clerks prepared that wait for the administrator."""
    enterprise_id = _enterprise_of(principal)
    granted = request.query_params.get("granted", "")
    granted_row = next((r for r in _rows(session, enterprise_id) if str(r.authorisation.id) == granted), None)
    return render(request, "consent/authorisations.html", {
        "rows": _rows(session, enterprise_id), "revoked": request.query_params.get("revoked"),
        "granted": granted_row,
        "drafts": [_draft_row(session, principal, d)
                   for d in service.list_drafts(session, enterprise_id=enterprise_id)],
        "discarded": request.query_params.get("discarded") == "1",
        "may_bind": service.may_bind_enterprise(principal.roles),
    })


def _institutions(session: Session) -> list[tuple[int, str, OrgKind]]:
    return [(o.id, o.name, kind) for kind in INSTITUTION_KINDS
            for o in identity_service.list_organisations(session, kind=kind) if o.status == OrgStatus.ACTIVE]


GrantForm = dict[str, str | list[str]]


def _grant_page(request: Request, session: Session, principal: Principal, *, form: GrantForm | None = None,
                errors: list[str] | None = None, preview: list[str] | None = None,
                status_code: int = 200) -> HTMLResponse:
    return render(request, "consent/grant.html", {
        "institutions": [(i, name, ORG_KIND_LABELS[kind]) for i, name, kind in _institutions(session)],
        "categories": _category_names(session),
        "loans": service.post_loan_choices(session, enterprise_id=_enterprise_of(principal)),
        "purposes": [(p.value, PURPOSE_LABELS[p]) for p in GRANTABLE],
        "modes": [(m.value, MODE_LABELS[m]) for m in Mode], "max_days": MAX_VALIDITY_DAYS,
        "form": form or {"purpose": Purpose.CREDIT_REPORT_DOWNLOAD.value, "categories": [], "days": "30",
                         "mode": Mode.ONE_TIME.value},
        "errors": errors or [], "preview": preview,
        "may_bind": service.may_bind_enterprise(principal.roles),
    }, status_code=status_code)


@router.get("/authorisations/new", response_class=HTMLResponse)
def grant_form(request: Request, session: SessionDep, principal: EnterpriseUserDep) -> Response:
    """新增授权: the enterprise authorises an institution to download its credit report, its lender to manage
    one of its loans (or its share of an industry-chain community's line) after lending, or an institution's models
    to compute on its data in the platform (financing is authorised when applying). `?purpose=` preselects one, and
    for post-loan management `?loan=` and `?recipient=` the loan or community and its lender (the community page's
    link); the firm still chooses the categories and confirms."""
    _enterprise_of(principal)
    asked, query = request.query_params.get("purpose", ""), request.query_params
    if asked in {p.value for p in GRANTABLE}:  # a link may preselect the purpose (the model sandbox's, say)
        form: GrantForm = {"purpose": asked, "categories": [], "days": "30", "mode": Mode.ONE_TIME.value}
        if asked == Purpose.POST_LOAN_MANAGEMENT:  # a watch lasts the loan's life: periodic, as long as allowed
            form |= {"loan": query.get("loan", "")[:64], "recipient": query.get("recipient", "")[:64],
                     "days": str(MAX_VALIDITY_DAYS), "mode": Mode.PERIODIC.value}
        return _grant_page(request, session, principal, form=form)
    return _grant_page(request, session, principal)


FormText = Annotated[str, Form(max_length=64)]


@router.post("/authorisations/new", response_class=HTMLResponse)
def grant(request: Request, session: SessionDep, principal: EnterpriseUserDep,
          recipient: FormText = "", purpose: FormText = "", loan: FormText = "",
          categories: Annotated[list[str] | None, Form(max_length=30)] = None, data_from: FormText = "",
          data_to: FormText = "", days: FormText = "", mode: FormText = "", confirm: FormText = "",
          purpose_ref: FormText = "") -> Response:
    """Check the form and show what would be authorised; granted only once the enterprise's administrator confirms
    the summary (`confirm=yes`), or, from a clerk, prepared for the administrator to confirm (`confirm=prepare`).
    A form with any problem is answered 422 in Chinese and grants nothing."""
    enterprise_id = _enterprise_of(principal)
    form: GrantForm = {"recipient": recipient, "purpose": purpose, "loan": loan,
                       "categories": [c for c in categories or [] if c], "data_from": data_from,
                       "data_to": data_to, "days": days, "mode": mode, "purpose_ref": purpose_ref}
    institutions = _institutions(session)
    names = _category_names(session)
    loans = service.post_loan_choices(session, enterprise_id=enterprise_id)
    checked, errors = granting.check(
        form, institutions={i: name for i, name, _ in institutions},
        guarantors=frozenset(i for i, _, kind in institutions if kind is OrgKind.GUARANTEE_COMPANY),
        categories=names, loans=loans)
    if checked is None:
        return _grant_page(request, session, principal, form=form, errors=errors, status_code=422)
    recipient_name = dict((i, name) for i, name, _ in institutions)[checked.recipient_organisation_id]
    loan_label = next((c.label for c in loans if c.reference == checked.purpose_ref
                       and checked.purpose is Purpose.POST_LOAN_MANAGEMENT), None)
    if confirm == "prepare":
        draft = service.prepare(
            session, principal=principal, recipient_organisation_id=checked.recipient_organisation_id,
            purpose=checked.purpose, purpose_ref=checked.purpose_ref, categories=checked.categories,
            data_from=checked.data_from, data_to=checked.data_to, validity_days=checked.validity_days,
            mode=checked.mode, ip_address=client_ip(request))
        return RedirectResponse(f"/authorisations/drafts/{draft.id}?prepared=1", status_code=303)
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


def _draft_page(request: Request, session: Session, principal: Principal, draft_id: int, *,
                errors: list[str] | None = None, status_code: int = 200) -> HTMLResponse:
    draft = service.get_draft(session, enterprise_id=_enterprise_of(principal), draft_id=draft_id)
    waiting = draft.status == DraftStatus.WAITING
    binds = service.may_bind_enterprise(principal.roles)
    return render(request, "consent/draft.html", {
        "d": _draft_row(session, principal, draft), "errors": errors or [],
        "prepared": request.query_params.get("prepared") == "1",
        "may_confirm": waiting and binds,
        "may_discard": waiting and (binds or principal.user_id == draft.prepared_by_user_id),
    }, status_code=status_code)


@router.get("/authorisations/drafts/{draft_id}", response_class=HTMLResponse)
def draft_page(request: Request, session: SessionDep, principal: EnterpriseUserDep,
               draft_id: IdPath) -> HTMLResponse:
    """A grant a clerk prepared: what it would authorise, who prepared it and when; the administrator confirms or
    discards it here. Another firm's is not found."""
    return _draft_page(request, session, principal, draft_id)


def _still_grantable(session: Session, principal: Principal, draft: AuthorisationDraft) -> list[str]:
    """What no longer holds of a prepared grant (the institution suspended, the loan gone…): the grant form's
    checks, run again on the draft as it stands."""
    institutions = _institutions(session)
    form: GrantForm = {
        "recipient": str(draft.recipient_organisation_id), "purpose": draft.purpose,
        "loan": (draft.purpose_ref or "") if draft.purpose == Purpose.POST_LOAN_MANAGEMENT else "",
        "purpose_ref": (draft.purpose_ref or "") if draft.purpose == Purpose.MODEL_RUN else "",
        "categories": list(draft.categories), "data_from": draft.data_from.isoformat() if draft.data_from else "",
        "data_to": draft.data_to.isoformat() if draft.data_to else "", "days": str(draft.validity_days),
        "mode": draft.mode}
    _, errors = granting.check(
        form, institutions={i: name for i, name, _ in institutions},
        guarantors=frozenset(i for i, _, kind in institutions if kind is OrgKind.GUARANTEE_COMPANY),
        categories=_category_names(session),
        loans=service.post_loan_choices(session, enterprise_id=draft.enterprise_id))
    return errors


@router.post("/authorisations/drafts/{draft_id}/confirm", response_class=HTMLResponse)
def confirm_draft(request: Request, session: SessionDep, principal: EnterpriseUserDep, draft_id: IdPath,
                  confirm: Annotated[str, Form(max_length=5)] = "") -> Response:
    """The administrator confirms a prepared grant: it is granted now, as the administrator, and binds the firm. A
    clerk is refused; a draft that no longer holds (its institution suspended, say) is answered 409 and grants
    nothing."""
    draft = service.get_draft(session, enterprise_id=_enterprise_of(principal), draft_id=draft_id)
    service.require_draft_action(principal, service.DraftAction.CONFIRM,
                                 prepared_by_user_id=draft.prepared_by_user_id, status=DraftStatus(draft.status))
    if confirm != "yes":  # a post that skipped the page is asked to look first
        return RedirectResponse(f"/authorisations/drafts/{draft_id}", status_code=303)
    if problems := _still_grantable(session, principal, draft):
        return _draft_page(request, session, principal, draft_id, status_code=409,
                           errors=["该授权已不能按准备的内容确认，请放弃后重新办理：", *problems])
    granted = service.confirm_draft(session, principal=principal, draft_id=draft_id, ip_address=client_ip(request))
    return RedirectResponse(f"/authorisations?granted={granted.id}", status_code=303)


@router.post("/authorisations/drafts/{draft_id}/discard", response_class=HTMLResponse)
def discard_draft(request: Request, session: SessionDep, principal: EnterpriseUserDep,
                  draft_id: IdPath) -> Response:
    """The administrator, or the clerk who prepared it, discards a prepared grant; nothing was granted."""
    service.discard_draft(session, principal=principal, draft_id=draft_id, ip_address=client_ip(request))
    return RedirectResponse("/authorisations?discarded=1", status_code=303)
