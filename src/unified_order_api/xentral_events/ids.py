"""Xentral's event payloads carry integer ids; its REST API and everything of ours use digit strings.

`rest_id` is the one conversion, applied where an event is read (`translation.py`), so nothing past
it ever sees an integer id. A value that is no non-negative integer (a bool, a float, a negative
number, text with other than digits) is refused rather than guessed.
"""

from __future__ import annotations

__all__ = ["NotAnId", "rest_id"]


class NotAnId(ValueError):
    """An id field of an event holds no id."""


def rest_id(value: object) -> str:
    """`4711` (or the digit string `"4711"`) → `"4711"`, the REST form; anything else is `NotAnId`."""
    if isinstance(value, bool):
        raise NotAnId("a boolean is no id")
    if isinstance(value, int):
        if value < 0:
            raise NotAnId("a negative number is no id")
        return str(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return str(int(value))  # "007" and 7 name the same record
    raise NotAnId(f"{type(value).__name__} is no id")
