"""`xinyidai demo ...`: the synthetic demo district (the wiring subscribes the domain events before it runs)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from xinyidai.cli_support import bilingual, command_group, console, fail

if TYPE_CHECKING:
    from xinyidai.demo.generator import DemoLogin

app = command_group("合成的演示辖区", "The synthetic demo district")


@app.command("generate", help=bilingual("在已迁移的空数据库中生成合成辖区，并为每个角色打印一个登录账号",
                                        "Build a synthetic district into an empty, migrated database and print "
                                        "one login per role"))
def generate(
    enterprises: int = typer.Option(1000, min=2, help=bilingual("市场主体数量", "How many market entities")),
    seed: int = typer.Option(2026, help=bilingual("随机种子：同一种子生成同一辖区",
                                                  "Random seed: the same seed gives the same district")),
    district: str = typer.Option("500108", help=bilingual("区县代码：500108 南岸区，500112 渝北区",
                                                          "Division code: 500108 Nan'an, 500112 Yubei")),
) -> None:
    """Generate the demo district and print its summary and logins."""
    from xinyidai import db
    from xinyidai.demo import generator
    from xinyidai.demo.districts import DISTRICTS

    if district not in DISTRICTS:
        fail(f"unknown district {district}: one of {', '.join(DISTRICTS)}", code=2)

    with console.status(f"generating {enterprises} market entities…"), db.transaction() as session:
        try:
            summary = generator.generate(session, enterprises=enterprises, seed=seed,
                                         district=DISTRICTS[district])
        except ValueError as exc:
            fail(str(exc), code=1)
    console.print(f"[green]demo district ready[/green]: {summary.enterprises} market entities, "
                  f"{summary.organisations} organisations, {summary.orders} orders, "
                  f"{summary.records} credit records in {summary.import_batches} deliveries")
    console.print(summary.champion.note)
    print_logins(console, summary.logins, password=generator.DEMO_PASSWORD)


def print_logins(out: Console, logins: Iterable[DemoLogin], *, password: str) -> None:
    """One login per block, each value on a line of its own: a table's cells would be cut with … in an 80-column
    terminal (Chinese names are two columns wide), and a cut username cannot be typed."""
    out.print(f"[bold]Demo logins[/bold] (password for all: {escape(password)})", highlight=False)
    for login in logins:
        out.print("")
        out.print(f"[bold]{escape(login.role)}[/bold]", highlight=False)
        out.print(f"  username      {escape(login.username)}", highlight=False)
        out.print(f"  organisation  {escape(login.organisation)}", highlight=False)
        if login.note:
            out.print(f"  note          {escape(login.note)}", highlight=False)
