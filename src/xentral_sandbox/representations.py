"""Internal records → the exact JSON shapes of the spec schemas (list item, view, minimal variant)."""

from __future__ import annotations

import uuid
from typing import Any

from .state import Record, SandboxState

EMPTY_ADDRESS: dict[str, Any] = {
    "street": "",
    "zip": "",
    "city": "",
    "state": None,
    "country": "",
    "note": "",
}
UPDATED_AT = "2024-12-01T08:00:00+00:00"


def _project_ref(state: SandboxState, project_id: str | None) -> dict[str, str] | None:
    project = state.projects.get(project_id or "")
    return {"id": project["id"], "name": project["name"]} if project else None


def customer_item(state: SandboxState, c: Record) -> dict[str, Any]:
    """List item: `general.number` and `general.customerNumber` both hold the number (docs/xentral.md#customers)."""
    general: dict[str, Any] = {
        "name": c.get("name", ""),
        "email": c.get("email") or "",
        "customerNumber": c.get("number", ""),
        "number": c.get("number", ""),
        "phone": c.get("phone"),
        "mobile": c.get("mobile"),
        "fax": c.get("fax"),
        "department": c.get("department") or "",
        "subdivision": c.get("subdivision") or "",
        "vatNumber": c.get("vatNumber") or "",
        "taxNumber": c.get("taxNumber"),
        "gln": c.get("gln") or "",
        "employeeNumber": "",
        "honorific": c.get("honorific") or "",
        "title": c.get("title") or "",
        "birthday": c.get("birthday"),
        "tags": [{"id": t["id"]} for t in c.get("tags", [])],
        "address": {**EMPTY_ADDRESS, **(c.get("address") or {})},
    }
    return {
        "id": c["id"],
        "type": c.get("type", "person"),
        "project": _project_ref(state, c.get("project")),
        "general": general,
        "tags": [{"id": t["id"]} for t in c.get("tags", [])],
        "freeFields": [],
    }


def customer_view(c: Record) -> dict[str, Any]:
    """The view has no email or contact fields (additionalProperties false in the spec)."""
    general: dict[str, Any] = {
        "honorific": c.get("honorific") or "",
        "name": c.get("name", ""),
        "address": {**EMPTY_ADDRESS, **(c.get("address") or {})},
    }
    if c.get("birthday"):  # the view's birthday is a non-nullable date: left out when unknown
        general["birthday"] = c["birthday"]
    return {
        "id": c["id"],
        "type": c.get("type", "person"),
        "number": c.get("number", ""),
        "general": general,
        "tags": [{"id": t["id"]} for t in c.get("tags", [])],
    }


def _money(amount: Any, currency: str = "EUR") -> dict[str, str] | None:
    return None if amount is None else {"amount": str(amount), "currency": currency}


def _product_common(state: SandboxState, p: Record) -> dict[str, Any]:
    project = _project_ref(state, p.get("project")) or {"id": "1", "name": "Standard"}
    return {
        "id": p["id"],
        "uuid": p.get("uuid") or str(uuid.uuid5(uuid.NAMESPACE_URL, f"xentral-sandbox/product/{p['id']}")),
        "project": project,
        "category": None,
        "standardSupplier": None,
        "name": p.get("name", ""),
        "ean": p.get("ean"),
        "stockCount": p.get("stockCount", 0),
        "number": p.get("number", ""),
        "thumbnailUrl": None,
        "thumbnailId": None,
        "customsTariffNumber": None,
        "countryOfOrigin": None,
        "tags": [],
        "shortDescription": p.get("description"),
        "internalComment": "",
        "minimumOrderQuantity": 0,
        "minimumStorageQuantity": 0,
        "hasBatches": False,
        "serialNumbersMode": "none",
        "hasBestBeforeDate": False,
        "allowPurchaseFromAllSuppliers": False,
        "isStockTakingDisabled": False,
        "ageRating": None,
        "hasBillOfMaterials": False,
        "isAssembledJustInTime": False,
        "hideJustInTimeItemsOnDocuments": False,
        "isProductionProduct": False,
        "isExternallyProduced": False,
        "hidePriceOnDocuments": False,
        "isDisabled": bool(p.get("isDisabled", False)),
        "disabledReason": p.get("disabledReason"),
        "unit": {"name": "Stück"},
        "measurements": {},
        "isStockItem": bool(p.get("isStockItem", True)),
        "salesTax": p.get("salesTax", "standard"),
        "shopPriceDisplay": None,
        "regionOfOrigin": "",
        "isShippingCostsProduct": bool(p.get("isShippingCostsProduct", False)),
        "discount": {"isDiscountProduct": bool(p.get("isDiscountProduct", False)), "discountPercentage": 0},
        "stockTaking": {"hasStockTakingValue": False, "stockTakingValue": 0},
        "calculatedPurchasePrice": {"hasCalculatedPurchasePrice": False},
        "options": [],
        "selectedOptions": [],
        "variants": [],
        "freeFields": [],
        "isVariant": False,
        "variantOf": None,
        "updatedAt": p.get("updatedAt", UPDATED_AT),
    }


def product_item(state: SandboxState, p: Record) -> dict[str, Any]:
    stock = p.get("stockCount", 0)
    return _product_common(state, p) | {
        "manufacturerName": None,
        "manufacturerNumber": None,
        "purchasePriceNet": _money(p.get("purchasePriceNet")),
        "purchasePriceGross": _money(p.get("purchasePriceGross")),
        "salesPriceNet": _money(p.get("salesPriceNet")),
        "salesPriceGross": _money(p.get("salesPriceGross")),
        "stockStats": {
            "purchasedCount": "0",
            "totalCount": str(stock),
            "availableCount": str(stock),
            "inProductionCount": "0",
        },
    }


def product_view(state: SandboxState, p: Record) -> dict[str, Any]:
    """No prices in the view (they live on /products/{id}/salesPrices, docs/xentral.md#products)."""
    return _product_common(state, p) | {
        "isMatrixProduct": False,
        "isCustomProduct": False,
        "markAsSoldOut": False,
        "markAsInactive": bool(p.get("isDisabled", False)),
        "isDeleted": False,
        "manufacturer": {"name": None, "number": None, "url": None},
        "isRemainingQuantity": False,
        "mainVariant": None,
    }


_V2_BETA_KEYS = (
    "id",
    "uuid",
    "project",
    "name",
    "ean",
    "stockCount",
    "number",
    "isDisabled",
    "disabledReason",
    "isStockItem",
    "salesTax",
    "isShippingCostsProduct",
    "isVariant",
    "variantOf",
    "updatedAt",
)


def product_v2_beta(state: SandboxState, p: Record) -> dict[str, Any]:
    """Assumption: the v2-beta variant is served as the subset of fields it shares with the default variant
    (its extra members, e.g. salesChannel/categories, are not modelled by the sandbox)."""
    common = _product_common(state, p)
    return {k: common[k] for k in _V2_BETA_KEYS}


def product_minimal(p: Record) -> dict[str, Any]:
    """The spec's minimal example shows {id, name}; the SKU (`number`) is added, clients match on it."""
    return {"id": p["id"], "number": p.get("number", ""), "name": p.get("name", "")}


_LIST_ONLY_DROPS = (
    "positions",
    "salesChannel",
    "internalDesignation",
    "bodyIntroduction",
    "earliestFulfillmentDate",
    "autoCreateDocuments",
    "tags",
)


def order_view(o: Record) -> dict[str, Any]:
    """The view schema has no netSales/total (only the list item carries them)."""
    return {k: v for k, v in o.items() if k not in {"netSales", "total"}}


def order_item(o: Record) -> dict[str, Any]:
    """The list item lacks positions, salesChannel, shippingMethod and deliveryTerms.

    See docs/xentral.md#reading-an-order-back.
    """
    item = {k: v for k, v in o.items() if k not in _LIST_ONLY_DROPS}
    item["delivery"] = {k: v for k, v in o["delivery"].items() if k not in {"shippingMethod", "deliveryTerms"}}
    log = dict(o.get("log", {}))
    if "createdBy" in log:
        log["createdBy"] = {k: v for k, v in log["createdBy"].items() if k != "email"}
    item["log"] = log
    return item


def order_minimal(o: Record) -> dict[str, Any]:
    return {"id": o["id"], "documentNumber": o["documentNumber"], "date": o["date"], "status": o["status"]}
