"""Features as of a date: known values on hand-built files, no leakage from after the day, monotonic sanity, and the
feature catalogue document in step with the code. Every test of values runs against both implementations: one
entity at a time (`features.compute`) and column-wise on a page (`feature_columns`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.scoring.credit_files import (
    IMPLEMENTATIONS,
    ITEMS,
    Compute,
    at,
    d,
    file_and_future,
    next_id,
    rec,
)
from xinyidai.creditdata.fields import fingerprint, record_key
from xinyidai.scoring.features import (
    CATALOGUE,
    NAMES,
    Dimension,
    EntitySnapshot,
    RecordSnapshot,
    catalogue_markdown,
    months_before,
)
from xinyidai.scoring.policy import hard_rule_hits

ENTITY = EntitySnapshot(enterprise_id=1, registration_date=date(2018, 5, 1))


@pytest.fixture(scope="module", params=list(IMPLEMENTATIONS), ids=list(IMPLEMENTATIONS))
def compute(request: pytest.FixtureRequest) -> Compute:
    """Each way of computing an entity's features: the same expectations hold for both."""
    return IMPLEMENTATIONS[request.param]


# The catalogue -------------------------------------------------------------------------------------------------


def test_the_catalogue_names_each_feature_once_from_real_sub_categories_in_every_dimension(compute: Compute) -> None:
    assert len(NAMES) == len(set(NAMES)) >= 20
    assert all(source in ITEMS for feature in CATALOGUE for source in feature.sources)
    assert {feature.dimension for feature in CATALOGUE} == set(Dimension)
    assert all(feature.label and feature.description and feature.unit for feature in CATALOGUE)
    assert set(compute(d("2026-01-01"), ENTITY, [])) == set(NAMES)


def test_docs_features_md_is_the_generated_catalogue() -> None:
    document = Path(__file__).resolve().parents[3] / "docs" / "features.md"
    assert document.read_text(encoding="utf-8") == catalogue_markdown(), (
        "docs/features.md is out of date: run `xinyidai model features --markdown > docs/features.md`")
    assert all(f"`{name}`" in document.read_text(encoding="utf-8") for name in NAMES)


def test_months_before_keeps_the_day_or_the_last_day_of_a_shorter_month() -> None:
    assert months_before(d("2026-03-31"), 1) == d("2026-02-28")
    assert months_before(d("2024-03-31"), 1) == d("2024-02-29")
    assert months_before(d("2026-01-15"), 12) == d("2025-01-15")
    assert months_before(d("2026-01-15"), 13) == d("2024-12-15")


# Known values ---------------------------------------------------------------------------------------------------


def test_an_empty_file_gives_counts_of_zero_and_nothing_for_what_needs_data(compute: Compute) -> None:
    features = compute(d("2025-05-01"), ENTITY, [])
    assert features["years_in_operation"] == 7.0  # 2018-05-01 → 2025-05-01: 2557 days / 365.25
    assert features["penalties_36m"] == 0.0
    assert features["tax_paid_12m"] == 0.0
    assert features["tax_credit_grade"] is None
    assert features["social_insurance_headcount"] is None
    assert features["registered_capital"] is None  # the registry's current capital is not used: it may be later
    assert compute(d("2018-04-30"), ENTITY, [])["years_in_operation"] is None


def test_a_tax_grade_raised_on_review_counts_only_from_the_day_the_review_arrived(compute: Compute) -> None:
    records = [
        rec("tax_credit_grade", {"year": "2024", "grade": "B", "evaluated_date": "2025-04-20"}, d("2025-04-25")),
        rec("tax_credit_grade", {"year": "2024", "grade": "A", "evaluated_date": "2025-07-01"}, d("2025-07-10")),
        rec("tax_credit_grade", {"year": "2023", "grade": "M", "evaluated_date": "2024-04-20"}, d("2024-04-22")),
    ]
    assert compute(d("2024-12-31"), ENTITY, records)["tax_credit_grade"] == 3.0  # M: 2023 is the latest year
    assert compute(d("2025-04-24"), ENTITY, records)["tax_credit_grade"] == 3.0  # B evaluated, not yet received
    assert compute(d("2025-07-09"), ENTITY, records)["tax_credit_grade"] == 4.0  # B
    assert compute(d("2025-07-10"), ENTITY, records)["tax_credit_grade"] == 5.0  # A


def test_a_record_received_late_in_the_evening_counts_on_that_business_day_not_before(compute: Compute) -> None:
    evening = rec("admin_penalty", {"decision_no": "南岸执罚〔2025〕1号", "violation": "占道经营",
                                    "penalty_kind": "警告", "severity": "轻微", "decision_date": "2025-06-01",
                                    "authority": "执法局"}, at(d("2025-06-03"), 23, 30))
    assert compute(d("2025-06-02"), ENTITY, [evening])["penalties_12m"] == 0.0
    assert compute(d("2025-06-03"), ENTITY, [evening])["penalties_12m"] == 1.0
    assert compute(d("2025-06-03"), ENTITY, [evening])["days_since_last_penalty"] == 2.0


def test_tax_paid_in_the_last_twelve_months_and_its_change_on_the_twelve_before(compute: Compute) -> None:
    def paid(voucher: str, period: str, amount: str, day: str) -> RecordSnapshot:
        return rec("tax_payment", {"voucher_no": voucher, "tax_period": period, "tax_kind": "增值税",
                                   "amount": amount, "paid_date": day}, d(day) + timedelta(days=5))

    records = [paid("1", "2024-02", "1000.00", "2024-03-10"), paid("2", "2024-08", "2000.00", "2024-09-10"),
               paid("3", "2025-02", "1500.00", "2025-03-10"), paid("4", "2025-05", "3000.50", "2025-06-10"),
               paid("5", "2023-05", "800.00", "2023-06-30")]  # on the edge: (2023-06-30, 2024-06-30] leaves it out
    features = compute(d("2025-06-30"), ENTITY, records)
    assert features["tax_paid_12m"] == 6500.50  # 2000 + 1500 + 3000.50
    assert features["tax_paid_trend"] == 5.5005  # (6500.50 - 1000) / 1000
    assert compute(d("2024-06-30"), ENTITY, records)["tax_paid_trend"] == 0.25  # 1000 against 800 on 2023-06-30
    assert compute(d("2023-12-31"), ENTITY, records)["tax_paid_trend"] is None  # nothing paid the year before


def test_social_insurance_headcount_continuity_and_arrears(compute: Compute) -> None:
    records = []
    months = [(2024, m) for m in range(7, 13)] + [(2025, m) for m in range(1, 6)]
    for year, month in months:
        end = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).isoformat()
        people = 10 if (year, month) < (2025, 3) else 9
        records.append(rec("social_insurance_enrolment", {"month": f"{year}-{month:02d}", "month_end": end,
                                                          "insured_people": str(people)}, d(end) + timedelta(days=12)))
        short = (year, month) in ((2025, 3), (2025, 4))
        records.append(rec("social_insurance_payment", {
            "month": f"{year}{month:02d}", "month_end": end, "amount_due": "11,500.00",
            "amount_paid": "0.00" if short else "11,500.00", "months_in_arrears": "1" if short else "0"},
            d(end) + timedelta(days=12)))
    features = compute(d("2025-06-30"), ENTITY, records)
    assert features["social_insurance_headcount"] == 9.0
    assert features["social_insurance_continuous_months"] == 11.0  # 2024-07 … 2025-05
    assert features["social_insurance_arrears_months_12m"] == 2.0
    gap = [r for r in records if not (r.item == "social_insurance_enrolment" and r.data["month"] == "2024-12")]
    assert compute(d("2025-06-30"), ENTITY, gap)["social_insurance_continuous_months"] == 5.0  # 2025-01 … 05
    stopped = rec("social_insurance_enrolment", {"month": "2025-06", "month_end": "2025-06-30",
                                                 "insured_people": "0"}, d("2025-07-12"))
    assert compute(d("2025-07-31"), ENTITY, [*records, stopped])["social_insurance_continuous_months"] == 0.0
    # Nothing after May 2025 by the end of September: enrolment has stopped.
    assert compute(d("2025-09-30"), ENTITY, records)["social_insurance_continuous_months"] == 0.0


def test_an_abnormal_listing_counts_as_current_until_its_removal_is_known(compute: Compute) -> None:
    listed = {"listed_date": "2024-07-05", "reason": "未按规定报送年度报告", "authority": "市场监管局"}
    records = [rec("abnormal_operation", listed, d("2024-07-06")),
               rec("abnormal_operation", {**listed, "removed_date": "2025-03-01"}, d("2025-03-02"))]
    before, after = compute(d("2025-03-01"), ENTITY, records), compute(d("2025-03-02"), ENTITY, records)
    assert (before["abnormal_listed_now"], after["abnormal_listed_now"]) == (1.0, 0.0)
    assert before["abnormal_listings_36m"] == after["abnormal_listings_36m"] == 1.0  # two versions, one listing
    assert compute(d("2027-07-04"), ENTITY, records)["abnormal_listings_36m"] == 1.0
    assert compute(d("2027-07-05"), ENTITY, records)["abnormal_listings_36m"] == 0.0  # (as_of − 36 months, as_of]


def test_penalties_by_window_and_severity_and_none_past_the_publicity_period(compute: Compute) -> None:
    def penalty(number: str, decided: str, severity: str) -> RecordSnapshot:
        return rec("admin_penalty", {"decision_no": number, "violation": "x", "penalty_kind": "罚款", "amount": "500",
                                     "severity": severity, "decision_date": decided, "authority": "执法局"},
                   d(decided) + timedelta(days=2))

    records = [penalty("1", "2022-01-10", "严重"), penalty("2", "2024-03-01", "一般"),
               penalty("3", "2024-11-20", "严重")]
    features = compute(d("2025-01-09"), ENTITY, records)
    assert (features["penalties_12m"], features["penalties_36m"], features["serious_penalties_36m"]) == (2.0, 3.0, 2.0)
    assert features["days_since_last_penalty"] == 50.0  # 2024-11-20 → 2025-01-09
    # 1095 days after 2022-01-10 is 2025-01-09: the next day the first penalty is no longer shown, nor counted.
    later = compute(d("2025-01-10"), ENTITY, records)
    assert (later["penalties_36m"], later["serious_penalties_36m"]) == (2.0, 1.0)
    assert compute(d("2028-01-01"), ENTITY, records)["days_since_last_penalty"] is None


def test_annual_reports_filed_after_the_deadline_or_missing_once_it_has_passed(compute: Compute) -> None:
    def report(year: int, filed: str) -> RecordSnapshot:
        return rec("annual_report", {"report_year": str(year), "filed_date": filed}, d(filed))

    records = [report(2021, "2022-04-01"), report(2022, "2023-05-01"), report(2023, "2024-08-15")]
    assert compute(d("2025-06-30"), ENTITY, records)["annual_report_years_late"] == 1.0  # 2021–2023: 2023 late
    assert compute(d("2025-07-01"), ENTITY, records)["annual_report_years_late"] == 2.0  # 2022–2024: 2024 missing
    # 2022 is before the earliest report held: not taken as missing.
    assert compute(d("2025-07-01"), ENTITY, records[2:])["annual_report_years_late"] == 2.0
    young = EntitySnapshot(enterprise_id=2, registration_date=date(2024, 3, 1))
    first = report(2024, "2025-08-01")
    assert compute(d("2025-07-01"), young, [first])["annual_report_years_late"] is None  # not yet known on the day
    assert compute(d("2025-08-01"), young, [first])["annual_report_years_late"] == 1.0  # only 2024 was due: late


def test_no_annual_report_ever_collected_is_unknown_not_late_and_breaks_no_hard_rule(compute: Compute) -> None:
    registration = rec("registration", {"entity_name": "重庆某某商贸有限公司", "legal_rep_name": "张三",
                                        "registration_date": "2018-05-01", "operating_status": "存续"}, d("2023-01-10"))
    for records in ([], [registration]):
        values = compute(d("2025-07-01"), ENTITY, records)
        assert values["annual_report_years_late"] is None
        assert hard_rule_hits(values) == []
    # Once a report is held, the years after it that are missing count as late again.
    filed = rec("annual_report", {"report_year": "2022", "filed_date": "2023-05-01"}, d("2023-05-01"))
    assert compute(d("2025-07-01"), ENTITY, [registration, filed])["annual_report_years_late"] == 2.0


def test_self_reported_figures_against_tax_and_social_insurance(compute: Compute) -> None:
    records = [rec("self_reported_operations", {"report_year": "2024", "main_products": "日用百货",
                                                "annual_revenue": "1000000.00", "employees": "12",
                                                "reported_date": "2025-02-01"}, d("2025-02-01"), channel="self_report"),
               rec("social_insurance_enrolment", {"month": "2025-01", "month_end": "2025-01-31",
                                                  "insured_people": "10"}, d("2025-02-12"))]
    for number, period in enumerate(("2024-03", "2024-06", "2024-09", "2024-12"), start=1):
        records.append(rec("tax_payment", {"voucher_no": str(number), "tax_period": period, "tax_kind": "增值税",
                                           "amount": "2500.00", "paid_date": f"{period}-28"}, d(f"{period}-28")))
    features = compute(d("2025-03-01"), ENTITY, records)
    assert features["self_reported_revenue_ratio"] == 1.0  # 1,000,000 ÷ (10,000 VAT ÷ 1%)
    assert features["self_reported_employees_ratio"] == 1.2  # 12 ÷ 10


def test_courts_registration_and_utilities(compute: Compute) -> None:
    case = {"case_no": "（2024）渝0108执1号", "court": "南岸区人民法院", "amount": "50000", "filed_date": "2024-05-01"}
    records = [
        rec("enforcement_case", {**case, "status": "执行中"}, d("2024-05-03"), channel="national"),
        rec("enforcement_case", {**case, "status": "已结案"}, d("2025-01-10"), channel="national"),
        rec("enforcement_case", {**case, "status": "执行中"}, d("2025-02-10")),  # a stale local copy: national wins
        rec("judgment", {"case_no": "（2024）渝0108民初1号", "cause": "买卖合同纠纷", "role": "被告",
                         "judgment_date": "2024-03-01", "court": "南岸区人民法院"}, d("2024-03-05"),
            channel="national"),
        rec("dishonest_debtor", {"case_no": "（2024）渝0108执1号", "court": "南岸区人民法院", "obligation": "支付货款",
                                 "published_date": "2024-07-01"}, d("2024-07-02"), channel="national"),
        rec("registration", {"entity_name": "甲", "legal_rep_name": "张三", "registration_date": "2018-05-01",
                             "registered_capital": "500000", "operating_status": "存续"}, d("2019-01-01")),
        rec("registration", {"entity_name": "甲", "legal_rep_name": "张三", "registration_date": "2018-05-01",
                             "registered_capital": "1000000", "operating_status": "存续"}, d("2025-01-20")),
        rec("water", {"month": "2024-11", "month_end": "2024-11-30", "usage": "6", "amount_billed": "25.20",
                      "amount_overdue": "25.20"}, d("2024-12-05")),
        rec("water", {"month": "2024-12", "month_end": "2024-12-31", "usage": "6", "amount_billed": "25.20",
                      "amount_overdue": "0"}, d("2025-01-05")),
        rec("electricity", {"month": "2024-12", "month_end": "2024-12-31", "usage": "180", "amount_billed": "135.00",
                            "amount_overdue": "135.00"}, d("2025-01-05")),
    ]
    early, late = compute(d("2024-12-31"), ENTITY, records), compute(d("2025-03-01"), ENTITY, records)
    assert (early["enforcement_cases_open"], late["enforcement_cases_open"]) == (1.0, 0.0)
    assert early["judgments_as_defendant_36m"] == late["judgments_as_defendant_36m"] == 1.0
    assert early["dishonest_debtor_open"] == 1.0
    assert (early["registered_capital"], late["registered_capital"]) == (500_000.0, 1_000_000.0)
    assert early["utility_overdue_amount"] == 25.20  # December's bills arrive in January
    assert late["utility_overdue_amount"] == 135.00  # water's latest month 0, electricity's 135
    assert (early["utility_arrears_months_12m"], late["utility_arrears_months_12m"]) == (1.0, 2.0)


# No leakage -----------------------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=file_and_future(), registered=st.dates(date(2005, 1, 1), date(2024, 12, 31)),
       order=st.randoms(use_true_random=False))
def test_nothing_received_or_dated_after_the_day_changes_any_feature(
        case: tuple[date, list[RecordSnapshot], list[RecordSnapshot]], registered: date, order: Any,
        compute: Compute) -> None:
    as_of, known, future = case
    entity = EntitySnapshot(enterprise_id=1, registration_date=registered)
    everything = known + future
    order.shuffle(everything)
    assert compute(as_of, entity, everything) == compute(as_of, entity, known)


def test_the_leakage_property_would_catch_a_later_version_taken_as_current(compute: Compute) -> None:
    # The property above is not vacuous: the same kind of later version does change the features once its day
    # has come, so a compute that looked at it early would fail the property.
    first = rec("abnormal_operation", {"listed_date": "2024-07-05", "reason": "未按规定报送年度报告",
                                       "authority": "市场监管局"}, d("2024-07-06"))
    removal = replace(first, id=next_id(), received_at=at(d("2025-03-02")),
                      data={**first.data, "removed_date": "2025-03-01"})
    removal.record_key = record_key(removal.data, ITEMS["abnormal_operation"].key)
    assert removal.record_key == first.record_key and fingerprint(removal.data) != fingerprint(first.data)
    assert compute(d("2025-03-01"), ENTITY, [first, removal]) == compute(d("2025-03-01"), ENTITY, [first])
    assert compute(d("2025-03-02"), ENTITY, [first, removal]) != compute(d("2025-03-02"), ENTITY, [first])


# Monotonic sanity -----------------------------------------------------------------------------------------------

AS_OF = date(2026, 1, 15)  # the bills of 2025 arrived on 10 January
MONTHS = [(2025, m) for m in range(1, 13)]


def _month_end(year: int, month: int) -> str:
    return (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).isoformat()


@given(overdue=st.lists(st.booleans(), min_size=12, max_size=12), extra=st.integers(0, 11),
       item=st.sampled_from(["water", "electricity", "gas"]))
def test_one_more_month_in_arrears_never_lowers_the_arrears_features(overdue: list[bool], extra: int,
                                                                     item: str, compute: Compute) -> None:
    def utilities(flags: list[bool]) -> list[RecordSnapshot]:
        return [rec(item, {"month": f"{y}-{m:02d}", "month_end": _month_end(y, m), "usage": "10",
                           "amount_billed": "100", "amount_overdue": "100" if flag else "0"}, d("2026-01-10"))
                for (y, m), flag in zip(MONTHS, flags, strict=True)]

    def social_insurance(flags: list[bool]) -> list[RecordSnapshot]:
        return [rec("social_insurance_payment", {"month": f"{y}-{m:02d}", "month_end": _month_end(y, m),
                                                 "amount_due": "1000", "amount_paid": "0" if flag else "1000",
                                                 "months_in_arrears": "0"}, d("2026-01-10"))
                for (y, m), flag in zip(MONTHS, flags, strict=True)]

    worse = [flag or index == extra for index, flag in enumerate(overdue)]
    for build, name in ((utilities, "utility_arrears_months_12m"),
                        (social_insurance, "social_insurance_arrears_months_12m")):
        before, after = compute(AS_OF, ENTITY, build(overdue))[name], compute(AS_OF, ENTITY, build(worse))[name]
        assert before is not None and after is not None
        assert after >= before
        assert after == sum(worse)


@pytest.mark.parametrize("grade", ["A", "B", "M", "C", "D"])
def test_a_worse_tax_grade_is_a_lower_ordinal(grade: str, compute: Compute) -> None:
    order = "ABMCD"
    value = compute(d("2025-06-01"), ENTITY, [rec("tax_credit_grade", {
        "year": "2024", "grade": grade, "evaluated_date": "2025-04-20"}, d("2025-04-21"))])["tax_credit_grade"]
    assert value == 5 - order.index(grade)
