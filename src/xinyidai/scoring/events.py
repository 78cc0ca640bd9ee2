"""Domain events that scoring publishes."""

from __future__ import annotations

from datetime import date

from xinyidai.events import DomainEvent


class ScoringRunCompleted(DomainEvent):
    """A batch scoring run finished (every page scored); `previous_run_id` is the run it is compared with."""

    name = "scoring.run_completed"
    run_id: int
    as_of: date
    previous_run_id: int | None
