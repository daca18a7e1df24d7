"""The pager: a Xentral list read to its end, by one rule per kind of paging and under one cap.

Xentral pages its lists in two ways (docs/xentral.md#lists-and-filters): by page number
(`page[number]`, `page[size]`: products, sales orders, the mapping lists) and by cursor
(`cursor[size]`, `cursor[nextCursor]`: the customers list). The 2026 customers list
(`/api/v2/customers` in the Xentral 2026 spec) takes either, and throws when a request carries
both: so a request names exactly one of them (`paging_params`).

Where a list ends:
- by page number: at a page shorter than the size asked for, or once `extra.totalCount` items are
  read (when Xentral sends a count; without one, only a short page ends the list);
- by cursor: at an empty page, or at a page without a next cursor (the end marker is undocumented:
  an empty, null or missing `nextCursor` all mean "no more").

`MAX_PAGES` caps every read. A list longer than that is not read to its end, and a list cut short
is not trusted: a lookup would answer "not found" for an item on a page it never read, a mapping
list would miss an entry. So the read raises `XentralUnexpectedResponse` instead. The cap is also
what stops a server that ignores `page[number]` and answers the same full page forever.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, TypeVar, overload

from pydantic import BaseModel

from .errors import XentralUnexpectedResponse
from .filters import Cursor, Page, QueryParams, cursor_params, page_params
from .wire import ListResponse

__all__ = ["MAX_PAGES", "Paging", "following", "paging_params", "read_pages"]

# The lists we walk are small (mapping lists of dozens, lookups of a few matches per key): 20
# pages of 50 items is far beyond any real instance, and short enough that a runaway server costs
# 20 requests, not the minute's budget.
MAX_PAGES: Final = 20

Paging = TypeVar("Paging", Page, Cursor)
W = TypeVar("W", bound=BaseModel)  # a wire item


def paging_params(*, page: Page | None = None, cursor: Cursor | None = None) -> QueryParams:
    """The query parameters of one page, asked by page number or by cursor, never both."""
    if page is not None and cursor is not None:
        raise ValueError("a Xentral list is paged by `page` or by `cursor`, never both (Xentral throws)")
    if page is not None:
        return page_params(page)
    if cursor is not None:
        return cursor_params(cursor)
    raise ValueError("a Xentral list request names its page: `page` or `cursor`")


@overload
def following(paging: Page, answer: ListResponse[Any], read: int) -> Page | None: ...
@overload
def following(paging: Cursor, answer: ListResponse[Any], read: int) -> Cursor | None: ...
def following(paging: Page | Cursor, answer: ListResponse[Any], read: int) -> Page | Cursor | None:
    """The page after `answer` (the page asked by `paging`), or None where the list ends; `read`
    counts the items of every page so far, this one included."""
    extra = answer.extra
    if isinstance(paging, Page):
        total = extra.total_count if extra is not None else None
        if len(answer.data) < paging.size or (total is not None and read >= total):
            return None
        return paging.next()
    next_cursor = extra.cursor.next_cursor if extra is not None and extra.cursor is not None else None
    if not answer.data or not next_cursor:
        return None
    return Cursor(size=paging.size, next_cursor=next_cursor)


async def read_pages(
    fetch: Callable[[Paging], Awaitable[ListResponse[W]]],
    first: Paging,
    operation: str,
    *,
    check: Callable[[Sequence[W]], None] | None = None,
) -> list[W]:
    """Every item of a list, from `first` to its end, fetched one page at a time.

    `check` sees each page before its items count and raises to refuse the whole answer (e.g. a
    filter Xentral ignored); no further page is asked for then.
    """
    paging = first
    items: list[W] = []
    for _ in range(MAX_PAGES):
        answer = await fetch(paging)
        if check is not None:
            check(answer.data)
        items.extend(answer.data)
        after = following(paging, answer, len(items))
        if after is None:
            return items
        paging = after
    raise XentralUnexpectedResponse(
        200,
        None,
        operation,
        detail=f"the list goes on after {MAX_PAGES} pages ({len(items)} items); not trusting a partial list",
    )
