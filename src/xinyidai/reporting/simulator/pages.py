"""Portal pages of the policy simulator (政策模拟): the commission's and the platform admin's form of a proposed
policy, the saved simulations, one simulation current beside proposed, and its workbook."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from xinyidai.auth.dependencies import BankManagerDep, OversightDep, csrf_protect
from xinyidai.db import MAX_ID
from xinyidai.errors import DomainError
from xinyidai.portal import flash
from xinyidai.portal.templating import render
from xinyidai.products import service as products_service
from xinyidai.reporting.simulator import projection, service
from xinyidai.reporting.simulator.router import XLSX
from xinyidai.reporting.simulator.schemas import GradeIn, PolicyIn, SimulationCreate
from xinyidai.text import UnsafeText, check_digits
from xinyidai.web import IdPath, SessionDep

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
HOME = "/reporting/simulator"
HUNDRED = Decimal(100)
WAN_FEN = 1_000_000

# The form's fields: (name, label, unit) — percentages and 万元 as a person writes them.
PERCENT_FIELDS = (("min_rate", "最低年利率", "%"), ("max_rate", "最高年利率", "%"),
                  ("guarantee_fee_rate", "担保费率", "%"), ("guarantee_share", "担保方分担比例", "%"),
                  ("bank_share", "银行分担比例", "%"), ("revenue_share", "额度占推算营收比例", "%"),
                  ("lgd", "违约损失率（假设）", "%"), ("utilisation", "用信率（假设）", "%"))
FLOAT_FIELDS = (("pd_best", "最低利率对应违约概率", ""), ("pd_worst", "最高利率对应违约概率", ""),
                ("max_pd", "准入违约概率上限（可空）", ""))
WAN_FIELDS = (("max_line_wan", "最高授信额度", "万元"), ("min_amount_wan", "最低申请金额", "万元"))
YUAN_FIELDS = (("per_employee_yuan", "每名参保人员额度", "元"),
               ("min_tax_paid_yuan", "准入近12个月纳税下限（可空）", "元"))
FORM_NAMES = tuple(name for fields in (PERCENT_FIELDS, FLOAT_FIELDS, WAN_FIELDS, YUAN_FIELDS)
                   for name, _l, _u in fields)


def form_values(policy: PolicyIn) -> dict[str, str]:
    """A policy as the form shows it."""
    values = {name: _plain(getattr(policy, name) * HUNDRED) for name, _l, _u in PERCENT_FIELDS}
    values |= {"pd_best": str(policy.pd_best), "pd_worst": str(policy.pd_worst),
               "max_pd": "" if policy.max_pd is None else str(policy.max_pd),
               "max_line_wan": _plain(Decimal(policy.max_line_fen) / WAN_FEN),
               "min_amount_wan": _plain(Decimal(policy.min_amount_fen) / WAN_FEN),
               "per_employee_yuan": _plain(Decimal(policy.line_per_insured_employee_fen) / 100),
               "min_tax_paid_yuan": "" if policy.min_tax_paid_yuan is None else _plain(policy.min_tax_paid_yuan)}
    for index, grade in enumerate(policy.grades):
        values[f"grade_{index}_ceiling"] = "" if grade.ceiling is None else str(grade.ceiling)
        values[f"grade_{index}_factor"] = _plain(grade.line_factor)
    return values


def _plain(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def _number(values: dict[str, str], name: str, label: str, errors: list[str]) -> Decimal | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    try:
        number = Decimal(check_digits(text))
    except (InvalidOperation, UnsafeText):
        errors.append(f"{label}须为数字（半角 0-9）")
        return None
    if not number.is_finite():
        errors.append(f"{label}须为数字")
        return None
    return number


def policy_from_form(values: dict[str, str], grade_names: list[str]) -> tuple[PolicyIn | None, list[str]]:
    """The proposed policy from the form, or the reasons it cannot be read (in words)."""
    errors: list[str] = []
    read: dict[str, Any] = {}
    for name, label, _unit in PERCENT_FIELDS:
        number = _number(values, name, label, errors)
        read[name] = None if number is None else number / HUNDRED
    for name, label, _unit in FLOAT_FIELDS:
        number = _number(values, name, label, errors)
        read[name] = None if number is None else float(number)
    for name, label, _unit in (*WAN_FIELDS, *YUAN_FIELDS):
        read[name] = _number(values, name, label, errors)
    grades = []
    for index, grade_name in enumerate(grade_names):
        ceiling = _number(values, f"grade_{index}_ceiling", f"{grade_name}级违约概率上限", errors)
        factor = _number(values, f"grade_{index}_factor", f"{grade_name}级额度系数", errors)
        grades.append({"name": grade_name, "ceiling": None if ceiling is None else float(ceiling),
                       "line_factor": factor})
    required = [label for name, label, _u in (*PERCENT_FIELDS, *FLOAT_FIELDS[:2], *WAN_FIELDS, *YUAN_FIELDS[:1])
                if read[name] is None]
    if required:
        errors.append("请填写：" + "、".join(required))
    if errors:
        return None, errors
    try:
        policy = PolicyIn(
            **{name: read[name] for name, _l, _u in PERCENT_FIELDS},
            pd_best=read["pd_best"], pd_worst=read["pd_worst"], max_pd=read["max_pd"],
            max_line_fen=int(read["max_line_wan"] * WAN_FEN), min_amount_fen=int(read["min_amount_wan"] * WAN_FEN),
            line_per_insured_employee_fen=int(read["per_employee_yuan"] * 100),
            min_tax_paid_yuan=read["min_tax_paid_yuan"], grades=[GradeIn.model_validate(g) for g in grades])
    except ValidationError as exc:
        return None, [_validation_text(exc)]
    return policy, []


def _validation_text(exc: ValidationError) -> str:
    fields = sorted({str(error["loc"][0]) for error in exc.errors() if error["loc"]})
    labels = {name: label for name, label, _u in (*PERCENT_FIELDS, *FLOAT_FIELDS)}
    labels |= {"max_line_fen": "最高授信额度", "min_amount_fen": "最低申请金额",
               "line_per_insured_employee_fen": "每名参保人员额度", "min_tax_paid_yuan": "准入近12个月纳税下限",
               "grades": "等级与额度系数"}
    return "以下参数超出允许范围或格式不正确：" + "、".join(labels.get(f, f) for f in fields)


def _form_page(request: Request, session: SessionDep, *, product_id: int | None, values: dict[str, str] | None = None,
               grade_names: list[str] | None = None, title: str = "", errors: list[str] | None = None,
               status_code: int = 200) -> Response:
    products = list(products_service.list_published(session))
    chosen = product_id or (products[0].id if products else None)
    current = service.current_policy(session, product_id=chosen) if chosen else None
    current_in = PolicyIn.of(current) if current else None
    return render(request, "reporting/simulator/home.html", {
        "products": products, "product_id": chosen, "title": title, "errors": errors or [],
        "current": form_values(current_in) if current_in else {},
        "values": values if values is not None else (form_values(current_in) if current_in else {}),
        "grade_names": grade_names or [g.name for g in (current.grades if current else projection.LIVE_GRADES)],
        "fields": {"percent": PERCENT_FIELDS, "float": FLOAT_FIELDS, "wan": WAN_FIELDS, "yuan": YUAN_FIELDS},
        "simulations": service.list_recent(session),
    }, status_code=status_code)


@router.get(HOME, response_class=HTMLResponse)
def home(request: Request, session: SessionDep, principal: OversightDep,
         product_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> Response:
    """The simulator: a product's current policy as a form to change, and the saved simulations."""
    return _form_page(request, session, product_id=product_id)


@router.post(HOME, response_class=HTMLResponse)
async def run(request: Request, session: SessionDep, principal: OversightDep,
              product_id: Annotated[int, Form(ge=1, le=MAX_ID)],
              title: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Simulate the proposed policy and show it beside the current one; refused input is shown with its reasons
    and nothing is stored."""
    form = await request.form()
    values = {name: str(form.get(name, ""))[:40] for name in FORM_NAMES}
    grade_names = [g.name for g in projection.LIVE_GRADES]
    values |= {f"grade_{i}_{part}": str(form.get(f"grade_{i}_{part}", ""))[:40]
               for i in range(len(grade_names)) for part in ("ceiling", "factor")}
    policy, errors = policy_from_form(values, grade_names)
    if policy is not None:
        try:
            simulation = service.simulate(session, principal=principal, simulation_in=SimulationCreate(
                title=title.strip() or "未命名模拟", product_id=product_id, policy=policy))
        except ValidationError:
            errors = ["模拟名称不超过100字且不含控制字符"]
        except DomainError as exc:
            errors = [exc.message]
        else:
            return flash.redirect(f"{HOME}/{simulation.id}", f"已完成政策模拟：{simulation.title}")
    return _form_page(request, session, product_id=product_id, values=values, grade_names=grade_names,
                      title=title, errors=errors, status_code=422)


ROWS = (("passed", "准入户数"), ("pass_rate", "通过率"), ("amount_fen", "融资金额"), ("mean_rate", "平均利率"),
        ("weighted_rate", "加权平均利率"), ("expected_defaults", "预期违约户数"), ("expected_loss_fen", "预期损失"),
        ("guarantee_loss_fen", "担保方承担"), ("bank_loss_fen", "银行承担"), ("fee_fen", "担保费收入"))


@router.get(HOME + "/{simulation_id}", response_class=HTMLResponse)
def simulation_page(request: Request, session: SessionDep, principal: OversightDep, simulation_id: IdPath) -> Response:
    """One simulation: its inputs and assumptions, and current beside proposed overall, by town/street and by
    industry."""
    simulation = service.get(session, simulation_id=simulation_id)
    product = products_service.get(session, product_id=simulation.product_id)
    return render(request, "reporting/simulator/simulation.html", {
        "simulation": simulation, "product": product, "rows": ROWS, "results": simulation.results,
        "groups": ((projection.BY_AREA, "按镇街"), (projection.BY_INDUSTRY, "按行业")),
        "policy_labels": service.POLICY_LABELS,
    })


@router.get(HOME + "/{simulation_id}/workbook", response_class=Response)
def workbook(session: SessionDep, principal: OversightDep, simulation_id: IdPath) -> Response:
    """The simulation as an Excel workbook."""
    simulation = service.get(session, simulation_id=simulation_id)
    return Response(service.workbook(simulation), media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="policy-simulation-{simulation.id}.xlsx"'})


BANK_PAGE = "/bank/policy-simulations"


def _apply_page(request: Request, session: SessionDep, principal: BankManagerDep, simulation_id: int, *,
                errors: list[str] | None = None, status_code: int = 200) -> Response:
    simulation = service.get(session, simulation_id=simulation_id)
    product = products_service.get_own(session, principal=principal, product_id=simulation.product_id)
    return render(request, "reporting/simulator/apply.html", {
        "simulation": simulation, "product": product, "terms": service.terms_to_apply(simulation),
        "not_applied": service.not_applied(simulation), "policy_labels": service.POLICY_LABELS,
        "rows": ROWS, "results": simulation.results, "errors": errors or [],
    }, status_code=status_code)


@router.get(BANK_PAGE + "/{simulation_id}", response_class=HTMLResponse)
def apply_page(request: Request, session: SessionDep, principal: BankManagerDep, simulation_id: IdPath) -> Response:
    """For the product's bank: the product terms a simulation proposes beside its current ones, to adopt or not."""
    return _apply_page(request, session, principal, simulation_id)


@router.post(BANK_PAGE + "/{simulation_id}/apply", response_class=HTMLResponse)
def apply(request: Request, session: SessionDep, principal: BankManagerDep, simulation_id: IdPath) -> Response:
    """Adopt the proposed terms as a new version of the product, sent to the platform's review (audited)."""
    try:
        applied = service.apply(session, principal=principal, simulation_id=simulation_id)
    except DomainError as exc:
        return _apply_page(request, session, principal, simulation_id, errors=[exc.message],
                           status_code=exc.status_code)
    return flash.redirect(f"{BANK_PAGE}/{simulation_id}",
                          f"已按政策模拟生成产品条款第{applied.version}版，待平台审核后生效")
