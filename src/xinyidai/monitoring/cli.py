"""`xinyidai monitoring ...`: post-loan monitoring's detection and escalation, run now."""

from __future__ import annotations

from xinyidai.cli_support import bilingual, command_group, console

app = command_group("贷后监测与风险预警", "Post-loan monitoring and early warning")


@app.command("detect", help=bilingual("运行一次监测：新增信用记录与评分变化对照监测名单",
                                      "Run detection once: new credit records and grade changes against the "
                                      "watch list"))
def detect() -> None:
    """Run one detection and print what it raised."""
    from xinyidai import db
    from xinyidai.monitoring import service

    with db.transaction() as session:
        result = service.detect(session, trigger="cli")
    console.print(f"监测批次 {result.run_id}：记录 {result.records_after + 1}–{result.records_through}，"
                  f"监测对象 {result.watched_pairs} 对，新预警 {result.alerts_raised} 条，"
                  f"停止监测 {result.watches_stopped} 对")


@app.command("escalate", help=bilingual("督办超过确认时限的预警", "Escalate alerts past their acknowledgement "
                                                                 "deadline to the institutions' managers"))
def escalate() -> None:
    """Escalate the overdue alerts and print how many."""
    from xinyidai import db
    from xinyidai.monitoring import service

    with db.transaction() as session:
        count = service.escalate_overdue(session)
    console.print(f"督办逾期预警 {count} 条")
