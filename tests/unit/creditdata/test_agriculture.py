"""The agricultural facts of an entity, summarised from its agricultural records as of a date (pure)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from xinyidai.creditdata.agriculture import summarise

AS_OF = date(2026, 11, 23)
RECORDS = [
    ("agri_entity", {"kind": "农民合作社", "level": "区县级", "recognised_date": "2021-05-01"}),
    ("agri_crop", {"year": 2026, "season": "全年", "crop": "花椒", "planted_area": "120.5", "location": "广阳镇",
                   "planted_date": "2026-03-01"}),
    ("agri_crop", {"year": 2026, "season": "秋季", "crop": "榨菜", "planted_area": "30", "location": "广阳镇",
                   "planted_date": "2026-10-05"}),
    ("agri_crop", {"year": 2026, "season": "春季", "crop": "榨菜", "planted_area": "10", "location": "迎龙镇",
                   "planted_date": "2026-04-05"}),
    ("agri_crop", {"year": 2025, "season": "全年", "crop": "柑橘", "planted_area": "80", "location": "广阳镇",
                   "planted_date": "2025-03-01"}),
    ("agri_land_contract", {"contract_no": "L1", "kind": "家庭承包", "area": "50", "start_date": "2020-01-01",
                            "end_date": "2049-12-31"}),
    ("agri_land_contract", {"contract_no": "L2", "kind": "土地流转转入", "area": "110", "start_date": "2024-01-01",
                            "end_date": "2028-12-31"}),
    ("agri_land_contract", {"contract_no": "L3", "kind": "土地流转转出", "area": "10", "start_date": "2025-01-01",
                            "end_date": "2027-12-31"}),
    ("agri_land_contract", {"contract_no": "L4", "kind": "土地流转转入", "area": "99", "start_date": "2019-01-01",
                            "end_date": "2023-12-31"}),  # ended
    ("agri_insurance", {"policy_no": "P1", "insured_object": "花椒", "crop": "花椒", "insured_area": "100",
                        "sum_insured": 20_000_000, "start_date": "2026-04-01", "end_date": "2027-03-31"}),
    ("agri_insurance", {"policy_no": "P0", "insured_object": "花椒", "crop": "花椒", "insured_area": "90",
                        "sum_insured": 18_000_000, "start_date": "2025-04-01", "end_date": "2026-03-31"}),  # ended
    ("agri_insurance", {"policy_no": "P2", "insured_object": "榨菜", "sum_insured": 1_000_000,
                        "start_date": "2026-01-10"}),  # no end date: a year from the start, no area given
    ("agri_subsidy", {"year": 2026, "subsidy": "耕地地力保护补贴", "amount": 1_200_000, "paid_date": "2026-06-30"}),
    ("agri_subsidy", {"year": 2025, "subsidy": "耕地地力保护补贴", "amount": 1_100_000, "paid_date": "2025-06-30"}),
    ("agri_yield", {"year": 2025, "crop": "花椒", "output_kg": "9000", "harvest_date": "2025-08-20"}),
    ("agri_yield", {"year": 2024, "crop": "花椒", "output_kg": "8000", "harvest_date": "2024-08-20"}),
    ("registration", {"entity_name": "不相干的记录"}),
]


def test_the_current_season_land_insurance_and_subsidies() -> None:
    facts = summarise(RECORDS, as_of=AS_OF)
    assert facts.operator_kind == "农民合作社" and facts.season_year == 2026
    assert facts.planted_area_by_crop == {"花椒": Decimal("120.5"), "榨菜": Decimal("40")}
    assert facts.planted_area == Decimal("160.5")
    assert facts.contracted_land_area == Decimal("150")  # 50 + 110 − 10; the ended contract not counted
    assert facts.insured_area == Decimal("100") and facts.insured_area_by_crop == {"花椒": Decimal("100")}
    assert facts.sum_insured_fen == 21_000_000
    assert facts.subsidies_last_12_months_fen == 1_200_000
    assert facts.subsidies_by_year_fen == {2025: 1_100_000, 2026: 1_200_000}
    assert facts.latest_output_kg_by_crop == {"花椒": Decimal("9000")}
    assert facts.has_any


def test_as_of_an_earlier_date_sees_the_earlier_season_and_nothing_later() -> None:
    facts = summarise(RECORDS, as_of=date(2025, 12, 31))
    assert facts.season_year == 2025 and facts.planted_area_by_crop == {"柑橘": Decimal("80")}
    assert facts.insured_area == Decimal("90") and facts.subsidies_by_year_fen == {2025: 1_100_000}
    assert facts.latest_output_kg_by_crop == {"花椒": Decimal("9000")}


def test_no_records_no_facts() -> None:
    facts = summarise([], as_of=AS_OF)
    assert not facts.has_any and facts.planted_area == 0 and facts.season_year is None
