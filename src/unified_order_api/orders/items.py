"""Turn the caller's SKUs into Xentral products in one lookup, and say what is wrong with each."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .commands import ItemRequest
from .errors import FieldProblem
from .model import Money, OrderLine, Product


def sku_key(sku: str) -> str:
    """SKUs are compared trimmed and case-folded.

    Assumption (docs/xentral.md#matching-text): whether Xentral's `number` filter ignores case is not
    documented; matching case-insensitively on our side never misses a product Xentral returned.
    """
    return sku.strip().casefold()


def resolve_items(
    items: Sequence[ItemRequest], products: Mapping[str, Product], currency: str
) -> tuple[list[OrderLine], list[FieldProblem]]:
    by_key = {sku_key(sku): product for sku, product in products.items()}
    lines: list[OrderLine] = []
    problems: list[FieldProblem] = []
    for index, item in enumerate(items):
        product = by_key.get(sku_key(item.sku))
        pointer = f"/items/{index}/sku"
        if product is None:
            problems.append(FieldProblem(pointer, "item_not_found", f"Item {item.sku} not found"))
            continue
        if product.is_locked:
            reason = f": {product.locked_reason}" if product.locked_reason else ""
            problems.append(FieldProblem(pointer, "item_not_sellable", f"Item {item.sku} is locked in Xentral{reason}"))
            continue
        price = Money(item.unit_price, currency) if item.unit_price is not None else None
        lines.append(
            OrderLine(
                product_id=product.id,
                sku=product.sku,
                quantity=item.quantity,
                unit_price=price,
                name=item.name,
                line_id=item.line_id,
            )
        )
    return lines, problems
