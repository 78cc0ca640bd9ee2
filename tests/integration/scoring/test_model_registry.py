"""The model registry and credit decisions through the real database: register, promote (one champion), the
pre-assessment of an order made by the champion and stored with its version, and decisions reproduced later."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from tests.integration.conftest import World, build_world, login
from xinyidai import clock, db
from xinyidai.cli import app, upgrade_database
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.registry import service as registry_service
from xinyidai.scoring import champion
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.exceptions import InvalidModel, ModelAdminOnly, ModelAlreadyRegistered
from xinyidai.scoring.labels import assessor_label, reason_label
from xinyidai.scoring.modelling import development, scorecard, store
from xinyidai.scoring.modelling.dataset import TrainingData
from xinyidai.scoring.models import CreditDecision, ModelVersion
from xinyidai.scoring.preassessment import EntityFacts, ProductBounds


def _train(out: Path, seed: int, columns: tuple[str, ...] = ("tax_paid_12m", "penalties_36m",
                                                              "social_insurance_headcount"),
           decide_with: str | None = "scorecard") -> Path:
    """A version trained on a synthetic frame whose columns are the platform's feature names, deciding with its
    scorecard unless told otherwise (None: the candidate cross-validation chooses)."""
    rng = np.random.default_rng(seed)
    n = 400
    tax = rng.gamma(2.0, 20_000, n)
    penalties = rng.poisson(0.8, n).astype(float)
    staff = rng.poisson(12, n).astype(float)
    logit = -1.5 - 0.00002 * (tax - 40_000) + 0.7 * penalties - 0.05 * (staff - 12)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(dict(zip(columns, (tax, penalties, staff), strict=True)))
    data = TrainingData(frame=frame, y_bad=y, numeric=list(columns), categorical=[], dates=None, dropped=[])
    store.save(development.develop(data, folds=3, seed=seed, decide_with=decide_with), out)
    return out


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("models")
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        return _train(root / "v1", seed=1), _train(root / "v2", seed=2)


def _bounds() -> ProductBounds:
    return ProductBounds(min_rate=Decimal("0.035"), max_rate=Decimal("0.08"), max_line_fen=100_000_000,
                         min_amount_fen=1_000_000)

ARREARS = {"tax_kind": "增值税", "amount": "3500.00", "announced_date": "2026-09-01"}


def _deliver(session: Session, world: World, at: clock.FixedClock, item_code: str, values: dict[str, str]) -> None:
    """Store one department row about the good enterprise, received at `at`."""
    with clock.use(at):
        item = creditdata_service.get_item(session, code=item_code)
        uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
        parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
        assert not isinstance(parsed, list), parsed
        creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(world.good_enterprise, parsed)],
                                 channel=Channel.BULK_IMPORT)


def _deliver_tax(session: Session, world: World) -> None:
    """A tax payment, and annual reports filed on time (without them the years count as late)."""
    _deliver(session, world, clock.at(2026, 3, 15), "tax_payment", {
        "voucher_no": "326015001", "tax_period": "2026-02", "tax_kind": "增值税", "amount": "18000.00",
        "paid_date": "2026-03-10"})
    for year in (2023, 2024, 2025):
        _deliver(session, world, clock.at(year + 1, 5, 2), "annual_report", {
            "report_year": str(year), "filed_date": f"{year + 1}-05-01"})


def _register(session: Session, world: World, directory: Path) -> ModelVersion:
    return registry.register(session, principal=world.principal(session, "admin"),
                             files=registry.read_directory(directory))


def _as_tuple(decision: CreditDecision) -> tuple[object, ...]:
    return (decision.model_version_id, decision.as_of, decision.features, decision.score, decision.pd,
            decision.grade, decision.outcome, decision.annual_rate, decision.line_fen, decision.reasons)


def test_only_the_platform_admin_registers_and_promotes(session: Session, world: World,
                                                        model_dirs: tuple[Path, Path]) -> None:
    files = registry.read_directory(model_dirs[0])
    with pytest.raises(ModelAdminOnly):
        registry.register(session, principal=world.principal(session, "a.manager"), files=files)
    version = _register(session, world, model_dirs[0])
    with pytest.raises(ModelAdminOnly):
        registry.promote(session, principal=world.principal(session, "good"), version_id=version.id)
    assert version.status == "candidate" and registry.champion(session) is None


def test_the_same_files_twice_and_foreign_inputs_are_refused(session: Session, world: World,
                                                            model_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    version = _register(session, world, model_dirs[0])
    assert version.digest == registry.read_directory(model_dirs[0]).digest
    with pytest.raises(ModelAlreadyRegistered):
        _register(session, world, model_dirs[0])
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        foreign = _train(tmp_path / "foreign", seed=3, columns=("income", "penalties_36m", "staff"))
    with pytest.raises(InvalidModel, match="income"):
        _register(session, world, foreign)
    with pytest.raises(InvalidModel):
        _register(session, world, tmp_path)  # no model files at all
    assert len(registry.list_versions(session)) == 1


def test_promotion_keeps_one_champion_and_records_who_retired_whom(session: Session, world: World,
                                                                   model_dirs: tuple[Path, Path],
                                                                   frozen_clock: clock.FixedClock) -> None:
    admin = world.principal(session, "admin")
    first, second = (_register(session, world, d) for d in model_dirs)
    registry.promote(session, principal=admin, version_id=first.id)
    frozen_clock.advance(timedelta(hours=2))
    registry.promote(session, principal=admin, version_id=second.id)
    assert registry.champion(session) == second
    assert [v.status for v in registry.list_versions(session)] == ["champion", "retired"]
    assert first.retired_by_user_id == admin.user_id and second.promoted_by_user_id == admin.user_id
    assert first.retired_at == second.promoted_at == clock.now()
    assert first.promoted_at is not None and first.retired_at is not None and first.promoted_at < first.retired_at


def test_without_a_champion_the_rules_answer_and_the_decision_says_so(session: Session, world: World) -> None:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12, repayment_method="equal_installment",
        purpose="采购原材料", authorise=True))
    decision = champion.for_order(session, order_id=order.id)
    assert decision is not None and decision.model_version_id is None and decision.pd is None
    assert order.assessor_version == decision.assessor == "rules-2026.1"
    assert decision.reasons[-1]["code"] == "note.no_champion"
    assert "尚未启用冠军模型，按规则预评估" in order.estimate_reasons


def test_the_champion_assesses_the_order_and_the_bank_sees_score_pd_reasons_and_version(
        session: Session, world: World, model_dirs: tuple[Path, Path], client: TestClient) -> None:
    _deliver_tax(session, world)
    version = registry.promote(session, principal=world.principal(session, "admin"),
                               version_id=_register(session, world, model_dirs[0]).id)
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12, repayment_method="equal_installment",
        purpose="采购原材料", authorise=True))
    session.commit()
    decision = champion.for_order(session, order_id=order.id)
    assert decision is not None and decision.model_version_id == version.id
    assert decision.features["tax_paid_12m"] == 18_000.0 and decision.as_of == clock.today()
    assert order.assessor_version == f"model:{version.version_label}"
    assert order.estimate_score == round(decision.score) and order.estimated_rate == decision.annual_rate
    assert decision.pd is not None and 0 < decision.pd < 1
    assert decision.reasons and all(r["kind"] == "model" and r["text"] for r in decision.reasons)
    login(client, "a.officer")
    page = client.get(f"/orders/{order.id}").text
    assert version.version_label in page
    # People read a version, not an id: the label is shown, the id only in its tooltip.
    assert f">{assessor_label(order.assessor_version)}</span>" in page and "信用模型 " in page
    assert f">{order.assessor_version}<" not in page
    assert 'data-testid="estimated-pd"' in page
    assert decision.reasons[0]["text"] in page
    # In English mode the same reasons are said from their codes, the points lost as the decision stored them.
    client.cookies.set("lang", "en")
    english = client.get(f"/orders/{order.id}").text
    for reason in decision.reasons:
        assert reason["text"] not in english and reason_label(reason, "en") in english
        assert reason_label(reason, "en").endswith(" points)")
    assert f">{assessor_label(order.assessor_version, 'en')}</span>" in english


def test_same_enterprise_day_and_version_give_the_same_decision_even_after_a_new_champion(
        session: Session, world: World, model_dirs: tuple[Path, Path], frozen_clock: clock.FixedClock) -> None:
    _deliver_tax(session, world)
    admin = world.principal(session, "admin")
    first = registry.promote(session, principal=admin, version_id=_register(session, world, model_dirs[0]).id)
    as_of = date(2026, 6, 30)
    original = champion.decide(session, enterprise_id=world.good_enterprise, as_of=as_of, bounds=_bounds())
    again = champion.decide(session, enterprise_id=world.good_enterprise, as_of=as_of, bounds=_bounds())
    assert again.id != original.id and _as_tuple(again) == _as_tuple(original)

    frozen_clock.advance(timedelta(days=3))
    second = registry.promote(session, principal=admin, version_id=_register(session, world, model_dirs[1]).id)
    with_second = champion.decide(session, enterprise_id=world.good_enterprise, as_of=as_of, bounds=_bounds())
    assert with_second.model_version_id == second.id
    rerun = champion.decide(session, enterprise_id=world.good_enterprise, as_of=as_of, bounds=_bounds(),
                            model_version_id=first.id)
    assert _as_tuple(rerun) == _as_tuple(original)
    session.expire_all()  # read back from the database, not from the identity map
    stored = session.scalars(select(CreditDecision).where(CreditDecision.id == original.id)).one()
    replayed = champion.reproduce(session, decision_id=stored.id)
    assert (replayed.outcome, replayed.grade, replayed.annual_rate, replayed.line_fen,
            [r.as_dict() for r in replayed.reasons]) == (stored.outcome, stored.grade, stored.annual_rate,
                                                        stored.line_fen, stored.reasons)


def test_tax_arrears_decline_with_the_rule_as_the_reason(session: Session, world: World,
                                                         model_dirs: tuple[Path, Path]) -> None:
    _deliver_tax(session, world)
    registry.promote(session, principal=world.principal(session, "admin"),
                     version_id=_register(session, world, model_dirs[0]).id)
    _deliver(session, world, clock.at(2026, 9, 2), "tax_arrears", ARREARS)
    decision = champion.decide(session, enterprise_id=world.good_enterprise, as_of=clock.today(), bounds=_bounds())
    assert (decision.outcome, decision.line_fen) == ("decline", 0)
    assert decision.reasons[0] == {"code": "rule.tax_arrears", "text": "存在欠税", "kind": "rule"}
    before = champion.decide(session, enterprise_id=world.good_enterprise, as_of=date(2026, 9, 1), bounds=_bounds())
    assert before.outcome == "approve"  # the arrears were not known yet on that day
    # The champion's pre-assessment (测一测) says the same: a decline, the rule broken and what to do about it.
    facts = EntityFacts(kind="enterprise", scale="small", registration_date=date(2010, 1, 1),
                        registered_capital_fen=500_000_000, employees=20, is_abnormal=False,
                        annual_reports_current=True)
    estimate = champion.ChampionPreAssessor(session, enterprise_id=world.good_enterprise).assess(
        facts, _bounds(), today=clock.today())
    assert (estimate.declined, estimate.line_fen) == (True, 0)
    assert estimate.broken_rules == ["存在欠税"] and estimate.remedies == ["尽快缴清欠缴的税款"]


def test_cli_registers_promotes_and_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          model_dirs: tuple[Path, Path]) -> None:
    url = f"sqlite:///{tmp_path / 'models.db'}"
    upgrade_database(url)
    database = db.Database(url)
    monkeypatch.setattr(db, "_database", database)
    with db.transaction(database.session_factory) as session:
        build_world(session)
    runner = CliRunner()
    result = runner.invoke(app, ["model", "register", "--model", str(model_dirs[0]), "--as", "admin"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["model", "register", "--model", str(model_dirs[0]), "--as", "admin"]).exit_code == 2
    refused = runner.invoke(app, ["model", "register", "--model", str(model_dirs[1]), "--as", "a.officer"])
    assert refused.exit_code == 2 and "平台管理员" in refused.output
    assert runner.invoke(app, ["model", "promote", "1", "--as", "admin"]).exit_code == 0
    assert runner.invoke(app, ["model", "promote", "99", "--as", "admin"]).exit_code == 2
    listing = runner.invoke(app, ["model", "list"])
    assert listing.exit_code == 0 and "冠军" in listing.output
    with database.session_factory() as session:
        champion_version = registry.champion(session)
        assert champion_version is not None and champion_version.id == 1
    database.engine.dispose()


def test_a_version_deciding_with_the_blend_scores_with_its_stored_challenger(session: Session, world: World,
                                                                           tmp_path: Path) -> None:
    """The blend's decision is the mean of the scorecard's and the challenger's log-odds, scaled and calibrated, with
    the challenger run from the graph held in the database; the reasons stay the scorecard's; without the graph the
    version is refused."""
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        directory = _train(tmp_path / "blend", seed=4, decide_with="blend")
    version = _register(session, world, directory)
    assert registry.decides_with(version) == "blend" and version.challenger_onnx
    loaded = store.load(directory)
    values = {"tax_paid_12m": 12_000.0, "penalties_36m": 2.0, "social_insurance_headcount": None}
    x = np.array([[np.nan if values[i["name"]] is None else values[i["name"]] for i in loaded.inputs]])
    total, _pd, points = loaded.run_scorecard(x)
    spec = version.scorecard_spec
    scorecard_log_odds = (spec["scaling"]["offset"] - total[0]) / spec["scaling"]["factor"]
    boosted = loaded.run_challenger(x)[0]
    blended = (scorecard_log_odds + np.log(boosted / (1 - boosted))) / 2
    c = spec["calibration"]
    scored = champion.score_features(version, values)
    assert scored.pd == pytest.approx(1 / (1 + np.exp(-(c["slope"] * blended + c["intercept"]))), rel=1e-9)
    assert scored.score == pytest.approx(spec["scaling"]["offset"] - spec["scaling"]["factor"] * blended, rel=1e-9)
    assert scored.score != pytest.approx(total[0], abs=1e-6)  # not the scorecard's points alone
    assert [r.code for r in scored.reasons] == [
        f"model.{name}" for name, _lost in
        scorecard.top_losses(spec, points, 3)[0]]
    (directory / "challenger.onnx").unlink()
    with pytest.raises(InvalidModel, match="challenger"):
        registry.register(session, principal=world.principal(session, "admin"),
                          files=registry.read_directory(directory))
