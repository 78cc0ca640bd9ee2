"""`xinyidai demo ...`: the synthetic demo district (the wiring subscribes the domain events before it runs)."""

from __future__ import annotations

import typer
from rich.table import Table

from xinyidai.cli_support import bilingual, command_group, console, fail

app = command_group("合成的演示辖区", "The synthetic demo district")


@app.command("generate", help=bilingual("在已迁移的空数据库中生成合成辖区，并为每个角色打印一个登录账号",
                                        "Build a synthetic district into an empty, migrated database and print "
                                        "one login per role"))
def generate(
    enterprises: int = typer.Option(1000, min=2, help=bilingual("市场主体数量", "How many market entities")),
    seed: int = typer.Option(2026, help=bilingual("随机种子：同一种子生成同一辖区",
                                                  "Random seed: the same seed gives the same district")),
) -> None:
    """Generate the demo district and print its summary and logins."""
    from xinyidai import db
    from xinyidai.demo import generator

    with console.status(f"generating {enterprises} market entities…"), db.transaction() as session:
        try:
            summary = generator.generate(session, enterprises=enterprises, seed=seed)
        except ValueError as exc:
            fail(str(exc), code=1)
    console.print(f"[green]demo district ready[/green]: {summary.enterprises} market entities, "
                  f"{summary.organisations} organisations, {summary.orders} orders, "
                  f"{summary.records} credit records in {summary.import_batches} deliveries")
    console.print(summary.champion.note)
    table = Table(title=f"Demo logins (password for all: {generator.DEMO_PASSWORD})")
    for column in ("role", "username", "organisation", "note"):
        table.add_column(column)
    for login in summary.logins:
        table.add_row(login.role, login.username, login.organisation, login.note)
    console.print(table)
