"""The demo's roll-out (F18): a street office or town government for each pilot area with a grid worker (网格员)
for one of its communities, the pilot plan (the three pilot areas first, then the rest in two waves), visits to the
community's merchants, and the registered merchants each grid worker brought in. Drawn from a generator of its
own, after everything else, so that the rest of the district is what it was."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.principal import Principal
from xinyidai.identity import service as identity_service
from xinyidai.outreach import service as outreach_service
from xinyidai.outreach.enums import VisitOutcome
from xinyidai.outreach.schemas import GridWorkerCreate, PhaseUpdate, VisitCreate
from xinyidai.registry import service as registry_service

GRID_WORKER_NAMES = ("刘网格员", "黄网格员", "何网格员")
NOT_INTERESTED_REASONS = ("暂无资金需求", "已有银行贷款", "担心信息泄露", "经营规模小，暂不考虑")
MAX_VISITS = 6


def seed(session: Session, *, admin: Principal, password: str, seed: int,
         organisation: Callable[[str], int]) -> list[tuple[str, str, str]]:
    """The grid workers, the plan, visits and referrals; returns each grid worker's (username, name, office) for
    the printed logins. `organisation(name) -> id` makes a government organisation as the generator does."""
    rng = random.Random(f"{seed}:outreach")
    today = clock.today()
    areas = list(registry_service.list_areas(session))
    communities: dict[int, list[int]] = {}
    for community in registry_service.list_communities(session):
        communities.setdefault(community.district_area_id, []).append(community.id)
    _plan(session, admin=admin, areas=[(a.id, a.is_pilot) for a in areas], today=today)
    logins: list[tuple[str, str, str]] = []
    pilots = [a for a in areas if a.is_pilot][:len(GRID_WORKER_NAMES)]
    for index, area in enumerate(pilots):
        office_name = f"{area.name}办事处" if area.kind == "street" else f"{area.name}人民政府"
        office_id = organisation(office_name)
        # The community with the most merchants, so that the grid worker's round has someone to visit.
        members = {c: registry_service.community_enterprises(session, community_id=c)
                   for c in communities.get(area.id, [])}
        if not members:
            continue
        community_id = max(members, key=lambda c: (len(members[c]), -c))
        username = "grid.worker" if index == 0 else f"grid.worker{index + 1}"
        worker = outreach_service.create_grid_worker(session, principal=admin, grid_worker_in=GridWorkerCreate(
            organisation_id=office_id, community_id=community_id, username=username,
            display_name=GRID_WORKER_NAMES[index], password=password))
        logins.append((username, GRID_WORKER_NAMES[index], office_name))
        principal = identity_service.principal_for_user(identity_service.get_user(session, user_id=worker.user_id))
        for enterprise in members[community_id][:MAX_VISITS]:
            registered = identity_service.get_enterprise_organisation(session, enterprise_id=enterprise.id)
            if registered is not None:
                outreach_service.record_referral(session, grid_worker=worker, enterprise_id=enterprise.id)
                outcome, reason = VisitOutcome.REGISTERED, None
            else:
                outcome = rng.choice([VisitOutcome.VISITED, VisitOutcome.INTERESTED, VisitOutcome.NOT_INTERESTED])
                reason = rng.choice(NOT_INTERESTED_REASONS) if outcome == VisitOutcome.NOT_INTERESTED else None
            outreach_service.record_visit(session, principal=principal, visit_in=VisitCreate(
                uscc=enterprise.uscc, visited_on=today - timedelta(days=rng.randint(0, 40)), outcome=outcome,
                reason=reason))
    return logins


def _plan(session: Session, *, admin: Principal, areas: list[tuple[int, bool]], today: date) -> None:
    """The pilot areas started four months ago and run two more; the rest follow in two waves."""
    pilot_start = today - timedelta(days=120)
    rest = [area_id for area_id, pilot in areas if not pilot]
    for area_id, pilot in areas:
        if pilot:
            phase, starts = 1, pilot_start
        else:
            wave = 1 if rest.index(area_id) < (len(rest) + 1) // 2 else 2
            phase, starts = 1 + wave, pilot_start + timedelta(days=180 * wave)
        outreach_service.set_phase(session, principal=admin, phase_in=PhaseUpdate(
            district_area_id=area_id, phase=phase, starts_on=starts, ends_on=starts + timedelta(days=179),
            note="首批试点" if phase == 1 else None))

