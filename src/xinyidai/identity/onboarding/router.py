"""REST API of institution onboarding: apply and check status (public), review (platform admin), and the
institution admin's commitment and API clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from xinyidai.auth.dependencies import (
    InstitutionAdminDep,
    PlatformAdminDep,
    PlatformOrInstitutionAdminDep,
    Public,
    csrf_protect,
)
from xinyidai.identity.onboarding import policy as rules
from xinyidai.identity.onboarding import service as onboarding
from xinyidai.identity.onboarding.models import InstitutionApplication
from xinyidai.identity.onboarding.policy import ApplicationStatus
from xinyidai.identity.onboarding.schemas import (
    ApplicationStatusRead,
    ApprovalCreate,
    ApprovalRead,
    AssessmentResultUpdate,
    CommitmentCreate,
    CommitmentRead,
    InstitutionApiClientCreate,
    InstitutionApplicationCreate,
    InstitutionApplicationRead,
    InstitutionApplicationReceipt,
    ReasonCreate,
)
from xinyidai.identity.schemas import ApiClientCreated
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, client_ip

router = APIRouter(prefix="/api/v1", tags=["institution onboarding"], dependencies=[Depends(csrf_protect)])



def visible_application(session: SessionDep, principal: PlatformOrInstitutionAdminDep,
                        application_id: IdPath) -> InstitutionApplication:
    """Dependency: the application if the caller may see it (the platform admin any, an institution its own),
    else 404."""
    return onboarding.get_application_for(session, principal=principal, application_id=application_id)


@router.post("/institution-applications", response_model=InstitutionApplicationReceipt, status_code=201,
             dependencies=[Depends(Public())])
def apply(request: Request, session: SessionDep,
          application_in: InstitutionApplicationCreate) -> InstitutionApplicationReceipt:
    """An institution applies to connect (机构入驻申请); keep the reference to check the status."""
    application = onboarding.submit_application(session, application_in=application_in, ip_address=client_ip(request))
    return InstitutionApplicationReceipt(reference=application.reference, status=application.status,
                                         status_label=rules.STATUS_LABELS[ApplicationStatus(application.status)])


@router.get("/institution-applications/status", response_model=ApplicationStatusRead,
            dependencies=[Depends(Public())])
def application_status(session: SessionDep, reference: Annotated[Text, Query(max_length=24)],
                       uscc: Annotated[Text, Query(max_length=30)]) -> ApplicationStatusRead:
    """The status of an application, given its reference and the applicant's USCC."""
    application = onboarding.find_application_status(session, reference=reference, uscc=uscc)
    status = ApplicationStatus(application.status)
    return ApplicationStatusRead(
        reference=application.reference, organisation_name=application.organisation_name, status=status,
        status_label=rules.STATUS_LABELS[status], submitted_at=application.submitted_at,
        decided_at=application.decided_at,
        decision_note=application.decision_note if status == ApplicationStatus.REJECTED else None)


@router.get("/institution-applications/{application_id}", response_model=InstitutionApplicationRead)
def get_application(session: SessionDep,
                    application: Annotated[InstitutionApplication, Depends(visible_application)]
                    ) -> InstitutionApplicationRead:
    """One application with its checklist and commitment (the platform admin, or the institution itself)."""
    return onboarding.to_read(session, application)


@router.get("/admin/institution-applications", response_model=list[InstitutionApplicationRead])
def list_applications(session: SessionDep, _: PlatformAdminDep,
                      status: ApplicationStatus | None = None) -> list[InstitutionApplicationRead]:
    """Applications to connect, newest first (contact mobile masked)."""
    return [onboarding.to_read(session, a) for a in onboarding.list_applications(session, status=status)]


@router.post("/admin/institution-applications/{application_id}/assessment/start",
             response_model=InstitutionApplicationRead)
def start_assessment(session: SessionDep, principal: PlatformAdminDep,
                     application_id: IdPath) -> InstitutionApplicationRead:
    """Accept an application for the security assessment."""
    application = onboarding.start_assessment(session, principal=principal, application_id=application_id)
    return onboarding.to_read(session, application)


@router.put("/admin/institution-applications/{application_id}/assessment", response_model=InstitutionApplicationRead)
def record_assessment(session: SessionDep, principal: PlatformAdminDep, application_id: IdPath,
                      result_in: AssessmentResultUpdate) -> InstitutionApplicationRead:
    """Record the finding on one checklist item."""
    onboarding.record_assessment(session, principal=principal, application_id=application_id, result_in=result_in)
    return onboarding.to_read(session, onboarding.get_application(session, application_id=application_id))


@router.post("/admin/institution-applications/{application_id}/approve", response_model=ApprovalRead)
def approve(session: SessionDep, principal: PlatformAdminDep, application_id: IdPath,
            approval_in: ApprovalCreate) -> ApprovalRead:
    """Approve an application whose assessment passed; the first admin's password is in this answer only."""
    approval = onboarding.approve(session, principal=principal, application_id=application_id,
                                  approval_in=approval_in)
    return ApprovalRead(application=onboarding.to_read(session, approval.application),
                        organisation_id=approval.organisation.id, admin_username=approval.admin.username,
                        initial_password=approval.initial_password)


@router.post("/admin/institution-applications/{application_id}/reject", response_model=InstitutionApplicationRead)
def reject(session: SessionDep, principal: PlatformAdminDep, application_id: IdPath,
           reason_in: ReasonCreate) -> InstitutionApplicationRead:
    """Refuse an application with a reason."""
    application = onboarding.reject(session, principal=principal, application_id=application_id,
                                    reason=reason_in.reason)
    return onboarding.to_read(session, application)


@router.post("/admin/institution-applications/{application_id}/suspend", response_model=InstitutionApplicationRead)
def suspend(session: SessionDep, principal: PlatformAdminDep, application_id: IdPath,
            reason_in: ReasonCreate) -> InstitutionApplicationRead:
    """Suspend a connected institution; its sessions and tokens are refused from the next request."""
    application = onboarding.suspend(session, principal=principal, application_id=application_id,
                                     reason=reason_in.reason)
    return onboarding.to_read(session, application)


@router.post("/admin/institution-applications/{application_id}/reinstate",
             response_model=InstitutionApplicationRead)
def reinstate(session: SessionDep, principal: PlatformAdminDep, application_id: IdPath) -> InstitutionApplicationRead:
    """Lift a suspension."""
    application = onboarding.reinstate(session, principal=principal, application_id=application_id)
    return onboarding.to_read(session, application)


@router.post("/institution/commitment", response_model=CommitmentRead, status_code=201)
def sign_commitment(request: Request, session: SessionDep, principal: InstitutionAdminDep,
                    commitment_in: CommitmentCreate) -> CommitmentRead:
    """The institution admin signs the usage commitment whose SHA-256 it quotes."""
    commitment = onboarding.sign_commitment(session, principal=principal, commitment_in=commitment_in,
                                            ip_address=client_ip(request))
    return CommitmentRead(text_version=commitment.text_version, text_sha256=commitment.text_sha256,
                          signer_name=commitment.signer_name, signed_by_user_id=commitment.signed_by_user_id,
                          signed_at=commitment.signed_at)


@router.post("/institution/api-clients", response_model=ApiClientCreated, status_code=201)
def issue_api_client(session: SessionDep, principal: InstitutionAdminDep,
                     client_in: InstitutionApiClientCreate) -> ApiClientCreated:
    """Issue client credentials for the caller's institution; the secret is shown once."""
    return onboarding.issue_api_client(session, principal=principal, client_in=client_in)
