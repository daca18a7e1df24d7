"""Xentral list query parameters: filter statements, page and cursor (docs/xentral.md#lists-and-filters).

Xentral reads PHP-style bracket parameters: `filter[0][key]=number&filter[0][op]=in&
filter[0][value][]=A&filter[0][value][]=B&page[number]=1&page[size]=50`. Statements are
ANDed. httpx percent-encodes the brackets (`filter%5B0%5D…`); PHP and every other
bracket-aware server decode them before parsing, so the two spellings are equivalent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MAX_PAGE_SIZE",
    "Cursor",
    "Filter",
    "FilterOp",
    "Page",
    "QueryParams",
    "cursor_params",
    "filter_params",
    "page_params",
]

QueryParams = list[tuple[str, str]]

FilterOp = Literal[
    "equals",
    "notEquals",
    "in",
    "notIn",
    "exactlyIn",
    "allIn",
    "allNotIn",
    "contains",
    "notContains",
    "startsWith",
    "endsWith",
    "greaterThan",
    "lessThan",
    "greaterThanOrEquals",
    "lessThanOrEquals",
    "is",
]

# Ops whose `value` is a string array (docs/xentral.md#lists-and-filters); all others take one string.
_ARRAY_OPS = frozenset({"in", "notIn", "exactlyIn", "allIn", "allNotIn"})

# Assumption (docs/xentral.md#lists-and-filters): 50 is the real maximum page size; the spec only says "usually
# 10-50" and a third-party capture says max 50. What Xentral does above it is unknown, so
# we never ask for more.
MAX_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Filter:
    """One filter statement; `value` is a list for the array ops (`in`, `notIn`, …)."""

    key: str
    op: FilterOp
    value: str | Sequence[str]

    def __post_init__(self) -> None:
        is_array = not isinstance(self.value, str)
        if self.op in _ARRAY_OPS and not is_array:
            raise ValueError(f"filter op {self.op!r} takes a list of strings")
        if self.op not in _ARRAY_OPS and is_array:
            raise ValueError(f"filter op {self.op!r} takes a single string")
        if is_array and not self.value:
            # An empty array has no wire form (no `value` at all would be sent).
            raise ValueError(f"filter op {self.op!r} needs at least one value")


@dataclass(frozen=True, slots=True)
class Page:
    """Page-based paging (products, sales orders, methods, projects); numbers start at 1."""

    number: int = 1
    size: int = MAX_PAGE_SIZE

    def __post_init__(self) -> None:
        if self.number < 1:
            raise ValueError("page numbers start at 1")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValueError(f"page size must be 1..{MAX_PAGE_SIZE}")

    def next(self) -> Page:
        return Page(self.number + 1, self.size)


@dataclass(frozen=True, slots=True)
class Cursor:
    """Cursor paging (customers list only); `next_cursor` is opaque, None for the first page."""

    size: int = 10
    next_cursor: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValueError(f"cursor size must be 1..{MAX_PAGE_SIZE}")


def filter_params(filters: Iterable[Filter]) -> QueryParams:
    """`filter[i][key|op|value]` pairs; array values as repeated `filter[i][value][]`.

    Assumption (docs/xentral.md#lists-and-filters): Xentral reads the `[]` array form for v1, as its own
    laravel-api README uses; the indexed `[0]`,`[1]` form is not sent.
    """
    params: QueryParams = []
    for index, statement in enumerate(filters):
        prefix = f"filter[{index}]"
        params.append((f"{prefix}[key]", statement.key))
        params.append((f"{prefix}[op]", statement.op))
        if isinstance(statement.value, str):
            params.append((f"{prefix}[value]", statement.value))
        else:
            params.extend((f"{prefix}[value][]", item) for item in statement.value)
    return params


def page_params(page: Page) -> QueryParams:
    """Both members are always sent: when `page` is present the spec requires both."""
    return [("page[number]", str(page.number)), ("page[size]", str(page.size))]


def cursor_params(cursor: Cursor) -> QueryParams:
    params: QueryParams = [("cursor[size]", str(cursor.size))]
    if cursor.next_cursor:
        params.append(("cursor[nextCursor]", cursor.next_cursor))
    return params
