"""`xinyidai calc`: the loan calculator, a top-level command (its group is merged into `xinyidai`)."""

from __future__ import annotations

import typer
from rich.table import Table

from xinyidai.cli_support import CONTEXTS_PANEL, bilingual, console, fail

app = typer.Typer()


@app.command("calc", rich_help_panel=CONTEXTS_PANEL,
             help=bilingual("借款试算：还款计划与融资总成本", "The repayment schedule and total cost of a loan"))
def calc(
    principal: str = typer.Option("10000", help=bilingual("本金（元）", "Principal in yuan, e.g. 10000")),
    annual_rate: str = typer.Option("3.5", "--annual-rate",
                                    help=bilingual("年利率（%）", "Annual rate in percent, e.g. 3.5")),
    months: int = typer.Option(1, min=1, max=360, help=bilingual("期限（月）", "Term in months")),
    method: str = typer.Option("equal-installment", help=bilingual("还款方式", "equal-installment | "
                                                                               "equal-principal | interest-first")),
    guarantee_fee_rate: str = typer.Option("0", "--guarantee-fee-rate",
                                           help=bilingual("担保费率（%/年）", "Guarantee fee, percent a year")),
    as_json: bool = typer.Option(False, "--json", help=bilingual("输出 JSON", "Print JSON instead of a table")),
    explain: bool = typer.Option(False, "--explain-chongxindai",
                                 help=bilingual("解释报道中的成本", "Explain the report's 39–67 yuan")),
) -> None:
    """Print a loan's repayment schedule and total cost, as a table or as JSON."""
    import json
    from datetime import date

    from xinyidai import clock
    from xinyidai.loans import calculator
    from xinyidai.loans.schedule import ScheduleError
    from xinyidai.money import InvalidAmount, InvalidRate, format_yuan, parse_percent, parse_yuan
    from xinyidai.products.enums import REPAYMENT_METHOD_LABELS, RepaymentMethod

    try:
        repayment_method = RepaymentMethod(method.replace("-", "_"))
        result = calculator.quote(
            principal_fen=parse_yuan(principal), annual_rate=parse_percent(annual_rate), months=months,
            method=repayment_method, guarantee_fee_rate=parse_percent(guarantee_fee_rate),
            start_date=clock.today(),
        )
    except (ValueError, InvalidAmount, InvalidRate, ScheduleError) as exc:
        fail(str(exc))

    if explain:
        for sentence in calculator.explain_chongxindai_cost():
            console.print(sentence)
        return
    if as_json:
        def plain(value: object) -> object:
            return value.isoformat() if isinstance(value, date) else value

        print(json.dumps({
            "method": repayment_method.value,
            "total_interest_fen": result.total_interest_fen,
            "total_guarantee_fee_fen": result.total_guarantee_fee_fen,
            "total_cost_fen": result.total_cost_fen,
            "headline_total_interest_fen": result.headline_total_interest_fen,
            "installments": [
                {"number": i.number, "due_date": plain(i.due_date), "principal_fen": i.principal_fen,
                 "interest_fen": i.interest_fen, "guarantee_fee_fen": i.guarantee_fee_fen, "total_fen": i.total_fen}
                for i in result.schedule.installments
            ],
        }, ensure_ascii=False))
        return
    table = Table(title=f"{REPAYMENT_METHOD_LABELS[repayment_method]} · {months} 期")
    for column in ("期数", "还款日", "本金", "利息", "担保费", "合计", "剩余本金"):
        table.add_column(column, justify="right")
    for i in result.schedule.installments:
        table.add_row(str(i.number), i.due_date.isoformat(), format_yuan(i.principal_fen), format_yuan(i.interest_fen),
                      format_yuan(i.guarantee_fee_fen), format_yuan(i.total_fen), format_yuan(i.closing_principal_fen))
    console.print(table)
    console.print(f"利息合计 {format_yuan(result.total_interest_fen)} 元，"
                  f"担保费合计 {format_yuan(result.total_guarantee_fee_fen)} 元，"
                  f"融资总成本 {format_yuan(result.total_cost_fen)} 元")
    if result.headline_total_interest_fen is not None:
        console.print(f"（按未取整月供计算的利息总额 {format_yuan(result.headline_total_interest_fen)} 元，"
                      "即银行计算器通常公布的数字）")


@app.command("end-of-day", rich_help_panel=CONTEXTS_PANEL,
             help=bilingual("日终处理：到期转逾期、计息、五级分类、违约（补跑未完成的日期）",
                            "End of day: due transfer, accrual, classification, default (every date not yet run)"))
def end_of_day(
    through: str = typer.Option("", help=bilingual("执行至该日期（默认今日）", "Run up to this date, e.g. 2026-12-31 "
                                                                            "(default today)")),
) -> None:
    """Run end of day for every date not yet done; a date another caller is running is refused, not failed."""
    from datetime import date

    from xinyidai import clock
    from xinyidai.audit.actor import Actor
    from xinyidai.cli_support import transaction
    from xinyidai.loans import eod

    try:
        last = date.fromisoformat(through) if through else clock.today()
    except ValueError:
        fail(f"日期格式应为 YYYY-MM-DD：{through}")
    with transaction() as session:
        runs = eod.catch_up(session, through=last, actor=Actor.cli("end-of-day"))
        summary = [(r.business_date, r.drawdowns_accrued, r.entries_made, r.defaults_triggered) for r in runs]
    if not summary:
        console.print(f"日终处理已完成至 {last}，无需执行")
    for business_date, accrued, entries, defaults in summary:
        console.print(f"{business_date}：计息 {accrued} 笔，分录 {entries} 笔，违约 {defaults} 笔")
