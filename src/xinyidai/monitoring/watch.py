"""The watch list (监测名单), derived and never typed: each firm with an outstanding exposure is watched by each
institution that carries it (the lending bank; the guarantee companies of the product's risk-sharing agreement;
the lender of an industry-chain community for each confirmed member it allocated part of the line to), only while
the firm's post-loan authorisation (贷后管理) for that institution and line (or community) is active.

One query, composed of the queries loans, guarantee, chains and consent expose; `materialise` writes it once per
detection run; `refresh_periods` keeps the spans in which each pair was watched, in three set-based statements, and
tells an institution when its watch stopped.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    CursorResult,
    Index,
    MetaData,
    Select,
    String,
    Table,
    and_,
    cast,
    exists,
    func,
    insert,
    literal,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from xinyidai.auth.enums import OrgKind
from xinyidai.chains import service as chains_service
from xinyidai.consent import service as consent_service
from xinyidai.db import UtcDateTime
from xinyidai.guarantee import service as guarantee_service
from xinyidai.loans import service as loans_service
from xinyidai.monitoring import policy
from xinyidai.monitoring.enums import AlertStatus, Severity, Signal
from xinyidai.monitoring.models import Alert, WatchPeriod

POST_LOAN = consent_service.Purpose.POST_LOAN_MANAGEMENT


def watch_query(*, now: datetime, today: date) -> Select[int, int, str, int, int, object]:
    """Every (institution, firm, line) watched now, as rows (organisation_id, enterprise_id, kind, line_id,
    authorisation_id, categories): the exposures joined to who carries them and to the live post-loan grants
    that name that line for that institution."""
    exposure = loans_service.exposure_query(today=today).subquery("exposure")
    guarantor = guarantee_service.guarantor_query().subquery("guarantor")
    member = chains_service.member_exposure_query().subquery("member")
    carrier = union_all(
        select(exposure.c.bank_organisation_id.label("organisation_id"), exposure.c.enterprise_id,
               literal(OrgKind.BANK.value, String(20)).label("kind"), exposure.c.line_id, exposure.c.reference),
        select(guarantor.c.guarantor_organisation_id.label("organisation_id"), exposure.c.enterprise_id,
               literal(OrgKind.GUARANTEE_COMPANY.value, String(20)).label("kind"), exposure.c.line_id,
               exposure.c.reference).join(guarantor, guarantor.c.product_id == exposure.c.product_id),
        # A member of an industry-chain community, for the community's lender, under the community's reference.
        select(member.c.lender_organisation_id, member.c.enterprise_id,
               literal(OrgKind.BANK.value, String(20)), cast(null(), BigInteger), member.c.reference),
    ).subquery("carrier")
    grant = consent_service.live_grants_query(purpose=POST_LOAN, now=now).subquery("grant")
    return select(carrier.c.organisation_id, carrier.c.enterprise_id, carrier.c.kind, carrier.c.line_id,
                  grant.c.authorisation_id, grant.c.categories).join(grant, and_(
                      grant.c.enterprise_id == carrier.c.enterprise_id,
                      grant.c.recipient_organisation_id == carrier.c.organisation_id,
                      grant.c.purpose_ref == carrier.c.reference))


def watched_pairs_query(*, now: datetime, today: date) -> Select[int, int]:
    """The distinct (organisation_id, enterprise_id) pairs of the watch list."""
    watch = watch_query(now=now, today=today).subquery("watch")
    return select(watch.c.organisation_id, watch.c.enterprise_id).distinct()


def is_watched(session: Session, *, organisation_id: int, enterprise_id: int, now: datetime, today: date) -> bool:
    """Whether the institution watches the firm now."""
    watch = watch_query(now=now, today=today).subquery("watch")
    return bool(session.scalar(select(exists().where(watch.c.organisation_id == organisation_id,
                                                     watch.c.enterprise_id == enterprise_id))))


# The watch list of one detection run, computed once and read by every statement of the run: a temporary table (each
# connection its own), one row per (institution, firm, kind, categories granted) with one line and one grant of them.
WATCHER = Table(
    "monitoring_watcher", MetaData(),
    Column("organisation_id", BigInteger, nullable=False),
    Column("enterprise_id", BigInteger, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("categories", String(400), nullable=False),
    Column("line_id", BigInteger),
    Column("authorisation_id", BigInteger),
    Index("ix_monitoring_watcher_enterprise", "enterprise_id"),
    prefixes=["TEMPORARY"],
)


def materialise(session: Session, *, now: datetime, today: date) -> Table:
    """Write the watch list now into this connection's temporary table `WATCHER` (emptied first) and return it."""
    connection = session.connection()
    WATCHER.drop(connection, checkfirst=True)
    WATCHER.create(connection)
    watch = watch_query(now=now, today=today).subquery("watch")
    categories = cast(watch.c.categories, String)
    session.execute(insert(WATCHER).from_select(
        ["organisation_id", "enterprise_id", "kind", "categories", "line_id", "authorisation_id"],
        select(watch.c.organisation_id, watch.c.enterprise_id, watch.c.kind, categories,
               func.min(watch.c.line_id), func.min(watch.c.authorisation_id))
        .group_by(watch.c.organisation_id, watch.c.enterprise_id, watch.c.kind, categories)))
    if connection.dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {WATCHER.name}"))  # autovacuum never sees a temporary table
    return WATCHER


def release(session: Session) -> None:
    """Drop the run's temporary watch list."""
    WATCHER.drop(session.connection(), checkfirst=True)


def refresh_periods(session: Session, *, watcher: Table, now: datetime, run_id: int) -> tuple[int, int]:
    """Bring the watch periods in line with the watch list now (`watcher`, from `materialise`): a pair no longer
    watched ends its period and its institution gets a notice (that the watch stopped, nothing of what follows); a
    pair newly watched opens one. Returns (pairs watched, watches stopped)."""
    pairs = select(watcher.c.organisation_id, watcher.c.enterprise_id).distinct().subquery("pair")
    still = exists().where(pairs.c.organisation_id == WatchPeriod.organisation_id,
                           pairs.c.enterprise_id == WatchPeriod.enterprise_id)
    ending = and_(WatchPeriod.ended_at.is_(None), ~still)
    severity = Severity.HINT
    session.execute(insert(Alert).from_select(
        ["organisation_id", "enterprise_id", "signal", "source_key", "severity", "detection_run_id", "raised_at",
         "due_at", "status"],
        select(WatchPeriod.organisation_id, WatchPeriod.enterprise_id, literal(Signal.WATCH_STOPPED.value),
               literal("w") + cast(WatchPeriod.id, String(20)), literal(severity.value), literal(run_id),
               literal(now, UtcDateTime()), literal(policy.deadline(severity, now), UtcDateTime()),
               literal(AlertStatus.OPEN.value)).where(ending)))
    stopped = session.execute(update(WatchPeriod).where(ending).values(ended_at=now)
                              .execution_options(synchronize_session=False))
    open_period = exists().where(WatchPeriod.organisation_id == pairs.c.organisation_id,
                                 WatchPeriod.enterprise_id == pairs.c.enterprise_id, WatchPeriod.ended_at.is_(None))
    session.execute(insert(WatchPeriod).from_select(
        ["organisation_id", "enterprise_id", "started_at"],
        select(pairs.c.organisation_id, pairs.c.enterprise_id, literal(now, UtcDateTime())).where(~open_period)))
    watched = int(session.scalar(select(func.count()).select_from(WatchPeriod).where(
        WatchPeriod.ended_at.is_(None))) or 0)
    return watched, int(stopped.rowcount) if isinstance(stopped, CursorResult) else 0
