"""GET /problems/{code}: the page a problem's `type` URI names, so every `type` resolves.

Public like the OpenAPI document: it describes codes, never a request or a client.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from .errors import NotFound
from .problem_catalogue import entry_for, entry_html

__all__ = ["router"]

router = APIRouter(prefix="/problems", tags=["problems"], include_in_schema=False)


@router.get("/{code}", response_class=HTMLResponse)
async def problem_type(code: str) -> HTMLResponse:
    entry = entry_for(code)
    if entry is None:
        raise NotFound(f"No problem has the code '{code}'; docs/errors.md lists them all")
    return HTMLResponse(entry_html(entry))
