"""The statistics' rules (统计口径), pure: periods, ratios, the timeliness of sharing and the catalogue of figures.

Each figure of the dashboard and the monthly report is defined once, in `FIGURES` (its name, unit, definition,
source and as-of rule); `figures.py` computes it with the query its definition names, and docs/statistics.md
lists the same definitions (a test keeps the two together). A figure of a period is read "as of" the period's
end: only records that existed (were recorded on the platform) before the end of its last day count, so the
same period read again later gives the same answer.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from xinyidai.clock import BUSINESS_TZ

MONTH_PATTERN = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")  # a month a person may ask for
# A month the platform works out from one asked for (the one before, a trend's months): any year, since the months
# before 2000-01 are 1999's.
_DERIVED_MONTH = re.compile(r"^([1-9][0-9]{3})-(0[1-9]|1[0-2])$")
RATIO_PLACES = Decimal("0.0001")
RATE_PLACES = Decimal("0.000001")
DAYS_PLACES = Decimal("0.1")


class BadMonth(ValueError):
    """Text that is not a month written YYYY-MM."""


@dataclass(frozen=True, slots=True)
class Period:
    """The days [first_day, last_day] in business time (Asia/Shanghai); `since`/`until` are its instants."""

    first_day: date
    last_day: date

    @property
    def since(self) -> datetime:
        """The instant the period starts: midnight of its first day in business time."""
        return datetime.combine(self.first_day, time(0), BUSINESS_TZ)

    @property
    def until(self) -> datetime:
        """The instant the period ends (exclusive): midnight after its last day — what "as of" reads up to."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), BUSINESS_TZ)

    @property
    def month(self) -> str:
        """The period's month as YYYY-MM (of its first day)."""
        return f"{self.first_day.year:04d}-{self.first_day.month:02d}"


def month_period(month: str) -> Period:
    """The calendar month `YYYY-MM` a person asked for (of 2000 to 2099) as a period; BadMonth otherwise."""
    if not MONTH_PATTERN.match(month or ""):
        raise BadMonth(month)
    return derived_period(month)


def derived_period(month: str) -> Period:
    """A month worked out from one asked for (`previous_month`, `months_back`) as a period, whatever its year: the
    figures of 2000-01 compare with 1999-12's. BadMonth if it is not a month at all."""
    match = _DERIVED_MONTH.match(month or "")
    if not match:
        raise BadMonth(month)
    year, number = int(match.group(1)), int(match.group(2))
    return Period(date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1]))


def month_of(day: date) -> str:
    """The month `day` falls in, as YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(day: date) -> str:
    """The month before the one `day` falls in, as YYYY-MM."""
    first = day.replace(day=1) - timedelta(days=1)
    return month_of(first)


def months_back(month: str, count: int) -> list[str]:
    """`count` months ending with `month`, oldest first."""
    period = month_period(month)
    out = [month]
    day = period.first_day
    while len(out) < count:
        day = day.replace(day=1) - timedelta(days=1)
        out.append(month_of(day))
    return list(reversed(out))


def ratio(part: int, whole: int) -> Decimal | None:
    """part / whole to four places (half up); None when the whole is nothing (no ratio, not zero)."""
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def average_days(total_seconds: int, count: int) -> Decimal | None:
    """The mean of `count` durations summing to `total_seconds`, in days to one place; None when none."""
    if count <= 0:
        return None
    return (Decimal(total_seconds) / Decimal(86400 * count)).quantize(DAYS_PLACES, rounding=ROUND_HALF_UP)


# How recent a sub-category's last delivery must be, by its update cycle, for the department to be on time
# (a cycle's length, with no grace: a monthly item delivered 40 days ago is late). An item updated "on change"
# is on time once delivered at all.
TIMELINESS_DAYS: dict[str, int | None] = {
    "real_time": 1, "daily": 1, "monthly": 31, "quarterly": 92, "yearly": 366, "on_change": None,
}


def delivered_on_time(update_cycle: str, last_received_at: datetime | None, until: datetime) -> bool:
    """Whether a sub-category's last delivery before `until` falls within its update cycle before `until`."""
    if last_received_at is None:
        return False
    window = TIMELINESS_DAYS.get(update_cycle)
    return window is None or last_received_at >= until - timedelta(days=window)


# Credit loans (信用贷款): lending without collateral or a guarantor: the products of these kinds.
CREDIT_PRODUCT_KINDS = ("pure_credit", "tax_based")
# Institutions (金融机构) counted on the platform.
INSTITUTION_KINDS = ("bank", "guarantee_company", "credit_agency")


@dataclass(frozen=True, slots=True)
class Figure:
    """One statistic: its code, 中文 name, unit, definition (统计口径), source and as-of rule."""

    code: str
    name: str
    unit: str
    definition: str
    source: str
    as_of: str


STOCK = "截至统计期末日24时（北京时间）平台已记录的数据"
FLOW = "统计期内（按北京时间的日期）发生且在期末日24时前已记录的数据"

FIGURES: tuple[Figure, ...] = (
    Figure("registered_firms", "注册企业数", "户",
           "在平台完成实名注册（建立市场主体机构账户）的市场主体数，累计",
           "identity：机构（类型为市场主体）的创建时间", STOCK),
    Figure("registered_firms_new", "新增注册企业数", "户",
           "统计期内在平台完成实名注册的市场主体数",
           "identity：机构（类型为市场主体）的创建时间", FLOW),
    Figure("registered_institutions", "入驻金融机构数", "家",
           "已入驻平台的银行、担保公司和信用服务机构数，累计",
           "identity：机构（银行、担保公司、信用服务机构）的创建时间", STOCK),
    Figure("local_entities", "本地市场主体数", "户",
           "登记库中本地（非其他节点登记）的市场主体数",
           "registry：市场主体的入库时间", STOCK),
    Figure("registration_share", "注册覆盖率", "比例",
           "注册企业数 ÷ 本地市场主体数（目标：20%）",
           "由上两项计算", STOCK),
    Figure("sharing_items", "应归集目录项数", "项",
           "信用信息目录中启用的子类数",
           "creditdata：信用信息目录", "当前目录"),
    Figure("sharing_coverage", "归集覆盖率", "比例",
           "启用的目录子类中，期末前平台至少收到过一条记录的子类所占比例",
           "creditdata：信用记录的接收时间", STOCK),
    Figure("sharing_timeliness", "归集及时率", "比例",
           "启用的目录子类中，最近一次报送距期末不超过其更新周期（实时/每日1天、每月31天、每季92天、每年366天；变更即报以报送过为准）的子类所占比例",
           "creditdata：信用记录的接收时间、目录的更新周期", STOCK),
    Figure("sharing_error_rate", "归集差错率", "比例",
           "统计期内导入批次中被校验拒收的行数 ÷ 导入的总行数（入库、重复、拒收之和）",
           "creditdata：导入批次", FLOW),
    Figure("records_received", "新归集信用记录数", "条",
           "统计期内平台收到的信用记录条数",
           "creditdata：信用记录的接收时间", FLOW),
    Figure("products_on_sale", "金融产品数", "个",
           "期末前已上架过的金融产品数（其后下架的仍计入）",
           "products：产品的上架时间", STOCK),
    Figure("orders_submitted", "融资申请笔数", "笔",
           "统计期内提交的新增融资申请（不含续贷、延期申请）笔数",
           "orders：申请的提交时间", FLOW),
    Figure("amount_requested", "申请金额", "元",
           "统计期内提交的新增融资申请的申请金额之和",
           "orders：申请金额", FLOW),
    Figure("orders_decided", "已决策申请笔数", "笔",
           "统计期内银行首次作出决定（批准、提供方案或拒绝）的新增融资申请笔数",
           "orders：订单状态变更记录", FLOW),
    Figure("orders_passed", "获批笔数", "笔",
           "上项中银行首次决定为批准或提供方案的笔数",
           "orders：订单状态变更记录", FLOW),
    Figure("pass_rate", "通过率", "比例",
           "获批笔数 ÷ 已决策申请笔数",
           "由上两项计算", FLOW),
    Figure("amount_approved", "授信金额", "元",
           "统计期内获批申请的批准额度之和",
           "orders：批准额度", FLOW),
    Figure("loans_count", "放款笔数", "笔",
           "起息日在统计期内的用信（放款）笔数",
           "loans：用信的起息日", FLOW),
    Figure("amount_disbursed", "放款金额", "元",
           "起息日在统计期内的用信本金之和",
           "loans：用信本金", FLOW),
    Figure("firms_financed", "获贷企业数", "户",
           "起息日在统计期内有用信的企业数（去重）",
           "loans：用信", FLOW),
    Figure("average_rate", "平均利率", "年利率",
           "统计期内用信的年利率按本金加权的平均值",
           "loans：用信的年利率与本金", FLOW),
    Figure("credit_loans_amount", "信用贷款放款金额", "元",
           "统计期内纯信用类、税易贷类产品项下的用信本金之和",
           "loans：用信；products：产品类型", FLOW),
    Figure("credit_loans_share", "信用贷款占比（平台内）", "比例",
           "信用贷款放款金额 ÷ 放款金额（对照30%目标的比重见下一项，以银行报送的全部新增小微企业贷款为分母）",
           "由上两项计算", FLOW),
    Figure("sme_loans_reported", "上月银行报送新增小微企业贷款", "元",
           "各银行报送的上月全部新增小微企业贷款（不限于平台业务）之和；同一银行同一月份以期末前最后一次报送为准",
           "reporting：银行报送记录的登记时间", STOCK),
    Figure("credit_share_of_sme_loans", "信用贷款占新增小微企业贷款比重（上月）", "比例",
           "上月报送银行在平台发放的信用贷款（纯信用类、税易贷类产品项下用信本金）"
           "÷ 这些银行报送的上月新增小微企业贷款（目标：30%）",
           "loans、products；reporting：银行报送记录", STOCK),
    Figure("first_loan_firms", "首贷户数", "户",
           "平台记录的首笔用信起息日在统计期内的企业数",
           "loans：企业最早一笔用信的起息日", FLOW),
    Figure("first_loan_amount", "首贷金额", "元",
           "首贷户首笔用信当日的用信本金之和",
           "loans：用信本金", FLOW),
    Figure("firms_financed_total", "累计获贷企业数", "户",
           "期末前有过用信的企业数（去重，目标：2025年底5万户）",
           "loans：用信", STOCK),
    Figure("amount_financed_total", "累计放款金额", "元",
           "期末前全部用信本金之和（目标：2025年底200亿元）",
           "loans：用信本金", STOCK),
    Figure("defaults_count", "违约笔数", "笔",
           "统计期内日终处理判定违约的用信笔数",
           "loans：违约事件（事件日志）", FLOW),
    Figure("defaults_amount", "违约时欠款", "元",
           "上项用信在判定违约时的欠款之和",
           "loans：违约事件", FLOW),
    Figure("compensations_count", "代偿笔数", "笔",
           "业务日期在统计期内的代偿所涉用信笔数",
           "guarantee：代偿记录", FLOW),
    Figure("compensations_amount", "代偿金额", "元",
           "业务日期在统计期内的代偿金额之和",
           "guarantee：代偿记录", FLOW),
    Figure("recoveries_count", "追偿笔数", "笔",
           "业务日期在统计期内登记的追偿笔数",
           "guarantee：追偿记录", FLOW),
    Figure("recoveries_amount", "追偿金额", "元",
           "业务日期在统计期内的追偿金额之和",
           "guarantee：追偿记录", FLOW),
    Figure("objections_filed", "异议申请数", "件",
           "统计期内提交的异议申请件数",
           "rights：异议的提交时间", FLOW),
    Figure("objections_closed", "异议办结数", "件",
           "统计期内答复的异议件数",
           "rights：异议的答复时间", FLOW),
    Figure("objection_days", "异议平均办理天数", "天",
           "统计期内办结的异议从提交到答复的平均时长（自然日，保留一位小数）",
           "rights：异议", FLOW),
    Figure("objections_overdue", "超期未办结异议数", "件",
           "期末仍未答复且答复期限已过的异议件数",
           "rights：异议", STOCK),
    Figure("repairs_filed", "信用修复申请数", "件",
           "统计期内提交的信用修复申请件数",
           "rights：修复申请的提交时间", FLOW),
    Figure("repairs_closed", "信用修复办结数", "件",
           "统计期内作出决定的信用修复申请件数",
           "rights：修复申请的决定时间", FLOW),
    Figure("repair_days", "修复平均办理天数", "天",
           "统计期内办结的修复申请从提交到决定的平均时长（自然日，保留一位小数）",
           "rights：修复申请", FLOW),
    Figure("repairs_overdue", "超期未办结修复数", "件",
           "期末仍未决定且审核期限已过的修复申请件数",
           "rights：修复申请", STOCK),
    Figure("late_orders", "超期未办结融资申请数", "笔",
           "期末仍未办结（未批准、未拒绝、未撤回）且办理期限（10个工作日）已过的新增融资申请笔数，分银行列示",
           "orders：订单与状态变更记录", STOCK),
)
FIGURES_BY_CODE = {f.code: f for f in FIGURES}
RATIO_FIGURES = frozenset(f.code for f in FIGURES if f.unit == "比例")
MONEY_FIGURES = frozenset(f.code for f in FIGURES if f.unit == "元")
