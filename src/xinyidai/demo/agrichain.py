"""The demo district's agriculture and industry chain: a farmers' cooperative and a family farm report what they
plant (花椒, 榨菜, 柑橘), harvest and farm on under a credit commitment, and a chain community led by the demo firm,
lent to by the district's bank, with the two farms as suppliers and a distributor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from xinyidai import clock
from xinyidai.auth.principal import Principal
from xinyidai.chains import service as chains_service
from xinyidai.chains.enums import MemberRole
from xinyidai.chains.schemas import (
    AllocationUpdate,
    CommunityCreate,
    LineUpdate,
    MembershipCreate,
    MembershipDecisionCreate,
    ReceivableCreate,
    TradeCreate,
)
from xinyidai.creditdata import selfreport
from xinyidai.creditdata.schemas import FactsSelfReportCreate
from xinyidai.demo.districts import District
from xinyidai.identity import service as identity_service

WAN = 10_000 * 100  # 10,000 yuan in fen


@dataclass(frozen=True, slots=True)
class Party:
    """A demo firm and the user who acts for it."""

    enterprise_id: int
    user_id: int


def _principal(session: Session, user_id: int) -> Principal:
    return identity_service.principal_for_user(identity_service.get_user(session, user_id=user_id))


def _report(session: Session, party: Party, item_code: str, values: dict[str, str]) -> None:
    selfreport.report_facts(session, principal=_principal(session, party.user_id), item_code=item_code,
                            facts_in=FactsSelfReportCreate(values=values, accept_commitment=True))


def farm_reports(session: Session, *, cooperative: Party, farm: Party, today: date, places: tuple[str, str]) -> int:
    """The cooperative's and the farm's crops, harvests and land contracts, each under a commitment; how many.

    `places` are the two towns (district name included) where the cooperative and the farm grow."""
    coop_town, farm_town = places
    year = today.year if today.month >= 11 else today.year - 1  # a season whose autumn planting is past
    reports = [
        (cooperative, "agri_crop", {"year": str(year), "season": "全年", "crop": "花椒", "planted_area": "320",
                                    "location": coop_town, "planted_date": f"{year}-03-01",
                                    "expected_harvest": f"{year + 1}-07"}),
        (cooperative, "agri_crop", {"year": str(year), "season": "秋季", "crop": "榨菜", "planted_area": "80",
                                    "location": coop_town, "planted_date": f"{year}-10-08",
                                    "expected_harvest": f"{year + 1}-02"}),
        (cooperative, "agri_yield", {"year": str(year - 1), "crop": "花椒", "harvested_area": "300",
                                     "output_kg": "27000", "sales_revenue": "2160000",
                                     "harvest_date": f"{year - 1}-08-15"}),
        (cooperative, "agri_land_contract", {"contract_no": f"GY-LZ-{year - 2}-017", "kind": "土地流转转入",
                                             "area": "400", "counterparty": f"{coop_town}回龙村股份经济合作联合社",
                                             "start_date": f"{year - 2}-01-01", "end_date": f"{year + 8}-12-31",
                                             "annual_rent": "240000"}),
        (farm, "agri_crop", {"year": str(year), "season": "全年", "crop": "柑橘", "planted_area": "65",
                             "location": farm_town, "planted_date": f"{year}-02-20",
                             "expected_harvest": f"{year}-12"}),
        (farm, "agri_yield", {"year": str(year - 1), "crop": "柑橘", "harvested_area": "60", "output_kg": "90000",
                              "sales_revenue": "360000", "harvest_date": f"{year - 1}-12-10"}),
        (farm, "agri_land_contract", {"contract_no": f"YL-CB-{year - 10}-003", "kind": "家庭承包", "area": "15",
                                      "counterparty": f"{farm_town}北斗村村民委员会",
                                      "start_date": f"{year - 10}-01-01", "end_date": f"{year + 17}-12-31"}),
        (farm, "agri_land_contract", {"contract_no": f"YL-LZ-{year - 1}-021", "kind": "土地流转转入", "area": "50",
                                      "counterparty": f"{farm_town}北斗村股份经济合作社",
                                      "start_date": f"{year - 1}-03-01", "end_date": f"{year + 4}-02-28",
                                      "annual_rent": "30000"}),
    ]
    for party, item_code, values in reports:
        _report(session, party, item_code, values)
    return len(reports)


def chain_community(session: Session, *, leader: Party, lender_id: int, manager_user_id: int,
                    suppliers: list[Party], distributor: Party | None, today: date, district_short: str) -> int:
    """A community led by `leader` and lent to by `lender_id`: members confirmed, the line allocated, a receivable
    confirmed and a few trades recorded; its id."""
    def principal(user_id: int) -> Principal:
        return _principal(session, user_id)

    lead, manager = principal(leader.user_id), principal(manager_user_id)
    community = chains_service.create_community(session, principal=lead, community_in=CommunityCreate(
        name=f"{district_short}花椒柑橘产业链信用共同体", lender_organisation_id=lender_id))
    members = [(party, MemberRole.UPSTREAM) for party in suppliers]
    if distributor is not None:
        members.append((distributor, MemberRole.DOWNSTREAM))
    chains_service.set_line(session, principal=manager, community_id=community.id,
                            line_in=LineUpdate(line_fen=300 * WAN))
    for number, (party, role) in enumerate(members):
        membership = chains_service.request_membership(session, principal=principal(party.user_id),
                                                       community_id=community.id,
                                                       membership_in=MembershipCreate(role=role))
        chains_service.decide_membership(session, principal=lead, community_id=community.id,
                                         membership_id=membership.id,
                                         decision_in=MembershipDecisionCreate(confirm=True))
        chains_service.allocate(session, principal=manager, community_id=community.id, membership_id=membership.id,
                                allocation_in=AllocationUpdate(allocation_fen=(80, 50, 60)[number % 3] * WAN))
        trade_day = today - timedelta(days=10 + number)
        chains_service.record_trade(session, principal=lead, community_id=community.id, trade_in=TradeCreate(
            membership_id=membership.id, document_kind="发票" if role == MemberRole.UPSTREAM else "订单",
            document_no=f"HJ-{trade_day:%Y%m%d}-{number + 1:03d}", amount_fen=(12, 8, 15)[number % 3] * WAN,
            trade_date=trade_day))
        if number == 0:
            chains_service.confirm_receivable(session, principal=lead, community_id=community.id,
                                              membership_id=membership.id, receivable_in=ReceivableCreate(
                                                  document_no=f"YS-{today:%Y%m}-001", amount_fen=40 * WAN,
                                                  trade_date=trade_day, due_date=today + timedelta(days=90)))
    return community.id


def seed(session: Session, *, cooperative: Party, farm: Party, leader: Party, distributor: Party | None,
         lender_id: int, manager_user_id: int, district: District) -> tuple[int, int]:
    """The farms' reports and the chain community; (reports made, community id)."""
    today = clock.today()
    towns = [name for name, kind, _ in district.areas if kind == "town"] or [name for name, _, _ in district.areas]
    places = (f"{district.name}{towns[0]}", f"{district.name}{towns[-1]}")
    reports = farm_reports(session, cooperative=cooperative, farm=farm, today=today, places=places)
    community = chain_community(session, leader=leader, lender_id=lender_id, manager_user_id=manager_user_id,
                                suppliers=[cooperative, farm], distributor=distributor, today=today,
                                district_short=district.short)
    return reports, community
