"""The public face of post-loan monitoring: what main.py, cli.py, jobs, the router and the pages call.

- `watch`: the watch list, derived from exposures, risk sharing and post-loan authorisations;
- `rules`: rules as data, versioned and audited;
- `detection`: the set-based detection run;
- `alerts`: the risk inbox, the handling workflow and escalation;
- `portfolio`: the institution's portfolio risk view.
"""

from __future__ import annotations

from xinyidai.monitoring.alerts import (
    acknowledge,
    close,
    escalate_overdue,
    get_alert,
    list_alerts,
    open_alerts,
    read_alerts,
    record_action,
)
from xinyidai.monitoring.detection import RunResult, detect
from xinyidai.monitoring.portfolio import Granularity, Portfolio, Trend, portfolio, trend
from xinyidai.monitoring.rules import current_rules, history, set_rule
from xinyidai.monitoring.watch import is_watched, watch_query, watched_pairs_query

__all__ = [
    "Granularity",
    "Portfolio",
    "RunResult",
    "Trend",
    "acknowledge",
    "close",
    "current_rules",
    "detect",
    "escalate_overdue",
    "get_alert",
    "history",
    "is_watched",
    "list_alerts",
    "open_alerts",
    "portfolio",
    "read_alerts",
    "record_action",
    "set_rule",
    "trend",
    "watch_query",
    "watched_pairs_query",
]
