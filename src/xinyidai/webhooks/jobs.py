"""The jobs of webhooks: one attempt of a delivery, and the sweep that finds deliveries due (a retry whose timer
was lost with its process) and gives back those whose sender died. Both `apart`: never in a request."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from xinyidai import jobs
from xinyidai.webhooks import delivery
from xinyidai.webhooks.service import DELIVER_JOB


@jobs.job(DELIVER_JOB, queue="webhooks", apart=True)
def deliver(factory: sessionmaker[Session], *, delivery_id: int, attempts: int) -> None:
    """Try one delivery (if still due at this round's attempt count)."""
    delivery.deliver(factory, delivery_id=delivery_id, attempts=attempts)


@jobs.job("webhooks.sweep", queue="webhooks", cron="* * * * *", single_queued=True, apart=True)
def sweep(factory: sessionmaker[Session]) -> None:
    """Every minute: defer the deliveries that are due."""
    delivery.sweep(factory)
