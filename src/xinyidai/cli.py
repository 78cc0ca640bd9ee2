"""The `xinyidai` command: assembles each context's own `cli.py`, as `main.py` assembles routers, and holds what
runs the platform itself (the database, the server, the event outbox, key rotation), which no one context owns."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import typer

from xinyidai.audit import cli as audit_cli
from xinyidai.cli_support import CONTEXTS_PANEL, PLATFORM_PANEL, bilingual, command_group, console, fail
from xinyidai.config import PROJECT_ROOT, get_settings
from xinyidai.creditdata import cli as creditdata_cli
from xinyidai.demo import cli as demo_cli
from xinyidai.loans import cli as loans_cli
from xinyidai.monitoring import cli as monitoring_cli
from xinyidai.network import cli as network_cli
from xinyidai.reporting import cli as reporting_cli
from xinyidai.rights import cli as rights_cli
from xinyidai.scoring import cli as scoring_cli

if TYPE_CHECKING:
    from collections.abc import Callable

app = typer.Typer(help=bilingual("信易贷融资信用服务平台", "xinyidai, the financing credit service platform"),
                  no_args_is_help=True, add_completion=False)
db_app = command_group("数据库结构与参考数据", "Database schema and reference data")
events_app = command_group("领域事件发件箱", "Domain-event outbox")
jobs_app = command_group("后台作业：清单与立即执行", "Background jobs: the list, and running one now")
crypto_app = command_group("静态个人信息加密：密钥轮换", "Encryption of personal data at rest: key rotation")


@app.callback()
def _logging() -> None:
    """Every command logs as the server does: at the configured level, through the same scrubbing of personal
    data."""
    from xinyidai.config import get_settings
    from xinyidai.observability import configure_logging

    configure_logging(get_settings())


def _wire_events() -> None:
    """Subscribe every context to the others' domain events before a command that publishes or delivers them."""
    from xinyidai.main import wire_events

    wire_events()


def _every_table() -> None:
    """Make every context's tables known before a `model` command: a scoring run's foreign keys name them."""
    import xinyidai.models  # noqa: F401


def upgrade_database(url: str) -> None:
    """Bring the schema at `url` to the latest migration and load reference data."""
    from alembic import command
    from alembic.config import Config

    from xinyidai import db, workdays
    from xinyidai.creditdata import service as creditdata_service
    from xinyidai.network import service as network_service
    from xinyidai.registry import service as registry_service

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    database = db.Database(url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with db.transaction(database.session_factory) as session:
        registry_service.seed_industries(session)
        workdays.seed_calendar(session)
        creditdata_service.seed_catalogue(session)
        network_service.seed_flow_rules(session)
    database.engine.dispose()


@db_app.command("upgrade", help=bilingual("执行全部迁移并载入参考数据（行业、节假日日历）",
                                         "Apply all migrations and load reference data (industries, holiday "
                                         "calendar)"))
def db_upgrade() -> None:
    """Upgrade the configured database and say which one is ready."""
    url = get_settings().database_url
    upgrade_database(url)
    console.print(f"[green]database ready[/green] ({url.split('@')[-1]})")


def serve(
    host: str = typer.Option("127.0.0.1", help=bilingual("监听地址", "Address to bind")),
    port: int = typer.Option(8000, help=bilingual("端口", "Port")),
    reload: bool = typer.Option(False, help=bilingual("代码变更时重新加载（开发用）",
                                                      "Reload on code changes (development)")),
    workers: int = typer.Option(1, min=1, max=64, metavar="N",
                                help=bilingual("服务进程数（不可与 --reload 同用）",
                                               "Server worker processes (not with --reload)")),
) -> None:
    """Serve the portal and the API with uvicorn, in one process or `workers` processes sharing the port."""
    import uvicorn

    from xinyidai import jobs
    from xinyidai.main import wire_jobs

    if reload and workers > 1:
        fail("--reload 只能用于单个服务进程；请去掉 --workers 或 --reload",
             detail="--reload reloads one process: it cannot be used with --workers above 1")
    settings = get_settings()
    if jobs.engine_for(settings.database_url).name == "in_process" and settings.jobs_schedule_in_process:
        wire_jobs()
        # Started here, once: with several workers this is uvicorn's supervising process, and the workers it spawns
        # (fresh interpreters, never forks of this one) import the app, not this command, so none starts another.
        jobs.Schedule().start()  # the embedded default runs the nightly jobs itself; no worker to start
        console.print("后台作业在本进程内按计划运行 (background jobs run in this process on their schedule)")
    console.print(f"portal at [bold]http://{host}:{port}[/bold]  (API docs at /docs)"
                  + (f", {workers} worker processes" if workers > 1 else ""))
    uvicorn.run("xinyidai.main:create_app", factory=True, host=host, port=port, reload=reload,
                workers=workers if workers > 1 else None, log_level=settings.log_level.lower())


def worker(
    queue: list[str] = typer.Option([], "--queue", metavar="QUEUE",
                                    help=bilingual("只处理该队列（可重复）", "Only this queue (repeatable; default: "
                                                                        "every queue)")),
    concurrency: int = typer.Option(1, min=1, max=64, help=bilingual("同时执行的作业数", "Jobs run at once")),
) -> None:
    """Run background jobs until stopped: on PostgreSQL take queued jobs (any number of workers on any hosts share
    them) and defer the periodic ones; on SQLite run the periodic ones in this process."""
    from xinyidai import jobs
    from xinyidai.main import wire_jobs

    declared = wire_jobs()
    engine = jobs.engine()
    console.print(f"worker ({engine.name}): {len(declared)} jobs, queues {', '.join(queue) or 'all'}")
    engine.run_worker(queues=queue or None, concurrency=concurrency)


@jobs_app.command("list", help=bilingual("全部后台作业及其计划（UTC）", "Every background job and its schedule (UTC)"))
def jobs_list() -> None:
    """Print every declared job: name, queue, schedule, retries."""
    from rich.table import Column, Table

    from xinyidai.main import wire_jobs

    table = Table(Column("作业 job", no_wrap=True), "队列 queue", "计划 cron (UTC)", "重试 retry", "锁 lock")
    for job in sorted(wire_jobs().values(), key=lambda j: (j.queue, j.name)):
        table.add_row(job.name, job.queue, job.cron or "—", str(job.retry), "是 yes" if job.lock else "—")
    console.print(table)


@jobs_app.command("run", help=bilingual("立即提交一个作业（无参数的作业，如 loans.end_of_day）",
                                       "Defer a job now (one that takes no arguments, e.g. loans.end_of_day): on "
                                       "SQLite it runs here, on PostgreSQL a worker runs it"))
def jobs_run(name: str = typer.Argument(..., help=bilingual("作业名", "Job name"))) -> None:
    """Defer one job by name, refusing an unknown name."""
    from xinyidai import jobs
    from xinyidai.main import wire_jobs

    if name not in wire_jobs():
        fail(f"没有名为 {name} 的作业；`xinyidai jobs list` 列出全部作业")
    jobs.defer(name)
    console.print(f"已提交作业 {name}（{jobs.engine().name}）")


@events_app.command("dispatch", help=bilingual("将待发的领域事件投递给订阅者",
                                              "Deliver pending domain events to their subscribers"))
def events_dispatch(limit: int = typer.Option(1000, help=bilingual("最多投递的事件数", "At most this many events"))
                    ) -> None:
    """Deliver pending domain events and say how many."""
    from xinyidai import db, events

    delivered = events.dispatch_pending(session_factory=db.get_database().session_factory, limit=limit)
    console.print(f"delivered {delivered} events")


class EncryptedColumn(NamedTuple):
    """A column holding personal data encrypted at rest: its name, its encryption context and its re-encryption
    (`(session, *, after_id, limit, everything) -> (changed, last id or None)`)."""

    name: str
    context: str
    reencrypt: Callable[..., tuple[int, int | None]]


def encrypted_columns() -> tuple[EncryptedColumn, ...]:
    """Every encrypted column, the one list `crypto rotate` walks (a test fails when a `*_cipher` column is
    missing from it)."""
    from xinyidai.identity import service as identity_service
    from xinyidai.identity.onboarding import service as onboarding
    from xinyidai.registry import service as registry_service
    from xinyidai.registry.realname import ID_CONTEXT
    from xinyidai.webhooks import service as webhooks_service

    return (
        EncryptedColumn("enterprise.legal_rep_id_cipher", ID_CONTEXT, registry_service.reencrypt),
        EncryptedColumn("institution_application.contact_mobile_cipher", onboarding.MOBILE_CONTEXT,
                        onboarding.reencrypt_contact_mobiles),
        EncryptedColumn("user_account.mobile_cipher", identity_service.MOBILE_CONTEXT,
                        identity_service.reencrypt_mobiles),
        # Not personal data, but secrets the platform must read to sign: both columns rotate together, by endpoint.
        EncryptedColumn("webhook_endpoint.secret_cipher", webhooks_service.SECRET_CONTEXT,
                        webhooks_service.reencrypt_secrets),
        EncryptedColumn("webhook_endpoint.previous_secret_cipher", webhooks_service.SECRET_CONTEXT,
                        _nothing_more),
    )


def _nothing_more(session: object, **_: object) -> tuple[int, int | None]:
    """A column re-encrypted with another of its table (webhook_endpoint's previous secret, with the current)."""
    return 0, None


@crypto_app.command("rotate", help=bilingual("用当前密钥逐批重新加密个人信息；完成前保留旧密钥",
                                            "Re-encrypt personal data under the active key "
                                            "(XINYIDAI_ACTIVE_DATA_KEY_ID), one committed batch at a time; keep the "
                                            "old key configured until this has finished, then remove it"))
def crypto_rotate(
    batch_size: int = typer.Option(1000, min=1, max=100_000,
                                   help=bilingual("每个事务的行数", "Rows re-encrypted per transaction")),
    everything: bool = typer.Option(False, "--all", help=bilingual("所有行，也包括已用当前密钥的",
                                                                   "Every row, also those already under the active "
                                                                   "key (after changing the blind-index key)")),
) -> None:
    """Re-encrypt every encrypted column in committed batches, then audit the rotation."""
    from xinyidai import db
    from xinyidai.audit import service as audit_service

    settings = get_settings()
    by_column: dict[str, int] = {}
    for column in encrypted_columns():
        changed, after_id = 0, 0
        while True:
            with db.transaction() as session:
                count, last_id = column.reencrypt(session, after_id=after_id, limit=batch_size,
                                                  everything=everything)
                changed += count
            if last_id is None:
                break
            after_id = last_id
            console.print(f"{column.name}：已重新加密 {changed} 条（至 #{after_id}）")
        by_column[column.name] = changed
    changed = sum(by_column.values())
    with db.transaction() as session:
        audit_service.record(session, action="crypto.rotated", actor=audit_service.Actor.cli("crypto rotate"),
                             subject_type="data_key",
                             subject_id=settings.active_data_key_id,
                             detail={"reencrypted": changed, "everything": everything,
                                     # as a list: a column name is not a key the audit log's scrubbing reads
                                     "columns": [{"column": name, "reencrypted": n} for name, n in by_column.items()]})
    console.print(f"[green]完成[/green]：{changed} 条个人信息已使用密钥 {settings.active_data_key_id} 重新加密")


# The platform's own commands, in the order an operator meets them; then each context's, in the context order.
app.add_typer(db_app, name="db", rich_help_panel=PLATFORM_PANEL)
app.add_typer(demo_cli.app, name="demo", callback=_wire_events, rich_help_panel=PLATFORM_PANEL)
# `serve` is a group of one merged into `xinyidai`, so that it is listed here rather than before every group.
_serve_app = typer.Typer()
_serve_app.command("serve", rich_help_panel=PLATFORM_PANEL,
                   help=bilingual("提供门户与 API 服务", "Serve the portal and the API"))(serve)
app.add_typer(_serve_app)
_worker_app = typer.Typer()
_worker_app.command("worker", rich_help_panel=PLATFORM_PANEL,
                    help=bilingual("运行后台作业进程", "Run a background job worker"))(worker)
app.add_typer(_worker_app)
app.add_typer(jobs_app, name="jobs", rich_help_panel=PLATFORM_PANEL)
app.add_typer(events_app, name="events", callback=_wire_events, rich_help_panel=PLATFORM_PANEL)
app.add_typer(crypto_app, name="crypto", rich_help_panel=PLATFORM_PANEL)
app.add_typer(audit_cli.app, name="audit", rich_help_panel=CONTEXTS_PANEL)
app.add_typer(creditdata_cli.app, name="creditdata", rich_help_panel=CONTEXTS_PANEL)
app.add_typer(scoring_cli.app, name="model", callback=_every_table, rich_help_panel=CONTEXTS_PANEL)
app.add_typer(loans_cli.app)  # `calc`
app.add_typer(rights_cli.app, name="rights", rich_help_panel=CONTEXTS_PANEL)
app.add_typer(monitoring_cli.app, name="monitoring", callback=_wire_events, rich_help_panel=CONTEXTS_PANEL)
app.add_typer(network_cli.app, name="network", callback=_every_table, rich_help_panel=CONTEXTS_PANEL)
app.add_typer(reporting_cli.app, name="reporting", rich_help_panel=CONTEXTS_PANEL)


if __name__ == "__main__":
    app()
