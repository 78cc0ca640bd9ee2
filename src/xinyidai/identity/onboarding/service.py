"""Use cases of institution onboarding (机构入驻): apply, assess, approve or reject, sign the usage commitment,
issue API clients, suspend and reinstate. Rules live in onboarding_policy; this module does the I/O and audits."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock, crypto
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import ROLES_BY_KIND, OrgKind, OrgStatus, Role
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.identity import service
from xinyidai.identity.exceptions import (
    ApplicationNotFound,
    DuplicateRegistration,
    InvalidIdentityInput,
    InvalidOnboardingInput,
    OnboardingRefused,
)
from xinyidai.identity.models import Organisation, User
from xinyidai.identity.onboarding import policy as rules
from xinyidai.identity.onboarding.models import AssessmentResult, InstitutionApplication, UsageCommitment
from xinyidai.identity.onboarding.policy import ApplicationStatus, Transition
from xinyidai.identity.onboarding.schemas import (
    ApprovalCreate,
    AssessmentResultRead,
    AssessmentResultUpdate,
    CommitmentCreate,
    CommitmentRead,
    InstitutionApiClientCreate,
    InstitutionApplicationCreate,
    InstitutionApplicationRead,
)
from xinyidai.identity.schemas import ApiClientCreate, ApiClientCreated, OrganisationCreate, UserCreate
from xinyidai.registry.codes import InvalidCode, validate_uscc

MOBILE_CONTEXT = "institution_application.contact_mobile"
# Applications that block a second one for the same USCC (a rejected applicant may apply again).
OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_ASSESSMENT, ApplicationStatus.APPROVED,
                 ApplicationStatus.SUSPENDED)


# Applying ----------------------------------------------------------------------------------------


def submit_application(session: Session, *, application_in: InstitutionApplicationCreate,
                       ip_address: str | None = None) -> InstitutionApplication:
    """Record an application to connect; the USCC must pass GB 32100's check and not be connected already."""
    try:
        uscc = validate_uscc(application_in.uscc).code
    except InvalidCode as exc:
        raise InvalidIdentityInput(str(exc), message_en="invalid USCC") from exc
    if application_in.kind not in rules.APPLICANT_KINDS:
        raise InvalidIdentityInput("仅银行、担保公司和信用服务机构可申请接入", message_en="kind may not apply")
    mobile = rules.normalise_mobile(application_in.contact_mobile)
    if mobile is None:
        raise InvalidIdentityInput("联系人手机号码应为11位中国大陆手机号", message_en="invalid mobile number")
    unknown = [s for s in application_in.requested_scopes if s not in rules.SCOPES]
    if unknown:
        raise InvalidIdentityInput(f"不支持的接入服务：{'、'.join(unknown)}", message_en="unknown scopes")
    open_application = session.scalars(select(InstitutionApplication.id).where(
        InstitutionApplication.uscc == uscc, InstitutionApplication.status.in_(OPEN_STATUSES))).first()
    if open_application is not None or session.scalars(
            select(Organisation.id).where(Organisation.uscc == uscc)).first() is not None:
        raise DuplicateRegistration(f"统一社会信用代码{uscc}的机构已申请或已接入，请勿重复申请",
                                    message_en="this institution has applied or is connected already")
    application = InstitutionApplication(
        reference="JR" + clock.today().strftime("%Y%m%d") + secrets.token_hex(5).upper(),
        organisation_name=application_in.organisation_name.strip(), uscc=uscc, kind=application_in.kind,
        licence_number=application_in.licence_number.strip(), contact_name=application_in.contact_name.strip(),
        contact_mobile_cipher=crypto.encrypt(mobile, context=MOBILE_CONTEXT),
        contact_mobile_masked=rules.mask_mobile(mobile),
        requested_scopes=[s for s in rules.SCOPES if s in application_in.requested_scopes],
        status=ApplicationStatus.SUBMITTED, submitted_at=clock.now(),
    )
    session.add(application)
    session.flush()
    audit_service.record(session, actor=audit_service.Actor.public(), action="identity.institution_applied",
                         subject_type="institution_application",
                         subject_id=application.id, ip_address=ip_address,
                         detail={"uscc": uscc, "kind": application.kind, "scopes": application.requested_scopes})
    return application


def find_application_status(session: Session, *, reference: str, uscc: str) -> InstitutionApplication:
    """An application by its reference, only if the USCC given matches (the public status check)."""
    application = session.scalars(select(InstitutionApplication).where(
        InstitutionApplication.reference == reference.strip().upper())).one_or_none()
    if application is None or application.uscc != uscc.strip().upper():
        raise ApplicationNotFound("未找到该申请，请核对申请编号和统一社会信用代码",
                                  message_en="no application with this reference and USCC")
    return application


def reencrypt_contact_mobiles(session: Session, *, after_id: int = 0, limit: int = 1000,
                              everything: bool = False) -> tuple[int, int | None]:
    """Re-encrypt the next `limit` applications' contact mobiles after `after_id` under the active key; returns how
    many changed and the last id looked at (None: no rows left). Only ciphertexts made with another key are touched
    unless `everything`."""
    query = select(InstitutionApplication).where(InstitutionApplication.id > after_id).order_by(
        InstitutionApplication.id).limit(limit)
    if not everything:
        current = f"v1.{get_settings().active_data_key_id}."
        query = query.where(~InstitutionApplication.contact_mobile_cipher.startswith(current, autoescape=True))
    rows = session.scalars(query).all()
    for application in rows:
        application.contact_mobile_cipher = crypto.rotate(application.contact_mobile_cipher, context=MOBILE_CONTEXT)
    session.flush()
    return len(rows), rows[-1].id if rows else None


# Reading -----------------------------------------------------------------------------------------


def get_application(session: Session, *, application_id: int) -> InstitutionApplication:
    """The application with this id."""
    application = session.get(InstitutionApplication, application_id)
    if application is None:
        raise ApplicationNotFound("未找到该接入申请", message_en="application not found")
    return application


def get_application_for(session: Session, *, principal: Principal, application_id: int) -> InstitutionApplication:
    """The application if the caller may see it: the platform admin any, an institution only its own."""
    application = get_application(session, application_id=application_id)
    if not principal.is_platform_admin and (
            application.organisation_id is None or application.organisation_id != principal.organisation_id):
        raise ApplicationNotFound("未找到该接入申请", message_en="application not found")
    return application


def application_of_organisation(session: Session, *, organisation_id: int) -> InstitutionApplication | None:
    """The application through which an organisation connected, if it did."""
    return session.scalars(select(InstitutionApplication).where(
        InstitutionApplication.organisation_id == organisation_id)).one_or_none()


def list_applications(session: Session, *, status: ApplicationStatus | None = None) -> Sequence[InstitutionApplication]:
    """Applications, newest first, optionally of one status."""
    query = select(InstitutionApplication).order_by(InstitutionApplication.submitted_at.desc(),
                                                    InstitutionApplication.id.desc())
    if status is not None:
        query = query.where(InstitutionApplication.status == status)
    return session.scalars(query).all()


def onboarded_organisations(session: Session) -> dict[int, int]:
    """Organisation id → application id, for organisations that connected through an application."""
    rows = session.execute(select(InstitutionApplication.organisation_id, InstitutionApplication.id).where(
        InstitutionApplication.organisation_id.is_not(None))).all()
    return {org: app for org, app in rows if org is not None}


def _results(session: Session, application_id: int) -> dict[str, AssessmentResult]:
    return {r.item_code: r for r in session.scalars(select(AssessmentResult).where(
        AssessmentResult.application_id == application_id))}


def commitment_of(session: Session, *, organisation_id: int) -> UsageCommitment | None:
    """The organisation's signed commitment to the current text, if any."""
    return session.scalars(select(UsageCommitment).where(
        UsageCommitment.organisation_id == organisation_id,
        UsageCommitment.text_version == rules.COMMITMENT_VERSION)).one_or_none()


def to_read(session: Session, application: InstitutionApplication) -> InstitutionApplicationRead:
    """An application with its checklist and commitment, personal data masked."""
    results = _results(session, application.id)
    checklist = []
    for item in rules.CHECKLIST:
        found = results.get(item.code)
        checklist.append(AssessmentResultRead(
            item_code=item.code, title=item.title, requirement=item.requirement, basis=item.basis,
            passed=found.passed if found else None, note=found.note if found else None,
            evidence_ref=found.evidence_ref if found else None, assessed_at=found.assessed_at if found else None))
    commitment = (commitment_of(session, organisation_id=application.organisation_id)
                  if application.organisation_id is not None else None)
    return InstitutionApplicationRead(
        id=application.id, reference=application.reference, organisation_name=application.organisation_name,
        uscc=application.uscc, kind=OrgKind(application.kind), licence_number=application.licence_number,
        contact_name=application.contact_name, contact_mobile_masked=application.contact_mobile_masked,
        requested_scopes=list(application.requested_scopes), status=application.status,
        status_label=rules.STATUS_LABELS[ApplicationStatus(application.status)],
        submitted_at=application.submitted_at, decided_at=application.decided_at,
        decision_note=application.decision_note, organisation_id=application.organisation_id,
        suspended_at=application.suspended_at, suspension_reason=application.suspension_reason,
        checklist=checklist,
        commitment=None if commitment is None else CommitmentRead(
            text_version=commitment.text_version, text_sha256=commitment.text_sha256,
            signer_name=commitment.signer_name, signed_by_user_id=commitment.signed_by_user_id,
            signed_at=commitment.signed_at),
    )


# The platform admin's review ---------------------------------------------------------------------


def _move(application: InstitutionApplication, transition: Transition) -> None:
    try:
        application.status = rules.next_status(ApplicationStatus(application.status), transition)
    except rules.IllegalTransition as exc:
        raise OnboardingRefused(str(exc), message_en=f"{transition} not allowed from {application.status}") from exc


def _audit(session: Session, principal: Principal, action: str, application: InstitutionApplication,
           **detail: object) -> None:
    audit_service.record(session, action=f"identity.institution_{action}", actor=principal,
                         subject_type="institution_application",
                         subject_id=application.id, detail={"uscc": application.uscc, **detail})


def start_assessment(session: Session, *, principal: Principal, application_id: int) -> InstitutionApplication:
    """Accept the application for the security assessment."""
    application = get_application(session, application_id=application_id)
    _move(application, Transition.START_ASSESSMENT)
    _audit(session, principal, "assessment_started", application)
    session.flush()
    return application


def record_assessment(session: Session, *, principal: Principal, application_id: int,
                      result_in: AssessmentResultUpdate) -> AssessmentResult:
    """Record (or correct) the finding on one checklist item while the application is under assessment."""
    application = get_application(session, application_id=application_id)
    if application.status != ApplicationStatus.UNDER_ASSESSMENT:
        raise OnboardingRefused("只有处于安全评估中的申请可以记录评估结果", message_en="not under assessment")
    if result_in.item_code not in rules.CHECKLIST_BY_CODE:
        raise InvalidIdentityInput(f"评估项“{result_in.item_code}”不在安全评估清单中", message_en="unknown item")
    if principal.user_id is None:
        raise OnboardingRefused("安全评估须由平台管理员本人记录", message_en="a person must assess")
    result = _results(session, application.id).get(result_in.item_code)
    if result is None:
        result = AssessmentResult(application_id=application.id, item_code=result_in.item_code)
        session.add(result)
    result.passed = result_in.passed
    result.note = result_in.note.strip()
    result.evidence_ref = result_in.evidence_ref.strip()
    result.assessed_by_user_id = principal.user_id
    result.assessed_at = clock.now()
    _audit(session, principal, "assessed", application, item=result_in.item_code, passed=result_in.passed,
           evidence_ref=result.evidence_ref)
    session.flush()
    return result


@dataclass(frozen=True)
class Approval:
    """An approved application, its new organisation and first admin with the password shown once."""

    application: InstitutionApplication
    organisation: Organisation
    admin: User
    initial_password: str


def approve(session: Session, *, principal: Principal, application_id: int, approval_in: ApprovalCreate,
            password: str | None = None) -> Approval:
    """Approve an application whose checklist is complete and all passed: the organisation becomes active and its
    first admin is created with a one-time password (operator tooling such as the demo may set it instead)."""
    application = get_application(session, application_id=application_id)
    verdict = rules.judge_checklist({code: r.passed for code, r in _results(session, application.id).items()})
    if application.status == ApplicationStatus.UNDER_ASSESSMENT and not verdict.approvable:
        raise OnboardingRefused("安全评估未全部通过，不能批准接入：" + verdict.reason(),
                                message_en="the security assessment is not complete and passed")
    _move(application, Transition.APPROVE)
    organisation = service.create_organisation(session, organisation_in=OrganisationCreate(
        name=application.organisation_name, kind=OrgKind(application.kind), uscc=application.uscc))
    generated = password is None
    password = password or rules.initial_password()
    username = approval_in.admin_username or f"admin.{application.uscc[-8:].lower()}"
    # A generated password is shown to the operator who approves: its admin must replace it at first login.
    admin = service.create_user(session, user_in=UserCreate(
        organisation_id=organisation.id, username=username, display_name=application.contact_name,
        password=password, roles=[Role.INSTITUTION_ADMIN]), must_change_password=generated)
    application.organisation_id = organisation.id
    application.decided_at = clock.now()
    application.decided_by_user_id = principal.user_id
    application.decision_note = approval_in.note.strip() if approval_in.note else None
    _audit(session, principal, "approved", application, organisation_id=organisation.id, admin_user_id=admin.id)
    session.flush()
    return Approval(application=application, organisation=organisation, admin=admin, initial_password=password)


def _reason(reason: str, *, missing: str) -> str:
    """The stated reason of a refusal or suspension, which the institution reads: at least two characters."""
    if len(reason.strip()) < 2:
        raise InvalidOnboardingInput(missing, message_en="a reason is required")
    return reason.strip()


def reject(session: Session, *, principal: Principal, application_id: int, reason: str) -> InstitutionApplication:
    """Refuse an application, with the reason the applicant will read."""
    reason = _reason(reason, missing="请填写不予接入的原因")
    application = get_application(session, application_id=application_id)
    _move(application, Transition.REJECT)
    application.decided_at = clock.now()
    application.decided_by_user_id = principal.user_id
    application.decision_note = reason
    _audit(session, principal, "rejected", application, reason=application.decision_note)
    session.flush()
    return application


def suspend(session: Session, *, principal: Principal, application_id: int, reason: str) -> InstitutionApplication:
    """Suspend a connected institution (暂停接入): its sessions end and its tokens are refused from the next
    request on."""
    reason = _reason(reason, missing="请填写暂停接入的原因")
    application = get_application(session, application_id=application_id)
    _move(application, Transition.SUSPEND)
    assert application.organisation_id is not None  # an approved application has its organisation
    service.set_organisation_status(session, organisation_id=application.organisation_id,
                                    status=OrgStatus.SUSPENDED)
    application.suspended_at = clock.now()
    application.suspension_reason = reason
    _audit(session, principal, "suspended", application, reason=application.suspension_reason)
    session.flush()
    return application


def reinstate(session: Session, *, principal: Principal, application_id: int) -> InstitutionApplication:
    """Lift a suspension: the institution's users may log in and its clients' tokens work again."""
    application = get_application(session, application_id=application_id)
    _move(application, Transition.REINSTATE)
    assert application.organisation_id is not None
    service.set_organisation_status(session, organisation_id=application.organisation_id, status=OrgStatus.ACTIVE)
    _audit(session, principal, "reinstated", application, suspended_at=str(application.suspended_at),
           reason=application.suspension_reason)
    application.suspended_at = None
    application.suspension_reason = None
    session.flush()
    return application


# The institution's own steps ---------------------------------------------------------------------


def own_application(session: Session, *, principal: Principal) -> InstitutionApplication:
    """The application through which the caller's organisation connected."""
    application = application_of_organisation(session, organisation_id=principal.organisation_id)
    if application is None:
        raise ApplicationNotFound("本机构不是通过入驻申请接入的", message_en="organisation was not onboarded")
    return application


def sign_commitment(session: Session, *, principal: Principal, commitment_in: CommitmentCreate,
                    ip_address: str | None = None) -> UsageCommitment:
    """The institution admin signs the current usage commitment; the digest quoted must be that of the text shown."""
    if principal.user_id is None or not principal.has_any(Role.INSTITUTION_ADMIN):
        raise OnboardingRefused("使用承诺须由机构管理员本人签署", message_en="the institution admin must sign")
    application = own_application(session, principal=principal)
    if application.status != ApplicationStatus.APPROVED:
        raise OnboardingRefused("机构当前不能签署承诺", message_en="the institution is not connected")
    if not commitment_in.agree:
        raise InvalidIdentityInput("请阅读并勾选同意《信息使用承诺书》", message_en="you must agree to the text")
    digest = rules.commitment_digest(rules.COMMITMENT_TEXT)
    if commitment_in.text_sha256 != digest:
        raise OnboardingRefused("承诺书文本已更新，请刷新页面阅读最新版本后再签署",
                                message_en="the commitment text changed; reload and sign the current version")
    existing = commitment_of(session, organisation_id=principal.organisation_id)
    if existing is not None:
        return existing  # signing the same text twice adds nothing
    commitment = UsageCommitment(
        organisation_id=principal.organisation_id, application_id=application.id,
        text_version=rules.COMMITMENT_VERSION, text_sha256=digest, signed_by_user_id=principal.user_id,
        signer_name=principal.display_name, signed_at=clock.now(), ip_address=ip_address)
    session.add(commitment)
    session.flush()
    audit_service.record(session, action="identity.usage_commitment_signed", actor=principal,
                         subject_type="usage_commitment",
                         subject_id=commitment.id, ip_address=ip_address, purpose="融资支持",
                         detail={"text_version": commitment.text_version, "text_sha256": digest})
    return commitment


def issue_api_client(session: Session, *, principal: Principal,
                     client_in: InstitutionApiClientCreate) -> ApiClientCreated:
    """The institution admin issues an API client for its own organisation (commitment signed first)."""
    own_application(session, principal=principal)
    created = service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=principal.organisation_id, name=client_in.name, roles=client_in.roles))
    audit_service.record(session, action="identity.api_client_issued", actor=principal, subject_type="api_client",
                         subject_id=created.id, detail={"client_id": created.client_id,
                                                        "roles": [r.value for r in created.roles]})
    return created


def client_roles_for(kind: OrgKind) -> list[Role]:
    """The roles an institution of `kind` may give its API clients (never administration)."""
    return sorted(r for r in ROLES_BY_KIND[kind] if r != Role.INSTITUTION_ADMIN)
