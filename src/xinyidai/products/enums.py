"""Repayment methods and product statuses."""

from __future__ import annotations

from enum import StrEnum


class RepaymentMethod(StrEnum):
    """How a drawdown is repaid."""

    INTEREST_FIRST = "interest_first"
    EQUAL_PRINCIPAL = "equal_principal"
    EQUAL_INSTALLMENT = "equal_installment"


class ProductStatus(StrEnum):
    """Whether enterprises can see and apply for a product."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


REPAYMENT_METHOD_LABELS = {
    RepaymentMethod.INTEREST_FIRST: "先息后本",
    RepaymentMethod.EQUAL_PRINCIPAL: "等额本金",
    RepaymentMethod.EQUAL_INSTALLMENT: "等额本息",
}
PRODUCT_STATUS_LABELS = {
    ProductStatus.DRAFT: "草稿",
    ProductStatus.PUBLISHED: "已发布",
    ProductStatus.WITHDRAWN: "已下架",
}
