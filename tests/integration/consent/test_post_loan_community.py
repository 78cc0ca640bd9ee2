"""A confirmed member of an industry-chain community authorises the community's lender's post-loan management under
the community's reference (CHAIN<id>): offered on the grant form to members only, accepted by the consent service
for the community's lender only; every refusal is a clear error that stores nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.chains.test_chains import Caller, _founded
from tests.integration.conftest import World, login, page_csrf
from xinyidai.audit.models import AuditEntry
from xinyidai.chains import service as chains_service
from xinyidai.consent import service as consent_service
from xinyidai.consent.models import Authorisation

POST_LOAN = consent_service.Purpose.POST_LOAN_MANAGEMENT
COMMUNITY_NAME = "南岸花椒产业链信用共同体"  # `_founded`'s
FORM = {"purpose": "post_loan_management", "categories": ["C02", "C04"], "days": "365", "mode": "periodic"}


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Authorisation).where(
                Authorisation.purpose == POST_LOAN)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "consent.granted", AuditEntry.purpose.like("post_loan_management:%"))) or 0)


def _grant(session: Session, world: World, *, username: str, enterprise_id: int, recipient: int,
           reference: str) -> Authorisation:
    return consent_service.grant(
        session, enterprise_id=enterprise_id, granted_by_user_id=world.principal(session, username).user_id or 0,
        recipient_organisation_id=recipient, purpose=POST_LOAN, purpose_ref=reference, categories=["C02"])


def test_the_service_accepts_the_community_reference_for_its_lender_only(
        client: TestClient, session: Session, world: World) -> None:
    community, _ = _founded(client, session, world)
    reference = chains_service.watch_reference(community)
    refused = [
        # another bank, and a guarantee company (a loan's guarantor may watch it; no one shares a community line)
        ("late", world.late_enterprise, world.bank_b, reference, "只能授予该共同体的授信银行"),
        ("late", world.late_enterprise, world.guarantor_org, reference, "只能授予该共同体的授信银行"),
        # the leader is no member of its community; a community that does not exist
        ("other", world.other_enterprise, world.bank_a, reference, "本企业已确认加入的产业链信用共同体"),
        ("late", world.late_enterprise, world.bank_a, chains_service.watch_reference(community + 999),
         "本企业已确认加入的产业链信用共同体"),
    ]
    for username, enterprise_id, recipient, ref, message in refused:
        with pytest.raises(consent_service.InvalidAuthorisation, match=message) as refusal:
            _grant(session, world, username=username, enterprise_id=enterprise_id, recipient=recipient,
                   reference=ref)
        assert ref in refusal.value.message and ref in refusal.value.message_en
        assert _counts(session) == (0, 0)
    granted = _grant(session, world, username="late", enterprise_id=world.late_enterprise, recipient=world.bank_a,
                     reference=reference)
    session.commit()
    assert (granted.recipient_organisation_id, granted.purpose_ref) == (world.bank_a, reference)
    assert _counts(session) == (1, 1)


def test_the_form_offers_the_community_to_its_members_only_and_grants_it_to_the_lender(
        client: TestClient, session: Session, world: World) -> None:
    community, _ = _founded(client, session, world)
    reference = chains_service.watch_reference(community)
    client.cookies.clear()
    login(client, "other")  # the leader: no member, no choice
    assert reference not in client.get("/authorisations/new").text
    client.cookies.clear()
    login(client, "late")
    page = client.get("/authorisations/new").text
    assert f'<option value="{reference}"' in page and f"产业链信用共同体“{COMMUNITY_NAME}”（授信银行：甲银行）" in page
    token = page_csrf(client, "/authorisations/new")
    # Another bank is refused on the form, the choice kept; nothing is written.
    wrong = client.post("/authorisations/new", data={"csrf_token": token, "recipient": str(world.bank_b),
                                                     "loan": reference, "confirm": "yes", **FORM})
    assert wrong.status_code == 422 and "产业链信用共同体的贷后管理授权只能授予该共同体的授信银行" in wrong.text
    assert _counts(session) == (0, 0)
    preview = client.post("/authorisations/new", data={"csrf_token": token, "recipient": str(world.bank_a),
                                                       "loan": reference, **FORM})
    assert preview.status_code == 200 and f"授权用途：贷后管理（产业链信用共同体“{COMMUNITY_NAME}”" in preview.text
    assert _counts(session) == (0, 0)
    granted = client.post("/authorisations/new", data={"csrf_token": token, "recipient": str(world.bank_a),
                                                       "loan": reference, "confirm": "yes", **FORM},
                          follow_redirects=False)
    assert granted.status_code == 303
    [authorisation] = [a for a in consent_service.list_for_enterprise(session, enterprise_id=world.late_enterprise)
                       if a.purpose == POST_LOAN]
    assert (authorisation.recipient_organisation_id, authorisation.purpose_ref, authorisation.mode) == (
        world.bank_a, reference, "periodic")
    assert _counts(session) == (1, 1)


def test_a_firm_outside_the_community_cannot_name_it_on_the_form(
        client: TestClient, session: Session, world: World) -> None:
    community, _ = _founded(client, session, world)
    client.cookies.clear()
    login(client, "other")
    token = page_csrf(client, "/authorisations/new")
    response = client.post("/authorisations/new", data={
        "csrf_token": token, "recipient": str(world.bank_a), "loan": chains_service.watch_reference(community),
        "confirm": "yes", **FORM})
    assert response.status_code == 422 and "本企业已确认加入的产业链信用共同体" in response.text
    assert _counts(session) == (0, 0)


def test_the_community_page_nudges_a_member_with_an_allocation_until_it_authorises(
        client: TestClient, session: Session, world: World) -> None:
    community, members = _founded(client, session, world)
    reference = chains_service.watch_reference(community)
    link = f"/authorisations/new?purpose=post_loan_management&amp;loan={reference}&amp;recipient={world.bank_a}"
    for username in ("other", "a.manager"):  # the leader and the lender are not asked
        client.cookies.clear()
        login(client, username)
        assert 'data-testid="watch-nudge"' not in client.get(f"/chains/{community}").text
    client.cookies.clear()
    login(client, "late")
    page = client.get(f"/chains/{community}").text
    assert 'data-testid="watch-nudge"' in page and link in page
    # A member the lender allocated nothing to carries no exposure to watch: not asked.
    Caller(client, "a.manager")("PUT", f"/{community}/memberships/{members['good']}/allocation",
                                {"allocation_fen": 0})
    client.cookies.clear()
    login(client, "good")
    assert 'data-testid="watch-nudge"' not in client.get(f"/chains/{community}").text
    client.cookies.clear()
    login(client, "late")
    # The link opens the grant form with the community and its lender chosen, periodic.
    form = client.get(link.replace("&amp;", "&")).text
    assert f'<option value="{reference}" selected>' in form
    assert f'<option value="{world.bank_a}" selected>' in form
    assert 'value="periodic" checked' in form
    _grant(session, world, username="late", enterprise_id=world.late_enterprise, recipient=world.bank_a,
           reference=reference)
    session.commit()
    assert 'data-testid="watch-nudge"' not in client.get(f"/chains/{community}").text
