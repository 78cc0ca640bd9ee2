"""How a visit went."""

from __future__ import annotations

from enum import StrEnum


class VisitOutcome(StrEnum):
    """What came of a grid worker's visit to a merchant."""

    VISITED = "visited"
    INTERESTED = "interested"
    REGISTERED = "registered"
    NOT_INTERESTED = "not_interested"


OUTCOME_LABELS = {
    VisitOutcome.VISITED: "已走访",
    VisitOutcome.INTERESTED: "有意向",
    VisitOutcome.REGISTERED: "已注册",
    VisitOutcome.NOT_INTERESTED: "无意向",
}
