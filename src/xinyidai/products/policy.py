"""Pure checks of product terms.

The rate ceiling: a product's maximum rate, and its maximum rate plus its fee (the firm's comprehensive cost), may
not exceed four times the one-year loan prime rate (LPR, `settings.lpr_one_year`). Four times the one-year LPR is
the ceiling of judicial protection for private lending (最高人民法院关于审理民间借贷案件适用法律若干问题的规定,
2020 amendment, art. 25); licensed banks are not bound by it in law, but the platform, which serves small firms on
public policy, refuses to list anything above it, and states it in the refusal.
"""

from __future__ import annotations

from decimal import Decimal

from xinyidai.products import eligibility
from xinyidai.products.enums import LineRuleKind, RateMode
from xinyidai.products.schemas import ProductCreate

LPR_MULTIPLE = 4  # the judicial protection ceiling: 4 × the one-year LPR
MAX_FEE_RATE = Decimal("0.05")


def rate_ceiling(lpr: Decimal) -> Decimal:
    """The highest annual rate (and comprehensive cost) the platform lists: 4 × the one-year LPR."""
    return lpr * LPR_MULTIPLE


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def problems_with(product_in: ProductCreate, *, lpr: Decimal = Decimal("0.030")) -> list[str]:
    """What is wrong with proposed product terms (empty when they are sound), each in words."""
    problems = []
    if product_in.min_rate > product_in.max_rate:
        problems.append("最低利率不能高于最高利率")
    ceiling = rate_ceiling(lpr)
    if product_in.max_rate > ceiling:
        problems.append(f"最高年利率{_percent(product_in.max_rate)}超过一年期LPR（{_percent(lpr)}）的4倍"
                        f"（{_percent(ceiling)}），超出司法保护上限")
    elif product_in.max_rate + product_in.guarantee_fee_rate > ceiling:
        problems.append(f"最高年利率加费率合计{_percent(product_in.max_rate + product_in.guarantee_fee_rate)}超过"
                        f"一年期LPR的4倍（{_percent(ceiling)}）")
    if not Decimal(0) <= product_in.guarantee_fee_rate <= MAX_FEE_RATE:
        problems.append(f"费率须在0至{_percent(MAX_FEE_RATE)}之间")
    if product_in.rate_mode is RateMode.FIXED and product_in.min_rate != product_in.max_rate:
        problems.append("固定利率产品的最低利率和最高利率须相同")
    if product_in.min_amount_fen > product_in.max_line_fen:
        problems.append("最低申请金额不能高于最高授信额度")
    if len(set(product_in.term_options)) != len(product_in.term_options):
        problems.append("期限选项不能重复")
    if len(set(product_in.repayment_methods)) != len(product_in.repayment_methods):
        problems.append("还款方式不能重复")
    problems += _line_rule_problems(product_in)
    try:
        eligibility.parse_all([rule.model_dump() for rule in product_in.eligibility])
    except eligibility.RuleError as exc:
        problems.append(exc.text)
    if len(set(product_in.required_documents)) != len(product_in.required_documents):
        problems.append("所需材料不能重复")
    return problems


def _line_rule_problems(product_in: ProductCreate) -> list[str]:
    rule = product_in.line_rule
    if rule.kind is LineRuleKind.EVALUATED:
        if rule.crop is not None or rule.amount_per_mu_fen is not None:
            return ["按信用评价核定额度时不应填写作物和每亩金额"]
        return []
    if rule.crop is None or not rule.crop.strip() or rule.amount_per_mu_fen is None:
        return ["按种植面积核定额度须填写作物和每亩金额"]
    if rule.amount_per_mu_fen > product_in.max_line_fen:
        return ["每亩金额不能高于最高授信额度"]
    return []
