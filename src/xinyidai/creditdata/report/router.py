"""REST API of credit reports: the entity's own report, an institution's under authorisation, and the public check
of a report by its verification code (and file)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from xinyidai.auth.dependencies import (
    CreditRequesterDep,
    EnterpriseUserDep,
    PublicCallerDep,
    csrf_protect,
)
from xinyidai.auth.scoping import own_enterprise_id
from xinyidai.creditdata.report import policy as report_policy
from xinyidai.creditdata.report import service as report
from xinyidai.creditdata.report.schemas import CreditReportVerificationRead
from xinyidai.text import Text
from xinyidai.web import IdPath, SessionDep, attachment, client_ip

router = APIRouter(prefix="/api/v1", tags=["credit report"], dependencies=[Depends(csrf_protect)])

# Who may ask for an entity's report; the service narrows it to the entity itself and institutions it authorised.
PurposeRef = Annotated[Text | None, Query(min_length=1, max_length=60,
                                         description="授权对应的业务编号（机构下载时必填，须为“信用报告下载”用途的有效授权）")]
Code = Annotated[Text, Query(min_length=1, max_length=40, description="报告上印制的校验码，如 ABCD-EFGH-JKMN-PQRS")]
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {
    201: {"content": {"application/pdf": {}}, "description": "信用报告 PDF"}}


def pdf_response(issued: report.IssuedReport, *, status_code: int = 201) -> Response:
    """The report as a download, with its number and verification code in headers for integrators."""
    return Response(issued.pdf, status_code=status_code, media_type="application/pdf", headers={
        "Content-Disposition": attachment(issued.filename, f"credit-report-{issued.report.report_no}.pdf"),
        "X-Report-No": issued.report.report_no,
        "X-Verification-Code": report_policy.format_code(issued.report.verification_code),
        "Cache-Control": "no-store",
    })


@router.post("/enterprises/me/credit-reports", status_code=201, response_class=Response, responses=PDF_RESPONSE)
def my_credit_report(request: Request, session: SessionDep,
                     principal: EnterpriseUserDep) -> Response:
    """The caller's own entity's credit report (everything the platform holds on it), free of charge."""
    enterprise_id = own_enterprise_id(principal)
    return pdf_response(report.issue(session, principal=principal, enterprise_id=enterprise_id,
                                     ip_address=client_ip(request),
                                     served_at=str(request.base_url)))


@router.post("/enterprises/{enterprise_id}/credit-reports", status_code=201, response_class=Response,
             responses=PDF_RESPONSE)
def credit_report(request: Request, session: SessionDep, principal: CreditRequesterDep,
                  enterprise_id: IdPath, purpose_ref: PurposeRef = None) -> Response:
    """An entity's credit report: an institution needs the entity's live authorisation for a credit report
    download under `purpose_ref` (a one-time one is spent); audited."""
    return pdf_response(report.issue(session, principal=principal, enterprise_id=enterprise_id,
                                     purpose_ref=purpose_ref, ip_address=client_ip(request),
                                     served_at=str(request.base_url)))


@router.get("/credit-reports/verification", response_model=CreditReportVerificationRead)
def verify_code(request: Request, session: SessionDep, caller: PublicCallerDep,
                code: Code) -> CreditReportVerificationRead:
    """Anyone: was a report issued with this verification code, whose and for whom (never its content)."""
    return report.verify(session, code=code, principal=caller, ip_address=client_ip(request))


@router.post("/credit-reports/verification", response_model=CreditReportVerificationRead)
def verify_file(request: Request, session: SessionDep, caller: PublicCallerDep,
                code: Annotated[str, Form(min_length=1, max_length=40)],
                file: Annotated[UploadFile, File(description="所持的信用报告 PDF")]) -> CreditReportVerificationRead:
    """Anyone: as `GET`, and whether the uploaded PDF is exactly the report issued under the code (it changes
    nothing but the audit log)."""
    content = file.file.read(report.MAX_PDF_BYTES + 1)
    return report.verify(session, code=code, pdf=content, principal=caller, ip_address=client_ip(request))
