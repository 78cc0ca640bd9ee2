"""The demo district: a synthetic district of Chongqing with its towns and streets, market entities,
banks and their products, a guarantee company, departments, users for every role, orders in every
state, three years of credit records from every source department (see `records`) and 150 days of
loans. Each entity has a hidden creditworthiness that drives both its records and its loan's fate,
so that a model trained on the demo finds real signal. The same seed gives the same district.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from faker import Faker
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit.actor import Actor
from xinyidai.auth.enums import ENTERPRISE_ROLES, ROLE_LABELS, OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.clock import BUSINESS_TZ, FixedClock
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import selfreport
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.schemas import SelfReportCreate
from xinyidai.demo import agrichain, history, outreach, policies, records, shelf
from xinyidai.demo import monitoring as demo_monitoring
from xinyidai.demo.districts import NAN_AN, District
from xinyidai.guarantee import service as guarantee_service
from xinyidai.identity import service as identity_service
from xinyidai.identity.onboarding import policy as onboarding_policy
from xinyidai.identity.onboarding import service as onboarding
from xinyidai.identity.onboarding.schemas import (
    ApprovalCreate,
    AssessmentResultUpdate,
    CommitmentCreate,
    InstitutionApplicationCreate,
)
from xinyidai.identity.schemas import ApiClientCreate, OrganisationCreate, UserCreate
from xinyidai.loans import eod
from xinyidai.loans import service as loans_service
from xinyidai.loans.events import DrawdownDefaulted
from xinyidai.loans.models import Drawdown
from xinyidai.loans.schemas import DrawdownCreate, RepaymentCreate
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose, OrderReject
from xinyidai.products import service as products_service
from xinyidai.products.enums import ProductKind, RepaymentMethod
from xinyidai.products.schemas import EligibilityRuleCreate, ProductCreate
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import USCC_ALPHABET, id_check_char, uscc_check_char
from xinyidai.registry.enums import EntityKind, EntityScale, OperatingStatus
from xinyidai.registry.models import DistrictArea
from xinyidai.registry.policy import required_report_year
from xinyidai.registry.schemas import EnterpriseCreate

DEMO_PASSWORD = "Demo2026xyd"
DEMO_ACTOR = Actor.cli("demo generate")  # who runs the history's end of day, as the audit log names it

COMMUNITY_WORDS = ["中一路", "学府", "东海", "阳光", "江南", "福红", "长江", "东林", "金竹", "桃园", "新力",
                   "丹龙", "茶园", "五一", "花园", "民主", "广福", "迎春", "青龙", "白鹤", "红岩", "丰收"]
# Industry codes with the trade words that appear in names, and how often they occur.
TRADES: list[tuple[str, str, int]] = [
    ("F52", "商贸", 22), ("H62", "餐饮", 16), ("O80", "家政服务", 8), ("E50", "装饰工程", 8),
    ("F51", "建材", 8), ("G54", "物流", 5), ("I65", "信息技术", 5), ("C13", "食品加工", 4),
    ("C21", "家具", 3), ("L72", "商务咨询", 5), ("A01", "种植", 5), ("A03", "养殖", 3),
    ("M75", "科技", 3), ("O81", "汽车维修", 5),
]
BRAND_WORDS = ["乐优", "鑫源", "渝南", "嘉禾", "恒通", "聚福", "金穗", "长嘉", "天文", "锦程", "兴旺", "同心",
               "山城", "巴渝", "江城", "福满", "盛达", "宏远", "佳美", "和顺", "瑞丰", "鸿运", "德信", "汇丰源"]
# The first bank's model programme that the demo's firms authorised (the reference a sandbox run names).
SANDBOX_PROGRAMME = "DEMO-MODEL-2026"
# When a trade name is taken, another is made of two characters, as firms' trade names (字号) are.
BRAND_FIRST = "鑫恒嘉金锦兴同盛宏佳和瑞鸿德福聚天长乐汇永华丰泰祥荣昌凯弘诚"
BRAND_SECOND = "源通禾穗程旺心达远美顺丰运信满城发利隆安泰宇晟辉达邦益和茂"


@dataclass
class DemoLogin:
    """A login printed for the person trying the demo."""

    role: str
    username: str
    organisation: str
    note: str = ""


@dataclass
class DemoSummary:
    """What the generator built, with the hidden truth behind it (for tests and for judging models, never stored).

    `latent` is each entity's hidden creditworthiness (standard normal, higher is better); `loan_plans` is the
    fate the generator gave each borrower's loan (current, prepaid, settled, overdue, defaulted); `past_loans` the
district's past financing and its outcomes, and `champion` the model trained on it (or why there is none).
    """

    enterprises: int = 0
    organisations: int = 0
    orders: int = 0
    records: int = 0
    import_batches: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    latent: dict[int, float] = field(default_factory=dict)
    loan_plans: dict[int, str] = field(default_factory=dict)
    records_by_item: dict[str, int] = field(default_factory=dict)
    farm_reports: int = 0  # agricultural facts the demo farms self-reported (demo.agrichain)
    chain_community: int | None = None  # the demo's industry-chain community
    past_loans: list[history.PastLoan] = field(default_factory=list)
    champion: history.Champion = field(default_factory=history.Champion)
    sandbox_grants: int = 0  # firms that authorised SANDBOX_PROGRAMME
    products: int = 0  # products on the shelf


def make_uscc(rng: random.Random, prefix: str, district: District = NAN_AN) -> str:
    """A valid unified social credit code registered in the district."""
    body = "".join(rng.choice(USCC_ALPHABET[:10] if i < 2 else USCC_ALPHABET) for i in range(9))
    first17 = prefix + district.code + body
    return first17 + uscc_check_char(first17)


def make_id_number(rng: random.Random, birth: date, district: District = NAN_AN) -> str:
    """A valid resident identity number issued in the district."""
    first17 = f"{district.code}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


class _Builder:
    def __init__(self, session: Session, *, seed: int, district: District) -> None:
        self.session = session
        self.district = district
        self.rng = random.Random(seed)
        self.name_rng = random.Random(f"{seed}:names")
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.used_usccs: set[str] = set()
        self.used_names: set[str] = set()
        self.summary = DemoSummary()
        self.profiles: list[records.Profile] = []

    def uscc(self, prefix: str) -> str:
        while True:
            code = make_uscc(self.rng, prefix, self.district)
            if code not in self.used_usccs:
                self.used_usccs.add(code)
                return code

    def organisation(self, name: str, kind: OrgKind, *, uscc_prefix: str | None = "91") -> int:
        organisation = identity_service.create_organisation(self.session, organisation_in=OrganisationCreate(
            name=name, kind=kind, uscc=self.uscc(uscc_prefix) if uscc_prefix else None,
        ))
        self.summary.organisations += 1
        return organisation.id

    def user(self, organisation_id: int, username: str, display_name: str, roles: list[Role],
             organisation_name: str, note: str = "", printed: bool = True) -> int:
        user = identity_service.create_user(self.session, user_in=UserCreate(
            organisation_id=organisation_id, username=username, display_name=display_name,
            password=DEMO_PASSWORD, roles=roles,
        ))
        if set(roles) & ENTERPRISE_ROLES:
            # Where the demo's texts to a firm go (the "log" gateway writes them to the log): made from the user's id
            # in the 1390000 block, so the district's random draws stay as they were.
            identity_service.set_mobile(self.session, user_id=user.id, mobile=f"1390000{user.id % 10_000:04d}")
        if printed:
            label = "、".join(ROLE_LABELS[r] for r in roles)
            self.summary.logins.append(DemoLogin(label, username, organisation_name, note))
        return user.id

    def areas(self) -> list[tuple[DistrictArea, list[int]]]:
        result = []
        for index, (name, kind, pilot) in enumerate(self.district.areas, start=1):
            area = registry_service.create_area(
                self.session, code=f"{self.district.code}{index:03d}", name=name, kind=kind, is_pilot=pilot
            )
            words = self.rng.sample(COMMUNITY_WORDS, self.rng.randint(3, 6))
            suffix = "村" if kind == "town" else "社区"
            communities = [
                registry_service.create_community(self.session, district_area_id=area.id, name=w + suffix).id
                for w in words
            ]
            result.append((area, communities))
        return result

    def entity_name(self, kind: EntityKind, trade: str, legal_rep: str) -> str:
        brand = self.rng.choice(BRAND_WORDS)
        shop = self.rng.choice(["经营部", "店", "商行", "工作室"]) if kind == EntityKind.INDIVIDUAL_BUSINESS else ""
        while True:
            if kind == EntityKind.ENTERPRISE:
                name = f"重庆{brand}{trade}有限公司"
            elif kind == EntityKind.FARMERS_COOPERATIVE:
                name = f"重庆市{self.district.name}{brand}{trade}专业合作社"
            elif kind == EntityKind.FAMILY_FARM:
                district = self.district.name
                name = (f"{district}{legal_rep}家庭农场" if brand in BRAND_WORDS
                        else f"{district}{brand}{legal_rep}家庭农场")
            else:
                name = f"{self.district.name}{brand}{trade}{shop}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
            # The district's own draws go on as they always did (one per taken name); the new trade name comes
            # from a generator of its own, so that changing how names are made changes nothing else.
            self.rng.randint(2, 99)
            brand = self.name_rng.choice(BRAND_FIRST) + self.name_rng.choice(BRAND_SECOND)

    def enterprise(self, areas: list[tuple[DistrictArea, list[int]]], today: date, *,
                   force_kind: EntityKind | None = None, healthy: bool | None = None) -> int:
        rng = self.rng
        kind = force_kind or rng.choices(
            [EntityKind.INDIVIDUAL_BUSINESS, EntityKind.ENTERPRISE, EntityKind.FARMERS_COOPERATIVE,
             EntityKind.FAMILY_FARM], weights=[60, 30, 5, 5])[0]
        code, trade, _ = rng.choices(TRADES, weights=[t[2] for t in TRADES])[0]
        if kind in (EntityKind.FARMERS_COOPERATIVE, EntityKind.FAMILY_FARM):
            code, trade = rng.choice([("A01", "种植"), ("A03", "养殖"), ("A01", "柑橘种植"), ("A01", "花椒种植")])
        legal_rep = self.fake.name()
        birth = date(rng.randint(1962, 2000), rng.randint(1, 12), rng.randint(1, 28))
        registered = date(rng.randint(2006, today.year - 1), rng.randint(1, 12), rng.randint(1, 28))
        prefix = {"enterprise": "91", "individual_business": "92", "farmers_cooperative": "93"}.get(kind, "92")
        area, communities = rng.choices(areas, weights=[3 if a.is_pilot else 1 for a, _ in areas])[0]
        # The hidden creditworthiness: drives its filings, its records and, if it borrows, its loan's fate.
        latent = rng.gauss(0.0, 1.0)
        if healthy is not None:
            latent = abs(latent) + 0.8 if healthy else -abs(latent) - 0.8
        due = required_report_year(registration_date=registered, today=today)
        last_report: int | None
        abnormal_since: date | None = None
        if healthy or due is None or (healthy is None and rng.random() >= records.logistic(-2.1 - 1.3 * latent)):
            last_report, abnormal = due, False
        else:
            # Late filers: one or two reports behind, or none since a recent registration.
            last_report = (due - rng.randint(1, 2)) if rng.random() < 0.7 or registered.year < due - 2 else None
            if last_report is not None and last_report < registered.year:
                last_report = None
            abnormal = healthy is None and rng.random() < 0.6
            if abnormal:  # listed just after the deadline of the first report it missed
                first_missing = registered.year if last_report is None else last_report + 1
                abnormal_since = min(date(first_missing + 1, 7, 1) + timedelta(days=rng.randint(0, 9)), today)
        capital: int | None
        if kind == EntityKind.ENTERPRISE:
            capital = rng.choice([10, 30, 50, 100, 200, 300, 500, 1000]) * 10_000 * 100
            employees = rng.randint(3, 80)
            scale = EntityScale.SMALL if employees >= 20 else EntityScale.MICRO
        elif kind == EntityKind.FARMERS_COOPERATIVE:
            capital, employees, scale = rng.choice([20, 50, 100]) * 10_000 * 100, rng.randint(5, 30), EntityScale.MICRO
        else:
            wan = rng.choice([0, 3, 5, 10, 20])
            capital, employees, scale = (wan * 10_000 * 100 or None), rng.randint(1, 8), EntityScale.MICRO
        street = f"{self.fake.random_element(self.district.roads)}{self.fake.random_int(1, 399)}号"
        enterprise = registry_service.create(self.session, enterprise_in=EnterpriseCreate(
            uscc=self.uscc(prefix), name=self.entity_name(kind, trade, legal_rep), kind=kind, scale=scale,
            legal_rep_name=legal_rep, legal_rep_id_number=make_id_number(rng, birth, self.district),
            registration_date=registered, registered_capital_fen=capital, industry_code=code,
            district_area_id=area.id, community_id=rng.choice(communities),
            address=f"重庆市{self.district.name}{area.name}{street}", operating_status=OperatingStatus.IN_OPERATION,
            last_annual_report_year=last_report, is_abnormal=abnormal, abnormal_since=abnormal_since,
            abnormal_reason="未依照规定期限公示年度报告" if abnormal else None, employees=employees,
        ))
        self.summary.enterprises += 1
        self.summary.latent[enterprise.id] = latent
        self.profiles.append(records.Profile(
            enterprise_id=enterprise.id, uscc=enterprise.uscc, name=enterprise.name, kind=kind, industry_code=code,
            trade=trade, legal_rep_name=legal_rep, registered=registered, capital_fen=capital, employees=employees,
            last_report_year=last_report, abnormal_since=abnormal_since, latent=latent,
        ))
        return enterprise.id


def _principal(session: Session, user_id: int) -> Principal:
    return identity_service.principal_for_user(identity_service.get_user(session, user_id=user_id))


def generate_operator(session: Session, *, name: str, bank: bool = False, seed: int = 2026) -> DemoSummary:
    """An upper node of the demo network (national, provincial): reference data, its operator and its admin, and
    (`bank`) a bank connected at this node with a published product that the network carries down to the districts;
    its market entities and records arrive from the nodes below it."""
    if registry_service.count(session) > 0:
        raise ValueError("database already holds market entities; generate the demo into an empty database")
    builder = _Builder(session, seed=seed, district=NAN_AN)
    registry_service.seed_industries(session)
    creditdata_service.seed_catalogue(session)
    operator_id = builder.organisation(name, OrgKind.PLATFORM_OPERATOR, uscc_prefix="12")
    builder.user(operator_id, "admin", "平台管理员", [Role.PLATFORM_ADMIN], name)
    if bank:
        bank_name = "巴渝银行股份有限公司"
        bank_id = builder.organisation(bank_name, OrgKind.BANK)
        builder.user(bank_id, "bank.officer", "赵客户经理", [Role.BANK_LOAN_OFFICER], bank_name,
                     note="各区县节点提交的本行产品申请都在这里办理")
        manager_id = builder.user(bank_id, "bank.manager", "钱信贷主管", [Role.BANK_MANAGER], bank_name)
        manager = _principal(session, manager_id)
        product = products_service.create(session, principal=manager, product_in=ProductCreate(
            code="YUHUIDAI", name="渝惠贷", description="省级节点统一受理的纯信用贷款，各区县企业均可申请",
            min_rate=Decimal("0.036"), max_rate=Decimal("0.075"), guarantee_fee_rate=Decimal("0"),
            min_amount_fen=10_000 * 100, max_line_fen=2_000_000 * 100,
            repayment_methods=list(shelf.CLASSIC), term_options=[6, 12, 24, 36]))
        products_service.publish(session, principal=manager, product_id=product.id)
    return builder.summary


def generate(session: Session, *, enterprises: int, seed: int, district: District = NAN_AN) -> DemoSummary:
    """Build the demo district into an empty database."""
    if registry_service.count(session) > 0:
        raise ValueError("database already holds market entities; generate the demo into an empty database")
    builder = _Builder(session, seed=seed, district=district)
    today = clock.today()
    now = clock.now()  # nothing the demo does is dated after this (`_by_now`)
    registry_service.seed_industries(session)
    creditdata_service.seed_catalogue(session)

    platform = f"{district.name}企业数字信用管理平台运营中心"
    platform_id = builder.organisation(platform, OrgKind.PLATFORM_OPERATOR, uscc_prefix="12")
    admin_id = builder.user(platform_id, "admin", "平台管理员", [Role.PLATFORM_ADMIN], platform)
    policies.publish_policies(session, admin=_principal(session, admin_id), district=district)
    ndrc = f"{district.name}发展和改革委员会"
    ndrc_id = builder.organisation(ndrc, OrgKind.GOVERNMENT_DEPARTMENT, uscc_prefix="11")
    builder.user(ndrc_id, "ndrc", "发改委信用科", [Role.GOVERNMENT_SUPERVISOR], ndrc)
    amr = f"{district.name}市场监督管理局"
    amr_id = builder.organisation(amr, OrgKind.GOVERNMENT_DEPARTMENT, uscc_prefix="11")
    amr_officer = builder.user(amr_id, "amr.data", "市场监管数据专员", [Role.DEPARTMENT_DATA_OFFICER], amr)
    deliveries = _departments(session, builder, existing={
        "amr": records.Delivery(amr_id, amr_officer), "ndrc": records.Delivery(ndrc_id),
        "platform": records.Delivery(platform_id, admin_id)})
    bank = f"渝南城市商业银行{district.short}支行"
    bank_id = builder.organisation(bank, OrgKind.BANK)
    officer_id = builder.user(bank_id, "bank.officer", "王客户经理", [Role.BANK_LOAN_OFFICER], bank)
    manager_id = builder.user(bank_id, "bank.manager", "李信贷主管", [Role.BANK_MANAGER], bank)
    bank2 = f"山城农村商业银行{district.short}支行"
    bank2_id = builder.organisation(bank2, OrgKind.BANK)
    bank2_officer = builder.user(bank2_id, "bank2.officer", "陈客户经理", [Role.BANK_LOAN_OFFICER], bank2,
                                 note="另一家银行：看不到第一家银行的订单")
    bank2_manager = builder.user(bank2_id, "bank2.manager", "周信贷主管", [Role.BANK_MANAGER], bank2,
                                 printed=False)
    guarantor = f"{district.short}融资担保有限公司"
    guarantor_id = builder.organisation(guarantor, OrgKind.GUARANTEE_COMPANY)
    builder.user(guarantor_id, "guarantor", "担保业务员", [Role.GUARANTEE_OFFICER], guarantor)
    agency = "渝信信用服务有限公司"
    agency_id = builder.organisation(agency, OrgKind.CREDIT_AGENCY)
    builder.user(agency_id, "agency", "信用分析师", [Role.AGENCY_ANALYST], agency)

    product = products_service.create(session, principal=_principal(session, manager_id), product_in=ProductCreate(
        code="CHONGXINDAI", name="重信贷",
        description="纯信用、随借随还、按日计息；额度和利率根据经营和信用情况自动测算，信用越好利率越低",
        min_rate=Decimal("0.035"), max_rate=Decimal("0.08"), guarantee_fee_rate=Decimal("0.012"),
        min_amount_fen=10_000 * 100, max_line_fen=1_000_000 * 100,
        repayment_methods=list(shelf.CLASSIC), term_options=[3, 6, 12, 24, 36],
        eligibility=[EligibilityRuleCreate.model_validate(shelf.NO_DISHONESTY)],
        required_documents=["营业执照", "法定代表人身份证"],
        allows_renewal=True, allows_deferral=True,
    ))
    products_service.publish(session, principal=_principal(session, manager_id), product_id=product.id)
    tax_product = products_service.create(
        session, principal=_principal(session, bank2_manager), product_in=ProductCreate(
            code="SHUIYIDAI", name="税易贷", description="按纳税信用等级和纳税额核定额度的信用贷款",
            kind=ProductKind.TAX_BASED, required_documents=["营业执照", "法定代表人身份证", "近两年纳税申报表"],
            eligibility=[EligibilityRuleCreate.model_validate(rule) for rule in (
                shelf.NO_DISHONESTY, {"field": "credit_records", "op": "within_months",
                                      "value": {"category": "C04", "months": 12}})],
            min_rate=Decimal("0.0385"), max_rate=Decimal("0.065"), guarantee_fee_rate=Decimal("0"),
            min_amount_fen=50_000 * 100, max_line_fen=3_000_000 * 100,
            repayment_methods=[RepaymentMethod.EQUAL_INSTALLMENT, RepaymentMethod.INTEREST_FIRST],
            term_options=[12, 24, 36],
        ))
    products_service.publish(session, principal=_principal(session, bank2_manager), product_id=tax_product.id)

    def lender(key: str, name: str) -> Principal:
        # No credit code drawn: the district's random stream (and so its firms and their history) stays as it was.
        organisation_id = builder.organisation(name, OrgKind.BANK, uscc_prefix=None)
        return _principal(session, builder.user(organisation_id, f"{key}.manager", "信贷主管", [Role.BANK_MANAGER],
                                                name, printed=False))

    builder.summary.products = 2 + shelf.publish_shelf(
        session, lenders={"bank": _principal(session, manager_id), "bank2": _principal(session, bank2_manager)},
        admin=_principal(session, admin_id), short=district.short, make_lender=lender)

    areas = builder.areas()
    good_id = builder.enterprise(areas, today, force_kind=EntityKind.ENTERPRISE, healthy=True)
    late_id = builder.enterprise(areas, today, force_kind=EntityKind.INDIVIDUAL_BUSINESS, healthy=False)
    entity_ids = [builder.enterprise(areas, today) for _ in range(max(0, enterprises - 2))]
    stored = records.store_rows(session, rows=records.plan_rows(builder.profiles, rng=builder.rng, today=today,
                                                                       district=district),
                                deliveries=deliveries, platform=deliveries["platform"], rng=builder.rng)
    builder.summary.records, builder.summary.import_batches = stored.total, stored.batches
    builder.summary.records_by_item = stored.by_item

    def enterprise_user(enterprise_id: int, username: str, note: str, printed: bool = True) -> int:
        enterprise = registry_service.get(session, enterprise_id=enterprise_id)
        org_id = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name=enterprise.name, kind=OrgKind.ENTERPRISE, uscc=enterprise.uscc, enterprise_id=enterprise.id,
        )).id
        builder.summary.organisations += 1
        return builder.user(org_id, username, enterprise.legal_rep_name, [Role.ENTERPRISE_ADMIN],
                            enterprise.name, note=note, printed=printed)

    good_user = enterprise_user(good_id, "enterprise.demo", "年报齐全，可以申请重信贷")
    good_org = identity_service.get_enterprise_organisation(session, enterprise_id=good_id)
    assert good_org is not None
    builder.user(good_org.id, "enterprise.staff", "财务经办人", [Role.ENTERPRISE_STAFF], good_org.name)
    enterprise_user(late_id, "enterprise.late", "未报送年报：申请前会被提示先报年报")

    officers = {bank_id: officer_id, bank2_id: bank2_officer}
    managers = {bank_id: manager_id, bank2_id: bank2_manager}
    healthy_ids = [e for e in entity_ids if _may_apply(session, e)][: max(0, min(24, len(entity_ids) // 8))]
    # The district's past financing and the first champion trained on it, before the open orders below are
    # submitted (they are then pre-assessed by the champion). Its own RNG: the rest of the district stays as it was.
    past = history.plan_past_loans(builder.profiles, rng=random.Random(f"{seed}:past-loans"), today=today,
                                   lenders=[bank, bank2])
    history.record_defaults(session, loans=past)
    builder.summary.past_loans = past
    taken = set(healthy_ids)
    # Borrowers are a random draw of those who may apply; what becomes of each loan depends on its latent score.
    eligible = [e for e in entity_ids if e not in taken and _may_apply(session, e)]
    history_ids = builder.rng.sample(eligible, min(len(eligible), max(4, min(16, len(entity_ids) // 60))))
    plans = {good_id: "current", **loan_plans(builder.rng, {e: builder.summary.latent[e] for e in history_ids},
                                              present={"current"})}
    builder.summary.loan_plans = plans
    borrowers = [good_id, *history_ids]
    applicants = [_first_user_id_of(session, good_id)] + [
        enterprise_user(e, f"borrower{n + 1}", "", printed=False) for n, e in enumerate(history_ids)
    ]
    _loan_history(session, builder, today=today, product_id=product.id, officer_id=officer_id,
                  manager_id=manager_id, guarantor_id=guarantor_id,
                  borrowers=[(plans[e], e, u) for e, u in zip(borrowers, applicants, strict=True)])
    builder.summary.champion = history.train_champion(session, loans=past, admin=_principal(session, admin_id),
                                                      seed=seed, today=today)
    # Orders in every state, some submitted weeks ago so that the workbench shows late ones.
    # Approvals go the way of 审贷分离: the officer proposes, the manager approves; a proposal awaits the manager.
    outcomes = ["submitted", "accepted", "approved", "rejected", "approved", "proposed", "submitted", "approved"]
    applicant_users: list[tuple[int, int]] = []
    for index, enterprise_id in enumerate(healthy_ids):
        applicant = enterprise_user(enterprise_id, f"ent{index + 1:04d}", "", printed=False)
        applicant_users.append((enterprise_id, applicant))
        chosen = product if index % 4 else tax_product
        outcome = outcomes[index % len(outcomes)]
        # Open orders include some submitted weeks ago, so that the workbench shows late ones.
        days_ago = builder.rng.choice([0, 1, 2, 20] if outcome in ("submitted", "accepted", "proposed")
                                      else [3, 6, 10, 21, 30])
        submitted = datetime.combine(today - timedelta(days=days_ago), datetime.min.time(), BUSINESS_TZ)
        with clock.use(_by_now(submitted + timedelta(hours=9 + index % 8), now)):
            order = orders_service.apply(session, principal=_principal(session, applicant), order_in=OrderCreate(
                product_id=chosen.id,
                amount_fen=builder.rng.choice([5, 10, 20, 30, 50, 80]) * 10_000 * 100,
                term_months=12, repayment_method=RepaymentMethod.EQUAL_INSTALLMENT,
                purpose=builder.rng.choice(["采购原材料", "支付货款", "店面装修", "补充流动资金", "购置设备"]),
                authorise=True,
            ))
        officer = _principal(session, officers[order.bank_organisation_id])
        manager = _principal(session, managers[order.bank_organisation_id])
        if outcome == "submitted":
            continue
        with clock.use(_by_now(submitted + timedelta(hours=20), now)):
            orders_service.accept(session, principal=officer, order=order)
        if outcome == "accepted":
            continue
        with clock.use(_by_now(submitted + timedelta(days=2, hours=15), now)):
            # A bank does not approve what the credit policy declined (no estimated line): it rejects with the rule.
            if outcome in ("approved", "proposed") and order.estimated_line_fen > 0:
                orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
                    line_fen=min(order.amount_fen, order.estimated_line_fen), annual_rate=order.estimated_rate,
                    term_months=12, repayment_method=RepaymentMethod.EQUAL_INSTALLMENT,
                ))
                if outcome == "approved":
                    with clock.use(_by_now(submitted + timedelta(days=3, hours=10), now)):
                        orders_service.approve(session, principal=manager, order=order, decision_in=OrderApprove())
            else:
                declined = order.estimated_line_fen == 0 and order.estimate_reasons
                orders_service.reject(session, principal=officer, order=order, rejection_in=OrderReject(
                    reason=f"预评估未通过：{order.estimate_reasons[0]}" if declined
                    else "近两年经营流水不足以支持申请金额，建议降低金额或补充纳税信息后再申请",
                ))
    builder.summary.orders = len(healthy_ids)
    _self_reports(session, builder, reporters=[(good_id, good_user), *applicant_users[:6]], admin_id=admin_id,
                  today=today)
    _onboarded_institutions(session, builder, admin_id=admin_id)
    builder.summary.sandbox_grants = _sandbox_grants(
        session, bank_id=bank_id,
        grantors=[(good_id, good_user), *applicant_users, *zip(history_ids, applicants[1:], strict=True)])

    # The agricultural credit database and an industry-chain community (demo.agrichain), when the district has a
    # cooperative and a family farm: last, so that nothing above changes with it.
    def farm_user(kind: EntityKind, username: str, note: str) -> agrichain.Party | None:
        found = [p.enterprise_id for p in builder.profiles if p.kind == kind]
        if not found:
            return None
        if identity_service.get_enterprise_organisation(session, enterprise_id=found[0]) is not None:
            return agrichain.Party(found[0], _first_user_id_of(session, found[0]))
        return agrichain.Party(found[0], enterprise_user(found[0], username, note))

    cooperative = farm_user(EntityKind.FARMERS_COOPERATIVE, "coop.demo", "农民合作社：花椒、榨菜种植，产业链供应商")
    farm = farm_user(EntityKind.FAMILY_FARM, "farm.demo", "家庭农场：柑橘种植，产业链供应商")
    if cooperative is not None and farm is not None:
        distributor = agrichain.Party(*applicant_users[0]) if applicant_users else None
        builder.summary.farm_reports, builder.summary.chain_community = agrichain.seed(
            session, cooperative=cooperative, farm=farm, leader=agrichain.Party(good_id, good_user),
            distributor=distributor, lender_id=bank_id, manager_user_id=manager_id, district=district)
    # The roll-out (demo.outreach): grid workers of the pilot areas, the pilot plan, visits; last as well.
    grid_workers = outreach.seed(
        session, admin=_principal(session, admin_id), password=DEMO_PASSWORD, seed=seed,
        organisation=lambda name: builder.organisation(name, OrgKind.GOVERNMENT_DEPARTMENT, uscc_prefix=None))
    for number, (username, _name, office) in enumerate(grid_workers):
        builder.summary.logins.append(DemoLogin(ROLE_LABELS[Role.GRID_WORKER], username, office,
                                                "网格员：推广二维码、走访记录" if number == 0 else ""))
    return builder.summary


def _sandbox_grants(session: Session, *, bank_id: int, grantors: list[tuple[int, int]]) -> int:
    """Firms that authorised the first bank's model programme (模型可用不可见计算), so that its officer can run a
    model in the sandbox: a run needs `scoring.sandbox.MIN_ENTITIES` authorised firms. Returns how many."""
    categories = [c.code for c in creditdata_service.list_categories(session)]
    for enterprise_id, user_id in dict(grantors).items():
        consent_service.grant(session, enterprise_id=enterprise_id, granted_by_user_id=user_id,
                              recipient_organisation_id=bank_id, purpose=consent_service.Purpose.MODEL_RUN,
                              purpose_ref=SANDBOX_PROGRAMME, categories=categories)
    return len(dict(grantors))


def _onboarded_institutions(session: Session, builder: _Builder, *, admin_id: int) -> None:
    """A bank that connected through the onboarding flow (assessed, approved, commitment signed) and a guarantee
    company's application waiting for review. Fixed codes, so the random draws of the district stay as they were."""
    admin = _principal(session, admin_id)
    applications = []
    for body, name, kind, contact in (("MA0XYDJR1", f"巴渝村镇银行{builder.district.short}支行", OrgKind.BANK, "周明"),
                                      ("MA0XYDJR2", "重庆鼎信融资担保有限公司", OrgKind.GUARANTEE_COMPANY, "吴芳")):
        first17 = f"91{builder.district.code}{body}"
        applications.append(onboarding.submit_application(session, application_in=InstitutionApplicationCreate(
            organisation_name=name, uscc=first17 + uscc_check_char(first17), kind=kind,
            licence_number="B0000H250010001" if kind == OrgKind.BANK else "渝融担许0001",
            contact_name=contact, contact_mobile="13800000000",
            requested_scopes=["credit_query", "report_download", "products_orders"])))
    bank = applications[0]
    onboarding.start_assessment(session, principal=admin, application_id=bank.id)
    for item in onboarding_policy.CHECKLIST:
        onboarding.record_assessment(session, principal=admin, application_id=bank.id, result_in=AssessmentResultUpdate(
            item_code=item.code, passed=True, note="材料齐全，现场核验一致", evidence_ref=f"SA-DEMO-{item.code}"))
    approval = onboarding.approve(session, principal=admin, application_id=bank.id, password=DEMO_PASSWORD,
                                  approval_in=ApprovalCreate(admin_username="institution.admin"))
    onboarding.sign_commitment(session, principal=identity_service.principal_for_user(approval.admin),
                               commitment_in=CommitmentCreate(
                                   text_sha256=onboarding_policy.commitment_digest(onboarding_policy.COMMITMENT_TEXT),
                                   agree=True))
    builder.summary.organisations += 1
    builder.summary.logins.append(DemoLogin(ROLE_LABELS[Role.INSTITUTION_ADMIN], "institution.admin",
                                            approval.organisation.name, "经入驻申请接入：已签署承诺书，可开通接口"))


def loan_plans(rng: random.Random, latent: dict[int, float], *, present: set[str]) -> dict[int, str]:
    """Each borrower's loan fate drawn from its latent score (weak: overdue or defaulted more often), then
    adjusted so that, with the fates in `present` (other borrowers'), every fate occurs at least once: the weakest
    takes a missing bad fate, the strongest a missing good one, each from a fate that is not needed where it is."""
    plans: dict[int, str] = {}
    for enterprise_id, z in latent.items():
        p_default, p_overdue = records.logistic(-2.6 - 1.8 * z), records.logistic(-2.2 - 1.2 * z)
        roll = rng.random()
        if roll < p_default:
            plans[enterprise_id] = "defaulted"
        elif roll < p_default + p_overdue:
            plans[enterprise_id] = "overdue"
        else:
            plans[enterprise_id] = rng.choices(["current", "prepaid", "settled"], weights=[5, 2 + 2 * max(z, 0), 2])[0]
    for missing in ("defaulted", "overdue", "settled", "prepaid", "current"):
        if missing in plans.values() or missing in present:
            continue
        counts = Counter(plans.values())
        spare = [e for e, plan in plans.items() if counts[plan] > 1 or plan in present]
        if not spare:
            break
        bad = missing in ("defaulted", "overdue")
        chosen = min(spare, key=lambda e: latent[e] if bad else -latent[e])
        plans[chosen] = missing
    return plans


def _self_reports(session: Session, builder: _Builder, *, reporters: list[tuple[int, int]], admin_id: int,
                  today: date) -> None:
    """A few entities report their operations under a credit commitment; the weakest of them overstated its
    turnover, and the platform finds that commitment false."""
    profiles = {p.enterprise_id: p for p in builder.profiles}
    weakest = min(reporters, key=lambda r: builder.summary.latent[r[0]])[0]
    commitments = {}
    for enterprise_id, user_id in reporters:
        profile = profiles[enterprise_id]
        revenue = profile.employees * builder.rng.randint(150_000, 400_000) * 100
        with clock.use(_at(today - timedelta(days=builder.rng.randint(20, 90)), 15)):
            report = selfreport.report(session, principal=_principal(session, user_id), report_in=SelfReportCreate(
                report_year=today.year - 1, main_products=f"{profile.trade}相关产品和服务",
                annual_revenue_fen=revenue * (4 if enterprise_id == weakest else 1), employees=profile.employees,
                certifications=builder.rng.sample(["ISO9001质量管理体系认证", "食品安全管理体系认证", "绿色食品认证",
                                                   "环境管理体系认证"], builder.rng.randint(0, 2)),
                accept_commitment=True))
        commitments[enterprise_id] = report.commitment.id
    with clock.use(_at(today - timedelta(days=7), 11)):
        selfreport.find_false(session, principal=_principal(session, admin_id), commitment_id=commitments[weakest],
                              finding="自主填报的年营业收入与税务部门纳税申报记录明显不符，经核查承诺不实")


def _departments(session: Session, builder: _Builder, *,
                 existing: dict[str, records.Delivery]) -> dict[str, records.Delivery]:
    """An organisation bound to every source department of the catalogue, a data officer for tax, and an
    API client for each utility (they push their bills by API)."""
    deliveries = dict(existing)
    for department in creditdata_service.list_departments(session):
        if department.code not in deliveries:
            # The catalogue names the departments of the district it was written for (南岸); another district's
            # demo has departments of its own.
            name = department.name.replace(NAN_AN.short, builder.district.short)
            name = builder.district.short + name if name.startswith("区") else name
            utility = department.code in records.API_DEPARTMENTS
            organisation_id = builder.organisation(name, OrgKind.GOVERNMENT_DEPARTMENT,
                                                   uscc_prefix="91" if utility else "11")
            deliveries[department.code] = records.Delivery(organisation_id)
            if department.code == "tax":
                deliveries["tax"].user_id = builder.user(organisation_id, "tax.data", "税务数据专员",
                                                         [Role.DEPARTMENT_DATA_OFFICER], name)
            if department.code == "law_enforcement":  # answers objections to and repairs of its penalty records
                builder.user(organisation_id, "law.data", "执法数据专员", [Role.DEPARTMENT_DATA_OFFICER], name)
            if utility:
                deliveries[department.code].api_client_id = identity_service.create_api_client(
                    session, client_in=ApiClientCreate(organisation_id=organisation_id, name=f"{name}数据接口",
                                                       roles=[Role.DEPARTMENT_DATA_OFFICER])).id
        creditdata_service.bind_department(session, code=department.code,
                                           organisation_id=deliveries[department.code].organisation_id)
    return deliveries


def _may_apply(session: Session, enterprise_id: int) -> bool:
    return registry_service.annual_report_gate(registry_service.get(session, enterprise_id=enterprise_id)).allowed


def _first_user_id_of(session: Session, enterprise_id: int) -> int:
    organisation = identity_service.get_enterprise_organisation(session, enterprise_id=enterprise_id)
    assert organisation is not None
    return identity_service.list_users(session, organisation_id=organisation.id)[0].id


HISTORY_DAYS = 150
# Per loan fate: (principal in yuan, months, method); together every servicing state the portal can show.
LOAN_PLANS: dict[str, tuple[int, int, RepaymentMethod]] = {
    "current": (200_000, 12, RepaymentMethod.EQUAL_INSTALLMENT),
    "prepaid": (300_000, 12, RepaymentMethod.EQUAL_PRINCIPAL),
    "settled": (100_000, 3, RepaymentMethod.EQUAL_PRINCIPAL),
    "overdue": (150_000, 12, RepaymentMethod.INTEREST_FIRST),
    "defaulted": (250_000, 6, RepaymentMethod.EQUAL_INSTALLMENT),
}


def _loan_history(session: Session, builder: _Builder, *, today: date, product_id: int, officer_id: int,
                  manager_id: int, guarantor_id: int, borrowers: list[tuple[str, int, int]]) -> None:
    """Live through the last 150 days: lines, drawdowns, repayments, end of day, defaults and a recovery.

    `borrowers` are (plan, enterprise id, applicant user id)."""
    start = today - timedelta(days=HISTORY_DAYS)
    guarantee_service.create_agreement(session, product_id=product_id, guarantor_shares={guarantor_id: Decimal("0.8")},
                                       bank_share=Decimal("0.2"))
    officer = _principal(session, officer_id)
    manager = _principal(session, manager_id)
    loans: list[tuple[str, int, Principal]] = []  # plan and key, drawdown id, applicant
    watched: list[demo_monitoring.WatchedLoan] = []
    for index, (plan, enterprise_id, user_id) in enumerate(borrowers):
        base_yuan, months, method = LOAN_PLANS[plan]
        yuan = base_yuan * builder.rng.choice([6, 8, 10, 12]) // 10
        key = f"{plan}-{index + 1}"
        with clock.use(_at(start, 9)):
            applicant = _principal(session, user_id)
            order = orders_service.apply(session, principal=applicant, order_in=OrderCreate(
                product_id=product_id, amount_fen=yuan * 100 * 2, term_months=12,
                repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="补充流动资金", authorise=True))
            orders_service.accept(session, principal=officer, order=order)
            orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
                line_fen=yuan * 100 * 2, annual_rate=order.estimated_rate, term_months=12,
                repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
            orders_service.approve(session, principal=manager, order=order, decision_in=OrderApprove())
            line = loans_service.open_line(session, approved=orders_service.approved_event_of(order))
        with clock.use(_at(start, 14)):
            drawdown = loans_service.draw(session, principal=applicant, line_id=line.id, idempotency_key=f"demo-{key}",
                                          drawdown_in=DrawdownCreate(amount_fen=yuan * 100, term_months=months,
                                                                     method=method))
        loans.append((key, drawdown.id, applicant))
        watched.append(demo_monitoring.WatchedLoan(line.id, enterprise_id, user_id, line.valid_until))
    with clock.use(_at(start, 15)):
        demo_monitoring.authorise(session, loans=watched, organisation_ids=[officer.organisation_id, guarantor_id])
    authority = f"{builder.district.name}市场监督管理局"
    day = start
    while day < today:
        with clock.use(_at(day, 10)):
            for key, drawdown_id, applicant in loans:
                _pay_by_plan(session, key, drawdown_id, applicant, day, start)
        with clock.use(_at(day, 16)):
            demo_monitoring.live_day(session, offset=(day - start).days, day=day, loans=watched, officer=officer,
                                     authority=authority)
        with clock.use(_at(day, 23)):
            eod.run(session, business_date=day, actor=DEMO_ACTOR)
            session.expire_all()
            for key, drawdown_id, _applicant in loans:
                loan = session.get(Drawdown, drawdown_id) if key.startswith("defaulted") else None
                if loan is not None and loan.status == "defaulted":
                    guarantee_service.compensate(session, defaulted=_defaulted_event(session, loan, day))
        day += timedelta(days=1)
    with clock.use(_by_now(_at(today, 9).now(), clock.now())):
        defaulted = next(d for k, d, _ in loans if k.startswith("defaulted"))
        if session.get(Drawdown, defaulted) is not None and guarantee_service.list_compensations(session):
            guarantee_service.recover(session, drawdown_id=defaulted, amount_fen=2_000_000,
                                      idempotency_key="demo-recovery-1")


def _by_now(moment: datetime, now: datetime) -> FixedClock:
    """A clock stopped at `moment`, or at `now` if that is earlier: the demo dates nothing after it runs. Orders
    "submitted today" at nine or later would otherwise be in the future when it runs earlier in the day in
    Chongqing, and so would the authorisations their applications give, which no bank could use yet."""
    return FixedClock(min(moment, now))


def _at(day: date, hour: int) -> FixedClock:
    return FixedClock(datetime.combine(day, datetime.min.time(), BUSINESS_TZ) + timedelta(hours=hour))


def _pay_by_plan(session: Session, key: str, drawdown_id: int, borrower: Principal, day: date, start: date) -> None:
    plan = key.split("-")[0]
    drawdown = session.get(Drawdown, drawdown_id)
    if drawdown is None or drawdown.status != "active" or plan == "defaulted":
        return
    owed = loans_service.owed(drawdown, day)
    due_today = owed["principal_due"] > 0 or any(
        i.due_date == day and not i.superseded for i in drawdown.installments)
    amount = 0
    if plan == "prepaid" and day == start + timedelta(days=40):
        amount = sum(owed.values()) + drawdown.bal_principal * 3 // 10
    elif plan == "settled" and day == start + timedelta(days=75):
        amount = loans_service.total_owed(drawdown)
    elif due_today and not (plan == "overdue" and day > start + timedelta(days=100)):
        amount = sum(owed.values())
    amount = min(amount, loans_service.total_owed(drawdown))
    if amount > 0:
        loans_service.repay(session, principal=borrower, drawdown_id=drawdown_id,
                            repayment_in=RepaymentCreate(amount_fen=amount), idempotency_key=f"demo-{key}-{day}")


def _defaulted_event(session: Session, drawdown: Drawdown, day: date) -> DrawdownDefaulted:
    return DrawdownDefaulted(
        drawdown_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
        bank_organisation_id=drawdown.bank_organisation_id,
        product_id=loans_service.product_id_of(session, drawdown=drawdown), business_date=day,
        days_past_due=drawdown.days_past_due, outstanding_fen=loans_service.total_owed(drawdown),
    )
