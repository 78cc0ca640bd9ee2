"""The monitoring context's background jobs: detection after each delivery and scoring run (and every quarter of
an hour for what a failed run left), and the escalation of alerts left unacknowledged."""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session, sessionmaker

from xinyidai import db, jobs
from xinyidai.creditdata.events import DeliveryCommitted
from xinyidai.monitoring import service
from xinyidai.scoring.events import ScoringRunCompleted

log = structlog.get_logger(__name__)


@jobs.job("monitoring.detect", queue="monitoring", cron="*/15 * * * *", lock="monitoring.detect", retry=3)
def detect(factory: sessionmaker[Session], trigger: str = "schedule", batch_id: int | None = None) -> None:
    """One detection run, committed whole (its alerts, their events, the cursor)."""
    with db.transaction(factory) as session:
        result = service.detect(session, trigger=trigger, batch_id=batch_id)
    log.info("monitoring detection done", run_id=result.run_id, alerts=result.alerts_raised,
             stopped=result.watches_stopped)


@jobs.job("monitoring.escalate", queue="monitoring", cron="*/30 * * * *", lock="monitoring.escalate", retry=3)
def escalate(factory: sessionmaker[Session]) -> None:
    """Send the alerts past their acknowledgement deadline to the institutions' managers."""
    with db.transaction(factory) as session:
        service.escalate_overdue(session)


def on_delivery_committed(session: Session, event: DeliveryCommitted) -> None:
    """Domain-event handler: a delivery batch committed; detection runs over it once this handler's work commits."""
    jobs.defer_after_commit(session, "monitoring.detect", trigger=f"delivery:{event.batch_id}",
                            batch_id=event.batch_id)


def on_scoring_run_completed(session: Session, event: ScoringRunCompleted) -> None:
    """Domain-event handler: a batch scoring run finished; detection compares its grades with the previous run."""
    jobs.defer_after_commit(session, "monitoring.detect", trigger=f"scoring:{event.run_id}")
