"""`xinyidai demo ...`: the synthetic demo district (the wiring subscribes the domain events before it runs)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
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
    report = _last_months_report()
    console.print(f"[green]demo district ready[/green]: {summary.enterprises} market entities, "
                  f"{summary.organisations} organisations, {summary.products} products, {summary.orders} orders, "
                  f"{summary.records} credit records in {summary.import_batches} deliveries")
    console.print(summary.champion.note)
    if summary.champion.version_id is not None:
        # The district scored by its champion as of yesterday, as the nightly run would have: the policy simulator
        # and the scoring runs page have a run to show.
        from xinyidai.scoring import service as scoring_service

        with console.status("batch scoring the district…"):
            console.print(scoring_service.run_batch(as_of=scoring_service.default_batch_as_of(), trigger="cli").message)
    if report:
        console.print(report)
    print_logins(console, summary.logins, password=generator.DEMO_PASSWORD)


def _last_months_report() -> str:
    """Archive last month's report (月报) of the new district, as the job would on the first working day; a
    machine without a Chinese font skips it (the dashboard still shows the figures)."""
    from xinyidai import clock, db
    from xinyidai.audit import service as audit_service
    from xinyidai.errors import DomainError
    from xinyidai.reporting import definitions
    from xinyidai.reporting import service as reporting_service

    month = definitions.previous_month(clock.today())
    try:
        with db.transaction() as session:
            reporting_service.generate_monthly_report(session, month=month,
                                                      actor=audit_service.Actor.system("demo"))
    except DomainError as exc:
        return f"monthly report {month} not generated: {exc.message}"
    return f"monthly report {month} archived (统计与月报)"


@app.command("operator", help=bilingual("上级节点（国家、省级）：参考数据、运营机构与管理员",
                                        "An upper node (national, provincial): reference data, its operator and "
                                        "admin"))
def operator(
    name: str = typer.Option(..., help=bilingual("运营机构名称", "Name of the operating organisation")),
    bank: bool = typer.Option(False, help=bilingual("并接入一家银行及其产品", "Also connect a bank and its product")),
) -> None:
    """Seed an upper node of the demo network and print its logins."""
    from xinyidai import db
    from xinyidai.demo import generator

    with db.transaction() as session:
        try:
            summary = generator.generate_operator(session, name=name, bank=bank)
        except ValueError as exc:
            fail(str(exc), code=1)
    print_logins(console, summary.logins, password=generator.DEMO_PASSWORD)


@app.command("network", help=bilingual("在本机启动演示网络：国家、省级与两个区县节点",
                                       "Start a demo network here: national, provincial and two district nodes, "
                                       "each its own process, database and port"))
def network(
    directory: Path = typer.Option(Path("var/network-demo"), "--dir",
                                   help=bilingual("各节点的目录（须为空）", "Folder of the nodes (must be empty)")),
    enterprises: int = typer.Option(300, min=2, help=bilingual("每个区县的市场主体数量",
                                                               "Market entities in each district")),
    seed: int = typer.Option(2026, help=bilingual("随机种子", "Random seed")),
    port: int = typer.Option(8100, min=1024, max=65000, help=bilingual("首个节点的端口",
                                                                       "Port of the first node; the rest follow")),
    serve: bool = typer.Option(True, help=bilingual("建好后启动运行",
                                                    "Serve once built, until Ctrl-C")),
) -> None:
    """Build the four nodes, start them, sync once up and down, print their addresses and logins, and serve."""
    import time

    from xinyidai.demo import generator
    from xinyidai.demo import network as demo_network

    layout = demo_network.Layout(root=directory.resolve(), base_port=port)

    def say(line: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    try:
        demo_network.build(layout, enterprises=enterprises, seed=seed, say=say)
        if not serve:
            say(f"built in {layout.root}")
            return
        with demo_network.serving(layout):
            demo_network.first_sync(layout, say=say)
            console.print("")
            for node in demo_network.NODES:
                say(f"{node.code}  {node.role.value:<10}  {layout.endpoint(node)}  {node.name}")
            say(f"login at any node as admin (password {generator.DEMO_PASSWORD}); the districts' other logins "
                f"are in {layout.root}/<code>/logins.txt. The nodes sync every minute. Ctrl-C stops them.")
            say("network ready")
            while True:
                time.sleep(3600)
    except demo_network.StepFailed as exc:
        fail(str(exc), code=1)
    except KeyboardInterrupt:
        say("network stopped")


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
