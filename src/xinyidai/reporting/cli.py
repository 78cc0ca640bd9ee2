"""`xinyidai reporting ...`: the monthly report (月报) of any past month, and the figures of a period."""

from __future__ import annotations

from typing import Annotated

import typer

from xinyidai.cli_support import bilingual, command_group, console

app = command_group("统计与月报", "Statistics and monthly reports")


@app.command("monthly-report", help=bilingual("生成或重新生成某个过去月份的月报（按该月末数据）",
                                              "(Re)generate the monthly report of a past month, as of its end"))
def monthly_report(month: Annotated[str, typer.Argument(help=bilingual("月份，如 2026-10", "Month, YYYY-MM"))],
                   ) -> None:
    """Generate a month's report and print its checksum."""
    from xinyidai import db
    from xinyidai.audit import service as audit_service
    from xinyidai.errors import DomainError
    from xinyidai.reporting import definitions
    from xinyidai.reporting import service as reporting_service

    try:
        definitions.month_period(month)
    except definitions.BadMonth:
        console.print(f"[red]月份须写成 YYYY-MM（如 2026-10）：{month}[/red]")
        raise typer.Exit(2) from None
    try:
        with db.transaction() as session:
            report = reporting_service.generate_monthly_report(
                session, month=month, actor=audit_service.Actor.cli("reporting monthly-report"))
            checksum, generations = report.figures_sha256, report.generations
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"{month} 月报已生成（第 {generations} 次），数据校验值 {checksum}")
