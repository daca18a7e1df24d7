from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from tests.support.xentral_mock import Recorder
from unified_order_api.xentral import Cursor, Filter, Page, XentralClient
from unified_order_api.xentral.filters import cursor_params, filter_params, page_params


def test_single_value_statements_are_indexed() -> None:
    params = filter_params([Filter("email", "equals", "max@ex.de"), Filter("country", "notEquals", "DE")])
    assert params == [
        ("filter[0][key]", "email"),
        ("filter[0][op]", "equals"),
        ("filter[0][value]", "max@ex.de"),
        ("filter[1][key]", "country"),
        ("filter[1][op]", "notEquals"),
        ("filter[1][value]", "DE"),
    ]


def test_array_values_use_php_brackets() -> None:
    params = filter_params([Filter("number", "in", ["SKU-1", "SKU-2"])])
    assert params == [
        ("filter[0][key]", "number"),
        ("filter[0][op]", "in"),
        ("filter[0][value][]", "SKU-1"),
        ("filter[0][value][]", "SKU-2"),
    ]


def test_tuple_values_are_arrays_too() -> None:
    assert filter_params([Filter("id", "notIn", ("1",))])[-1] == ("filter[0][value][]", "1")


@pytest.mark.parametrize(
    ("op", "value"),
    [("in", "SKU-1"), ("equals", ["a"]), ("in", [])],
)
def test_value_must_fit_the_op(op: str, value: object) -> None:
    with pytest.raises(ValueError):
        Filter("number", op, value)  # type: ignore[arg-type]


def test_page_params_send_both_members() -> None:
    assert page_params(Page(2, 50)) == [("page[number]", "2"), ("page[size]", "50")]
    assert Page(1, 10).next() == Page(2, 10)


@pytest.mark.parametrize(("number", "size"), [(0, 10), (1, 0), (1, 51)])
def test_page_bounds(number: int, size: int) -> None:
    with pytest.raises(ValueError):
        Page(number, size)


def test_cursor_params() -> None:
    assert cursor_params(Cursor()) == [("cursor[size]", "10")]
    assert cursor_params(Cursor(10, "MTA=")) == [("cursor[size]", "10"), ("cursor[nextCursor]", "MTA=")]


async def test_values_are_url_encoded_on_the_wire(client: XentralClient, recorder: Recorder) -> None:
    await client.list_sales_orders([Filter("orderDate", "greaterThan", "2023-01-26T10:42:42+01:00")])
    raw_query = recorder.requests[0].url.query.decode()
    assert "2023-01-26T10%3A42%3A42%2B01%3A00" in raw_query
    assert parse_qsl(raw_query) == [
        ("filter[0][key]", "orderDate"),
        ("filter[0][op]", "greaterThan"),
        ("filter[0][value]", "2023-01-26T10:42:42+01:00"),
        ("page[number]", "1"),
        ("page[size]", "50"),
    ]


async def test_email_plus_sign_survives(client: XentralClient, recorder: Recorder) -> None:
    await client.list_customers([Filter("email", "equals", "max+shop@ex.de")])
    assert ("filter[0][value]", "max+shop@ex.de") in parse_qsl(recorder.requests[0].url.query.decode())
