"""The loans context's background jobs: end of day (日终) every night."""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import clock, db, jobs
from xinyidai.audit import service as audit_service
from xinyidai.loans import eod
from xinyidai.loans.exceptions import EndOfDayAlreadyRun

log = structlog.get_logger(__name__)


# 00:30 in Chongqing: the day that has just ended, and any day before it not yet run, each in its own transaction.
@jobs.job("loans.end_of_day", queue="nightly", cron="30 16 * * *", lock="loans.end_of_day", retry=3)
def end_of_day(factory: sessionmaker[Session]) -> None:
    """Run end of day for every business date up to yesterday not yet done, one committed date at a time."""
    through = clock.today() - timedelta(days=1)
    while True:
        with db.transaction(factory) as session:
            day = eod.next_date(session)
            if day is None or day > through:
                return
            try:
                eod.run(session, business_date=day, actor=audit_service.Actor.system("loans.end_of_day"))
            except EndOfDayAlreadyRun:  # another caller (the admin's page) ran it meanwhile
                continue
        log.info("end of day done", business_date=day.isoformat())
