"""The credit portrait through the real database, API and pages: the entity sees its own with suggestions, a bank
only under the entity's live authorisation for the order (audited, computed from what it covers), nobody else."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai.audit.models import AuditEntry
from xinyidai.consent import service as consent_service
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.errors import Forbidden
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products.enums import RepaymentMethod
from xinyidai.registry import service as registry_service
from xinyidai.scoring import model_versions as registry
from xinyidai.scoring.portrait.service import AUDIT_ACTION, read_portrait


def _store(session: Session, enterprise_id: int, item_code: str, **values: str) -> None:
    item = creditdata_service.get_item(session, code=item_code)
    uscc = registry_service.get(session, enterprise_id=enterprise_id).uscc
    parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
    assert not isinstance(parsed, list), parsed
    creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(enterprise_id, parsed, 1, values)],
                             channel=Channel.BULK_IMPORT)


def _seed(session: Session, world: World) -> None:
    """Tax credit grade B; half of October's social insurance unpaid."""
    good = world.good_enterprise
    _store(session, good, "tax_credit_grade", year="2025", grade="B", evaluated_date="2026-04-20")
    _store(session, good, "social_insurance_payment", month="2026-10", month_end="2026-10-31", amount_due="8,200",
           amount_paid="4,100", months_in_arrears="1")
    session.commit()


def _apply(session: Session, world: World) -> FinancingOrder:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    session.commit()
    return order


def _as(client: TestClient, username: str) -> None:
    client.cookies.clear()
    login(client, username)
    page_csrf(client, "/account")


def _audits(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == AUDIT_ACTION).order_by(AuditEntry.id)))


def _scores(body: dict[str, object]) -> dict[str, object]:
    return {d["code"]: d["score"] for d in body["dimensions"]}  # type: ignore[attr-defined]


def test_the_entity_sees_its_own_portrait_and_suggestions_unaudited_and_another_entity_nothing(
        client: TestClient, session: Session, world: World) -> None:
    _seed(session, world)
    _as(client, "good")
    response = client.get("/api/v1/enterprises/me/portrait")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["view"], body["enterprise_name"], body["model_version"]) == ("own", "重庆甲商贸有限公司", None)
    assert [d["label"] for d in body["dimensions"]] == ["身份稳定", "经营状况", "合规守信", "财务纳税", "司法涉诉",
                                                         "社会责任"]
    scores = _scores(body)
    # By the rules: tax paid 0 → 0 of 40, trend unknown 10 of 20, grade B 30 of 40, no arrears 40, no default
    # 30 and 20: 130 / 190 → 68. Social: not enrolled 0 of 30, one month in arrears 12 of 30, no housing fund
    # data 10 of 20: 22 / 80 → 28.
    assert (scores["finance_tax"], scores["social_responsibility"]) == (68, 28)
    suggested = [s["feature"] for s in body["suggestions"]]
    assert "social_insurance_arrears_months_12m" in suggested and "years_in_operation" not in suggested
    gains = [s["points_gained"] for s in body["suggestions"]]
    assert gains == sorted(gains, reverse=True)
    assert client.get(f"/api/v1/enterprises/{world.good_enterprise}/portrait").json()["dimensions"] == \
        body["dimensions"]
    page = client.get("/enterprise")
    assert page.status_code == 200
    assert 'data-testid="portrait-radar"' in page.text and 'src="data:image/svg+xml;base64,' in page.text
    assert "提升建议" in page.text and "补缴社会保险欠费" in page.text
    assert _audits(session) == []
    _as(client, "other")
    refused = client.get(f"/api/v1/enterprises/{world.good_enterprise}/portrait")
    assert refused.status_code == 403 and "无权" in refused.json()["message"]
    client.cookies.clear()
    assert client.get("/api/v1/enterprises/me/portrait").status_code == 401


def test_a_bank_sees_the_portrait_only_under_a_live_authorisation_and_each_read_is_audited(
        client: TestClient, session: Session, world: World) -> None:
    _seed(session, world)
    path = f"/api/v1/enterprises/{world.good_enterprise}/portrait"
    _as(client, "a.officer")
    assert client.get(path).status_code == 403
    order = _apply(session, world)
    response = client.get(path, params={"purpose_ref": order.order_no})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["view"] == "authorised" and body["suggestions"] == []
    assert _scores(body)["finance_tax"] == 68  # the application authorises every category
    [audit] = _audits(session)
    assert (audit.actor_organisation_id, audit.enterprise_id, audit.purpose, audit.subject_type) == (
        world.bank_a, world.good_enterprise, f"financing_application:{order.order_no}", "credit_portrait")
    page = client.get(f"/orders/{order.id}")
    assert page.status_code == 200
    assert 'data-testid="portrait-radar"' in page.text and "提升建议" not in page.text
    assert len(_audits(session)) == 2
    # Another bank was not authorised for this order.
    _as(client, "b.officer")
    assert client.get(path, params={"purpose_ref": order.order_no}).status_code == 403
    # Revoked: refused at once, on the API and on the order page (which still shows the order), nothing audited.
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                           user_id=world.principal(session, "good").user_id or 0)
    session.commit()
    _as(client, "a.officer")
    refused = client.get(path, params={"purpose_ref": order.order_no})
    assert refused.status_code == 403 and "撤销" in refused.json()["message"]
    page = client.get(f"/orders/{order.id}")
    assert page.status_code == 200
    assert 'data-testid="portrait-refused"' in page.text and "撤销" in page.text
    assert 'data-testid="portrait-radar"' not in page.text
    assert len(_audits(session)) == 2


def test_a_bank_portrait_is_computed_from_what_the_authorisation_covers_only(session: Session,
                                                                            world: World) -> None:
    _seed(session, world)
    good = world.principal(session, "good")
    consent_service.grant(session, enterprise_id=world.good_enterprise, granted_by_user_id=good.user_id or 0,
                          recipient_organisation_id=world.bank_a,
                          purpose=consent_service.Purpose.FINANCING_APPLICATION, purpose_ref="TAX-ONLY",
                          categories=["C04"])
    # A window ending before the grade was evaluated: the grade is not seen.
    consent_service.grant(session, enterprise_id=world.good_enterprise, granted_by_user_id=good.user_id or 0,
                          recipient_organisation_id=world.bank_a,
                          purpose=consent_service.Purpose.FINANCING_APPLICATION, purpose_ref="TAX-2025",
                          categories=["C04"], data_to=date(2025, 12, 31))
    officer = world.principal(session, "a.officer")
    portrait = read_portrait(session, principal=officer, enterprise_id=world.good_enterprise,
                             purpose_ref="TAX-ONLY")
    scores = {d.code: (d.score, d.basis) for d in portrait.dimensions}
    # Only the tax features (C04): 0 + 10 + 30 + 40 of 40 + 20 + 40 + 40 → 57; defaults (C14) are withheld.
    assert scores["finance_tax"] == (57, "rules")
    assert {code: s for code, s in scores.items() if code != "finance_tax"} == dict.fromkeys(
        ["identity_stability", "operations", "compliance", "judicial", "social_responsibility"], (None, "withheld"))
    windowed = read_portrait(session, principal=officer, enterprise_id=world.good_enterprise, purpose_ref="TAX-2025")
    # Grade unseen → its missing points 12: (0 + 10 + 12 + 40) / 140 → 44.
    assert [d.score for d in windowed.dimensions if d.code == "finance_tax"] == [44]
    with pytest.raises(Forbidden):
        read_portrait(session, principal=world.principal(session, "guarantor"), enterprise_id=world.good_enterprise,
                      purpose_ref="TAX-ONLY")


def test_with_a_champion_the_dimensions_it_covers_are_scored_by_its_points(session: Session,
                                                                          world: World) -> None:
    _seed(session, world)
    admin = world.principal(session, "admin")
    spec = {"format": 1, "inputs": [{"name": "tax_credit_grade", "kind": "numeric"}],
            "scaling": {"factor": 28.85, "offset": 500.0}, "intercept": 0.0,
            "calibration": {"slope": 1.0, "intercept": 0.0},
            "features": [{"name": "tax_credit_grade", "input_index": 0, "kind": "numeric", "coefficient": -1.0,
                          "iv": 0.3, "splits": [3.5, 4.5],
                          "bins": [{"points": 20.0}, {"points": 44.0}, {"points": 60.0}],
                          "missing": {"points": 30.0}}]}
    version = registry.register(session, principal=admin,
                                files=registry.ModelFiles(card={"version": "portrait-t1"}, spec=spec, onnx=None))
    registry.promote(session, principal=admin, version_id=version.id)
    portrait = read_portrait(session, principal=world.principal(session, "good"), enterprise_id=world.good_enterprise)
    assert portrait.model_version == "model:portrait-t1" and "冠军模型" in portrait.note
    finance = next(d for d in portrait.dimensions if d.code == "finance_tax")
    # grade B (44 of 20–60) and no tax arrears, read by the hard rule's table (40 of 0–40): (24 + 40) / (40 + 40)
    assert (finance.score, finance.basis) == (80, "model")
    assert {d.basis for d in portrait.dimensions if d.code != "finance_tax"} == {"rules"}
    [raise_grade] = [s for s in portrait.suggestions if s.feature == "tax_credit_grade"]
    assert raise_grade.points_gained == 16 and "提升至A级及以上" in raise_grade.text


def _refusals(session: Session, world: World) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "consent.access_refused",
                                                         AuditEntry.enterprise_id == world.good_enterprise)))


def test_the_bank_order_page_reads_the_portrait_only_when_allowed_and_logs_no_refusal_for_a_mere_view(
        client: TestClient, session: Session, world: World) -> None:
    _seed(session, world)
    order = _apply(session, world)
    _as(client, "a.officer")
    # Under a live authorisation each view of the page is one audited read of the portrait (it is shown each time).
    for views in (1, 2):
        page = client.get(f"/orders/{order.id}")
        assert page.status_code == 200 and 'data-testid="portrait-radar"' in page.text
        assert len(_audits(session)) == views
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                           user_id=world.principal(session, "good").user_id or 0)
    session.commit()
    before = len(_refusals(session, world))
    # Revoked: the page says so, reads nothing and writes no "查询被拒绝" to the entity's access log.
    for _ in range(2):
        page = client.get(f"/orders/{order.id}")
        assert page.status_code == 200 and 'data-testid="portrait-refused"' in page.text and "撤销" in page.text
    assert len(_refusals(session, world)) == before and len(_audits(session)) == 2
    # An explicit read through the API is still refused and on record.
    refused = client.get(f"/api/v1/enterprises/{world.good_enterprise}/portrait",
                         params={"purpose_ref": order.order_no})
    assert refused.status_code == 403 and len(_refusals(session, world)) == before + 1
