"""Outreach through the real database: coverage by community and town/street on a small hand-built district whose
answers are worked out below, attribution to the grid worker who brought a merchant in, the QR link's registration
and its bad input, the visit log and the roll-out plan."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, _enterprise, counted_selects, id_number, login, page_csrf, uscc
from xinyidai import clock, events
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import Organisation
from xinyidai.identity.schemas import EnterpriseRegistrationCreate, OrganisationCreate
from xinyidai.loans import service as loans_service
from xinyidai.loans.models import CreditLine
from xinyidai.loans.schemas import DrawdownCreate
from xinyidai.main import wire_events
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderApprove, OrderCreate, OrderPropose
from xinyidai.outreach import policy, service
from xinyidai.outreach.enums import VisitOutcome
from xinyidai.outreach.exceptions import InvalidOutreachInput, UnknownGridWorkerCode
from xinyidai.outreach.models import GridWorker, Referral, RolloutPhase, Visit
from xinyidai.outreach.schemas import GridWorkerCreate, PhaseUpdate, VisitCreate
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service


class District:
    """The hand-built district on top of the fixture world (its four entities sit in 南坪街道 with no community).

    南坪街道 (the world's area): community C1 with n1 and n2; the world's good, other, late (registered) and
    unregistered with no community.  长生桥镇: community C2 with n3 and n4 (n4 cancelled: off the register).
    Grid worker W1 of C1 brings in n1 (through the QR link) and good; W2 of C2 brings in n3.
    """

    def __init__(self, session: Session, world: World) -> None:
        admin = world.principal(session, "admin")
        self.town = registry_service.create_area(session, code="500108009", name="长生桥镇", kind="town").id
        self.c1 = registry_service.create_community(session, district_area_id=world.area, name="福红社区").id
        self.c2 = registry_service.create_community(session, district_area_id=self.town, name="茶园村").id
        self.n1_idn, self.n3_idn = id_number("19900101"), id_number("19910202")
        self.n1 = _enterprise(session, world.area, "MA0000011", "南岸区一号商行", "钱一", self.n1_idn,
                              community_id=self.c1)
        self.n2 = _enterprise(session, world.area, "MA0000012", "南岸区二号商行", "孙二", id_number("19900303"),
                              community_id=self.c1)
        self.n3 = _enterprise(session, self.town, "MA0000013", "南岸区三号农场", "李三", self.n3_idn,
                              community_id=self.c2)
        self.n4 = _enterprise(session, self.town, "MA0000014", "南岸区四号商行", "周四", id_number("19900404"),
                              community_id=self.c2, operating_status="cancelled")
        office = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="南坪街道办事处", kind=OrgKind.GOVERNMENT_DEPARTMENT))
        town_office = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
            name="长生桥镇人民政府", kind=OrgKind.GOVERNMENT_DEPARTMENT))
        self.w1 = service.create_grid_worker(session, principal=admin, grid_worker_in=GridWorkerCreate(
            organisation_id=office.id, community_id=self.c1, username="grid.one", display_name="网格员甲",
            password=PASSWORD))
        self.w2 = service.create_grid_worker(session, principal=admin, grid_worker_in=GridWorkerCreate(
            organisation_id=town_office.id, community_id=self.c2, username="grid.two", display_name="网格员乙",
            password=PASSWORD))
        session.commit()


def _registration(body: str, rep: str, idn: str, username: str) -> EnterpriseRegistrationCreate:
    return EnterpriseRegistrationCreate(uscc=uscc(body), legal_rep_name=rep, id_number=idn, username=username,
                                        display_name=rep, password=PASSWORD)


def _visit(session: Session, world: World, username: str, body: str, outcome: VisitOutcome,
           reason: str | None = None) -> None:
    service.record_visit(session, principal=world.principal(session, username), visit_in=VisitCreate(
        uscc=uscc(body), visited_on=clock.today(), outcome=outcome, reason=reason))


def _finance_good(session: Session, world: World) -> None:
    """good applies (authorising the bank), is approved (a line) and draws on it; other only applies."""
    wire_events()
    officer, manager = world.principal(session, "a.officer"), world.principal(session, "a.manager")
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=10_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="补充流动资金", authorise=True))
    orders_service.accept(session, principal=officer, order=order)
    orders_service.propose(session, principal=officer, order=order, proposal_in=OrderPropose(
        line_fen=10_000_000, annual_rate=Decimal("0.04"), term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT))
    orders_service.approve(session, principal=manager, order=order, decision_in=OrderApprove())
    orders_service.apply(session, principal=world.principal(session, "other"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=5_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="进货", authorise=True))
    session.commit()
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()
    line = session.scalars(select(CreditLine).where(CreditLine.order_id == order.id)).one()
    loans_service.draw(session, principal=world.principal(session, "good"), line_id=line.id,
                       drawdown_in=DrawdownCreate(amount_fen=3_000_000, term_months=6,
                                                  method=RepaymentMethod.EQUAL_INSTALLMENT),
                       idempotency_key="outreach-draw-1")
    session.commit()


def _build(session: Session, world: World) -> District:
    district = District(session, world)
    service.register_referred(session, code=district.w1.code,
                              registration_in=_registration("MA0000011", "钱一", district.n1_idn, "n1.admin"))
    service.register_referred(session, code=district.w2.code,
                              registration_in=_registration("MA0000013", "李三", district.n3_idn, "n3.admin"))
    service.record_referral(session, grid_worker=district.w1, enterprise_id=world.good_enterprise)
    # n4 registered before it was cancelled: registered, but no longer a merchant on the register.
    identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name="南岸区四号商行", kind=OrgKind.ENTERPRISE, uscc=uscc("MA0000014"), enterprise_id=district.n4))
    _visit(session, world, "grid.one", "MA0000011", VisitOutcome.INTERESTED)
    _visit(session, world, "grid.one", "MA0000011", VisitOutcome.REGISTERED)
    _visit(session, world, "grid.one", "MA0000012", VisitOutcome.NOT_INTERESTED, reason="暂无资金需求")
    _visit(session, world, "grid.one", "MA0000001", VisitOutcome.VISITED)  # good
    _visit(session, world, "grid.two", "MA0000013", VisitOutcome.REGISTERED)
    _visit(session, world, "grid.two", "MA0000014", VisitOutcome.VISITED)  # cancelled: not counted
    session.commit()
    _finance_good(session, world)
    return district


def _figures(figures: policy.Figures) -> tuple[int, int, int, int, int]:
    return (figures.merchants, figures.visited, figures.registered, figures.credited, figures.financed)


def test_coverage_counts_each_figure_by_community_and_town_or_street(session: Session, world: World) -> None:
    district = _build(session, world)
    coverage = service.coverage(session)
    lines = {(line.area_name, line.community_name): _figures(line.figures) for line in coverage.lines}
    # 南坪街道: merchants good, other, late, unregistered (no community) and n1, n2 (C1) = 6.
    # Visited: good; n1 (twice: one merchant), n2 = 3.  Registered: good, other, late; n1 = 4.
    # Credited and financed: good only.
    assert lines[("南坪街道", None)] == (6, 3, 4, 1, 1)
    assert lines[("南坪街道", "未划分社区")] == (4, 1, 3, 1, 1)
    assert lines[("南坪街道", "福红社区")] == (2, 2, 1, 0, 0)
    # 长生桥镇: n4 is cancelled, so only n3 is on the register: visited and registered, no line.
    assert lines[("长生桥镇", None)] == (1, 1, 1, 0, 0)
    assert lines[("长生桥镇", "茶园村")] == (1, 1, 1, 0, 0)
    assert _figures(coverage.total) == (7, 4, 5, 1, 1)
    assert coverage.target == 15_000
    assert coverage.of_target("registered") == round(100 * 5 / 15_000, 1) == 0.0
    assert district.town  # the town's line follows its own area


def test_everything_a_referred_merchant_does_counts_for_its_grid_worker(session: Session, world: World) -> None:
    district = _build(session, world)
    report = service.attribution(session)
    by_worker = {a.grid_worker_id: a for a in report.by_worker}
    # W1 brought n1 and good: good applied (authorising the bank), was granted a line and drew on it; n1 did nothing.
    assert by_worker[district.w1.id].counts == {"referred": 2, "authorised": 1, "applied": 1, "credited": 1,
                                                "financed": 1}
    assert by_worker[district.w1.id].community_name == "福红社区"
    # W2 brought n3, which has done nothing yet; other's application is nobody's (it came on its own).
    assert by_worker[district.w2.id].counts == {"referred": 1, "authorised": 0, "applied": 0, "credited": 0,
                                                "financed": 0}
    referral = session.scalars(select(Referral).where(Referral.enterprise_id == district.n1)).one()
    assert (referral.grid_worker_id, referral.community_id) == (district.w1.id, district.c1)
    # By community: a second grid worker of C1 brings in other; C1 then counts n1, good and other (which applied).
    admin = world.principal(session, "admin")
    w3 = service.create_grid_worker(session, principal=admin, grid_worker_in=GridWorkerCreate(
        organisation_id=world.tax_org, community_id=district.c1, username="grid.three", display_name="网格员丙",
        password=PASSWORD))
    service.record_referral(session, grid_worker=w3, enterprise_id=world.other_enterprise)
    by_community = {a.name: a.counts for a in service.attribution(session).by_community}
    assert by_community == {
        "福红社区": {"referred": 3, "authorised": 2, "applied": 2, "credited": 1, "financed": 1},
        "茶园村": {"referred": 1, "authorised": 0, "applied": 0, "credited": 0, "financed": 0}}


def test_coverage_takes_one_query_per_figure_whatever_the_number_of_merchants(
        session: Session, world: World, connection: Connection) -> None:
    district = _build(session, world)
    with counted_selects(connection) as before:
        service.coverage(session)
        service.attribution(session)
    for n in range(20):
        _enterprise(session, world.area, f"MB{n:07d}", f"南岸区加{n}号商行", "吴加", id_number("19950505", f"{n:03d}"),
                    community_id=district.c1)
    session.commit()
    with counted_selects(connection) as after:
        coverage = service.coverage(session)
        service.attribution(session)
    assert len(after) == len(before)
    assert coverage.total.merchants == 27


def test_a_merchant_registered_through_the_qr_link_is_attributed(client: TestClient, session: Session,
                                                                 world: World) -> None:
    district = District(session, world)
    page = client.get(f"/r/{district.w1.code.lower()}")  # a code typed in lower case is the same code
    assert page.status_code == 200 and "网格员甲" in page.text and "福红社区" in page.text
    token = page_csrf(client, f"/r/{district.w1.code}")
    response = client.post(f"/r/{district.w1.code}", data={
        "uscc": uscc("MA0000011"), "legal_rep_name": "钱一", "id_number": district.n1_idn, "username": "n1.admin",
        "display_name": "钱一", "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    session.expire_all()
    referral = session.scalars(select(Referral).where(Referral.enterprise_id == district.n1)).one()
    assert referral.grid_worker_id == district.w1.id
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "outreach.referral_recorded")).one()
    assert _figures(service.coverage(session).total)[2] == 4  # the world's three and n1


@pytest.mark.parametrize("code", ["NOSUCH22", "abc", "x" * 40, "%00"])
def test_an_unknown_grid_worker_code_says_so_and_stores_nothing(client: TestClient, session: Session,
                                                                world: World, code: str) -> None:
    district = District(session, world)
    organisations = session.scalar(select(func.count()).select_from(Organisation))
    page = client.get(f"/r/{code}")
    assert page.status_code == 404
    assert "推广码无效" in page.text and 'name="id_number"' not in page.text
    token = page_csrf(client, "/login")
    response = client.post(f"/r/{code}", data={
        "uscc": uscc("MA0000011"), "legal_rep_name": "钱一", "id_number": district.n1_idn, "username": "n1.admin",
        "display_name": "钱一", "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert response.status_code == 404 and "推广码无效" in response.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Organisation)) == organisations
    assert session.scalar(select(func.count()).select_from(Referral)) == 0
    with pytest.raises(UnknownGridWorkerCode):
        service.register_referred(session, code=code, registration_in=_registration(
            "MA0000011", "钱一", district.n1_idn, "n1.admin"))


def test_a_referral_registration_refused_for_its_input_stores_nothing(client: TestClient, session: Session,
                                                                      world: World) -> None:
    district = District(session, world)
    token = page_csrf(client, f"/r/{district.w1.code}")
    base = {"uscc": uscc("MA0000011"), "legal_rep_name": "钱一", "id_number": district.n1_idn,
            "username": "n1.admin", "display_name": "钱一", "password": PASSWORD, "csrf_token": token}
    for change, message in (({"username": "坏 名字"}, "用户名只能包含"),
                            ({"id_number": id_number("19900102")}, "实名核验未通过"),
                            ({"uscc": "91500108MA00000110"}, ""), ({"password": "short1"}, "")):
        response = client.post(f"/r/{district.w1.code}", data={**base, **change})
        assert response.status_code in (400, 401, 403, 409, 422), (change, response.status_code)
        assert message in response.text and 'data-testid="form-error"' in response.text
        assert "网格员甲" in response.text  # the form is shown again, still the grid worker's
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Referral)) == 0
    assert identity_service.get_enterprise_organisation(session, enterprise_id=district.n1) is None


def test_a_retired_grid_workers_code_no_longer_registers(session: Session, world: World) -> None:
    district = District(session, world)
    district.w2.is_active = False
    session.flush()
    with pytest.raises(UnknownGridWorkerCode):
        service.get_by_code(session, code=district.w2.code)


def test_a_grid_worker_logs_a_visit_from_their_page(client: TestClient, session: Session, world: World) -> None:
    district = District(session, world)
    login(client, "grid.one")
    page = client.get("/outreach/me")
    assert page.status_code == 200
    assert district.w1.code in page.text and "data:image/svg+xml" in page.text
    assert "南岸区一号商行" in page.text  # the community's merchants, to visit
    token = page_csrf(client, "/outreach/me")
    refused = client.post("/outreach/visits", data={
        "uscc": uscc("MA0000012"), "visited_on": clock.today().isoformat(), "outcome": "not_interested",
        "reason": "", "csrf_token": token})
    assert refused.status_code == 422 and "请填写原因" in refused.text
    tomorrow = client.post("/outreach/visits", data={
        "uscc": uscc("MA0000012"), "visited_on": (clock.today() + timedelta(days=1)).isoformat(),
        "outcome": "visited", "csrf_token": token})
    assert tomorrow.status_code == 422 and "不能晚于今天" in tomorrow.text
    unknown = client.post("/outreach/visits", data={
        "uscc": uscc("MA0000099"), "visited_on": clock.today().isoformat(), "outcome": "visited",
        "csrf_token": token})
    assert unknown.status_code == 422 and "没有统一社会信用代码" in unknown.text
    nul = client.post("/outreach/visits", data={
        "uscc": uscc("MA0000012"), "visited_on": clock.today().isoformat(), "outcome": "visited",
        "note": "bad\x00note", "csrf_token": token})
    assert nul.status_code == 422 and "备注填写有误" in nul.text
    wrong = client.post("/outreach/visits", data={
        "uscc": "91500108MA00000110", "visited_on": clock.today().isoformat(), "outcome": "visited",
        "csrf_token": token})
    assert wrong.status_code == 422
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Visit)) == 0
    done = client.post("/outreach/visits", data={
        "uscc": uscc("MA0000012"), "visited_on": clock.today().isoformat(), "outcome": "not_interested",
        "reason": "暂无资金需求", "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    session.expire_all()
    visit = session.scalars(select(Visit)).one()
    assert (visit.enterprise_id, visit.outcome, visit.reason) == (district.n2, "not_interested", "暂无资金需求")
    assert "暂无资金需求" in client.get("/outreach/me").text


def test_who_sees_what(client: TestClient, session: Session, world: World) -> None:
    District(session, world)
    login(client, "grid.one")
    assert client.get("/outreach/coverage", follow_redirects=False).status_code == 403
    assert client.get("/admin/grid-workers", follow_redirects=False).status_code == 403
    client.cookies.clear()
    login(client, "good")
    assert client.get("/outreach/me", follow_redirects=False).status_code == 403
    client.cookies.clear()
    login(client, "admin")
    assert client.get("/outreach/me", follow_redirects=False).status_code == 403
    page = client.get("/outreach/coverage")
    assert page.status_code == 200 and "长生桥镇" in page.text and 'data-testid="coverage-chart"' in page.text
    assert "网格员甲" in client.get("/admin/grid-workers").text


def _drawn(text: str) -> dict[str, dict[str, int]]:
    """The coverage chart the page carries, as {series: {town or street: value}}."""
    [attribute] = re.findall(r'data-testid="coverage-chart">\s*<div class="chart-plot" data-figure="([^"]*)"', text)
    return {trace["name"]: dict(zip(trace["x"], trace["y"], strict=True))
            for trace in json.loads(html.unescape(attribute))["data"]}


def test_the_coverage_chart_is_the_portals_interactive_chart_of_the_towns_figures(
    client: TestClient, session: Session, world: World
) -> None:
    """The chart carries the figures of each town or street (not of its communities) as data for the browser to
    draw, with the same numbers in a table under it; no picture is drawn on the server."""
    _build(session, world)
    login(client, "admin")
    page = client.get("/outreach/coverage")
    assert page.status_code == 200 and "data:image/svg+xml" not in page.text
    drawn = _drawn(page.text)
    assert drawn == {
        "登记在册": {"南坪街道": 6, "长生桥镇": 1}, "已走访": {"南坪街道": 3, "长生桥镇": 1},
        "已注册": {"南坪街道": 4, "长生桥镇": 1}, "已授信": {"南坪街道": 1, "长生桥镇": 0},
        "已获贷": {"南坪街道": 1, "长生桥镇": 0}}
    table = page.text.split('data-testid="coverage-chart"', 1)[1].split("</figure>", 1)[0]
    assert "<summary>数据表</summary>" in table
    assert re.search(r'<th scope="row" data-value>长生桥镇</th><td>1</td><td>1</td><td>1</td><td>0</td><td>0</td>',
                     table)
    client.cookies.set("lang", "en")
    english = _drawn(client.get("/outreach/coverage").text)
    assert set(english) == {"On the register", "Visited", "Registered", "Credit line granted", "Financed"}


def test_the_roll_out_plan_is_data(client: TestClient, session: Session, world: World) -> None:
    district = District(session, world)
    login(client, "admin")
    token = page_csrf(client, "/outreach/coverage")
    reversed_dates = client.post("/outreach/plan", data={
        "district_area_id": str(world.area), "phase": "1", "starts_on": "2027-03-01", "ends_on": "2027-01-01",
        "csrf_token": token})
    assert reversed_dates.status_code == 422 and "结束日期不能早于开始日期" in reversed_dates.text
    assert session.scalar(select(func.count()).select_from(RolloutPhase)) == 0
    for area, phase, start, end in ((world.area, 1, "2026-10-01", "2026-12-31"),
                                    (district.town, 2, "2027-01-01", "2027-06-30")):
        response = client.post("/outreach/plan", data={
            "district_area_id": str(area), "phase": str(phase), "starts_on": start, "ends_on": end,
            "csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303
    session.expire_all()
    plan = service.plan(session)
    # Today (2026-11-23) the pilot is under way and the first wave has not started.
    assert [(p.area_name, p.phase, p.state) for p in plan] == [("南坪街道", 1, "进行中"), ("长生桥镇", 2, "未开始")]
    service.set_phase(session, principal=world.principal(session, "admin"), phase_in=PhaseUpdate(
        district_area_id=district.town, phase=2, starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 20)))
    assert [p.state for p in service.plan(session)] == ["进行中", "已结束"]
    with pytest.raises(InvalidOutreachInput):
        service.set_phase(session, principal=world.principal(session, "admin"), phase_in=PhaseUpdate(
            district_area_id=999_999, phase=2, starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 20)))


def test_the_admin_adds_a_grid_worker_of_a_government_department_only(client: TestClient, session: Session,
                                                                      world: World) -> None:
    district = District(session, world)
    login(client, "admin")
    token = page_csrf(client, "/admin/grid-workers")
    refused = client.post("/admin/grid-workers", data={
        "organisation_id": str(world.bank_a), "community_id": str(district.c1), "username": "grid.three",
        "display_name": "网格员丙", "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 422 and "政府部门" in refused.text
    added = client.post("/admin/grid-workers", data={
        "organisation_id": str(world.tax_org), "community_id": str(district.c2), "username": "grid.three",
        "display_name": "网格员丙", "password": PASSWORD, "csrf_token": token}, follow_redirects=False)
    assert added.status_code == 303
    session.expire_all()
    worker = session.scalars(select(GridWorker).where(GridWorker.name == "网格员丙")).one()
    assert policy.normalise_code(worker.code) == worker.code
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "outreach.grid_worker_added")).first()
