"""`/docs` (Swagger UI) and `/redoc` (ReDoc), served with their scripts from this process, never a CDN.

A service installed on a host without internet must still show its API documentation, so the pages
load Swagger UI's and ReDoc's assets from `/docs/assets/`, which serves the files the `fastapi-offline`
package ships (Swagger UI 5 and ReDoc 2 bundles, the favicon), and turn off what would reach out
by itself: Swagger UI's online validator badge and ReDoc's Google fonts. ReDoc's sidebar still shows
a logo from its makers' CDN whatever its options say, so both pages carry a Content-Security-Policy
that lets them load from this origin only (the inline start-up script and styles included): the
browser never sends that request. The pages' addresses honour a reverse proxy's `root_path`, as
FastAPI's own pages do.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["ASSETS_DIRECTORY", "ASSETS_PREFIX", "SAME_ORIGIN_ONLY", "install_docs_pages"]

ASSETS_PREFIX = "/docs/assets"
ASSETS_DIRECTORY = Path(str(files("fastapi_offline") / "static"))
"""The Swagger UI and ReDoc bundles as the `fastapi-offline` package ships them."""

_DOCS = "/docs"
_OAUTH2_REDIRECT = "/docs/oauth2-redirect"
_REDOC = "/redoc"
# Swagger UI sends the document to an online validator for its badge unless told not to.
_SWAGGER_PARAMETERS = {"validatorUrl": None}
SAME_ORIGIN_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)
"""The pages' Content-Security-Policy: everything from this origin, nothing from anywhere else."""


def _same_origin_only(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = SAME_ORIGIN_ONLY
    return page


def install_docs_pages(app: FastAPI, openapi_url: str) -> None:
    """Add /docs, /redoc and their assets to `app` (created with `docs_url=None, redoc_url=None`)."""
    app.mount(ASSETS_PREFIX, StaticFiles(directory=ASSETS_DIRECTORY), name="docs-assets")

    @app.get(_DOCS, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _same_origin_only(
            get_swagger_ui_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=root + _OAUTH2_REDIRECT,
                swagger_js_url=f"{root}{ASSETS_PREFIX}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_PREFIX}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_PREFIX}/favicon.png",
                swagger_ui_parameters=_SWAGGER_PARAMETERS,
            )
        )

    @app.get(_OAUTH2_REDIRECT, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(_REDOC, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _same_origin_only(
            get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{ASSETS_PREFIX}/redoc.standalone.js",
                redoc_favicon_url=f"{root}{ASSETS_PREFIX}/favicon.png",
                with_google_fonts=False,
            )
        )
