"""The institution's portfolio risk view (贷后风险视图): the firms it watches, its exposure to them, and the alerts
still open, by the most severe open alert, by industry and by town/street."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.guarantee import service as guarantee_service
from xinyidai.loans import service as loans_service
from xinyidai.monitoring.enums import SEVERITY_LABELS, AlertStatus, Signal
from xinyidai.monitoring.models import Alert, WatchPeriod
from xinyidai.registry import service as registry_service
from xinyidai.registry.industries import INDUSTRIES

NO_ALERT = "无未结预警"


@dataclass
class Bucket:
    """One row of a breakdown: how many watched firms, the exposure to them (fen) and their open alerts."""

    label: str
    firms: int = 0
    exposure_fen: int = 0
    open_alerts: int = 0


@dataclass(frozen=True)
class Portfolio:
    """The whole view."""

    firms: int
    exposure_fen: int
    open_alerts: int
    by_severity: list[Bucket]
    by_industry: list[Bucket]
    by_area: list[Bucket]


def _exposure_fen(session: Session, principal: Principal, enterprise_id: int) -> int:
    """What the institution carries of the firm: a bank its lines' drawn principal; a guarantee company its share of
    the drawn principal of lines on products it guarantees."""
    total = 0
    for line in loans_service.lines_of_enterprise(session, enterprise_id=enterprise_id):
        used = loans_service.to_line_read(session, line).used_fen
        if principal.organisation_kind == OrgKind.BANK and line.bank_organisation_id == principal.organisation_id:
            total += used
        elif principal.organisation_kind == OrgKind.GUARANTEE_COMPANY:
            agreement = guarantee_service.agreement_for(session, product_id=line.product_id)
            share = next((s.share_ppm for s in agreement.shares
                          if s.guarantor_organisation_id == principal.organisation_id), 0) if agreement else 0
            total += used * share // 1_000_000
    return total


def portfolio(session: Session, *, principal: Principal) -> Portfolio:
    """The caller's institution's watched firms in three breakdowns."""
    organisation_id = principal.organisation_id
    watched = sorted(set(session.scalars(select(WatchPeriod.enterprise_id).where(
        WatchPeriod.organisation_id == organisation_id, WatchPeriod.ended_at.is_(None)))))
    open_rows = session.execute(select(Alert.enterprise_id, Alert.severity, func.count()).where(
        Alert.organisation_id == organisation_id, Alert.status != AlertStatus.CLOSED,
        Alert.signal != Signal.WATCH_STOPPED).group_by(Alert.enterprise_id, Alert.severity)).all()
    order = list(SEVERITY_LABELS)
    worst: dict[int, str] = {}
    counts: dict[int, int] = defaultdict(int)
    for enterprise_id, severity, count in open_rows:
        counts[enterprise_id] += int(count)
        if enterprise_id not in worst or order.index(severity) > order.index(worst[enterprise_id]):
            worst[enterprise_id] = severity
    severity_rows = {s: Bucket(label) for s, label in reversed(SEVERITY_LABELS.items())}
    severity_rows[""] = Bucket(NO_ALERT)
    industries: dict[str, Bucket] = {}
    areas: dict[str, Bucket] = {}
    total_exposure = 0
    for enterprise_id in watched:
        enterprise = registry_service.get(session, enterprise_id=enterprise_id)
        exposure = _exposure_fen(session, principal, enterprise_id)
        total_exposure += exposure
        industry = INDUSTRIES.get(enterprise.industry_code[:1], enterprise.industry_code[:1] or "—")
        area = enterprise.district_area.name if enterprise.district_area else "—"
        for bucket in (severity_rows[worst.get(enterprise_id, "")], industries.setdefault(industry, Bucket(industry)),
                       areas.setdefault(area, Bucket(area))):
            bucket.firms += 1
            bucket.exposure_fen += exposure
            bucket.open_alerts += counts.get(enterprise_id, 0)
    return Portfolio(firms=len(watched), exposure_fen=total_exposure,
                     open_alerts=sum(counts[e] for e in watched),
                     by_severity=list(severity_rows.values()),
                     by_industry=sorted(industries.values(), key=lambda b: (-b.exposure_fen, b.label)),
                     by_area=sorted(areas.values(), key=lambda b: (-b.exposure_fen, b.label)))
