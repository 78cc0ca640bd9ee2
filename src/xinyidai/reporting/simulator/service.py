"""Use cases of the policy simulator (政策模拟): read a product's live policy, project a proposed one beside it over a
scoring run's entities, keep the simulation, read it back and export it. Nothing live changes: the simulator reads
the product, its risk-sharing agreement and the scores, and writes only its own record.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import polars as pl
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings
from xinyidai.guarantee import service as guarantee_service
from xinyidai.products import policy as product_policy
from xinyidai.products import service as products_service
from xinyidai.products.schemas import ProductUpdate
from xinyidai.registry import service as registry_service
from xinyidai.reporting.simulator import projection
from xinyidai.reporting.simulator.exceptions import InvalidPolicy, NothingToSimulate, SimulationNotFound
from xinyidai.reporting.simulator.models import PolicySimulation
from xinyidai.reporting.simulator.projection import POPULATION_SCHEMA, Policy
from xinyidai.reporting.simulator.schemas import SimulationCreate
from xinyidai.scoring import service as scoring_service
from xinyidai.spreadsheet import safe_cell

PPM = Decimal(1_000_000)
UNKNOWN_GROUP = "未知"


def current_policy(session: Session, *, product_id: int) -> Policy:
    """A product's live policy: its terms, its risk-sharing agreement (no agreement: the bank bears all) and the
    credit policy's PD-to-rate mapping, grades and line rule."""
    product = products_service.get(session, product_id=product_id)
    agreement = guarantee_service.agreement_for(session, product_id=product_id)
    bank = Decimal(1) if agreement is None else Decimal(agreement.bank_share_ppm) / PPM
    return Policy(min_rate=product.min_rate, max_rate=product.max_rate, max_line_fen=product.max_line_fen,
                  min_amount_fen=product.min_amount_fen, guarantee_fee_rate=product.guarantee_fee_rate,
                  guarantee_share=1 - bank, bank_share=bank)


def population(session: Session, *, scoring_run_id: int) -> pl.DataFrame:
    """A run's scored entities as the projection reads them, each with its town/street and industry section."""
    scores = scoring_service.scored_columns(session, run_id=scoring_run_id)
    places = registry_service.places_and_sections(session)
    joined = scores.join(places, on="enterprise_id", how="left").with_columns(
        pl.col("area").fill_null(UNKNOWN_GROUP), pl.col("industry").fill_null(UNKNOWN_GROUP))
    # In id order, so that sums over it add up in the same order every time it is read (a reproduced simulation).
    return joined.select(list(POPULATION_SCHEMA)).sort("enterprise_id")


def check(policy: Policy) -> None:
    """Refuse a policy that cannot be simulated, with every reason (InvalidPolicy); nothing is stored."""
    problems = projection.problems_with(policy, rate_ceiling=product_policy.rate_ceiling(get_settings().lpr_one_year))
    if problems:
        raise InvalidPolicy("；".join(problems), message_en="the proposed policy is not valid", problems=problems)


def _run_of(session: Session, scoring_run_id: int | None) -> Any:
    if scoring_run_id is not None:
        run = scoring_service.get_run(session, run_id=scoring_run_id)
        if run.status != "done":
            raise NothingToSimulate("该评分批次尚未完成，无法模拟", message_en="the scoring run is not finished")
        return run
    latest = scoring_service.latest_done(session)
    if latest is None:
        raise NothingToSimulate("尚无已完成的批量评分，无法模拟；请先运行批量评分",
                                message_en="no finished scoring run")
    return latest


def simulate(session: Session, *, principal: Principal, simulation_in: SimulationCreate) -> PolicySimulation:
    """Project the proposed policy beside the product's current one over a scoring run's entities, and keep the
    simulation (audited). A policy that cannot be simulated is refused in words and nothing is stored."""
    proposed = simulation_in.policy.to_policy()
    check(proposed)
    current = current_policy(session, product_id=simulation_in.product_id)
    run = _run_of(session, simulation_in.scoring_run_id)
    entities = population(session, scoring_run_id=run.id)
    simulation = PolicySimulation(
        title=simulation_in.title, product_id=simulation_in.product_id, scoring_run_id=run.id,
        model_version_id=run.model_version_id, as_of=run.as_of, entities=entities.height,
        current_policy=current.as_json(), proposed_policy=proposed.as_json(),
        results=projection.simulate(entities, current=current, proposed=proposed),
        created_by_user_id=principal.user_id, created_at=clock.now())
    session.add(simulation)
    session.flush()
    audit_service.record(session, action="reporting.policy_simulated", actor=principal,
                         subject_type="policy_simulation", subject_id=simulation.id,
                         detail={"product_id": simulation.product_id, "scoring_run_id": run.id,
                                 "entities": simulation.entities})
    return simulation


def reproduce(session: Session, *, simulation_id: int) -> dict[str, Any]:
    """A saved simulation's results worked out again from its stored policies and its scoring run."""
    simulation = get(session, simulation_id=simulation_id)
    entities = population(session, scoring_run_id=simulation.scoring_run_id)
    return projection.simulate(entities, current=Policy.from_json(simulation.current_policy),
                               proposed=Policy.from_json(simulation.proposed_policy))


def get(session: Session, *, simulation_id: int) -> PolicySimulation:
    """One saved simulation."""
    simulation = session.get(PolicySimulation, simulation_id)
    if simulation is None:
        raise SimulationNotFound("未找到该政策模拟", message_en="policy simulation not found")
    return simulation


def list_recent(session: Session, *, limit: int = 50) -> Sequence[PolicySimulation]:
    """The latest simulations, newest first."""
    return session.scalars(select(PolicySimulation).order_by(PolicySimulation.id.desc()).limit(limit)).all()


# Applying a simulated policy --------------------------------------------------------------------------------------

# What a product's terms carry of a simulated policy; the rest (risk split, the PD-to-rate mapping, grades, line rule,
# eligibility thresholds) is set elsewhere — the risk-sharing agreement, the platform's credit policy — and is not
# changed by applying.
APPLIED_TERMS = ("min_rate", "max_rate", "max_line_fen", "min_amount_fen", "guarantee_fee_rate")
NOT_APPLIED = ("guarantee_share", "bank_share", "pd_best", "pd_worst", "grades", "revenue_share",
               "line_per_insured_employee_fen", "max_pd", "min_tax_paid_yuan")


def terms_to_apply(simulation: PolicySimulation) -> dict[str, Any]:
    """The product terms a simulation's proposed policy sets: {term: (current, proposed)}."""
    current, proposed = simulation.current_policy, simulation.proposed_policy
    return {term: (current[term], proposed[term]) for term in APPLIED_TERMS}


def not_applied(simulation: PolicySimulation) -> list[str]:
    """The proposed policy's changes that applying cannot carry (set outside the product's terms)."""
    return [term for term in NOT_APPLIED
            if simulation.current_policy.get(term) != simulation.proposed_policy.get(term)]


@dataclass(frozen=True)
class Applied:
    """The product version applying made."""

    product_id: int
    version: int
    status: str


def apply(session: Session, *, principal: Principal, simulation_id: int) -> Applied:
    """The product owner's step: the simulation's proposed product terms as a new version of its product, through
    the products service (which checks them and sends the version to the platform's review); audited apart."""
    simulation = get(session, simulation_id=simulation_id)
    product = products_service.get_own(session, principal=principal, product_id=simulation.product_id)
    terms = products_service.terms_of(product)
    proposed = {term: simulation.proposed_policy[term] for term in APPLIED_TERMS}
    version = products_service.update(session, principal=principal, product_id=product.id,
                                      product_in=ProductUpdate.model_validate({
                                          **terms, **proposed,
                                          "note": f"采用政策模拟第{simulation.id}号：{simulation.title}"[:500]}))
    audit_service.record(session, action="reporting.policy_applied", actor=principal,
                         subject_type="policy_simulation", subject_id=simulation.id,
                         detail={"product_id": product.id, "version": version.number, "terms": proposed,
                                 "not_applied": not_applied(simulation)})
    return Applied(product_id=product.id, version=version.number, status=str(version.status))


# Export ----------------------------------------------------------------------------------------------------------

FIGURE_LABELS = {
    "entities": "市场主体数", "scored": "已评分", "passed": "准入户数", "pass_rate": "通过率",
    "amount_fen": "融资金额（元）", "mean_rate": "平均利率", "weighted_rate": "加权平均利率",
    "expected_defaults": "预期违约户数", "expected_loss_fen": "预期损失（元）",
    "guarantee_loss_fen": "担保方承担（元）", "bank_loss_fen": "银行承担（元）", "fee_fen": "担保费收入（元）",
    "interest_fen": "利息收入（元）",
}
POLICY_LABELS = {
    "min_rate": "最低年利率", "max_rate": "最高年利率", "pd_best": "最低利率对应违约概率",
    "pd_worst": "最高利率对应违约概率", "grades": "等级与额度系数", "max_line_fen": "最高授信额度（分）",
    "min_amount_fen": "最低申请金额（分）", "revenue_share": "额度占推算营收比例",
    "line_per_insured_employee_fen": "每名参保人员额度（分）", "guarantee_share": "担保方分担比例",
    "bank_share": "银行分担比例", "guarantee_fee_rate": "担保费率", "max_pd": "准入违约概率上限",
    "min_tax_paid_yuan": "准入近12个月纳税下限（元）", "lgd": "违约损失率（假设）", "utilisation": "用信率（假设）",
}
GROUP_SHEETS = ((projection.BY_AREA, "按镇街"), (projection.BY_INDUSTRY, "按行业"))
MONEY = ("amount_fen", "expected_loss_fen", "guarantee_loss_fen", "bank_loss_fen", "fee_fen", "interest_fen")


def cell_value(key: str, value: Any) -> Any:
    """A figure as a sheet shows it: money in yuan, the rest as it is."""
    if value is None:
        return None
    return Decimal(int(value)) / 100 if key in MONEY else value


def _policy_text(value: Any) -> Any:
    if isinstance(value, list):
        return "；".join(f"{g['name']}: <{g['ceiling'] if g['ceiling'] is not None else '—'} ×{g['line_factor']}"
                        for g in value)
    return value


def workbook(simulation: PolicySimulation) -> bytes:
    """The simulation as an Excel workbook: its assumptions and inputs, then current beside proposed overall, by
    town/street and by industry. Every cell goes through `safe_cell` (no formula runs when it is opened)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "假设与输入"
    sheet.append([safe_cell(v) for v in ("模拟", simulation.title)])
    for label, value in (("模拟编号", simulation.id), ("产品编号", simulation.product_id),
                         ("评分批次", simulation.scoring_run_id), ("模型版本", simulation.model_version_id),
                         ("评价日", simulation.as_of.isoformat()), ("市场主体数", simulation.entities),
                         ("模拟时间", simulation.created_at.isoformat())):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["参数", "现行政策", "拟议政策"])
    for key, label in POLICY_LABELS.items():
        sheet.append([label, safe_cell(_policy_text(simulation.current_policy.get(key))),
                      safe_cell(_policy_text(simulation.proposed_policy.get(key)))])
    results = simulation.results
    totals = book.create_sheet("总体")
    totals.append(["指标", "现行政策", "拟议政策"])
    for key, label in FIGURE_LABELS.items():
        totals.append([label, cell_value(key, results["current"]["total"][key]),
                       cell_value(key, results["proposed"]["total"][key])])
    for column, title in GROUP_SHEETS:
        grouped = book.create_sheet(title)
        grouped.append(["分组", *(f"{label}·{side}" for label in FIGURE_LABELS.values() for side in ("现行", "拟议"))])
        names = sorted(set(results["current"][column]) | set(results["proposed"][column]))
        for name in names:
            current, proposed = results["current"][column].get(name, {}), results["proposed"][column].get(name, {})
            grouped.append([safe_cell(name), *(cell_value(key, side.get(key)) for key in FIGURE_LABELS
                                               for side in (current, proposed))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
