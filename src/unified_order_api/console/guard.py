"""Every console request passes here: a valid session for every page, a CSRF token for every change.

Pages depend on `current_session`; actions on `checked_action`, which also reads the
url-encoded form (no multipart parser needed), compares its `csrf` field with the session's
token in constant time, and refuses a cross-origin `Origin`. The session cookie is HttpOnly
and SameSite=Strict besides, so a foreign page can neither read nor send it.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs, urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from .configuration import CheckCache
from .sessions import Operators, Session, SessionCodec

if TYPE_CHECKING:
    from ..bootstrap import Container

__all__ = [
    "COOKIE",
    "Action",
    "ConsoleState",
    "CsrfRejected",
    "SignInRequired",
    "SignInThrottle",
    "checked_action",
    "console_state",
    "current_session",
    "read_form",
    "same_origin",
    "service_container",
    "set_cookie",
]

COOKIE = "uoa_console"
MAX_FORM_BYTES = 262_144  # a corrected order request is a form field


class SignInRequired(Exception):
    """No valid session: pages send the browser to the sign-in form, actions are refused."""


class CsrfRejected(Exception):
    """A state-changing request without this session's token, or from another origin."""


class SignInThrottle:
    """Refuses sign-in from an address after `limit` failures within `window` seconds."""

    def __init__(self, limit: int = 10, window: float = 300.0) -> None:
        self._limit = limit
        self._window = window
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def blocked_for(self, address: str) -> float:
        """Seconds until `address` may try again; 0 when it may now."""
        now = time.monotonic()
        with self._lock:
            recent = [at for at in self._failures.get(address, []) if at > now - self._window]
            self._failures[address] = recent
            if len(recent) < self._limit:
                return 0.0
            return recent[0] + self._window - now

    def failed(self, address: str) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
                self._failures.clear()
            self._failures.setdefault(address, []).append(time.monotonic())

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


@dataclass
class ConsoleState:
    parent: FastAPI  # the service app, whose lifespan holds the container
    codec: SessionCodec
    operators: Operators
    templates: Jinja2Templates
    secure_cookie: str  # auto, always, never
    throttle: SignInThrottle = field(default_factory=SignInThrottle)
    checks: CheckCache = field(default_factory=CheckCache)  # the configuration check, kept briefly


def console_state(request: Request) -> ConsoleState:
    return request.app.state.console  # type: ignore[no-any-return]


def service_container(request: Request) -> Container:
    """The container of the service app the console is mounted in (its own app holds none)."""
    return console_state(request).parent.state.container  # type: ignore[no-any-return]


def current_session(request: Request) -> Session:
    state = console_state(request)
    session = state.codec.read(request.cookies.get(COOKIE))
    if session is None or not state.operators.still_valid(session.operator, session.key_id):
        raise SignInRequired()
    return session


def same_origin(request: Request) -> bool:
    """False when the browser says the request came from another origin (or an opaque one)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return True  # old browsers and non-browser clients; the CSRF token still decides
    if origin == "null":
        return False
    return urlsplit(origin).netloc.lower() == (request.headers.get("host") or "").lower()


async def read_form(request: Request) -> dict[str, str]:
    """An url-encoded form's fields (the first value of each); anything else is an empty form."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


@dataclass(frozen=True, slots=True)
class Action:
    session: Session
    form: dict[str, str]


async def checked_action(request: Request, session: Annotated[Session, Depends(current_session)]) -> Action:
    form = await read_form(request)
    token = form.get("csrf", "")
    if not same_origin(request) or not hmac.compare_digest(token.encode(), session.csrf.encode()):
        raise CsrfRejected()
    return Action(session, form)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    state = console_state(request)
    secure = state.secure_cookie == "always" or (state.secure_cookie == "auto" and request.url.scheme == "https")
    kwargs: dict[str, Any] = {"max_age": max_age} if max_age is not None else {}
    response.set_cookie(
        name,
        value,
        path=request.scope.get("root_path") or "/",
        httponly=True,
        samesite="strict",
        secure=secure,
        **kwargs,
    )
