"""Rules of the monthly reports sent up the platform network (月报上报) with no I/O: the topic and its flow rules,
and what travels of a report.

A node's monthly report (月报), once archived, goes up to its parent as its figures snapshot with the snapshot's
checksum, the month, when it was generated and which generation it is; the workbook and the PDF stay at the node
(the parent can draw them from the figures). It never goes down or sideways, and it is not relayed further up: a
parent sends up its own reports only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xinyidai.network.policy import ANY_ITEM, Direction

REPORT_TOPIC = "reporting.monthly_report"
REPORT_TOPIC_LABELS = {REPORT_TOPIC: "下级节点月报"}

REPORT_RULES = (
    (REPORT_TOPIC, Direction.UP, ANY_ITEM, True, "本节点的月报（统计数据及其校验值）上报上级节点"),
    (REPORT_TOPIC, Direction.DOWN, ANY_ITEM, False, "月报不下达"),
)

MONTH = re.compile(r"^20[0-9]{2}-(0[1-9]|1[0-2])$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BadReport(ValueError):
    """An entry of `reporting.monthly_report` that is not what the topic carries."""


def report_payload(*, node: str, month: str, figures: Mapping[str, Any], figures_sha256: str,
                   generated_at: datetime, generation: int) -> dict[str, Any]:
    """A monthly report of this node as it goes up: its figures snapshot and their checksum."""
    return {"node": node, "month": month, "figures": dict(figures), "figures_sha256": figures_sha256,
            "generated_at": generated_at.isoformat(), "generation": generation, "path": [node]}


def sent_mark(*, generation: int, figures_sha256: str) -> str:
    """What the capture remembers of a report it sent: a new generation (or other figures) is sent again."""
    return f"{generation}/{figures_sha256}"


@dataclass(frozen=True)
class RelayedReport:
    """A child node's monthly report as received."""

    node: str
    month: str
    figures: dict[str, Any]
    figures_sha256: str
    generated_at: datetime
    generation: int


def report_of(payload: Mapping[str, Any], *, sender: str) -> RelayedReport:
    """The report an entry carries; a report comes from the node it is of only (a node relays no other's)."""
    if payload.get("node") != sender:
        raise BadReport("a monthly report comes from the node it is of")
    month, digest, figures = payload.get("month"), payload.get("figures_sha256"), payload.get("figures")
    if not isinstance(month, str) or not MONTH.match(month):
        raise BadReport("month: YYYY-MM")
    if not isinstance(digest, str) or not SHA256.match(digest):
        raise BadReport("figures_sha256: 64 hexadecimal digits")
    if not isinstance(figures, dict) or not isinstance(figures.get("figures"), dict):
        raise BadReport("report without its figures")
    generation = payload.get("generation")
    if not isinstance(generation, int) or isinstance(generation, bool) or not 1 <= generation < 2**31:
        raise BadReport("generation: a whole number from 1")
    try:
        generated_at = datetime.fromisoformat(str(payload.get("generated_at")))
    except ValueError as exc:
        raise BadReport("generated_at: a time") from exc
    if generated_at.tzinfo is None:
        raise BadReport("generated_at without timezone")
    return RelayedReport(node=sender, month=month, figures=dict(figures), figures_sha256=digest,
                         generated_at=generated_at, generation=generation)
