"""A batch run's results, entity by entity, are what the one-entity path gives on generated credit files: the
features as the feature store computes them (`features.compute`), the champion's scorecard and the credit policy
(`champion.evaluate`): score, PD, grade, outcome, the reasons' codes and the two features the line rule reads; an
entity whose file holds a malformed value fails alone. On SQLite (rows fetched, executemany) and PostgreSQL (one
COPY of each page's records, one binary COPY of its results)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import World, _enterprise, id_number
from tests.integration.scoring.test_model_registry import _train
from xinyidai import clock
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.creditdata.models import CreditRecord
from xinyidai.registry import service as registry_service
from xinyidai.scoring import batch, champion, feature_store
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.features import MalformedRecord
from xinyidai.scoring.models import EntityScore
from xinyidai.scoring.preassessment import ProductBounds

AS_OF = date(2026, 11, 22)
ENTITIES = 40
BOUNDS = ProductBounds(min_rate=Decimal("0.035"), max_rate=Decimal("0.08"), max_line_fen=100_000_000,
                       min_amount_fen=1_000_000)


@pytest.fixture(scope="module", params=["scorecard", "blend"])
def model_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A version deciding with its scorecard, and one deciding with the blend (the challenger's ONNX graph too)."""
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        return _train(tmp_path_factory.mktemp("batch-results") / "v1", seed=3, decide_with=request.param)


def _deliver(session: Session, enterprise_id: int, item_code: str, values: dict[str, str], received: date,
             channel: Channel = Channel.BULK_IMPORT) -> None:
    with clock.use(clock.at(received.year, received.month, received.day, 10, 0)):
        item = creditdata_service.get_item(session, code=item_code)
        uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
        parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
        assert not isinstance(parsed, list), parsed
        creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(enterprise_id, parsed)],
                                 channel=channel)


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _generated_file(session: Session, rng: random.Random, eid: int) -> None:
    """A random credit file: taxes of any size or none, insured staff, reports on time, late or missing, penalties,
    and now and then arrears, an abnormal listing (sometimes removed) or a record received after the day."""
    for n in range(rng.randrange(5)):
        paid = _day(rng, date(2024, 6, 1), date(2026, 11, 30))
        _deliver(session, eid, "tax_payment", {
            "voucher_no": f"V{eid}-{n}", "tax_period": f"{paid.year}-{paid.month:02d}",
            "tax_kind": rng.choice(["增值税", "企业所得税"]), "amount": f"{rng.randrange(1, 9_000_000) / 100:.2f}",
            "paid_date": paid.isoformat()}, paid + timedelta(days=rng.randrange(1, 6)))
    for month in rng.sample(range(7, 11), rng.randrange(3)):
        _deliver(session, eid, "social_insurance_enrolment", {
            "month": f"2026-{month:02d}", "month_end": f"2026-{month:02d}-28",
            "insured_people": str(rng.randrange(0, 45))}, date(2026, month + 1, 5))
    for year in (2023, 2024, 2025):
        if rng.random() < 0.85:
            filed = date(year + 1, 5, 1) if rng.random() < 0.8 else date(year + 1, 8, 20)
            _deliver(session, eid, "annual_report", {"report_year": str(year), "filed_date": filed.isoformat()},
                     filed + timedelta(days=1))
    for n in range(rng.choice([0, 0, 0, 1, 2])):
        decided = _day(rng, date(2023, 6, 1), date(2026, 11, 20))
        _deliver(session, eid, "admin_penalty", {
            "decision_no": f"南岸执罚〔{decided.year}〕{eid}{n}号", "violation": "占道经营", "penalty_kind": "罚款",
            "amount": str(rng.randrange(100, 50_000)), "severity": rng.choice(["一般", "严重"]),
            "decision_date": decided.isoformat(), "authority": "重庆市南岸区综合行政执法局"},
                 decided + timedelta(days=2))
    if rng.random() < 0.1:
        _deliver(session, eid, "tax_arrears", {"tax_kind": "增值税", "amount": f"{rng.randrange(100, 90_000)}.00",
                                               "announced_date": "2026-09-01"}, date(2026, 9, 2))
    if rng.random() < 0.1:
        listing = {"listed_date": "2026-03-05", "reason": "未按规定报送年度报告", "authority": "南岸区市场监督管理局"}
        _deliver(session, eid, "abnormal_operation", listing, date(2026, 3, 6))
        if rng.random() < 0.5:
            _deliver(session, eid, "abnormal_operation", {**listing, "removed_date": "2026-10-01"}, date(2026, 10, 2))
    if rng.random() < 0.15:  # known only after the day: no part of the run
        _deliver(session, eid, "tax_arrears", {"tax_kind": "增值税", "amount": "5000.00",
                                               "announced_date": "2026-11-20"}, date(2026, 11, 25))


def _expected(session: Session, eid: int, version: Any) -> tuple[object, ...]:
    """The one-entity path's result: the feature store's features, the champion's scorecard and the policy."""
    try:
        values = feature_store.features_as_of(session, enterprise_id=eid, as_of=AS_OF)
    except MalformedRecord:
        return None, None, "", batch.FAILED, None, None, ["error.features"]
    scored, decided = champion.evaluate(version, values, BOUNDS)
    headcount = values["social_insurance_headcount"]
    return (scored.score, scored.pd, decided.grade, decided.outcome.value, values["tax_paid_12m"],
            None if headcount is None else int(headcount), [reason.code for reason in decided.reasons])


def test_a_runs_results_are_the_one_entity_paths_on_generated_files(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dir: Path) -> None:
    rng = random.Random(13)
    ids = [world.good_enterprise, world.other_enterprise]
    with clock.use(clock.at(2023, 1, 5)):
        for n in range(ENTITIES):
            ids.append(_enterprise(session, world.area, f"MB{n:07d}", f"重庆生成{n}有限公司", f"生成{n}",
                                   id_number(f"1985{n % 12 + 1:02d}{n % 27 + 1:02d}"),
                                   registration_date=_day(rng, date(2010, 1, 1), date(2022, 12, 31))))
    for eid in ids:
        _generated_file(session, rng, eid)
    # One stored value that no longer parses: that entity alone fails.
    broken = next(r for r in creditdata_service.records_known_by(session, enterprise_id=ids[5], as_of=AS_OF)
                  if "report_year" in r.data)
    session.execute(update(CreditRecord).where(CreditRecord.id == broken.id)
                    .values(data={**broken.data, "report_year": "二〇二五"}))
    admin = world.principal(session, "admin")
    version = registry.register(session, principal=admin, files=registry.read_directory(model_dir))
    registry.promote(session, principal=admin, version_id=version.id)
    session.commit()

    result = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=session_factory, chunk=7)
    assert result.ran and result.run_id is not None and result.pages > 3
    stored = {s.enterprise_id: (s.score, s.pd, s.grade, s.outcome, s.tax_paid_12m, s.insured_headcount,
                                s.reason_codes)
              for s in session.scalars(select(EntityScore).where(EntityScore.scoring_run_id == result.run_id))}
    operating = [eid for eid, _d in registry_service.operating_page(session, registered_by=AS_OF, after_id=0,
                                                                      limit=10_000)]
    expected = {eid: _expected(session, eid, version) for eid in operating}
    assert stored == expected
    # The generated files reach every branch the comparison is about.
    outcomes = {row[3] for row in expected.values()}
    assert outcomes == {"approve", "decline", "remediate", batch.FAILED}, outcomes
    assert any(row[4] is None for row in expected.values()) and any(row[5] is None for row in expected.values())
    assert any(code.startswith("rule.") for row in expected.values() for code in row[6])
    assert len({tuple(row[6]) for row in expected.values()}) > 5
    run = batch.get(session, run_id=result.run_id)
    assert (run.entities_total, run.entities_failed) == (len(operating), 1)
    assert (run.entities_approved, run.entities_remediate, run.entities_declined) == tuple(
        sum(row[3] == outcome for row in expected.values()) for outcome in ("approve", "remediate", "decline"))
