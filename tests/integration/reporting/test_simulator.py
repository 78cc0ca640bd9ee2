"""The policy simulator through the real database: with the product's current policy it reproduces the live batch
run's pass count and the live credit decision's rate and line for every entity; a saved simulation reproduces and
exports; bad policies are refused in words and nothing is stored; only the commission and the platform admin use it.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import World, _enterprise, _user, id_number, login, page_csrf
from tests.integration.scoring.test_model_registry import _train
from xinyidai import clock
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.guarantee import service as guarantee_service
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import OrganisationCreate
from xinyidai.registry import service as registry_service
from xinyidai.reporting.simulator import projection, service
from xinyidai.reporting.simulator.exceptions import InvalidPolicy
from xinyidai.reporting.simulator.models import PolicySimulation
from xinyidai.reporting.simulator.schemas import PolicyIn, SimulationCreate
from xinyidai.scoring import batch, champion
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.models import ScoringRun

AS_OF = date(2026, 11, 22)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with clock.use(clock.at(2026, 11, 20, 9, 0)):
        return _train(tmp_path_factory.mktemp("simulator-model") / "v1", seed=1)


def _deliver(session: Session, enterprise_id: int, item_code: str, values: dict[str, str],
             at: clock.FixedClock) -> None:
    with clock.use(at):
        item = creditdata_service.get_item(session, code=item_code)
        uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
        parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
        assert not isinstance(parsed, list), parsed
        creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(enterprise_id, parsed)],
                                 channel=Channel.BULK_IMPORT)


def _district(session: Session, world: World) -> list[int]:
    """The fixture world plus firms of another street and industry, with taxes and insured staff of every size, one
    with tax arrears (a hard rule declines it): 5 entities in 南坪街道, 6 in 铜元局街道; 5 in 批发和零售业, 5 in 制造业
    and 1 in 住宿和餐饮业 (too few to be shown alone)."""
    other_area = registry_service.create_area(session, code="500108002", name="铜元局街道", kind="street").id
    ids = [world.good_enterprise, world.other_enterprise]
    for n, (area, industry, tax, staff) in enumerate((
            (world.area, "F52", "4321.00", 2), (other_area, "C33", "250000.00", 40), (other_area, "H62", "1200.50", 3),
            (other_area, "C33", "88000.00", 12), (other_area, "C33", "15000.00", 1), (other_area, "C33", "500.00", 0),
            (other_area, "C33", "61000.00", 0))):
        ids.append(_enterprise(session, area, f"MA000010{n}", f"重庆模拟{n}有限公司", f"模拟{n}",
                               id_number(f"1990010{n + 1}"), industry_code=industry))
        _deliver(session, ids[-1], "tax_payment", {"voucher_no": f"3260150{n}", "tax_period": "2026-09",
                                                   "tax_kind": "增值税", "amount": tax, "paid_date": "2026-10-10"},
                 clock.at(2026, 10, 15))
        if staff:
            _deliver(session, ids[-1], "social_insurance_enrolment",
                     {"month": "2026-10", "month_end": "2026-10-31", "insured_people": str(staff)},
                     clock.at(2026, 11, 5))
    for eid in ids:
        for year in (2023, 2024, 2025):
            _deliver(session, eid, "annual_report", {"report_year": str(year), "filed_date": f"{year + 1}-05-01"},
                     clock.at(year + 1, 5, 2))
    _deliver(session, ids[-1], "tax_arrears", {"tax_kind": "增值税", "amount": "3500.00",
                                               "announced_date": "2026-09-01"}, clock.at(2026, 9, 2))
    return ids


def _scored(session: Session, session_factory: sessionmaker[Session], world: World, model_dir: Path) -> ScoringRun:
    _district(session, world)
    admin = world.principal(session, "admin")
    version = registry.register(session, principal=admin, files=registry.read_directory(model_dir))
    registry.promote(session, principal=admin, version_id=version.id)
    guarantee_service.create_agreement(session, product_id=world.product_a,
                                       guarantor_shares={world.guarantor_org: Decimal("0.8")},
                                       bank_share=Decimal("0.2"))
    session.commit()
    result = batch.run_job(as_of=AS_OF, trigger="cli", session_factory=session_factory)
    assert result.run_id is not None
    return batch.get(session, run_id=result.run_id)


def test_the_current_policy_reproduces_the_live_pass_count_rates_and_lines(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dir: Path) -> None:
    run = _scored(session, session_factory, world, model_dir)
    current = service.current_policy(session, product_id=world.product_a)
    assert (current.min_rate, current.max_rate, current.max_line_fen) == (Decimal("0.035"), Decimal("0.08"),
                                                                         100_000_000)
    assert (current.guarantee_share, current.bank_share, current.guarantee_fee_rate) == (
        Decimal("0.8"), Decimal("0.2"), Decimal("0.012"))
    admin = world.principal(session, "admin")
    simulation = service.simulate(session, principal=admin, simulation_in=SimulationCreate(
        title="现行政策", product_id=world.product_a, policy=PolicyIn.of(current)))
    total = simulation.results["current"]["total"]
    assert simulation.results["proposed"] == simulation.results["current"]
    assert (total["scored"], total["passed"]) == (run.entities_scored, run.entities_approved)
    assert run.entities_declined >= 1 and total["passed"] >= 3  # the arrears firm and the late one do not pass
    assert set(simulation.results["current"]["area"]) == {"南坪街道", "铜元局街道"}
    assert set(simulation.results["current"]["industry"]) == {"制造业", "批发和零售业"}  # the lone restaurant left out

    # Entity by entity: the live decision (the champion's score, then `policy.decide` within the product's bounds)
    # on the features as of the run's day gives the rate and line the projection gives.
    version = registry.get(session, version_id=run.model_version_id)
    projected = projection.project(service.population(session, scoring_run_id=run.id), current)
    entities = registry_service.operating_page(session, registered_by=AS_OF, after_id=0, limit=100)
    features = dict(batch.feature_page(session, as_of=AS_OF, page=entities))
    checked = 0
    for row in projected.iter_rows(named=True):
        values = features[row["enterprise_id"]]
        assert values is not None
        _scored_entity, decided = champion.evaluate(version, values, current.bounds)
        assert row["passed"] == (decided.outcome == "approve")
        if row["passed"]:
            assert Decimal(row["rate_micro"]) / 1_000_000 == decided.annual_rate
            assert row["line_fen"] == decided.line_fen
            assert row["grade"] == decided.grade
            checked += 1
    assert checked == total["passed"]
    lines = {row["line_fen"] for row in projected.iter_rows(named=True) if row["passed"]}
    assert len(lines) >= 3  # the district's lines differ, so the equality above says something


def test_a_simulation_is_kept_reproduced_and_exported_and_moves_as_expected(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dir: Path) -> None:
    run = _scored(session, session_factory, world, model_dir)
    admin = world.principal(session, "admin")
    proposal = PolicyIn.of(service.current_policy(session, product_id=world.product_a)).model_copy(
        update={"bank_share": Decimal("0.4"), "guarantee_share": Decimal("0.6"), "max_line_fen": 20_000_000})
    simulation = service.simulate(session, principal=admin, simulation_in=SimulationCreate(
        title="=HYPERLINK(\"http://x\")", product_id=world.product_a, policy=proposal))
    assert (simulation.scoring_run_id, simulation.as_of, simulation.model_version_id) == (
        run.id, AS_OF, run.model_version_id)
    current, proposed = simulation.results["current"]["total"], simulation.results["proposed"]["total"]
    assert proposed["amount_fen"] < current["amount_fen"]  # a 20万 cap cuts the 100万 lines
    assert proposed["bank_loss_fen"] / proposed["expected_loss_fen"] == pytest.approx(0.4, abs=1e-6)
    assert service.reproduce(session, simulation_id=simulation.id) == simulation.results
    entry = session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "policy_simulation")).one()
    assert entry.action == "reporting.policy_simulated"

    book = load_workbook(io.BytesIO(service.workbook(simulation)))
    assert book.sheetnames == ["假设与输入", "总体", "按镇街", "按行业"]
    assert book["假设与输入"]["B1"].value == "'=HYPERLINK(\"http://x\")"  # shown, never run
    totals = {row[0]: row[1:] for row in book["总体"].iter_rows(min_row=2, values_only=True)}
    assert totals["准入户数"] == (current["passed"], proposed["passed"])
    assert Decimal(str(totals["融资金额（元）"][1])) == Decimal(proposed["amount_fen"]) / 100


@pytest.mark.parametrize(("update", "message"), [
    ({"min_rate": Decimal("0.09")}, "最低利率不能高于最高利率"),
    ({"bank_share": Decimal("0.3")}, "担保方与银行的分担比例合计须为100%，现为110%"),
])
def test_a_bad_policy_is_refused_in_words_and_nothing_is_stored(
        session: Session, session_factory: sessionmaker[Session], world: World, model_dir: Path,
        update: dict[str, Decimal], message: str) -> None:
    _scored(session, session_factory, world, model_dir)
    proposal = PolicyIn.of(service.current_policy(session, product_id=world.product_a)).model_copy(update=update)
    with pytest.raises(InvalidPolicy) as refused:
        service.simulate(session, principal=world.principal(session, "admin"), simulation_in=SimulationCreate(
            title="坏政策", product_id=world.product_a, policy=proposal))
    assert refused.value.message == message
    assert session.scalar(select(func.count()).select_from(PolicySimulation)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.subject_type == "policy_simulation")) == 0


def _supervisor(session: Session) -> None:
    ndrc = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name="区发展改革委", kind=OrgKind.GOVERNMENT_DEPARTMENT))
    _user(session, ndrc.id, "ndrc", [Role.GOVERNMENT_SUPERVISOR])
    session.commit()


def test_the_commission_simulates_on_the_portal_and_a_bank_may_not(
        session: Session, session_factory: sessionmaker[Session], client: TestClient, world: World,
        model_dir: Path) -> None:
    _scored(session, session_factory, world, model_dir)
    _supervisor(session)
    login(client, "ndrc")
    page = client.get(f"/reporting/simulator?product_id={world.product_a}")
    assert page.status_code == 200 and 'value="80"' in page.text  # the guarantee side's 80%, as a person writes it
    token = page_csrf(client, "/reporting/simulator")
    form = {"csrf_token": token, "product_id": str(world.product_a), "title": "银行分担30%",
            "min_rate": "3.5", "max_rate": "8", "guarantee_fee_rate": "1.2", "guarantee_share": "70",
            "bank_share": "30", "revenue_share": "20", "lgd": "60", "utilisation": "100", "pd_best": "0.01",
            "pd_worst": "0.15", "max_pd": "", "max_line_wan": "100", "min_amount_wan": "1",
            "per_employee_yuan": "30000", "min_tax_paid_yuan": "",
            "grade_0_ceiling": "0.02", "grade_0_factor": "1", "grade_1_ceiling": "0.05", "grade_1_factor": "0.8",
            "grade_2_ceiling": "0.1", "grade_2_factor": "0.6", "grade_3_factor": "0.4"}
    bad = client.post("/reporting/simulator", data={**form, "bank_share": "40"})
    assert bad.status_code == 422 and "分担比例合计须为100%" in bad.text
    assert client.post("/reporting/simulator", data={**form, "max_rate": "abc"}).status_code == 422
    assert session.scalar(select(func.count()).select_from(PolicySimulation)) == 0
    done = client.post("/reporting/simulator", data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    shown = client.get(done.headers["location"])
    assert shown.status_code == 200 and "铜元局街道" in shown.text and "制造业" in shown.text
    saved = session.scalars(select(PolicySimulation)).one()
    assert saved.proposed_policy["bank_share"] == "0.3"
    xlsx = client.get(f"/reporting/simulator/{saved.id}/workbook")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

    api = client.get(f"/api/v1/policy-simulations/{saved.id}")
    assert api.status_code == 200 and api.json()["results"] == saved.results
    refused = client.post("/api/v1/policy-simulations", headers={"X-CSRF-Token": token}, json={
        "title": "坏", "product_id": world.product_a,
        "policy": {**client.get(f"/api/v1/policy-simulations/current-policy?product_id={world.product_a}").json(),
                   "min_rate": "0.09"}})
    assert refused.status_code == 422 and refused.json()["message"] == "最低利率不能高于最高利率"

    client.cookies.clear()
    login(client, "a.manager")
    assert client.get("/reporting/simulator").status_code == 403
    assert client.get(f"/api/v1/policy-simulations/{saved.id}").status_code == 403


def test_only_the_products_bank_applies_a_simulation_as_a_new_version_for_review(
        session: Session, session_factory: sessionmaker[Session], client: TestClient, world: World,
        model_dir: Path) -> None:
    from xinyidai.products import service as products_service

    _scored(session, session_factory, world, model_dir)
    proposal = PolicyIn.of(service.current_policy(session, product_id=world.product_a)).model_copy(
        update={"max_rate": Decimal("0.07"), "max_line_fen": 50_000_000, "bank_share": Decimal("0.3"),
                "guarantee_share": Decimal("0.7")})
    simulation = service.simulate(session, principal=world.principal(session, "admin"), simulation_in=SimulationCreate(
        title="上限50万", product_id=world.product_a, policy=proposal))
    session.commit()
    before = products_service.get(session, product_id=world.product_a)
    assert (before.max_rate, before.max_line_fen) == (Decimal("0.08"), 100_000_000)  # simulating changed nothing

    login(client, "b.manager")  # another bank's manager: not its product
    assert client.get(f"/bank/policy-simulations/{simulation.id}").status_code == 404
    client.cookies.clear()
    login(client, "a.manager")
    page = client.get(f"/bank/policy-simulations/{simulation.id}")
    assert page.status_code == 200 and "银行分担比例" in page.text  # named among what applying does not change
    token = page_csrf(client, f"/bank/policy-simulations/{simulation.id}")
    done = client.post(f"/bank/policy-simulations/{simulation.id}/apply", data={"csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303, done.text
    session.expire_all()
    versions = products_service.list_versions(session, principal=world.principal(session, "a.manager"),
                                              product_id=world.product_a)
    newest = max(versions, key=lambda v: v.number)
    assert newest.status == "pending_review" and newest.terms["max_rate"] == "0.070000"
    assert newest.terms["max_line_fen"] == 50_000_000 and f"政策模拟第{simulation.id}号" in newest.note
    live = products_service.get(session, product_id=world.product_a)
    assert (live.max_rate, live.max_line_fen) == (Decimal("0.08"), 100_000_000)  # on sale until reviewed
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "reporting.policy_applied")).one()
    assert entry.detail["not_applied"] == ["guarantee_share", "bank_share"]
    again = client.post(f"/api/v1/policy-simulations/{simulation.id}/apply", headers={"X-CSRF-Token": token})
    assert again.status_code == 409  # a version already waits for review
