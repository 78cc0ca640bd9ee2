"""The demo district's shelf (金融超市): products of many lenders, on realistic Chongqing terms.

Every product is drafted by its lender's manager, submitted, and put on the shelf by the platform administrator (the
lifecycle of `products.service`). Rates are annual, within 4 × the one-year LPR; amounts in 元 below, stored in fen.
The three agricultural loans (花椒贷, 榨菜贷, 柑橘贷) lend per 亩 of the crop and are repaid after the harvest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from xinyidai.auth.principal import Principal
from xinyidai.products import service as products_service
from xinyidai.products.enums import GuaranteeArrangement as G
from xinyidai.products.enums import ProductKind as K
from xinyidai.products.enums import RateMode
from xinyidai.products.enums import RepaymentMethod as M
from xinyidai.products.schemas import ProductCreate

# The lenders beyond the district's first two banks: (key, name pattern with the district's short name).
LENDERS = (
    ("jialing", "嘉陵村镇银行{short}支行"),
    ("liangjiang", "两江科技银行{short}支行"),
    ("chaotianmen", "朝天门商业银行{short}支行"),
    ("jinyun", "缙云农商银行{short}支行"),
    ("yuyou", "渝邮储蓄银行{short}支行"),
    ("nanshan", "南山普惠银行{short}支行"),
)
CLASSIC = [M.EQUAL_INSTALLMENT, M.EQUAL_PRINCIPAL, M.INTEREST_FIRST]
NO_DISHONESTY = {"field": "serious_dishonesty", "op": "==", "value": False}
FARMERS = {"field": "entity_kind", "op": "in",
           "value": ["farmers_cooperative", "family_farm", "individual_business", "enterprise"]}


def _years(n: int) -> dict[str, Any]:
    return {"field": "years_in_business", "op": ">=", "value": n}


def _grade(g: str) -> dict[str, Any]:
    return {"field": "credit_grade", "op": ">=", "value": g}


def _records(category: str, months: int) -> dict[str, Any]:
    return {"field": "credit_records", "op": "within_months", "value": {"category": category, "months": months}}


@dataclass(frozen=True)
class Shelved:
    """One demo product: its lender's key and its terms (amounts in 元)."""

    lender: str
    code: str
    name: str
    kind: K
    description: str
    rates: tuple[str, str]
    amounts: tuple[int, int]
    terms: tuple[int, ...]
    methods: list[M] = field(default_factory=lambda: list(CLASSIC))
    fee: str = "0"
    guarantee: G = G.NONE
    rate_mode: RateMode = RateMode.EVALUATED
    rules: tuple[dict[str, Any], ...] = (NO_DISHONESTY,)
    documents: tuple[str, ...] = ("营业执照", "法定代表人身份证")
    per_mu: tuple[str, int] | None = None  # (crop, 元 per 亩)


SHELF: tuple[Shelved, ...] = (
    # The district's first bank (渝南城商行): besides 重信贷.
    Shelved("bank", "YUNAN-KEJI", "科创信用贷", K.PURE_CREDIT, "面向科技型中小企业的纯信用贷款，知识产权加分",
            ("0.0345", "0.065"), (100_000, 3_000_000), (12, 24, 36),
            rules=(NO_DISHONESTY, _years(1), _grade("C"),
                   {"field": "industry", "op": "in", "value": ["I", "M", "C39"]})),
    Shelved("bank", "YUNAN-XIAOWEI", "小微快贷", K.PURE_CREDIT, "线上申请、当日审批的小额信用贷款",
            ("0.0395", "0.0785"), (10_000, 500_000), (6, 12), rules=(NO_DISHONESTY, _years(1))),
    Shelved("bank", "YUNAN-DANBAO", "担保增信贷", K.GUARANTEED, "区融资担保公司分险八成的流动资金贷款",
            ("0.0365", "0.055"), (100_000, 5_000_000), (12, 24, 36), fee="0.01",
            guarantee=G.GUARANTEE_COMPANY_SHARE, documents=("营业执照", "法定代表人身份证", "近一年财务报表")),
    # The second bank (山城农商行): besides 税易贷.
    Shelved("bank2", "SHANCHENG-NONGHU", "农户小额信用贷", K.AGRICULTURAL, "面向农户和家庭农场的小额信用贷款",
            ("0.0385", "0.06"), (10_000, 300_000), (6, 12, 24), methods=[M.INTEREST_FIRST, M.HARVEST_BULLET],
            rules=(NO_DISHONESTY, {"field": "entity_kind", "op": "in",
                                   "value": ["family_farm", "farmers_cooperative", "individual_business"]})),
    Shelved("bank2", "SHANCHENG-SHOUDAI", "首贷通", K.PURE_CREDIT, "从未在银行贷过款的小微企业和个体工商户的首笔贷款",
            ("0.0375", "0.065"), (10_000, 1_000_000), (12, 24),
            rules=(NO_DISHONESTY, {"field": "live_lines", "op": "<=", "value": 0})),
    Shelved("bank2", "SHANCHENG-SHEBAO", "社保贷", K.PURE_CREDIT, "按社保缴费人数和连续缴费月数核定额度",
            ("0.04", "0.07"), (50_000, 2_000_000), (12, 24, 36), rules=(NO_DISHONESTY, _records("C05", 6), _years(1))),
    # 嘉陵村镇银行: agriculture.
    Shelved("jialing", "JIALING-HUAJIAO", "花椒贷", K.AGRICULTURAL,
            "江津、璧山一带花椒种植户专属：按种植面积核定额度，采收季一次还本",
            ("0.0385", "0.055"), (5_000, 500_000), (6, 12), methods=[M.HARVEST_BULLET, M.INTEREST_FIRST],
            rules=(NO_DISHONESTY, FARMERS, {"field": "planted_area", "op": ">=", "value": {"crop": "花椒", "mu": 5}}),
            documents=("法定代表人身份证", "土地承包经营权证或流转合同", "种植情况说明"), per_mu=("花椒", 3_000)),
    Shelved("jialing", "JIALING-ZHACAI", "榨菜贷", K.AGRICULTURAL,
            "涪陵青菜头（榨菜）种植户和加工合作社：按种植面积核定额度，收购季一次还本",
            ("0.0375", "0.052"), (5_000, 300_000), (6, 12), methods=[M.HARVEST_BULLET, M.INTEREST_FIRST],
            rules=(NO_DISHONESTY, FARMERS, {"field": "planted_area", "op": ">=", "value": {"crop": "榨菜", "mu": 5}}),
            documents=("法定代表人身份证", "土地承包经营权证或流转合同", "收购合同（如有）"), per_mu=("榨菜", 2_000)),
    Shelved("jialing", "JIALING-JIEGAN", "农机具贷", K.AGRICULTURAL, "购买农机具的中期贷款，农机购置补贴可用于还款",
            ("0.04", "0.06"), (20_000, 500_000), (12, 24, 36),
            rules=(NO_DISHONESTY, FARMERS, _years(1))),
    # 缙云农商银行: agriculture and the rural economy.
    Shelved("jinyun", "JINYUN-GANJU", "柑橘贷", K.AGRICULTURAL,
            "奉节脐橙、忠县柑橘种植户：按挂果面积核定额度，采摘销售后一次还本",
            ("0.0385", "0.056"), (10_000, 800_000), (12, 24), methods=[M.HARVEST_BULLET, M.INTEREST_FIRST],
            rules=(NO_DISHONESTY, FARMERS, {"field": "planted_area", "op": ">=", "value": {"crop": "柑橘", "mu": 10}}),
            documents=("法定代表人身份证", "土地承包经营权证或流转合同", "农业保险保单"), per_mu=("柑橘", 4_000)),
    Shelved("jinyun", "JINYUN-HEZUOSHE", "合作社兴农贷", K.AGRICULTURAL, "农民专业合作社和家庭农场的流动资金贷款",
            ("0.039", "0.058"), (50_000, 2_000_000), (12, 24),
            rules=(NO_DISHONESTY, {"field": "entity_kind", "op": "in", "value": ["farmers_cooperative", "family_farm"]},
                   _years(1))),
    Shelved("jinyun", "JINYUN-XIANGCUN", "乡村振兴贷", K.POLICY_SUBSIDISED,
            "区财政贴息一半的涉农经营主体贷款（政策贴息后实际利率更低）",
            ("0.0345", "0.0345"), (50_000, 1_000_000), (12, 24), rate_mode=RateMode.FIXED,
            rules=(NO_DISHONESTY, {"field": "industry", "op": "in", "value": ["A", "C13", "C14"]})),
    Shelved("jinyun", "JINYUN-SHANGHU", "商户经营贷", K.PURE_CREDIT, "个体工商户的随借随还经营贷款",
            ("0.042", "0.075"), (10_000, 300_000), (6, 12),
            rules=(NO_DISHONESTY, {"field": "entity_kind", "op": "in", "value": ["individual_business"]})),
    # 两江科技银行: chain and technology.
    Shelved("liangjiang", "LIANGJIANG-LIANRONG", "链融贷", K.CHAIN,
            "产业链上游供应商凭核心企业确权的应收账款融资",
            ("0.036", "0.055"), (100_000, 5_000_000), (6, 12), methods=[M.INTEREST_FIRST],
            guarantee=G.CHAIN_LEADER_CONFIRMATION,
            rules=(NO_DISHONESTY, {"field": "chain_member", "op": "==", "value": True}),
            documents=("营业执照", "核心企业确权书", "购销合同", "增值税发票")),
    Shelved("liangjiang", "LIANGJIANG-DINGDAN", "订单贷", K.CHAIN, "凭核心企业采购订单发放的生产备货贷款",
            ("0.038", "0.06"), (100_000, 3_000_000), (6, 12), methods=[M.INTEREST_FIRST, M.EQUAL_INSTALLMENT],
            guarantee=G.CHAIN_LEADER_CONFIRMATION,
            rules=(NO_DISHONESTY, {"field": "chain_member", "op": "==", "value": True}, _years(1)),
            documents=("营业执照", "采购订单", "核心企业确权书")),
    Shelved("liangjiang", "LIANGJIANG-ZHICHAN", "知识产权质押贷", K.GUARANTEED, "以专利、商标质押的科技企业贷款",
            ("0.0365", "0.06"), (200_000, 10_000_000), (12, 24, 36),
            rules=(NO_DISHONESTY, _records("C10", 36), _years(2)),
            documents=("营业执照", "专利证书或商标注册证", "评估报告")),
    Shelved("liangjiang", "LIANGJIANG-GAOXIN", "高新贷", K.PURE_CREDIT, "高新技术企业和科技型中小企业的信用贷款",
            ("0.0345", "0.055"), (500_000, 10_000_000), (12, 24, 36),
            rules=(NO_DISHONESTY, _records("C11", 24), _grade("B"), _years(2))),
    # 朝天门商业银行: trade and tax.
    Shelved("chaotianmen", "CTM-NASHUI", "纳税e贷", K.TAX_BASED, "按近两年纳税额核定额度的线上信用贷款",
            ("0.0375", "0.068"), (50_000, 3_000_000), (12, 24), rules=(NO_DISHONESTY, _records("C04", 12), _years(2))),
    Shelved("chaotianmen", "CTM-SHANGMAO", "商贸通", K.PURE_CREDIT, "批发零售企业的流动资金贷款",
            ("0.04", "0.07"), (100_000, 2_000_000), (6, 12),
            rules=(NO_DISHONESTY, {"field": "industry", "op": "in", "value": ["F"]}, _years(1))),
    Shelved("chaotianmen", "CTM-JINCHUKOU", "外贸贷", K.GUARANTEED, "进出口企业凭海关数据和出口信用保险的贷款",
            ("0.0365", "0.06"), (200_000, 5_000_000), (6, 12), fee="0.008",
            guarantee=G.GUARANTEE_COMPANY_SHARE, rules=(NO_DISHONESTY, _records("C09", 12))),
    Shelved("chaotianmen", "CTM-CANYIN", "餐饮复苏贷", K.POLICY_SUBSIDISED, "住宿餐饮业的政策贴息贷款",
            ("0.035", "0.035"), (50_000, 1_000_000), (12,), rate_mode=RateMode.FIXED,
            rules=(NO_DISHONESTY, {"field": "industry", "op": "in", "value": ["H"]})),
    # 渝邮储蓄银行: small and individual.
    Shelved("yuyou", "YUYOU-GETI", "个体工商户贷", K.PURE_CREDIT, "个体工商户经营周转",
            ("0.0425", "0.08"), (10_000, 500_000), (6, 12, 24),
            rules=(NO_DISHONESTY, {"field": "entity_kind", "op": "in", "value": ["individual_business"]})),
    Shelved("yuyou", "YUYOU-CHUANGYE", "创业担保贷", K.POLICY_SUBSIDISED,
            "人社部门认定的创业主体，担保基金担保、财政全额贴息",
            ("0.0345", "0.0345"), (10_000, 3_000_000), (12, 24, 36), rate_mode=RateMode.FIXED,
            guarantee=G.GUARANTEE_COMPANY_SHARE, rules=(NO_DISHONESTY, _records("C05", 3)),
            documents=("营业执照", "法定代表人身份证", "创业担保贷款申请表")),
    Shelved("yuyou", "YUYOU-SHUIDIAN", "水电气信用贷", K.PURE_CREDIT, "按水电气按时缴费记录核定额度的小额信用贷款",
            ("0.045", "0.085"), (10_000, 300_000), (6, 12), rules=(NO_DISHONESTY, _records("C07", 12))),
    # 南山普惠银行: inclusive finance.
    Shelved("nanshan", "NANSHAN-PUHUI", "普惠信用贷", K.PURE_CREDIT, "信用越好额度越高、利率越低的普惠贷款",
            ("0.0365", "0.075"), (50_000, 2_000_000), (12, 24, 36), rules=(NO_DISHONESTY, _grade("C"))),
    Shelved("nanshan", "NANSHAN-XUDAI", "无还本续贷", K.PURE_CREDIT, "到期无须先还本即可续贷的流动资金贷款",
            ("0.038", "0.065"), (100_000, 3_000_000), (12, 24), rules=(NO_DISHONESTY, _years(3), _grade("B"))),
    Shelved("nanshan", "NANSHAN-GONGJIJIN", "公积金信用贷", K.PURE_CREDIT, "按住房公积金缴存人数核定额度",
            ("0.0395", "0.07"), (50_000, 1_500_000), (12, 24), rules=(NO_DISHONESTY, _records("C06", 12))),
    Shelved("nanshan", "NANSHAN-ZHENGCAI", "政采贷", K.POLICY_SUBSIDISED, "凭政府采购合同发放、财政贴息的履约贷款",
            ("0.0345", "0.05"), (100_000, 5_000_000), (6, 12), methods=[M.INTEREST_FIRST],
            rules=(NO_DISHONESTY, _records("C14", 12))),
)


def publish_shelf(session: Session, *, lenders: dict[str, Principal], admin: Principal,
                  short: str, make_lender: Callable[[str, str], Principal]) -> int:
    """Put the demo shelf on sale: the lenders (created by `make_lender(key, name)` when not in `lenders`) draft and
    submit each product, the platform administrator approves it. Returns the number of products shelved."""
    count = 0
    for key, pattern in LENDERS:
        if key not in lenders:
            lenders[key] = make_lender(key, pattern.format(short=short))
    for item in SHELF:
        manager = lenders[item.lender]
        line_rule: dict[str, Any] = {"kind": "evaluated"}
        if item.per_mu is not None:
            line_rule = {"kind": "per_mu", "crop": item.per_mu[0], "amount_per_mu_fen": item.per_mu[1] * 100}
        product = products_service.create(session, principal=manager, product_in=ProductCreate.model_validate({
            "code": item.code, "name": item.name, "description": item.description, "kind": item.kind,
            "min_rate": Decimal(item.rates[0]), "max_rate": Decimal(item.rates[1]),
            "guarantee_fee_rate": Decimal(item.fee), "min_amount_fen": item.amounts[0] * 100,
            "max_line_fen": item.amounts[1] * 100, "repayment_methods": item.methods, "term_options": list(item.terms),
            "guarantee_arrangement": item.guarantee, "rate_mode": item.rate_mode, "eligibility": list(item.rules),
            "required_documents": list(item.documents), "line_rule": line_rule,
        }))
        products_service.submit(session, principal=manager, product_id=product.id)
        products_service.review(session, principal=admin, product_id=product.id, approve=True)
        count += 1
    return count
