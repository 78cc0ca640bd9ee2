"""Redirect after post: a successful form answers 303 to a page, which shows a one-time message.

The message travels in a short-lived cookie that the next rendered page reads and clears, so a refresh of
that page neither repeats the post nor the message.

A form whose outcome holds a secret to be shown once (an API client's secret, a generated password) redirects with
`redirect_with_secret`: the secret travels sealed (AES-256-GCM under a key derived from the deployment's
secret key, bound to the caller's login session, the page and its purpose, with an expiry inside), in an HttpOnly
cookie scoped to the page it is shown on. That page opens it with `take_secret`; the first page rendered there
clears it, so a refresh or a second visit shows nothing. The secret never enters a URL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from xinyidai.auth.principal import Principal
from xinyidai.config import get_settings

FLASH_COOKIE = "xinyidai_flash"
MAX_FLASH = 300
SECRET_COOKIE = "xinyidai_once"
SECRET_MAX_AGE = 120  # seconds: the redirect is followed at once; a cookie left behind is useless soon after


def redirect(url: str, flash: str | None = None) -> RedirectResponse:
    """A 303 to `url` (a GET page) carrying `flash` to be shown once there."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, quote(flash[:MAX_FLASH]), max_age=120, path="/", httponly=True,
                            samesite="lax")
    return response


def take(request: Request) -> str | None:
    """The message a redirect left for this page, if any."""
    value = request.cookies.get(FLASH_COOKIE)
    return unquote(value)[:MAX_FLASH] if value else None


def clear(request: Request, response: Response) -> None:
    """Drop the message once a page has shown it."""
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")


# One-time secrets ---------------------------------------------------------------------------------


def _key() -> bytes:
    secret = get_settings().secret_key.get_secret_value()
    return hashlib.sha256(b"xinyidai-portal-one-time-secret:" + secret.encode()).digest()


def _bound_to(purpose: str, path: str, session_id: str | None) -> bytes:
    return json.dumps([purpose, path, session_id or ""]).encode()


def redirect_with_secret(url: str, *, principal: Principal, purpose: str, secret: Mapping[str, str],
                         flash: str | None = None) -> RedirectResponse:
    """A 303 to `url` carrying `secret` sealed for the caller's session, to be shown once there (never in the URL)."""
    response = redirect(url, flash)
    response.headers["Cache-Control"] = "no-store"
    path = urlsplit(url).path
    body = json.dumps({"exp": int(time.time()) + SECRET_MAX_AGE, "secret": dict(secret)}).encode()
    nonce = os.urandom(12)
    sealed = AESGCM(_key()).encrypt(nonce, body, _bound_to(purpose, path, principal.session_id))
    response.set_cookie(SECRET_COOKIE, base64.urlsafe_b64encode(nonce + sealed).decode(), max_age=SECRET_MAX_AGE,
                        path=path, httponly=True, samesite="strict", secure=get_settings().session_cookie_secure)
    return response


def take_secret(request: Request, *, purpose: str) -> dict[str, str] | None:
    """The secret a redirect sealed for this page, this purpose and the caller's session, if any and not expired.

    The page that shows it must be rendered with `render` (which clears the cookie) and should not be cached."""
    value = request.cookies.get(SECRET_COOKIE)
    if not value:
        return None
    principal: Principal | None = getattr(request.state, "principal", None)
    try:
        blob = base64.urlsafe_b64decode(value.encode())
        body = AESGCM(_key()).decrypt(blob[:12], blob[12:], _bound_to(
            purpose, request.url.path, principal.session_id if principal else None))
        opened = json.loads(body)
    except Exception:  # tampered with, another session's, another page's: nothing to show
        return None
    if not isinstance(opened, dict) or int(opened.get("exp", 0)) < time.time():
        return None
    secret = opened.get("secret")
    if not isinstance(secret, dict):
        return None
    return {str(k): str(v) for k, v in secret.items()}


def clear_secret(request: Request, response: Response) -> None:
    """Drop a sealed secret once the page it was meant for has been rendered (shown or not)."""
    if request.cookies.get(SECRET_COOKIE):
        response.delete_cookie(SECRET_COOKIE, path=request.url.path, httponly=True, samesite="strict",
                               secure=get_settings().session_cookie_secure)
        response.headers["Cache-Control"] = "no-store"
