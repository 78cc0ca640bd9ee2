"""`xinyidai audit ...`: checking the tamper-evident audit log."""

from __future__ import annotations

import typer

from xinyidai.cli_support import bilingual, command_group, console

app = command_group("审计日志：校验 SM3 哈希链，记录库外检查点",
                    "Audit log: verify the SM3 hash chain, record checkpoints outside the database")


@app.command("verify", help=bilingual("逐条重算 SM3 哈希并对照库外检查点校验审计链，如有破坏指出第一条并以 1 退出",
                                      "Walk the audit chain recomputing every SM3 hash and checking the checkpoints "
                                      "kept outside the database; exit 1 and name the first broken entry if any"))
def verify() -> None:
    """Verify the audit chain and print where it breaks, if it does."""
    from xinyidai import db
    from xinyidai.audit import service as audit_service
    from xinyidai.audit.chain import BREAKAGE_LABELS

    with db.get_database().session_factory() as session:
        result = audit_service.verify(session)
    for refused in result.refused_anchors:
        console.print(f"[red]{refused}[/red]")
    if result.broken is None:
        console.print(f"[green]审计链完整[/green]：{result.count} 条，末条序号 {result.last_sequence}，"
                      f"末条哈希 {result.last_hash}；与 {result.anchors_checked} 个库外检查点相符")
        if result.refused_anchors:
            console.print("[red]检查点文件中有未通过校验的记录，请核查[/red]")
            raise typer.Exit(1)
        return
    broken = result.broken
    entry = f"条目 #{broken.entry_id}" if broken.entry_id is not None else "已不存在的条目"
    console.print(f"[red]审计链已被破坏[/red]：{BREAKAGE_LABELS[broken.kind]}（{broken.kind.value}），"
                  f"{entry}，序号 {broken.sequence}")
    console.print(broken.message)
    console.print(f"此前 {result.count} 条完好")
    raise typer.Exit(1)


@app.command("checkpoint", help=bilingual("把当前链头（序号与哈希）以 HMAC-SM3 签记写入库外检查点文件"
                                          "（可由定时任务每小时运行）",
                                          "Append the chain head (sequence and hash), keyed with HMAC-SM3, to the "
                                          "checkpoint file outside the database (run it from cron, e.g. hourly)"))
def checkpoint() -> None:
    """Record the committed chain head in the checkpoint file."""
    from xinyidai import db
    from xinyidai.audit import anchor
    from xinyidai.audit import service as audit_service

    with db.get_database().session_factory() as session:
        head = audit_service.checkpoint(session)
    console.print(f"[green]已记录检查点[/green]：序号 {head.sequence}，哈希 {head.entry_hash}，写入 {anchor.path()}")
