"""Sign-in with an operator (or the admin) key, and sign-out.

The sign-in form carries a signed one-time value that must equal the one in a short-lived
cookie (double submit), so another site cannot sign a browser in under its own key. Failed
attempts are throttled per address. `next` only ever leads to a page of the console.
"""

from __future__ import annotations

import hmac
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from .guard import (
    COOKIE,
    Action,
    SignInRequired,
    checked_action,
    console_state,
    current_session,
    read_form,
    same_origin,
    set_cookie,
)
from .rendering import render

log = structlog.get_logger(__name__)

router = APIRouter()

SIGNIN_COOKIE = "uoa_console_signin"
_PURPOSE = "sign-in"


def _safe_next(request: Request, target: str | None) -> str:
    base = str(request.scope.get("root_path", ""))
    if target and target.startswith(base + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return base + "/"


def _form(request: Request, *, status_code: int = 200, error: str | None = None, next_page: str = "") -> Response:
    state = console_state(request)
    token = state.codec.token(_PURPOSE)
    response = render(
        request,
        "login.html",
        status_code=status_code,
        title="Sign in",
        error=error,
        token=token,
        next_page=next_page,
        enabled=state.operators.configured,
    )
    set_cookie(request, response, SIGNIN_COOKIE, token, max_age=1800)
    return response


@router.get("/login", name="login")
async def login_form(request: Request, next: str | None = None) -> Response:
    try:
        current_session(request)
    except SignInRequired:
        return _form(request, next_page=_safe_next(request, next))
    return RedirectResponse(_safe_next(request, next), status_code=303)


@router.post("/login")
async def login(request: Request) -> Response:
    state = console_state(request)
    form = await read_form(request)
    next_page = _safe_next(request, form.get("next"))
    address = request.client.host if request.client else "unknown"
    wait = state.throttle.blocked_for(address)
    if wait > 0:
        response = _form(
            request, status_code=429, error="Too many failed sign-ins; wait a few minutes.", next_page=next_page
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    token = form.get("token", "")
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    if (
        not same_origin(request)
        or not state.codec.token_valid(_PURPOSE, token)
        or not hmac.compare_digest(token.encode(), cookie.encode())
    ):
        return _form(
            request, status_code=403, error="The sign-in form expired; please sign in again.", next_page=next_page
        )
    signed_in = state.operators.sign_in(form.get("key", "").strip())
    if signed_in is None:
        state.throttle.failed(address)
        log.warning("console.sign_in_failed", address=address)
        return _form(request, status_code=401, error="That key is not valid.", next_page=next_page)
    state.throttle.succeeded(address)
    operator, key_id = signed_in
    _, cookie_value = state.codec.issue(operator, key_id)
    log.info("console.signed_in", operator=operator, address=address)
    response = RedirectResponse(next_page, status_code=303)
    set_cookie(request, response, COOKIE, cookie_value, max_age=int(state.codec.lifetime_seconds))
    response.delete_cookie(SIGNIN_COOKIE, path=request.scope.get("root_path") or "/")
    return response


@router.post("/logout", name="logout")
async def logout(request: Request, action: Annotated[Action, Depends(checked_action)]) -> Response:
    console_state(request).codec.revoke(action.session)
    log.info("console.signed_out", operator=action.session.operator)
    response = RedirectResponse(request.scope.get("root_path", "") + "/login", status_code=303)
    response.delete_cookie(COOKIE, path=request.scope.get("root_path") or "/", httponly=True, samesite="strict")
    return response
