"""The pager on its own: where a list ends for each kind of paging, the cap, and one kind per request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from unified_order_api.xentral import XentralUnexpectedResponse
from unified_order_api.xentral.filters import Cursor, Page
from unified_order_api.xentral.paging import MAX_PAGES, paging_params, read_pages
from unified_order_api.xentral.wire import ListResponse, WireRef


def _answer(ids: Sequence[int], **extra: Any) -> ListResponse[WireRef]:
    return ListResponse[WireRef].model_validate(
        {"data": [{"id": str(i)} for i in ids], **({"extra": extra} if extra else {})}
    )


class Pages:
    """A numbered list of `total` items, answered page by page; records what was asked."""

    def __init__(self, total: int, *, count: bool = True) -> None:
        self.total = total
        self.count = count
        self.asked: list[Page] = []

    async def __call__(self, page: Page) -> ListResponse[WireRef]:
        self.asked.append(page)
        start = (page.number - 1) * page.size
        ids = range(start + 1, min(start + page.size, self.total) + 1)
        return _answer(ids, totalCount=self.total) if self.count else _answer(ids)


class Cursors:
    """Answers with the queued pages in turn, each `(ids, next_cursor)`; records the cursors asked."""

    def __init__(self, *pages: tuple[Sequence[int], Any]) -> None:
        self.pages = list(pages)
        self.asked: list[Cursor] = []

    async def __call__(self, cursor: Cursor) -> ListResponse[WireRef]:
        self.asked.append(cursor)
        ids, next_cursor = self.pages.pop(0)
        return _answer(ids, totalCount=None, cursor={"nextCursor": next_cursor, "size": cursor.size})


def _ids(items: Sequence[WireRef]) -> list[int]:
    return [int(item.id) for item in items]


# --- by page number --------------------------------------------------------------------------


@pytest.mark.parametrize(("total", "calls"), [(0, 1), (9, 1), (10, 1), (11, 2), (25, 3)])
async def test_a_numbered_list_ends_at_its_total_count(total: int, calls: int) -> None:
    """A full last page (10 of 10) needs no empty page after it: the count says the list is read."""
    pages = Pages(total)
    items = await read_pages(pages, Page(1, 10), "list_products")
    assert _ids(items) == list(range(1, total + 1))
    assert [page.number for page in pages.asked] == list(range(1, calls + 1))
    assert {page.size for page in pages.asked} == {10}


@pytest.mark.parametrize(("total", "calls"), [(0, 1), (9, 1), (10, 2), (11, 2), (20, 3)])
async def test_a_numbered_list_without_a_count_ends_at_a_short_page(total: int, calls: int) -> None:
    pages = Pages(total, count=False)
    items = await read_pages(pages, Page(1, 10), "list_products")
    assert _ids(items) == list(range(1, total + 1))
    assert len(pages.asked) == calls


async def test_a_numbered_list_starts_where_it_is_told() -> None:
    pages = Pages(25)
    items = await read_pages(pages, Page(2, 10), "list_products")
    assert _ids(items) == list(range(11, 26))
    assert [page.number for page in pages.asked] == [2, 3]


# --- by cursor -------------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["", None])
async def test_a_cursor_list_ends_without_a_next_cursor(end: str | None) -> None:
    cursors = Cursors(([1, 2], "Mg=="), ([3, 4], "NA=="), ([5], end))
    items = await read_pages(cursors, Cursor(size=2), "list_customers")
    assert _ids(items) == [1, 2, 3, 4, 5]
    assert [(c.size, c.next_cursor) for c in cursors.asked] == [(2, None), (2, "Mg=="), (2, "NA==")]


async def test_a_cursor_list_ends_when_the_cursor_is_missing() -> None:
    async def answer(cursor: Cursor) -> ListResponse[WireRef]:
        return _answer([1], totalCount=1)  # no `cursor` in `extra` at all

    assert _ids(await read_pages(answer, Cursor(size=10), "list_customers")) == [1]


async def test_a_cursor_list_ends_at_an_empty_page_even_with_a_next_cursor() -> None:
    cursors = Cursors(([1, 2], "Mg=="), ([], "NA=="))
    items = await read_pages(cursors, Cursor(size=2), "list_customers")
    assert _ids(items) == [1, 2]
    assert len(cursors.asked) == 2


async def test_a_short_cursor_page_with_a_next_cursor_is_followed() -> None:
    """The cursor, not the page's length, says where a cursor list ends."""
    cursors = Cursors(([1], "MQ=="), ([2], ""))
    assert _ids(await read_pages(cursors, Cursor(size=10), "list_customers")) == [1, 2]


# --- the cap and the check -------------------------------------------------------------------


async def test_a_list_longer_than_the_cap_answers_nothing() -> None:
    """A server that keeps answering full pages is read `MAX_PAGES` times, then refused as a whole."""
    pages = Pages(10_000)
    with pytest.raises(XentralUnexpectedResponse) as caught:
        await read_pages(pages, Page(1, 50), "list_shipping_methods")
    assert len(pages.asked) == MAX_PAGES
    assert caught.value.operation == "list_shipping_methods"
    assert f"after {MAX_PAGES} pages" in str(caught.value)


async def test_a_cursor_that_never_ends_is_capped_too() -> None:
    cursors = Cursors(*[([n], f"c{n}") for n in range(MAX_PAGES + 5)])
    with pytest.raises(XentralUnexpectedResponse):
        await read_pages(cursors, Cursor(size=1), "list_customers")
    assert len(cursors.asked) == MAX_PAGES


async def test_a_list_exactly_as_long_as_the_cap_is_read_whole() -> None:
    pages = Pages(MAX_PAGES * 10)
    items = await read_pages(pages, Page(1, 10), "list_products")
    assert len(items) == MAX_PAGES * 10
    assert len(pages.asked) == MAX_PAGES


async def test_a_page_the_check_refuses_stops_the_read() -> None:
    class Refused(Exception):
        pass

    seen: list[list[int]] = []

    def check(items: Sequence[WireRef]) -> None:
        seen.append(_ids(items))
        if any(int(item.id) > 10 for item in items):
            raise Refused

    pages = Pages(30)
    with pytest.raises(Refused):
        await read_pages(pages, Page(1, 10), "list_products", check=check)
    assert seen == [list(range(1, 11)), list(range(11, 21))]
    assert len(pages.asked) == 2


# --- one kind of paging per request ----------------------------------------------------------


def test_page_and_cursor_together_are_refused() -> None:
    """The 2026 customers list takes `page` or `cursor` and throws on both: we never send both."""
    with pytest.raises(ValueError, match="never both"):
        paging_params(page=Page(1, 10), cursor=Cursor(10))


def test_a_request_names_its_page() -> None:
    with pytest.raises(ValueError, match="names its page"):
        paging_params()


def test_each_kind_has_its_own_parameters() -> None:
    assert paging_params(page=Page(2, 50)) == [("page[number]", "2"), ("page[size]", "50")]
    assert paging_params(cursor=Cursor(10)) == [("cursor[size]", "10")]
    assert paging_params(cursor=Cursor(10, "MTA=")) == [("cursor[size]", "10"), ("cursor[nextCursor]", "MTA=")]
