"""The `filter[n][key|op|value]` statements of Xentral list endpoints, parsed and applied.

See docs/xentral.md#lists-and-filters. Assumption (docs/xentral.md#matching-text): every text
comparison is case-insensitive, like MySQL's default `*_general_ci` collation Xentral runs on.
So `equals` on email, SKU or externalOrderNumber ignores case (not whitespace).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .problems import INVALID_CHOICE, MISSING, ProblemError, request_validation
from .querystring import as_list

Getter = Callable[[Mapping[str, Any]], Any]

ALL_OPS = frozenset(
    {
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
    }
)
ARRAY_OPS = frozenset({"in", "notIn", "exactlyIn", "allIn", "allNotIn"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class FilterSpec:
    """What one endpoint accepts. `keys` map to getters; `flags` are boolean switches like onlyActive."""

    keys: Mapping[str, Getter]
    ops: frozenset[str] = ALL_OPS
    flags: Mapping[str, Getter] = field(default_factory=dict)
    search: Getter | None = None
    allow_id_map: bool = False  # customers' second form: filter[id][]=1
    value_choices: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Statement:
    key: str
    op: str
    value: str | list[str]


def _bad(index: str, member: str, message: str) -> ProblemError:
    return request_validation({"filter": {index: {member: [message]}}})


def parse_filters(raw: Any, spec: FilterSpec) -> list[Statement]:
    """Validate the parsed `filter` query member; unknown keys, ops or value shapes give a 400."""
    if raw is None:
        return []
    if spec.allow_id_map and isinstance(raw, dict) and set(raw) == {"id"}:
        ids = as_list(raw["id"])
        if ids is None or not all(isinstance(i, str) for i in ids):
            raise request_validation({"filter": {"id": ["This value should be of type array."]}})
        return [Statement("id", "in", ids)]
    items = as_list(raw)
    if items is None:
        raise request_validation({"filter": ["This value should be of type array."]})
    statements: list[Statement] = []
    known = set(spec.keys) | set(spec.flags) | ({"search"} if spec.search else set())
    for position, item in enumerate(items):
        index = str(position)
        if not isinstance(item, dict):
            raise request_validation({"filter": {index: ["This value should be of type array."]}})
        extra = set(item) - {"key", "op", "value"}
        if extra:
            raise _bad(index, sorted(extra)[0], "This field was not expected.")
        key, op = item.get("key"), item.get("op")
        if key is None:
            raise _bad(index, "key", MISSING)
        if op is None:
            raise _bad(index, "op", MISSING)
        if key not in known:
            raise _bad(index, "key", INVALID_CHOICE)
        if op not in spec.ops:
            raise _bad(index, "op", INVALID_CHOICE)
        if "value" not in item:
            raise _bad(index, "value", MISSING)
        value = item["value"]
        listed = as_list(value)
        if op in ARRAY_OPS:
            if listed is None:
                if value == "" or isinstance(value, dict):
                    listed = []
                else:
                    raise _bad(index, "value", "This value should be of type array.")
            if not all(isinstance(v, str) for v in listed):
                raise _bad(index, "value", "This value should be of type string.")
            value = listed
        elif not isinstance(value, str):
            raise _bad(index, "value", "This value should be of type string.")
        choices = spec.value_choices.get(key)
        if choices is not None:
            given = value if isinstance(value, list) else [value]
            if any(v not in choices for v in given):
                raise _bad(index, "value", INVALID_CHOICE)
        statements.append(Statement(key, op, value))
    return statements


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).casefold()


def _as_values(raw: Any) -> list[str]:
    items: Iterable[Any] = raw if isinstance(raw, (list, tuple, set, frozenset)) else [raw]
    return [t for t in (_text(v) for v in items) if t is not None and t != ""]


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _compare(left: str, right: str) -> int:
    """Numbers compare numerically, dates and everything else as text (ISO dates sort as text)."""
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    if len(left) >= 10 and len(right) >= 10 and left[4:5] == "-" and right[4:5] == "-":
        left, right = left[:19], right[:19]
    return (left > right) - (left < right)


def _scalar_match(op: str, have: list[str], want: str) -> bool:
    if op == "equals":
        return want in have or (want == "" and not have)
    if op == "notEquals":
        return want not in have
    if op == "contains":
        return any(want in h for h in have)
    if op == "notContains":
        return not any(want in h for h in have)
    if op == "startsWith":
        return any(h.startswith(want) for h in have)
    if op == "endsWith":
        return any(h.endswith(want) for h in have)
    if op == "greaterThan":
        return any(_compare(h, want) > 0 for h in have)
    if op == "lessThan":
        return any(_compare(h, want) < 0 for h in have)
    if op == "greaterThanOrEquals":
        return any(_compare(h, want) >= 0 for h in have)
    if op == "lessThanOrEquals":
        return any(_compare(h, want) <= 0 for h in have)
    if op == "is":
        # Assumption: `is` tests presence or truth: "null"/"empty" → no value, "notNull" → a value,
        # "true"/"false" → truthiness, anything else behaves like equals.
        if want in {"null", "empty"}:
            return not have or have == ["0"]
        if want in {"notnull", "notempty"}:
            return bool(have) and have != ["0"]
        if want in {"true", "1"}:
            return bool(have) and have != ["0"]
        if want in {"false", "0"}:
            return not have or have == ["0"]
        return want in have
    raise AssertionError(op)


def _array_match(op: str, have: list[str], want: list[str]) -> bool:
    have_set, want_set = set(have), set(want)
    if op == "in":
        return bool(have_set & want_set)
    if op == "notIn":
        return not have_set & want_set
    if op == "exactlyIn":
        return have_set == want_set
    if op == "allIn":
        return want_set <= have_set
    if op == "allNotIn":
        return not have_set & want_set
    raise AssertionError(op)


def matches(record: Mapping[str, Any], statements: list[Statement], spec: FilterSpec) -> bool:
    """AND of all statements, as Xentral combines them."""
    for st in statements:
        if st.key in spec.flags:
            # Assumption (docs/xentral.md#products): a flag takes a truthy word ("1"/"true"); falsy = no restriction.
            raw = st.value if isinstance(st.value, str) else (st.value[0] if st.value else "")
            if raw.strip().casefold() in TRUE_WORDS and not spec.flags[st.key](record):
                return False
            continue
        if st.key == "search" and spec.search is not None and st.key not in spec.keys:
            # Assumption: search is a substring match over the endpoint's main text fields, whatever the op.
            needle = _text(st.value if isinstance(st.value, str) else " ".join(st.value)) or ""
            found = any(needle in h for h in _as_values(spec.search(record)))
            if found == (st.op in {"notEquals", "notContains", "notIn", "allNotIn"}):
                return False
            continue
        have = _as_values(spec.keys[st.key](record))
        if isinstance(st.value, list):
            if not _array_match(st.op, have, [_text(v) or "" for v in st.value]):
                return False
        elif not _scalar_match(st.op, have, _text(st.value) or ""):
            return False
    return True
