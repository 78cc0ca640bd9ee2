"""The projection of a credit policy over the district's scored entities (政策模拟): pure, column-wise.

In: the scored entities as columns (`POPULATION_SCHEMA`: each entity's PD and outcome from a scoring run, the two
features the line rule reads, its town/street and industry) and a policy (`Policy`). Out: per entity whether it
passes, its rate, line and what it is expected to cost; then sums by town/street, by industry and overall.

The live policy's rules are `scoring.policy`'s: the hard rules' outcome comes stored with each score; the rate is
`policy.rate_for_pd` (linear in PD between the product's rates, stepped to 0.05 %, half up), the grade and line are
`policy.grade_for_pd` and `policy.line_for`. Here they run on whole columns (numpy), so a million entities take
seconds; the few rates that fall on a half step, where float and Decimal arithmetic could round differently, are
worked out again by `policy.rate_for_pd` itself, and the unit tests hold the columns equal to the scalar rules.

Projected money, a year ahead and stated as assumptions in the policy: a passing firm draws `utilisation` of its
line; it defaults with its PD; a default loses `lgd` of the amount; the loss is split by the risk-sharing shares;
the guarantee fee is the amount × fee rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any

import numpy as np
import polars as pl

from xinyidai.scoring import policy as credit_policy
from xinyidai.scoring.features import IMPLIED_VAT_RATE
from xinyidai.scoring.preassessment import LINE_STEP_FEN, RATE_STEP, ProductBounds

MICRO = 1_000_000  # rates, shares and factors are carried as integer millionths: exact, as the Decimal rules are
APPROVE = credit_policy.Outcome.APPROVE.value
TIE = 1e-7  # a rate this close to a half step is rounded by the Decimal rule itself

POPULATION_SCHEMA: dict[str, Any] = {
    "enterprise_id": pl.Int64, "pd": pl.Float64, "outcome": pl.String, "tax_paid_12m": pl.Float64,
    "insured_headcount": pl.Int64, "area": pl.String, "industry": pl.String,
}
BY_AREA, BY_INDUSTRY = "area", "industry"


@dataclass(frozen=True)
class Grade:
    """One grade of the line rule: PDs below `ceiling` get it (None: the weakest, every PD left), and the share of
    the scale-based line it earns."""

    name: str
    ceiling: float | None
    line_factor: Decimal


@dataclass(frozen=True)
class Policy:
    """A credit policy as the simulator tries it: a product's terms, the line rule, the risk split, eligibility, and
    the assumptions of the projection."""

    min_rate: Decimal
    max_rate: Decimal
    max_line_fen: int
    min_amount_fen: int
    guarantee_fee_rate: Decimal
    guarantee_share: Decimal  # of a loss, the guarantee side's (担保方分担比例)
    bank_share: Decimal  # and the bank's (银行分担比例); the two make one
    pd_best: float = credit_policy.PD_BEST
    pd_worst: float = credit_policy.PD_WORST
    grades: tuple[Grade, ...] = field(default_factory=lambda: live_grades())
    revenue_share: Decimal = credit_policy.REVENUE_SHARE
    line_per_insured_employee_fen: int = credit_policy.LINE_PER_INSURED_EMPLOYEE_FEN
    max_pd: float | None = None  # eligibility: a PD above this does not pass (None: the PD decides only the price)
    min_tax_paid_yuan: Decimal | None = None  # eligibility: tax paid in 12 months below this does not pass
    lgd: Decimal = Decimal("0.6")  # assumption: the share of a defaulted amount lost (违约损失率)
    utilisation: Decimal = Decimal("1")  # assumption: the share of a line drawn (用信率)

    def as_json(self) -> dict[str, Any]:
        """The policy as stored with a simulation (decimals as strings, so it is read back exactly)."""
        out = asdict(self)
        out["grades"] = [{"name": g.name, "ceiling": g.ceiling, "line_factor": str(g.line_factor)} for g in self.grades]
        return {key: str(value) if isinstance(value, Decimal) else value for key, value in out.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Policy:
        """A stored policy read back."""
        values = dict(data)
        for key in ("min_rate", "max_rate", "guarantee_fee_rate", "guarantee_share", "bank_share", "revenue_share",
                    "lgd", "utilisation"):
            values[key] = Decimal(values[key])
        if values.get("min_tax_paid_yuan") is not None:
            values["min_tax_paid_yuan"] = Decimal(values["min_tax_paid_yuan"])
        values["grades"] = tuple(Grade(g["name"], g["ceiling"], Decimal(g["line_factor"])) for g in values["grades"])
        return cls(**values)

    @property
    def bounds(self) -> ProductBounds:
        """The product bounds the live policy functions take."""
        return ProductBounds(min_rate=self.min_rate, max_rate=self.max_rate, max_line_fen=self.max_line_fen,
                             min_amount_fen=self.min_amount_fen)


def live_grades() -> tuple[Grade, ...]:
    """The live credit policy's grades (`policy.GRADES`, then the weakest)."""
    return (*(Grade(name, ceiling, factor) for name, ceiling, factor in credit_policy.GRADES),
            Grade(credit_policy.WEAKEST_GRADE[0], None, credit_policy.WEAKEST_GRADE[1]))


LIVE_GRADES = live_grades()


def problems_with(policy: Policy, *, rate_ceiling: Decimal) -> list[str]:
    """What is wrong with a policy (empty when it is sound), each in words a person can act on."""
    problems = []
    if policy.min_rate > policy.max_rate:
        problems.append("最低利率不能高于最高利率")
    if policy.max_rate > rate_ceiling:
        problems.append(f"最高年利率不能超过一年期LPR的4倍（{_percent(rate_ceiling)}）")
    if policy.guarantee_share + policy.bank_share != 1:
        total = policy.guarantee_share + policy.bank_share
        problems.append(f"担保方与银行的分担比例合计须为100%，现为{_percent(total)}")
    if policy.min_amount_fen > policy.max_line_fen:
        problems.append("最低申请金额不能高于最高授信额度")
    if not policy.pd_best < policy.pd_worst:
        problems.append("最低利率对应的违约概率须小于最高利率对应的违约概率")
    ceilings = [g.ceiling for g in policy.grades]
    if not ceilings or ceilings[-1] is not None or any(c is None for c in ceilings[:-1]):
        problems.append("等级须以最弱等级结尾，其余等级须有违约概率上限")
    elif any(a >= b for a, b in pairwise(ceilings[:-1])):  # type: ignore[operator]
        problems.append("各等级的违约概率上限须逐级升高")
    if any(a.line_factor < b.line_factor for a, b in pairwise(policy.grades)):
        problems.append("较弱等级的额度系数不能高于较强等级")
    return problems


def _percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def _micro(value: Decimal) -> int:
    return int(value * MICRO)


# Per entity -----------------------------------------------------------------------------------------------------


def rates_micro(pds: np.ndarray, policy: Policy) -> np.ndarray:
    """`policy.rate_for_pd` for a column of PDs, as integer millionths (0.0385 → 38500); NaN PDs get 0."""
    pds = np.asarray(pds, dtype=float)
    known = np.isfinite(pds)
    safe = np.where(known, pds, policy.pd_best)
    fraction = np.clip((safe - policy.pd_best) / (policy.pd_worst - policy.pd_best), 0.0, 1.0)
    low, high, step = float(policy.min_rate), float(policy.max_rate), float(RATE_STEP)
    steps = (low + fraction * (high - low)) / step
    stepped = np.floor(steps + 0.5).astype(np.int64) * _micro(RATE_STEP)
    out = np.clip(stepped, _micro(policy.min_rate), _micro(policy.max_rate))
    near_half = known & (np.abs(steps - np.floor(steps) - 0.5) < TIE)
    for index in np.flatnonzero(near_half).tolist():
        out[index] = _micro(credit_policy.rate_for_pd(float(pds[index]), policy.bounds, pd_best=policy.pd_best,
                                                      pd_worst=policy.pd_worst))
    return np.asarray(np.where(known, out, 0), dtype=np.int64)


def grade_index(pds: np.ndarray, policy: Policy) -> np.ndarray:
    """Each PD's grade as an index into `policy.grades` (`policy.grade_for_pd`: the first whose ceiling it is under)."""
    ceilings = np.array([g.ceiling for g in policy.grades[:-1]], dtype=float)
    return np.asarray(np.searchsorted(ceilings, np.nan_to_num(np.asarray(pds, dtype=float), nan=1.0), side="right"))


def scale_fen(tax_paid_12m: np.ndarray, insured_headcount: np.ndarray, policy: Policy) -> np.ndarray:
    """`policy.scale_fen` for columns: a share of tax-implied revenue or a sum per insured employee, the larger.

    Tax is read in whole fen and the revenue share over the VAT rate as an exact fraction of millionths, so the
    truncation is the Decimal rule's."""
    tax_fen = np.rint(np.nan_to_num(np.asarray(tax_paid_12m, dtype=float), nan=0.0) * 100).astype(np.int64)
    share, vat = _micro(policy.revenue_share), _micro(Decimal(str(IMPLIED_VAT_RATE)))
    divisor = np.gcd(share, vat)
    from_revenue = tax_fen * (share // divisor) // (vat // divisor)
    heads = np.nan_to_num(np.asarray(insured_headcount, dtype=float), nan=0.0).astype(np.int64)
    return np.asarray(np.maximum(from_revenue, heads * policy.line_per_insured_employee_fen), dtype=np.int64)


def lines_fen(scale: np.ndarray, grades: np.ndarray, policy: Policy) -> np.ndarray:
    """`policy.line_for` for columns: scale × the grade's factor, in whole 万元, capped, floored by the minimum."""
    factors = np.array([_micro(g.line_factor) for g in policy.grades], dtype=np.int64)[grades]
    line = np.minimum(policy.max_line_fen, scale * factors // MICRO)
    line = line // LINE_STEP_FEN * LINE_STEP_FEN
    return np.asarray(np.maximum(line, min(policy.min_amount_fen, policy.max_line_fen)), dtype=np.int64)


def project(population: pl.DataFrame, policy: Policy) -> pl.DataFrame:
    """Per entity: whether it passes, its grade, rate (millionths) and line, the amount it is expected to draw, its
    expected default (its PD), loss, the guarantee side's and the bank's parts of the loss, and the fee."""
    pds = population["pd"].fill_null(np.nan).to_numpy()
    scored = np.isfinite(pds)
    tax = population["tax_paid_12m"].fill_null(np.nan).to_numpy()
    heads = population["insured_headcount"].fill_null(0).to_numpy()
    grades = grade_index(pds, policy)
    rate = rates_micro(pds, policy)
    line = lines_fen(scale_fen(tax, heads, policy), grades, policy)
    passed = scored & (population["outcome"] == APPROVE).to_numpy()
    if policy.max_pd is not None:
        passed &= np.nan_to_num(pds, nan=1.0) <= policy.max_pd
    if policy.min_tax_paid_yuan is not None:
        passed &= np.nan_to_num(tax, nan=0.0) >= float(policy.min_tax_paid_yuan)
    amount = np.where(passed, line * _micro(policy.utilisation) // MICRO, 0)
    pd_passed = np.where(passed, np.nan_to_num(pds, nan=0.0), 0.0)
    loss = amount * pd_passed * float(policy.lgd)
    guarantee_loss = loss * float(policy.guarantee_share)
    names = np.array([g.name for g in policy.grades])
    return pl.DataFrame({
        "enterprise_id": population["enterprise_id"], "area": population["area"],
        "industry": population["industry"], "scored": scored, "passed": passed, "grade": names[grades],
        "rate_micro": np.where(passed, rate, 0), "line_fen": np.where(passed, line, 0), "amount_fen": amount,
        "expected_default": pd_passed, "expected_loss_fen": loss, "guarantee_loss_fen": guarantee_loss,
        "bank_loss_fen": loss - guarantee_loss,
        "fee_fen": amount * float(policy.guarantee_fee_rate),
        "interest_fen": amount * rate / MICRO,
    })


# Sums -----------------------------------------------------------------------------------------------------------

FIGURES = ("entities", "scored", "passed", "pass_rate", "amount_fen", "mean_rate", "weighted_rate",
           "expected_defaults", "expected_loss_fen", "guarantee_loss_fen", "bank_loss_fen", "fee_fen",
           "interest_fen")


def _aggregations() -> list[pl.Expr]:
    passed = pl.col("passed")
    return [
        pl.len().alias("entities"), pl.col("scored").sum().alias("scored"), passed.sum().alias("passed"),
        pl.col("amount_fen").sum().alias("amount_fen"),
        pl.col("rate_micro").filter(passed).sum().alias("rate_sum"),
        (pl.col("rate_micro").cast(pl.Float64) * pl.col("amount_fen")).sum().alias("rate_amount_sum"),
        pl.col("expected_default").sum().alias("expected_defaults"),
        pl.col("expected_loss_fen").sum().alias("expected_loss_fen"),
        pl.col("guarantee_loss_fen").sum().alias("guarantee_loss_fen"),
        pl.col("bank_loss_fen").sum().alias("bank_loss_fen"), pl.col("fee_fen").sum().alias("fee_fen"),
        pl.col("interest_fen").sum().alias("interest_fen"),
    ]


def _row(values: dict[str, Any]) -> dict[str, Any]:
    """One group's figures: counts and whole fen as integers, rates as decimals rounded to 0.0001 %."""
    passed, scored, amount = int(values["passed"]), int(values["scored"]), int(values["amount_fen"])
    return {
        "entities": int(values["entities"]), "scored": scored, "passed": passed,
        "pass_rate": round(passed / scored, 6) if scored else None,
        "amount_fen": amount,
        "mean_rate": round(values["rate_sum"] / passed / MICRO, 6) if passed else None,
        "weighted_rate": round(values["rate_amount_sum"] / amount / MICRO, 6) if amount else None,
        "expected_defaults": round(float(values["expected_defaults"]), 4),
        **{key: round(float(values[key])) for key in (
            "expected_loss_fen", "guarantee_loss_fen", "bank_loss_fen", "fee_fen", "interest_fen")},
    }


MIN_GROUP = 5  # a group of fewer entities is pooled into OTHER: its sums would tell one firm's line and PD
OTHER = "其他"


def summarise(projected: pl.DataFrame, *, by: Sequence[str] = (BY_AREA, BY_INDUSTRY),
              min_group: int = MIN_GROUP) -> dict[str, Any]:
    """The figures overall and by each grouping column: {"total": {...}, "area": {name: {...}}, ...}.

    Groups of fewer than `min_group` entities are pooled as OTHER (其他), and left out when even the pool is that
    small: the commission sees sums, never what could be one firm's figures. The total counts every entity."""
    out: dict[str, Any] = {"total": _row(projected.select(_aggregations()).row(0, named=True))}
    for column in by:
        pooled = projected.with_columns(pl.when(pl.len().over(column) < min_group).then(pl.lit(OTHER))
                                        .otherwise(pl.col(column).cast(pl.String)).alias(column))
        grouped = pooled.group_by(column).agg(_aggregations()).filter(pl.col("entities") >= min_group).sort(column)
        out[column] = {str(row[column]): _row(row) for row in grouped.iter_rows(named=True)}
    return out


def simulate(population: pl.DataFrame, *, current: Policy, proposed: Policy) -> dict[str, Any]:
    """Both policies over the same entities: {"current": summary, "proposed": summary}."""
    return {"current": summarise(project(population, current)), "proposed": summarise(project(population, proposed))}
