"""Authorisations end to end: a bank reads the credit file under the entity's grant; the entity revokes it on
its page and the very next request is refused; expiry, one-time grants, categories and the data window."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.integration.conftest import World, login, page_csrf
from tests.integration.creditdata.test_creditdata_file import _items, _seed_records
from xinyidai import clock
from xinyidai.consent import service as consent_service
from xinyidai.consent.models import Authorisation
from xinyidai.creditdata import verification
from xinyidai.creditdata.enums import VerificationResult
from xinyidai.errors import Forbidden
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.schemas import OrderCreate
from xinyidai.products.enums import RepaymentMethod

ALL = [f"C{n:02d}" for n in range(1, 15)]


def _apply(session: Session, world: World) -> FinancingOrder:
    order = orders_service.apply(session, principal=world.principal(session, "good"), order_in=OrderCreate(
        product_id=world.product_a, amount_fen=20_000_000, term_months=12,
        repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料", authorise=True))
    session.commit()
    return order


def _grant(session: Session, world: World, ref: str, **kwargs: Any) -> Authorisation:
    granted = consent_service.grant(
        session, enterprise_id=world.good_enterprise, granted_by_user_id=world.principal(session, "good").user_id or 0,
        recipient_organisation_id=world.bank_a, purpose=consent_service.Purpose.FINANCING_APPLICATION,
        purpose_ref=ref, **{"categories": ALL, **kwargs})
    session.commit()
    return granted


def _read(client: TestClient, world: World, ref: str) -> Any:
    return client.get(f"/api/v1/enterprises/{world.good_enterprise}/credit-file", params={"purpose_ref": ref})


def test_applying_grants_every_category_and_the_page_lists_the_grant(
        client: TestClient, session: Session, world: World) -> None:
    order = _apply(session, world)
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    assert (grant.categories, grant.mode, grant.data_from, grant.data_to) == (ALL, "periodic", None, None)
    assert grant.valid_from == grant.granted_at and consent_service.status(grant) is consent_service.Status.ACTIVE
    login(client, "good")
    page = client.get("/authorisations")
    assert page.status_code == 200
    assert all(text in page.text for text in ("我的授权", "甲银行", "融资申请审批", order.order_no, "有效期内多次",
                                              "有效", "撤销授权", "全部14类信用信息"))
    client.cookies.set("lang", "en")
    assert "Financing application review" in client.get("/authorisations").text
    client.cookies.clear()
    login(client, "a.officer")
    assert client.get("/authorisations").status_code == 403


def test_a_revocation_on_the_page_refuses_the_banks_very_next_request(
        client: TestClient, session: Session, world: World) -> None:
    _seed_records(session, world)
    order = _apply(session, world)
    login(client, "a.officer")
    first = _read(client, world, order.order_no)
    assert first.status_code == 200 and set(_items(first.json())) == {"tax_credit_grade", "social_insurance_payment"}
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    # The bank may not revoke it; another entity may not even see it.
    token = page_csrf(client, "/account")
    assert client.post(f"/authorisations/{grant.id}/revoke", data={"csrf_token": token}).status_code == 403
    client.cookies.clear()
    login(client, "other")
    token = page_csrf(client, "/account")
    assert client.post(f"/authorisations/{grant.id}/revoke", data={"csrf_token": token}).status_code == 404
    client.cookies.clear()
    login(client, "good")
    assert client.post(f"/authorisations/{grant.id}/revoke", data={}).status_code == 403  # no CSRF token
    token = page_csrf(client, "/authorisations")
    # One click on the list does not revoke: it asks to confirm, saying what revoking ends.
    assert f'href="/authorisations/{grant.id}/revoke"' in client.get("/authorisations").text
    unconfirmed = client.post(f"/authorisations/{grant.id}/revoke", data={"csrf_token": token},
                              follow_redirects=False)
    assert unconfirmed.status_code == 303 and unconfirmed.headers["location"] == f"/authorisations/{grant.id}/revoke"
    confirm = client.get(unconfirmed.headers["location"])
    assert 'data-testid="revoke-confirm-form"' in confirm.text and "甲银行" in confirm.text
    assert consent_service.status(grant) == "active"
    revoked = client.post(f"/authorisations/{grant.id}/revoke", data={"csrf_token": token, "confirm": "yes"},
                          follow_redirects=False)
    assert revoked.status_code == 303 and revoked.headers["location"] == f"/authorisations?revoked={grant.id}"
    page = client.get(revoked.headers["location"])
    assert "授权已撤销" in page.text and f'data-testid="revoke-{grant.id}"' not in page.text
    assert "已撤销" in page.text
    client.cookies.clear()
    login(client, "a.officer")
    refused = _read(client, world, order.order_no)
    assert refused.status_code == 403
    assert refused.json()["message"] == "该主体已于2026-11-23 10:00撤销对贵机构的授权"


def test_an_expired_authorisation_denies(client: TestClient, session: Session, world: World,
                                         frozen_clock: clock.FixedClock) -> None:
    order = _apply(session, world)
    login(client, "a.officer")
    assert _read(client, world, order.order_no).status_code == 200
    frozen_clock.advance(timedelta(days=90))
    client.cookies.clear()  # the login session has long ended too
    login(client, "a.officer")
    refused = _read(client, world, order.order_no)
    assert refused.status_code == 403 and refused.json()["message"] == "该授权已于2027-02-21 10:00过期"
    session.expire_all()
    [grant] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
               if a.recipient_organisation_id == world.bank_a]
    assert consent_service.status(grant) is consent_service.Status.EXPIRED
    with pytest.raises(Exception, match="已过期"):
        consent_service.revoke(session, enterprise_id=world.good_enterprise, authorisation_id=grant.id,
                               user_id=world.principal(session, "good").user_id or 0)


def test_a_grant_not_yet_valid_denies_until_it_starts(client: TestClient, session: Session, world: World,
                                                     frozen_clock: clock.FixedClock) -> None:
    _grant(session, world, "POST-LOAN-1", valid_from=clock.now() + timedelta(days=1))
    login(client, "a.officer")
    refused = _read(client, world, "POST-LOAN-1")
    assert refused.status_code == 403 and "尚未生效" in refused.json()["message"]
    frozen_clock.advance(timedelta(days=1))
    client.cookies.clear()
    login(client, "a.officer")
    assert _read(client, world, "POST-LOAN-1").status_code == 200


def test_a_one_time_grant_works_once(client: TestClient, session: Session, world: World) -> None:
    _seed_records(session, world)
    grant = _grant(session, world, "ONCE-1", mode=consent_service.Mode.ONE_TIME)
    login(client, "a.officer")
    assert _read(client, world, "ONCE-1").status_code == 200
    second = _read(client, world, "ONCE-1")
    assert second.status_code == 403 and "该一次性授权已于2026-11-23 10:00使用" in second.json()["message"]
    session.expire_all()
    assert consent_service.status(session.get(Authorisation, grant.id)) is consent_service.Status.USED  # type: ignore[arg-type]


def test_categories_outside_the_grant_and_records_outside_its_data_window_are_not_returned(
        client: TestClient, session: Session, world: World) -> None:
    _seed_records(session, world)
    _grant(session, world, "TAX-ONLY", categories=["C04"])
    _grant(session, world, "RECENT", data_from=date(2026, 6, 1))
    _grant(session, world, "OLD", data_to=date(2026, 6, 1))
    login(client, "a.officer")
    assert set(_items(_read(client, world, "TAX-ONLY").json())) == {"tax_credit_grade"}  # C05 withheld
    assert set(_items(_read(client, world, "RECENT").json())) == {"social_insurance_payment"}  # 2026-10-31
    assert set(_items(_read(client, world, "OLD").json())) == {"tax_credit_grade"}  # 2026-04-20


def test_a_verification_needs_a_grant_covering_the_conditions_category(session: Session, world: World) -> None:
    _grant(session, world, "SI-ONLY", categories=["C05"], mode=consent_service.Mode.ONE_TIME)
    offline = verification.HttpVerifier(endpoints={}, secret=b"unused", timeout=1.0)

    def ask(condition: str, **parameters: Any) -> verification.Verification:
        return verification.verify(session, principal=world.principal(session, "a.officer"),
                                   enterprise_id=world.good_enterprise, condition=condition, parameters=parameters,
                                   purpose="授信审查", purpose_ref="SI-ONLY", verifier=offline)

    with pytest.raises(Forbidden, match="不涵盖所查询的信息类别：C04"):
        ask("tax_no_arrears")
    # An unanswered question does not spend the one-time grant.
    assert ask("social_insurance_paid_months", months=6).result == VerificationResult.UNAVAILABLE
    assert ask("social_insurance_paid_months", months=6).result == VerificationResult.UNAVAILABLE


def test_bad_grants_are_refused(session: Session, world: World) -> None:
    with pytest.raises(consent_service.InvalidAuthorisation, match="至少涵盖一类"):
        _grant(session, world, "X", categories=[])
    with pytest.raises(consent_service.InvalidAuthorisation, match="起始日期不能晚于截止日期"):
        _grant(session, world, "X", data_from=date(2026, 2, 1), data_to=date(2026, 1, 1))
