"""The platform admin's end-of-day page: the history of runs, and the next business date run after a confirmation."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from xinyidai.auth.dependencies import PlatformAdminDep, csrf_protect
from xinyidai.loans import eod
from xinyidai.portal import flash
from xinyidai.portal.templating import render
from xinyidai.web import SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PAGE = "/admin/end-of-day"


@router.get(PAGE, response_class=HTMLResponse)
def end_of_day_page(request: Request, session: SessionDep, principal: PlatformAdminDep) -> Response:
    """The end-of-day runs, newest first, and the date the next run would close."""
    return render(request, "loans/end_of_day.html", {
        "runs": eod.list_runs(session), "next_date": eod.next_date(session), "confirming": False,
    })


@router.get(PAGE + "/confirm", response_class=HTMLResponse)
def confirm_end_of_day(request: Request, session: SessionDep, principal: PlatformAdminDep) -> Response:
    """What running end of day will do, before it is done."""
    return render(request, "loans/end_of_day.html", {
        "runs": eod.list_runs(session, limit=5), "next_date": eod.next_date(session), "confirming": True,
    })


@router.post(PAGE)
def run_next_day(session: SessionDep, principal: PlatformAdminDep,
                 business_date: Annotated[date, Form()]) -> Response:
    """Run end of day for the date the confirmation named, if it is still the next one."""
    if business_date != eod.next_date(session):
        # Another run got there first, or the form is stale: nothing to do twice.
        return flash.redirect(PAGE, f"{business_date} 的日终已处理或尚不能处理，未重复执行")
    run = eod.run(session, business_date=business_date, actor=principal)
    return flash.redirect(PAGE, f"{business_date} 日终处理完成：计提 {run.drawdowns_accrued} 笔，"
                                f"记账 {run.entries_made} 笔，新增违约 {run.defaults_triggered} 笔")
