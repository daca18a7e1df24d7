"""Internal records → the exact JSON shapes of the spec schemas (list item, view, minimal variant)."""

from __future__ import annotations

import uuid
from decimal import Decimal
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


def project_ref(state: SandboxState, project_id: str | None) -> dict[str, str] | None:
    project = state.projects.get(project_id or "")
    return {"id": project["id"], "name": project["name"]} if project else None


_DOCUMENTS = ("offer", "salesOrder", "invoice", "creditNote", "deliveryNote", "purchaseOrder", "dunning")


def _contact_details(c: Record, with_mobile: bool) -> dict[str, Any]:
    details = {"phone": c.get("phone"), "fax": c.get("fax"), "email": c.get("email"), "website": c.get("website")}
    if with_mobile:  # the list item's contactDetails has no mobile (closed schema); the view's has
        details["mobile"] = c.get("mobile")
    return details


def _ref(ident: Any) -> dict[str, str] | None:
    return {"id": str(ident)} if ident else None


def _customer_common(c: Record, with_mobile: bool) -> dict[str, Any]:
    """The members list item and view share (the spec requires them in both)."""
    common: dict[str, Any] = {
        "id": c["id"],
        "uuid": c.get("uuid") or str(uuid.uuid5(uuid.NAMESPACE_URL, f"xentral-sandbox/customer/{c['id']}")),
        "number": c.get("number", ""),
        "deviatingCustomerNumber": c.get("deviatingCustomerNumber") or "",
        "customerType": c.get("type", "person"),
        "name": c.get("name", ""),
        "firstname": c.get("firstname") or "",
        "lastname": c.get("lastname") or "",
        "title": c.get("title"),
        # Assumption: Xentral always holds a salutation (the schema's enum has no null): a company's is
        # "company", a person's without one "other".
        "salutation": c.get("salutation") or ("company" if c.get("type") == "company" else "other"),
        "department": c.get("department"),
        "subDepartment": c.get("subdivision"),
        "projects": [{"id": c["project"]}] if c.get("project") else [],
        "contactDetails": _contact_details(c, with_mobile),
        "accountManager": _ref(c.get("accountManager")),
        "salesManager": _ref(c.get("salesManager")),
        "isLead": bool(c.get("isLead", False)),
        "contactPerson": c.get("contactPerson"),
    }
    if c.get("birthday"):
        common["birthdate"] = c["birthday"]
    return common


def _document_delivery() -> dict[str, Any]:
    return {doc: {"email": None, "cc": None} for doc in _DOCUMENTS}


def customer_item_v2(c: Record) -> dict[str, Any]:
    """`GET /api/v2/customers` item: no address members (filters on them still work, customers.py)."""
    return _customer_common(c, with_mobile=False) | {"documentDelivery": _document_delivery()}


def customer_links(c: Record) -> dict[str, str]:
    """The view's `links`, beside its `data`."""
    base = f"/api/v2/customers/{c['id']}"
    return {"self": base, "contactPersons": f"{base}/contactPersons", "addresses": f"{base}/addresses"}


def customer_view_v2(state: SandboxState, c: Record) -> dict[str, Any]:
    """`GET /api/v2/customers/{id}`. Assumption: a customer without project belongs to the first project."""
    created = c.get("createdAt", UPDATED_AT)
    main_project = c.get("project") or next(iter(state.projects), "1")
    financials: dict[str, Any] = {"paymentMethod": _ref(c.get("paymentMethod"))}
    if c.get("vatNumber"):
        financials["tax"] = {"vatId": c["vatNumber"]}
    return _customer_common(c, with_mobile=True) | {
        "createdAt": created,
        "updatedAt": c.get("updatedAt", created),
        "salutationPhrase": c.get("salutationPhrase"),
        "mainProject": {"id": main_project},
        "groups": [],
        "documentDelivery": _document_delivery(),
        "financials": financials,
        "shipping": {
            "freeShipping": None,
            "freeShippingFrom": 0,
            "trackingMailBan": False,
            "deliveryBan": None,
            "deliveryBanDate": None,
            "deliveryBanReason": None,
        },
    }


def customer_address_v2(c: Record, a: Record) -> dict[str, Any]:
    """An address of `GET …/addresses`; the masterdata address carries the customer's name."""
    return {
        "id": a["id"],
        "type": a["type"],
        "name": a.get("name") or c.get("name", ""),
        "street": a.get("street") or "",
        "addressSupplement": a.get("addressSupplement"),
        "department": a.get("department"),
        "subDepartment": a.get("subDepartment"),
        "zip": a.get("zip") or "",
        "city": a.get("city") or "",
        "country": a.get("country") or "",
        "state": a.get("state") or "",
    }


def _money(amount: Any, currency: str = "EUR") -> dict[str, str] | None:
    return None if amount is None else {"amount": str(amount), "currency": currency}


def _product_common(state: SandboxState, p: Record) -> dict[str, Any]:
    project = project_ref(state, p.get("project")) or {"id": "1", "name": "Standard"}
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


_PRICES_AND_STOCK = ("purchasePriceNet", "purchasePriceGross", "salesPriceNet", "salesPriceGross", "stockStats")


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


# The v2 members `_product_common` (the v1 shape) already renders; the v2 item adds the rest.
_V2_COMMON_KEYS = (
    "id", "uuid", "project", "name", "stockCount", "number", "standardSupplier", "thumbnailUrl",
    "thumbnailId", "tags", "ean", "customsTariffNumber", "isShippingCostsProduct", "discount", "isDisabled",
    "disabledReason", "isStockItem", "salesTax", "unit", "freeFields",
)  # fmt: skip


def product_v2(state: SandboxState, p: Record, listed: bool) -> dict[str, Any]:
    """`GET /api/v2/products` item (`listed`, with prices and stock figures) or `/api/v2/products/{id}` view.

    `isShippingCostsProduct`, `isDeleted` and `isDisabled` are what a client checks its configured products
    with. Assumption: prices are in EUR, the seed's only currency.
    """
    common = _product_common(state, p)
    product = {k: common[k] for k in _V2_COMMON_KEYS} | {
        "merchandiseGroup": None,
        "description": p.get("description") or "",
        "internalComment": "",
        "shortDescription": p.get("description") or "",
        "manufacturer": {"name": None, "number": None, "link": None},
        "isCustomProduct": False,
        "isDeleted": bool(p.get("isDeleted", False)),
        "isMatrixProduct": False,
    }
    if listed:
        listed_item = product_item(state, p)
        product |= {k: listed_item[k] for k in _PRICES_AND_STOCK}
    return product


def product_minimal(p: Record) -> dict[str, Any]:
    """The spec's minimal example shows {id, name}; the SKU (`number`) is added, clients match on it."""
    return {"id": p["id"], "number": p.get("number", ""), "name": p.get("name", "")}


# The members of the 2026 view and list item; the internal order record holds a superset.
_VIEW_KEYS = (
    "id", "documentNumber", "externalOrderNumber", "transactionNumber", "customerOrderNumber", "externalOrderId",
    "salesChannel", "bodyIntroduction", "bodyOutroduction", "internalDesignation", "date", "earliestFulfillmentDate",
    "desiredDeliveryDate", "reservationDate", "editor", "status", "customer", "comment", "project", "language",
    "autoCreateDocuments", "log", "financials", "delivery", "tags", "positions", "createdAt", "updatedAt",
)  # fmt: skip
_LIST_KEYS = (
    "id", "documentNumber", "externalOrderNumber", "transactionNumber", "customerOrderNumber", "externalOrderId",
    "bodyOutroduction", "date", "desiredDeliveryDate", "earliestFulfillmentDate", "reservationDate",
    "desiredDeliveryDateAsCalendarWeek", "editor", "status", "customer", "comment", "project", "language", "log",
    "financials", "createdAt", "updatedAt",
)  # fmt: skip


def _amount(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def order_view(o: Record) -> dict[str, Any]:
    """The view: `total` and `netSales` are money objects `{amount: "737.80", currency}` since 2026."""
    view = {k: o[k] for k in _VIEW_KEYS if k in o}
    currency = o["financials"]["currency"]
    view["desiredDeliveryDateCw"] = o.get("desiredDeliveryDateAsCalendarWeek", False)
    view["netSales"] = {"amount": _amount(o["booked"]["net"]), "currency": currency}
    view["total"] = {"amount": _amount(o["booked"]["gross"]), "currency": currency}
    return view


def order_item(o: Record) -> dict[str, Any]:
    """The list item: numbers for `total`/`netSales`, the traffic lights, no positions, salesChannel,
    shippingMethod or deliveryTerms (docs/xentral.md#reading-an-order-back)."""
    item = {k: o[k] for k in _LIST_KEYS if k in o}
    item |= o["trafficLights"]
    item["netSales"] = o["netSales"]
    item["total"] = o["total"]
    item["delivery"] = {k: v for k, v in o["delivery"].items() if k not in {"shippingMethod", "deliveryTerms"}}
    log = dict(o.get("log", {}))
    if "createdBy" in log:
        log["createdBy"] = {k: v for k, v in log["createdBy"].items() if k != "email"}
    item["log"] = log
    return item


def order_minimal(o: Record) -> dict[str, Any]:
    return {"id": o["id"], "documentNumber": o["documentNumber"], "date": o["date"], "status": o["status"]}


def order_pdf(o: Record) -> bytes:
    """The view's `application/pdf` representation: a one-page PDF naming the order (no layout is modelled)."""
    text = f"Auftrag {o['documentNumber']}".encode("latin-1", "replace")
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
