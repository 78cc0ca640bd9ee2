"""Monthly reports sent up the platform network (月报上报), topic `reporting.monthly_report` (up): a node's archived
monthly report goes to its parent as its figures snapshot, where it is kept as a received report of that node and
month (`reporting_service.receive_child_report`); a regeneration replaces it there.

The network imports reporting's service, not the other way round (as the bank service imports orders and products):
reporting owns its reports and the received ones, and knows nothing of nodes but a code and a name. Pulls
(`network sync`, the scheduled jobs) carry the topic like any other.
"""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.orm import Session

from xinyidai.errors import DomainError
from xinyidai.network import policy, service
from xinyidai.network import reports_policy as rules
from xinyidai.network.policy import Direction
from xinyidai.network.reports_policy import BadReport
from xinyidai.network.schemas import BatchBody
from xinyidai.reporting import service as reporting_service

log = structlog.get_logger(__name__)


def _capture_reports(session: Session, node: service.Node, marks: dict[str, Any]) -> list[service.Captured]:
    # A report is regenerated in place (same month, a new generation): each is compared with what was last sent.
    sent: dict[str, str] = dict(marks.get("reports", {}))
    found = []
    # The stamps first (the capture runs every minute): a report's files are read only when it is to be sent.
    for stamp in reporting_service.report_stamps(session):
        mark = rules.sent_mark(generation=stamp.generation, figures_sha256=stamp.figures_sha256)
        if sent.get(stamp.month) == mark:
            continue
        report = reporting_service.get_report(session, month=stamp.month)
        # What was read is what is marked sent (a regeneration committed in between is sent by the next capture).
        sent[stamp.month] = rules.sent_mark(generation=report.generations, figures_sha256=report.figures_sha256)
        payload = rules.report_payload(node=node.code, month=report.month, figures=report.figures,
                                       figures_sha256=report.figures_sha256, generated_at=report.generated_at,
                                       generation=report.generations)
        found.append(service.Captured(policy.ANY_ITEM, None, None, payload))
    marks["reports"] = sent
    return found


def _refuse(result: service.Received, seq: int, why: str) -> None:
    result.refused += 1
    result.notes.append(f"{seq}: {why}"[:200])
    log.warning("network monthly report refused", seq=seq, reason=why)


def _apply_reports(session: Session, node: service.Node, body: BatchBody, result: service.Received) -> None:
    member, way = service.neighbour(session, node, body.sender)
    for entry in body.entries:
        if way is not Direction.DOWN:
            # `way` is where data goes to the sender: down means the sender is a child. A report from the parent
            # is refused even if the flow table were set to let it down.
            _refuse(result, entry.seq, "a monthly report comes up from a child node only")
            continue
        try:
            relayed = rules.report_of(entry.payload, sender=body.sender)
            with session.begin_nested():
                stored = reporting_service.receive_child_report(
                    session, node_code=relayed.node, node_name=member.name, month=relayed.month,
                    figures=relayed.figures, figures_sha256=relayed.figures_sha256,
                    generated_at=relayed.generated_at, generation=relayed.generation)
        except (BadReport, DomainError) as exc:
            _refuse(result, entry.seq, str(exc))
            continue
        if stored is None:
            result.duplicate += 1
        else:
            result.stored += 1


def register() -> None:
    """Add the monthly report topic's capture and apply steps to the network's (idempotent)."""
    service.CAPTURERS[rules.REPORT_TOPIC] = _capture_reports
    service.APPLIERS[rules.REPORT_TOPIC] = _apply_reports
