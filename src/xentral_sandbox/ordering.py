"""`order[n][field]=…&order[n][dir]=asc|desc` sorting (docs/xentral.md#lists-and-filters)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .filters import Getter
from .problems import INVALID_CHOICE, request_validation
from .querystring import as_list


def _key(value: Any) -> tuple[int, Any]:
    """None sorts first; numbers numerically; text case-insensitively."""
    if value is None:
        return (0, "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, Decimal(str(value)))
    text = str(value)
    try:
        return (1, Decimal(text))
    except InvalidOperation:
        return (2, text.casefold())


def apply_order(items: list[Mapping[str, Any]], raw: Any, fields: Mapping[str, Getter]) -> list[Mapping[str, Any]]:
    """Sort stably by the statements in reverse, so the first statement wins. Default order is by id."""
    if raw is None:
        return items
    statements = as_list(raw)
    if statements is None:
        raise request_validation({"order": ["This value should be of type array."]})
    parsed: list[tuple[Getter, bool]] = []
    for position, st in enumerate(statements):
        if not isinstance(st, dict) or st.get("field") not in fields:
            raise request_validation({"order": {str(position): {"field": [INVALID_CHOICE]}}})
        direction = st.get("dir", "asc")
        # The spec enum is lowercase; the docs prose writes ASC/DESC, so both are accepted.
        if not isinstance(direction, str) or direction.lower() not in {"asc", "desc"}:
            raise request_validation({"order": {str(position): {"dir": [INVALID_CHOICE]}}})
        parsed.append((fields[st["field"]], direction.lower() == "desc"))
    result = list(items)
    for getter, descending in reversed(parsed):
        result.sort(key=lambda rec, g=getter: _key(g(rec)), reverse=descending)  # type: ignore[misc]
    return result
