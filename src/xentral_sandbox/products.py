"""Product lists and views, v2 and the deprecated v1 (docs/xentral.md#products): SKU = `number`, locked = `isDisabled`.

Both versions take the same filters; v1's answers carry Deprecation and Sunset headers (front.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from .context import RequestContext, csv_response, json_response, paged, select
from .filters import FilterSpec
from .operations import CSV, MINIMAL, V2_BETA
from .problems import empty
from .representations import product_item, product_minimal, product_v2, product_v2_beta, product_view
from .state import Record

# Keys the sandbox models; the rest of the spec's 84 keys are accepted and match nothing-specific
# (they read as empty), so a client using them gets a well-formed answer instead of a 400.
_SPEC_ONLY_KEYS = (
    "merchandiseGroup",
    "standardSupplier",
    "shopPriceDisplay",
    "purchasedCount",
    "inProductionCount",
    "manufacturerName",
    "manufacturerNumber",
    "customsTariffNumber",
    "onlyPartsList",
    "noPartsList",
    "tagId",
    "externalReferenceNumber",
    "externalReferenceName",
    "externalReferenceTargetId",
    "salesChannel",
    "category",
    "categoryId",
    *(f"freeField{i}" for i in range(1, 41)),
)


def _money(field: str) -> Any:
    return lambda p: p.get(field)


def _spec(ctx: RequestContext) -> FilterSpec:
    projects = ctx.state.projects

    def project_name(p: Mapping[str, Any]) -> Any:
        project = projects.get(p.get("project") or "")
        return project["name"] if project else None

    keys: dict[str, Any] = {name: (lambda p: None) for name in _SPEC_ONLY_KEYS}
    keys |= {
        "id": lambda p: p["id"],
        "uuid": lambda p: p.get("uuid"),
        "name": lambda p: p.get("name"),
        # Assumption (docs/xentral.md#matching-text): SKU matching is case-insensitive like MySQL;
        # whitespace is not trimmed.
        "number": lambda p: p.get("number"),
        "ean": lambda p: p.get("ean"),
        "description": lambda p: p.get("description"),
        "project": lambda p: p.get("project"),
        "projectName": project_name,
        "purchasePriceNet": _money("purchasePriceNet"),
        "purchasePriceGross": _money("purchasePriceGross"),
        "salesPriceNet": _money("salesPriceNet"),
        "salesPriceGross": _money("salesPriceGross"),
        "availableCount": lambda p: p.get("stockCount", 0),
        "updatedAt": lambda p: p.get("updatedAt", "2024-12-01T08:00:00+00:00"),
        "isStockItem": lambda p: p.get("isStockItem", True),
        "isDiscountProduct": lambda p: p.get("isDiscountProduct", False),
        "isShippingCostsProduct": lambda p: p.get("isShippingCostsProduct", False),
        "isVariant": lambda p: False,
        "variantOf": lambda p: None,
    }
    flags = {
        "onlyActive": lambda p: not p.get("isDisabled", False),
        "onlyLocked": lambda p: bool(p.get("isDisabled", False)),
        "onlyInStock": lambda p: p.get("stockCount", 0) > 0,
        "onlyStockItems": lambda p: p.get("isStockItem", True),
        "noStockItems": lambda p: not p.get("isStockItem", True),
        "onlyVariants": lambda p: False,
        "noVariants": lambda p: True,
    }
    return FilterSpec(
        keys=keys,
        flags=flags,
        search=lambda p: [p.get("number"), p.get("name"), p.get("ean"), p.get("description")],
    )


_ORDER_FIELDS = {
    "id": lambda p: int(p["id"]),
    "name": lambda p: p.get("name"),
    "number": lambda p: p.get("number"),
    "description": lambda p: p.get("description"),
    "project": lambda p: p.get("project"),
    "purchasePriceNet": _money("purchasePriceNet"),
    "purchasePriceGross": _money("purchasePriceGross"),
    "salesPriceNet": _money("salesPriceNet"),
    "salesPriceGross": _money("salesPriceGross"),
    "ean": lambda p: p.get("ean"),
    "manufacturerName": lambda p: None,
    "manufacturerNumber": lambda p: None,
    "customsTariffNumber": lambda p: None,
}


def list_products(ctx: RequestContext) -> Response:
    state = ctx.state

    def render(p: Record) -> dict[str, Any]:
        if ctx.media_type == MINIMAL:
            return product_minimal(p)
        if ctx.media_type == V2_BETA:
            return product_v2_beta(state, p)
        return product_item(state, p)

    with state.lock:
        items = select(ctx, list(state.products.values()), _spec(ctx), _ORDER_FIELDS)
        payload = paged(ctx, items, render)
    if ctx.media_type == CSV:
        return csv_response(payload["data"], ("id", "number", "name", "ean", "isDisabled", "stockCount"))
    return json_response(payload, ctx.media_type)


def get_product(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        product = ctx.state.products.get(ctx.path_params["id"])
        if product is None:
            return empty(404)
        if ctx.media_type == MINIMAL:
            data = product_minimal(product)
        elif ctx.media_type == V2_BETA:
            data = product_v2_beta(ctx.state, product)
        else:
            data = product_view(ctx.state, product)
    return json_response({"data": data}, ctx.media_type)


def list_products_v2(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        items = select(ctx, list(ctx.state.products.values()), _spec(ctx), _ORDER_FIELDS)
        return json_response(paged(ctx, items, lambda p: product_v2(ctx.state, p, listed=True)))


def get_product_v2(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        product = ctx.state.products.get(ctx.path_params["id"])
        if product is None:
            return empty(404)
        data = product_minimal(product) if ctx.media_type == MINIMAL else product_v2(ctx.state, product, listed=False)
    return json_response({"data": data}, ctx.media_type)
