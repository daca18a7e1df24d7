"""`startup_errors.explain`: the words for each start-up mistake; anything else is left to show its traceback."""

from __future__ import annotations

import pytest

from unified_order_api.config import load_settings
from unified_order_api.startup_errors import explain


def test_broken_json_names_the_variable_line_column_and_a_trailing_comma(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UOA_SHIPPING_MAP", '{"dhl": "1",\n}')
    with pytest.raises(Exception) as raised:
        load_settings()
    text = explain(raised.value)
    assert text is not None
    assert text.startswith("UOA_SHIPPING_MAP is not valid JSON: ") and "line 2, column 1" in text
    assert "trailing comma" in text


def test_a_bug_is_not_explained_away() -> None:
    assert explain(KeyError("x")) is None
    assert explain(UnicodeEncodeError("ascii", "…", 0, 1, "no")) is None
