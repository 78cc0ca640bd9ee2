"""Products through the API and the database: the lifecycle with versions and review, an order keeping its version,
bad terms refused with nothing stored, the public shelf, and a firm's matches."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai.audit.models import AuditEntry
from xinyidai.creditdata import service as creditdata_service
from xinyidai.orders import service as orders_service
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products import service as products_service
from xinyidai.products.models import Product, ProductVersion
from xinyidai.scoring.models import CreditDecision


def _api(client: TestClient, username: str) -> dict[str, str]:
    login(client, username)
    return {"X-CSRF-Token": page_csrf(client, "/account")}


def _terms(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "HUAJIAO", "name": "花椒贷", "kind": "agricultural", "description": "花椒种植户按面积贷款",
        "min_rate": "0.0385", "max_rate": "0.055", "guarantee_fee_rate": "0", "min_amount_fen": 500_000,
        "max_line_fen": 50_000_000, "repayment_methods": ["harvest_bullet", "interest_first"],
        "term_options": [6, 12], "required_documents": ["土地承包合同"],
        "line_rule": {"kind": "per_mu", "crop": "花椒", "amount_per_mu_fen": 300_000},
        "eligibility": [{"field": "years_in_business", "op": ">=", "value": 2},
                        {"field": "serious_dishonesty", "op": "==", "value": False}],
    }
    data.update(changes)
    return data


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Product)) or 0,
            session.scalar(select(func.count()).select_from(ProductVersion)) or 0)


def _actions(session: Session, product_id: int) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).where(
        AuditEntry.subject_type == "product", AuditEntry.subject_id == str(product_id)).order_by(AuditEntry.id)))


def test_the_lifecycle_keeps_every_version_and_an_order_keeps_its_own(
    client: TestClient, session: Session, world: World
) -> None:
    bank = _api(client, "a.manager")
    created = client.post("/api/v1/products", json=_terms(), headers=bank)
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["line_rule"]["crop"] == "花椒"
    assert client.get(f"/api/v1/products/{product_id}").status_code == 404  # not on the shelf yet
    edited = client.put(f"/api/v1/products/{product_id}", json=_terms(name="花椒贷（新）", note="改名"), headers=bank)
    assert edited.status_code == 200 and edited.json()["number"] == 2 and edited.json()["status"] == "draft"
    assert client.post(f"/api/v1/products/{product_id}/submit", headers=bank).json()["status"] == "pending_review"
    # Only the platform reviews; a return needs a reason.
    assert client.post(f"/api/v1/products/{product_id}/review", json={"approve": True}, headers=bank).status_code == 403
    admin = _api(client, "admin")
    assert client.get("/api/v1/products/pending-review", headers=admin).json()[0]["id"] == product_id
    refused = client.post(f"/api/v1/products/{product_id}/review", json={"approve": False}, headers=admin)
    assert refused.status_code == 400 and "退回时请填写原因" in refused.json()["message"]
    returned = client.post(f"/api/v1/products/{product_id}/review",
                           json={"approve": False, "note": "请补充所需材料"}, headers=admin)
    assert returned.json()["status"] == "returned" and returned.json()["review_note"] == "请补充所需材料"
    bank = _api(client, "a.manager")
    client.put(f"/api/v1/products/{product_id}",
               json=_terms(name="花椒贷", required_documents=["土地承包合同", "身份证"]), headers=bank)
    client.post(f"/api/v1/products/{product_id}/submit", headers=bank)
    admin = _api(client, "admin")
    shelved = client.post(f"/api/v1/products/{product_id}/review", json={"approve": True}, headers=admin)
    assert shelved.json()["status"] == "published"
    shelf = client.get(f"/api/v1/products/{product_id}").json()
    assert shelf["lender_name"] == "甲银行" and shelf["version_number"] == 3
    assert shelf["requirements"] == ["成立满2年", "未列入严重失信主体名单"]
    assert "收获季一次还本" in shelf["repayment_method_labels"]
    first_version = shelved.json()["current_version_id"]

    # A firm applies on version 3.
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=product_id, amount_fen=2_000_000, term_months=12, repayment_method="interest_first",
        purpose="购买肥料", authorise=True))
    session.commit()
    assert order.product_version_id == first_version

    # Editing the shelved product: a new version waits for review while version 3 stays on sale.
    bank = _api(client, "a.manager")
    pending = client.put(f"/api/v1/products/{product_id}", json=_terms(max_rate="0.06", note="上调利率上限"),
                         headers=bank)
    assert pending.json()["status"] == "pending_review" and pending.json()["number"] == 4
    again = client.put(f"/api/v1/products/{product_id}", json=_terms(), headers=bank)
    assert again.status_code == 409 and "待审核" in again.json()["message"]
    assert client.get(f"/api/v1/products/{product_id}").json()["max_rate"] == "0.055000"
    admin = _api(client, "admin")
    client.post(f"/api/v1/products/{product_id}/review", json={"approve": True}, headers=admin)
    assert client.get(f"/api/v1/products/{product_id}").json()["max_rate"] == "0.060000"
    session.expire_all()
    assert session.get(type(order), order.id).product_version_id == first_version  # the order keeps its version
    versions = client.get(f"/api/v1/products/{product_id}/versions", headers=admin).json()
    assert [(v["number"], v["status"]) for v in versions] == [
        (4, "approved"), (3, "superseded"), (2, "returned"), (1, "draft")]
    assert versions[2]["review_note"] == "请补充所需材料" and versions[1]["terms"]["max_rate"] == "0.055000"

    bank = _api(client, "a.manager")
    withdrawn = client.post(f"/api/v1/products/{product_id}/withdraw", json={"note": "额度用完"}, headers=bank)
    assert withdrawn.json()["status"] == "withdrawn"
    assert client.get(f"/api/v1/products/{product_id}").status_code == 404
    assert client.post(f"/api/v1/products/{product_id}/withdraw", json={}, headers=bank).status_code == 409
    other_bank = _api(client, "b.manager")
    assert client.get(f"/api/v1/products/{product_id}/versions", headers=other_bank).status_code == 404
    assert _actions(session, product_id) == [
        "products.created", "products.version_created", "products.submitted", "products.returned",
        "products.version_created", "products.submitted", "products.approved", "products.version_created",
        "products.approved", "products.withdrawn"]


@pytest.mark.parametrize(("changes", "status", "words"), [
    ({"min_amount_fen": 60_000_000}, 400, "最低申请金额不能高于最高授信额度"),
    ({"min_rate": "0.07", "max_rate": "0.06"}, 400, "最低利率不能高于最高利率"),
    ({"max_rate": "0.18"}, 400, "超出司法保护上限"),
    ({"eligibility": [{"field": "turnover", "op": ">=", "value": 1}]}, 400, "准入规则的字段“turnover”不存在"),
    ({"eligibility": [{"field": "years_in_business", "op": "==", "value": 1}]}, 400, "运算符须为“>=”"),
    ({"eligibility": [{"field": "credit_grade", "op": ">=", "value": "S"}]}, 400, "取值不正确"),
    ({"line_rule": {"kind": "per_mu"}}, 400, "须填写作物和每亩金额"),
    ({"kind": "lottery"}, 422, "请求参数不正确"),
    ({"eligibility": [{"field": "x" * 41, "op": ">=", "value": 1}]}, 422, "请求参数不正确"),
    ({"min_amount_fen": "100"}, 422, "请求参数不正确"),
])
def test_bad_terms_are_refused_with_a_message_and_nothing_is_stored(
    client: TestClient, session: Session, world: World, changes: dict[str, Any], status: int, words: str
) -> None:
    bank = _api(client, "a.manager")
    before = _counts(session)
    response = client.post("/api/v1/products", json=_terms(**changes), headers=bank)
    assert response.status_code == status, response.text
    assert words in response.json()["message"]
    assert _counts(session) == before


def test_bad_new_terms_of_a_shelved_product_store_no_version(
    client: TestClient, session: Session, world: World
) -> None:
    bank = _api(client, "a.manager")
    before = _counts(session)
    response = client.put(f"/api/v1/products/{world.product_a}", json=_terms(max_rate="0.2"), headers=bank)
    assert response.status_code == 400 and "4倍" in response.json()["message"]
    assert _counts(session) == before


def test_the_public_shelf_searches_filters_and_sorts(client: TestClient, session: Session, world: World) -> None:
    manager = world.principal(session, "b.manager")
    from xinyidai.products.schemas import ProductCreate
    product = products_service.create(session, principal=manager, product_in=ProductCreate.model_validate(
        _terms(code="ZHACAI", name="榨菜贷", max_line_fen=30_000_000, guarantee_arrangement="guarantee_company_share",
               min_rate="0.0375", max_rate="0.052", line_rule={"kind": "per_mu", "crop": "榨菜",
                                                             "amount_per_mu_fen": 200_000})))
    products_service.publish(session, principal=manager, product_id=product.id)
    session.commit()
    everything = client.get("/api/v1/products").json()
    assert [p["name"] for p in everything] == ["重信贷", "乙行贷", "榨菜贷"]  # lowest rate first, then by id
    assert {p["lender_name"] for p in everything} == {"甲银行", "乙银行"}
    assert [p["name"] for p in client.get("/api/v1/products?q=榨菜").json()] == ["榨菜贷"]
    assert [p["name"] for p in client.get("/api/v1/products?q=甲银行").json()] == ["重信贷"]
    assert [p["name"] for p in client.get("/api/v1/products?kind=agricultural").json()] == ["榨菜贷"]
    assert [p["name"] for p in client.get("/api/v1/products?guarantee=guarantee_company_share").json()] == ["榨菜贷"]
    assert [p["name"] for p in client.get(f"/api/v1/products?lender_id={world.bank_b}").json()] == ["乙行贷", "榨菜贷"]
    assert [p["name"] for p in client.get("/api/v1/products?amount_fen=50000000").json()] == ["重信贷", "乙行贷"]
    assert [p["name"] for p in client.get("/api/v1/products?term_months=24").json()] == ["重信贷", "乙行贷"]
    assert [p["name"] for p in client.get("/api/v1/products?max_rate=0.036").json()] == ["重信贷", "乙行贷"]
    assert client.get("/api/v1/products?sort=max_amount").json()[-1]["name"] == "榨菜贷"
    assert client.get("/api/v1/products?sort=newest").json()[0]["name"] == "榨菜贷"
    for bad in ("sort=cheapest", "limit=0", "limit=100000", "amount_fen=-1", "q=" + "字" * 51, "kind=x",
                "max_rate=2", "term_months=0"):
        response = client.get(f"/api/v1/products?{bad}")
        assert response.status_code == 422 and response.json()["message"], bad


def test_a_firm_sees_the_shelf_matched_to_it_and_only_its_own(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.principal(session, "b.manager")
    from xinyidai.products.schemas import ProductCreate
    for code, rules in (("CHAIN", [{"field": "chain_member", "op": "==", "value": True}]),
                        ("TAX", [{"field": "credit_records", "op": "within_months",
                                  "value": {"category": "C04", "months": 12}}]),
                        ("OLD", [{"field": "years_in_business", "op": ">=", "value": 20}])):
        product = products_service.create(session, principal=manager, product_in=ProductCreate.model_validate(
            _terms(code=code, name=f"{code}贷", kind="pure_credit", line_rule={"kind": "evaluated"},
                   eligibility=rules, repayment_methods=["equal_installment"])))
        products_service.publish(session, principal=manager, product_id=product.id)
    session.commit()
    assert client.get("/api/v1/products/matches").status_code == 401
    headers = _api(client, "good")
    decisions = session.scalar(select(func.count()).select_from(CreditDecision)) or 0
    response = client.get("/api/v1/products/matches", headers=headers)
    assert response.status_code == 200, response.text
    session.expire_all()  # one pre-assessment for the whole shelf, not one per product
    assert session.scalar(select(func.count()).select_from(CreditDecision)) == decisions + 1
    body = response.json()
    assert [m["product"]["name"] for m in body["eligible"]] and {m["rank"] for m in body["eligible"]} == {1, 2}
    assert {m["product"]["name"] for m in body["eligible"]} == {"重信贷", "乙行贷"}
    assert all(m["reasons"][0].startswith(f"第{m['rank']}名") for m in body["eligible"])
    excluded = {m["product"]["name"]: m["failures"] for m in body["ineligible"]}
    assert excluded == {"CHAIN贷": ["仅限产业链信用共同体成员申请"], "TAX贷": ["需近12个月纳税记录"],
                        "OLD贷": ["成立不满20年"]}
    values = [m["expected_value_fen"] for m in body["eligible"]]
    assert values == sorted(values, reverse=True)
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "products.matched")).one().enterprise_id \
        == world.good_enterprise
    # A bank officer has no firm of its own to match.
    assert client.get("/api/v1/products/matches", headers=_api(client, "a.officer")).status_code == 403


def test_the_profile_reads_the_firms_credit_records(session: Session, world: World) -> None:
    item = creditdata_service.get_item(session, code="agri_entity")
    creditdata_service.record_platform_fact(
        session, item_code=item.code, enterprise_id=world.good_enterprise,
        values={"kind": "家庭农场", "level": "区县级", "recognised_date": "2024-03-01", "main_product": "花椒",
                "land_area": "35.5"})
    profile = products_service.firm_profile(session, enterprise_id=world.good_enterprise, credit_grade="B")
    assert profile.planted_mu == {"花椒": Decimal("35.5")}
    assert profile.latest_record_by_category["C13"] == date(2024, 3, 1)
    assert profile.entity_kind == "enterprise" and profile.area_name == "南坪街道" and profile.years_in_business >= 8
    assert profile.live_lines == 0 and not profile.chain_member and not profile.serious_dishonesty


def test_planted_area_prefers_planting_records_and_keeps_the_largest() -> None:
    area = products_service.planted_area([
        ("agri_entity", {"main_product": "柑橘", "land_area": "20"}),
        ("agri_planting", {"crop": "柑橘", "planted_area_mu": "26.5"}),
        ("agri_planting", {"crop": "榨菜", "area_mu": "8"}),
        ("agri_planting", {"crop": "花椒", "planted_area_mu": "-3"}),
        ("agri_subsidy", {"subsidy": "耕地地力保护补贴"}),
    ])
    assert area == {"柑橘": Decimal("26.5"), "榨菜": Decimal("8")}
