"""The console's ages: how long an unresolved order has waited, read at a glance."""

from __future__ import annotations

import datetime as dt

import pytest

from unified_order_api.console.formatting import FILTERS

age = FILTERS["age"]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0 s"), (59, "59 s"), (60, "1 min"), (3599, "59 min"), (3600, "1 h 0 min"), (3 * 86400 + 7300, "3 d 2 h")],
)
def test_an_age_is_shown_in_its_largest_units(seconds: int, shown: str) -> None:
    assert age(dt.timedelta(seconds=seconds)) == shown


def test_no_age_is_a_dash() -> None:
    assert age(None) == "—"
