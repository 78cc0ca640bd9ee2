"""Login, sessions, throttling, CSRF, OAuth2 client credentials and real-name registration."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login, page_csrf, uscc
from xinyidai import clock
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import OrgKind, OrgStatus, Role
from xinyidai.identity import service as identity_service
from xinyidai.identity.models import LoginThrottle, Organisation, User
from xinyidai.identity.schemas import ApiClientCreate


def _counts(session: Session) -> tuple[int, int]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Organisation)) or 0,
            session.scalar(select(func.count()).select_from(User)) or 0)


def test_login_sets_a_protected_session_cookie_and_logout_ends_it(client: TestClient) -> None:
    token = page_csrf(client, "/login")
    response = client.post("/login", data={"username": "good", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/enterprise"
    cookie = response.headers["set-cookie"]
    assert "xyd_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/enterprise").status_code == 200
    again = client.get("/login", follow_redirects=False)  # a signed-in user is not shown the login form
    assert again.status_code == 303 and again.headers["location"] == "/enterprise"
    stolen = client.cookies.get("xyd_session")
    client.post("/logout", data={"csrf_token": page_csrf(client, "/account")}, follow_redirects=False)
    client.cookies.set("xyd_session", stolen or "")
    after = client.get("/enterprise", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/login")


def test_wrong_password_is_refused_with_a_message(client: TestClient) -> None:
    token = page_csrf(client, "/login")
    response = client.post("/login", data={"username": "good", "password": "wrong-pass-1", "csrf_token": token})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.text


def test_repeated_failures_lock_the_account_until_the_lockout_ends(
    client: TestClient, session: Session, frozen_clock: clock.FixedClock
) -> None:
    token = page_csrf(client, "/login")
    statuses = [
        client.post("/login", data={"username": "good", "password": f"wrong{n}pass", "csrf_token": token}).status_code
        for n in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    locked = client.post("/login", data={"username": "good", "password": PASSWORD, "csrf_token": token})
    assert locked.status_code == 429 and "锁定" in locked.text
    throttle = session.scalars(select(LoginThrottle).where(LoginThrottle.username_key == "good")).one()
    assert throttle.failure_count == 5 and throttle.locked_until is not None
    failures = session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "identity.login", AuditEntry.outcome != "success"))
    assert failures == 6
    frozen_clock.advance(timedelta(minutes=16))
    login(client, "good")


def test_unknown_usernames_are_throttled_too(client: TestClient) -> None:
    token = page_csrf(client, "/login")
    for n in range(5):
        client.post("/login", data={"username": "nobody", "password": f"guess{n}xxxx", "csrf_token": token})
    response = client.post("/login", data={"username": "nobody", "password": "guess9xxxx", "csrf_token": token})
    assert response.status_code == 429


def test_forms_without_the_csrf_token_are_refused(client: TestClient, world: World) -> None:
    assert client.post("/login", data={"username": "good", "password": PASSWORD}).status_code == 403
    page_csrf(client, "/login")
    wrong = client.post("/login", data={"username": "good", "password": PASSWORD, "csrf_token": "forged"})
    assert wrong.status_code == 403 and "请刷新页面" in wrong.text
    login(client, "a.officer")
    assert client.post("/api/v1/products/1/submit").status_code == 403  # cookie session, no header
    forged = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/bank/workbench").status_code == 200  # still logged in


def test_client_credentials_give_a_short_lived_bearer_token(
    client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=world.bank_a, name="甲银行信贷系统", roles=[Role.BANK_LOAN_OFFICER]))
    session.commit()
    response = client.post("/api/v1/oauth/token", data={
        "grant_type": "client_credentials", "client_id": created.client_id, "client_secret": created.client_secret})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    me = client.get("/api/v1/me", headers=headers).json()
    assert me["organisation_id"] == world.bank_a and me["roles"] == ["bank_loan_officer"]
    # No CSRF token is needed with a bearer token.
    assert client.get("/api/v1/orders", headers=headers).status_code == 200
    frozen_clock.advance(timedelta(seconds=601))
    expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401 and expired.json()["code"] == "unauthenticated"


def test_bad_client_credentials_and_suspended_institutions_get_no_token(
    client: TestClient, session: Session, world: World
) -> None:
    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=world.bank_a, name="甲银行信贷系统", roles=[Role.BANK_MANAGER]))
    session.commit()
    form = {"grant_type": "client_credentials", "client_id": created.client_id, "client_secret": "not-it"}
    assert client.post("/api/v1/oauth/token", data=form).status_code == 401
    token = client.post("/api/v1/oauth/token", data={**form, "client_secret": created.client_secret}).json()
    identity_service.set_organisation_status(session, organisation_id=world.bank_a, status=OrgStatus.SUSPENDED)
    session.commit()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/oauth/token", data={**form, "client_secret": created.client_secret}).status_code == 401


def test_wrong_client_secrets_lock_the_client_id_until_the_lockout_ends(
    client: TestClient, session: Session, world: World, frozen_clock: clock.FixedClock
) -> None:
    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=world.bank_a, name="甲银行信贷系统", roles=[Role.BANK_MANAGER]))
    session.commit()
    form = {"grant_type": "client_credentials", "client_id": created.client_id}
    statuses = [client.post("/api/v1/oauth/token", data={**form, "client_secret": f"guess-{n}"}).status_code
                for n in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    locked = client.post("/api/v1/oauth/token", data={**form, "client_secret": created.client_secret})
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    assert "锁定" in locked.json()["message"]
    frozen_clock.advance(timedelta(minutes=16))
    assert client.post("/api/v1/oauth/token", data={**form, "client_secret": created.client_secret}).status_code == 200


def test_an_enterprise_cannot_be_given_api_clients(session: Session, world: World) -> None:
    org = identity_service.get_enterprise_organisation(session, enterprise_id=world.good_enterprise)
    assert org is not None
    try:
        identity_service.create_api_client(session, client_in=ApiClientCreate(
            organisation_id=org.id, name="x", roles=[Role.ENTERPRISE_ADMIN]))
    except Exception as exc:
        assert "不能开通" in str(exc)
    else:
        raise AssertionError("an enterprise got an API client")


def _registration(world: World, **changes: str) -> dict[str, str]:
    data = {"uscc": uscc("MA0000004"), "legal_rep_name": "赵六", "id_number": world.unregistered_id_number,
            "username": "zhao.liu", "display_name": "赵六", "password": "Zhao2026secret"}
    data.update(changes)
    return data


def test_real_name_registration_matches_the_registry(client: TestClient, session: Session, world: World) -> None:
    response = client.post("/api/v1/registrations", json=_registration(world))
    assert response.status_code == 201, response.text
    org = identity_service.get_enterprise_organisation(session, enterprise_id=world.unregistered_enterprise)
    assert org is not None and org.kind == OrgKind.ENTERPRISE
    login(client, "zhao.liu", "Zhao2026secret")
    assert "重庆丁科技有限公司" in client.get("/enterprise").text


def test_registration_refuses_bad_input_and_writes_nothing(client: TestClient, session: Session,
                                                           world: World) -> None:
    before = _counts(session)
    good_code = uscc("MA0000004")
    bad_check = good_code[:17] + ("0" if good_code[17] != "0" else "1")
    cases = [
        (_registration(world, uscc=bad_check), 400, "第18位校验码不正确"),
        (_registration(world, uscc=good_code[:10]), 400, "应为18位"),
        (_registration(world, id_number=world.unregistered_id_number[:17] + "0"
                       if world.unregistered_id_number[17] != "0" else world.unregistered_id_number[:17] + "1"),
         400, "身份证号码第18位校验码不正确"),
        (_registration(world, legal_rep_name="钱七"), 400, "实名核验未通过"),
        (_registration(world, password="short1"), 400, "密码至少10位"),
        (_registration(world, uscc=uscc("MA0000001"), legal_rep_name="张三", id_number=world.good_id_number),
         409, "已完成注册"),
        (_registration(world, username="good"), 409, "已被使用"),
    ]
    for payload, status, message in cases:
        response = client.post("/api/v1/registrations", json=payload)
        assert response.status_code == status, (payload, response.text)
        assert message in response.json()["message"], response.json()
    assert _counts(session) == before


def test_portal_registration_shows_the_error_in_chinese(client: TestClient, session: Session, world: World) -> None:
    before = _counts(session)
    token = page_csrf(client, "/register")
    response = client.post("/register", data={**_registration(world, uscc="91500108MA000000IX"), "csrf_token": token})
    assert response.status_code == 400
    assert "第17位“I”不是合法字符" in response.text
    assert _counts(session) == before


def test_an_organisation_for_an_entity_already_bound_or_unknown_is_refused(
    client: TestClient, session: Session, world: World
) -> None:
    login(client, "admin")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    before = session.scalar(select(func.count()).select_from(Organisation))
    bound = client.post("/api/v1/admin/organisations", headers=headers, json={
        "name": "冒名机构", "kind": "enterprise", "enterprise_id": world.good_enterprise})
    assert bound.status_code == 409, bound.text
    assert "已有机构" in bound.json()["message"]
    unknown = client.post("/api/v1/admin/organisations", headers=headers, json={
        "name": "虚构机构", "kind": "enterprise", "enterprise_id": world.good_enterprise + 10_000})
    assert unknown.status_code == 404, unknown.text
    assert session.scalar(select(func.count()).select_from(Organisation)) == before


def test_a_client_secret_hashed_with_older_parameters_is_rehashed_at_its_next_token(
        client: TestClient, session: Session, world: World) -> None:
    from argon2 import PasswordHasher, extract_parameters

    from xinyidai.identity import security
    from xinyidai.identity.models import ApiClient

    created = identity_service.create_api_client(session, client_in=ApiClientCreate(
        organisation_id=world.bank_a, name="甲银行信贷系统", roles=[Role.BANK_LOAN_OFFICER]))
    stored = session.scalars(select(ApiClient).where(ApiClient.client_id == created.client_id)).one()
    stored.secret_hash = PasswordHasher(time_cost=3, memory_cost=1024, parallelism=4).hash(created.client_secret)
    session.commit()
    form = {"grant_type": "client_credentials", "client_id": created.client_id, "client_secret": created.client_secret}
    assert client.post("/api/v1/oauth/token", data=form).status_code == 200
    session.expire_all()
    rehashed = session.scalars(select(ApiClient).where(ApiClient.client_id == created.client_id)).one().secret_hash
    assert not security.needs_rehash(rehashed) and extract_parameters(rehashed).parallelism != 4
    assert client.post("/api/v1/oauth/token", data=form).status_code == 200
