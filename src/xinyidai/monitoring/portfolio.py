"""The institution's portfolio risk view (贷后风险视图): the firms it watches, its exposure to them and the alerts
still open, by the most severe open alert, by industry and by town/street, and the trend (风险趋势) over the last
months or weeks.

Everything is derived from history the platform keeps anyway, in grouped queries, never from a snapshot table: the
watch periods (when each institution watched each firm), the alerts' raised and closed times, and the loans'
ledger, which is never rewritten, so the principal outstanding at a past date is the sum of the postings up to it
(`loans_service.principal_as_of`). A daily snapshot would only copy these, could miss a day and would disagree
with a ledger correction; the derivation shows a past week the same way whenever it is asked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.enums import OrgKind
from xinyidai.auth.principal import Principal
from xinyidai.db import UtcDateTime
from xinyidai.guarantee import service as guarantee_service
from xinyidai.loans import service as loans_service
from xinyidai.monitoring.enums import SEVERITY_LABELS, Signal
from xinyidai.monitoring.models import Alert, WatchPeriod
from xinyidai.registry import service as registry_service
from xinyidai.registry.industries import INDUSTRIES

NO_ALERT = "无未结预警"
Granularity = Literal["month", "week"]
# How many periods the trend shows: half a year by month, a quarter by week.
PERIODS: dict[str, int] = {"month": 6, "week": 12}
PPM = 1_000_000


@dataclass
class Bucket:
    """One row of a breakdown: how many watched firms, the exposure to them (fen) and their open alerts."""

    label: str
    firms: int = 0
    exposure_fen: int = 0
    open_alerts: int = 0


@dataclass(frozen=True)
class Period:
    """One month or week of the trend, its first and last day (the last no later than today)."""

    label: str
    first: date
    last: date


@dataclass(frozen=True)
class Trend:
    """The trend (风险趋势): alerts raised and closed in each period, and at each period's end the exposure to the
    firms then watched by the most severe alert then open (fen, keyed by severity label, NO_ALERT last)."""

    granularity: str
    periods: list[Period]
    raised: list[int]
    closed: list[int]
    exposure_by_severity: dict[str, list[int]]


@dataclass(frozen=True)
class Portfolio:
    """The whole view."""

    firms: int
    exposure_fen: int
    open_alerts: int
    by_severity: list[Bucket]
    by_industry: list[Bucket]
    by_area: list[Bucket]


def periods(*, today: date, granularity: Granularity) -> list[Period]:
    """The trend's periods, oldest first, the current (partial) one last: calendar months, or weeks from Monday."""
    count = PERIODS[granularity]
    found: list[Period] = []
    if granularity == "week":
        monday = today - timedelta(days=today.weekday())
        for back in range(count - 1, -1, -1):
            first = monday - timedelta(weeks=back)
            found.append(Period(first.strftime("%m-%d"), first, min(first + timedelta(days=6), today)))
        return found
    for back in range(count - 1, -1, -1):
        index = today.year * 12 + today.month - 1 - back
        first = date(index // 12, index % 12 + 1, 1)
        following = date((index + 1) // 12, (index + 1) % 12 + 1, 1)
        found.append(Period(first.strftime("%Y-%m"), first, min(following - timedelta(days=1), today)))
    return found


def _start_of(day: date) -> datetime:
    """The instant a business day begins (Chongqing time)."""
    return datetime.combine(day, datetime.min.time(), clock.BUSINESS_TZ)


def _exposures(session: Session, principal: Principal, dates: list[date]) -> dict[int, list[int]]:
    """What the institution carries of each firm at the end of each of `dates` (fen): a bank the principal
    outstanding of its own drawdowns; a guarantee company its share of the principal outstanding on the products
    whose risk it shares."""
    if principal.organisation_kind == OrgKind.BANK:
        moves = loans_service.principal_as_of(session, dates=dates,
                                              bank_organisation_id=principal.organisation_id)
        shares: dict[int, int] = defaultdict(lambda: PPM)
    elif principal.organisation_kind == OrgKind.GUARANTEE_COMPANY:
        shares = defaultdict(int, guarantee_service.shares_of(session, organisation_id=principal.organisation_id))
        moves = loans_service.principal_as_of(session, dates=dates, product_ids=list(shares)) if shares else {}
    else:
        return {}
    found: dict[int, list[int]] = {}
    for (enterprise_id, product_id), amounts in moves.items():
        total = found.setdefault(enterprise_id, [0] * len(dates))
        for index, amount in enumerate(amounts):
            total[index] += amount * shares[product_id] // PPM
    return found


def _rank() -> dict[str, int]:
    return {severity: index for index, severity in enumerate(SEVERITY_LABELS)}


def _severity_rank(column: Any) -> ColumnElement[int]:
    return case(*((column == severity, literal(index)) for severity, index in _rank().items()), else_=literal(-1))


def _risk_alerts(organisation_id: int) -> ColumnElement[bool]:
    # A watch-stopped notice says nothing of the firm's risk.
    return and_(Alert.organisation_id == organisation_id, Alert.signal != Signal.WATCH_STOPPED)


def portfolio(session: Session, *, principal: Principal) -> Portfolio:
    """The caller's institution's watched firms in three breakdowns (grouped queries, whatever the book's size)."""
    organisation_id = principal.organisation_id
    watched = sorted(set(session.scalars(select(WatchPeriod.enterprise_id).where(
        WatchPeriod.organisation_id == organisation_id, WatchPeriod.ended_at.is_(None)))))
    open_rows = session.execute(select(Alert.enterprise_id, Alert.severity, func.count()).where(
        _risk_alerts(organisation_id), Alert.closed_at.is_(None)).group_by(Alert.enterprise_id, Alert.severity)).all()
    rank = _rank()
    worst: dict[int, str] = {}
    counts: dict[int, int] = defaultdict(int)
    for enterprise_id, severity, count in open_rows:
        counts[enterprise_id] += int(count)
        if enterprise_id not in worst or rank.get(severity, -1) > rank.get(worst[enterprise_id], -1):
            worst[enterprise_id] = severity
    severity_rows = {s: Bucket(label) for s, label in reversed(SEVERITY_LABELS.items())}
    severity_rows[""] = Bucket(NO_ALERT)
    industries: dict[str, Bucket] = {}
    areas: dict[str, Bucket] = {}
    exposures = _exposures(session, principal, [clock.today()])
    places = registry_service.places_by_id(session, enterprise_ids=watched)
    total_exposure = 0
    for enterprise_id in watched:
        industry_code, area_name = places.get(enterprise_id, ("", ""))
        exposure = exposures.get(enterprise_id, [0])[0]
        total_exposure += exposure
        industry = INDUSTRIES.get(industry_code[:1], industry_code[:1] or "—")
        area = area_name or "—"
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


def _ends(spans: list[Period]) -> Select[tuple[int, datetime]]:
    """The periods' end instants as a small derived table (index, instant), for the as-of joins."""
    selects = [select(literal(index).label("period"), literal(_start_of(p.last + timedelta(days=1)),
                                                                 UtcDateTime()).label("at"))
               for index, p in enumerate(spans)]
    return select(union_all(*selects).subquery("period_end"))


def _bucket(column: Any, spans: list[Period]) -> ColumnElement[int]:
    return case(*((column < _start_of(p.last + timedelta(days=1)), literal(index)) for index, p in enumerate(spans)),
                else_=literal(len(spans)))


def trend(session: Session, *, principal: Principal, granularity: Granularity = "month") -> Trend:
    """The caller's institution's trend over the last periods: alerts raised and closed per period (one grouped
    query each), and at each period's end the exposure to the firms watched then, by the most severe alert open
    then (one as-of join of the watch periods, one of the alerts, one grouped query of the ledger)."""
    organisation_id = principal.organisation_id
    spans = periods(today=clock.today(), granularity=granularity)
    since = _start_of(spans[0].first)

    def per_period(column: Any) -> list[int]:
        bucket = _bucket(column, spans)
        counted = [0] * len(spans)
        for index, count in session.execute(select(bucket, func.count()).where(
                _risk_alerts(organisation_id), column >= since).group_by(bucket)):
            if int(index) < len(spans):
                counted[int(index)] = int(count)
        return counted

    period_end = _ends(spans).subquery("at")
    watched = session.execute(select(period_end.c.period, WatchPeriod.enterprise_id).distinct().join(
        WatchPeriod, and_(WatchPeriod.started_at < period_end.c.at,
                          or_(WatchPeriod.ended_at.is_(None), WatchPeriod.ended_at >= period_end.c.at)))
        .where(WatchPeriod.organisation_id == organisation_id)).all()
    worst_rank = func.max(_severity_rank(Alert.severity))
    worst = {(int(index), int(enterprise_id)): int(found) for index, enterprise_id, found in session.execute(
        select(period_end.c.period, Alert.enterprise_id, worst_rank).join(
            Alert, and_(Alert.raised_at < period_end.c.at,
                        or_(Alert.closed_at.is_(None), Alert.closed_at >= period_end.c.at)))
        .where(_risk_alerts(organisation_id)).group_by(period_end.c.period, Alert.enterprise_id))}
    exposures = _exposures(session, principal, [p.last for p in spans])
    severities = list(reversed(SEVERITY_LABELS))
    by_severity: dict[str, list[int]] = {SEVERITY_LABELS[s]: [0] * len(spans) for s in severities}
    by_severity[NO_ALERT] = [0] * len(spans)
    for index, enterprise_id in watched:
        found = worst.get((int(index), int(enterprise_id)), -1)
        label = SEVERITY_LABELS[list(SEVERITY_LABELS)[found]] if found >= 0 else NO_ALERT
        by_severity[label][int(index)] += exposures.get(int(enterprise_id), [0] * len(spans))[int(index)]
    return Trend(granularity=granularity, periods=spans, raised=per_period(Alert.raised_at),
                 closed=per_period(Alert.closed_at), exposure_by_severity=by_severity)
