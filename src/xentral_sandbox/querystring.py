"""PHP-style bracket query parsing, because Xentral (Laravel) reads `filter[0][value][]=A` that way."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def _split(name: str) -> tuple[str, list[str]] | None:
    head, bracket, rest = name.partition("[")
    if not bracket:
        return head, []
    rest = "[" + rest
    segments = _SEGMENT.findall(rest)
    if "".join(f"[{s}]" for s in segments) != rest:
        return None  # malformed brackets: PHP would keep the raw name; we ignore it
    return head, segments


def parse_nested(query: str) -> dict[str, Any]:
    """Turn `a[0][b]=1&a[0][c][]=x` into `{"a": {"0": {"b": "1", "c": ["x"]}}}`.

    `[]` appends to a list. Indexed keys stay dict keys (strings); `as_list` converts them where a list
    is expected.
    """
    root: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        parsed = _split(name)
        if parsed is None:
            continue
        head, segments = parsed
        keys: list[str] = [head, *segments]
        node: Any = root
        for index, key in enumerate(keys):
            last = index == len(keys) - 1
            if isinstance(node, list):
                if key != "":
                    break  # mixing [] and [n] on one level: drop, as the value cannot be placed
                if last:
                    node.append(value)
                else:
                    child: Any = [] if keys[index + 1] == "" else {}
                    node.append(child)
                    node = child
                continue
            if not isinstance(node, dict) or key == "":
                break
            if last:
                node[key] = value
            else:
                nxt = node.get(key)
                if not isinstance(nxt, (dict, list)):
                    nxt = [] if keys[index + 1] == "" else {}
                    node[key] = nxt
                node = nxt
    return root


def as_list(value: Any) -> list[Any] | None:
    """Read `[]` lists and `{"0": …, "1": …}` maps as lists; anything else is not a list."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and value and all(k.isdigit() for k in value):
        return [value[k] for k in sorted(value, key=int)]
    return None
