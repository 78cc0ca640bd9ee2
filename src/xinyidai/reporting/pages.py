"""Portal pages of statistics (统计) for the commission, the regulator and the platform admin: the dashboard with
the targets beside the figures, the targets, the monthly reports (月报) to generate and download, and the monthly
reports the nodes below sent up over the network (下级节点月报)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.dependencies import OversightDep, csrf_protect
from xinyidai.errors import DomainError
from xinyidai.money import InvalidAmount, format_yuan, parse_yuan
from xinyidai.portal.charts import Chart, Series
from xinyidai.portal.i18n import language_of, translate
from xinyidai.portal.templating import render
from xinyidai.reporting import definitions as d
from xinyidai.reporting import files, service
from xinyidai.text import Text, check_digits
from xinyidai.web import SessionDep, attachment, client_ip

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PAGE = "/supervision/statistics"
MONTH = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"
MonthQuery = Annotated[Text | None, Query(pattern=MONTH, max_length=7)]
MonthPath = Annotated[str, Path(pattern=MONTH, max_length=7)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The headline cards, in the order the commission reads them.
HEADLINE = ("registered_firms", "registration_share", "orders_submitted", "pass_rate", "amount_disbursed",
            "credit_share_of_sme_loans", "first_loan_firms", "average_rate", "firms_financed_total",
            "amount_financed_total", "late_orders", "sharing_timeliness")
# The main figures of a node below's monthly report, as the list of received reports shows them.
RECEIVED_FIGURES = ("registered_firms", "orders_submitted", "pass_rate", "amount_disbursed",
                    "credit_share_of_sme_loans", "first_loan_firms", "firms_financed_total", "amount_financed_total")


def _wan(fen: int) -> float:
    return round(fen / 1_000_000, 2)


def _percent(value: Any) -> float | None:
    return None if value is None else round(float(Decimal(str(value)) * 100), 2)


def _charts(snapshot: Any, points: list[Any], targets: list[files.TargetLine], lang: str) -> list[Chart]:
    tables = {t.code: t for t in snapshot.tables}
    share_target = next((float(t.value) * 100 for t in targets if t.figure_code == "credit_share_of_sme_loans"), None)
    months = [p.month for p in points]
    areas = tables["by_area"].rows
    departments = tables["sharing_by_department"].rows
    late = tables["late_orders_by_bank"].rows
    charts = [
        Chart(title="各月放款金额", categories=months, kind="bar", unit="万元",
              series=[Series("放款金额", [_wan(p.disbursed_fen) for p in points]),
                      Series("其中信用贷款", [_wan(p.credit_fen) for p in points])]),
        Chart(title="各月信用贷款占比与通过率", categories=months, kind="line", unit="%",
              series=[Series("信用贷款占比", [round(p.credit_fen * 100 / p.disbursed_fen, 2) if p.disbursed_fen
                                         else None for p in points]),
                      Series("通过率", [round(p.passed * 100 / p.decided, 2) if p.decided else None
                                      for p in points])],
              targets=[("信用贷款占比目标", share_target)] if share_target is not None else []),
        Chart(title="各月获贷企业与首贷户", categories=months, kind="bar", unit="户",
              series=[Series("获贷企业数", [p.firms for p in points]),
                      Series("首贷户数", [p.first_loan_firms for p in points])]),
        Chart(title="各镇街放款金额（本期）", categories=[str(r[0]) for r in areas], kind="bar", unit="万元",
              series=[Series("放款金额", [_wan(int(r[3] or 0)) for r in areas])]),
        Chart(title="各镇街注册企业与获贷企业（累计）", categories=[str(r[0]) for r in areas], kind="bar", unit="户",
              series=[Series("注册企业数", [r[1] for r in areas]), Series("累计获贷企业数", [r[5] for r in areas])]),
        Chart(title="各部门信息归集覆盖率与及时率", categories=[str(r[1]) for r in departments], kind="bar", unit="%",
              series=[Series("覆盖率", [_percent(r[5]) for r in departments]),
                      Series("及时率", [_percent(r[6]) for r in departments])]),
        Chart(title="超期未办结融资申请（按银行）", categories=[str(r[0]) for r in late] or ["—"], kind="bar",
              unit="笔", series=[Series("笔数", [r[1] for r in late] or [0])]),
    ]
    # The chart's own words in the caller's language (categories are data: towns, banks, departments).
    return [Chart(title=translate(c.title, lang), categories=c.categories, kind=c.kind, unit=translate(c.unit, lang),
                  series=[Series(translate(s.name, lang), s.values) for s in c.series],
                  targets=[(translate(label, lang), value) for label, value in c.targets]) for c in charts]


def _in_yuan(table: Any) -> dict[str, Any]:
    """A table of the snapshot as the page shows it: amounts kept in fen shown in yuan."""
    money = [c.endswith(files.FEN_COLUMN_MARK) for c in table.columns]
    return {"code": table.code, "title": table.title,
            "columns": [c.replace(files.FEN_COLUMN_MARK, "（元）") for c in table.columns],
            "rows": [[format_yuan(int(v)) if is_money and isinstance(v, int) else v
                      for v, is_money in zip(row, money, strict=True)] for row in table.rows]}


def _dashboard(request: Request, session: Session, *, month: str | None, status_code: int = 200,
               **extra: Any) -> Response:
    today = clock.today()
    current = d.month_of(today)
    chosen = month or current
    period = d.month_period(chosen)
    if period.first_day > today:
        chosen, period = current, d.month_period(current)
    if period.last_day >= today:
        period = service.period_through(today)
    snapshot = service.statistics(session, period=period)
    points = service.trend(session, month=chosen)
    targets = service.list_targets(session)
    by_figure = {t.figure_code: t for t in targets}
    cards = []
    for code in HEADLINE:
        figure = d.FIGURES_BY_CODE[code]
        target = by_figure.get(code)
        value = snapshot.figures.get(code)
        cards.append({
            "code": code, "name": figure.name, "definition": figure.definition,
            "value": files.shown_text(code, value), "unit": "" if figure.unit in ("比例", "年利率") else figure.unit,
            "target": None if target is None else files.shown_text(
                code, target.value * (100 if code in d.MONEY_FIGURES else 1)),
            "target_due": None if target is None else target.due,
        })
    figures_table = [{"code": f.code, "name": f.name, "value": files.shown_text(f.code, snapshot.figures.get(f.code)),
                      "unit": "" if f.unit in ("比例", "年利率") else f.unit, "definition": f.definition}
                     for f in d.FIGURES]
    return render(request, "reporting/dashboard.html", {
        "month": chosen, "months": d.months_back(current, 24)[::-1], "period": period,
        "cards": cards, "figures": figures_table, "charts": _charts(snapshot, points, targets, language_of(request)),
        "tables": [_in_yuan(t) for t in snapshot.tables if t.code in ("by_area", "late_orders_by_bank")],
        "targets": [{"code": default.code, "name": target.name, "unit": target.unit, "due": target.due,
                     "shown": files.shown_text(target.figure_code,
                                               target.value * (100 if target.figure_code in d.MONEY_FIGURES else 1)),
                     "actual": files.shown_text(target.figure_code, snapshot.figures.get(target.figure_code)),
                     "input": (target.value * 100).normalize() if target.unit == "比例" else target.value.normalize()}
                    for default, target in zip(service.DEFAULT_TARGETS, targets, strict=True)],
        "reports": service.list_reports(session), "last_month": d.previous_month(today),
        "banks": service.bank_choices(session), "sme_lending": service.list_sme_lending(session),
        **extra}, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, principal: OversightDep, month: MonthQuery = None) -> Response:
    """统计与月报: the month's figures beside the targets, by month and by town/street, with charts."""
    return _dashboard(request, session, month=month, flash=request.query_params.get("done"))


@router.post("/supervision/targets/{code}", response_class=HTMLResponse)
def set_target(request: Request, session: SessionDep, principal: OversightDep,
               code: Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$")],
               value: Annotated[str, Form(max_length=30)] = "",
               due_date: Annotated[str, Form(max_length=10)] = "") -> Response:
    """The commission changes a target (a share in percent, a count, an amount in yuan) and its date."""
    default = next((t for t in service.DEFAULT_TARGETS if t.code == code), None)
    problem = None
    due: date | None = None
    number = Decimal(0)
    try:
        number = Decimal(check_digits(value).strip().replace(",", "").rstrip("%"))
        if not number.is_finite():
            raise InvalidOperation
        if default is not None and default.unit == "比例":
            number = number / 100
        due = date.fromisoformat(due_date) if due_date.strip() else None
    except (InvalidOperation, ValueError):
        problem = "请填写数字目标值，日期写成 2025-12-31 的形式"
    if problem is None:
        try:
            service.set_target(session, principal=principal, code=code, value=number, due_date=due)
        except DomainError as exc:
            problem = exc.message
    if problem is not None:
        session.rollback()
        return _dashboard(request, session, month=None, status_code=422, errors=[problem])
    return RedirectResponse(f"{PAGE}?done=target#targets", status_code=303)


@router.post("/supervision/sme-lending", response_class=HTMLResponse)
def record_sme_lending(request: Request, session: SessionDep, principal: OversightDep,
                       bank_organisation_id: Annotated[int, Form(ge=1, le=2**62)],
                       month: Annotated[str, Form(max_length=7)] = "",
                       amount: Annotated[str, Form(max_length=30)] = "") -> Response:
    """Record what a bank reported as its new SME loans of a month (all its lending, for the 30% target)."""
    try:
        d.month_period(month)
        amount_fen = parse_yuan(amount)
        service.record_sme_lending(session, principal=principal, bank_organisation_id=bank_organisation_id,
                                   month=month, amount_fen=amount_fen)
    except d.BadMonth:
        session.rollback()
        return _dashboard(request, session, month=None, status_code=422, errors=["请选择月份（如 2026-10）"])
    except InvalidAmount:
        session.rollback()
        return _dashboard(request, session, month=None, status_code=422, errors=["请填写金额（元），如 12,000,000.00"])
    except DomainError as exc:
        session.rollback()
        return _dashboard(request, session, month=None, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse(f"{PAGE}?done=sme#sme-lending", status_code=303)


@router.post("/supervision/reports", response_class=HTMLResponse)
def generate(request: Request, session: SessionDep, principal: OversightDep,
             month: Annotated[str, Form(max_length=7)] = "") -> Response:
    """(Re)generate the monthly report of a past month, as of that month's end."""
    try:
        d.month_period(month)
        service.generate_monthly_report(session, month=month, actor=principal)
    except d.BadMonth:
        session.rollback()
        return _dashboard(request, session, month=None, status_code=422, errors=["请选择月份（如 2026-10）"])
    except DomainError as exc:
        session.rollback()
        return _dashboard(request, session, month=None, status_code=exc.status_code, errors=[exc.message])
    return RedirectResponse(f"{PAGE}?month={month}&done=report#reports", status_code=303)


def _download(request: Request, session: Session, principal: Any, month: str, kind: str) -> Response:
    report = service.get_report(session, month=month)
    service.record_download(session, principal=principal, report=report, kind=kind, ip_address=client_ip(request))
    name = f"融资信用服务平台月报-{month}.{kind}"
    body, media = (report.workbook, XLSX) if kind == "xlsx" else (report.pdf, "application/pdf")
    return Response(body, media_type=media, headers={
        "Content-Disposition": attachment(name, f"monthly-report-{month}.{kind}"),
        "X-Content-SHA256": report.workbook_sha256 if kind == "xlsx" else report.pdf_sha256})


@router.get("/supervision/reports/{month}.xlsx")
def download_workbook(request: Request, session: SessionDep, principal: OversightDep, month: MonthPath) -> Response:
    """The archived monthly report's workbook (audited)."""
    return _download(request, session, principal, month, "xlsx")


@router.get("/supervision/reports/{month}.pdf")
def download_pdf(request: Request, session: SessionDep, principal: OversightDep, month: MonthPath) -> Response:
    """The archived monthly report's PDF (audited)."""
    return _download(request, session, principal, month, "pdf")


@router.get("/supervision/node-reports", response_class=HTMLResponse)
def node_reports(request: Request, session: SessionDep, principal: OversightDep) -> Response:
    """下级节点月报: the monthly reports the nodes below sent up, by month, with their main figures."""
    columns = [{"code": code, "name": d.FIGURES_BY_CODE[code].name,
                "unit": "" if d.FIGURES_BY_CODE[code].unit in ("比例", "年利率") else d.FIGURES_BY_CODE[code].unit}
               for code in RECEIVED_FIGURES]
    rows = [{"month": r.month, "node_code": r.node_code, "node_name": r.node_name, "generated_at": r.generated_at,
             "received_at": r.received_at, "revisions": r.revisions, "figures_sha256": r.figures_sha256,
             "values": [files.shown_text(code, (r.figures.get("figures") or {}).get(code))
                        for code in RECEIVED_FIGURES]}
            for r in service.list_received_reports(session)]
    return render(request, "reporting/node_reports.html", {"columns": columns, "rows": rows})
