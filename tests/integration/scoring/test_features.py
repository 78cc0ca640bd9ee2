"""Features as of a date through the real database: records stored at different moments count from the business
day they arrived, a later version of a fact only from its own day; the batch's column-wise features of a page are
what `feature_store` gives each entity, credit repairs and malformed values included."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.integration.conftest import World
from xinyidai import clock
from xinyidai.cli import app
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel, MarkKind
from xinyidai.creditdata.models import CreditRecord
from xinyidai.registry import service as registry_service
from xinyidai.scoring import batch, feature_store
from xinyidai.scoring.features import MalformedRecord


def _deliver(session: Session, world: World, at: clock.FixedClock, item_code: str, values: dict[str, str],
             channel: Channel = Channel.BULK_IMPORT, enterprise_id: int | None = None) -> None:
    """Store one row of a department's delivery at the moment `at`, as the platform would have then."""
    entity = enterprise_id or world.good_enterprise
    with clock.use(at):
        item = creditdata_service.get_item(session, code=item_code)
        uscc = registry_service.get(session, enterprise_id=entity).uscc
        parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
        assert not isinstance(parsed, list), parsed
        result = creditdata_service.store(session, item=item, rows=[
            creditdata_service.Delivered(entity, parsed)], channel=channel)
        assert result.stored == 1


def _changed(before: dict[str, float | None], after: dict[str, float | None]) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def test_features_as_of_two_days_differ_exactly_by_what_arrived_in_between(session: Session, world: World) -> None:
    listing = {"listed_date": "2024-07-05", "reason": "未按规定报送年度报告", "authority": "南岸区市场监督管理局"}
    _deliver(session, world, clock.at(2024, 7, 6), "abnormal_operation", listing)
    _deliver(session, world, clock.at(2025, 1, 15), "tax_payment", {
        "voucher_no": "325015001", "tax_period": "2024-12", "tax_kind": "增值税", "amount": "2000.00",
        "paid_date": "2025-01-10"})
    _deliver(session, world, clock.at(2025, 3, 2), "abnormal_operation", {**listing, "removed_date": "2025-03-01"})
    _deliver(session, world, clock.at(2025, 4, 25), "tax_credit_grade", {
        "year": "2024", "grade": "B", "evaluated_date": "2025-04-20"})
    # Half an hour before midnight in Chongqing (15:30 UTC): known on 30 June.
    _deliver(session, world, clock.at(2025, 6, 30, 23, 30), "admin_penalty", {
        "decision_no": "南岸执罚〔2025〕7号", "violation": "占道经营", "penalty_kind": "罚款", "amount": "500",
        "severity": "一般", "decision_date": "2025-06-20", "authority": "重庆市南岸区综合行政执法局"})
    # Half an hour after midnight (still 30 June in UTC): known on 1 July only.
    _deliver(session, world, clock.at(2025, 7, 1, 0, 30), "tax_payment", {
        "voucher_no": "325065001", "tax_period": "2025-05", "tax_kind": "增值税", "amount": "3000.00",
        "paid_date": "2025-06-28"})
    _deliver(session, world, clock.at(2025, 7, 10), "tax_credit_grade", {
        "year": "2024", "grade": "A", "evaluated_date": "2025-07-01"}, channel=Channel.API_PUSH)

    def features(day: date) -> dict[str, float | None]:
        return feature_store.features_as_of(session, enterprise_id=world.good_enterprise, as_of=day)

    march, june_29, july_1, july_10 = (features(date(2025, 3, 1)), features(date(2025, 6, 29)),
                                       features(date(2025, 7, 1)), features(date(2025, 7, 10)))
    assert (march["abnormal_listed_now"], march["tax_credit_grade"], march["tax_paid_12m"]) == (1.0, None, 2000.0)
    assert _changed(march, june_29) == {"years_in_operation", "abnormal_listed_now", "tax_credit_grade"}
    assert (june_29["abnormal_listed_now"], june_29["tax_credit_grade"]) == (0.0, 4.0)
    assert june_29["abnormal_listings_36m"] == 1.0  # one listing in two versions
    assert _changed(june_29, july_1) == {"years_in_operation", "tax_paid_12m", "penalties_12m", "penalties_36m",
                                         "days_since_last_penalty"}
    assert (july_1["tax_paid_12m"], july_1["penalties_12m"], july_1["days_since_last_penalty"]) == (5000.0, 1.0, 11.0)
    assert _changed(july_1, july_10) == {"years_in_operation", "tax_credit_grade", "days_since_last_penalty"}
    assert july_10["tax_credit_grade"] == 5.0
    # What the platform holds now is not what it knew then: today the grade is A and the listing removed.
    assert features(clock.today())["tax_credit_grade"] == 5.0
    entity, records = feature_store.snapshot(session, enterprise_id=world.good_enterprise, as_of=date(2025, 6, 30))
    assert entity.registration_date == date(2018, 5, 1)
    assert sorted(r.item for r in records) == ["abnormal_operation", "abnormal_operation", "admin_penalty",
                                               "tax_credit_grade", "tax_payment"]


def test_the_registry_row_as_it_is_now_does_not_leak_into_the_features(session: Session, world: World) -> None:
    # The fixture entity's registry row holds a capital of 2,000,000 yuan and 12 employees today; without dated
    # records of them, the features do not know them.
    features = feature_store.features_as_of(session, enterprise_id=world.good_enterprise, as_of=date(2020, 1, 1))
    assert features["registered_capital"] is None
    assert features["social_insurance_headcount"] is None
    assert features["years_in_operation"] == 1.67  # 610 days


def _history(session: Session, world: World) -> None:
    """Two entities' files with history: versions by two channels, late arrivals, a penalty, a monthly series."""
    listing = {"listed_date": "2024-07-05", "reason": "未按规定报送年度报告", "authority": "南岸区市场监督管理局"}
    _deliver(session, world, clock.at(2024, 7, 6), "abnormal_operation", listing)
    _deliver(session, world, clock.at(2025, 3, 2), "abnormal_operation", {**listing, "removed_date": "2025-03-01"})
    _deliver(session, world, clock.at(2025, 4, 25), "tax_credit_grade", {
        "year": "2024", "grade": "B", "evaluated_date": "2025-04-20"})
    _deliver(session, world, clock.at(2025, 7, 10), "tax_credit_grade", {
        "year": "2024", "grade": "A", "evaluated_date": "2025-07-01"}, channel=Channel.API_PUSH)
    case = {"case_no": "（2024）渝0108执1号", "court": "南岸区人民法院", "amount": "50000", "filed_date": "2024-05-01"}
    _deliver(session, world, clock.at(2024, 5, 3), "enforcement_case", {**case, "status": "执行中"},
             channel=Channel.NATIONAL)
    _deliver(session, world, clock.at(2025, 2, 10), "enforcement_case", {**case, "status": "已结案"},
             channel=Channel.NATIONAL)
    for month, paid in (("2025-03", "1000.10"), ("2025-05", "2000.20"), ("2025-06", "3000.30")):
        _deliver(session, world, clock.at(2025, int(month[5:]) + 1, 3), "tax_payment", {
            "voucher_no": f"V{month}", "tax_period": month, "tax_kind": "增值税", "amount": paid,
            "paid_date": f"{month}-28"}, enterprise_id=world.other_enterprise)
    for month in ("2025-04", "2025-05", "2025-06"):
        _deliver(session, world, clock.at(2025, int(month[5:]) + 1, 12), "social_insurance_enrolment", {
            "month": month, "month_end": f"{month}-28", "insured_people": "8"}, enterprise_id=world.other_enterprise)
    _deliver(session, world, clock.at(2025, 6, 30, 23, 30), "admin_penalty", {
        "decision_no": "南岸执罚〔2025〕7号", "violation": "占道经营", "penalty_kind": "罚款", "amount": "500",
        "severity": "严重", "decision_date": "2025-06-20", "authority": "重庆市南岸区综合行政执法局"},
             enterprise_id=world.other_enterprise)


def test_the_batch_computes_a_pages_features_column_wise_as_the_feature_store_does_for_each_entity(
        session: Session, world: World) -> None:
    _history(session, world)
    # The penalty is repaired with effect from 1 August: before that day it counts, from it on it does not.
    held = creditdata_service.records_known_by(session, enterprise_id=world.other_enterprise, as_of=date(2025, 7, 1))
    penalty = next(r for r in held if r.record_key.startswith("南岸"))
    creditdata_service.mark_record(session, record_id=penalty.id, kind=MarkKind.REPAIRED, reference="XF-1",
                                   user_id=None, effective_date=date(2025, 8, 1))
    seen = []
    for day in (date(2025, 3, 1), date(2025, 7, 1), date(2025, 7, 10), date(2025, 8, 1), clock.today()):
        page = registry_service.operating_page(session, registered_by=day, after_id=0, limit=1000)
        assert len(page) >= 2
        by_batch = batch.feature_page(session, as_of=day, page=page)
        assert by_batch == [(e, feature_store.features_as_of(session, enterprise_id=e, as_of=day)) for e, _d in page]
        seen.append(dict(by_batch)[world.other_enterprise])
    assert [v["penalties_12m"] if v else None for v in seen] == [0.0, 1.0, 1.0, 0.0, 0.0]
    assert seen[2] is not None and seen[2]["tax_paid_12m"] == 6000.6


def test_a_malformed_stored_value_fails_its_entity_alone(session: Session, world: World) -> None:
    _history(session, world)
    held = creditdata_service.records_known_by(session, enterprise_id=world.good_enterprise, as_of=date(2025, 7, 10))
    grade = next(r for r in held if "grade" in r.data)  # B for 2024, received 25 April
    session.execute(update(CreditRecord).where(CreditRecord.id == grade.id)
                    .values(data={**grade.data, "year": "二〇二四"}))
    session.expire_all()
    page = registry_service.operating_page(session, registered_by=date(2025, 7, 1), after_id=0, limit=1000)
    values = dict(batch.feature_page(session, as_of=date(2025, 7, 1), page=page))
    assert values[world.good_enterprise] is None
    assert all(v is not None for e, v in values.items() if e != world.good_enterprise)
    with pytest.raises(MalformedRecord):
        feature_store.features_as_of(session, enterprise_id=world.good_enterprise, as_of=date(2025, 7, 1))


def test_the_cli_prints_the_catalogue_that_docs_features_md_holds() -> None:
    result = CliRunner().invoke(app, ["model", "features", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.output == (Path(__file__).resolve().parents[3] / "docs" / "features.md").read_text(encoding="utf-8")
    listed = CliRunner().invoke(app, ["model", "features"])
    assert listed.exit_code == 0 and "features" in listed.output
