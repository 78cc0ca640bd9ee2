"""A clerk (经办人) prepares a grant on 我的授权, the firm's administrator confirms it: until then it is a draft that
binds nothing and that no institution can use; confirmed, it is granted by the administrator from that moment, as
if the administrator had granted it, and the audit names both. A clerk never confirms (nor grants directly),
another firm's draft is not found, a draft may be discarded, and one that no longer holds is not confirmed."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import TEST_DATABASE_URL
from tests.integration.conftest import PASSWORD, World, build_world, login, page_csrf
from xinyidai import clock, db
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgStatus, Role
from xinyidai.consent import service as consent_service
from xinyidai.consent.models import AuthorisationDraft
from xinyidai.errors import Conflict
from xinyidai.identity import service as identity_service
from xinyidai.identity.notifications import service as notifications_service
from xinyidai.identity.schemas import UserCreate
from xinyidai.orders import service as orders_service
from xinyidai.orders.models import FinancingOrder
from xinyidai.orders.schemas import OrderDraftConfirm, OrderDraftCreate
from xinyidai.products.enums import RepaymentMethod

REFUSAL = "仅企业管理员"
# A 365-day authorisation for bank B to download the firm's credit report as often as it needs.
FORM = {"purpose": "credit_report_download", "categories": ["C01", "C02"], "days": "365", "mode": "periodic"}


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


def _as(client: TestClient, username: str, path: str = "/authorisations") -> str:
    client.cookies.clear()
    login(client, username)
    return page_csrf(client, path)


def _prepare(client: TestClient, world: World, clerk: str, **changes: object) -> str:
    """The clerk prepares the grant; the path of its draft page."""
    token = _as(client, clerk, "/authorisations/new")
    prepared = client.post("/authorisations/new", data={
        "csrf_token": token, "recipient": str(world.bank_b), **FORM, "confirm": "prepare", **changes},
        follow_redirects=False)
    assert prepared.status_code == 303, prepared.text
    location = prepared.headers["location"]
    assert location.startswith("/authorisations/drafts/") and location.endswith("?prepared=1")
    return location.partition("?")[0]


def _audit(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_a_clerk_prepares_but_cannot_grant(client: TestClient, session: Session, world: World, clerk: str) -> None:
    token = _as(client, clerk, "/authorisations/new")
    form = {"csrf_token": token, "recipient": str(world.bank_b), **FORM}
    preview = client.post("/authorisations/new", data=form)
    assert preview.status_code == 200 and 'data-testid="grant-prepare"' in preview.text
    assert 'data-testid="grant-confirm"' not in preview.text and "提交管理员确认" in preview.text
    confirmed = client.post("/authorisations/new", data={**form, "confirm": "yes"})  # the clerk cannot bind directly
    assert confirmed.status_code == 403 and REFUSAL in confirmed.text
    session.expire_all()
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []
    assert consent_service.list_drafts(session, enterprise_id=world.good_enterprise) == []
    bad = client.post("/authorisations/new", data={**form, "days": "366", "confirm": "prepare"})
    assert bad.status_code == 422 and "有效期须为1至365天的整数" in bad.text  # a draft is checked like a grant
    session.expire_all()
    assert consent_service.list_drafts(session, enterprise_id=world.good_enterprise) == []

    token = _as(client, "good", "/authorisations/new")
    preview = client.post("/authorisations/new", data={**form, "csrf_token": token})
    assert 'data-testid="grant-confirm"' in preview.text and 'data-testid="grant-prepare"' not in preview.text
    granted = client.post("/authorisations/new", data={**form, "csrf_token": token, "confirm": "yes"},
                          follow_redirects=False)
    assert granted.status_code == 303


def test_a_prepared_grant_binds_only_once_the_admin_confirms(
        client: TestClient, session: Session, world: World, clerk: str, frozen_clock: clock.FixedClock) -> None:
    path = _prepare(client, world, clerk)
    page = client.get(f"{path}?prepared=1").text
    assert 'data-testid="draft-prepared-notice"' in page and 'data-testid="draft-waiting"' in page
    assert 'data-testid="draft-confirm"' not in page and "被授权机构：乙银行" in page
    session.expire_all()
    [draft] = consent_service.list_drafts(session, enterprise_id=world.good_enterprise)
    assert (draft.status, draft.purpose_ref, draft.validity_days, draft.mode) == ("waiting", None, 365, "periodic")
    clerk_id = draft.prepared_by_user_id

    # Nothing granted: the bank can use nothing, under any reference.
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []

    # The clerk cannot confirm their own draft; another firm does not find it.
    refused = client.post(f"{path}/confirm", data={"csrf_token": page_csrf(client, path), "confirm": "yes"})
    assert refused.status_code == 403 and REFUSAL in refused.text
    token = _as(client, "other")
    assert client.get(path).status_code == 404
    assert client.post(f"{path}/confirm", data={"csrf_token": token, "confirm": "yes"}).status_code == 404
    assert client.post(f"{path}/discard", data={"csrf_token": token}).status_code == 404
    assert 'data-testid="authorisation-drafts"' not in client.get("/authorisations").text
    session.expire_all()
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []

    # The administrator is told, sees who prepared it, and confirms it a day later.
    admin = world.principal(session, "good")
    [message] = notifications_service.list_for(session, principal=admin)
    assert "待您确认的授权" in message.subject and "经办人小王" in message.body and message.link == path
    frozen_clock.advance(timedelta(days=1))
    token = _as(client, "good")
    listing = client.get("/authorisations").text
    assert 'data-testid="authorisation-drafts"' in listing and "经办人小王" in listing
    page = client.get(path).text
    assert 'data-testid="draft-confirm"' in page and "有效期：自确认起365天" in page
    confirmed = client.post(f"{path}/confirm", data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert confirmed.status_code == 303 and confirmed.headers["location"].startswith("/authorisations?granted=")
    session.expire_all()
    [authorisation] = consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
    assert confirmed.headers["location"] == f"/authorisations?granted={authorisation.id}"
    assert (authorisation.granted_by_user_id, authorisation.recipient_organisation_id, authorisation.purpose,
            authorisation.mode, authorisation.categories) == (
        admin.user_id, world.bank_b, "credit_report_download", "periodic", ["C01", "C02"])
    assert authorisation.valid_from == clock.now() and authorisation.expires_at == clock.now() + timedelta(days=365)
    assert authorisation.purpose_ref.startswith("RPT")
    assert authorisation.purpose_ref in client.get(confirmed.headers["location"]).text
    decision = consent_service.decide(session, enterprise_id=world.good_enterprise,
                                      recipient_organisation_id=world.bank_b,
                                      purpose=consent_service.Purpose.CREDIT_REPORT_DOWNLOAD,
                                      purpose_ref=authorisation.purpose_ref)
    assert decision.allowed and decision.categories_allowed == {"C01", "C02"} and not decision.one_time
    [done] = consent_service.list_drafts(session, enterprise_id=world.good_enterprise, status=None)
    assert (done.status, done.decided_by_user_id, done.authorisation_id) == (
        "confirmed", admin.user_id, authorisation.id)
    assert 'data-testid="authorisation-drafts"' not in client.get("/authorisations").text

    # Audited with both the preparer and the confirmer.
    [prepared_entry] = _audit(session, "consent.draft_prepared")
    assert prepared_entry.actor_user_id == clerk_id
    [confirmed_entry] = _audit(session, "consent.draft_confirmed")
    assert (confirmed_entry.actor_user_id, confirmed_entry.detail["prepared_by_user_id"],
            confirmed_entry.detail["confirmed_by_user_id"]) == (admin.user_id, clerk_id, admin.user_id)
    [granted_entry] = _audit(session, "consent.granted")
    assert (granted_entry.actor_user_id, granted_entry.detail["prepared_by_user_id"]) == (admin.user_id, clerk_id)

    # Done with: not confirmed twice; the clerk is told.
    again = client.post(f"{path}/confirm", data={"csrf_token": token, "confirm": "yes"})
    assert again.status_code == 409
    assert len(consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)) == 1
    clerk_messages = notifications_service.list_for(session, principal=world.principal(session, clerk))
    assert any("已确认" in m.subject for m in clerk_messages)


def test_a_prepared_model_run_grant_is_unusable_until_confirmed(client: TestClient, session: Session, world: World,
                                                                clerk: str) -> None:
    path = _prepare(client, world, clerk, purpose="model_run", purpose_ref="PRG-2026")

    def decide() -> bool:
        session.expire_all()
        return consent_service.decide(session, enterprise_id=world.good_enterprise,
                                      recipient_organisation_id=world.bank_b, purpose=consent_service.Purpose.MODEL_RUN,
                                      purpose_ref="PRG-2026").allowed

    assert not decide()
    token = _as(client, "good")
    assert client.post(f"{path}/confirm", data={"csrf_token": token, "confirm": "yes"},
                       follow_redirects=False).status_code == 303
    assert decide()


def test_a_discarded_draft_grants_nothing(client: TestClient, session: Session, world: World, clerk: str) -> None:
    path = _prepare(client, world, clerk)
    token = _as(client, "good")
    discarded = client.post(f"{path}/discard", data={"csrf_token": token}, follow_redirects=False)
    assert discarded.status_code == 303 and discarded.headers["location"] == "/authorisations?discarded=1"
    assert 'data-testid="draft-discarded-notice"' in client.get("/authorisations?discarded=1").text
    assert client.post(f"{path}/confirm", data={"csrf_token": token, "confirm": "yes"}).status_code == 409
    page = client.get(path).text
    assert "已放弃" in page and 'data-testid="draft-confirm"' not in page
    session.expire_all()
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []
    assert [d.status for d in session.scalars(select(AuthorisationDraft))] == ["discarded"]
    assert [e.actor_user_id for e in _audit(session, "consent.draft_discarded")] == [
        world.principal(session, "good").user_id]
    # The clerk withdraws a draft of their own.
    own = _prepare(client, world, clerk)
    assert client.post(f"{own}/discard", data={"csrf_token": page_csrf(client, own)},
                       follow_redirects=False).status_code == 303
    session.expire_all()
    assert [d.status for d in session.scalars(select(AuthorisationDraft))] == ["discarded", "discarded"]


def test_a_draft_whose_institution_was_suspended_is_not_confirmed(client: TestClient, session: Session, world: World,
                                                                  clerk: str) -> None:
    path = _prepare(client, world, clerk)
    identity_service.set_organisation_status(session, organisation_id=world.bank_b, status=OrgStatus.SUSPENDED)
    session.commit()
    token = _as(client, "good")
    refused = client.post(f"{path}/confirm", data={"csrf_token": token, "confirm": "yes"})
    assert refused.status_code == 409 and "请选择要授权的银行" in refused.text
    session.expire_all()
    assert consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise) == []
    [draft] = consent_service.list_drafts(session, enterprise_id=world.good_enterprise)
    assert draft.status == "waiting"


@pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                    reason="row locks and real concurrency: PostgreSQL (SQLite serialises writers)")
@pytest.mark.parametrize("kind", ["grant", "application"])
def test_two_administrators_confirming_at_once_bind_the_firm_once(committed_database: db.Database,
                                                                   kind: str) -> None:
    with clock.use(clock.at(2026, 11, 23, 10, 0)), db.transaction(committed_database.session_factory) as session:
        world = build_world(session)
        organisation = identity_service.get_enterprise_organisation(session, enterprise_id=world.good_enterprise)
        assert organisation is not None
        for username, role in (("good.clerk", Role.ENTERPRISE_STAFF), ("good.admin2", Role.ENTERPRISE_ADMIN)):
            identity_service.create_user(session, user_in=UserCreate(
                organisation_id=organisation.id, username=username, display_name=username, password=PASSWORD,
                roles=[role]))
        clerk = world.principal(session, "good.clerk")
        if kind == "grant":
            draft_id = consent_service.prepare(
                session, principal=clerk, recipient_organisation_id=world.bank_b,
                purpose=consent_service.Purpose.CREDIT_REPORT_DOWNLOAD, purpose_ref=None, categories=["C01"],
                validity_days=365).id
        else:
            draft_id = orders_service.prepare(session, principal=clerk, draft_in=OrderDraftCreate(
                product_id=world.product_a, amount_fen=20_000_000, term_months=12,
                repayment_method=RepaymentMethod.EQUAL_INSTALLMENT, purpose="采购原材料")).id
    barrier = threading.Barrier(2)

    def confirm(username: str) -> str:
        with clock.use(clock.at(2026, 11, 23, 11, 0)):
            try:
                with db.transaction(committed_database.session_factory) as session:
                    admin = world.principal(session, username)
                    barrier.wait(timeout=30)
                    if kind == "grant":
                        consent_service.confirm_draft(session, principal=admin, draft_id=draft_id)
                    else:
                        orders_service.confirm_draft(session, principal=admin, draft_id=draft_id,
                                                     confirm_in=OrderDraftConfirm(authorise=True))
            except Conflict:
                return "conflict"
        return "confirmed"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(confirm, ("good", "good.admin2"), timeout=120))
    assert outcomes == ["confirmed", "conflict"]
    with committed_database.session_factory() as session:
        granted = consent_service.list_for_enterprise(session, enterprise_id=world.good_enterprise)
        assert len(granted) == (1 if kind == "grant" else 2)  # an application authorises its bank and the platform
        assert len(session.scalars(select(FinancingOrder)).all()) == (0 if kind == "grant" else 1)
