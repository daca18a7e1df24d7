"""The console as its own small ASGI app, mounted at `/console` by the service's app factory.

Its own app so that its errors are HTML pages (the API's are problem+json), its headers are
strict (CSP without inline script or style, no framing, no caching), and it stays out of the
API's OpenAPI document. It reads the service's container from the parent app at request time.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings
from ..orders.attempts import StoreUnavailable
from . import actions, inbox, pages, retries, signin, write_back
from .formatting import FILTERS
from .guard import ConsoleState, CsrfRejected, SignInRequired
from .rendering import render
from .sessions import ADMIN_OPERATOR, Operators, SessionCodec

__all__ = ["PREFIX", "create_console"]

log = structlog.get_logger(__name__)

PREFIX = "/console"
_HERE = Path(__file__).parent
_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; form-action 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """Adds the console's headers to every answer it gives, pages and static files alike."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in _HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, with_headers)


def _operators(settings: Settings, secret: bytes) -> Operators:
    """Everyone who may sign in; during a rotation an operator (or `admin`) has a second, `_next` key."""
    keys = [
        (operator.name, key.get_secret_value())
        for operator in settings.console.operators
        for key in (operator.api_key, operator.api_key_next)
        if key is not None
    ]
    for admin_key in (settings.admin_api_key, settings.admin_api_key_next):
        if admin_key is not None:
            keys.append((ADMIN_OPERATOR, admin_key.get_secret_value()))
    return Operators(keys, secret)


def create_console(parent: FastAPI, settings: Settings) -> FastAPI:
    console = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, title="Operator console")
    configured = settings.console.session_secret
    secret = configured.get_secret_value().encode() if configured else secrets.token_bytes(32)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(FILTERS)
    console.state.console = ConsoleState(
        parent=parent,
        codec=SessionCodec(secret, settings.console.session_minutes * 60),
        operators=_operators(settings, secret),
        templates=Jinja2Templates(env=environment),
        secure_cookie=settings.console.secure_cookie,
    )
    console.include_router(signin.router)
    console.include_router(pages.router)
    console.include_router(actions.router)
    console.include_router(inbox.router)
    console.include_router(retries.router)
    console.include_router(write_back.router)
    console.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    _install_error_pages(console)
    console.add_middleware(SecurityHeaders)
    return console


def _install_error_pages(console: FastAPI) -> None:
    async def sign_in_required(request: Request, exc: Exception) -> Response:
        base = request.scope.get("root_path", "")
        if request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"{base}/login?next={quote(target, safe='/')}", status_code=303)
        return render(
            request,
            "error.html",
            status_code=401,
            title="Sign-in required",
            message="Your session has ended or you are not signed in. Nothing was changed.",
        )

    async def csrf_rejected(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "error.html",
            status_code=403,
            title="Request refused",
            message="The form was not sent from this console page (its security token is missing or "
            "stale). Nothing was changed; reload the page and try again.",
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code != 404:
            return render(
                request, "error.html", status_code=exc.status_code, title="Request refused", message=str(exc.detail)
            )
        return render(
            request,
            "error.html",
            status_code=404,
            title="Not found",
            message="There is no such page, order or delivery.",
        )

    async def store_unavailable(request: Request, exc: Exception) -> Response:
        log.warning("console.store_unavailable", path=request.url.path, detail=str(exc))
        response = render(
            request,
            "error.html",
            status_code=503,
            title="The database is not answering",
            message="The order store cannot be read or written right now, so nothing was changed. "
            "Try again in a moment.",
        )
        response.headers["Retry-After"] = "5"
        return response

    async def invalid(request: Request, exc: Exception) -> Response:
        return render(
            request,
            "error.html",
            status_code=400,
            title="Invalid address",
            message="The address is not one the console understands.",
        )

    handlers: dict[Any, Any] = {
        SignInRequired: sign_in_required,
        CsrfRejected: csrf_rejected,
        StarletteHTTPException: not_found,
        RequestValidationError: invalid,
        StoreUnavailable: store_unavailable,
    }
    for kind, handler in handlers.items():
        console.add_exception_handler(kind, handler)
