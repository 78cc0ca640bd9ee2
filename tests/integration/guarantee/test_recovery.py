"""The guarantor records a recovery (追偿) by API and on its page, on its own compensations only."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from tests.integration.loans.test_loans import _draw, _line
from xinyidai import clock
from xinyidai.audit.models import AuditEntry
from xinyidai.guarantee import service as guarantee_service
from xinyidai.guarantee.models import Compensation, Recovery
from xinyidai.loans.events import DrawdownDefaulted

KEY_RE = re.compile(r'name="idempotency_key" value="([^"]+)"')


def _compensation(session: Session, world: World) -> Compensation:
    guarantee_service.create_agreement(session, product_id=world.product_a,
                                       guarantor_shares={world.guarantor_org: Decimal("0.8")},
                                       bank_share=Decimal("0.2"))
    line = _line(session, world)
    drawdown = _draw(session, world, line, 1_000_000, months=6)
    [compensation] = guarantee_service.compensate(session, defaulted=DrawdownDefaulted(
        drawdown_id=drawdown.id, enterprise_id=drawdown.enterprise_id,
        bank_organisation_id=drawdown.bank_organisation_id, product_id=world.product_a,
        business_date=clock.today(), days_past_due=90, outstanding_fen=1_000_000))
    session.commit()
    return compensation


def test_the_guarantor_records_a_recovery_by_api_once_per_key(
    client: TestClient, session: Session, world: World
) -> None:
    compensation = _compensation(session, world)
    login(client, "guarantor")
    headers = {"X-CSRF-Token": page_csrf(client, "/guarantee"), "Idempotency-Key": "recovery-0001"}
    url = f"/api/v1/guarantee/compensations/{compensation.id}/recoveries"
    body = {"amount_fen": 100_000, "recovered_on": clock.today().isoformat(), "note": "法院执行款"}
    first = client.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["distribution"] == {str(world.guarantor_org): 80_000, "bank": 20_000}
    assert first.json()["note"] == "法院执行款"
    again = client.post(url, json=body, headers=headers)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert client.post(url, json={**body, "amount_fen": 5}, headers=headers).status_code == 409
    # Strict money: a boolean or a string is not an amount; nothing is recorded.
    for amount in (True, "100", 0, -1, 1.5):
        refused = client.post(url, json={**body, "amount_fen": amount},
                              headers={**headers, "Idempotency-Key": "recovery-0002"})
        assert refused.status_code == 422, (amount, refused.text)
    session.expire_all()
    assert len(session.scalars(select(Recovery)).all()) == 1
    assert session.get(Compensation, compensation.id).recovered_fen == 80_000  # type: ignore[union-attr]
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "guarantee.recovered")).one()
    assert entry.actor_kind == "user"
    assert client.get("/api/v1/guarantee/compensations").json()[0]["recovered_fen"] == 80_000


def test_a_recovery_is_scoped_to_the_guarantors_own_compensations(
    client: TestClient, session: Session, world: World
) -> None:
    compensation = _compensation(session, world)
    login(client, "a.officer")
    headers = {"X-CSRF-Token": page_csrf(client, "/account"), "Idempotency-Key": "recovery-0001"}
    url = f"/api/v1/guarantee/compensations/{compensation.id}/recoveries"
    assert client.post(url, json={"amount_fen": 100}, headers=headers).status_code == 403
    client.cookies.clear()
    login(client, "guarantor")
    headers["X-CSRF-Token"] = page_csrf(client, "/guarantee")
    missing = f"/api/v1/guarantee/compensations/{compensation.id + 1000}/recoveries"
    assert client.post(missing, json={"amount_fen": 100}, headers=headers).status_code == 404


def test_the_guarantor_records_a_recovery_on_its_page_and_a_refresh_does_not_repeat_it(
    client: TestClient, session: Session, world: World
) -> None:
    compensation = _compensation(session, world)
    login(client, "guarantor")
    html = client.get("/guarantee").text
    assert f'data-testid="recovery-form-{compensation.id}"' in html
    token = page_csrf(client, "/guarantee")
    key = KEY_RE.search(html)
    assert key
    form = {"csrf_token": token, "idempotency_key": key.group(1), "amount_yuan": "1,000.00",
            "recovered_on": clock.today().isoformat(), "note": "和解还款"}
    url = f"/guarantee/compensations/{compensation.id}/recoveries"
    response = client.post(url, data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/guarantee"
    page = client.get("/guarantee").text
    assert "已登记追偿 1,000.00 元" in page and "和解还款" in page
    assert "已登记追偿" not in client.get("/guarantee").text  # the message is shown once
    assert client.post(url, data=form, follow_redirects=False).status_code == 303  # a resent form: once
    bad = client.post(url, data={**form, "amount_yuan": "abc", "idempotency_key": "other-key-1"})
    assert bad.status_code == 422 and "金额格式不正确" in bad.text
    session.expire_all()
    assert [r.amount_fen for r in session.scalars(select(Recovery))] == [100_000]
