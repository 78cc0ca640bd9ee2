"""Forms that succeed answer 303 to a page that is safe to refresh, and its message is shown once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.integration.conftest import World, page_csrf, uscc
from tests.integration.identity.test_institutions import _application
from xinyidai.identity.models import User
from xinyidai.identity.onboarding.models import InstitutionApplication


def test_registration_redirects_to_login_with_a_message_shown_once(
        client: TestClient, session: Session, world: World) -> None:
    token = page_csrf(client, "/register")
    response = client.post("/register", follow_redirects=False, data={
        "uscc": uscc("MA0000004"), "legal_rep_name": "赵六", "id_number": world.unregistered_id_number,
        "username": "zhao.liu", "display_name": "赵六", "password": "Zhao2026secret", "csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert "zhao.liu" not in response.headers["location"]
    first = client.get("/login")
    assert "注册成功，请登录" in first.text
    assert "注册成功" not in client.get("/login").text  # a refresh shows the plain form
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(User).where(User.username == "zhao.liu")) == 1


def test_an_institution_application_redirects_to_a_page_with_its_reference(
        client: TestClient, session: Session, world: World) -> None:
    token = page_csrf(client, "/institutions/apply")
    response = client.post("/institutions/apply", data={**_application(), "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/institutions/apply/submitted?")
    application = session.scalars(select(InstitutionApplication)).one()
    page = client.get(response.headers["location"])  # a refresh of this page submits nothing
    assert page.status_code == 200 and f'data-testid="reference">{application.reference}<' in page.text
    assert client.get(response.headers["location"]).status_code == 200
    assert session.scalar(select(func.count()).select_from(InstitutionApplication)) == 1
    wrong = client.get("/institutions/apply/submitted", params={"reference": application.reference,
                                                                 "uscc": uscc("MA0BK0002")})
    assert wrong.status_code == 404
