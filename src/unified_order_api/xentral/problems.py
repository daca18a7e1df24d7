"""Reading Xentral's problem+json bodies (RFC 7807) into quotable texts.

Xentral has five 400/409 shapes (docs/xentral.md#errors). `violations` mirrors the request payload,
keeping only the invalid fields with a list of messages as value; we flatten that tree to
JSON-pointer paths so a caller can say *which* field of its request was wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["problem_messages", "problem_title", "violation_pairs"]

# The spec's whole-body violation example is `{"_": ["…at most `9` elements."]}`: "_" names
# the containing object itself, not a field, so it adds no pointer segment.
_SELF_KEY = "_"


def problem_title(problem: Mapping[str, Any] | None) -> str | None:
    """The problem's `title` when it is a non-empty string."""
    if problem is None:
        return None
    title = problem.get("title")
    return title if isinstance(title, str) and title else None


def violation_pairs(problem: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """`(json_pointer, message)` for each violation, plus field-keyed generic-validation messages.

    The second generic-validation shape, `messages: {"email": ["…"]}`, is keyed by field like
    `violations`, so it is flattened the same way instead of being reported in `messages`.
    """
    if problem is None:
        return []
    pairs: list[tuple[str, str]] = []
    _flatten(problem.get("violations"), "", pairs)
    messages = problem.get("messages")
    if isinstance(messages, Mapping):
        _flatten(messages, "", pairs)
    return pairs


TOKEN_SCOPES_SUFFIX = "#token-scopes"  # noqa: S105 - a problem type, not a secret
_MISSING_SCOPES = re.compile(r"missing required scopes?:\s*(?P<scopes>[^.]*)", re.IGNORECASE)


def is_token_scopes(problem: Mapping[str, Any] | None) -> bool:
    """A 400 problem saying the token lacks a scope (its `type` ends in `#token-scopes`): not a bad request."""
    kind = problem.get("type") if problem is not None else None
    return isinstance(kind, str) and kind.endswith(TOKEN_SCOPES_SUFFIX)


def missing_scopes(problem: Mapping[str, Any] | None) -> list[str]:
    """The scopes Xentral says the token lacks: the `#token-scopes` problem's `scopes`, or a 401's JSON
    `message` ("Missing required scopes: customer:create."); empty when it does not say."""
    if problem is None:
        return []
    scopes = problem.get("scopes")
    if isinstance(scopes, list):
        return [str(scope) for scope in scopes if str(scope)]
    message = problem.get("message")
    found = _MISSING_SCOPES.search(message) if isinstance(message, str) else None
    if found is None:
        return []
    return [scope.strip() for scope in found.group("scopes").split(",") if scope.strip()]


def problem_messages(problem: Mapping[str, Any] | None) -> list[str]:
    """Plain messages: generic-validation/conflict `messages` lists and conflictItems' messages."""
    if problem is None:
        return []
    found: list[str] = []
    messages = problem.get("messages")
    if isinstance(messages, list):
        found.extend(str(m) for m in messages)
    elif isinstance(messages, str):
        found.append(messages)
    items = problem.get("items")
    if isinstance(items, list):
        for item in items:
            if not isinstance(item, Mapping):
                continue
            prefix = f"{item.get('title') or item.get('id')}: " if item.get("title") or item.get("id") else ""
            for message in item.get("messages") or []:
                found.append(f"{prefix}{message}")
    return found


def _flatten(node: Any, pointer: str, out: list[tuple[str, str]]) -> None:
    if node is None:
        return
    if isinstance(node, str):
        out.append((pointer, node))
    elif isinstance(node, Mapping):
        for key, child in node.items():
            key = str(key)
            _flatten(child, pointer if key == _SELF_KEY else f"{pointer}/{_escape(key)}", out)
    elif isinstance(node, list):
        # A list of strings is the message list of the field at `pointer`; a list holding
        # objects is a JSON array of the payload (e.g. `positions`), indexed by position.
        for index, child in enumerate(node):
            if isinstance(child, str):
                out.append((pointer, child))
            else:
                _flatten(child, f"{pointer}/{index}", out)
    else:
        out.append((pointer, str(node)))


def _escape(segment: str) -> str:
    """RFC 6901 escaping of one pointer segment."""
    return segment.replace("~", "~0").replace("/", "~1")
