"""Portal pages of institution onboarding: the public application form and status check, the platform admin's
review with the security-assessment checklist, and the institution admin's commitment and API clients."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from xinyidai.auth.dependencies import InstitutionAdminDep, PlatformAdminDep, Public, csrf_protect
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.errors import DomainError
from xinyidai.identity import service
from xinyidai.identity.onboarding import policy as rules
from xinyidai.identity.onboarding import service as onboarding
from xinyidai.identity.onboarding.policy import ApplicationStatus
from xinyidai.identity.onboarding.schemas import (
    ApprovalCreate,
    AssessmentResultUpdate,
    CommitmentCreate,
    InstitutionApiClientCreate,
    InstitutionApplicationCreate,
)
from xinyidai.portal import flash
from xinyidai.portal.forms import form_errors
from xinyidai.portal.templating import render
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PublicPage = Depends(Public())
# What the one-time secrets shown after a redirect are for (each page opens only its own).
APPROVAL_SECRET = "institution-admin-password"
CLIENT_SECRET = "api-client-secret"


FIELD_LABELS = {"organisation_name": "机构名称", "uscc": "统一社会信用代码", "kind": "机构类型",
                "licence_number": "许可证编号", "contact_name": "联系人", "contact_mobile": "联系人手机",
                "requested_scopes": "申请开通的服务", "note": "评估说明", "evidence_ref": "证明材料编号",
                "admin_username": "管理员用户名", "reason": "原因", "name": "接口名称", "roles": "接口角色"}


def _refusal(exc: ValidationError | DomainError) -> tuple[list[str], int]:
    """What a refused form shows, and its status: the schema's refusal in Chinese, or the service's message."""
    if isinstance(exc, DomainError):
        return [exc.message], exc.status_code
    return form_errors(exc, labels=FIELD_LABELS), 422


# The public application --------------------------------------------------------------------------


def _apply_context(form: dict[str, object] | None = None) -> dict[str, object]:
    return {"form": form or {"requested_scopes": []}, "kinds": rules.APPLICANT_KINDS, "scopes": rules.SCOPES}


@router.get("/institutions/apply", response_class=HTMLResponse, dependencies=[PublicPage])
def apply_page(request: Request) -> Response:
    """The application form for banks, guarantee companies and credit agencies (机构入驻申请)."""
    return render(request, "identity/onboarding/apply.html", _apply_context())


@router.post("/institutions/apply", response_class=HTMLResponse, dependencies=[PublicPage])
def apply(
    request: Request, session: SessionDep,
    organisation_name: Annotated[str, Form(max_length=200)], uscc: Annotated[str, Form(max_length=30)],
    kind: Annotated[str, Form(max_length=40)], licence_number: Annotated[str, Form(max_length=60)],
    contact_name: Annotated[str, Form(max_length=50)], contact_mobile: Annotated[str, Form(max_length=20)],
    requested_scopes: Annotated[list[str] | None, Form(max_length=20)] = None,
) -> Response:
    """Submit an application; show the reference to check its status with."""
    form: dict[str, object] = {
        "organisation_name": organisation_name, "uscc": uscc, "kind": kind, "licence_number": licence_number,
        "contact_name": contact_name, "requested_scopes": requested_scopes or []}
    try:
        application_in = InstitutionApplicationCreate.model_validate({
            "organisation_name": organisation_name.strip(), "uscc": uscc, "kind": kind,
            "licence_number": licence_number.strip(), "contact_name": contact_name.strip(),
            "contact_mobile": contact_mobile, "requested_scopes": requested_scopes or []})
        application = onboarding.submit_application(session, application_in=application_in,
                                                    ip_address=client_ip(request))
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors, status_code = _refusal(exc)
        return render(request, "identity/onboarding/apply.html", {**_apply_context(form), "errors": errors},
                      status_code=status_code)
    return RedirectResponse(
        f"/institutions/apply/submitted?{urlencode({'reference': application.reference, 'uscc': application.uscc})}",
        status_code=303)


@router.get("/institutions/apply/submitted", response_class=HTMLResponse, dependencies=[PublicPage])
def submitted_page(request: Request, session: SessionDep, reference: Annotated[Text, Query(max_length=24)],
                   uscc: Annotated[Text, Query(max_length=30)]) -> Response:
    """The reference of the application just submitted, to check its status with (safe to refresh)."""
    application = onboarding.find_application_status(session, reference=reference, uscc=uscc)
    return render(request, "identity/onboarding/submitted.html", {"application": application})


@router.get("/institutions/apply/status", response_class=HTMLResponse, dependencies=[PublicPage])
def status_page(request: Request, session: SessionDep, reference: Annotated[Text, Query(max_length=24)] = "",
                uscc: Annotated[Text, Query(max_length=30)] = "") -> Response:
    """Check an application's status by its reference and the applicant's USCC."""
    context: dict[str, object] = {"reference": reference, "uscc": uscc, "labels": rules.STATUS_LABELS}
    if reference and uscc:
        try:
            context["application"] = onboarding.find_application_status(session, reference=reference, uscc=uscc)
        except DomainError as exc:
            return render(request, "identity/onboarding/status.html", {**context, "errors": [exc.message]},
                          status_code=exc.status_code)
    return render(request, "identity/onboarding/status.html", context)


# The platform admin's review ---------------------------------------------------------------------


@router.get("/admin/institution-applications", response_class=HTMLResponse)
def review_list(request: Request, session: SessionDep, _: PlatformAdminDep,
                status: ApplicationStatus | None = None) -> Response:
    """Applications to connect, newest first, contact mobile masked."""
    return render(request, "identity/onboarding/review_list.html", {
        "applications": onboarding.list_applications(session, status=status), "status": status,
        "labels": rules.STATUS_LABELS})


def _review(request: Request, session: Session, application_id: int, *, errors: list[str] | None = None,
            status_code: int = 200) -> Response:
    application = onboarding.get_application(session, application_id=application_id)
    read = onboarding.to_read(session, application)
    verdict = rules.judge_checklist({i.item_code: i.passed for i in read.checklist if i.passed is not None})
    approval = flash.take_secret(request, purpose=APPROVAL_SECRET)
    return render(request, "identity/onboarding/review.html", {
        "a": read, "verdict": verdict, "scopes": rules.SCOPES, "errors": errors, "approval": approval,
        "transitions": rules.allowed_transitions(ApplicationStatus(application.status)),
        "default_username": f"admin.{application.uscc[-8:].lower()}",
    }, status_code=status_code)


@router.get("/admin/institution-applications/{application_id}", response_class=HTMLResponse)
def review_page(request: Request, session: SessionDep, _: PlatformAdminDep, application_id: IdPath) -> Response:
    """One application: its details, the security-assessment checklist and the decisions open to the admin."""
    return _review(request, session, application_id)


def _act(request: Request, session: Session, application_id: int, action: str, **kwargs: object) -> Response:
    principal: Principal = request.state.principal
    try:
        if action == "start":
            onboarding.start_assessment(session, principal=principal, application_id=application_id)
        elif action == "assess":
            onboarding.record_assessment(session, principal=principal, application_id=application_id,
                                         result_in=AssessmentResultUpdate.model_validate(kwargs))
        elif action == "reject":
            onboarding.reject(session, principal=principal, application_id=application_id, reason=str(kwargs["reason"]))
        elif action == "suspend":
            onboarding.suspend(session, principal=principal, application_id=application_id,
                               reason=str(kwargs["reason"]))
        elif action == "reinstate":
            onboarding.reinstate(session, principal=principal, application_id=application_id)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors, status_code = _refusal(exc)
        return _review(request, session, application_id, errors=errors, status_code=status_code)
    return RedirectResponse(f"/admin/institution-applications/{application_id}", status_code=303)


@router.post("/admin/institution-applications/{application_id}/start", response_class=HTMLResponse)
def start_assessment(request: Request, session: SessionDep, _: PlatformAdminDep, application_id: IdPath) -> Response:
    """Accept the application for the security assessment."""
    return _act(request, session, application_id, "start")


@router.post("/admin/institution-applications/{application_id}/assessment", response_class=HTMLResponse)
def record_assessment(
    request: Request, session: SessionDep, _: PlatformAdminDep, application_id: IdPath,
    item_code: Annotated[str, Form(max_length=40)], passed: Annotated[str, Form(max_length=5)],
    note: Annotated[str, Form(max_length=500)] = "", evidence_ref: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record the finding on one checklist item (passed or failed, with a note and an evidence reference)."""
    return _act(request, session, application_id, "assess", item_code=item_code, passed=passed == "yes",
                note=note, evidence_ref=evidence_ref)


@router.post("/admin/institution-applications/{application_id}/approve", response_class=HTMLResponse)
def approve(request: Request, session: SessionDep, principal: PlatformAdminDep, application_id: IdPath,
            admin_username: Annotated[str, Form(max_length=64)] = "",
            note: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Approve: the organisation becomes active; the review page then shows its first admin's password, once."""
    try:
        approval_in = ApprovalCreate(admin_username=admin_username.strip() or None, note=note.strip() or None)
        approval = onboarding.approve(session, principal=principal, application_id=application_id,
                                      approval_in=approval_in)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors, status_code = _refusal(exc)
        return _review(request, session, application_id, errors=errors, status_code=status_code)
    return flash.redirect_with_secret(
        f"/admin/institution-applications/{application_id}", principal=principal, purpose=APPROVAL_SECRET,
        secret={"username": approval.admin.username, "initial_password": approval.initial_password})


@router.post("/admin/institution-applications/{application_id}/reject", response_class=HTMLResponse)
def reject(request: Request, session: SessionDep, _: PlatformAdminDep, application_id: IdPath,
           reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Refuse the application with a reason the applicant will read."""
    return _act(request, session, application_id, "reject", reason=reason)


@router.post("/admin/institution-applications/{application_id}/suspend", response_class=HTMLResponse)
def suspend(request: Request, session: SessionDep, _: PlatformAdminDep, application_id: IdPath,
            reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Suspend the institution (暂停接入) with a reason; its access ends at once."""
    return _act(request, session, application_id, "suspend", reason=reason)


@router.post("/admin/institution-applications/{application_id}/reinstate", response_class=HTMLResponse)
def reinstate(request: Request, session: SessionDep, _: PlatformAdminDep, application_id: IdPath) -> Response:
    """Lift the suspension."""
    return _act(request, session, application_id, "reinstate")


# The institution admin ---------------------------------------------------------------------------


def _institution(request: Request, session: Session, principal: Principal, *, errors: list[str] | None = None,
                 flash_message: str | None = None, status_code: int = 200) -> Response:
    application = onboarding.own_application(session, principal=principal)
    organisation = service.get_organisation(session, organisation_id=principal.organisation_id)
    created = flash.take_secret(request, purpose=CLIENT_SECRET)
    return render(request, "identity/onboarding/institution.html", {
        "a": onboarding.to_read(session, application),
        "commitment_text": rules.COMMITMENT_TEXT, "commitment_version": rules.COMMITMENT_VERSION,
        "commitment_sha256": rules.commitment_digest(rules.COMMITMENT_TEXT),
        "clients": service.list_api_clients(session, organisation_id=principal.organisation_id),
        "client_roles": onboarding.client_roles_for(OrgKind(organisation.kind)),
        "api_sandbox_url": get_settings().api_sandbox_url,
        "errors": errors, "created": created, "flash": flash_message,
    }, status_code=status_code)


@router.get("/institution", response_class=HTMLResponse)
def institution_page(request: Request, session: SessionDep, principal: InstitutionAdminDep,
                     signed: bool = False) -> Response:
    """The institution's connection: status, the usage commitment to sign, and its API clients."""
    return _institution(request, session, principal, flash_message="承诺书已签署" if signed else None)


@router.post("/institution/commitment", response_class=HTMLResponse)
def sign_commitment(request: Request, session: SessionDep, principal: InstitutionAdminDep,
                    text_sha256: Annotated[str, Form(max_length=64)], agree: Annotated[str, Form(max_length=5)] = "",
                    ) -> Response:
    """Sign the usage commitment shown on the page."""
    try:
        onboarding.sign_commitment(session, principal=principal, ip_address=client_ip(request),
                                   commitment_in=CommitmentCreate(text_sha256=text_sha256, agree=agree == "yes"))
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors, status_code = _refusal(exc)
        return _institution(request, session, principal, errors=errors, status_code=status_code)
    return RedirectResponse("/institution?signed=1", status_code=303)


@router.post("/institution/api-clients", response_class=HTMLResponse)
def issue_api_client(request: Request, session: SessionDep, principal: InstitutionAdminDep,
                     name: Annotated[str, Form(max_length=100)], roles: Annotated[list[Role] | None, Form()] = None,
                     ) -> Response:
    """Issue an API client; the institution page then shows its secret, once."""
    try:
        created = onboarding.issue_api_client(session, principal=principal, client_in=InstitutionApiClientCreate(
            name=name.strip(), roles=roles or []))
    except (ValidationError, DomainError) as exc:
        session.rollback()
        errors, status_code = _refusal(exc)
        return _institution(request, session, principal, errors=errors, status_code=status_code)
    return flash.redirect_with_secret("/institution", principal=principal, purpose=CLIENT_SECRET,
                                      secret={"client_id": created.client_id, "client_secret": created.client_secret})
