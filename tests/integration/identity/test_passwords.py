"""Weak passwords are refused wherever a password is set, and users change their own password on the portal and
through the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.conftest import PASSWORD, World, login, page_csrf, uscc
from xinyidai.audit.models import AuditEntry
from xinyidai.auth.enums import Role
from xinyidai.identity import service as identity_service
from xinyidai.identity.exceptions import InvalidIdentityInput
from xinyidai.identity.models import LoginSession, User
from xinyidai.identity.schemas import UserCreate

NEW_PASSWORD = "Lanzhou8Beef2go"


@pytest.mark.parametrize("password", ["password12", "qwerty1234", "Qwerty2026!", "a.clerk2026x", "Clerk.Li.2026x"])
def test_a_new_user_with_a_weak_password_is_refused(session: Session, world: World, password: str) -> None:
    with pytest.raises(InvalidIdentityInput):
        identity_service.create_user(session, user_in=UserCreate(
            organisation_id=world.bank_a, username="a.clerk", display_name="Clerk.Li", password=password,
            roles=[Role.BANK_LOAN_OFFICER]))


def test_registration_refuses_a_common_password_in_chinese(client: TestClient, session: Session,
                                                           world: World) -> None:
    response = client.post("/api/v1/registrations", json={
        "uscc": uscc("MA0000004"), "legal_rep_name": "赵六", "id_number": world.unregistered_id_number,
        "username": "zhao.liu", "display_name": "赵六", "password": "password2026"})
    assert response.status_code == 400
    assert response.json()["message"] == "该密码过于常见，容易被猜中，请换一个不常见的密码"
    assert session.scalars(select(User).where(User.username == "zhao.liu")).first() is None


def test_a_user_changes_their_password_on_the_portal(client: TestClient, session: Session, world: World) -> None:
    other = TestClient(client.app)
    login(other, "good")  # a second session, e.g. one someone else opened with the old password
    login(client, "good")
    assert "修改密码" in client.get("/account").text
    token = page_csrf(client, "/account/password")
    form = {"current_password": PASSWORD, "new_password": "qwerty12345", "confirm_password": "qwerty12345",
            "csrf_token": token}
    weak = client.post("/account/password", data=form)
    assert weak.status_code == 400 and "过于常见" in weak.text
    mismatch = client.post("/account/password", data={**form, "new_password": NEW_PASSWORD})
    assert mismatch.status_code == 422 and "不一致" in mismatch.text
    wrong = client.post("/account/password", data={**form, "current_password": "not-it-2026",
                                                   "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert wrong.status_code == 403 and "当前密码不正确" in wrong.text
    done = client.post("/account/password", data={**form, "new_password": NEW_PASSWORD,
                                                  "confirm_password": NEW_PASSWORD}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account?password_changed=1"
    assert "密码已修改" in client.get("/account?password_changed=1").text  # this session goes on…
    assert other.get("/enterprise", follow_redirects=False).status_code == 303  # …the other one has ended
    client.cookies.clear()
    login(client, "good", NEW_PASSWORD)
    session.expire_all()
    outcomes = [e.outcome for e in session.scalars(select(AuditEntry).where(
        AuditEntry.action == "identity.password_changed").order_by(AuditEntry.sequence))]
    assert outcomes == ["failure", "success"]


def test_a_user_changes_their_password_through_the_api(client: TestClient, session: Session, world: World) -> None:
    login(client, "a.officer")
    headers = {"X-CSRF-Token": page_csrf(client, "/account")}
    weak = client.post("/api/v1/me/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": "a.officer2026"})
    assert weak.status_code == 400 and weak.json()["code"] == "invalid_identity_input"
    assert client.post("/api/v1/me/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}).status_code == 204
    client.cookies.clear()
    login(client, "a.officer", NEW_PASSWORD)


def test_a_user_who_must_change_their_password_can_do_nothing_else(
        client: TestClient, session: Session, world: World) -> None:
    user = identity_service.create_user(session, user_in=UserCreate(
        organisation_id=world.bank_a, username="a.new", display_name="新同事", password=PASSWORD,
        roles=[Role.BANK_LOAN_OFFICER]), must_change_password=True)
    session.commit()
    login(client, "a.new")
    for path in ("/", "/bank/workbench", "/account", "/calculator"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/account/password", path
    api = client.get("/api/v1/orders")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    page = client.get("/account/password")
    assert page.status_code == 200 and 'data-testid="must-change-password"' in page.text
    headers = {"X-CSRF-Token": page_csrf(client, "/account/password")}
    assert client.post("/api/v1/me/password", headers=headers,
                       json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}).status_code == 204
    assert client.get("/bank/workbench").status_code == 200
    assert client.get("/api/v1/orders").status_code == 200
    session.expire_all()
    assert not session.get(User, user.id).must_change_password  # type: ignore[union-attr]
    assert session.scalars(select(LoginSession).where(LoginSession.user_id == user.id,
                                                      LoginSession.revoked_at.is_(None))).all()


def test_a_login_rehashes_a_hash_of_older_parameters_and_keeps_the_password(
        client: TestClient, session: Session, world: World) -> None:
    from argon2 import PasswordHasher, extract_parameters

    from xinyidai.identity import security

    user = session.scalars(select(User).where(User.username == "good")).one()
    user.password_hash = PasswordHasher(time_cost=3, memory_cost=1024, parallelism=4).hash(PASSWORD)
    session.commit()
    outcome = identity_service.check_credentials(session, username="good", password="wrong-" + PASSWORD)
    assert not outcome.ok
    assert extract_parameters(user.password_hash).parallelism == 4  # a wrong password changes nothing
    login(client, "good")
    session.expire_all()
    rehashed = session.scalars(select(User).where(User.username == "good")).one().password_hash
    assert not security.needs_rehash(rehashed)
    assert extract_parameters(rehashed).parallelism == extract_parameters(security.hash_password("x")).parallelism
    client.cookies.clear()
    login(client, "good")  # the same password opens the new hash
