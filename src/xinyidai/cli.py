"""The `xinyidai` command: database, demo district, server, event dispatch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import typer
from rich.console import Console
from rich.table import Table

from xinyidai.config import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from xinyidai.auth.principal import Principal

app = typer.Typer(help="xinyidai 融资信用服务平台", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema and reference data", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic demo district", no_args_is_help=True)
events_app = typer.Typer(help="Domain-event outbox", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(events_app, name="events")
creditdata_app = typer.Typer(help="Credit information: collection from departments", no_args_is_help=True)
app.add_typer(creditdata_app, name="creditdata")
model_app = typer.Typer(help="Credit models: train a scorecard and challenger, score a file", no_args_is_help=True)
app.add_typer(model_app, name="model")
audit_app = typer.Typer(help="Audit log: verify the SM3 hash chain", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
crypto_app = typer.Typer(help="Encryption of personal data at rest: key rotation", no_args_is_help=True)
app.add_typer(crypto_app, name="crypto")
rights_app = typer.Typer(help="Information-subject rights: objections and credit repair", no_args_is_help=True)
app.add_typer(rights_app, name="rights")
console = Console()


def upgrade_database(url: str) -> None:
    """Bring the schema at `url` to the latest migration and load reference data."""
    from alembic import command
    from alembic.config import Config

    from xinyidai import db, workdays
    from xinyidai.creditdata import service as creditdata_service
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
    database.engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations and load reference data (industries, holiday calendar)."""
    url = get_settings().database_url
    upgrade_database(url)
    console.print(f"[green]database ready[/green] ({url.split('@')[-1]})")


@demo_app.command("generate")
def demo_generate(
    enterprises: int = typer.Option(1000, min=2, help="How many market entities"),
    seed: int = typer.Option(2026, help="Random seed: the same seed gives the same district"),
) -> None:
    """Build a synthetic district into an empty, migrated database and print one login per role."""
    from xinyidai import db
    from xinyidai.demo.generator import DEMO_PASSWORD, generate
    from xinyidai.main import wire_events

    wire_events()

    with console.status(f"generating {enterprises} market entities…"), db.transaction() as session:
        try:
            summary = generate(session, enterprises=enterprises, seed=seed)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
    console.print(f"[green]demo district ready[/green]: {summary.enterprises} market entities, "
                  f"{summary.organisations} organisations, {summary.orders} orders, "
                  f"{summary.records} credit records in {summary.import_batches} deliveries")
    console.print(summary.champion.note)
    table = Table(title=f"Demo logins (password for all: {DEMO_PASSWORD})")
    for column in ("role", "username", "organisation", "note"):
        table.add_column(column)
    for login in summary.logins:
        table.add_row(login.role, login.username, login.organisation, login.note)
    console.print(table)


@app.command()
def calc(
    principal: str = typer.Option("10000", help="Principal in yuan, e.g. 10000"),
    annual_rate: str = typer.Option("3.5", "--annual-rate", help="Annual rate in percent, e.g. 3.5"),
    months: int = typer.Option(1, min=1, max=360, help="Term in months"),
    method: str = typer.Option("equal-installment", help="equal-installment | equal-principal | interest-first"),
    guarantee_fee_rate: str = typer.Option("0", "--guarantee-fee-rate", help="Guarantee fee, percent a year"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table"),
    explain: bool = typer.Option(False, "--explain-chongxindai", help="Explain the report's 39–67 yuan"),
) -> None:
    """The repayment schedule and total cost of a loan (借款试算)."""
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
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc

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


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind"),
    port: int = typer.Option(8000, help="Port"),
    reload: bool = typer.Option(False, help="Reload on code changes (development)"),
) -> None:
    """Serve the portal and the API."""
    import uvicorn

    console.print(f"portal at [bold]http://{host}:{port}[/bold]  (API docs at /docs)")
    uvicorn.run("xinyidai.main:create_app", factory=True, host=host, port=port, reload=reload,
                log_level=get_settings().log_level.lower())


@events_app.command("dispatch")
def events_dispatch(limit: int = typer.Option(1000, help="At most this many events")) -> None:
    """Deliver pending domain events to their subscribers."""
    from xinyidai import db, events
    from xinyidai.main import wire_events

    wire_events()
    delivered = events.dispatch_pending(session_factory=db.get_database().session_factory, limit=limit)
    console.print(f"delivered {delivered} events")



@creditdata_app.command("import")
def creditdata_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV (UTF-8/GBK) or XLSX"),
    item: str = typer.Option(..., "--item", help="Catalogue sub-category code, e.g. tax_payment"),
    username: str = typer.Option(..., "--as", help="The department data officer (or platform admin) delivering"),
    national: bool = typer.Option(False, "--national", help="Relay of the national channel (platform admin)"),
) -> None:
    """Import a department's file as one batch, committed once at the end; exit 1 if the file is refused."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from xinyidai import db
    from xinyidai.creditdata import imports
    from xinyidai.creditdata.enums import BATCH_STATUS_LABELS, BatchStatus, Channel
    from xinyidai.errors import DomainError
    from xinyidai.identity import service as identity_service

    channel = Channel.NATIONAL if national else Channel.BULK_IMPORT
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
               TextColumn("{task.fields[rows]:,} 行"), TimeElapsedColumn())
    try:
        with db.transaction() as session, file.open("rb") as source, \
                Progress(*columns, console=console, transient=False) as bar:
            users = [u for u in identity_service.list_users(session) if u.username == username.strip().lower()]
            if not users:
                console.print(f"[red]没有用户“{username}”[/red]")
                raise typer.Exit(2)
            principal = identity_service.principal_for_user(users[0])
            task = bar.add_task(f"导入 {file.name}", total=file.stat().st_size, rows=0)

            def progress(rows: int, _total: int | None) -> None:
                bar.update(task, completed=source.tell(), rows=rows)

            batch = imports.import_file(session, principal=principal, item_code=item, source=source,
                                        file_name=file.name, channel=channel, progress=progress)
            bar.update(task, completed=file.stat().st_size)
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    status = BatchStatus(batch.status)
    table = Table(title=f"批次 {batch.id} · {BATCH_STATUS_LABELS[status]}")
    for column in ("文件", "编码", "数据行", "入库", "重复", "拒收"):
        table.add_column(column)
    table.add_row(file.name, batch.encoding or "-", str(batch.rows_total), str(batch.rows_stored),
                  str(batch.rows_duplicate), str(batch.rows_rejected))
    console.print(table)
    if status is BatchStatus.REJECTED:
        console.print(f"[red]整个文件被拒收：{batch.error}[/red]")
        raise typer.Exit(1)
    if batch.rows_rejected:
        console.print(f"[yellow]{batch.rows_rejected} 行有误未入库，错误报告："
                      f"/api/v1/credit-data/batches/{batch.id}/errors.csv[/yellow]")


class EncryptedColumn(NamedTuple):
    """A column holding personal data encrypted at rest: its name, its encryption context and its re-encryption
    (`(session, *, after_id, limit, everything) -> (changed, last id or None)`)."""

    name: str
    context: str
    reencrypt: Callable[..., tuple[int, int | None]]


def encrypted_columns() -> tuple[EncryptedColumn, ...]:
    """Every encrypted column, the one list `crypto rotate` walks (a test fails when a `*_cipher` column is
    missing from it)."""
    from xinyidai.identity.onboarding import service as onboarding
    from xinyidai.registry import service as registry_service
    from xinyidai.registry.realname import ID_CONTEXT

    return (
        EncryptedColumn("enterprise.legal_rep_id_cipher", ID_CONTEXT, registry_service.reencrypt),
        EncryptedColumn("institution_application.contact_mobile_cipher", onboarding.MOBILE_CONTEXT,
                        onboarding.reencrypt_contact_mobiles),
    )


@crypto_app.command("rotate")
def crypto_rotate(
    batch_size: int = typer.Option(1000, min=1, max=100_000, help="Rows re-encrypted per transaction"),
    everything: bool = typer.Option(False, "--all", help="Every row, also those already under the active key "
                                                         "(after changing the blind-index key)"),
) -> None:
    """Re-encrypt personal data under the active key (XINYIDAI_ACTIVE_DATA_KEY_ID), one committed batch at a time;
    keep the old key configured until this has finished, then remove it."""
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
        audit_service.record(session, action="crypto.rotated", subject_type="data_key",
                             subject_id=settings.active_data_key_id,
                             detail={"reencrypted": changed, "everything": everything,
                                     # as a list: a column name is not a key the audit log's scrubbing reads
                                     "columns": [{"column": name, "reencrypted": n} for name, n in by_column.items()]})
    console.print(f"[green]完成[/green]：{changed} 条个人信息已使用密钥 {settings.active_data_key_id} 重新加密")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the audit chain recomputing every SM3 hash; exit 1 and name the first broken entry if any."""
    from xinyidai import db
    from xinyidai.audit import service as audit_service
    from xinyidai.audit.chain import BREAKAGE_LABELS

    with db.get_database().session_factory() as session:
        result = audit_service.verify(session)
    if result.broken is None:
        console.print(f"[green]审计链完整[/green]：{result.count} 条，末条序号 {result.last_sequence}，"
                      f"末条哈希 {result.last_hash}")
        return
    broken = result.broken
    entry = f"条目 #{broken.entry_id}" if broken.entry_id is not None else "已不存在的条目"
    console.print(f"[red]审计链已被破坏[/red]：{BREAKAGE_LABELS[broken.kind]}（{broken.kind.value}），"
                  f"{entry}，序号 {broken.sequence}")
    console.print(broken.message)
    console.print(f"此前 {result.count} 条完好")
    raise typer.Exit(1)


@model_app.command("train")
def model_train(
    data: Path = typer.Option(..., "--data", exists=True, dir_okay=False, readable=True, help="Development CSV"),
    target: str = typer.Option(..., "--target", help="The outcome column"),
    bad_value: str | None = typer.Option(None, "--bad-value", help="The target value meaning bad (else 0/1)"),
    out: Path = typer.Option(..., "--out", help="New version directory (must not exist)"),
    date_column: str | None = typer.Option(None, "--date-column", help="Application date: out-of-time hold-out"),
    exclude: list[str] = typer.Option([], "--exclude", help="Column to leave out (ids…); repeatable"),
    seed: int = typer.Option(2026, help="Random seed for the split, the folds and the challenger"),
) -> None:
    """Train a WoE scorecard and a LightGBM challenger on any CSV; save JSON + ONNX and a model card."""
    from xinyidai.scoring.modelling import dataset, development, store

    try:
        table = dataset.read_table(data)
        training = dataset.training_data(table, target=target, bad_value=bad_value, date_column=date_column,
                                         exclude=tuple(exclude))
        with console.status(f"training on {table.rows:,} rows…"):
            developed = development.develop(training, seed=seed, source=data.name)
            version = store.save(developed, out)
    except dataset.DatasetError as exc:
        console.print(f"[red]{exc.message}[/red]\n{exc.message_en}")
        raise typer.Exit(2) from exc
    except (store.StoreError, ValueError) as exc:
        console.print(f"[red]训练失败 training failed: {exc}[/red]")
        raise typer.Exit(2) from exc
    m = developed.card["metrics"]
    table_out = Table(title=f"model {version} → {out}")
    for column in ("model", "CV AUC", "CV KS", "hold-out AUC", "hold-out KS", "hold-out Gini"):
        table_out.add_column(column)
    for name in ("scorecard", "challenger"):
        cv, hold = m["cross_validation"]["summary"][name], m["holdout"][name]
        table_out.add_row(name, f"{cv['auc_mean']:.3f} ± {cv['auc_sd']:.3f}", f"{cv['ks_mean']:.3f}",
                          f"{hold['auc']:.3f}", f"{hold['ks']:.3f}", f"{hold['gini']:.3f}")
    console.print(table_out)
    console.print(f"PSI development → hold-out: {m['psi_score_development_to_holdout']:.3f}; "
                  f"features in the scorecard: {len(developed.scorecard.selected)}")


@model_app.command("score")
def model_score(
    model: Path = typer.Option(..., "--model", exists=True, file_okay=False, help="A version directory"),
    data: Path = typer.Option(..., "--data", exists=True, dir_okay=False, readable=True, help="CSV to score"),
    out: Path = typer.Option(..., "--out", help="Scores CSV to write"),
    id_column: str | None = typer.Option(None, "--id-column", help="Column copied to the output (else the line)"),
) -> None:
    """Score a CSV with a stored version (JSON + ONNX only): score, PD, challenger PD and the top 3 reasons."""
    from xinyidai import spreadsheet
    from xinyidai.scoring.modelling import dataset, metrics, scorecard, store

    try:
        loaded = store.load(model)
        table = dataset.read_table(data)
        if id_column is not None:
            dataset.require_column(table, id_column)
        x = store.inputs_from_table(table, loaded.inputs)
    except dataset.DatasetError as exc:
        console.print(f"[red]{exc.message}[/red]\n{exc.message_en}")
        raise typer.Exit(2) from exc
    except store.StoreError as exc:
        console.print(f"[red]模型无法读取 model unreadable: {exc}[/red]")
        raise typer.Exit(2) from exc
    score, pd, points, challenger_pd = loaded.run(x)
    reasons = scorecard.reasons(loaded.spec, points)
    ids = table.columns[id_column] if id_column else [str(table.line(i)) for i in range(table.rows)]
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = spreadsheet.writer(handle)  # ids come from the input file and the result opens in a spreadsheet
        writer.writerow([id_column or "line", "score", "pd", "challenger_pd", "reason_1", "reason_2", "reason_3"])
        for i in range(table.rows):
            writer.writerow([ids[i], f"{score[i]:.0f}", f"{pd[i]:.6f}", f"{challenger_pd[i]:.6f}",
                             *(reasons[i] + ["", "", ""])[:3]])
    distribution = loaded.spec["development_score_distribution"]
    drift = metrics.psi_from_shares(distribution["shares"], metrics.shares(score, distribution["edges"]))
    console.print(f"[green]{table.rows:,} rows scored[/green] → {out}; PSI against development: {drift:.3f}")


def _principal_named(session: Session, username: str) -> Principal:
    """The principal of a user named on the command line, or exit 2."""
    from xinyidai.identity import service as identity_service

    users = [u for u in identity_service.list_users(session) if u.username == username.strip().lower()]
    if not users:
        console.print(f"[red]没有用户“{username}”[/red]")
        raise typer.Exit(2)
    return identity_service.principal_for_user(users[0])


@model_app.command("register")
def model_register(
    model: Path = typer.Option(..., "--model", exists=True, file_okay=False, help="A `model train` directory"),
    username: str = typer.Option(..., "--as", help="The platform admin registering"),
    name: str = typer.Option("xinyidai-pd", "--name", help="The model's name"),
) -> None:
    """Store a trained version (model card, scorecard spec, ONNX) in the database as a candidate."""
    from xinyidai import db
    from xinyidai.errors import DomainError
    from xinyidai.scoring import model_versions as registry

    try:
        with db.transaction() as session:
            principal = _principal_named(session, username)
            version = registry.register(session, principal=principal,
                                        files=registry.read_directory(model), name=name)
            console.print(f"[green]已登记[/green] 模型版本 {version.id}：{version.name} {version.version_label}"
                          f"（候选），摘要 {version.digest[:12]}")
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc


@model_app.command("promote")
def model_promote(
    version_id: int = typer.Argument(..., help="The model version id (see `xinyidai model list`)"),
    username: str = typer.Option(..., "--as", help="The platform admin promoting"),
) -> None:
    """Make a version the champion its pre-assessments use; the champion before it is retired."""
    from xinyidai import db
    from xinyidai.errors import DomainError
    from xinyidai.scoring import model_versions as registry

    try:
        with db.transaction() as session:
            principal = _principal_named(session, username)
            version = registry.promote(session, principal=principal, version_id=version_id)
            console.print(f"[green]已启用[/green] {version.name} {version.version_label} 为冠军模型")
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc


@model_app.command("list")
def model_list() -> None:
    """The registered model versions, newest first, with who promoted or retired them and when."""
    from xinyidai import db
    from xinyidai.scoring import model_versions as registry

    with db.get_database().session_factory() as session:
        versions = registry.list_versions(session)
        table = Table(title=f"{len(versions)} 个模型版本")
        for column in ("id", "name", "version", "status", "registered", "promoted", "retired", "digest"):
            table.add_column(column)
        for v in versions:
            table.add_row(str(v.id), v.name, v.version_label, registry.STATUS_LABELS[registry.ModelStatus(v.status)],
                          f"{v.created_at:%Y-%m-%d %H:%M}", f"{v.promoted_at:%Y-%m-%d %H:%M}" if v.promoted_at else "",
                          f"{v.retired_at:%Y-%m-%d %H:%M}" if v.retired_at else "", v.digest[:12])
    console.print(table)


@model_app.command("batch-score")
def model_batch_score(
    as_of: str = typer.Option("", "--as-of", help="Score as of this date (YYYY-MM-DD); default yesterday"),
    scheduled: bool = typer.Option(False, "--scheduled", help="Record the run as started by the scheduler (cron)"),
    workers: int = typer.Option(0, "--workers", min=0, help="Processes reading and scoring pages (0: one per core)"),
) -> None:
    """Score every entity on the register with the champion as of a date; one run per model version and date.

    Safe from cron on several hosts: the first claims the run, the others print that it is taken and exit 0.
    """
    import os
    from datetime import date

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    import xinyidai.models  # noqa: F401  (every table, so the run record's foreign keys resolve)
    from xinyidai.errors import DomainError
    from xinyidai.scoring import batch

    try:
        day = date.fromisoformat(as_of) if as_of else batch.default_as_of()
    except ValueError as exc:
        console.print(f"[red]日期“{as_of}”无效（格式：2026-11-23）[/red]")
        raise typer.Exit(2) from exc
    with Progress(TextColumn("批量评分 {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as bar:
        task = bar.add_task(str(day), total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = batch.run_job(as_of=day, trigger="schedule" if scheduled else "cli", progress=progress,
                                   workers=workers or os.cpu_count() or 1)
        except DomainError as exc:
            console.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from exc
    console.print(f"[green]{result.message}[/green]" if result.ran else f"[yellow]{result.message}[/yellow]")


@model_app.command("features")
def model_features(
    markdown: bool = typer.Option(False, "--markdown", help="Print the catalogue as Markdown (docs/features.md)"),
) -> None:
    """The feature catalogue: every feature computed from the credit file as of a date."""
    from xinyidai.scoring import features

    if markdown:
        typer.echo(features.catalogue_markdown(), nl=False)
        return
    table = Table(title=f"{len(features.CATALOGUE)} features")
    for column in ("name", "名称", "dimension", "unit", "risk", "sources"):
        table.add_column(column)
    for f in features.CATALOGUE:
        table.add_row(f.name, f.label, f.dimension.value, f.unit, f.risk.value, ", ".join(f.sources))
    console.print(table)



@rights_app.command("escalate")
def rights_escalate() -> None:
    """Escalate objections past their answer deadline to the platform admin and supervisors (once a business day:
    running it again the same day escalates nothing more)."""
    from xinyidai import db
    from xinyidai.rights import service as rights_service

    with db.transaction() as session:
        escalated = rights_service.escalate_overdue(session)
        numbers = [o.number for o in escalated]
    console.print(f"督办逾期异议 {len(numbers)} 件" + (f"：{'、'.join(numbers)}" if numbers else ""))


if __name__ == "__main__":
    app()
