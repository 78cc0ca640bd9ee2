"""The financial supermarket: the public shelf (search, filters, sort, product page) and the district's policy pages,
which the platform administrator writes and anyone reads without logging in."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from tests.integration.products.test_products import _terms
from xinyidai import clock
from xinyidai.audit.models import AuditEntry
from xinyidai.products import service as products_service
from xinyidai.products.schemas import ProductCreate
from xinyidai.products.supermarket.models import PolicyArticle

ARTICLE = {
    "title": "建设完善重庆市融资信用服务平台网络促进中小微企业融资的实施方案",
    "issuer": "重庆市发展和改革委员会",
    "document_no": "",
    "issued_date": "2022-07-21",
    "summary": "以“信易贷·渝惠融”平台为枢纽共享信用信息，银行据此开发信用融资产品，提高中小微企业贷款的可得性。",
    "body": "一、总体要求\n二、建设完善全市融资信用服务平台网络",
}


def _articles(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(PolicyArticle)) or 0)


def test_anyone_browses_the_shelf_without_logging_in(client: TestClient, world: World) -> None:
    page = client.get("/supermarket")
    assert page.status_code == 200
    assert "重信贷" in page.text and "乙行贷" in page.text
    assert "甲银行" in page.text and "乙银行" in page.text
    detail = client.get(f"/supermarket/products/{world.product_a}")
    assert detail.status_code == 200 and "重信贷" in detail.text and 'href="/login"' in detail.text


def test_the_shelf_is_searched_filtered_and_sorted(client: TestClient, world: World) -> None:
    only_a = client.get("/supermarket", params={"lender": world.bank_a})
    assert "重信贷" in only_a.text and "乙行贷" not in only_a.text
    by_word = client.get("/supermarket", params={"q": "乙行"})
    assert "乙行贷" in by_word.text and 'data-testid="shelf-CHONGXINDAI"' not in by_word.text
    too_long = client.get("/supermarket", params={"term_months": 36})
    assert 'data-testid="shelf-count">0<' in too_long.text
    too_big = client.get("/supermarket", params={"amount_wan": 5000})  # above both products' 100万 line
    assert 'data-testid="shelf-count">0<' in too_big.text
    fits = client.get("/supermarket", params={"amount_wan": 50, "term_months": 12, "max_rate_percent": "3.5"})
    assert 'data-testid="shelf-count">2<' in fits.text
    cheap = client.get("/supermarket", params={"max_rate_percent": "3"})
    assert 'data-testid="shelf-count">0<' in cheap.text


def test_the_shelf_filters_by_kind_and_guarantee_and_the_product_page_says_who_may_apply(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.principal(session, "b.manager")
    product = products_service.create(session, principal=manager, product_in=ProductCreate.model_validate(_terms()))
    products_service.publish(session, principal=manager, product_id=product.id)
    session.commit()
    farming = client.get("/supermarket", params={"kind": "agricultural"})
    assert 'data-testid="shelf-count">1<' in farming.text and "花椒贷" in farming.text
    unguaranteed = client.get("/supermarket", params={"guarantee": "none", "sort": "max_amount"})
    assert "花椒贷" in unguaranteed.text and 'data-testid="shelf-count">3<' in unguaranteed.text
    page = client.get(f"/supermarket/products/{product.id}")
    assert "成立满2年" in page.text and "土地承包合同" in page.text and "每亩3000元" in page.text


def test_a_firm_sees_its_matched_list_with_the_reasons_and_no_one_else_does(
    client: TestClient, session: Session, world: World
) -> None:
    manager = world.principal(session, "b.manager")
    old = products_service.create(session, principal=manager, product_in=ProductCreate.model_validate(_terms(
        code="OLD", name="老字号贷", kind="pure_credit", line_rule={"kind": "evaluated"},
        repayment_methods=["equal_installment"], eligibility=[{"field": "years_in_business", "op": ">=",
                                                                "value": 50}])))
    products_service.publish(session, principal=manager, product_id=old.id)
    session.commit()
    assert client.get("/supermarket/matches", follow_redirects=False).status_code in (303, 401)
    login(client, "good")
    page = client.get("/supermarket/matches")
    assert page.status_code == 200, page.text
    assert 'data-testid="eligible-CHONGXINDAI"' in page.text and 'data-testid="eligible-OTHER"' in page.text
    assert 'data-testid="ineligible-OLD"' in page.text and "成立不满50年" in page.text
    assert "第1名" in page.text
    assert 'href="/supermarket/matches"' in client.get("/supermarket").text
    client.cookies.set("lang", "en")  # the ranking's reasons in English mode, figures and all
    english = client.get("/supermarket/matches").text
    assert "No. 1: approval chance" in english and "第1名" not in english and "模型评估" not in english
    client.cookies.delete("lang")
    client.cookies.clear()
    login(client, "a.officer")
    assert client.get("/supermarket/matches").status_code == 403


def test_bad_filters_are_said_in_chinese_not_a_500(client: TestClient, world: World) -> None:
    for params in ({"term_months": "abc"}, {"lender": "9223372036854775808"}, {"sort": "x"},
                   {"q": "字" * 51}, {"amount_wan": "-1"}, {"kind": "loan_shark"}, {"guarantee": "1"}):
        page = client.get("/supermarket", params=params)
        assert page.status_code == 422, params
        assert "请检查以下内容" in page.text


def test_a_withdrawn_or_unknown_product_has_no_public_page(client: TestClient, world: World) -> None:
    assert client.get("/supermarket/products/999999").status_code == 404


def test_the_admin_writes_publishes_and_retires_a_policy_and_the_public_reads_it(
    client: TestClient, session: Session, world: World
) -> None:
    login(client, "admin")
    token = page_csrf(client, "/admin/policies")
    saved = client.post("/admin/policies", data={**ARTICLE, "csrf_token": token}, follow_redirects=False)
    assert saved.status_code == 303
    article = session.scalars(select(PolicyArticle)).one()
    assert article.status == "draft"
    client.cookies.clear()
    assert client.get(f"/supermarket/policies/{article.id}").status_code == 404  # a draft is not public

    login(client, "admin")
    token = page_csrf(client, "/admin/policies")
    assert client.post(f"/admin/policies/{article.id}/publish", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    client.cookies.clear()
    listed = client.get("/supermarket/policies", params={"q": "渝惠融"})
    assert ARTICLE["title"] in listed.text
    shown = client.get(f"/supermarket/policies/{article.id}")
    assert shown.status_code == 200 and "二、建设完善全市融资信用服务平台网络" in shown.text
    assert ARTICLE["title"] in client.get("/supermarket").text
    assert client.get("/api/v1/policy-articles").json()[0]["issuer"] == ARTICLE["issuer"]

    login(client, "admin")
    token = page_csrf(client, "/admin/policies")
    client.post(f"/admin/policies/{article.id}/retire", data={"csrf_token": token})
    client.cookies.clear()
    assert client.get(f"/supermarket/policies/{article.id}").status_code == 404
    actions = set(session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "policy_article")))
    assert actions == {"products.policy_article_created", "products.policy_article_published",
                       "products.policy_article_retired"}


def test_a_bad_policy_is_refused_with_a_message_and_nothing_stored(
    client: TestClient, session: Session, world: World
) -> None:
    login(client, "admin")
    token = page_csrf(client, "/admin/policies")
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    for bad, message in (({"issued_date": tomorrow}, "发文日期不能晚于今天"),
                         ({"source_url": "javascript:alert(1)"}, "原文链接须以 https:// 开头"),
                         ({"title": ""}, "标题"), ({"summary": "太短"}, "要点"),
                         ({"title": "标题\u202e"}, "标题")):
        page = client.post("/admin/policies", data={**ARTICLE, **bad, "csrf_token": token})
        assert page.status_code == 422, bad
        assert message in page.text, bad
    assert _articles(session) == 0
    refused = client.post("/api/v1/policy-articles", json={**ARTICLE, "source_url": "http://example.com"},
                          headers={"X-CSRF-Token": token})
    assert refused.status_code == 422
    assert _articles(session) == 0


def test_only_the_platform_admin_writes_policies(client: TestClient, session: Session, world: World) -> None:
    assert client.post("/api/v1/policy-articles", json=ARTICLE).status_code in (401, 403)
    login(client, "a.manager")
    token = page_csrf(client, "/bank/workbench")
    assert client.post("/api/v1/policy-articles", json=ARTICLE, headers={"X-CSRF-Token": token}).status_code == 403
    assert client.get("/admin/policies").status_code == 403
    assert _articles(session) == 0
