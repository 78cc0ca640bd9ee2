"""The borrower's cost calculator (借款试算) and the 重信贷 cost example of the source report.

Pure: it builds a schedule with `schedule.build` and sums what the borrower pays. The interest
figures are the schedule's own (per-period rounded interest, what is actually paid); for an
equal-installment loan the quote also carries the headline total interest that published
calculators print (unrounded payment × n − principal, rounded once), which differs by a few fen to
a few yuan — see `xinyidai.loans.schedule`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xinyidai.loans.schedule import Schedule, build, headline_total_interest_fen
from xinyidai.money import format_yuan
from xinyidai.products.enums import RepaymentMethod

# 重信贷 as the source report describes it: 3.5%–8% a year, guarantee fee 1.2% a year.
CHONGXINDAI_RATE_FLOOR = Decimal("0.035")
CHONGXINDAI_RATE_CEILING = Decimal("0.08")
CHONGXINDAI_GUARANTEE_FEE_RATE = Decimal("0.012")
# The report: "贷款1万元时间1个月,总融资成本约为39—67元".
EXAMPLE_PRINCIPAL_FEN = 1_000_000
EXAMPLE_MONTHS = 1
_EXAMPLE_START = date(2026, 1, 1)  # any date: one monthly period costs the same whatever the month


@dataclass(frozen=True, slots=True)
class Quote:
    """What a loan costs the borrower; amounts in fen."""

    schedule: Schedule
    method: RepaymentMethod
    total_interest_fen: int
    total_guarantee_fee_fen: int
    total_cost_fen: int
    headline_total_interest_fen: int | None  # published calculators' 利息总额; equal_installment only

    @property
    def payment_fen(self) -> int:
        """The first installment's principal + interest (the 月供 of an equal-installment loan)."""
        return self.schedule.payment_fen

    @property
    def first_installment_fen(self) -> int:
        """Everything due on the first due date, guarantee fee included."""
        return self.schedule.installments[0].total_fen


def quote(
    *,
    principal_fen: int,
    annual_rate: Decimal,
    months: int,
    method: RepaymentMethod,
    guarantee_fee_rate: Decimal = Decimal(0),
    start_date: date,
) -> Quote:
    """The schedule of a prospective loan and its total interest, guarantee fee and cost."""
    schedule = build(
        principal_fen=principal_fen,
        annual_rate=annual_rate,
        months=months,
        method=method,
        start_date=start_date,
        guarantee_fee_rate=guarantee_fee_rate,
    )
    headline = (
        headline_total_interest_fen(principal_fen=principal_fen, annual_rate=annual_rate, months=months)
        if RepaymentMethod(method) is RepaymentMethod.EQUAL_INSTALLMENT
        else None
    )
    interest = schedule.total_interest_fen
    fee = schedule.total_guarantee_fee_fen
    return Quote(
        schedule=schedule,
        method=RepaymentMethod(method),
        total_interest_fen=interest,
        total_guarantee_fee_fen=fee,
        total_cost_fen=interest + fee,
        headline_total_interest_fen=headline,
    )


@dataclass(frozen=True, slots=True)
class CostCase:
    """One case of the 1万元 / 1个月 example: a rate, with or without the guarantee fee."""

    annual_rate: Decimal
    guarantee_fee_rate: Decimal
    interest_fen: int
    guarantee_fee_fen: int
    total_cost_fen: int


def chongxindai_cost_cases() -> tuple[CostCase, ...]:
    """10,000 yuan for one month at 3.5% and 8%, each without and with the 1.2% guarantee fee."""
    cases: list[CostCase] = []
    for rate in (CHONGXINDAI_RATE_FLOOR, CHONGXINDAI_RATE_CEILING):
        for fee_rate in (Decimal(0), CHONGXINDAI_GUARANTEE_FEE_RATE):
            q = quote(
                principal_fen=EXAMPLE_PRINCIPAL_FEN,
                annual_rate=rate,
                months=EXAMPLE_MONTHS,
                method=RepaymentMethod.INTEREST_FIRST,  # one period: all three methods coincide
                guarantee_fee_rate=fee_rate,
                start_date=_EXAMPLE_START,
            )
            cases.append(CostCase(rate, fee_rate, q.total_interest_fen, q.total_guarantee_fee_fen, q.total_cost_fen))
    return tuple(cases)


def _percent(rate: Decimal) -> str:
    """Decimal('0.080') -> '8%', Decimal('0.035') -> '3.5%' (as the report writes rates)."""
    return f"{(rate * 100).normalize():f}%"


# The sentences of `explain_chongxindai_cost` in each language; the figures are filled in from the computed cases.
_COST_WORDS = {
    "zh": {
        "intro": "借款1万元、期限1个月，按月利率 = 年化利率 ÷ 12 计息，四舍五入到分"
                 "（一期还清时先息后本、等额本金、等额本息结果相同；按日计息 30 天 ÷ 360 也是同样结果）：",
        "with_fee": "年化利率{rate}，另收{fee}担保费：利息{interest}元 + 担保费{fee_amount}元 = {total}元",
        "bare": "年化利率{rate}，不计担保费：利息{interest}元，合计{total}元",
        "match": "报道所说“约39—67元”的低端与利率3.5%并计入1.2%担保费的{low_fee}元相符，"
                 "高端则与利率8%但不计担保费的{high_bare}元相符。",
        "so": "也就是说，高端似乎只按利率计算而漏算了担保费，或者8%的上限本身就是含担保费的综合年化成本；"
              "若8%的利率另加1.2%担保费，1个月的总成本应为{high_fee}元。",
    },
    "en": {
        "intro": "10,000 yuan borrowed for 1 month, interest at the monthly rate = annual rate ÷ 12, rounded to the "
                 "fen (repaid in one period, interest first, equal principal and equal installments give the same "
                 "result; so does daily interest for 30 days ÷ 360):",
        "with_fee": "Annual rate {rate} plus a {fee} guarantee fee: interest {interest} yuan + guarantee fee "
                    "{fee_amount} yuan = {total} yuan",
        "bare": "Annual rate {rate}, no guarantee fee: interest {interest} yuan, {total} yuan in all",
        "match": "The low end of the reported “about 39–67 yuan” matches the {low_fee} yuan at 3.5% with the 1.2% "
                 "guarantee fee; the high end matches the {high_bare} yuan at 8% without the guarantee fee.",
        "so": "So the high end seems to count the rate alone and leave out the guarantee fee, or the 8% ceiling is "
              "itself the all-in annual cost including the fee; at 8% plus a 1.2% guarantee fee, 1 month would cost "
              "{high_fee} yuan in all.",
    },
}


def explain_chongxindai_cost(lang: str = "zh") -> list[str]:
    """Sentences reconciling the report's "约39—67元" with the computed costs: in Chinese, or in English (`lang`
    "en", the portal's English mode)."""
    words = _COST_WORDS["en" if lang == "en" else "zh"]
    low_bare, low_fee, high_bare, high_fee = chongxindai_cost_cases()

    def line(case: CostCase) -> str:
        fee = _percent(case.guarantee_fee_rate) if case.guarantee_fee_rate else ""
        return words["with_fee" if case.guarantee_fee_rate else "bare"].format(
            rate=_percent(case.annual_rate), fee=fee, interest=format_yuan(case.interest_fen),
            fee_amount=format_yuan(case.guarantee_fee_fen), total=format_yuan(case.total_cost_fen))

    return [
        words["intro"],
        *(line(case) for case in (low_bare, low_fee, high_bare, high_fee)),
        words["match"].format(low_fee=format_yuan(low_fee.total_cost_fen),
                              high_bare=format_yuan(high_bare.total_cost_fen)),
        words["so"].format(high_fee=format_yuan(high_fee.total_cost_fen)),
    ]
