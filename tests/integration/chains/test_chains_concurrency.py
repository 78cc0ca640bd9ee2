"""Parallel allocations of one community line never exceed it (PostgreSQL: the community's row lock)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import PASSWORD, build_world
from xinyidai import clock, db
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.chains import service as chains_service
from xinyidai.chains.enums import MemberRole
from xinyidai.chains.models import ChainMembership
from xinyidai.chains.schemas import (
    AllocationUpdate,
    CommunityCreate,
    LineUpdate,
    MembershipCreate,
    MembershipDecisionCreate,
)
from xinyidai.errors import DomainError
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate, UserCreate
from xinyidai.registry import service as registry_service
from xinyidai.registry.schemas import EnterpriseCreate

pytestmark = pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"),
    reason="concurrency is tested on PostgreSQL (the PostgreSQL run of make test); SQLite serialises writers",
)
WAN = 1_000_000
MEMBERS = 16


def test_parallel_allocations_never_exceed_the_community_line(committed_database: db.Database,
                                                              frozen_clock: clock.FixedClock) -> None:
    factory = committed_database.session_factory
    with db.transaction(factory) as session:
        world = build_world(session)
        leader = world.principal(session, "other")
        community = chains_service.create_community(session, principal=leader, community_in=CommunityCreate(
            name="并发测试共同体", lender_organisation_id=world.bank_a))
        manager = world.principal(session, "a.manager")
        chains_service.set_line(session, principal=manager, community_id=community.id,
                                line_in=LineUpdate(line_fen=100 * WAN))
        template = registry_service.get(session, enterprise_id=world.good_enterprise)
        memberships = []
        for number in range(MEMBERS):
            enterprise = registry_service.create(session, enterprise_in=EnterpriseCreate.model_validate({
                "uscc": _uscc(number), "name": f"重庆并发供应商{number}有限公司", "kind": "enterprise",
                "legal_rep_name": "张三", "legal_rep_id_number": world.good_id_number,
                "registration_date": template.registration_date, "industry_code": "F52",
                "district_area_id": world.area, "last_annual_report_year": 2025}))
            org = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
                name=enterprise.name, kind=OrgKind.ENTERPRISE, uscc=enterprise.uscc, enterprise_id=enterprise.id))
            identity_service.create_user(session, user_in=UserCreate(
                organisation_id=org.id, username=f"supplier{number}", display_name=f"supplier{number}",
                password=PASSWORD, roles=[Role.ENTERPRISE_ADMIN]))
            member = chains_service.request_membership(
                session, principal=world.principal(session, f"supplier{number}"), community_id=community.id,
                membership_in=MembershipCreate(role=MemberRole.UPSTREAM))
            chains_service.decide_membership(session, principal=leader, community_id=community.id,
                                             membership_id=member.id,
                                             decision_in=MembershipDecisionCreate(confirm=True))
            memberships.append(member.id)
        community_id = community.id

    start = threading.Barrier(MEMBERS)

    def allocate(membership_id: int) -> str:
        start.wait()  # all at once: without the community's row lock several would pass the check together
        try:
            with db.transaction(factory) as session:
                chains_service.allocate(session, principal=manager, community_id=community_id,
                                        membership_id=membership_id,
                                        allocation_in=AllocationUpdate(allocation_fen=15 * WAN))
            return "allocated"
        except DomainError as exc:
            assert "超过共同体授信额度" in exc.message
            return "refused"

    with ThreadPoolExecutor(max_workers=MEMBERS) as pool:
        outcomes = list(pool.map(allocate, memberships))

    # A 1,000,000-yuan line, 150,000 yuan each: exactly six fit.
    assert outcomes.count("allocated") == 6 and outcomes.count("refused") == 10
    with factory() as session:
        total = session.scalar(select(func.sum(ChainMembership.allocation_fen)).where(
            ChainMembership.community_id == community_id))
        assert total == 90 * WAN


def _uscc(number: int) -> str:
    from tests.integration.conftest import uscc
    return uscc(f"MA00001{number:02d}")
