"""Use cases of outreach: grid workers and their codes, merchants they bring in, visits, coverage, the roll-out plan.

Outreach sits at the top of the contexts: it reads who registered, authorised, applied, was granted a line and
drew money through the lower contexts' services (each a query it joins, never their tables), one query per figure
whatever the size of the district.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import segno
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.audit import service as audit_service
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.consent import service as consent_service
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import EnterpriseRegistrationCreate, UserCreate
from xinyidai.loans import service as loans_service
from xinyidai.orders import service as orders_service
from xinyidai.outreach import policy
from xinyidai.outreach.enums import VisitOutcome
from xinyidai.outreach.exceptions import GridWorkerNotFound, InvalidOutreachInput, UnknownGridWorkerCode
from xinyidai.outreach.models import GridWorker, Referral, RolloutPhase, Visit
from xinyidai.outreach.schemas import GridWorkerCreate, PhaseUpdate, VisitCreate
from xinyidai.registry import service as registry_service
from xinyidai.registry.codes import InvalidCode, validate_uscc

# Where a grid worker's QR code leads: the registration page that keeps the code.
REFERRAL_PATH = "/r/"


# Grid workers --------------------------------------------------------------------------------------


def create_grid_worker(session: Session, *, principal: Principal, grid_worker_in: GridWorkerCreate) -> GridWorker:
    """The platform admin adds a grid worker: a user of a street office or town government (a government
    department) for one of the district's communities, with a fresh personal code; audited."""
    organisation = identity_service.get_organisation(session, organisation_id=grid_worker_in.organisation_id)
    if organisation.kind != OrgKind.GOVERNMENT_DEPARTMENT:
        raise InvalidOutreachInput("网格员须属于街道办事处或镇政府等政府部门",
                                   message_en="a grid worker belongs to a government department")
    registry_service.get_community(session, community_id=grid_worker_in.community_id)
    user = identity_service.create_user(session, user_in=UserCreate(
        organisation_id=organisation.id, username=grid_worker_in.username,
        display_name=grid_worker_in.display_name, password=grid_worker_in.password, roles=[Role.GRID_WORKER]))
    code = policy.new_code()
    while session.scalars(select(GridWorker.id).where(GridWorker.code == code)).first() is not None:
        code = policy.new_code()
    worker = GridWorker(user_id=user.id, community_id=grid_worker_in.community_id, code=code,
                        name=grid_worker_in.display_name, is_active=True, created_at=clock.now())
    session.add(worker)
    session.flush()
    audit_service.record(session, action="outreach.grid_worker_added", actor=principal, subject_type="grid_worker",
                         subject_id=worker.id, detail={"community_id": worker.community_id, "user_id": user.id})
    return worker


def get_by_code(session: Session, *, code: str) -> GridWorker:
    """The active grid worker whose QR code carries `code`, or UnknownGridWorkerCode."""
    normal = policy.normalise_code(code)
    worker = None if normal is None else session.scalars(
        select(GridWorker).where(GridWorker.code == normal, GridWorker.is_active.is_(True))).one_or_none()
    if worker is None:
        raise UnknownGridWorkerCode("推广码无效：没有找到这位网格员，请核对二维码或链接，或直接在平台首页注册",
                                    message_en="unknown grid worker code")
    return worker


def grid_worker_of(session: Session, *, principal: Principal) -> GridWorker:
    """The caller's own grid worker record."""
    worker = None if principal.user_id is None else session.scalars(
        select(GridWorker).where(GridWorker.user_id == principal.user_id)).one_or_none()
    if worker is None:
        raise GridWorkerNotFound("您的账户尚未登记为网格员", message_en="you are not registered as a grid worker")
    return worker


def list_grid_workers(session: Session) -> Sequence[GridWorker]:
    """Every grid worker, by community and name."""
    return session.scalars(select(GridWorker).order_by(GridWorker.community_id, GridWorker.name)).all()


def referral_url(*, base_url: str, code: str) -> str:
    """The address a grid worker's QR code carries."""
    return f"{base_url.rstrip('/')}{REFERRAL_PATH}{code}"


def qr_data_url(url: str) -> str:
    """A QR code of `url` as an SVG data: URL for an <img> (the portal's CSP allows images so, and no script)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=6, border=2, dark="#111827"))


# Referrals ------------------------------------------------------------------------------------------


def register_referred(session: Session, *, code: str, registration_in: EnterpriseRegistrationCreate) -> int:
    """A merchant registers through a grid worker's link: the code is checked first (unknown: nothing is stored),
    the real-name registration runs as on the platform's own page, and the merchant is attributed to the grid
    worker and their community. Returns the new user's id."""
    worker = get_by_code(session, code=code)
    user = identity_service.register_enterprise_user(session, registration_in=registration_in)
    enterprise_id = identity_service.get_organisation(session, organisation_id=user.organisation_id).enterprise_id
    assert enterprise_id is not None
    record_referral(session, grid_worker=worker, enterprise_id=enterprise_id)
    audit_service.record(session, action="outreach.referral_recorded",
                         actor=audit_service.Actor.user(user.id, organisation_id=user.organisation_id),
                         subject_type="grid_worker", subject_id=worker.id, enterprise_id=enterprise_id,
                         purpose="网格员推荐注册", detail={"community_id": worker.community_id})
    return int(user.id)


def record_referral(session: Session, *, grid_worker: GridWorker, enterprise_id: int) -> Referral:
    """Attribute a merchant to a grid worker and their community; a merchant already attributed keeps its first."""
    existing = session.scalars(select(Referral).where(Referral.enterprise_id == enterprise_id)).one_or_none()
    if existing is not None:
        return existing
    referral = Referral(enterprise_id=enterprise_id, grid_worker_id=grid_worker.id,
                        community_id=grid_worker.community_id, created_at=clock.now())
    session.add(referral)
    session.flush()
    return referral


# Visits ---------------------------------------------------------------------------------------------


def record_visit(session: Session, *, principal: Principal, visit_in: VisitCreate) -> Visit:
    """A grid worker records a visit to a merchant of the register (named by its USCC); audited."""
    worker = grid_worker_of(session, principal=principal)
    try:
        uscc = validate_uscc(visit_in.uscc).code
    except InvalidCode as exc:
        raise InvalidOutreachInput(str(exc), message_en="invalid USCC") from exc
    enterprise = registry_service.get_by_uscc(session, uscc=uscc)
    if enterprise is None:
        raise InvalidOutreachInput(f"登记信息中没有统一社会信用代码为{uscc}的市场主体",
                                   message_en="no market entity has this USCC")
    problem = policy.visit_problem(outcome=visit_in.outcome, reason=visit_in.reason, visited_on=visit_in.visited_on,
                                   today=clock.today())
    if problem is not None:
        raise InvalidOutreachInput(problem, message_en="visit refused")
    visit = Visit(grid_worker_id=worker.id, enterprise_id=enterprise.id, community_id=worker.community_id,
                  visited_on=visit_in.visited_on, outcome=visit_in.outcome,
                  reason=(visit_in.reason or "").strip() or None if visit_in.outcome == VisitOutcome.NOT_INTERESTED
                  else None, note=(visit_in.note or "").strip() or None, created_at=clock.now())
    session.add(visit)
    session.flush()
    audit_service.record(session, action="outreach.visit_recorded", actor=principal, subject_type="outreach_visit",
                         subject_id=visit.id, enterprise_id=enterprise.id, purpose="网格员走访",
                         detail={"outcome": visit.outcome})
    return visit


@dataclass(frozen=True)
class VisitRow:
    """A visit as the grid worker's log lists it."""

    id: int
    visited_on: date
    enterprise_name: str
    outcome: str
    reason: str | None
    note: str | None


def list_visits(session: Session, *, grid_worker_id: int, limit: int = 50) -> list[VisitRow]:
    """A grid worker's latest visits, newest first."""
    visits = session.scalars(select(Visit).where(Visit.grid_worker_id == grid_worker_id)
                             .order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(limit)).all()
    names = registry_service.names_by_id(session, enterprise_ids={v.enterprise_id for v in visits})
    return [VisitRow(id=v.id, visited_on=v.visited_on, enterprise_name=names.get(v.enterprise_id, ""),
                     outcome=v.outcome, reason=v.reason, note=v.note) for v in visits]


# Coverage -------------------------------------------------------------------------------------------


def _figure_sets() -> dict[str, Select[Any] | None]:
    """Each coverage figure's set of entities (None: every merchant on the register)."""
    return {
        "merchants": None,
        "visited": select(Visit.enterprise_id),
        "registered": identity_service.registered_enterprises_query(),
        "credited": loans_service.credited_enterprises_query(),
        "financed": loans_service.financed_enterprises_query(),
    }


@dataclass(frozen=True)
class CoverageLine:
    """One line of the coverage table: a town or street, or one of its communities."""

    area_name: str
    community_name: str | None  # None on the town's or street's own line
    figures: policy.Figures
    is_pilot: bool = False


@dataclass(frozen=True)
class Coverage:
    """Coverage of the district: each town or street with its communities, and the district against the target."""

    lines: list[CoverageLine]
    total: policy.Figures
    target: int

    def of_target(self, figure: str) -> float | None:
        """A district figure as a percentage of the target."""
        return policy.percent(getattr(self.total, figure), self.target)


def coverage(session: Session) -> Coverage:
    """Merchants on the register, visited, registered, granted a line and financed, by community and by town or
    street: one query per figure, each counting the register's merchants in that figure's set."""
    places = registry_service.enterprise_places_query().subquery()
    cells: list[tuple[int, int | None, str, int]] = []
    for figure, members in _figure_sets().items():
        query = select(places.c.district_area_id, places.c.community_id, func.count()).group_by(
            places.c.district_area_id, places.c.community_id)
        if members is not None:
            query = query.where(places.c.enterprise_id.in_(members))
        cells.extend((int(area), None if community is None else int(community), figure, int(count))
                     for area, community, count in session.execute(query))
    rolled = policy.roll_up(cells)
    community_names = {c.id: c.name for c in registry_service.list_communities(session)}
    lines: list[CoverageLine] = []
    total = policy.Figures()
    for area in registry_service.list_areas(session):
        found = rolled.get(area.id, policy.AreaCoverage(area_id=area.id))
        lines.append(CoverageLine(area_name=area.name, community_name=None, figures=found.totals,
                                  is_pilot=area.is_pilot))
        for community_id, figures in sorted(found.communities.items(), key=lambda item: (item[0] is None,
                                                                                         item[0] or 0)):
            name = community_names.get(community_id, "") if community_id is not None else "未划分社区"
            lines.append(CoverageLine(area_name=area.name, community_name=name, figures=figures,
                                      is_pilot=area.is_pilot))
        total.add(found.totals)
    return Coverage(lines=lines, total=total, target=policy.MERCHANT_TARGET)


ATTRIBUTED = ("referred", "authorised", "applied", "credited", "financed")


@dataclass(frozen=True)
class Attribution:
    """What the merchants a grid worker (or a community) brought in went on to do: registered through the QR code
    (referred), authorised an institution, applied for financing, were granted a line, drew a loan."""

    name: str  # the grid worker's, or the community's
    community_name: str
    counts: dict[str, int]
    grid_worker_id: int | None = None  # None on a community's line


@dataclass(frozen=True)
class AttributionReport:
    """Attribution by grid worker and by community (a referral counts for the community of its grid worker when
    the merchant came in, should the grid worker move on)."""

    by_worker: list[Attribution]
    by_community: list[Attribution]


def attribution(session: Session) -> AttributionReport:
    """Each grid worker's and each community's referred merchants and how many of them authorised, applied, were
    granted a line and were financed: one query per figure over the referrals."""
    sets: dict[str, Select[Any] | None] = {
        "referred": None,
        "authorised": consent_service.granting_enterprises_query(),
        "applied": orders_service.applicant_enterprises_query(),
        "credited": loans_service.credited_enterprises_query(),
        "financed": loans_service.financed_enterprises_query(),
    }
    by_worker: dict[int, dict[str, int]] = {}
    by_community: dict[int, dict[str, int]] = {}
    for figure, members in sets.items():
        query = select(Referral.grid_worker_id, Referral.community_id, func.count()).group_by(
            Referral.grid_worker_id, Referral.community_id)
        if members is not None:
            query = query.where(Referral.enterprise_id.in_(members))
        for worker_id, community_id, count in session.execute(query):
            counts = by_worker.setdefault(int(worker_id), dict.fromkeys(ATTRIBUTED, 0))
            counts[figure] += int(count)
            counts = by_community.setdefault(int(community_id), dict.fromkeys(ATTRIBUTED, 0))
            counts[figure] += int(count)
    community_names = {c.id: c.name for c in registry_service.list_communities(session)}
    workers = [Attribution(grid_worker_id=w.id, name=w.name, community_name=community_names.get(w.community_id, ""),
                           counts=by_worker.get(w.id, dict.fromkeys(ATTRIBUTED, 0)))
               for w in list_grid_workers(session)]
    communities = [Attribution(name=community_names.get(c, ""), community_name=community_names.get(c, ""),
                               counts=counts) for c, counts in sorted(by_community.items())]
    return AttributionReport(by_worker=workers, by_community=communities)


# The roll-out plan ----------------------------------------------------------------------------------


def set_phase(session: Session, *, principal: Principal, phase_in: PhaseUpdate) -> RolloutPhase:
    """Place a town or street in the roll-out (its phase and dates), replacing what the plan said; audited."""
    problem = policy.phase_problem(starts_on=phase_in.starts_on, ends_on=phase_in.ends_on)
    if problem is not None:
        raise InvalidOutreachInput(problem, message_en="the phase ends before it starts")
    if phase_in.district_area_id not in {a.id for a in registry_service.list_areas(session)}:
        raise InvalidOutreachInput("没有这个镇街", message_en="no such town or street")
    entry = session.scalars(select(RolloutPhase).where(
        RolloutPhase.district_area_id == phase_in.district_area_id)).one_or_none()
    if entry is None:
        entry = RolloutPhase(district_area_id=phase_in.district_area_id, phase=phase_in.phase,
                             starts_on=phase_in.starts_on, ends_on=phase_in.ends_on, updated_at=clock.now())
        session.add(entry)
    entry.phase, entry.starts_on, entry.ends_on = phase_in.phase, phase_in.starts_on, phase_in.ends_on
    entry.note = (phase_in.note or "").strip() or None
    entry.updated_at = clock.now()
    session.flush()
    audit_service.record(session, action="outreach.phase_set", actor=principal, subject_type="rollout_phase",
                         subject_id=entry.id, detail={"district_area_id": entry.district_area_id,
                                                      "phase": entry.phase, "starts_on": entry.starts_on.isoformat(),
                                                      "ends_on": entry.ends_on.isoformat()})
    return entry


@dataclass(frozen=True)
class PlanLine:
    """A town or street in the roll-out plan (phase None: not placed yet)."""

    district_area_id: int
    area_name: str
    phase: int | None
    phase_label: str
    starts_on: date | None
    ends_on: date | None
    state: str
    note: str | None


def plan(session: Session) -> list[PlanLine]:
    """Every town and street with its phase and dates, the pilot first, then by wave and start."""
    entries = {e.district_area_id: e for e in session.scalars(select(RolloutPhase))}
    today = clock.today()
    lines = []
    for area in registry_service.list_areas(session):
        entry = entries.get(area.id)
        if entry is None:
            lines.append(PlanLine(area.id, area.name, None, "未排期", None, None, "未排期", None))
        else:
            lines.append(PlanLine(area.id, area.name, entry.phase, policy.phase_label(entry.phase), entry.starts_on,
                                  entry.ends_on, policy.phase_state(starts_on=entry.starts_on,
                                                                    ends_on=entry.ends_on, today=today),
                                  entry.note))
    return sorted(lines, key=lambda line: (line.phase is None, line.phase or 0, line.starts_on or date.max,
                                           line.area_name))
