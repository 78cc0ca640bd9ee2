"""Institution onboarding end to end through the database and the HTTP edge: apply, assess, approve, sign the
usage commitment, issue API clients, suspend (refused at the very next request) and reinstate."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.conftest import World, login, page_csrf, uscc
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, Role
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import Organisation, User
from xinyidai.identity.onboarding import policy as rules
from xinyidai.identity.onboarding import service as onboarding
from xinyidai.identity.onboarding.models import InstitutionApplication, UsageCommitment
from xinyidai.identity.onboarding.schemas import (
    ApprovalCreate,
    AssessmentResultUpdate,
    CommitmentCreate,
    InstitutionApplicationCreate,
)
from xinyidai.identity.schemas import ApiClientCreate
from xinyidai.main import create_app
from xinyidai.portal import flash

MOBILE = "13912345678"
DIGEST = rules.commitment_digest(rules.COMMITMENT_TEXT)
ADMIN_PASSWORD = "Ruyi7Hangzhou9x"


def _application(body: str = "MA0BK0001", **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "organisation_name": "重庆丁农村商业银行南岸支行", "uscc": uscc(body), "kind": "bank",
        "licence_number": "B1234H250010001", "contact_name": "钱七", "contact_mobile": MOBILE,
        "requested_scopes": ["credit_query", "products_orders"]}
    data.update(changes)
    return data


def _counts(session: Session) -> tuple[int, int, int, int]:
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(t)) or 0  # type: ignore[return-value]
                 for t in (InstitutionApplication, Organisation, User, AuditEntry))


def _assess_all(session: Session, world: World, application_id: int, *, failing: str | None = None) -> None:
    admin = world.principal(session, "admin")
    onboarding.start_assessment(session, principal=admin, application_id=application_id)
    for item in rules.CHECKLIST:
        onboarding.record_assessment(session, principal=admin, application_id=application_id,
                                     result_in=AssessmentResultUpdate(
                                         item_code=item.code, passed=item.code != failing,
                                         note="现场核验材料齐全", evidence_ref=f"SA-2026-{item.code}"))


def _onboard(session: Session, world: World, body: str, username: str,
             *, sign: bool = True) -> tuple[InstitutionApplication, str]:
    """An approved institution (commitment signed unless told); returns its application and admin password."""
    application = onboarding.submit_application(session, application_in=InstitutionApplicationCreate.model_validate(
        _application(body, organisation_name=f"机构{body}")))
    _assess_all(session, world, application.id)
    approval = onboarding.approve(session, principal=world.principal(session, "admin"),
                                  application_id=application.id, approval_in=ApprovalCreate(admin_username=username))
    # The admin replaces the generated password, as the first login makes them.
    identity_service.change_password(session, user_id=approval.admin.id, current_password=approval.initial_password,
                                     new_password=ADMIN_PASSWORD)
    if sign:
        onboarding.sign_commitment(session, principal=world.principal(session, username),
                                   commitment_in=CommitmentCreate(text_sha256=DIGEST, agree=True))
    session.commit()
    return application, ADMIN_PASSWORD


@pytest.fixture
def admin_client(session_factory: sessionmaker[Session], world: World) -> Iterator[TestClient]:
    """A second browser: the platform admin, logged in."""
    with TestClient(create_app(session_factory=session_factory), base_url="http://testserver") as client:
        login(client, "admin")
        yield client


def _api_csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": page_csrf(client, "/account")}


# Applying ----------------------------------------------------------------------------------------


def test_an_application_with_a_bad_uscc_is_refused_and_nothing_is_written(
        client: TestClient, session: Session, world: World) -> None:
    before = _counts(session)
    good = uscc("MA0BK0001")
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    api = client.post("/api/v1/institution-applications", json=_application(uscc=bad_check))
    assert api.status_code == 400 and api.json()["code"] == "invalid_identity_input"
    assert "校验码不正确" in api.json()["message"]
    token = page_csrf(client, "/institutions/apply")
    form = {**_application(uscc="91500108MA0BK000"), "csrf_token": token}
    page = client.post("/institutions/apply", data=form)
    assert page.status_code == 400 and "统一社会信用代码应为18位" in page.text
    assert "钱七" in page.text and MOBILE not in page.text  # the form is kept, the mobile not echoed
    for changes in ({"kind": "enterprise"}, {"contact_mobile": "02362345678"}, {"requested_scopes": ["all_data"]}):
        assert client.post("/api/v1/institution-applications", json=_application(**changes)).status_code == 400
    assert client.post("/api/v1/institution-applications", json=_application(requested_scopes=[])).status_code == 422
    assert _counts(session) == before


def test_an_application_is_received_checked_by_status_and_not_duplicated(
        client: TestClient, session: Session, world: World) -> None:
    response = client.post("/api/v1/institution-applications", json=_application())
    assert response.status_code == 201, response.text
    reference = response.json()["reference"]
    assert response.json()["status_label"] == "已提交，待受理"
    status = client.get("/api/v1/institution-applications/status",
                        params={"reference": reference, "uscc": uscc("MA0BK0001")})
    assert status.status_code == 200 and status.json()["status"] == "submitted"
    wrong = client.get("/api/v1/institution-applications/status",
                       params={"reference": reference, "uscc": uscc("MA0BK0002")})
    assert wrong.status_code == 404
    page = client.get("/institutions/apply/status", params={"reference": reference, "uscc": uscc("MA0BK0001")})
    assert "已提交，待受理" in page.text
    again = client.post("/api/v1/institution-applications", json=_application())
    assert again.status_code == 409 and "请勿重复申请" in again.json()["message"]
    # The mobile is encrypted at rest and masked in the record the admin lists; the audit never holds it.
    stored = session.scalars(select(InstitutionApplication)).one()
    assert MOBILE not in stored.contact_mobile_cipher and stored.contact_mobile_masked == "139****5678"
    details = [str(e.detail) for e in session.scalars(select(AuditEntry))]
    assert not any(MOBILE in d for d in details)


def test_the_admin_list_masks_the_mobile(client: TestClient, admin_client: TestClient, session: Session,
                                         world: World) -> None:
    client.post("/api/v1/institution-applications", json=_application())
    page = admin_client.get("/admin/institution-applications")
    assert page.status_code == 200 and "139****5678" in page.text and MOBILE not in page.text
    api = admin_client.get("/api/v1/admin/institution-applications").json()
    assert api[0]["contact_mobile_masked"] == "139****5678" and MOBILE not in str(api)
    assert client.get("/admin/institution-applications", follow_redirects=False).status_code == 303  # anonymous


# Assessing and approving -------------------------------------------------------------------------


def test_approval_is_impossible_with_a_failed_or_missing_item(
        admin_client: TestClient, session: Session, world: World) -> None:
    application = onboarding.submit_application(
        session, application_in=InstitutionApplicationCreate.model_validate(_application()))
    session.commit()
    headers = _api_csrf(admin_client)
    base = f"/api/v1/admin/institution-applications/{application.id}"
    # Not before the assessment starts.
    early = admin_client.post(f"{base}/approve", json={}, headers=headers)
    assert early.status_code == 409 and "不能批准接入" in early.json()["message"]
    assert admin_client.post(f"{base}/assessment/start", headers=headers).status_code == 200
    _assess_all(session, world, application.id, failing="network_isolation")
    session.commit()
    before = _counts(session)
    refused = admin_client.post(f"{base}/approve", json={}, headers=headers)
    assert refused.status_code == 409
    assert "未通过：网络隔离与边界防护" in refused.json()["message"]
    page = admin_client.post(f"/admin/institution-applications/{application.id}/approve",
                             data={"csrf_token": headers["X-CSRF-Token"], "admin_username": "x.admin"})
    assert page.status_code == 409 and "网络隔离与边界防护" in page.text
    assert _counts(session) == before  # no organisation, no user, no audit entry
    # Correcting the finding makes it approvable; the answer carries the first admin's one-time password.
    fixed = admin_client.put(f"{base}/assessment", headers=headers, json={
        "item_code": "network_isolation", "passed": True, "note": "整改后复核通过", "evidence_ref": "SA-2026-R1"})
    assert fixed.status_code == 200
    assert all(item["passed"] for item in fixed.json()["checklist"])
    approved = admin_client.post(f"{base}/approve", json={"admin_username": "ding.admin"}, headers=headers)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["application"]["status"] == "approved" and body["admin_username"] == "ding.admin"
    organisation = session.get(Organisation, body["organisation_id"])
    assert organisation is not None and organisation.status == "active" and organisation.kind == OrgKind.BANK
    admin_user = session.scalars(select(User).where(User.username == "ding.admin")).one()
    assert admin_user.roles == {Role.INSTITUTION_ADMIN} and admin_user.display_name == "钱七"
    # The one-time password works, once: every page leads to the change form until it is replaced.
    assert admin_user.must_change_password
    with TestClient(create_app(session_factory=admin_client.app.state.session_factory)) as institution:
        login(institution, "ding.admin", body["initial_password"])
        for path in ("/institution", "/", "/account"):
            redirected = institution.get(path, follow_redirects=False)
            assert redirected.status_code == 303 and redirected.headers["location"] == "/account/password"
        api = institution.get("/api/v1/me")
        assert api.status_code == 403 and api.json()["code"] == "password_change_required"
        form = {"current_password": body["initial_password"], "new_password": ADMIN_PASSWORD,
                "confirm_password": ADMIN_PASSWORD, "csrf_token": page_csrf(institution, "/account/password")}
        changed = institution.post("/account/password", data=form, follow_redirects=False)
        assert changed.status_code == 303, changed.text
        assert "信息使用承诺书" in institution.get("/institution").text
        assert institution.get("/api/v1/me").status_code == 200
    actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "identity.institution_approved" in actions and "identity.institution_assessed" in actions


def test_an_unknown_checklist_item_and_a_rejection_without_reason_are_refused(
        admin_client: TestClient, session: Session, world: World) -> None:
    application = onboarding.submit_application(
        session, application_in=InstitutionApplicationCreate.model_validate(_application()))
    session.commit()
    headers = _api_csrf(admin_client)
    base = f"/api/v1/admin/institution-applications/{application.id}"
    admin_client.post(f"{base}/assessment/start", headers=headers)
    unknown = admin_client.put(f"{base}/assessment", headers=headers, json={
        "item_code": "vibes", "passed": True, "note": "可以", "evidence_ref": "无无"})
    assert unknown.status_code == 400 and "不在安全评估清单中" in unknown.json()["message"]
    assert admin_client.post(f"{base}/reject", headers=headers, json={"reason": ""}).status_code == 422
    rejected = admin_client.post(f"{base}/reject", headers=headers, json={"reason": "未取得等级保护测评报告"})
    assert rejected.json()["status"] == "rejected"
    status = admin_client.get("/api/v1/institution-applications/status",
                              params={"reference": application.reference, "uscc": application.uscc}).json()
    assert status["status_label"] == "未通过" and status["decision_note"] == "未取得等级保护测评报告"


# The commitment and API clients ------------------------------------------------------------------


def test_the_commitment_is_required_before_api_clients_are_issued(
        client: TestClient, admin_client: TestClient, session: Session, world: World) -> None:
    application, password = _onboard(session, world, "MA0BK0003", "wu.admin", sign=False)
    login(client, "wu.admin", password)
    headers = _api_csrf(client)
    page = client.get("/institution")
    assert 'data-testid="clients-locked"' in page.text and 'data-testid="sign"' in page.text
    assert 'data-testid="sandbox-link"' not in page.text  # no sandbox named for this deployment
    refused = client.post("/api/v1/institution/api-clients", headers=headers,
                          json={"name": "信贷系统", "roles": ["bank_loan_officer"]})
    assert refused.status_code == 409 and refused.json()["code"] == "commitment_required"
    # Nor can the platform admin issue one for it behind its back.
    by_admin = admin_client.post("/api/v1/admin/api-clients", headers=_api_csrf(admin_client), json={
        "organisation_id": application.organisation_id, "name": "x", "roles": ["bank_loan_officer"]})
    assert by_admin.status_code == 409
    # A digest of another text, or no agreement, signs nothing.
    stale = client.post("/api/v1/institution/commitment", headers=headers,
                        json={"text_sha256": rules.commitment_digest("旧版本"), "agree": True})
    assert stale.status_code == 409 and "承诺书文本已更新" in stale.json()["message"]
    assert client.post("/api/v1/institution/commitment", headers=headers,
                       json={"text_sha256": DIGEST, "agree": False}).status_code == 400
    assert session.scalar(select(func.count()).select_from(UsageCommitment)) == 0
    signed = client.post("/api/v1/institution/commitment", headers=headers, json={"text_sha256": DIGEST, "agree": True})
    assert signed.status_code == 201, signed.text
    assert signed.json()["text_version"] == rules.COMMITMENT_VERSION and signed.json()["signer_name"] == "钱七"
    commitment = session.scalars(select(UsageCommitment)).one()
    assert commitment.text_sha256 == DIGEST and commitment.organisation_id == application.organisation_id
    # Administration is never given to a system.
    admin_role = client.post("/api/v1/institution/api-clients", headers=headers,
                             json={"name": "x", "roles": ["institution_admin"]})
    assert admin_role.status_code == 400
    issued = client.post("/api/v1/institution/api-clients", headers=headers,
                         json={"name": "信贷系统", "roles": ["bank_loan_officer"]})
    assert issued.status_code == 201 and issued.json()["client_secret"]
    token = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials",
                                                     "client_id": issued.json()["client_id"],
                                                     "client_secret": issued.json()["client_secret"]})
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
    assert me["organisation_id"] == application.organisation_id and me["roles"] == ["bank_loan_officer"]


def _shown(page_text: str, testid: str) -> str | None:
    """The text of the element with `testid` on a page, or None when the page does not show it."""
    match = re.search(rf'data-testid="{testid}">([^<]*)<', page_text)
    return match.group(1).strip() if match else None


def test_approving_on_the_portal_redirects_and_the_review_page_shows_the_first_password_once(
        client: TestClient, admin_client: TestClient, session_factory: sessionmaker[Session], session: Session,
        world: World) -> None:
    application = onboarding.submit_application(session, application_in=InstitutionApplicationCreate.model_validate(
        _application("MA0BK0021")))
    _assess_all(session, world, application.id)
    session.commit()
    review = f"/admin/institution-applications/{application.id}"
    token = page_csrf(admin_client, review)
    posted = admin_client.post(f"{review}/approve", follow_redirects=False,
                               data={"csrf_token": token, "admin_username": "geng.admin"})
    # Redirect after post: the answer carries no page, and the address no secret.
    assert posted.status_code == 303 and posted.headers["location"] == review
    assert "initial-password" not in posted.text
    sealed = posted.cookies.get(flash.SECRET_COOKIE)
    cookie_header = posted.headers["set-cookie"]
    assert sealed and "HttpOnly" in cookie_header and f"Path={review};" in cookie_header
    # Someone else's session (another admin's browser) cannot open the sealed cookie.
    with TestClient(create_app(session_factory=session_factory), base_url="http://testserver") as other:
        login(other, "admin")
        other.cookies.set(flash.SECRET_COOKIE, sealed, path=review)
        assert _shown(other.get(review).text, "initial-password") is None

    shown = admin_client.get(review)
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    password = _shown(shown.text, "initial-password")
    assert password and _shown(shown.text, "admin-username") == "geng.admin"
    assert password not in sealed and password not in posted.headers["location"]
    # A refresh, or any later visit, shows it no more; posting again approves nothing twice.
    again = admin_client.get(review)
    assert again.status_code == 200 and _shown(again.text, "initial-password") is None and password not in again.text
    assert admin_client.post(f"{review}/approve", data={"csrf_token": token, "admin_username": "geng2.admin"},
                             follow_redirects=False).status_code == 409
    assert session.scalar(select(func.count()).select_from(User).where(User.username.like("geng%"))) == 1
    # The password shown works, and the admin must replace it first.
    login(client, "geng.admin", password)
    forced = client.get("/institution", follow_redirects=False)
    assert forced.status_code == 303 and forced.headers["location"] == "/account/password"


def test_issuing_an_api_client_on_the_portal_redirects_and_the_page_shows_its_secret_once(
        client: TestClient, session: Session, world: World) -> None:
    application, password = _onboard(session, world, "MA0BK0022", "xin.admin")
    login(client, "xin.admin", password)
    posted = client.post("/institution/api-clients", follow_redirects=False, data={
        "csrf_token": page_csrf(client, "/institution"), "name": "信贷系统", "roles": ["bank_loan_officer"]})
    assert posted.status_code == 303 and posted.headers["location"] == "/institution"
    assert "client-secret" not in posted.text
    shown = client.get("/institution")
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    client_id, secret = _shown(shown.text, "client-id"), _shown(shown.text, "client-secret")
    assert client_id and secret and secret not in str(posted.headers)
    again = client.get("/institution")
    assert _shown(again.text, "client-secret") is None and secret not in again.text and client_id in again.text
    assert len(identity_service.list_api_clients(session, organisation_id=application.organisation_id)) == 1
    token = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                     "client_secret": secret})
    assert token.status_code == 200, token.text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
    assert me["organisation_id"] == application.organisation_id and me["roles"] == ["bank_loan_officer"]


# Suspension --------------------------------------------------------------------------------------


def test_suspension_refuses_the_very_next_request_of_a_session_and_an_earlier_token_and_reinstatement_restores(
        client: TestClient, admin_client: TestClient, session: Session, world: World) -> None:
    application, password = _onboard(session, world, "MA0BK0004", "zheng.admin")
    login(client, "zheng.admin", password)
    headers = _api_csrf(client)
    issued = client.post("/api/v1/institution/api-clients", headers=headers,
                         json={"name": "担保系统", "roles": ["bank_manager"]}).json()
    form = {"grant_type": "client_credentials", "client_id": issued["client_id"],
            "client_secret": issued["client_secret"]}
    bearer = {"Authorization": f"Bearer {client.post('/api/v1/oauth/token', data=form).json()['access_token']}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    assert client.get("/institution").status_code == 200

    admin_page = f"/admin/institution-applications/{application.id}"
    token = page_csrf(admin_client, admin_page)
    assert admin_client.post(f"{admin_page}/suspend", data={"csrf_token": token, "reason": ""}).status_code == 422
    done = admin_client.post(f"{admin_page}/suspend", follow_redirects=False,
                             data={"csrf_token": token, "reason": "查询用途与授权不符，暂停核查"})
    assert done.status_code == 303

    page = client.get("/institution", follow_redirects=False)
    assert page.status_code == 401 and "已被平台暂停接入" in page.text
    # Told once; the browser drops the session, so the login page (and logging out) work again.
    assert "xyd_session" not in client.cookies or not client.cookies.get("xyd_session")
    assert client.get("/login").status_code == 200
    api = client.get("/api/v1/me", headers=bearer)
    assert api.status_code == 401 and api.json()["code"] == "organisation_suspended"
    assert "暂停接入" in api.json()["message"]
    assert client.post("/api/v1/oauth/token", data=form).status_code == 401
    client.cookies.clear()
    relogin = client.post("/login", data={"username": "zheng.admin", "password": password,
                                          "csrf_token": page_csrf(client, "/login")})
    assert relogin.status_code == 401 and "已被平台暂停接入" in relogin.text
    # The generic status toggle cannot bypass the application's state machine.
    toggled = admin_client.post(f"/admin/organisations/{application.organisation_id}/status",
                                data={"csrf_token": token, "status": "active"})
    assert toggled.status_code == 409
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "identity.institution_suspended")).one()
    assert entry.detail["reason"] == "查询用途与授权不符，暂停核查" and entry.actor_user_id is not None

    assert admin_client.post(f"{admin_page}/reinstate", data={"csrf_token": token},
                             follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers=bearer).status_code == 200  # the token issued before works again
    login(client, "zheng.admin", password)
    assert client.get("/institution").status_code == 200
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "identity.institution_reinstated")).one()


# Scoping -----------------------------------------------------------------------------------------


def test_an_institution_sees_its_own_application_and_not_another(
        client: TestClient, session: Session, world: World) -> None:
    first, first_password = _onboard(session, world, "MA0BK0005", "first.admin")
    second, _ = _onboard(session, world, "MA0BK0006", "second.admin")
    login(client, "first.admin", first_password)
    own = client.get(f"/api/v1/institution-applications/{first.id}")
    assert own.status_code == 200 and own.json()["commitment"]["signer_name"] == "钱七"
    other = client.get(f"/api/v1/institution-applications/{second.id}")
    assert other.status_code == 404 and other.json()["code"] == "application_not_found"
    assert client.get("/admin/institution-applications").status_code == 403
    assert client.get(f"/admin/institution-applications/{second.id}").status_code == 403
    # A bank user that did not connect through an application has no onboarding page.
    client.cookies.clear()
    login(client, "a.officer")
    assert client.get(f"/api/v1/institution-applications/{first.id}").status_code == 403


# CSRF and stale sessions -------------------------------------------------------------------------


def test_a_cookie_authenticated_onboarding_post_needs_the_csrf_token_and_a_bearer_call_does_not(
        client: TestClient, admin_client: TestClient, session: Session, world: World) -> None:
    application = onboarding.submit_application(session, application_in=InstitutionApplicationCreate.model_validate(
        _application("MA0BK0011")))
    session.commit()
    base = f"/api/v1/admin/institution-applications/{application.id}"
    refused = admin_client.post(f"{base}/assessment/start")
    assert refused.status_code == 403 and "页面已过期" in refused.json()["message"]
    forged = admin_client.post(f"{base}/assessment/start", headers={"X-CSRF-Token": "not-the-token"})
    assert forged.status_code == 403
    session.expire_all()
    assert session.get(InstitutionApplication, application.id).status == "submitted"  # type: ignore[union-attr]
    assert admin_client.post(f"{base}/assessment/start", headers=_api_csrf(admin_client)).status_code == 200

    # An anonymous API call (the public application) and a bearer call carry no ambient credentials: no token
    # is asked of them (the bearer is refused for its role, not for a missing CSRF token).
    assert client.post("/api/v1/institution-applications", json=_application("MA0BK0012")).status_code == 201
    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=world.bank_a, name="甲银行信贷系统", roles=[Role.BANK_MANAGER]))
    session.commit()
    token = client.post("/api/v1/oauth/token", data={
        "grant_type": "client_credentials", "client_id": created.client_id,
        "client_secret": created.client_secret}).json()["access_token"]
    bearer = client.post("/api/v1/institution/commitment", headers={"Authorization": f"Bearer {token}"},
                         json={"text_sha256": DIGEST, "agree": True})
    assert bearer.status_code == 403 and "页面已过期" not in bearer.json()["message"]


def test_a_logged_out_cookie_of_a_suspended_institution_is_no_one_and_the_login_page_loads(
        client: TestClient, admin_client: TestClient, session_factory: sessionmaker[Session], session: Session,
        world: World) -> None:
    application, password = _onboard(session, world, "MA0BK0013", "stale.admin")
    other = TestClient(create_app(session_factory=session_factory), base_url="http://testserver")
    login(other, "stale.admin", password)  # a second browser that stays logged in
    login(client, "stale.admin", password)
    stale = dict(client.cookies)
    token = page_csrf(client, "/account")
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    admin_page = f"/admin/institution-applications/{application.id}"
    assert admin_client.post(f"{admin_page}/suspend", follow_redirects=False, data={
        "csrf_token": page_csrf(admin_client, admin_page), "reason": "查询用途与授权不符，暂停核查"}).status_code == 303

    client.cookies.update(stale)  # the browser still sends the old (logged-out) session cookie
    page = client.get("/login")
    assert page.status_code == 200
    relogin = client.post("/login", data={"username": "stale.admin", "password": password,
                                          "csrf_token": page_csrf(client, "/login")})
    assert relogin.status_code == 401 and "已被平台暂停接入" in relogin.text

    # The browser that never logged out is told why, and after reinstatement its session does not come back.
    live = other.get("/institution", follow_redirects=False)
    assert live.status_code == 401 and "已被平台暂停接入" in live.text
    assert admin_client.post(f"{admin_page}/reinstate", data={"csrf_token": page_csrf(admin_client, admin_page)},
                             follow_redirects=False).status_code == 303
    resumed = other.get("/institution", follow_redirects=False)
    assert resumed.status_code == 303 and resumed.headers["location"].startswith("/login")
    assert other.get("/api/v1/me").status_code == 401
    login(client, "stale.admin", password)
    assert client.get("/institution").status_code == 200
    other.close()


def test_the_institution_page_names_the_api_sandbox_where_one_is_configured(
        client: TestClient, session: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from xinyidai.config import get_settings

    _, password = _onboard(session, world, "MA0BK0007", "sandbox.seeker", sign=False)
    monkeypatch.setenv("XINYIDAI_API_SANDBOX_URL", "https://sandbox.xinyidai.example.cn/api-sandbox")
    get_settings.cache_clear()
    login(client, "sandbox.seeker", password)
    page = client.get("/institution")
    assert 'data-testid="sandbox-link"' in page.text and "https://sandbox.xinyidai.example.cn/api-sandbox" in page.text
