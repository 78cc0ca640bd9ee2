"""The demo's credit records: what each department would have delivered on each demo entity over the last
three years, as the text rows of its exports, driven by the entity's hidden creditworthiness.

The hidden creditworthiness (`Profile.latent`, standard normal) lives only in the generator and in its
return value: no table the platform reads holds it. A weak entity files late, gets lower tax grades,
falls behind on social insurance, utilities and taxes, and meets penalties and courts more often; from
some month on it may be "in trouble", so its recent months look worse than its earlier ones.

`plan_rows` is pure (rows from profiles and a seeded RNG); `store_rows` delivers them through the
creditdata store in batches per sub-category and month, with import-batch records, by the channel a
real department would use, so the coverage pages have a history to show.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.clock import BUSINESS_TZ, FixedClock
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import BatchStatus, Channel
from xinyidai.creditdata.fields import USCC_FIELD
from xinyidai.creditdata.models import ImportBatch
from xinyidai.demo.districts import NAN_AN, District
from xinyidai.registry.enums import EntityKind

HISTORY_MONTHS = 24  # monthly series (tax payments, social insurance, utilities …) cover the last two years
HISTORY_YEARS = 3  # yearly facts (grades, annual reports, penalties …) the last three
TECH_TRADES = {"I65", "M75"}
TRADER_TRADES = {"F51", "F52", "C21", "C13"}
FOOD_TRADES = {"H62", "C13"}
AGRI_KINDS = {EntityKind.FARMERS_COOPERATIVE, EntityKind.FAMILY_FARM}
# Sub-categories the national channel relays (总对总); the rest the departments deliver themselves.
NATIONAL_ITEMS = {"dishonest_debtor", "enforcement_case", "restricted_consumption", "judgment", "customs_trade",
                  "customs_credit", "patent", "trademark"}
# Utilities push their monthly bills through their billing systems' API rather than upload files.
API_DEPARTMENTS = {"water", "power", "gas"}


@dataclass(frozen=True, slots=True)
class Profile:
    """What the record plan knows of one demo entity, its hidden creditworthiness included."""

    enterprise_id: int
    uscc: str
    name: str
    kind: EntityKind
    industry_code: str
    trade: str
    legal_rep_name: str
    registered: date
    capital_fen: int | None
    employees: int
    last_report_year: int | None
    abnormal_since: date | None
    latent: float


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a department's delivery: field name → text as exported, and the day it was delivered."""

    item: str
    enterprise_id: int
    values: dict[str, str]
    delivered: date


@dataclass(slots=True)
class Delivery:
    """Who delivers for a source department in the demo: its organisation, officer and API client."""

    organisation_id: int
    user_id: int | None = None
    api_client_id: int | None = None


@dataclass(slots=True)
class StoredRecords:
    """What `store_rows` stored: records per sub-category, and batches."""

    by_item: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    duplicates: int = 0

    @property
    def total(self) -> int:
        """All records stored."""
        return sum(self.by_item.values())


def logistic(x: float) -> float:
    """The logistic function: how a latent score turns into a probability."""
    return 1.0 / (1.0 + math.exp(-x))


def yuan(fen: int, *, grouped: bool = False) -> str:
    """Fen as a department writes yuan in an export."""
    return f"{fen // 100:,}.{fen % 100:02d}" if grouped else f"{fen // 100}.{fen % 100:02d}"


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def months_before(today: date, count: int) -> list[tuple[int, int]]:
    """The `count` complete months before today's month, oldest first."""
    year, month = today.year, today.month
    out = []
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        out.append((year, month))
    return out[::-1]


class _Planner:
    """Draws the rows of every entity in turn from one seeded RNG, so the same seed gives the same rows."""

    def __init__(self, rng: random.Random, today: date, district: District) -> None:
        self.rng = rng
        self.district = district
        self.amr = f"{district.name}市场监督管理局"
        self.court = f"重庆市{district.name}人民法院"
        self.today = today
        self.months = months_before(today, HISTORY_MONTHS)
        self.first_delivery = today - timedelta(days=365 * HISTORY_YEARS)  # the platform's first full load
        self.rows: list[Row] = []
        self.serial = 0
        self.traders: set[int] = set()
        self.high_tech: set[int] = set()

    # helpers -------------------------------------------------------------------------------------

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def delivered(self, fact: date, *, lag_days: int = 8) -> date:
        """Departments deliver a month's facts early the next month; older facts came in the first full load."""
        nxt = date(fact.year + fact.month // 12, fact.month % 12 + 1, 1) + timedelta(days=lag_days - 1)
        return min(max(nxt, self.first_delivery), self.today)

    def add(self, item: str, profile: Profile, values: dict[str, str], fact: date, *, lag_days: int = 8,
            delivered: date | None = None) -> None:
        values[USCC_FIELD] = profile.uscc
        self.rows.append(Row(item, profile.enterprise_id, values,
                             delivered or self.delivered(fact, lag_days=lag_days)))

    def day_between(self, start: date, end: date) -> date:
        if end <= start:
            return start
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def window_start(self, profile: Profile, years: int = HISTORY_YEARS) -> date:
        return max(profile.registered, self.today - timedelta(days=365 * years))

    def poisson(self, lam: float) -> int:
        # Knuth's method: the rates here are small.
        threshold, count, product = math.exp(-lam), 0, self.rng.random()
        while product > threshold:
            count += 1
            product *= self.rng.random()
        return count

    # the plan ------------------------------------------------------------------------------------

    def entity(self, p: Profile) -> None:
        rng = self.rng
        z = p.latent
        # A weak entity may be in trouble from some month of the last year on: its recent months look worse.
        trouble = rng.random() < logistic(-1.6 - 1.8 * z)
        trouble_from = rng.randint(HISTORY_MONTHS - 12, HISTORY_MONTHS - 2) if trouble else HISTORY_MONTHS
        # Monthly revenue in fen: size from headcount, level and trend from the latent score.
        per_head = rng.uniform(12_000, 35_000) * (1.0 + 0.15 * z)
        revenue = max(int(p.employees * per_head * 100), 2_000_000)
        self.registration(p)
        self.annual_reports(p, revenue)
        self.licences(p)
        self.penalties(p)
        self.courts(p)
        taxed = p.kind in (EntityKind.ENTERPRISE, EntityKind.FARMERS_COOPERATIVE) or rng.random() < 0.45
        if taxed:
            self.tax(p, revenue, trouble_from)
        self.social_insurance(p, trouble_from)
        self.utilities(p, revenue, trouble_from)
        self.assets_and_ip(p, revenue)
        if p.kind in AGRI_KINDS or (p.industry_code in ("A01", "A03") and rng.random() < 0.3):
            self.agriculture(p)
        self.public_resources(p)
        if z > 0.8 and rng.random() < 0.15:
            awarded = self.day_between(self.window_start(p), self.today)
            self.add("honour", p, {
                "title": rng.choice(["重庆市守合同重信用企业", f"{self.district.name}诚信经营示范单位",
                                     f"{self.district.name}“诚信商户”", f"{self.district.name}优秀民营企业"]),
                "level": rng.choice(["市级", "区县级", "区县级"]), "awarded_date": awarded.isoformat(),
                "authority": rng.choice([f"{self.district.name}人民政府", "重庆市市场监督管理局",
                                          f"{self.district.name}发展和改革委员会"]),
            }, awarded)

    def registration(self, p: Profile) -> None:
        scope = {"F52": "日用百货、食品销售", "H62": "餐饮服务", "O80": "家政服务", "E50": "建筑装饰工程施工",
                 "F51": "建筑材料批发", "G54": "普通货运、仓储服务", "I65": "软件开发、信息系统集成服务",
                 "C13": "食品生产、农副食品加工", "C21": "家具制造与销售", "L72": "企业管理咨询、商务信息咨询",
                 "A01": "农作物种植与销售", "A03": "畜禽养殖与销售", "M75": "技术开发、技术转让、技术咨询",
                 "O81": "机动车维修"}.get(p.industry_code, "一般经营项目")
        values = {"entity_name": p.name, "legal_rep_name": p.legal_rep_name,
                  "registration_date": p.registered.isoformat(),
                  "operating_status": "在业" if p.kind == EntityKind.INDIVIDUAL_BUSINESS else "存续",
                  "business_scope": scope}
        if p.capital_fen:
            values["registered_capital"] = yuan(p.capital_fen)
        self.add("registration", p, values, p.registered)
        if p.kind == EntityKind.ENTERPRISE and self.rng.random() < 0.2:
            changed = self.day_between(self.window_start(p), self.today - timedelta(days=30))
            kind = self.rng.choice(["股东变更", "法定代表人变更", "注册资本变更"])
            before, after = {
                "股东变更": ("原股东二人", "现股东三人"),
                "法定代表人变更": (f"原法定代表人{self.rng.choice('王李张刘陈杨赵黄周吴')}某", p.legal_rep_name),
                "注册资本变更": (yuan((p.capital_fen or 0) // 2) + "元", yuan(p.capital_fen or 0) + "元"),
            }[kind]
            self.add("equity_change", p, {"change_date": changed.isoformat(), "item": kind, "before": before,
                                          "after": after}, changed)

    def annual_reports(self, p: Profile, revenue: int) -> None:
        rng = self.rng
        first = max(p.registered.year, self.today.year - 1 - HISTORY_YEARS)
        for year in range(first, (p.last_report_year or first - 1) + 1):
            late = rng.random() < logistic(-2.8 - 1.5 * p.latent)
            if late and year + 1 < self.today.year:  # filed after the deadline: listed, then removed on filing
                listed = date(year + 1, 7, 1) + timedelta(days=rng.randint(0, 9))
                filed = listed + timedelta(days=rng.randint(20, 150))
                removed = filed + timedelta(days=rng.randint(3, 15))
                base = {"listed_date": listed.isoformat(), "reason": "未按规定报送年度报告", "authority": self.amr}
                self.add("abnormal_operation", p, dict(base), listed)
                self.add("abnormal_operation", p, {**base, "removed_date": removed.isoformat()}, removed)
            else:
                start = date(year + 1, 3, 1) if p.latent > -0.5 else date(year + 1, 5, 15)
                filed = self.day_between(start, date(year + 1, 6, 30))
            filed = min(filed, self.today)
            employees = max(1, p.employees + rng.randint(-2, 2))
            self.add("annual_report", p, {
                "report_year": str(year), "filed_date": filed.isoformat(), "employees": str(employees),
                "revenue": yuan(revenue * 12 * rng.randint(85, 110) // 100),
                "total_assets": yuan(revenue * rng.randint(5, 20)),
            }, filed)
        if p.abnormal_since is not None:
            self.add("abnormal_operation", p, {"listed_date": p.abnormal_since.isoformat(),
                                               "reason": "未按规定报送年度报告", "authority": self.amr},
                     p.abnormal_since)

    def licences(self, p: Profile) -> None:
        rng = self.rng
        kinds = {"H62": ("食品经营许可证", "JY15001080", 0.9), "F52": ("食品经营许可证", "JY15001080", 0.4),
                 "C13": ("食品生产许可证", "SC10650010", 0.9), "E50": ("建筑业企业资质证书", "D350", 0.7),
                 "G54": ("道路运输经营许可证", "渝交运管许可南字500108", 0.8),
                 "I65": ("增值电信业务经营许可证", "渝B2-2", 0.2), "A03": ("动物防疫条件合格证", "渝南动防合字", 0.8)}
        found = kinds.get(p.industry_code)
        if found is None or rng.random() > found[2]:
            return
        name, prefix, _ = found
        decided = self.day_between(max(p.registered, self.today - timedelta(days=365 * 5)),
                                   self.today - timedelta(days=20))
        self.add("admin_licence", p, {
            "licence_no": f"{prefix}{rng.randrange(10**6):06d}", "licence_name": name,
            "decision_date": decided.isoformat(), "valid_until": (decided + timedelta(days=365 * 5)).isoformat(),
            "authority": (f"重庆市{self.amr}" if name.startswith("食品")
                          else f"重庆市{self.district.name}政务服务管理办公室"),
        }, decided)

    def penalties(self, p: Profile) -> None:
        rng = self.rng
        risky = 1.6 if p.industry_code in FOOD_TRADES | {"G54", "E50"} else 1.0
        for _ in range(self.poisson(0.07 * risky * math.exp(-0.9 * p.latent))):
            decided = self.day_between(self.window_start(p), self.today - timedelta(days=3))
            severity = "严重" if p.latent < -1.2 and rng.random() < 0.4 else rng.choice(["轻微", "一般", "一般"])
            kind = "警告" if severity == "轻微" else rng.choice(["罚款", "罚款", "没收违法所得"])
            amount = 0 if kind == "警告" else rng.choice([500, 1000, 2000, 5000, 10000, 30000]) * 100
            violation = rng.choice({"H62": ["未按规定公示食品经营许可", "餐饮具未清洗消毒"],
                                    "C13": ["生产不符合食品安全标准的食品", "未按规定进行出厂检验"],
                                    "G54": ["车辆超限超载运输", "未按规定进行车辆年审"],
                                    "E50": ["施工现场扬尘污染", "未办理施工许可擅自施工"]}.get(
                p.industry_code, ["占道经营", "未按规定明码标价", "违规设置户外广告"]))
            values = {"decision_no": f"{self.district.short}执罚〔{decided.year}〕{self.next_serial()}号",
                      "violation": violation,
                      "penalty_kind": kind, "severity": severity, "decision_date": decided.isoformat(),
                      "authority": f"重庆市{self.district.name}综合行政执法局"}
            if amount:
                values["amount"] = yuan(amount)
            self.add("admin_penalty", p, values, decided)
            enforced = decided + timedelta(days=rng.randint(60, 120))
            if amount and p.latent < -1.0 and rng.random() < 0.4 and enforced <= self.today:
                self.add("admin_enforcement", p, {
                    "decision_no": f"{self.district.short}执强〔{enforced.year}〕{self.next_serial()}号",
                    "measure": rng.choice(["加处罚款或滞纳金", "冻结存款汇款", "查封场所设施财物"]),
                    "amount": yuan(amount), "decision_date": enforced.isoformat(),
                    "authority": f"重庆市{self.district.name}综合行政执法局"}, enforced)
        if p.latent < -1.6 and rng.random() < 0.2:
            listed = self.day_between(self.window_start(p), self.today - timedelta(days=10))
            name, reason = rng.choice([
                ("拖欠农民工工资失信联合惩戒对象名单", "拒不支付劳动报酬，经责令限期支付仍不支付"),
                ("重大税收违法失信主体名单", "逃避追缴欠税，情节严重")])
            self.add("serious_dishonesty", p, {"list_name": name, "reason": reason, "listed_date": listed.isoformat(),
                                               "authority": f"{self.district.name}发展和改革委员会"}, listed)

    def courts(self, p: Profile) -> None:
        rng = self.rng
        for _ in range(self.poisson(0.09 * math.exp(-0.6 * p.latent))):
            judged = self.day_between(self.window_start(p), self.today - timedelta(days=5))
            defendant = rng.random() < logistic(-1.2 * p.latent)
            amount = rng.choice([2, 5, 8, 12, 20, 35, 60]) * 10_000 * 100
            self.add("judgment", p, {
                "case_no": f"（{judged.year}）渝0108民初{self.next_serial()}号",
                "cause": rng.choice(["买卖合同纠纷", "租赁合同纠纷", "劳动争议", "服务合同纠纷", "借款合同纠纷"]),
                "role": "被告" if defendant else "原告", "amount": yuan(amount), "judgment_date": judged.isoformat(),
                "court": self.court}, judged)
            filed = judged + timedelta(days=rng.randint(45, 150))
            if not (defendant and p.latent < -0.4 and rng.random() < 0.6 and filed <= self.today):
                continue
            case_no = f"（{filed.year}）渝0108执{self.next_serial()}号"
            dishonest = p.latent < -0.9 and rng.random() < 0.55
            self.add("enforcement_case", p, {
                "case_no": case_no, "court": self.court, "amount": yuan(amount), "filed_date": filed.isoformat(),
                "status": "终结本次执行" if dishonest else rng.choice(["执行中", "已结案"])}, filed)
            published = filed + timedelta(days=rng.randint(30, 90))
            if dishonest and published <= self.today:
                self.add("dishonest_debtor", p, {
                    "case_no": case_no, "court": self.court, "obligation": f"支付货款及利息共计{yuan(amount)}元",
                    "published_date": published.isoformat()}, published)
                if rng.random() < 0.7:
                    self.add("restricted_consumption", p, {"case_no": case_no, "court": self.court,
                                                           "order_date": published.isoformat()}, published)

    def tax(self, p: Profile, revenue: int, trouble_from: int) -> None:
        rng = self.rng
        for year in range(self.today.year - HISTORY_YEARS, self.today.year):
            evaluated = date(year + 1, 4, 20)
            if evaluated > self.today or p.registered.year > year:
                continue
            if p.registered.year == year:
                grade = "M"  # newly established: evaluated M
            else:
                score = p.latent + rng.gauss(0, 0.45)
                grade = next(g for limit, g in ((0.85, "A"), (-0.55, "B"), (-1.2, "M"), (-1.75, "C"),
                                                (-math.inf, "D")) if score > limit)
            self.add("tax_credit_grade", p, {"year": str(year), "grade": grade,
                                             "evaluated_date": evaluated.isoformat()}, evaluated, lag_days=1)
            reviewed = evaluated + timedelta(days=rng.randint(40, 90))
            if grade in ("B", "M") and rng.random() < 0.04 and reviewed <= self.today:  # re-evaluated on request
                self.add("tax_credit_grade", p, {"year": str(year), "grade": "A" if grade == "B" else "B",
                                                 "evaluated_date": reviewed.isoformat()}, reviewed)
        monthly = p.kind == EntityKind.ENTERPRISE and revenue > 30_000_000  # general taxpayers file monthly
        missed = 0
        for index, (year, month) in enumerate(self.months):
            if (year, month) < (p.registered.year, p.registered.month):
                continue
            if not monthly and month % 3:
                continue
            troubled = index >= trouble_from
            base = revenue * (3 if not monthly else 1) * rng.randint(80, 120) // 100
            vat = base * (4 if monthly else 1) // 100
            if troubled and rng.random() < 0.7:
                missed += vat
                continue
            paid = date(year + month // 12, month % 12 + 1, rng.randint(8, 15))
            if paid > self.today:
                continue
            kinds = [("增值税", vat)]
            if p.kind == EntityKind.ENTERPRISE and month % 3 == 0:
                kinds.append(("企业所得税", base * 3 * rng.randint(2, 5) // 1000))
            for tax_kind, amount in kinds:
                self.add("tax_payment", p, {
                    "voucher_no": f"3{year % 100:02d}{month:02d}50010{self.next_serial():09d}",
                    "tax_period": f"{year}-{month:02d}", "tax_kind": tax_kind, "amount": yuan(max(amount, 100)),
                    "paid_date": paid.isoformat()}, paid)
        if missed:
            quarter_starts = [date(y, m, 15) for y, m in self.months[trouble_from:] if m in (1, 4, 7, 10)]
            announced = [d for d in quarter_starts if d <= self.today] or [self.today]
            for when in announced[-2:]:
                self.add("tax_arrears", p, {"tax_kind": "增值税", "amount": yuan(missed),
                                            "announced_date": when.isoformat()}, when)

    def social_insurance(self, p: Profile, trouble_from: int) -> None:
        rng = self.rng
        insured_kinds = {EntityKind.ENTERPRISE: 0.95, EntityKind.FARMERS_COOPERATIVE: 0.6,
                         EntityKind.INDIVIDUAL_BUSINESS: 0.3 if p.employees >= 3 else 0.05,
                         EntityKind.FAMILY_FARM: 0.15}
        if rng.random() > insured_kinds.get(p.kind, 0.1):
            return
        coverage = min(1.0, max(0.3, 0.85 + 0.1 * p.latent + rng.gauss(0, 0.05)))
        people = max(1, round(p.employees * coverage))
        housing = p.kind == EntityKind.ENTERPRISE and p.employees >= 8 and rng.random() < 0.35 + 0.2 * p.latent
        arrears = 0
        for index, (year, month) in enumerate(self.months):
            if (year, month) < (p.registered.year, p.registered.month):
                continue
            troubled = index >= trouble_from
            if troubled and rng.random() < 0.2:
                people = max(1, people - 1)
            end = month_end(year, month)
            due = people * (115_000 + 4_000 * (year - 2024))
            paid = 0 if troubled and rng.random() < 0.6 else due
            arrears = arrears + 1 if paid < due else 0
            period = f"{year}{month:02d}"  # the social insurance system exports months as 202503
            self.add("social_insurance_enrolment", p, {"month": period, "month_end": end.isoformat(),
                                                       "insured_people": str(people)}, end, lag_days=12)
            self.add("social_insurance_payment", p, {
                "month": period, "month_end": end.isoformat(), "amount_due": yuan(due, grouped=True),
                "amount_paid": yuan(paid, grouped=True), "months_in_arrears": str(arrears)}, end, lag_days=12)
            if housing:
                depositors = max(1, people * 7 // 10)
                status = ("欠缴" if rng.random() < 0.5 else "缓缴") if troubled else "正常"
                self.add("housing_fund", p, {
                    "month": f"{year}-{month:02d}", "month_end": end.isoformat(), "depositors": str(depositors),
                    "amount": yuan(0 if status != "正常" else depositors * 36_000), "status": status,
                }, end, lag_days=10)

    def utilities(self, p: Profile, revenue: int, trouble_from: int) -> None:
        rng = self.rng
        gas = p.industry_code in FOOD_TRADES or rng.random() < 0.15
        scale = max(revenue / 10_000_000, 0.3)
        slack = 0.015 + 0.03 * max(0.0, -p.latent)  # a month's bill left unpaid now and then
        series = [("water", 6.0, 420), ("electricity", 180.0, 75)] + ([("gas", 40.0, 320)] if gas else [])
        for item, per_scale, price_fen_per_unit in series:
            overdue = 0
            level = scale * per_scale * rng.uniform(0.7, 1.3)
            for index, (year, month) in enumerate(self.months):
                if (year, month) < (p.registered.year, p.registered.month):
                    continue
                season = 1.3 if item == "electricity" and month in (1, 7, 8) else 1.0
                usage = round(level * season * rng.uniform(0.85, 1.15), 1)
                billed = max(int(usage * price_fen_per_unit), 100)
                unpaid = rng.random() < slack + (0.45 if index >= trouble_from else 0.0)
                overdue = overdue + billed if unpaid else (overdue if rng.random() < 0.3 else 0)
                end = month_end(year, month)
                day = end.isoformat() if item != "electricity" else f"{end.year}/{end.month:02d}/{end.day:02d}"
                self.add(item, p, {"month": f"{year}-{month:02d}", "month_end": day, "usage": f"{usage:.1f}",
                                   "amount_billed": yuan(billed), "amount_overdue": yuan(overdue)}, end, lag_days=5)

    def assets_and_ip(self, p: Profile, revenue: int) -> None:
        rng = self.rng
        z = p.latent
        if p.kind == EntityKind.ENTERPRISE and (p.capital_fen or 0) >= 3_000_000 * 100 and rng.random() < 0.5:
            registered = self.day_between(p.registered, self.today - timedelta(days=30))
            self.add("real_estate", p, {
                "certificate_no": f"渝({registered.year}){self.district.name}不动产权第{rng.randrange(10**9):09d}号",
                "use": rng.choice(["工业", "商业", "办公", "仓储"]),
                "area": f"{rng.randint(80, 3000)}.{rng.randint(0, 99):02d}",
                "registered_date": registered.isoformat(), "mortgaged": "是" if rng.random() < 0.3 - 0.1 * z else "否",
            }, registered)
        if p.enterprise_id in self.traders:
            self.customs(p, revenue)
        tech = p.industry_code in TECH_TRADES and p.kind == EntityKind.ENTERPRISE
        if tech:
            for _ in range(rng.randint(0, 3) + (1 if z > 0.5 else 0)):
                granted = self.day_between(self.window_start(p), self.today - timedelta(days=7))
                kind = "发明" if z > 0.8 and rng.random() < 0.4 else "实用新型"
                self.add("patent", p, {
                    "patent_no": (f"ZL{granted.year - 1}{'1' if kind == '发明' else '2'}"
                                  f"{rng.randrange(10**7):07d}.{rng.randint(0, 9)}"),
                    "title": rng.choice(["一种数据采集装置", "一种智能终端散热结构", "一种物联网网关", "一种检测设备"]),
                    "kind": kind, "granted_date": granted.isoformat()}, granted)
            for _ in range(rng.randint(1, 3)):
                registered = self.day_between(self.window_start(p), self.today - timedelta(days=7))
                self.add("copyright", p, {
                    "registration_no": f"{registered.year}SR{rng.randrange(10**7):07d}",
                    "title": rng.choice(["企业资源管理系统", "智慧门店收银系统", "物流调度平台", "数据分析平台"])
                    + "V1.0",
                    "registered_date": registered.isoformat()}, registered)
            for year in range(self.today.year - 2, self.today.year + 1):
                listed = date(year, 5, 20)
                if listed <= self.today and p.registered < listed and rng.random() < 0.7:
                    self.add("tech_sme", p, {"year": str(year),
                                             "registration_no": f"{year}500108A{rng.randrange(10**6):06d}",
                                             "listed_date": listed.isoformat(),
                                             "rd_expense": yuan(revenue * rng.randint(5, 15) // 10)}, listed)
            if p.enterprise_id in self.high_tech:
                issued = date(self.today.year - rng.randint(1, 2), 12, 8)
                self.add("high_tech", p, {"certificate_no": f"GR{issued.year}5100{rng.randrange(10**4):04d}",
                                          "issued_date": issued.isoformat(),
                                          "valid_until": date(issued.year + 3, 12, 7).isoformat()}, issued)
        nice = {"H62": 43, "F52": 35, "C13": 30, "C21": 20, "I65": 42, "M75": 9}.get(p.industry_code)
        if nice and p.kind == EntityKind.ENTERPRISE and rng.random() < 0.15:
            registered = self.day_between(self.window_start(p), self.today - timedelta(days=7))
            self.add("trademark", p, {"registration_no": f"{rng.randrange(10**8):08d}", "mark": p.name[2:4],
                                      "nice_class": str(nice), "registered_date": registered.isoformat()}, registered)

    def customs(self, p: Profile, revenue: int) -> None:
        rng = self.rng
        for year, month in self.months:
            if (year, month) < (p.registered.year, p.registered.month):
                continue
            end = month_end(year, month)
            self.add("customs_trade", p, {
                "month": f"{year}-{month:02d}", "month_end": end.isoformat(),
                "imports": yuan(revenue * rng.randint(0, 30) // 100),
                "exports": yuan(revenue * rng.randint(10, 60) // 100),
            }, end, lag_days=15)
        grade = "高级认证企业" if p.latent > 1.0 else ("失信企业" if p.latent < -1.5 else "其他注册登记和备案企业")
        decided = self.day_between(self.window_start(p), self.today - timedelta(days=30))
        self.add("customs_credit", p, {"grade": grade, "decided_date": decided.isoformat()}, decided)

    def agriculture(self, p: Profile) -> None:
        rng = self.rng
        product = {"柑橘": "柑橘种植保险", "花椒": "花椒种植保险", "养殖": "生猪养殖保险"}
        main = next((k for k in product if k in p.trade), "蔬菜")
        area = rng.randint(30, 600)
        recognised = self.day_between(max(p.registered, self.today - timedelta(days=365 * 5)),
                                      self.today - timedelta(days=60))
        kind = {EntityKind.FAMILY_FARM: "家庭农场", EntityKind.FARMERS_COOPERATIVE: "农民合作社"}.get(
            p.kind, "农业产业化龙头企业")
        level = "市级" if p.latent > 1.0 else ("区县级" if p.latent > 0 else "未评级")
        self.add("agri_entity", p, {"kind": kind, "level": level, "recognised_date": recognised.isoformat(),
                                    "main_product": main, "land_area": f"{area}.0"}, recognised)
        for year in range(self.today.year - HISTORY_YEARS + 1, self.today.year + 1):
            paid = date(year, 6, rng.randint(10, 28))
            if paid <= self.today and p.registered < paid:
                self.add("agri_subsidy", p, {"year": str(year), "subsidy": "耕地地力保护补贴",
                                             "amount": yuan(area * 10_500), "paid_date": paid.isoformat()}, paid)
            start = date(year, 3, 1)
            if start <= self.today and p.registered < start and rng.random() < 0.6 + 0.15 * p.latent:
                values = {"policy_no": f"PZAA{year}500108{rng.randrange(10**6):06d}",
                          "insured_object": product.get(main, "蔬菜种植保险"),
                          "sum_insured": yuan(area * 150_000), "start_date": start.isoformat()}
                if rng.random() < 0.2:
                    values["claims_paid"] = yuan(area * rng.randint(5_000, 40_000))
                self.add("agri_insurance", p, values, start)

    def public_resources(self, p: Profile) -> None:
        rng = self.rng
        if p.kind != EntityKind.ENTERPRISE or p.industry_code not in ("E50", "I65", "L72", "O80", "F51", "M75", "C21"):
            return
        if rng.random() > 0.2 + 0.08 * p.latent:
            return
        for _ in range(rng.randint(1, 3)):
            signed = self.day_between(self.window_start(p), self.today - timedelta(days=10))
            amount = rng.choice([8, 15, 30, 60, 120, 250]) * 10_000 * 100
            recent = (self.today - signed).days < 180
            performance = ("履约不合格" if p.latent < -0.8 and rng.random() < 0.5 else
                           "履约中" if recent else rng.choice(["履约良好", "履约合格"]))
            project = rng.choice(["办公楼维修改造工程", "社区便民服务设施建设", "政务信息系统运维服务",
                                  "学校食堂设备采购", "道路绿化养护服务"])
            self.add("government_procurement", p, {
                "contract_no": f"NA-CG-{signed.year}-{self.next_serial():05d}", "project": project,
                "amount": yuan(amount), "contract_date": signed.isoformat(), "performance": performance}, signed)
            award = max(signed - timedelta(days=rng.randint(7, 30)), p.registered)
            self.add("bidding", p, {
                "project_no": f"NAGG{award.year}{self.next_serial():05d}", "project": project, "amount": yuan(amount),
                "award_date": award.isoformat(),
                "bad_behaviour": "是" if p.latent < -1.0 and rng.random() < 0.4 else "否"}, award)


def plan_rows(profiles: list[Profile], *, rng: random.Random, today: date, district: District = NAN_AN) -> list[Row]:
    """Every department's rows on the demo entities, in delivery order (pure: no database)."""
    planner = _Planner(rng, today, district)
    # A few traders and a few high-tech firms, however small the demo, so that every category has records.
    firms = [p for p in profiles if p.kind == EntityKind.ENTERPRISE]
    traders = [p for p in firms if p.industry_code in TRADER_TRADES]
    planner.traders = {p.enterprise_id for p in rng.sample(traders, min(len(traders), max(2, len(traders) // 12)))}
    tech = sorted((p for p in firms if p.industry_code in TECH_TRADES), key=lambda p: -p.latent)
    planner.high_tech = {p.enterprise_id for i, p in enumerate(tech) if i == 0 or (p.latent > 0 and rng.random() < 0.4)}
    for profile in profiles:
        planner.entity(profile)
    return sorted(planner.rows, key=lambda r: r.delivered)


def _batches(rows: list[Row]) -> Iterator[tuple[str, date, list[Row]]]:
    grouped: dict[tuple[date, str], list[Row]] = defaultdict(list)
    for row in rows:
        grouped[(row.delivered, row.item)].append(row)
    for (delivered, item), batch in sorted(grouped.items()):
        yield item, delivered, batch


def store_rows(session: Session, *, rows: list[Row], deliveries: dict[str, Delivery], platform: Delivery,
               rng: random.Random) -> StoredRecords:
    """Deliver the rows as the departments would have: one committed import batch per sub-category and day,
    national sub-categories relayed by the platform; each row parsed under the catalogue like an upload."""
    items = {item.code: item for item in creditdata_service.list_items(session)}
    result = StoredRecords()
    now = clock.now()
    # One parser per sub-category for the whole run (it remembers texts it has parsed: codes, dates, choices);
    # every planned date is on or before its delivery day, so parsing as of today refuses nothing it should not.
    parsers = {code: creditdata_service.parser_for(item, today=clock.today()) for code, item in items.items()}
    for code, delivered, batch_rows in _batches(rows):
        item = items[code]
        channel = (Channel.NATIONAL if code in NATIONAL_ITEMS else
                   Channel.API_PUSH if item.source_department in API_DEPARTMENTS else Channel.BULK_IMPORT)
        who = platform if channel is Channel.NATIONAL else deliveries[item.source_department]
        at = min(datetime.combine(delivered, datetime.min.time(), BUSINESS_TZ)
                 + timedelta(hours=9, minutes=rng.randint(0, 480)), now)
        parser = parsers[code]
        labels = {spec.name: spec.label for spec in creditdata_service.field_specs(item)}
        delivered_rows = []
        for number, row in enumerate(batch_rows, start=2):  # row 1 of the file is its header
            parsed = parser.parse(row.values)
            if isinstance(parsed, list):  # the plan only writes valid rows; a failure is a bug in the plan
                raise AssertionError(f"demo row of {code} does not parse: {parsed}")
            original = {labels[name]: text for name, text in row.values.items()}
            delivered_rows.append(creditdata_service.Delivered(row.enterprise_id, parsed, number, original))
        digest = hashlib.sha256(repr([r.values for r in batch_rows]).encode()).hexdigest()
        batch = ImportBatch(
            catalogue_item_id=item.id, source_department=item.source_department,
            organisation_id=who.organisation_id, user_id=who.user_id if channel is not Channel.API_PUSH else None,
            api_client_id=who.api_client_id if channel is Channel.API_PUSH else None, channel=channel.value,
            file_name=(f"{item.name}_{delivered:%Y%m%d}.{'xlsx' if item.source_department == 'tax' else 'csv'}"
                       if channel is not Channel.API_PUSH else None),
            content_sha256=digest if channel is not Channel.API_PUSH else None,
            encoding=("GB18030" if item.source_department in ("tax", "hrss") else "UTF-8")
            if channel is not Channel.API_PUSH else None,
            idempotency_key=f"{code}-{delivered:%Y%m%d}" if channel is Channel.API_PUSH else None,
            status=BatchStatus.RUNNING.value, rows_total=len(batch_rows), started_at=at,
        )
        session.add(batch)
        session.flush()
        with clock.use(FixedClock(at)):
            stored = creditdata_service.store(session, item=item, rows=delivered_rows, channel=channel,
                                              batch_id=batch.id)
        batch.status = BatchStatus.COMMITTED.value
        batch.rows_stored, batch.rows_duplicate = stored.stored, stored.duplicate
        batch.finished_at = at + timedelta(seconds=1 + len(batch_rows) // 500)
        result.by_item[code] = result.by_item.get(code, 0) + stored.stored
        result.duplicates += stored.duplicate
        result.batches += 1
    session.flush()
    return result
