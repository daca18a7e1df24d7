"""A seed file of your own: products, customers, methods and projects added to (or replacing) the packaged seed.

`unified-order-api sandbox --seed FILE` / `demo --seed FILE` read a JSON object with any of the
packaged seed's collections (`products`, `customers`, `shippingMethods`, `paymentMethods`, `projects`,
`externalReferenceTargets`, `salesChannels`, `salesOrders`) and `numberRanges`. Records are in the form of
`seed.json`: Xentral's wire shape for the catalogue lists, the sandbox's flat record for customers (`type`,
`name`, `email`, `number`, `address` = the masterdata address, `addresses` = billing and delivery ones; the v2
shapes are rendered from it). A record with the id of a packaged one replaces it, one without an id
gets the next free id (customers also the next customer number). A product needs a `number`,
a customer a `name`; products default to project 1, the normal tax rate and their number as name.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

__all__ = ["COLLECTIONS", "SeedError", "merge_seed", "read_seed_file"]

COLLECTIONS = (
    "projects",
    "shippingMethods",
    "paymentMethods",
    "externalReferenceTargets",
    "salesChannels",
    "customers",
    "products",
    "salesOrders",
)
_REQUIRED = {"products": "number", "customers": "name", "shippingMethods": "type", "paymentMethods": "type"}


class SeedError(ValueError):
    """The seed file cannot be used; the message names the file's record."""


def read_seed_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise SeedError(f"{path}: not a readable JSON file ({error})") from None
    if not isinstance(data, dict):
        raise SeedError(f"{path}: the seed must be a JSON object with {', '.join(COLLECTIONS)}")
    return data


def merge_seed(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` with `extra`'s records added (or replacing those with the same id)."""
    unknown = set(extra) - set(COLLECTIONS) - {"numberRanges"}
    if unknown:
        raise SeedError(f"unknown seed keys: {', '.join(sorted(unknown))} (known: {', '.join(COLLECTIONS)})")
    merged = copy.deepcopy(base)
    ranges = merged.setdefault("numberRanges", {})
    if "numberRanges" in extra:
        if not isinstance(extra["numberRanges"], dict):
            raise SeedError("numberRanges must be an object of name → next number")
        ranges.update({name: int(value) for name, value in extra["numberRanges"].items()})
    for name in COLLECTIONS:
        records = extra.get(name)
        if records is None:
            continue
        if not isinstance(records, list):
            raise SeedError(f"{name} must be a list of records")
        current: dict[str, dict[str, Any]] = {str(r["id"]): r for r in merged.get(name, [])}
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise SeedError(f"{name}[{index}] must be an object")
            required = _REQUIRED.get(name)
            if required and not record.get(required):
                raise SeedError(f"{name}[{index}] needs a '{required}'")
            record = _with_defaults(name, dict(record), ranges)
            record["id"] = str(record.get("id") or max((int(k) for k in current if k.isdigit()), default=0) + 1)
            current[record["id"]] = record
        merged[name] = list(current.values())
    return merged


def _with_defaults(name: str, record: dict[str, Any], ranges: dict[str, Any]) -> dict[str, Any]:
    if name == "products":
        record.setdefault("name", record["number"])
        record.setdefault("project", "1")
        record.setdefault("salesTax", "standard")
    elif name == "customers" and not record.get("number"):
        number = int(ranges.get("customer", 10000))
        ranges["customer"] = number + 1
        record["number"] = str(number)
    return record
