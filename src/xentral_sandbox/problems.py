"""Xentral's error bodies (docs/xentral.md#errors): RFC 9457 problem+json for 400/409, bare bodies for the rest."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

PROBLEM_TYPE = "application/problem+json"
REQUEST_VALIDATION = "https://api.xentral.biz/problems/request-validation"
GENERIC_VALIDATION = "https://api.xentral.biz/problems/generic-validation"
CONFLICT = "https://api.xentral.biz/problems/conflict"
CONFLICT_ITEMS = "https://api.xentral.biz/problems/conflictItems"
TOKEN_SCOPES = "https://developer.xentral.com/reference/problems#token-scopes"  # noqa: S105 - a problem type URI

# Symfony validator wording, which Xentral's messages follow.
NOT_BLANK = "This value should not be blank."
MISSING = "This field is missing."
UNEXPECTED = "This field was not expected."
INVALID_CHOICE = "The value you selected is not a valid choice."


class ProblemError(Exception):
    """Raised deep in a handler; the app turns it into the problem response."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("title", "problem"))
        self.status = status
        self.body = body

    def response(self) -> Response:
        return Response(json.dumps(self.body), status_code=self.status, media_type=PROBLEM_TYPE)


def request_validation(violations: dict[str, Any] | list[Any]) -> ProblemError:
    """400 whose `violations` mirror the payload, keeping only the bad fields (values → message lists)."""
    return ProblemError(
        400,
        {"type": REQUEST_VALIDATION, "title": "Request payload validation failed.", "violations": violations},
    )


def generic_validation(messages: list[str] | dict[str, list[str]]) -> ProblemError:
    return ProblemError(400, {"type": GENERIC_VALIDATION, "title": "Validation failed", "messages": messages})


def conflict(messages: list[str]) -> ProblemError:
    return ProblemError(409, {"type": CONFLICT, "title": "Conflict", "messages": messages})


def conflict_items(items: list[tuple[int, str, list[str]]]) -> ProblemError:
    """409 naming the conflicting resources: `(id, title, messages)` per item, the spec's `conflictItems` form."""
    body = {
        "type": CONFLICT_ITEMS,
        "title": "Conflict",
        "items": [{"id": ident, "title": title, "messages": messages} for ident, title, messages in items],
    }
    return ProblemError(409, body)


def put_violation(violations: dict[str, Any], path: tuple[str | int, ...], message: str) -> None:
    """Insert `message` at `path` (list indices become string keys, like Symfony's property paths)."""
    node = violations
    for key in path[:-1]:
        child = node.setdefault(str(key), {})
        if not isinstance(child, dict):  # a parent already carries its own message; keep both levels apart
            child = node[str(key)] = {"_": child}
        node = child
    leaf = str(path[-1]) if path else "_"
    existing = node.setdefault(leaf, [])
    if isinstance(existing, dict):
        existing.setdefault("_", []).append(message)
    else:
        existing.append(message)


def empty(status: int, headers: dict[str, str] | None = None) -> Response:
    """403/404/406/415/429 carry no documented body (docs/xentral.md#errors), so the sandbox sends none."""
    return Response(b"", status_code=status, headers=headers)
