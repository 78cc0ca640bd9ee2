"""Pure checks of product terms."""

from __future__ import annotations

from xinyidai.products.schemas import ProductCreate

MAX_TERM_MONTHS = 360


def problems_with(product_in: ProductCreate) -> list[str]:
    """What is wrong with proposed product terms (empty when they are sound)."""
    problems = []
    if product_in.min_rate > product_in.max_rate:
        problems.append("最低利率不能高于最高利率")
    if product_in.min_amount_fen > product_in.max_line_fen:
        problems.append("最低申请金额不能高于最高授信额度")
    if any(t <= 0 or t > MAX_TERM_MONTHS for t in product_in.term_options):
        problems.append(f"期限须在1至{MAX_TERM_MONTHS}个月之间")
    if len(set(product_in.term_options)) != len(product_in.term_options):
        problems.append("期限选项不能重复")
    if len(set(product_in.repayment_methods)) != len(product_in.repayment_methods):
        problems.append("还款方式不能重复")
    return problems
