"""One-time secrets carried across a redirect: sealed, bound to the session and the page, and short-lived."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from xinyidai.auth.enums import OrgKind, Role
from xinyidai.auth.principal import Principal
from xinyidai.portal import flash

ADMIN = Principal(organisation_id=1, organisation_kind=OrgKind.PLATFORM_OPERATOR,
                  roles=frozenset({Role.PLATFORM_ADMIN}), user_id=1, session_id="session-one")


def _sealed(url: str = "/page", principal: Principal = ADMIN, purpose: str = "p") -> str:
    response = flash.redirect_with_secret(url, principal=principal, purpose=purpose, secret={"password": "S3cret-xyz"})
    assert response.status_code == 303 and response.headers["location"] == url
    header = response.headers["set-cookie"]
    assert "HttpOnly" in header and "S3cret-xyz" not in header
    return header.split(";", 1)[0].split("=", 1)[1].strip('"')


def _request(cookie: str, path: str = "/page", principal: Principal | None = ADMIN) -> Request:
    request = Request({"type": "http", "method": "GET", "path": path, "query_string": b"",
                       "headers": [(b"cookie", f"{flash.SECRET_COOKIE}={cookie}".encode())]})
    request.state.principal = principal
    return request


def test_the_sealed_secret_opens_for_its_page_purpose_and_session_only() -> None:
    cookie = _sealed()
    assert flash.take_secret(_request(cookie), purpose="p") == {"password": "S3cret-xyz"}
    assert flash.take_secret(_request(cookie), purpose="other") is None
    assert flash.take_secret(_request(cookie, path="/elsewhere"), purpose="p") is None
    other = Principal(**{**ADMIN.__dict__, "session_id": "session-two"})
    assert flash.take_secret(_request(cookie, principal=other), purpose="p") is None
    assert flash.take_secret(_request(cookie, principal=None), purpose="p") is None
    tampered = cookie[:-4] + ("AAAA" if not cookie.endswith("AAAA") else "BBBB")
    assert flash.take_secret(_request(tampered), purpose="p") is None
    assert flash.take_secret(_request("not base64 at all!"), purpose="p") is None


def test_the_sealed_secret_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    cookie = _sealed()
    later = flash.time.time() + flash.SECRET_MAX_AGE + 1
    monkeypatch.setattr(flash.time, "time", lambda: later)
    assert flash.take_secret(_request(cookie), purpose="p") is None
