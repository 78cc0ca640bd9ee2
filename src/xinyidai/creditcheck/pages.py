"""Portal pages of public credit checks: a government supervisor checks a bidder, and anyone checks a result by its
verification code."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from xinyidai.auth.dependencies import CreditCheckerDep, PublicCallerDep, csrf_protect
from xinyidai.creditcheck import service
from xinyidai.creditcheck.schemas import CreditCheckRead, CreditCheckVerificationRead
from xinyidai.errors import DomainError
from xinyidai.portal.templating import render
from xinyidai.text import Text
from xinyidai.web import SessionDep, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

STATUS_BADGES = {"genuine": "approved", "not_found": "withdrawn", "altered": "rejected"}


def _check_page(request: Request, *, form: dict[str, str] | None = None, result: CreditCheckRead | None = None,
                errors: list[str] | None = None, status_code: int = 200) -> Response:
    return render(request, "creditcheck/check.html", {
        "form": form or {"uscc": "", "tender_ref": ""}, "result": result, "errors": errors or []},
        status_code=status_code)


@router.get("/credit-checks", response_class=HTMLResponse)
def check_page(request: Request, principal: CreditCheckerDep) -> Response:
    """公共信用核查: a government supervisor names a bidder by its code (and the tender)."""
    return _check_page(request)


@router.post("/credit-checks", response_class=HTMLResponse)
def run_check(request: Request, session: SessionDep, principal: CreditCheckerDep,
              uscc: Annotated[str, Form(max_length=30)] = "",
              tender_ref: Annotated[str, Form(max_length=60)] = "") -> Response:
    """Check the bidder from public information; a wrong code says why and stores nothing."""
    form = {"uscc": uscc.strip().upper(), "tender_ref": tender_ref.strip()}
    try:
        result = service.check(session, principal=principal, uscc=form["uscc"], tender_ref=form["tender_ref"] or None,
                               ip_address=client_ip(request), served_at=str(request.base_url))
    except DomainError as exc:
        session.rollback()
        return _check_page(request, form=form, errors=[exc.message], status_code=exc.status_code)
    return _check_page(request, form=form, result=result)


def _verify_page(request: Request, *, code: str = "", answer: str = "",
                 result: CreditCheckVerificationRead | None = None, errors: list[str] | None = None,
                 status_code: int = 200) -> Response:
    context: dict[str, Any] = {"code": code, "answer": answer, "result": result, "errors": errors or [],
                               "badges": STATUS_BADGES}
    return render(request, "creditcheck/verify.html", context, status_code=status_code)


@router.get("/verify-credit-check", response_class=HTMLResponse)
def verify_page(request: Request, session: SessionDep, caller: PublicCallerDep,
                code: Annotated[Text, Query(max_length=40)] = "") -> Response:
    """核验信用核查结果 (public): enter the code of a check result; a result's link lands here with it."""
    if not code:
        return _verify_page(request)
    try:
        result = service.verify(session, code=code, principal=caller, ip_address=client_ip(request))
    except DomainError as exc:
        session.rollback()
        return _verify_page(request, code=code, errors=[exc.message], status_code=exc.status_code)
    return _verify_page(request, code=code, result=result)


@router.post("/verify-credit-check", response_class=HTMLResponse)
def verify(request: Request, session: SessionDep, caller: PublicCallerDep,
           code: Annotated[str, Form(max_length=40)] = "",
           answer: Annotated[str, Form(max_length=service.MAX_ANSWER_CHARS)] = "") -> Response:
    """Check a code and, when the result's JSON is pasted, that it is exactly the answer sealed under it."""
    presented = None
    if answer.strip():
        try:
            presented = json.loads(answer)
        except ValueError:
            presented = None
        if not isinstance(presented, dict):
            return _verify_page(request, code=code, answer=answer, errors=["核查结果应为平台返回的 JSON 对象"],
                                status_code=422)
    try:
        result = service.verify(session, code=code, answer=presented, principal=caller,
                                ip_address=client_ip(request))
    except DomainError as exc:
        session.rollback()
        return _verify_page(request, code=code, answer=answer, errors=[exc.message], status_code=exc.status_code)
    return _verify_page(request, code=code, answer=answer, result=result)
