"""`xinyidai creditdata ...`: collecting credit information from departments' files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from xinyidai.cli_support import bilingual, command_group, console, transaction

app = command_group("信用信息归集", "Credit information: collection from departments")


@app.command("import", help=bilingual("导入部门数据文件：整批一次提交，整个文件被拒收时退出码为 1",
                                      "Import a department's file as one batch, committed once at the end; "
                                      "exit 1 if the file is refused"))
def import_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help=bilingual("CSV 或 XLSX 文件", "CSV (UTF-8/GBK) or XLSX")),
    item: str = typer.Option(..., "--item",
                             help=bilingual("目录子类代码", "Catalogue sub-category code, e.g. tax_payment")),
    username: str = typer.Option(..., "--as", help=bilingual("报送的部门数据专员（或平台管理员）",
                                                             "The department data officer (or platform admin) "
                                                             "delivering")),
    national: bool = typer.Option(False, "--national", help=bilingual("国家渠道转报（平台管理员）",
                                                                      "Relay of the national channel "
                                                                      "(platform admin)")),
) -> None:
    """Import a department's file as one batch and print what became of its rows."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from xinyidai.creditdata import imports
    from xinyidai.creditdata.enums import BATCH_STATUS_LABELS, BatchStatus, Channel
    from xinyidai.identity import service as identity_service

    channel = Channel.NATIONAL if national else Channel.BULK_IMPORT
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
               TextColumn("{task.fields[rows]:,} 行"), TimeElapsedColumn())
    with transaction() as session, file.open("rb") as source, \
            Progress(*columns, console=console, transient=False) as bar:
        principal = identity_service.principal_named(session, username=username)
        task = bar.add_task(f"导入 {file.name}", total=file.stat().st_size, rows=0)

        def progress(rows: int, _total: int | None) -> None:
            bar.update(task, completed=source.tell(), rows=rows)

        batch = imports.import_file(session, principal=principal, item_code=item, source=source,
                                    file_name=file.name, channel=channel, progress=progress)
        bar.update(task, completed=file.stat().st_size)
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
