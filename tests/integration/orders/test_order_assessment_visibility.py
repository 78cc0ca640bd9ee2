"""The bank sees the pre-assessment drawn from the entity's credit information (score, PD, reasons, portrait) only
while the authorisation of the application is live: after revocation or expiry the order page says so instead."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai import clock
from xinyidai.consent import service as consent_service
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.schemas import OrderCreate

WITHHELD = 'data-testid="assessment-withheld"'


def _apply(session: Session, world: World) -> FinancingOrder:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12, repayment_method="equal_installment",
        purpose="采购原材料", authorise=True))
    session.commit()
    return order


def _estimate_card(page: str) -> str:
    found = re.search(r'<section class="card" data-testid="estimate">.*?</section>', page, re.S)
    assert found is not None
    return found.group(0)


def _reasons(session: Session, order: FinancingOrder) -> list[str]:
    reasons = orders_service.to_read(session, order).estimate.reasons
    assert reasons
    return list(reasons)


def _shows_the_assessment(session: Session, page: str, order: FinancingOrder) -> bool:
    card = _estimate_card(page)
    return ('data-testid="estimated-score"' in card and 'data-testid="estimate-reasons"' in card
            and all(reason in card for reason in _reasons(session, order)) and 'data-testid="portrait-radar"' in page)


def _hides_the_assessment(session: Session, page: str, order: FinancingOrder) -> None:
    card = _estimate_card(page)
    assert WITHHELD in card and "已撤销或已过期" in card
    assert 'data-testid="estimated-score"' not in card and 'data-testid="estimated-pd"' not in card
    assert 'data-testid="estimate-reasons"' not in card and "评估依据：" not in card
    assert not any(reason in card for reason in _reasons(session, order))
    assert 'data-testid="portrait-radar"' not in page and 'data-testid="portrait-refused"' in page


def test_after_revocation_the_bank_no_longer_sees_score_pd_reasons_or_portrait(
        client: TestClient, session: Session, world: World) -> None:
    order = _apply(session, world)
    login(client, "a.officer")
    page = client.get(f"/orders/{order.id}")
    assert page.status_code == 200 and _shows_the_assessment(session, page.text, order) and WITHHELD not in page.text
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                           user_id=world.principal(session, "good").user_id or 0)
    session.commit()
    page = client.get(f"/orders/{order.id}")
    assert page.status_code == 200
    _hides_the_assessment(session, page.text, order)
    assert "撤销" in page.text
    # The order itself stays the bank's to handle: the application's facts are still shown.
    assert order.order_no in page.text and "采购原材料" in page.text
    # The enterprise still sees its own assessment.
    login(client, "good")
    own = client.get(f"/orders/{order.id}")
    assert own.status_code == 200 and 'data-testid="estimated-score"' in _estimate_card(own.text)
    assert WITHHELD not in own.text


def test_after_expiry_the_bank_no_longer_sees_the_assessment(
        client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock) -> None:
    order = _apply(session, world)
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    frozen_clock.advance(grant.expires_at - clock.now() + timedelta(days=1))
    login(client, "a.officer")
    page = client.get(f"/orders/{order.id}")
    assert page.status_code == 200
    _hides_the_assessment(session, page.text, order)


def test_after_revocation_the_api_gives_the_bank_no_score_grade_or_reasons(
        client: TestClient, session: Session, world: World) -> None:
    order = _apply(session, world)
    login(client, "a.officer")
    live = client.get(f"/api/v1/orders/{order.id}").json()["estimate"]
    assert live["score"] is not None and live["reasons"] and live["withheld"] is None
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                           user_id=world.principal(session, "good").user_id or 0)
    session.commit()
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    one = client.get(f"/api/v1/orders/{order.id}")
    [listed] = [o for o in client.get("/api/v1/orders").json() if o["id"] == order.id]
    accepted = client.post(f"/api/v1/orders/{order.id}/accept", headers=headers)
    assert one.status_code == 200 and accepted.status_code == 200, accepted.text
    for estimate in (one.json()["estimate"], listed["estimate"], accepted.json()["estimate"]):
        assert (estimate["score"], estimate["grade"], estimate["reasons"]) == (None, None, [])
        assert "撤销" in estimate["withheld"]
    # The firm still sees its own assessment whole.
    client.cookies.clear()
    login(client, "good")
    own = client.get(f"/api/v1/orders/{order.id}").json()["estimate"]
    assert own["score"] == live["score"] and own["reasons"] == live["reasons"] and own["withheld"] is None
