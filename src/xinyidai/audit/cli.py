"""`xinyidai audit ...`: checking the tamper-evident audit log."""

from __future__ import annotations

import typer

from xinyidai.cli_support import bilingual, command_group, console

app = command_group("审计日志：校验 SM3 哈希链", "Audit log: verify the SM3 hash chain")


@app.command("verify", help=bilingual("逐条重算 SM3 哈希校验审计链，如有破坏指出第一条并以 1 退出",
                                      "Walk the audit chain recomputing every SM3 hash; exit 1 and name the first "
                                      "broken entry if any"))
def verify() -> None:
    """Verify the audit chain and print where it breaks, if it does."""
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
