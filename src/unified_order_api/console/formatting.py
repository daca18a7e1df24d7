"""Template filters: times in UTC, ages, JSON for people, and page links that keep the current filters."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

__all__ = ["FILTERS", "query_string"]


def utc(value: dt.datetime | None, seconds: bool = True) -> str:
    if value is None:
        return "—"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def age(value: dt.timedelta | None) -> str:
    """A duration as an operator reads it at a glance: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`."""
    if value is None:
        return "—"
    seconds = max(0, int(value.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes} min"
    if days < 1:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def query_string(values: Mapping[str, Any]) -> str:
    """`?a=1&b=2` of the non-empty values, or an empty string."""
    pairs = {name: value for name, value in values.items() if value not in (None, "")}
    return "?" + urlencode(pairs) if pairs else ""


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


def totals_match(totals: Mapping[str, Any]) -> bool | None:
    """A stored totals check's `matches`, never True where a figure differs from our gross by a cent
    (a check stored when the tolerance still counted as a match)."""
    gross = totals.get("gross")
    for key in ("expected", "xentral"):
        if gross is not None and totals.get(key) is not None and Decimal(str(totals[key])) != Decimal(str(gross)):
            return False
    matches = totals.get("matches")
    return matches if isinstance(matches, bool) else None


FILTERS: dict[str, Callable[..., Any]] = {
    "utc": utc,
    "age": age,
    "pretty_json": pretty_json,
    "query_string": query_string,
    "yes_no": yes_no,
    "totals_match": totals_match,
}
