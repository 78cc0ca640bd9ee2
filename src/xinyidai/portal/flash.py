"""Redirect after post: a successful form answers 303 to a page, which shows a one-time message.

The message travels in a short-lived cookie that the next rendered page reads and clears, so a refresh of
that page neither repeats the post nor the message.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

FLASH_COOKIE = "xinyidai_flash"
MAX_FLASH = 300


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
