"""`xinyidai rights ...`: the deadlines of information subjects' objections."""

from __future__ import annotations

from xinyidai.cli_support import bilingual, command_group, console

app = command_group("信息主体权益：异议与信用修复", "Information-subject rights: objections and credit repair")


@app.command("escalate", help=bilingual("督办超过答复期限的异议（每个工作日一次）",
                                        "Escalate objections past their answer deadline to the platform admin and "
                                        "supervisors (once a business day: running it again the same day "
                                        "escalates nothing more)"))
def escalate() -> None:
    """Escalate the overdue objections and print their numbers."""
    from xinyidai import db
    from xinyidai.rights import service as rights_service

    with db.transaction() as session:
        escalated = rights_service.escalate_overdue(session)
        numbers = [o.number for o in escalated]
    console.print(f"督办逾期异议 {len(numbers)} 件" + (f"：{'、'.join(numbers)}" if numbers else ""))
