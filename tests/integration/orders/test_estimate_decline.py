"""A declined estimate reads as a decline with its reasons and what to do, never as a line of 0 at a rate."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from xinyidai import clock
from xinyidai.creditdata import service as creditdata_service
from xinyidai.creditdata.enums import Channel
from xinyidai.registry import service as registry_service


def _arrears(session: Session, world: World) -> None:
    """Tax arrears announced about the good enterprise, received before today."""
    with clock.use(clock.at(2026, 9, 2)):
        item = creditdata_service.get_item(session, code="tax_arrears")
        uscc = registry_service.get(session, enterprise_id=world.good_enterprise).uscc
        values = {"tax_kind": "增值税", "amount": "3500.00", "announced_date": "2026-09-01"}
        parsed = creditdata_service.parser_for(item).parse({**values, "uscc": uscc})
        assert not isinstance(parsed, list), parsed
        creditdata_service.store(session, item=item, rows=[creditdata_service.Delivered(world.good_enterprise, parsed)],
                                 channel=Channel.BULK_IMPORT)
    session.commit()


def test_tax_arrears_make_the_estimate_a_decline_with_what_to_do(client: TestClient, session: Session,
                                                                  world: World) -> None:
    _arrears(session, world)
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    answer = client.post("/api/v1/orders/estimate", json={"product_id": world.product_a}, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["outcome"], body["line_fen"]) == ("decline", 0)
    assert "存在欠税" in body["reasons"] and body["broken_rules"] == ["存在欠税"]
    assert body["remedies"] == ["尽快缴清欠缴的税款"]

    shown = client.post(f"/enterprise/estimate/{world.product_a}", headers=headers)
    assert shown.status_code == 200
    assert 'data-testid="estimate-declined"' in shown.text and 'data-testid="estimate"' not in shown.text
    assert "暂不符合该产品的准入条件" in shown.text and "存在欠税" in shown.text and "尽快缴清欠缴的税款" in shown.text
    # No line of "0 万元" and no rate: a decline offers neither.
    assert "预估额度" not in shown.text and "预估年利率" not in shown.text and "万元" not in shown.text


def test_an_approved_estimate_still_shows_its_line_and_rate(client: TestClient, world: World) -> None:
    login(client, "good")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    body = client.post("/api/v1/orders/estimate", json={"product_id": world.product_a}, headers=headers).json()
    assert body["outcome"] == "approve" and body["line_fen"] > 0 and body["remedies"] == []
    shown = client.post(f"/enterprise/estimate/{world.product_a}", headers=headers)
    assert 'data-testid="estimate"' in shown.text and "预估额度" in shown.text
