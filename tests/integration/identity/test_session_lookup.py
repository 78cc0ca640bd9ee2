"""Every request from a logged-in browser finds its caller (session, user, organisation and roles) in one query: it
is the floor under every page, and the load test found it taking three round trips to the database."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Connection

from tests.integration.conftest import World, counted_selects, login


def test_a_logged_in_request_finds_its_caller_in_one_query(
        client: TestClient, world: World, connection: Connection) -> None:
    login(client, "a.manager")
    with counted_selects(connection) as seen:
        response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["roles"] == ["bank_manager"] and response.json()["organisation_id"] == world.bank_a
    assert len(seen) == 1, seen

