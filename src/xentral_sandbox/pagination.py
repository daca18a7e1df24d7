"""Page- and cursor-based slicing of lists (docs/xentral.md#lists-and-filters)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, TypeVar

from .problems import MISSING, request_validation

T = TypeVar("T")

# docs/xentral.md#lists-and-filters: 50 is the maximum (assumed); default 10 when `page` is absent.
# Assumption (a contested reading, readings.py): a size above 50 is refused with a 400 rather than clamped, so
# client bugs surface; switched to "clamped" it is served as 50. A size below 1 is always refused.
MAX_SIZE = 50
DEFAULT_SIZE = 10


@dataclass(frozen=True)
class Page:
    number: int
    size: int

    def slice(self, items: list[T]) -> list[T]:
        start = (self.number - 1) * self.size
        return items[start : start + self.size]

    def extra(self, total: int) -> dict[str, Any]:
        return {"totalCount": total, "page": {"number": self.number, "size": self.size}}


def _int(raw: Any, member: str, field: str, minimum: int, maximum: int | None, clamp: bool = False) -> int:
    if not isinstance(raw, str) or not raw.isdigit():
        raise request_validation({member: {field: ["This value should be of type int."]}})
    value = int(raw)
    if clamp and maximum is not None:
        value = min(value, maximum)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"{minimum} or more"
        raise request_validation({member: {field: [f"This value should be {bound}."]}})
    return value


def parse_page(raw: Any, clamp: bool = False) -> Page:
    """`page[number]` and `page[size]`: both are required as soon as `page` is sent."""
    if raw is None:
        return Page(1, DEFAULT_SIZE)
    if not isinstance(raw, dict):
        raise request_validation({"page": ["This value should be of type array."]})
    for field in ("number", "size"):
        if field not in raw:
            raise request_validation({"page": {field: [MISSING]}})
    size = _int(raw["size"], "page", "size", 1, MAX_SIZE, clamp)
    return Page(_int(raw["number"], "page", "number", 1, None), size)


@dataclass(frozen=True)
class Cursor:
    """v2 customers only. The cursor is base64(str(offset)), like the spec examples "MTA=" (10), "NDI=" (42)."""

    offset: int
    size: int

    def slice(self, items: list[T]) -> list[T]:
        return items[self.offset : self.offset + self.size]

    def extra(self, total: int, past_end: bool = False) -> dict[str, Any]:
        # docs/xentral.md#lists-and-filters: the end marker is undocumented. The spec schema makes
        # `nextCursor` a required, non-nullable string, so omitting it or sending null would break
        # the schema. Assumption (a contested reading, readings.py): the last page carries
        # `"nextCursor": ""` (empty string); switched to "empty-page", a full last page carries a cursor
        # to one more, empty page, and only an incomplete page ends with "".
        end = self.offset + self.size
        more = end < total or (past_end and end == total)
        following = encode_cursor(end) if more else ""
        return {"totalCount": total, "cursor": {"nextCursor": following, "size": self.size}}


def encode_cursor(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def parse_cursor(raw: Any, clamp: bool = False) -> Cursor:
    if raw is None:
        return Cursor(0, DEFAULT_SIZE)
    if not isinstance(raw, dict):
        raise request_validation({"cursor": ["This value should be of type array."]})
    unknown = set(raw) - {"size", "nextCursor"}
    if unknown:
        raise request_validation({"cursor": {sorted(unknown)[0]: ["This field was not expected."]}})
    size = _int(raw["size"], "cursor", "size", 1, MAX_SIZE, clamp) if "size" in raw else DEFAULT_SIZE
    token = raw.get("nextCursor")
    if token in (None, ""):
        return Cursor(0, size)
    if not isinstance(token, str):
        raise request_validation({"cursor": {"nextCursor": ["This value is not valid."]}})
    try:
        decoded = base64.b64decode(token, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    if not decoded.isdigit():
        raise request_validation({"cursor": {"nextCursor": ["This value is not valid."]}})
    return Cursor(int(decoded), size)
