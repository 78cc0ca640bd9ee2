"""What matching knows of a firm comes from the contexts that hold it: its planted area from the agricultural credit
database, its membership from the industry-chain communities (wired by the application, as the CLI and demo are)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from tests.integration.conftest import World
from xinyidai import main
from xinyidai.chains import service as chains_service
from xinyidai.chains.enums import MemberRole
from xinyidai.chains.schemas import CommunityCreate, MembershipCreate, MembershipDecisionCreate
from xinyidai.creditdata import service as creditdata_service
from xinyidai.products import service as products_service


def test_the_profile_reads_the_current_seasons_planting_over_the_recognised_main_product(
    session: Session, world: World
) -> None:
    creditdata_service.record_platform_fact(
        session, item_code="agri_entity", enterprise_id=world.good_enterprise,
        values={"kind": "家庭农场", "level": "区县级", "recognised_date": "2024-03-01", "main_product": "花椒",
                "land_area": "35.5"})
    assert products_service.firm_profile(session, enterprise_id=world.good_enterprise).planted_mu == {
        "花椒": Decimal("35.5")}
    for year, area in (("2025", "200"), ("2026", "120.5")):  # last year's larger field is not this season's
        creditdata_service.record_platform_fact(
            session, item_code="agri_crop", enterprise_id=world.good_enterprise,
            values={"year": year, "season": "全年", "crop": "花椒", "planted_area": area, "location": "广阳镇",
                    "planted_date": f"{year}-03-01"})
    assert products_service.firm_profile(session, enterprise_id=world.good_enterprise).planted_mu == {
        "花椒": Decimal("120.5")}


def test_a_confirmed_member_of_a_community_is_a_chain_member_and_a_requested_one_is_not(
    session: Session, world: World
) -> None:
    main.wire_events()
    leader, member = world.principal(session, "good"), world.principal(session, "other")
    community = chains_service.create_community(session, principal=leader, community_in=CommunityCreate(
        name="花椒产业链", lender_organisation_id=world.bank_a))
    membership = chains_service.request_membership(session, principal=member, community_id=community.id,
                                                   membership_in=MembershipCreate(role=MemberRole.UPSTREAM))
    profile = products_service.firm_profile
    assert profile(session, enterprise_id=world.good_enterprise).chain_member  # the leader
    assert not profile(session, enterprise_id=world.other_enterprise).chain_member
    chains_service.decide_membership(session, principal=leader, community_id=community.id,
                                     membership_id=membership.id,
                                     decision_in=MembershipDecisionCreate(confirm=True))
    assert profile(session, enterprise_id=world.other_enterprise).chain_member
    assert not profile(session, enterprise_id=world.late_enterprise).chain_member
