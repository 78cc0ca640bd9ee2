"""Who binds the firm: the enterprise's administrator applies and grants; a clerk (经办人) prepares and is refused,
on the API and the portal, with the buttons hidden."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login, page_csrf
from xinyidai.auth.enums import Role
from xinyidai.consent import service as consent_service
from xinyidai.identity import service as identity_service
from xinyidai.identity.schemas import UserCreate
from xinyidai.orders import service as orders_service

REFUSAL = "仅企业管理员"


@pytest.fixture
def clerk(session: Session, world: World) -> str:
    """A clerk (经办人) of the good enterprise."""
    organisation = identity_service.get_enterprise_organisation(session, enterprise_id=world.good_enterprise)
    assert organisation is not None
    identity_service.create_user(session, user_in=UserCreate(
        organisation_id=organisation.id, username="good.clerk", display_name="经办人小王", password=PASSWORD,
        roles=[Role.ENTERPRISE_STAFF]))
    session.commit()
    return "good.clerk"


def _application(world: World) -> dict[str, object]:
    return {"product_id": world.product_a, "amount_fen": 20_000_000, "term_months": 12,
            "repayment_method": "equal_installment", "purpose": "采购原材料", "authorise": True}


def test_a_clerk_cannot_apply_but_may_estimate(client: TestClient, session: Session, world: World,
                                               clerk: str) -> None:
    login(client, clerk)
    headers = {"X-CSRF-Token": page_csrf(client, "/enterprise")}
    refused = client.post("/api/v1/orders", json=_application(world), headers=headers)
    assert refused.status_code == 403 and REFUSAL in refused.json()["message"], refused.text
    assert client.post("/api/v1/orders/estimate", json={"product_id": world.product_a},
                       headers=headers).status_code == 200  # preparing is the clerk's
    home = client.get("/enterprise").text
    assert 'data-testid="apply-CHONGXINDAI"' not in home and 'data-testid="estimate-CHONGXINDAI"' in home
    form = client.get(f"/enterprise/apply/{world.product_a}").text
    assert 'data-testid="binding-refusal"' in form and "提交申请</button>" not in form
    page = client.post(f"/enterprise/apply/{world.product_a}", data={
        "amount": "20", "term_months": "12", "repayment_method": "equal_installment", "purpose": "采购原材料",
        "authorise": "yes", "csrf_token": headers["X-CSRF-Token"]})
    assert page.status_code == 403 and REFUSAL in page.text
    session.expire_all()
    assert orders_service.list_for(session, principal=world.principal(session, "good")) == []
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []


def test_the_admin_applies(client: TestClient, world: World) -> None:
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/enterprise")}
    assert 'data-testid="apply-CHONGXINDAI"' in client.get("/enterprise").text
    assert client.post("/api/v1/orders", json=_application(world), headers=headers).status_code == 201


def test_a_clerk_may_prepare_an_authorisation_but_not_grant_it(client: TestClient, session: Session, world: World,
                                                               clerk: str) -> None:
    login(client, clerk)
    form = {"csrf_token": page_csrf(client, "/authorisations/new"), "recipient": str(world.bank_b),
            "purpose": "credit_report_download", "categories": ["C01", "C02"], "days": "365", "mode": "periodic"}
    preview = client.post("/authorisations/new", data=form)
    assert preview.status_code == 200 and 'data-testid="binding-refusal"' in preview.text
    assert 'data-testid="grant-confirm"' not in preview.text
    confirmed = client.post("/authorisations/new", data={**form, "confirm": "yes"})
    assert confirmed.status_code == 403 and REFUSAL in confirmed.text
    session.expire_all()
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []
    client.cookies.clear()
    login(client, "good")
    form["csrf_token"] = page_csrf(client, "/authorisations/new")
    assert 'data-testid="grant-confirm"' in client.post("/authorisations/new", data=form).text
    granted = client.post("/authorisations/new", data={**form, "confirm": "yes"}, follow_redirects=False)
    assert granted.status_code == 303
