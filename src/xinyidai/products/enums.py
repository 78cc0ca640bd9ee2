"""Repayment methods, product statuses, kinds, rate modes, guarantee arrangements and line rules."""

from __future__ import annotations

from enum import StrEnum


class RepaymentMethod(StrEnum):
    """How a drawdown is repaid."""

    INTEREST_FIRST = "interest_first"
    EQUAL_PRINCIPAL = "equal_principal"
    EQUAL_INSTALLMENT = "equal_installment"
    HARVEST_BULLET = "harvest_bullet"


class ProductStatus(StrEnum):
    """Where a product stands on the shelf: a bank's draft, waiting for the platform's review, on sale, returned to
    the bank with a reason, or taken off the shelf."""

    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class ProductKind(StrEnum):
    """What kind of loan a product is."""

    PURE_CREDIT = "pure_credit"
    GUARANTEED = "guaranteed"
    TAX_BASED = "tax_based"
    AGRICULTURAL = "agricultural"
    CHAIN = "chain"
    POLICY_SUBSIDISED = "policy_subsidised"


class RateMode(StrEnum):
    """How a product's rate is set: from the credit evaluation inside the bounds, or one fixed rate."""

    EVALUATED = "evaluated"
    FIXED = "fixed"


class GuaranteeArrangement(StrEnum):
    """Who shares the risk: nobody, a guarantee company's share, or the chain leader's confirmation."""

    NONE = "none"
    GUARANTEE_COMPANY_SHARE = "guarantee_company_share"
    CHAIN_LEADER_CONFIRMATION = "chain_leader_confirmation"


class LineRuleKind(StrEnum):
    """How a firm's line under the product is set: by the scoring policy, or per 亩 of a crop, capped."""

    EVALUATED = "evaluated"
    PER_MU = "per_mu"


class VersionStatus(StrEnum):
    """Where one version of a product's terms stands."""

    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    RETURNED = "returned"
    SUPERSEDED = "superseded"


REPAYMENT_METHOD_LABELS = {
    RepaymentMethod.INTEREST_FIRST: "先息后本",
    RepaymentMethod.EQUAL_PRINCIPAL: "等额本金",
    RepaymentMethod.EQUAL_INSTALLMENT: "等额本息",
    RepaymentMethod.HARVEST_BULLET: "收获季一次还本",
}
PRODUCT_STATUS_LABELS = {
    ProductStatus.DRAFT: "草稿",
    ProductStatus.PENDING_REVIEW: "待审核",
    ProductStatus.PUBLISHED: "已上架",
    ProductStatus.RETURNED: "已退回",
    ProductStatus.WITHDRAWN: "已下架",
}
PRODUCT_KIND_LABELS = {
    ProductKind.PURE_CREDIT: "纯信用",
    ProductKind.GUARANTEED: "担保",
    ProductKind.TAX_BASED: "税易贷类",
    ProductKind.AGRICULTURAL: "涉农",
    ProductKind.CHAIN: "产业链",
    ProductKind.POLICY_SUBSIDISED: "政策贴息",
}
RATE_MODE_LABELS = {RateMode.EVALUATED: "按信用评价定价", RateMode.FIXED: "固定利率"}
GUARANTEE_ARRANGEMENT_LABELS = {
    GuaranteeArrangement.NONE: "无担保",
    GuaranteeArrangement.GUARANTEE_COMPANY_SHARE: "担保公司分险",
    GuaranteeArrangement.CHAIN_LEADER_CONFIRMATION: "核心企业确权",
}
LINE_RULE_LABELS = {LineRuleKind.EVALUATED: "按信用评价核定额度", LineRuleKind.PER_MU: "按种植面积核定额度"}
VERSION_STATUS_LABELS = {
    VersionStatus.DRAFT: "草稿",
    VersionStatus.PENDING_REVIEW: "待审核",
    VersionStatus.APPROVED: "已生效",
    VersionStatus.RETURNED: "已退回",
    VersionStatus.SUPERSEDED: "已被替代",
}
