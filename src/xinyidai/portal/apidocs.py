"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), with no CDN.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, which the platform's Content-Security-Policy blocks (and a
closed government network cannot reach): the pages were blank. Their assets come from an installed package
(`fastapi-offline` ships Swagger UI's and ReDoc's built files) and are served under /static/vendor/apidocs.

Swagger UI starts from a small inline script that FastAPI writes into the page, and ReDoc injects its styles as
`<style>` elements. Rather than loosen the policy of every page, these two pages alone carry a policy of their own:
the inline script allowed by a nonce drawn for the response, inline styles allowed, and nothing from elsewhere.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from xinyidai.auth.dependencies import PublicRoute

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/static/vendor/apidocs"


def _policy(nonce: str) -> str:
    return (f"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            f"script-src 'self' 'nonce-{nonce}'; worker-src 'self' blob:; frame-ancestors 'none'")


def _with_nonce(page: HTMLResponse) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    return HTMLResponse(html, headers={"Content-Security-Policy": _policy(nonce)})


def install_api_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc from installed assets (create the app with docs_url=None, redoc_url=None)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="apidocs")
    title = app.title
    openapi_url = app.openapi_url or "/openapi.json"

    # Public like the document they show: the API's shape is published to every institution that connects.
    @app.get("/docs", include_in_schema=False, dependencies=[PublicRoute])
    def swagger_ui() -> HTMLResponse:
        """The API's interactive documentation (Swagger UI)."""
        return _with_nonce(get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{title} - Swagger UI",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_URL}/favicon.png"))

    @app.get("/redoc", include_in_schema=False, dependencies=[PublicRoute])
    def redoc() -> HTMLResponse:
        """The API's reference documentation (ReDoc)."""
        return _with_nonce(get_redoc_html(
            openapi_url=openapi_url, title=f"{title} - ReDoc", redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_URL}/favicon.png", with_google_fonts=False))
