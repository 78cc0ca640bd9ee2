"""The rights context's background jobs: escalating objections past their answer deadline (督办)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from xinyidai import db, jobs
from xinyidai.rights import service as rights_service


# 09:00 in Chongqing, every day; on a day already escalated, or a non-business day, it escalates nothing.
@jobs.job("rights.escalate", queue="nightly", cron="0 1 * * *", lock="rights.escalate", retry=3)
def escalate(factory: sessionmaker[Session]) -> None:
    """Escalate the objections past their answer deadline to the platform admin and supervisors."""
    with db.transaction(factory) as session:
        rights_service.escalate_overdue(session)
