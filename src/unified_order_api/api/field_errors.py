"""Pydantic's validation errors as field problems: a JSON pointer into the request, a code, a detail.

Shared by the edge's answer to an invalid request and the shop intake, which checks a translated
shop order with the same request model and reports the same problems.
"""

from __future__ import annotations

from typing import Any

__all__ = ["field_error"]


def _pointer(loc: tuple[Any, ...]) -> str:
    parts = [str(part).replace("~", "~0").replace("/", "~1") for part in loc]
    return "/" + "/".join(parts) if parts else "/"


def field_error(error: dict[str, Any]) -> dict[str, str]:
    """One pydantic validation error as a field problem with a JSON pointer into the request."""
    loc = tuple(error.get("loc", ()))
    where = loc[0] if loc else "body"
    path = loc[1:] if where in ("body", "header", "query", "path") else loc
    name = str(path[-1]) if path else where
    kind = str(error.get("type", "invalid"))
    if kind == "missing":
        if where == "header":
            return {"pointer": "/", "code": "required", "detail": f"Required header '{name}' is missing"}
        return {"pointer": _pointer(path), "code": "required", "detail": f"Required field '{name}' is missing"}
    if kind == "extra_forbidden":
        return {"pointer": _pointer(path), "code": "unknown_field", "detail": f"Unknown field '{name}'"}
    if kind == "json_invalid":
        return {"pointer": "/", "code": "invalid_json", "detail": f"The body is not valid JSON: {error.get('msg')}"}
    label = "/".join(str(part) for part in path) or where
    return {"pointer": _pointer(path), "code": kind, "detail": f"Invalid '{label}': {error.get('msg', 'invalid')}"}
