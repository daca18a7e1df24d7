"""The order request's rules that span fields, written into its JSON schema for `/openapi.json`.

The request models check one field at a time; these rules are checked across fields (by
`schemas.cross_field_problems` at the edge, by the order flow for the rest), each refused with 422.
Written into the schema, a request the document calls valid is one the service accepts or refuses
for a reason the schema cannot know (an unknown SKU, an unmapped code: 422, documented):
- `shipping_cost` (the shorthand) and a non-empty `shipping_costs` together are refused
  (`shipping_cost_twice`, `orders/pricing.py`): a `not` says so;
- a customer without `customer_number` needs `email`, `street`, `zip`, `city` and `country`
  (`schemas.cross_field_problems`): an `anyOf` of the two ways;
- `shipping` and `payment` may be left out only where a default method is configured
  (`UOA_DEFAULTS__SHIPPING_METHOD_ID`, `..._PAYMENT_METHOD_ID`, globally or for a client; the order
  flow refuses them otherwise): without any default the field is required and not null. The
  document is made from the running service's settings, so it says what this deployment takes.
"""

from __future__ import annotations

from typing import Any, Literal

from ..config import Settings

__all__ = ["ADDRESS_FIELDS", "describe_order_rules", "has_default_method"]

ADDRESS_FIELDS = ("email", "street", "zip", "city", "country")
"""What a customer without a `customer_number` must carry (`schemas.cross_field_problems`)."""

_NOT_NULL = {"not": {"type": "null"}}


def has_default_method(settings: Settings, kind: Literal["shipping", "payment"]) -> bool:
    """Whether some order of this deployment may leave out `shipping` (or `payment`)."""
    field = f"{kind}_method_id"
    if getattr(settings.defaults, field) is not None:
        return True
    return any(
        client.defaults is not None and getattr(client.defaults, field) is not None for client in settings.clients
    )


def describe_order_rules(document: dict[str, Any], settings: Settings) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    order, customer = schemas.get("OrderRequest"), schemas.get("CustomerIn")
    if order is None or customer is None:
        return
    order["not"] = {
        "description": "`shipping_cost` and a non-empty `shipping_costs` together are refused (422 order_invalid, "
        "`shipping_cost_twice`): send one of them",
        "required": ["shipping_cost", "shipping_costs"],
        "properties": {"shipping_cost": _NOT_NULL, "shipping_costs": {"type": "array", "minItems": 1}},
    }
    for kind in ("shipping", "payment"):
        if not has_default_method(settings, kind):
            order["required"] = [*order.get("required", []), kind]
            field = order["properties"][kind]
            field["anyOf"] = [branch for branch in field.get("anyOf", []) if branch != {"type": "null"}]
            field["description"] += " This service has no default: required."
    customer["anyOf"] = [
        {
            "title": "A known customer",
            "required": ["customer_number"],
            "properties": {"customer_number": _NOT_NULL},
        },
        {
            "title": "A customer found by email or created",
            "required": list(ADDRESS_FIELDS),
            "properties": {name: _NOT_NULL for name in ADDRESS_FIELDS},
        },
    ]
