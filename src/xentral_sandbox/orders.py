"""Sales order import, list and view (docs/xentral.md#sales-order-import, docs/xentral.md#reading-an-order-back)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from starlette.responses import Response

from .context import RequestContext, created, json_response, paged, select
from .filters import FilterSpec
from .operations import MINIMAL, PDF
from .pricing import book_order, discount_violations, line_category, net_prices
from .problems import conflict, empty, put_violation, request_validation
from .representations import order_item, order_minimal, order_pdf, order_view
from .state import Record, SandboxState
from .trafficlights import TRAFFIC_LIGHTS, traffic_lights
from .validation import CURRENCIES, SalesOrderImport, strict_json_validate

STATUSES = frozenset({"created", "released", "canceled", "completed"})
CENT = Decimal("0.01")


def _not_found(kind: str, ident: str) -> str:
    return f"{kind} with id `{ident}` not found."


def _check_references(ctx: RequestContext, data: dict[str, Any]) -> dict[str, Any]:
    """Unknown ids become violations at the path where the id was sent."""
    state = ctx.state
    violations: dict[str, Any] = {}
    checks: list[tuple[tuple[str | int, ...], str, Mapping[str, Record], str]] = [
        (("customer", "id"), data["customer"]["id"], state.customers, "Customer"),
        (("project", "id"), data["project"]["id"], state.projects, "Project"),
        (
            ("financials", "paymentMethod", "id"),
            data["financials"]["paymentMethod"]["id"],
            state.payment_methods,
            "Payment method",
        ),
        (
            ("delivery", "shippingMethod", "id"),
            data["delivery"]["shippingMethod"]["id"],
            state.shipping_methods,
            "Shipping method",
        ),
    ]
    if data.get("salesChannel"):
        # Assumption: the import's salesChannel ids are those of `GET /api/v2/salesChannels`.
        checks.append((("salesChannel", "id"), data["salesChannel"]["id"], state.sales_channels, "Sales channel"))
    for path, ident, collection, kind in checks:
        if ident not in collection:
            put_violation(violations, path, _not_found(kind, ident))
    lines: list[tuple[str, str]] = [("positions", "product")]
    lines += [("delivery.shippingCosts", "shippingCostProduct"), ("discountPositions", "discountProduct")]
    for where, member in lines:
        container: Any = data
        for part in where.split("."):
            container = (container or {}).get(part)
        for index, line in enumerate(container or []):
            ident = line[member]["id"]
            path = (*where.split("."), index, member, "id")
            product = state.products.get(ident)
            if product is None:
                put_violation(violations, path, _not_found("Product", ident))
            elif product.get("isDisabled") and ctx.config.refuse_locked_products:
                put_violation(violations, path, f"Product with id `{ident}` is locked and cannot be ordered.")
    for index, line in enumerate(data["positions"]):
        if line["quantity"] <= 0:
            put_violation(violations, ("positions", index, "quantity"), "This value should be positive.")
        price = (line.get("price") or {}).get("amount")
        product = state.products.get(line["product"]["id"])
        if price is not None and _decimal(price) is None:
            put_violation(violations, ("positions", index, "price", "amount"), "This value is not valid.")
        elif price is None and product is not None and product.get("salesPriceGross") is None:
            # Assumed from a third-party hint (docs/xentral.md#prices-tax-and-totals): a position
            # without price takes the master price and fails when there is none.
            put_violation(violations, ("positions", index, "price"), "No price found for this product.")
    if not data["positions"]:
        put_violation(violations, ("positions",), "This collection should contain 1 element or more.")
    discount_violations(data, violations, state.readings)
    _check_2026_fields(data, violations)
    return violations


def _check_2026_fields(data: dict[str, Any], violations: dict[str, Any]) -> None:
    """The import members of the 2026 spec whose rules the schema alone cannot state."""
    delivery = data["delivery"]
    if delivery.get("storageCountry") is not None and delivery.get("preferredWarehouse") is not None:
        # The spec: "Only use preferredWarehouse OR storageCountry. You cannot use both at the same time."
        put_violation(violations, ("delivery", "storageCountry"), "Use either storageCountry or preferredWarehouse.")
    country = delivery.get("storageCountry")
    if country is not None and not (len(country) == 2 and country.isascii() and country.isupper()):
        # Assumption: an ISO 3166-1 alpha-2 code, like every country of the import.
        put_violation(violations, ("delivery", "storageCountry"), "This value is not a valid country.")
    if data["financials"]["currency"] not in CURRENCIES:
        # Assumption: `financials.currency` (a bare string in the schema) takes the money objects' currencies.
        put_violation(violations, ("financials", "currency"), "This value is not a valid currency.")
    fixed = data.get("setTotalAmount") or {}
    if fixed.get("isActive") and fixed.get("totalGrossAmountFromExternal") is None:
        # Assumption: an active setTotalAmount without the external total cannot be honoured and is refused.
        put_violation(violations, ("setTotalAmount", "totalGrossAmountFromExternal"), "This value should not be null.")
    if (fixed.get("maximumDifferenceToCalculatedSum") or 0) < 0:
        put_violation(
            violations, ("setTotalAmount", "maximumDifferenceToCalculatedSum"), "This value should be positive."
        )


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _clean(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop nulls and empty emails, which the response schema (non-nullable, format email) cannot carry."""
    if address is None:
        return None
    return {k: v for k, v in address.items() if v is not None and not (k == "email" and v == "")}


def _customer_address(customer: Record, shipping: bool) -> dict[str, Any]:
    """Addresses left out are filled from the customer (docs/xentral.md#sales-order-import).

    Assumption, as Xentral's customer screen has it: the billing address is the customer's billing address
    (the v2 `billingaddress`) when it has one, the shipping address its default delivery address (else its
    first one), and either falls back to the masterdata address under the customer's name.
    """
    kind, default_flag = ("deliveryaddress", "defaultDeliveryAddress") if shipping else ("billingaddress", "")
    own = [a for a in customer.get("addresses") or [] if a.get("type") == kind]
    chosen = next((a for a in own if default_flag and a.get(default_flag)), own[0] if own else None)
    addr = chosen or customer.get("address") or {}
    salutation = addr.get("salutation") if chosen else None
    result = {
        "type": salutation or ("company" if customer.get("type") == "company" else "other"),
        "name": (chosen or {}).get("name") or customer.get("name") or "",
        "street": addr.get("street") or "",
        "zipCode": addr.get("zip") or "",
        "city": addr.get("city") or "",
        "country": addr.get("country") or "",
    }
    email = addr.get("contact_email") if chosen else None
    if email or customer.get("email"):
        result["email"] = email or customer["email"]
    return result


def _revenue(money: tuple[Decimal, Decimal], quantity: Decimal, currency: str) -> dict[str, Any]:
    """The view's revenue figures of a position: its booked net and gross, per unit and in total.

    They show how Xentral read the position (net or gross price, the discount's scale), line by line.
    Assumption: the per-unit figures are the line's divided by its quantity, rounded half up.
    """
    net, gross = money
    per = quantity or Decimal(1)

    def amount(value: Decimal) -> dict[str, str]:
        return {"amount": str(value.quantize(CENT, rounding=ROUND_HALF_UP)), "currency": currency}

    return {
        "netRevenueSingle": amount(net / per),
        "netRevenueTotal": amount(net),
        "grossRevenueSingle": amount(gross / per),
        "grossRevenueTotal": amount(gross),
    }


def _build(state: SandboxState, data: dict[str, Any], order_id: str, number: str) -> Record:
    customer = state.customers[data["customer"]["id"]]
    project = state.projects[data["project"]["id"]]
    financials = dict(data["financials"])
    currency = financials["currency"]
    net_basis = net_prices(data, state.readings)
    booked = book_order(state, data, project)

    positions = []
    for sort, line in enumerate(data["positions"], start=1):
        product = state.products[line["product"]["id"]]
        price = line.get("price") or {}
        amount = _decimal(price.get("amount")) if price.get("amount") is not None else None
        if amount is None:
            master = product.get("salesPriceNet" if net_basis else "salesPriceGross")
            amount = Decimal(str(master if master is not None else 0))
        line_tax = line.get("tax") or {}
        rate = booked.rates[sort - 1]
        category = line_category(line_tax, product)
        # The discount as sent; how it is read (fraction or percent) is the instance's reading (pricing.py).
        discount = float(line.get("discount") or 0)
        positions.append(
            {
                "id": str(int(order_id) * 1000 + sort),
                "quantity": line["quantity"],
                "sort": sort,
                "hasChildren": False,
                "parent": None,
                "comment": line.get("comment") or "",
                "product": {
                    "id": product["id"],
                    "name": product.get("name", ""),
                    "number": product.get("number"),
                },
                "tax": {
                    "effectiveVatRate": rate,
                    "vatCategory": category,
                    "rate": line_tax.get("rate"),
                    "taxText": line_tax.get("taxText"),
                },
                "price": {
                    "amount": str(amount.quantize(CENT)),
                    "currency": price.get("currency") or currency,
                },
                "discount": discount,
                "webId": line.get("webId") or "",
                **_revenue(
                    booked.positions[sort - 1], Decimal(str(line["quantity"])), price.get("currency") or currency
                ),
            }
        )
    delivery = dict(data["delivery"])
    shipping_costs = []
    for line in delivery.get("shippingCosts") or []:
        product = state.products[line["shippingCostProduct"]["id"]]
        price = line.get("price") or {"amount": product.get("salesPriceGross") or "0", "currency": currency}
        cost = {k: v for k, v in line.items() if v is not None}
        cost["shippingCostProduct"] = {
            "id": product["id"],
            "name": product.get("name", ""),
            "number": product.get("number"),
        }
        cost["price"] = {k: v for k, v in price.items() if v is not None}
        shipping_costs.append(cost)

    billing = _clean(financials.get("billingAddress")) or _customer_address(customer, shipping=False)
    shipping = _clean(delivery.get("shippingAddress")) or _customer_address(customer, shipping=True)
    financials["billingAddress"] = billing
    for member in ("tax", "paymentTerms"):
        if financials.get(member) is not None:
            financials[member] = _clean(financials[member])
    financials = {k: v for k, v in financials.items() if v is not None}
    delivery_out: dict[str, Any] = {
        # setTotalAmount beyond its maximum difference switches auto-shipping off (pricing.py).
        "autoShipping": bool(delivery.get("autoShipping", False)) and not booked.auto_shipping_off,
        "fastLane": bool(delivery.get("fastLane", False)),
        "shippingCosts": shipping_costs,
        "storageCountry": delivery.get("storageCountry"),
        "preferredWarehouse": delivery.get("preferredWarehouse"),
        "shippingAddress": shipping,
        "shippingMethod": {"id": delivery["shippingMethod"]["id"]},
        "deliveryTerms": delivery.get("deliveryTerms"),
    }
    if shipping.get("email"):
        delivery_out["email"] = shipping["email"]
    channel = state.sales_channels.get((data.get("salesChannel") or {}).get("id", ""))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    order: Record = {
        "id": order_id,
        "documentNumber": number,
        "externalOrderNumber": data.get("externalOrderNumber") or "",
        "externalOrderId": data.get("externalOrderId") or "",
        "transactionNumber": data.get("transactionNumber") or "",
        "customerOrderNumber": data.get("customerOrderNumber") or "",
        "salesChannel": {"id": channel["id"], "name": channel["name"]} if channel else None,
        "bodyIntroduction": data.get("bodyIntroduction") or "",
        "bodyOutroduction": data.get("bodyOutroduction") or "",
        "internalDesignation": data.get("internalDesignation") or "",
        "date": data["date"],
        "earliestFulfillmentDate": data.get("desiredDeliveryDate"),
        "desiredDeliveryDate": data.get("desiredDeliveryDate"),
        "reservationDate": data.get("reservationDate"),
        "desiredDeliveryDateAsCalendarWeek": bool(data.get("desiredDeliveryDateAsCalendarWeek", False)),
        "editor": data.get("editor") or "api",
        "vatCheck": bool(data.get("vatCheck", False)),
        # The import releases the order at once and numbers it from the central number range
        # (docs/xentral.md#reading-an-order-back).
        "status": "released",
        # Booked per pricing.py: the list item's numbers (tests read them from the state), and the exact
        # amounts the view's money objects show (representations.py).
        "netSales": float(booked.net),
        "total": float(booked.gross),
        "booked": {"net": booked.net, "gross": booked.gross, "fromExternal": booked.external_total},
        "customer": {"id": customer["id"], "number": customer.get("number")},
        "comment": data.get("comment") or "",
        "project": {"id": project["id"]},
        "language": {"iso2": (data.get("language") or {}).get("iso2", "de")},
        "autoCreateDocuments": data.get("autoCreateDocuments") or "deliveryNote+invoice",
        "log": {"createdAt": now, "createdBy": {"id": "1", "name": data.get("editor") or "api"}},
        "createdAt": now,
        "updatedAt": now,
        "financials": financials,
        "delivery": delivery_out,
        "tags": [{"id": t["id"], "type": None} for t in data.get("tags") or [] if t.get("id")],
        "positions": positions,
    }
    order["trafficLights"] = traffic_lights(state, data, customer)
    return order


def import_sales_order(ctx: RequestContext) -> Response:
    data = strict_json_validate(SalesOrderImport, ctx.body)
    state = ctx.state
    with state.lock:
        violations = _check_references(ctx, data)
        external = data.get("externalOrderNumber")
        repeated = state.readings.repeated_reference
        taken = bool(external) and any(
            o["externalOrderNumber"].casefold() == (external or "").casefold() for o in state.sales_orders.values()
        )
        message = f"A sales order with external order number `{external}` already exists."
        if taken and repeated == "refused-400":
            put_violation(violations, ("externalOrderNumber",), message)
        if violations:
            raise request_validation(violations)
        if taken and repeated == "refused-409":
            raise conflict([message])
        order_id = state.next_id(state.sales_orders)
        number = state.take_number("salesOrder", 200001)
        state.sales_orders[order_id] = _build(state, data, order_id, number)
    _announce_import(state, order_id, data["project"]["id"])
    return created(ctx.location(f"/api/v1/salesOrders/{order_id}"))


def _announce_import(state: SandboxState, order_id: str, project_id: str) -> None:
    """The import creates and releases the order [DEV]: its three events, as the AsyncAPI shapes them
    (the thin payloads; integer ids). Emitted after the state lock is released."""
    now = datetime.now(UTC).isoformat()
    project = {"id": int(project_id)}
    state.events.emit("salesOrder.created", {"salesOrderId": int(order_id), "project": project, "createdAt": now})
    for name in ("salesOrder.imported", "salesOrder.released"):
        state.events.emit(name, {"salesOrderId": int(order_id), "project": project, "updatedAt": now})


def _billing(o: Mapping[str, Any], key: str) -> Any:
    return (o["financials"].get("billingAddress") or {}).get(key)


def _shipping(o: Mapping[str, Any], key: str) -> Any:
    return (o["delivery"].get("shippingAddress") or {}).get(key)


def _light(name: str) -> Any:
    return lambda o: o["trafficLights"][name]


_SPEC = FilterSpec(
    keys={
        "orderDate": lambda o: o["date"],
        "status": lambda o: o["status"],
        "documentNumber": lambda o: o["documentNumber"],
        "transactionNumber": lambda o: o["transactionNumber"],
        "externalOrderNumber": lambda o: o["externalOrderNumber"],
        "customerOrderNumber": lambda o: o["customerOrderNumber"],
        "externalOrderId": lambda o: o["externalOrderId"],
        "customerId": lambda o: o["customer"]["id"],
        "customerNumber": lambda o: o["customer"].get("number"),
        "email": lambda o: _billing(o, "email"),
        "zipCode": lambda o: _billing(o, "zipCode"),
        "shippingEmail": lambda o: _shipping(o, "email"),
        "shippingZip": lambda o: _shipping(o, "zipCode"),
        **{light: _light(light) for light in TRAFFIC_LIGHTS},
        "internalComment": lambda o: o["comment"],
        "shippingMethod": lambda o: o["delivery"]["shippingMethod"]["id"],
        "autoShipping": lambda o: o["delivery"]["autoShipping"],
        "fastLane": lambda o: o["delivery"]["fastLane"],
        "gln": lambda o: _billing(o, "gln"),
        "shippingGln": lambda o: _shipping(o, "gln"),
        "project": lambda o: o["project"]["id"],
        "paymentMethod": lambda o: o["financials"]["paymentMethod"]["id"],
        "country": lambda o: _billing(o, "country"),
        "phoneNumber": lambda o: _billing(o, "phoneNumber"),
        "shippingCountry": lambda o: _shipping(o, "country"),
        "desiredDeliveryDate": lambda o: o.get("desiredDeliveryDate"),
        "earliestFulfillmentDate": lambda o: o.get("earliestFulfillmentDate"),
        "createdAt": lambda o: o["createdAt"],
        "updatedAt": lambda o: o["updatedAt"],
    },
    ops=frozenset(
        {"greaterThan", "lessThan", "greaterThanOrEquals", "lessThanOrEquals", "equals", "notEquals", "in", "notIn"}
    ),
    value_choices={"status": STATUSES},
)
_ORDER_FIELDS = {"id": lambda o: int(o["id"]), "documentNumber": lambda o: o["documentNumber"]}


def list_sales_orders(ctx: RequestContext) -> Response:
    render = order_minimal if ctx.media_type == MINIMAL else order_item
    with ctx.state.lock:
        orders = list(ctx.state.sales_orders.values())
        items = select(ctx, orders, _SPEC, _ORDER_FIELDS)
        if ctx.misbehaves("wrong_read_back") and ctx.query.get("filter") is not None:
            items = _others_in_place_of(items, orders)
        return json_response(paged(ctx, items, render), ctx.media_type)


def _others_in_place_of(selected: list[Record], orders: list[Record]) -> list[Record]:
    """The `wrong_read_back` fault: for each selected order, one the filter excluded (none if none exist)."""
    chosen = {order["id"] for order in selected}
    others = [order for order in orders if order["id"] not in chosen]
    return [others[index % len(others)] for index in range(len(selected))] if others else []


def get_sales_order(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        order = ctx.state.sales_orders.get(ctx.path_params["id"])
        if order is not None and ctx.misbehaves("wrong_read_back"):
            others = _others_in_place_of([order], list(ctx.state.sales_orders.values()))
            order = others[0] if others else None
        if order is None:
            return empty(404)
        if ctx.media_type == PDF:
            return Response(order_pdf(order), media_type=PDF)
        data = order_minimal(order) if ctx.media_type == MINIMAL else order_view(order)
        return json_response({"data": data}, ctx.media_type)
