"""The provider's token endpoint answers a malformed request as OAuth 2.0 asks (RFC 6749 §5.2), whatever refuses
it: a form field over its bound is a 400 `invalid_request` in JSON, as the provider's own refusals are."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("field", ["code", "client_assertion", "redirect_uri"])
def test_a_token_request_with_a_field_over_its_bound_is_an_oauth_invalid_request(client: TestClient,
                                                                                  field: str) -> None:
    form = {"grant_type": "authorization_code", "code": "c", "redirect_uri": "https://b.example/sso/callback",
            "code_verifier": "v" * 43, "client_id": "500102", "client_assertion": "a.b.c", field: "x" * 4097}
    response = client.post("/oidc/token", data=form)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == "invalid_request" and field in body["error_description"]


def test_a_token_request_within_its_bounds_reaches_the_provider(client: TestClient) -> None:
    # This node is no provider: the request is read, then refused by the provider's own check, in the same shape.
    response = client.post("/oidc/token", data={"grant_type": "authorization_code", "code": "x" * 4096})
    assert response.status_code == 404 and response.json()["error"] == "invalid_request"
