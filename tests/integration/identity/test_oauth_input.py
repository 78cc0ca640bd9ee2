"""The token endpoint holds client credentials to the bounds of its fields whichever way they come (form or HTTP
Basic): a NUL or an overlong id is refused before the lookup and the audit entry (PostgreSQL stores neither)."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from tests.integration.conftest import World


def _basic(user: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(user).decode()}


@pytest.mark.parametrize("headers", [_basic(b"client\x00:secret"), _basic("客户\u202e:secret".encode()),
                                     _basic(b"c" * 65 + b":secret"), _basic(b"client:" + b"s" * 201)])
def test_basic_credentials_past_the_fields_bounds_are_invalid_credentials(
        client: TestClient, world: World, headers: dict[str, str]) -> None:
    response = client.post("/api/v1/oauth/token", data={"grant_type": "client_credentials"}, headers=headers)
    assert response.status_code == 401 and response.json()["code"] == "invalid_client", response.text


@pytest.mark.parametrize("form", [{"client_id": "client\x00"}, {"client_id": "c" * 65}, {"client_secret": "s" * 201},
                                  {"grant_type": "client_credentials\x00"}])
def test_form_credentials_past_the_fields_bounds_are_a_422(client: TestClient, world: World,
                                                           form: dict[str, str]) -> None:
    data = {"grant_type": "client_credentials", "client_id": "client", "client_secret": "secret", **form}
    response = client.post("/api/v1/oauth/token", data=data)
    assert response.status_code == 422, response.text
