"""Public credit checks (公共信用核查) for procurement and bidding: a department's system asks about bidders by code and
gets public information only (a firm with tax, social insurance, housing fund, judgment and real estate records gets
none of them back), sealed and verifiable (a tampered copy fails), stored, audited on the firm's access log; wrong
codes and batches past their bound are refused with nothing stored."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf, uscc
from tests.integration.creditdata.test_creditdata_file import _api, _store
from xinyidai.audit import service as audit_service
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.creditcheck import service as creditcheck_service
from xinyidai.creditcheck.models import CreditCheck
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import MarkKind
from xinyidai.creditdata.models import CreditRecord
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import ApiClientCreate, OrganisationCreate, UserCreate
from xinyidai.registry import service as registry_service

TRADING_CENTRE = "南岸区公共资源交易中心"
PHONE = "13812341234"


@pytest.fixture(autouse=True)
def _fresh_guess_limit() -> Iterator[None]:
    creditcheck_service.GUESSES.reset()
    yield
    creditcheck_service.GUESSES.reset()


def _trading_centre(session: Session) -> tuple[str, int]:
    """The public resource trading centre: a department whose trading system is an OAuth2 client, and a supervisor
    of it on the portal. Returns the system's bearer token and the department's id."""
    org = identity_service.create_organisation(session, organisation_in=OrganisationCreate(
        name=TRADING_CENTRE, kind=OrgKind.GOVERNMENT_DEPARTMENT))
    creditdata_service.bind_department(session, code="public_resources", organisation_id=org.id)
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=org.id, username="trading.supervisor", display_name="交易中心监管员", password="Test2026pass",
        roles=[Role.GOVERNMENT_SUPERVISOR]))
    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=org.id, name="电子招标投标交易系统", roles=[Role.DEPARTMENT_DATA_OFFICER]))
    token = identity_service.issue_client_token(session, client_id=created.client_id,
                                                client_secret=created.client_secret).token
    assert token is not None
    session.commit()
    return token.access_token, org.id


def _seed(session: Session, world: World) -> None:
    """The good firm's records: public findings (some past their publicity period, lifted or repaired) and private
    records of every kind an authorisation would open, or that never leave the firm."""
    good = world.good_enterprise
    # Public: a serious-dishonesty listing (shown), a dishonest-debtor listing lifted on 2026-01-10 (not shown) and
    # one in force whose obligation carries a mobile number (shown, masked).
    _store(session, good, "serious_dishonesty", list_name="重大税收违法失信主体名单", reason="虚开增值税专用发票",
           listed_date="2025-06-01", authority="国家税务总局重庆市税务局")
    _store(session, good, "dishonest_debtor", case_no="（2025）渝0108执100号", court="南岸区人民法院",
           obligation="支付货款", published_date="2025-03-01", removed_date="2026-01-10")
    _store(session, good, "dishonest_debtor", case_no="（2026）渝0108执200号", court="南岸区人民法院",
           obligation=f"支付货款5万元（联系电话{PHONE}）", published_date="2026-02-01")
    # Penalties. General: 3 months from the decision. 2026-09-01 → 2026-12-01 ≥ today 2026-11-23: shown;
    # 2026-08-01 → 2026-11-01 < today: past publicity. Serious: 3 years. 2024-01-10 → 2027-01-10: shown;
    # 2025-02-01 → 2028-02-01 but its credit repair was approved: not shown.
    for no, severity, day in (("南岸市监罚〔2026〕31号", "一般", "2026-09-01"),
                              ("南岸市监罚〔2026〕12号", "一般", "2026-08-01"),
                              ("南岸市监罚〔2024〕3号", "严重", "2024-01-10"),
                              ("南岸市监罚〔2025〕7号", "严重", "2025-02-01")):
        _store(session, good, "admin_penalty", decision_no=no, violation="虚假宣传", penalty_kind="罚款",
               amount="20,000", severity=severity, decision_date=day, authority="区市场监督管理局")
    repaired = session.scalars(select(CreditRecord).where(CreditRecord.record_key.contains("〔2025〕7号"))).one()
    creditdata_service.mark_record(session, record_id=repaired.id, kind=MarkKind.REPAIRED, reference="XF-2026-1",
                                   user_id=None)
    # Private: authorised and restricted sub-categories.
    _store(session, good, "tax_credit_grade", year="2025", grade="D", evaluated_date="2026-04-20")
    _store(session, good, "tax_payment", voucher_no="332026000777", tax_period="2026-09", tax_kind="增值税",
           amount="56,789", paid_date="2026-10-15")
    _store(session, good, "social_insurance_payment", month="2026-10", month_end="2026-10-31", amount_due="8,231",
           amount_paid="8,231", months_in_arrears="0")
    _store(session, good, "housing_fund", month="2026-10", month_end="2026-10-31", depositors="12",
           amount="9,876", status="正常")
    _store(session, good, "judgment", case_no="（2025）渝0108民初999号", cause="买卖合同纠纷", role="被告",
           amount="123,456", judgment_date="2025-09-09", court="南岸区人民法院")
    _store(session, good, "real_estate", certificate_no="渝（2021）南岸区不动产权第000456号", use="办公",
           area="180.5", registered_date="2021-06-01", mortgaged="否")
    enterprise = registry_service.get(session, enterprise_id=good)
    enterprise.is_abnormal, enterprise.abnormal_since = True, date(2026, 7, 1)
    enterprise.abnormal_reason = "未按规定报送年度报告"
    session.commit()


PRIVATE_VALUES = ("332026000777", "5678900", "823100", "987600", "12345600", "（2025）渝0108民初999号", "买卖合同纠纷",
                  "不动产权第000456号", "180.5", "纳税信用", '"D"', "张三", PHONE, "南岸市监罚〔2026〕12号",
                  "南岸市监罚〔2025〕7号", "（2025）渝0108执100号")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _checks(session: Session) -> list[CreditCheck]:
    session.expire_all()
    return list(session.scalars(select(CreditCheck).order_by(CreditCheck.id)))


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_a_check_returns_public_information_only(client: TestClient, session: Session, world: World) -> None:
    token, centre = _trading_centre(session)
    _seed(session, world)
    code = uscc("MA0000001")
    response = client.post("/api/v1/credit-checks", json={"uscc": code.lower(), "tender_ref": "NA-ZB-2026-088"},
                           headers=_bearer(token))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["uscc"], body["found"], body["subject_name"], body["requester"], body["tender_ref"]) == (
        code, True, "重庆甲商贸有限公司", TRADING_CENTRE, "NA-ZB-2026-088")
    assert body["seriously_dishonest"] is True
    assert [(x["list_kind"], x["list_name"], x["reason"], x["listed_date"], x["authority"])
            for x in body["dishonesty_listings"]] == [
        ("serious_dishonesty", "重大税收违法失信主体名单", "虚开增值税专用发票", "2025-06-01",
         "国家税务总局重庆市税务局"),
        ("dishonest_debtor", "失信被执行人名单", "支付货款5万元（联系电话138****1234）", "2026-02-01",
         "南岸区人民法院"),
    ]
    assert [(p["decision_no"], p["severity"], p["decision_date"], p["publicity_until"], p["amount_fen"])
            for p in body["admin_penalties"]] == [
        ("南岸市监罚〔2026〕31号", "一般", "2026-09-01", "2026-12-01", 2_000_000),
        ("南岸市监罚〔2024〕3号", "严重", "2024-01-10", "2027-01-10", 2_000_000),
    ]
    assert body["abnormal_operation"] == {"listed": True, "since": "2026-07-01", "reason": "未按规定报送年度报告"}
    assert body["credit_grade"] == {"published": False, "grade": None, "as_of": None,
                                    "note": "本地区未公开市场主体信用等级"}
    assert body["conclusion"] == "存在：列入失信名单；公示期内行政处罚 2 条；列入经营异常名录"
    # Nothing private, in any field: the raw answer holds none of the private records' values.
    raw = response.text
    assert [value for value in PRIVATE_VALUES if value in raw] == []
    # Stored with the answer as sent, and audited once, for the firm, by the trading centre.
    [stored] = _checks(session)
    assert (stored.enterprise_id, stored.requester_organisation_id, stored.uscc, stored.tender_ref) == (
        world.good_enterprise, centre, code, "NA-ZB-2026-088")
    assert stored.answer == body and stored.content_sm3 == body["content_sm3"]
    [entry] = _entries(session, "creditcheck.checked")
    assert (entry.enterprise_id, entry.actor_organisation_id, entry.subject_id, entry.purpose) == (
        world.good_enterprise, centre, stored.check_no, "public_credit_check:NA-ZB-2026-088")
    # The firm sees the check on its access log (谁查看了我的信息).
    _api(client, "good")
    log = client.get("/credit-file/access-log")
    assert log.status_code == 200 and "公共信用核查（招标投标）" in log.text and TRADING_CENTRE in log.text


def test_a_firm_with_nothing_public_against_it_and_an_unknown_code(
        client: TestClient, session: Session, world: World) -> None:
    token, _ = _trading_centre(session)
    _seed(session, world)
    unknown = uscc("MA0000099")
    response = client.post("/api/v1/credit-checks/batch", headers=_bearer(token), json={
        "usccs": [uscc("MA0000002"), unknown, uscc("MA0000001")], "tender_ref": "NA-ZB-2026-089"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["count"] == 3 and [r["uscc"] for r in body["results"]] == [uscc("MA0000002"), unknown,
                                                                          uscc("MA0000001")]
    other, missing, good = body["results"]
    assert (other["found"], other["seriously_dishonest"], other["admin_penalties"], other["conclusion"]) == (
        True, False, [], "未发现严重失信、公示期内行政处罚或经营异常记录")
    assert (missing["found"], missing["subject_name"]) == (False, None)
    assert missing["conclusion"] == "未在本平台登记的市场主体中找到该统一社会信用代码，请核对"
    assert good["seriously_dishonest"] is True
    stored = _checks(session)
    assert [s.batch_no for s in stored] == [body["batch_no"]] * 3
    assert [s.enterprise_id for s in stored] == [world.other_enterprise, None, world.good_enterprise]
    assert len({s.verification_code for s in stored}) == 3
    entries = _entries(session, "creditcheck.checked")
    assert [e.enterprise_id for e in entries] == [world.other_enterprise, None, world.good_enterprise]
    assert [e.subject_id for e in entries] == [s.check_no for s in stored]
    # Written in one statement, chained at the commit as any entry: the chain still verifies end to end.
    assert all(e.sequence is not None for e in entries)
    assert audit_service.verify(session).broken is None


def _verify(client: TestClient, code: str, answer: dict[str, Any] | None) -> dict[str, Any]:
    client.cookies.clear()
    response = client.post("/api/v1/credit-checks/verification", json={"code": code, "answer": answer})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_result_is_sealed_and_a_tampered_copy_fails_verification(
        client: TestClient, session: Session, world: World) -> None:
    token, _ = _trading_centre(session)
    _seed(session, world)
    answer = client.post("/api/v1/credit-checks", json={"uscc": uscc("MA0000001")}, headers=_bearer(token)).json()
    session.commit()
    code = answer["verification_code"]
    # The copy as received (through any JSON parser and back) is genuine.
    genuine = _verify(client, code.lower().replace("-", " "), json.loads(json.dumps(answer)))
    assert (genuine["status"], genuine["answer_matches"], genuine["check_no"], genuine["subject_name"],
            genuine["requester"]) == ("genuine", True, answer["check_no"], "重庆甲商贸有限公司", TRADING_CENTRE)
    assert "admin_penalties" not in genuine  # the verification never returns the content
    # Every kind of tampering is caught: a finding dropped, a word changed, the digest or the seal replaced.
    cleaned = copy.deepcopy(answer)
    cleaned["dishonesty_listings"], cleaned["seriously_dishonest"] = [], False
    lighter = copy.deepcopy(answer)
    lighter["admin_penalties"][1]["severity"] = "一般"
    redigested = copy.deepcopy(cleaned)
    redigested["content_sm3"] = "0" * 64
    resealed = copy.deepcopy(answer)
    resealed["seal"] = "f" * 64
    for tampered in (cleaned, lighter, redigested, resealed):
        result = _verify(client, code, tampered)
        assert (result["status"], result["answer_matches"]) == ("altered", False)
    # A code alone says whose check it was; an unknown code is not found; text that is no code is refused.
    assert client.get("/api/v1/credit-checks/verification", params={"code": code}).json()["status"] == "genuine"
    assert _verify(client, "ABCD-EFGH-JKMN-PQRS", None)["status"] == "not_found"
    bad = client.get("/api/v1/credit-checks/verification", params={"code": "not a code"})
    assert bad.status_code == 422 and "校验码格式不正确" in bad.json()["message"]
    # The public page says the same.
    page = client.get("/verify-credit-check", params={"code": code})
    assert page.status_code == 200 and 'data-status="genuine"' in page.text and answer["check_no"] in page.text
    verifications = _entries(session, "creditcheck.verified")
    assert [e.outcome for e in verifications] == ["genuine", "altered", "altered", "altered", "altered",
                                                  "genuine", "not_found", "genuine"]


def test_a_wrong_check_character_is_refused_and_nothing_is_stored(
        client: TestClient, session: Session, world: World) -> None:
    token, _ = _trading_centre(session)
    good = uscc("MA0000001")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    single = client.post("/api/v1/credit-checks", json={"uscc": wrong}, headers=_bearer(token))
    assert single.status_code == 422
    assert single.json()["message"] == "统一社会信用代码第18位校验码不正确，请核对是否有字符抄错"
    batch = client.post("/api/v1/credit-checks/batch", headers=_bearer(token),
                        json={"usccs": [good, wrong, good]})
    assert batch.status_code == 422
    assert batch.json()["message"] == (
        f"第 2 家投标人（{wrong}）统一社会信用代码第18位校验码不正确，请核对是否有字符抄错；"
        f"第 3 家投标人（{good}）与第 1 家投标人的统一社会信用代码重复")
    assert _checks(session) == [] and _entries(session, "creditcheck.checked") == []


def test_a_batch_past_its_bound_is_refused(client: TestClient, session: Session, world: World) -> None:
    token, _ = _trading_centre(session)
    codes = [uscc(f"MA{n:07d}") for n in range(1, 1002)]
    response = client.post("/api/v1/credit-checks/batch", headers=_bearer(token), json={"usccs": codes})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert "一次最多核查 1000 家投标人，本次提交了 1001 家，请分批提交" in error["message"]
    assert client.post("/api/v1/credit-checks/batch", headers=_bearer(token), json={"usccs": []}).status_code == 422
    assert _checks(session) == []


@pytest.mark.parametrize("username", ["good", "a.officer", "a.manager", "guarantor", "admin"])
def test_only_government_departments_run_checks(client: TestClient, session: Session, world: World,
                                                username: str) -> None:
    headers = _api(client, username)
    response = client.post("/api/v1/credit-checks", json={"uscc": uscc("MA0000001")}, headers=headers)
    assert response.status_code == 403
    client.cookies.clear()
    assert client.post("/api/v1/credit-checks", json={"uscc": uscc("MA0000001")}).status_code == 401
    assert _checks(session) == []


def test_a_supervisor_checks_a_bidder_on_the_portal(client: TestClient, session: Session, world: World) -> None:
    _trading_centre(session)
    _seed(session, world)
    login(client, "trading.supervisor")
    token = page_csrf(client, "/credit-checks")
    page = client.post("/credit-checks", data={"uscc": uscc("MA0000001"), "tender_ref": "", "csrf_token": token})
    assert page.status_code == 200 and 'data-testid="check-result"' in page.text
    assert "存在：列入失信名单；公示期内行政处罚 2 条；列入经营异常名录" in page.text
    wrong = uscc("MA0000001")[:17] + ("0" if uscc("MA0000001")[17] != "0" else "1")
    refused = client.post("/credit-checks", data={"uscc": wrong, "csrf_token": token})
    assert refused.status_code == 422 and "第18位校验码不正确" in refused.text
    assert session.scalar(select(func.count()).select_from(CreditCheck)) == 1


def _scoring_run(session: Session, as_of: date, status: str, grades: dict[int, str]) -> None:
    from xinyidai import clock
    from xinyidai.scoring.models import EntityScore, ModelVersion, ScoringRun

    version = session.scalars(select(ModelVersion)).first()
    if version is None:
        version = ModelVersion(name="scorecard", version_label="v-test", status="champion", model_card={},
                               scorecard_spec={}, digest="0" * 64, created_at=clock.now())
        session.add(version)
        session.flush()
    run = ScoringRun(model_version_id=version.id, as_of=as_of, status=status, trigger="schedule", host="test",
                     started_at=clock.now(), finished_at=clock.now())
    session.add(run)
    session.flush()
    session.add_all([EntityScore(scoring_run_id=run.id, enterprise_id=enterprise_id, score=600.0, pd=0.05,
                                 grade=grade, outcome="approve", reason_codes=[])
                     for enterprise_id, grade in grades.items()])
    session.commit()


def test_a_grade_is_shown_only_where_the_district_publishes_grades(
        client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from xinyidai.config import get_settings

    token, _ = _trading_centre(session)
    # The good firm: B on 2026-10-31, A on 2026-11-20 (its latest finished run); a run still going says D.
    # The other firm was scored on 2026-10-31 only: C. The late firm was never scored.
    _scoring_run(session, date(2026, 10, 31), "done", {world.good_enterprise: "B", world.other_enterprise: "C"})
    _scoring_run(session, date(2026, 11, 20), "done", {world.good_enterprise: "A"})
    _scoring_run(session, date(2026, 11, 23), "running", {world.good_enterprise: "D"})
    bidders = {"usccs": [uscc("MA0000001"), uscc("MA0000002"), uscc("MA0000003")]}
    hidden = client.post("/api/v1/credit-checks/batch", headers=_bearer(token), json=bidders).json()
    assert {r["credit_grade"]["published"] for r in hidden["results"]} == {False}
    assert '"A"' not in json.dumps(hidden["results"])
    monkeypatch.setenv("XINYIDAI_CREDITCHECK_PUBLISH_GRADES", "true")
    get_settings.cache_clear()
    shown = client.post("/api/v1/credit-checks/batch", headers=_bearer(token), json=bidders).json()
    assert [r["credit_grade"] for r in shown["results"]] == [
        {"published": True, "grade": "A", "as_of": "2026-11-20", "note": "平台信用评价等级（批量评分）"},
        {"published": True, "grade": "C", "as_of": "2026-10-31", "note": "平台信用评价等级（批量评分）"},
        {"published": True, "grade": None, "as_of": None, "note": "该主体暂无信用等级"},
    ]


def test_what_is_public_is_the_catalogue_s_one_rule(client: TestClient, session: Session, world: World) -> None:
    """The check reads through creditdata's public standing: once the platform admin makes penalties a sub-category
    that needs authorisation, no check shows them (and the dishonesty lists, still public, stay)."""
    from xinyidai.creditdata.enums import Sensitivity
    from xinyidai.creditdata.schemas import CatalogueItemUpdate

    token, _ = _trading_centre(session)
    _seed(session, world)
    admin = world.principal(session, "admin")
    creditdata_service.update_item(session, code="admin_penalty", user_id=admin.user_id or 0,
                                   item_in=CatalogueItemUpdate(sensitivity=Sensitivity.AUTHORISED))
    session.commit()
    body = client.post("/api/v1/credit-checks", json={"uscc": uscc("MA0000001")}, headers=_bearer(token)).json()
    assert body["admin_penalties"] == [] and len(body["dishonesty_listings"]) == 2
    assert "南岸市监罚" not in json.dumps(body, ensure_ascii=False)
