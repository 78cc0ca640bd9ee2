"""The reporting context's background jobs: the monthly report (月报) on the first working day of each month."""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import clock, db, jobs
from xinyidai.audit import service as audit_service
from xinyidai.reporting import service as reporting_service

log = structlog.get_logger(__name__)


# 02:00 in Chongqing every day: from the first working day of a month on, the previous month's report is generated
# once (a day that finds it archived does nothing; a day missed is caught up the next day).
@jobs.job("reporting.monthly_report", queue="nightly", cron="0 18 * * *", lock="reporting.monthly_report", retry=3)
def monthly_report(factory: sessionmaker[Session]) -> None:
    """Generate and archive the previous month's report if it is due and not archived yet."""
    with db.transaction(factory) as session:
        month = reporting_service.due_report(session, today=clock.today())
        if month is None:
            return
        reporting_service.generate_monthly_report(
            session, month=month, actor=audit_service.Actor.system("reporting.monthly_report"))
    log.info("monthly report generated", month=month)
