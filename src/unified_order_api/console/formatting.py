"""Template filters: times (in the operator's zone, UTC on hover), ages, JSON and values for people, problem
codes linked to what they mean, and page links that keep the current filters."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import jinja2
from markupsafe import Markup

from ..api.problem_catalogue import entry_for
from .masking import mask_request

__all__ = ["FILTERS", "human", "link_target", "query_string"]

REASON_CHARS = 90


def utc(value: dt.datetime | None, seconds: bool = True) -> str:
    if value is None:
        return "—"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def when(value: dt.datetime | None) -> Markup | str:
    """A time as a `<time>` element: UTC in the page (and on hover); `console.js` shows it in the
    browser's time zone, keeping UTC in the title."""
    if value is None:
        return "—"
    moment = value.astimezone(dt.UTC)
    text = moment.strftime("%Y-%m-%d %H:%M:%S") + " UTC"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(moment.isoformat(), text, text)


def shorten(value: str | None, limit: int = REASON_CHARS) -> str:
    """A reason cut to fit a table cell, on a word boundary, with an ellipsis."""
    if not value:
        return ""
    text = " ".join(str(value).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:") + "…"


@jinja2.pass_context
def problem_link(context: Any, code: str | None) -> Markup | str:
    """A problem code linked to its entry (`GET /problems/{code}`, as docs/errors.md) when it has one."""
    if not code:
        return ""
    if entry_for(code) is None:
        return Markup('<code class="problem-code">{}</code>').format(code)
    base = str(context.get("base", ""))
    root = base[: -len("/console")] if base.endswith("/console") else ""
    href = f"{root}/problems/{quote(code, safe='')}"
    return Markup('<a class="problem-code" href="{}" title="What it means and what to do"><code>{}</code></a>').format(
        href, code
    )


def pretty_body(text: str) -> str:
    """A kept body for reading: JSON indented, anything else as it is. The body was masked when it was kept
    (secrets, card data); URL credentials are masked here too, as in a stored request, since a kept shop body
    is replayed as it was kept."""
    try:
        return pretty_json(mask_request(json.loads(text)))
    except ValueError:
        return text


def without_nulls(value: Any) -> Any:
    """A stored request without its empty fields (the model's nulls), for reading."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None and item != []}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def human(value: Any) -> str:
    """A value as people write it: yes/no for booleans, amounts with their decimals, "—" for nothing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


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


def link_target(value: str | None) -> str | None:
    """A URL from outside (a carrier's tracking page) fit for an href: http or https with a host, else None
    (a `javascript:` or `data:` link is shown as text, never as a link; the page escapes what it shows)."""
    if not value:
        return None
    text = str(value).strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


FILTERS: dict[str, Callable[..., Any]] = {
    "utc": utc,
    "when": when,
    "shorten": shorten,
    "problem_link": problem_link,
    "pretty_body": pretty_body,
    "human": human,
    "without_nulls": without_nulls,
    "age": age,
    "pretty_json": pretty_json,
    "query_string": query_string,
    "yes_no": yes_no,
    "totals_match": totals_match,
    "link_target": link_target,
}
