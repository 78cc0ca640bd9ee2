"""Portal pages of credit reports: the enterprise's download button, an institution's download under authorisation,
and the public page where anyone checks a report by its verification code (and file)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from xinyidai.auth.dependencies import (
    EnterpriseUserDep,
    InstitutionReaderDep,
    PublicCallerDep,
    csrf_protect,
)
from xinyidai.auth.principal import Principal
from xinyidai.auth.scoping import own_enterprise_id
from xinyidai.creditdata.report import service as report
from xinyidai.creditdata.report.router import pdf_response
from xinyidai.creditdata.report.schemas import CreditReportVerificationRead, VerificationStatus
from xinyidai.errors import DomainError
from xinyidai.portal.templating import render
from xinyidai.registry import service as registry_service
from xinyidai.text import Text
from xinyidai.web import SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

STATUS_BADGES = {VerificationStatus.GENUINE: "approved", VerificationStatus.NOT_FOUND: "withdrawn",
                 VerificationStatus.ALTERED: "rejected"}


@router.post("/credit-file/report")
def my_credit_report(request: Request, session: SessionDep,
                     principal: EnterpriseUserDep) -> Response:
    """下载信用报告: the caller's own entity's credit report as a PDF, free of charge."""
    enterprise_id = own_enterprise_id(principal)
    return pdf_response(report.issue(session, principal=principal, enterprise_id=enterprise_id,
                                     ip_address=client_ip(request),
                                     served_at=str(request.base_url)), status_code=200)


def _request_page(request: Request, *, form: dict[str, str] | None = None, errors: list[str] | None = None,
                  status_code: int = 200) -> Response:
    return render(request, "creditdata/report_request.html", {
        "form": form or {"uscc": "", "purpose_ref": ""}, "errors": errors or []}, status_code=status_code)


@router.get("/credit-reports", response_class=HTMLResponse)
def request_page(request: Request, principal: InstitutionReaderDep) -> Response:
    """下载企业信用报告: the institution names the entity and the reference of its authorisation."""
    return _request_page(request)


@router.post("/credit-reports")
def request_report(
    request: Request, session: SessionDep, principal: InstitutionReaderDep,
    uscc: Annotated[Text, Form(max_length=30)] = "", purpose_ref: Annotated[Text, Form(max_length=60)] = "",
) -> Response:
    """The institution downloads an entity's report under the entity's live authorisation for a credit report
    download; a refusal says why (no, revoked, expired or used authorisation) and changes nothing."""
    form = {"uscc": uscc.strip().upper(), "purpose_ref": purpose_ref.strip()}
    enterprise = registry_service.get_by_uscc(session, uscc=form["uscc"]) if form["uscc"] else None
    problems = [] if enterprise else ["未找到该统一社会信用代码对应的市场主体"]
    if not form["purpose_ref"]:
        problems.append("请填写授权对应的业务编号")
    if problems or enterprise is None:
        return _request_page(request, form=form, errors=problems, status_code=422)
    try:
        issued = report.issue(session, principal=principal, enterprise_id=enterprise.id,
                              purpose_ref=form["purpose_ref"], ip_address=client_ip(request),
                              served_at=str(request.base_url))
    except DomainError as exc:
        session.rollback()  # a refusal leaves nothing behind, not even a half-made read
        return _request_page(request, form=form, errors=[exc.message], status_code=exc.status_code)
    return pdf_response(issued, status_code=200)


def _verify_page(request: Request, *, code: str = "", result: CreditReportVerificationRead | None = None,
                 errors: list[str] | None = None, status_code: int = 200) -> Response:
    context: dict[str, Any] = {"code": code, "result": result, "errors": errors or [], "badges": STATUS_BADGES,
                               "statuses": VerificationStatus}
    return render(request, "creditdata/verify_report.html", context, status_code=status_code)


def _checked(request: Request, session: Session, caller: Principal | None, code: str,
             pdf: bytes | None) -> Response:
    try:
        result = report.verify(session, code=code, pdf=pdf, principal=caller, ip_address=client_ip(request))
    except DomainError as exc:
        session.rollback()
        return _verify_page(request, code=code, errors=[exc.message], status_code=exc.status_code)
    return _verify_page(request, code=code, result=result)


@router.get("/verify-report", response_class=HTMLResponse)
def verify_page(request: Request, session: SessionDep, caller: PublicCallerDep,
                code: Annotated[Text, Query(max_length=40)] = "") -> Response:
    """核验信用报告 (public): enter the code printed on a report; the QR code on the report lands here with it."""
    if not code:
        return _verify_page(request)
    return _checked(request, session, caller, code, None)


@router.post("/verify-report", response_class=HTMLResponse)
def verify(request: Request, session: SessionDep, caller: PublicCallerDep,
           code: Annotated[str, Form(max_length=40)] = "",
           file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Check a code and, when a PDF is uploaded, that the file is exactly the report issued under it."""
    content = file.file.read(report.MAX_PDF_BYTES + 1) if file is not None and file.filename else None
    return _checked(request, session, caller, code, content or None)
