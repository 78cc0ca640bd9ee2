"""The page shell: one Jinja2 environment over every context's templates, and `render()`."""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from xinyidai import clock
from xinyidai.config import get_settings
from xinyidai.money import format_percent, format_wan, format_yuan
from xinyidai.portal import charts, flash, i18n, nav

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
_template_dirs = sorted(str(p) for p in PACKAGE_ROOT.glob("*/templates"))
templates = Jinja2Templates(env=Environment(
    loader=ChoiceLoader([FileSystemLoader(d) for d in _template_dirs]),
    autoescape=select_autoescape(default=True),
))


def _local_time(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(clock.BUSINESS_TZ).strftime(fmt) if value is not None else ""


templates.env.filters.update(
    yuan=format_yuan, wan=format_wan, localtime=_local_time, chart_json=charts.figure_json,
    percent=lambda r, places=2: format_percent(Decimal(r), places) if r is not None else "",
)


def csrf_token_for(request: Request) -> str:
    """The token forms on this page must echo: the session's, or the anonymous CSRF cookie's."""
    token = getattr(request.state, "csrf_token", None) or getattr(request.state, "new_csrf_cookie", None)
    if token is None:
        token = request.cookies.get(get_settings().csrf_cookie_name)
    if token is None:
        token = secrets.token_urlsafe(24)
        request.state.new_csrf_cookie = token
    return str(token)


def render(request: Request, name: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> HTMLResponse:
    """Render a page with the shell's context: caller, navigation, language, CSRF token."""
    principal = getattr(request.state, "principal", None)
    lang = i18n.language_of(request)
    entries = nav.entries_for(principal)
    full = {
        "principal": principal,
        "nav": entries,
        "nav_items": nav.items(entries),
        "nav_current": nav.current(entries, request.url.path),
        "lang": lang,
        "_": lambda text: i18n.translate(text, lang),
        "csrf_token": csrf_token_for(request),
        "today": clock.today(),
        "api_sandbox": get_settings().api_sandbox,
        **(context or {}),
    }
    # Only a full page takes the redirect's message: an htmx fragment would swallow it.
    shows_flash = not request.headers.get("hx-request")
    if shows_flash and not full.get("flash"):
        full["flash"] = flash.take(request)
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    if shows_flash:
        flash.clear(request, response)
    flash.clear_secret(request, response)
    new_cookie = getattr(request.state, "new_csrf_cookie", None)
    if new_cookie:
        settings = get_settings()
        response.set_cookie(settings.csrf_cookie_name, new_cookie, httponly=True, samesite="strict",
                            secure=settings.session_cookie_secure)
    return response
