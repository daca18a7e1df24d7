"""One way to answer with a page: the template, the signed-in operator and the CSRF token for its forms."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from .guard import COOKIE, console_state

__all__ = ["render"]


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Response:
    state = console_state(request)
    session = state.codec.read(request.cookies.get(COOKIE))
    if session is not None and not state.operators.still_valid(session.operator, session.key_id):
        session = None
    values = {
        "base": request.scope.get("root_path", ""),
        "operator": session.operator if session else None,
        "csrf": session.csrf if session else "",
        "nav": "",
        **context,
    }
    return state.templates.TemplateResponse(request, template, values, status_code=status_code)
