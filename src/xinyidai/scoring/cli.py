"""`xinyidai model ...`: develop a credit model, score a file, keep the versions, score the register in batch."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from xinyidai.cli_support import bilingual, command_group, console, domain_errors, fail, transaction

app = command_group("信用模型：训练评分卡与挑战者模型、为文件评分",
                    "Credit models: train a scorecard and challenger, score a file")


@app.command("train", help=bilingual("在任意 CSV 上训练 WoE 评分卡与 LightGBM 挑战者模型",
                                     "Train a WoE scorecard and a LightGBM challenger on any CSV; save JSON + ONNX "
                                     "and a model card"))
def train_model(
    data: Path = typer.Option(..., "--data", exists=True, dir_okay=False, readable=True,
                              help=bilingual("建模样本 CSV", "Development CSV")),
    target: str = typer.Option(..., "--target", help=bilingual("结果列", "The outcome column")),
    bad_value: str | None = typer.Option(None, "--bad-value", help=bilingual("表示“坏”的目标值",
                                                                             "The target value meaning bad "
                                                                             "(else 0/1)")),
    out: Path = typer.Option(..., "--out", help=bilingual("新版本目录（不得已存在）",
                                                          "New version directory (must not exist)")),
    date_column: str | None = typer.Option(None, "--date-column", help=bilingual("申请日期列：跨时间留出",
                                                                                 "Application date: out-of-time "
                                                                                 "hold-out")),
    exclude: list[str] = typer.Option([], "--exclude", help=bilingual("排除的列，可重复",
                                                                      "Column to leave out (ids and the like); "
                                                                      "repeatable")),
    seed: int = typer.Option(2026, help=bilingual("随机种子", "Random seed for the split, the folds and the "
                                                                 "challenger")),
    decide_with: str | None = typer.Option(None, "--decide-with",
                                           help=bilingual("决策所用模型：scorecard、challenger 或 blend"
                                                          "（默认按交叉验证选择）",
                                                          "What the version decides with: scorecard, challenger or "
                                                          "blend (default: chosen by cross-validation)")),
) -> None:
    """Train a scorecard and a challenger on a CSV and print their cross-validated and hold-out figures."""
    from xinyidai.scoring.modelling import dataset, development, store

    try:
        table = dataset.read_table(data)
        training = dataset.training_data(table, target=target, bad_value=bad_value, date_column=date_column,
                                         exclude=tuple(exclude))
        with console.status(f"training on {table.rows:,} rows…"):
            developed = development.develop(training, seed=seed, source=data.name, decide_with=decide_with)
            version = store.save(developed, out)
    except dataset.DatasetError as exc:
        fail(exc.message, detail=exc.message_en)
    except (store.StoreError, ValueError) as exc:
        fail(f"训练失败 training failed: {exc}")
    m = developed.card["metrics"]
    table_out = Table(title=f"model {version} → {out}")
    for column in ("model", "CV AUC", "CV KS", "hold-out AUC", "hold-out KS", "hold-out Gini"):
        table_out.add_column(column)
    for name in ("scorecard", "challenger", "blend", "baseline_one_hot_logistic"):
        cv, hold = m["cross_validation"]["summary"][name], m["holdout"][name]
        table_out.add_row(name, f"{cv['auc_mean']:.3f} ± {cv['auc_sd']:.3f}", f"{cv['ks_mean']:.3f}",
                          f"{hold['auc']:.3f}", f"{hold['ks']:.3f}", f"{hold['gini']:.3f}")
    console.print(table_out)
    selection = developed.card["selection"]
    console.print(f"chosen by CV AUC: {selection['chosen']} "
                  f"({selection['chosen_minus_baseline_auc']:+.3f} against the one-hot baseline)"
                  + ("  [red]trails the baseline[/red]" if selection["trails_baseline"] else ""))
    console.print(f"decides with: {selection['decisions_score_with']} (set by {selection['set_by']}); reasons from "
                  "the scorecard")
    if developed.card["features"]["dropped_by_model"]:
        console.print("left out of the scorecard: " + ", ".join(
            f"{name} ({why})" for name, why in developed.card["features"]["dropped_by_model"].items()))
    console.print(f"PSI development → hold-out: {m['psi_score_development_to_holdout']:.3f}; "
                  f"features in the scorecard: {len(developed.scorecard.selected)}")


@app.command("score", help=bilingual("用已存版本为 CSV 评分：分数、违约概率与前 3 条原因",
                                     "Score a CSV with a stored version (JSON + ONNX only): score and PD as the "
                                     "version decides, the challenger's PD and the scorecard's top 3 reasons"))
def score_file(
    model: Path = typer.Option(..., "--model", exists=True, file_okay=False,
                               help=bilingual("模型版本目录", "A version directory")),
    data: Path = typer.Option(..., "--data", exists=True, dir_okay=False, readable=True,
                              help=bilingual("待评分的 CSV", "CSV to score")),
    out: Path = typer.Option(..., "--out", help=bilingual("输出的评分 CSV", "Scores CSV to write")),
    id_column: str | None = typer.Option(None, "--id-column", help=bilingual("复制到输出的列（否则为行号）",
                                                                             "Column copied to the output "
                                                                             "(else the line)")),
) -> None:
    """Score a CSV with a stored version and write the scores, with the drift against development."""
    from xinyidai import spreadsheet
    from xinyidai.scoring.modelling import dataset, metrics, scorecard, store

    try:
        loaded = store.load(model)
        table = dataset.read_table(data)
        if id_column is not None:
            dataset.require_column(table, id_column)
        x = store.inputs_from_table(table, loaded.inputs)
    except dataset.DatasetError as exc:
        fail(exc.message, detail=exc.message_en)
    except store.StoreError as exc:
        fail(f"模型无法读取 model unreadable: {exc}")
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


@app.command("register", help=bilingual("把训练好的版本作为候选登记入库",
                                        "Store a trained version (model card, scorecard spec, ONNX) in the "
                                        "database as a candidate"))
def register_version(
    model: Path = typer.Option(..., "--model", exists=True, file_okay=False,
                               help=bilingual("`model train` 生成的目录", "A `model train` directory")),
    username: str = typer.Option(..., "--as", help=bilingual("登记的平台管理员", "The platform admin registering")),
    name: str = typer.Option("xinyidai-pd", "--name", help=bilingual("模型名称", "The model's name")),
) -> None:
    """Register a trained version as a candidate."""
    from xinyidai.identity import service as identity_service
    from xinyidai.scoring import model_versions

    with transaction() as session:
        principal = identity_service.principal_named(session, username=username)
        version = model_versions.register(session, principal=principal, files=model_versions.read_directory(model),
                                          name=name)
        console.print(f"[green]已登记[/green] 模型版本 {version.id}：{version.name} {version.version_label}"
                      f"（候选），摘要 {version.digest[:12]}")


@app.command("promote", help=bilingual("启用一个版本为冠军模型，原冠军退役",
                                       "Make a version the champion its pre-assessments use; the champion before "
                                       "it is retired"))
def promote_version(
    version_id: int = typer.Argument(..., help=bilingual("模型版本编号", "The model version id (see "
                                                                           "`xinyidai model list`)")),
    username: str = typer.Option(..., "--as", help=bilingual("启用的平台管理员", "The platform admin promoting")),
) -> None:
    """Promote a version to champion."""
    from xinyidai.identity import service as identity_service
    from xinyidai.scoring import model_versions

    with transaction() as session:
        principal = identity_service.principal_named(session, username=username)
        version = model_versions.promote(session, principal=principal, version_id=version_id)
        console.print(f"[green]已启用[/green] {version.name} {version.version_label} 为冠军模型")


@app.command("list", help=bilingual("已登记的模型版本，新的在前",
                                    "The registered model versions, newest first, with who promoted or retired "
                                    "them and when"))
def list_versions() -> None:
    """Print the registered model versions."""
    from xinyidai import db
    from xinyidai.scoring import model_versions

    with db.get_database().session_factory() as session:
        versions = model_versions.list_versions(session)
        table = Table(title=f"{len(versions)} 个模型版本")
        for column in ("id", "name", "version", "status", "registered", "promoted", "retired", "digest"):
            table.add_column(column)
        for v in versions:
            table.add_row(str(v.id), v.name, v.version_label,
                          model_versions.STATUS_LABELS[model_versions.ModelStatus(v.status)],
                          f"{v.created_at:%Y-%m-%d %H:%M}", f"{v.promoted_at:%Y-%m-%d %H:%M}" if v.promoted_at else "",
                          f"{v.retired_at:%Y-%m-%d %H:%M}" if v.retired_at else "", v.digest[:12])
    console.print(table)


@app.command("batch-score", help=bilingual("用冠军模型按某日为在册全部主体评分；PostgreSQL 上由后台作业进程分页评分",
                                           "Score every entity on the register with the champion as of a date; "
                                           "one run per model version and date. On PostgreSQL the run is queued "
                                           "and `xinyidai worker` processes on any host share its pages; on SQLite "
                                           "it runs here"))
def batch_score(
    as_of: str = typer.Option("", "--as-of", help=bilingual("评分基准日，默认昨天",
                                                            "Score as of this date (YYYY-MM-DD); default "
                                                            "yesterday")),
    scheduled: bool = typer.Option(False, "--scheduled", help=bilingual("记为调度器发起的运行",
                                                                        "Record the run as started by the "
                                                                        "scheduler")),
    wait: bool = typer.Option(True, "--wait/--no-wait", help=bilingual("等待后台作业完成并显示进度",
                                                                       "On the job engine, follow the run until "
                                                                       "it is done")),
) -> None:
    """Run (or queue, or find taken) the batch scoring of the register as of a date, with a progress bar."""
    import time
    from datetime import date

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from xinyidai import jobs
    from xinyidai.scoring import batch
    from xinyidai.scoring import jobs as scoring_jobs  # noqa: F401  (declares the job queued below)

    try:
        day = date.fromisoformat(as_of) if as_of else batch.default_as_of()
    except ValueError:
        fail(f"日期“{as_of}”无效（格式：2026-11-23）")
    trigger = "schedule" if scheduled else "cli"
    with Progress(TextColumn("批量评分 {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as bar:
        task = bar.add_task(str(day), total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if jobs.engine().name == "in_process":
            with domain_errors():
                result = batch.run_job(as_of=day, trigger=trigger, progress=progress)
            console.print(f"[green]{result.message}[/green]" if result.ran else f"[yellow]{result.message}[/yellow]")
            return
        jobs.defer("scoring.batch", as_of=day.isoformat(), trigger=trigger)
        console.print("已提交后台作业；由 `xinyidai worker` 进程分页评分")
        if not wait:
            return
        while True:
            with transaction() as session:
                run = batch.find(session, as_of=day)
                if run is not None:
                    progress(*batch.progress_of(session, run_id=run.id))
                    if run.status != batch.RunStatus.RUNNING:
                        status = batch.STATUS_LABELS.get(run.status, run.status)
                        console.print(f"批次 {run.id}：{status}，评分 {run.entities_scored} 户，"
                                      f"拒绝 {run.entities_declined}，失败 {run.entities_failed}")
                        return
            time.sleep(1)


@app.command("features", help=bilingual("特征目录：按某日从信用档案计算的全部特征",
                                        "The feature catalogue: every feature computed from the credit file as of "
                                        "a date"))
def list_features(
    markdown: bool = typer.Option(False, "--markdown", help=bilingual("以 Markdown 输出",
                                                                      "Print the catalogue as Markdown "
                                                                      "(docs/features.md)")),
) -> None:
    """Print the feature catalogue, as a table or as Markdown."""
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
