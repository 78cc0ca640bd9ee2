"""The enterprise's credit file through the API: who reads what (and the audit of it), self-reports under a
signed credit commitment, a commitment found false, and a default on a loan becoming a negative record."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from tests.integration.loans.test_loans import _draw, _end_days, _line
from xinyidai import clock, events
from xinyidai.audit.models import AuditEntry
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import selfreport, service
from xinyidai.creditdata.credit_file import read_credit_file
from xinyidai.creditdata.enums import Channel, CommitmentStatus
from xinyidai.creditdata.models import CreditCommitment, CreditRecord
from xinyidai.creditdata.schemas import CreditFileRead, SelfReportCreate
from xinyidai.errors import Conflict, Forbidden
from xinyidai.events import DomainEventRecord
from xinyidai.guarantee import service as guarantee_service
from xinyidai.loans.events import DrawdownDefaulted
from xinyidai.main import record_default
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service

REPORT = {"report_year": 2025, "main_products": "办公用品批发；劳保用品零售", "annual_revenue_fen": 1_236_000_000,
          "employees": 23, "certifications": ["ISO 9001:2015 质量管理体系认证"], "accept_commitment": True}


def _store(session: Session, enterprise_id: int, item_code: str, channel: Channel = Channel.BULK_IMPORT,
           **values: str) -> None:
    item = service.get_item(session, code=item_code)
    uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
    parsed = service.parser_for(item).parse({**values, "uscc": uscc})
    assert not isinstance(parsed, list), parsed
    service.store(session, item=item, rows=[service.Delivered(enterprise_id, parsed, 1, values)], channel=channel)


def _seed_records(session: Session, world: World) -> None:
    """One public, one authorised, one restricted record, and a public one past its publicity period."""
    good = world.good_enterprise
    _store(session, good, "tax_credit_grade", year="2025", grade="A", evaluated_date="2026-04-20")
    _store(session, good, "social_insurance_payment", month="2026-10", month_end="2026-10-31", amount_due="8,200",
           amount_paid="8,200", months_in_arrears="0")
    _store(session, good, "real_estate", certificate_no="渝（2021）南岸区不动产权第000123号", use="办公",
           area="180.5", registered_date="2021-06-01", mortgaged="否")
    _store(session, good, "admin_penalty", decision_no="南岸执法罚〔2022〕8号", violation="占道经营",
           penalty_kind="罚款", amount="2,000", severity="一般", decision_date="2022-03-10",
           authority="区综合行政执法局")
    session.commit()


def _items(file: dict[str, Any] | CreditFileRead) -> dict[str, dict[str, Any]]:
    data = file.model_dump(mode="json") if isinstance(file, CreditFileRead) else file
    return {e["item_code"]: e for s in data["sections"] for e in s["entries"]}


def _api(client: TestClient, username: str) -> dict[str, str]:
    client.cookies.clear()
    login(client, username)
    return {"X-CSRF-Token": page_csrf(client, "/account")}


def _audits(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_the_entity_sees_everything_with_past_publicity_flagged_and_is_not_audited(
        client: TestClient, session: Session, world: World) -> None:
    _seed_records(session, world)
    _api(client, "good")
    response = client.get("/api/v1/enterprises/me/credit-file")
    assert response.status_code == 200, response.text
    body = response.json()
    items = _items(body)
    assert (body["view"], body["name"]) == ("own", "重庆甲商贸有限公司")
    assert set(items) == {"tax_credit_grade", "social_insurance_payment", "real_estate", "admin_penalty"}
    [penalty] = items["admin_penalty"]["current"]
    assert penalty["past_publicity"] is True and items["admin_penalty"]["hidden"] == 1  # 2022-03-10 + 1095 days
    assert items["admin_penalty"]["is_negative"] is True
    [grade] = items["tax_credit_grade"]["current"]
    assert (grade["past_publicity"], grade["source_label"], grade["self_reported"]) == (
        False, "国家税务总局重庆市南岸区税务局", False)
    assert client.get(f"/api/v1/enterprises/{world.good_enterprise}/credit-file").json() == {
        **body, "generated_at": body["generated_at"]}
    assert _audits(session, "creditdata.credit_file_read") == []
    # Another entity's user may not read it.
    _api(client, "other")
    refused = client.get(f"/api/v1/enterprises/{world.good_enterprise}/credit-file")
    assert refused.status_code == 403 and "无权" in refused.json()["message"]


def test_a_bank_reads_public_and_authorised_records_only_under_the_entitys_authorisation(
        client: TestClient, session: Session, world: World) -> None:
    _seed_records(session, world)
    path = f"/api/v1/enterprises/{world.good_enterprise}/credit-file"
    _api(client, "a.officer")
    assert client.get(path).status_code == 403
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    session.commit()
    response = client.get(path, params={"purpose_ref": order.order_no})
    assert response.status_code == 200, response.text
    assert response.json()["view"] == "authorised"
    # Restricted (real estate) never; the penalty past its publicity period neither, not even as a count.
    assert set(_items(response.json())) == {"tax_credit_grade", "social_insurance_payment"}
    [audit] = _audits(session, "creditdata.credit_file_read")
    assert (audit.actor_organisation_id, audit.enterprise_id, audit.purpose) == (
        world.bank_a, world.good_enterprise, f"financing_application:{order.order_no}")
    assert audit.actor_user_id == world.principal(session, "a.officer").user_id
    # Bank B was not authorised; a withdrawn authorisation stops working at once.
    _api(client, "b.officer")
    assert client.get(path, params={"purpose_ref": order.order_no}).status_code == 403
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                           user_id=world.principal(session, "good").user_id or 0)
    session.commit()
    _api(client, "a.officer")
    assert client.get(path, params={"purpose_ref": order.order_no}).status_code == 403
    assert client.get("/api/v1/enterprises/me/credit-file").status_code == 403
    assert len(_audits(session, "creditdata.credit_file_read")) == 1


def test_the_platform_admin_sees_everything_audited_and_others_nothing(
        client: TestClient, session: Session, world: World) -> None:
    _seed_records(session, world)
    _api(client, "admin")
    body = client.get(f"/api/v1/enterprises/{world.good_enterprise}/credit-file").json()
    assert body["view"] == "platform" and len(_items(body)) == 4
    [audit] = _audits(session, "creditdata.credit_file_read")
    assert (audit.enterprise_id, audit.purpose) == (world.good_enterprise, "platform_administration")
    assert client.get("/api/v1/enterprises/999999/credit-file").status_code == 404
    assert client.get("/api/v1/enterprises/0/credit-file").status_code == 422
    _api(client, "tax.officer")
    assert client.get(f"/api/v1/enterprises/{world.good_enterprise}/credit-file").status_code == 403
    client.cookies.clear()
    assert client.get(f"/api/v1/enterprises/{world.good_enterprise}/credit-file").status_code == 401


def test_a_self_report_is_signed_stored_as_self_reported_and_shown_apart(
        client: TestClient, session: Session, world: World) -> None:
    _seed_records(session, world)
    headers = _api(client, "good")
    response = client.post("/api/v1/self-reports", json={**REPORT, "main_customers": "重庆某某物业公司"},
                           headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    commitment = body["commitment"]
    assert commitment["status"] == "in_force" and commitment["number"].startswith("CN20261123")
    content = commitment["content"]
    assert content.startswith(selfreport.PROMISE)
    assert "年营业收入（元）：12,360,000.00" in content and "从业人数：23" in content
    assert "承诺主体：重庆甲商贸有限公司" in content
    assert commitment["content_sha256"] == hashlib.sha256(content.encode("utf-8")).hexdigest()
    assert body["data"]["annual_revenue"] == 1_236_000_000 and body["data"]["report_year"] == 2025
    items = _items(client.get("/api/v1/enterprises/me/credit-file").json())
    [reported] = items["self_reported_operations"]["current"]
    assert (reported["channel"], reported["self_reported"], reported["source_label"], reported["commitment_id"]) == (
        "self_report", True, "企业自主填报（信用承诺）", commitment["id"])
    [promise] = items["credit_commitment"]["current"]
    assert promise["data"]["commitment_no"] == commitment["number"] and promise["data"]["content"] == content
    assert promise["self_reported"] is False and promise["channel"] == "platform"
    assert items["tax_credit_grade"]["current"][0]["self_reported"] is False
    [audit] = _audits(session, "creditdata.self_reported")
    assert audit.detail["content_sha256"] == commitment["content_sha256"]


@pytest.mark.parametrize(("change", "status", "message"), [
    ({"accept_commitment": False}, 400, "信用承诺"),
    ({"report_year": 2027}, 400, "填报年度"),
    ({"annual_revenue_fen": -1}, 422, "请求参数不正确"),
    ({"main_products": ""}, 422, "请求参数不正确"),
    ({"certifications": ["ISO"] * 11}, 422, "请求参数不正确"),
    ({"employees": "many"}, 422, "请求参数不正确"),
])
def test_bad_self_reports_are_refused_in_chinese_and_change_nothing(
        client: TestClient, session: Session, world: World, change: dict[str, Any], status: int, message: str) -> None:
    headers = _api(client, "good")
    response = client.post("/api/v1/self-reports", json={**REPORT, **change}, headers=headers)
    assert response.status_code == status and message in response.json()["message"], response.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(CreditCommitment)) == 0
    assert session.scalar(select(func.count()).select_from(CreditRecord)) == 0


def test_the_same_report_twice_on_a_day_is_refused_and_only_enterprises_report(
        client: TestClient, session: Session, world: World) -> None:
    headers = _api(client, "good")
    assert client.post("/api/v1/self-reports", json=REPORT, headers=headers).status_code == 201
    again = client.post("/api/v1/self-reports", json=REPORT, headers=headers)
    assert again.status_code == 400 and "已经填报过" in again.json()["message"]
    headers = _api(client, "a.officer")
    assert client.post("/api/v1/self-reports", json=REPORT, headers=headers).status_code == 403
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(CreditCommitment)) == 1


def test_a_commitment_found_false_becomes_a_negative_record(client: TestClient, session: Session,
                                                           world: World) -> None:
    good = world.principal(session, "good")
    reported = selfreport.report(session, principal=good, report_in=SelfReportCreate.model_validate(REPORT))
    session.commit()
    path = f"/api/v1/commitments/{reported.commitment.id}/breach"
    finding = "经税务部门核实，该企业2025年度申报营业收入为312万元，与填报的1236万元严重不符"
    headers = _api(client, "good")
    assert client.post(path, json={"finding": finding}, headers=headers).status_code == 403
    headers = _api(client, "admin")
    assert client.post(path, json={"finding": "不实"}, headers=headers).status_code == 422
    assert client.post("/api/v1/commitments/999999/breach", json={"finding": finding},
                       headers=headers).status_code == 404
    response = client.post(path, json={"finding": finding}, headers=headers)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["breach_finding"]) == ("breached", finding)
    again = client.post(path, json={"finding": finding}, headers=headers)
    assert again.status_code == 409 and "已被认定" in again.json()["message"]
    session.expire_all()
    file = read_credit_file(session, principal=good, enterprise_id=world.good_enterprise)
    [fulfilment] = _items(file)["commitment_fulfilment"]["current"]
    assert fulfilment["data"] == {"uscc": registry_service.get(session, enterprise_id=world.good_enterprise).uscc,
                                  "commitment_no": reported.commitment.number, "result": "未履约（承诺不实）",
                                  "finding": finding, "found_date": "2026-11-23"}
    assert fulfilment["commitment_id"] == reported.commitment.id
    [audit] = _audits(session, "creditdata.commitment_breached")
    assert (audit.enterprise_id, audit.actor_user_id) == (world.good_enterprise,
                                                          world.principal(session, "admin").user_id)


def test_a_checking_department_may_find_a_commitment_false_and_a_bank_may_not(
        session: Session, world: World) -> None:
    reported = selfreport.report(session, principal=world.principal(session, "good"),
                                 report_in=SelfReportCreate.model_validate(REPORT))
    with pytest.raises(Forbidden):
        selfreport.find_false(session, principal=world.principal(session, "a.officer"),
                              commitment_id=reported.commitment.id, finding="银行认为不实")
    found = selfreport.find_false(session, principal=world.principal(session, "tax.officer"),
                                  commitment_id=reported.commitment.id, finding="申报收入与填报不符")
    assert found.status == CommitmentStatus.BREACHED and found.found_by_user_id == world.principal(
        session, "tax.officer").user_id
    with pytest.raises(Conflict):
        selfreport.find_false(session, principal=world.principal(session, "admin"),
                              commitment_id=reported.commitment.id, finding="再次认定")


def test_a_default_puts_a_financing_default_record_in_the_entitys_file(
        session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    guarantee_service.create_agreement(session, product_id=world.product_a,
                                       guarantor_shares={world.guarantor_org: Decimal("0.8")},
                                       bank_share=Decimal("0.2"))
    line = _line(session, world)
    drawdown = _draw(session, world, line, 1_000_000, months=6)
    _end_days(session, frozen_clock, date(2027, 3, 23))  # 90 days past due on the first installment: default
    [defaulted] = session.scalars(select(DomainEventRecord).where(
        DomainEventRecord.name == DrawdownDefaulted.name)).all()
    events.dispatch_pending(session_factory=session.info["session_factory"])
    session.expire_all()
    item = service.get_item(session, code="financing_default")
    [record] = service.history(session, enterprise_id=world.good_enterprise, item=item)
    assert record.data == {
        "uscc": registry_service.get(session, enterprise_id=world.good_enterprise).uscc,
        "loan_ref": str(drawdown.id), "lender": "甲银行", "default_date": "2027-03-23", "days_past_due": 90,
        "outstanding": defaulted.payload["outstanding_fen"]}
    assert record.channel == "platform" and record.source_department == "platform"
    assert defaulted.payload["outstanding_fen"] > 800_000
    # The event delivered again (delivery is at least once) adds nothing.
    record_default(session, DrawdownDefaulted.model_validate(defaulted.payload))
    assert len(service.history(session, enterprise_id=world.good_enterprise, item=item)) == 1
    # The entity sees it, marked negative.
    file = read_credit_file(session, principal=world.principal(session, "good"), enterprise_id=world.good_enterprise)
    assert _items(file)["financing_default"]["is_negative"] is True
