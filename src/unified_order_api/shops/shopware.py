"""Shopware 6: an app webhook (`checkout.order.placed`, `state_enter.order…`) whose payload holds the order.

The body is Shopware's envelope `{"data": {"payload": {"order": …}, "event": …}, "source": {…, "eventId"},
"timestamp"}`; the order is the plain entity JSON. Money is JSON floats (read by their shortest repr),
prices as `taxStatus` says (gross, or net; tax-free is net at 0 %). Each line's tax is its
`price.calculatedTaxes`: the one calculated tax's rate and amount (the amount as Shopware rounded it),
else the rate of its first tax rule. A promotion, fee or shipping cost Shopware taxed at several rates
(its calculated taxes split its price by rate) becomes one line per rate, so the VAT per rate is the shop's.
Product lines become items, promotion lines (negative) discounts, other positive lines fees. The SKU
is the product number in the line's `payload`. Billing comes from `billingAddress` and shipping from
the first delivery's `shippingOrderAddress` (`addresses` is often not loaded).

Gift cards are payments, not discounts. Shopware itself has none: its `promotion` lines (and an
administrator's `credit`) reduce the order's value, taxed at the rates they reduce, and stay discounts.
Gift-card plugins redeem a card as a line item of their own type with a negative price and no tax (the
redemption of a multi-purpose voucher is a payment, outside VAT), so `amountTotal` is what is still
due. Such a line (negative, of a type that is none of Shopware's, no tax calculated and no rate in its
tax rules) is sent as `redeemed` (its `payload.code`, where the plugin keeps it), and the order's full
value, `amountTotal` plus the cards, as `expected_total` (docs/shops.md, assumed).

Each rate's tax is the order's own (`price.calculatedTaxes`): where Shopware calculates tax on the
total of each rate ("vertical" tax calculation) rather than per line, the lines' taxes are settled
onto it (`native.settle_taxes`). A total cash-rounded (`totalRounding`, e.g. to 0.05) carries its
rounding (`amountTotal` - `price.rawTotal`) as a 0 % "Cash rounding" fee or discount, so Xentral books
what the buyer pays.

Cancellations (`cancellation`): `state_enter.order.state.cancelled` (the webhook events reference: payload
`{"entity": "order"}`, needs `order:read`), or any event whose order's `stateMachineState` is `cancelled`;
it names the order by its id (`id`, kept as `external_order_id`).

Refunds (`refunds`): an order whose last transaction entered `refunded` or `refunded_partially`
(`state_enter.order_transaction.state.…`). Its refunds are the transaction's captures' completed
`refunds[]` (the capture-refund entity: id, amount, reason, positions) where the payload loads them;
else a `refunded` transaction is one refund of its whole amount, and a partial one without its
refunds says too little to record (no amount).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..orders.cancellations import RequestCancellation
from ..orders.errors import FieldProblem
from ..orders.refunds import RecordRefund, RefundedLine, ShopOrderKey
from . import native
from .connector import ShopConnector, ShopRules, Signature
from .native import Ignored, NativeOrderInvalid, ReportedRefunds, Translated

__all__ = [
    "CANCELLED_EVENT",
    "CONNECTOR",
    "arrival_id",
    "cancellation",
    "delivery_id",
    "order_of",
    "refunds",
    "signed_time",
    "translate",
]

CANCELLED_EVENT = "state_enter.order.state.cancelled"

REFUSED_PAYMENT = frozenset({"cancelled", "failed", "refunded"})
PAYMENT_STATUS = {
    "open": "pending",
    "in_progress": "pending",
    "unconfirmed": "pending",
    "reminded": "pending",
    "authorized": "authorized",
    "paid": "paid",
    "paid_partially": "partially_paid",
    "refunded_partially": "partially_refunded",
}
ORDER = "/data/payload/order"
# Shopware's own line item types (the constants of Checkout\Cart\LineItem\LineItem): a negative one reduces
# the order's value.
SHOPWARE_LINE_TYPES = frozenset({"product", "promotion", "credit", "discount", "custom", "container"})
ADDRESS = {
    "company": "company",
    "street": "street",
    "address_supplement": "additionalAddressLine1",
    "zip": "zipcode",
    "city": "city",
    "phone": "phoneNumber",
}


def arrival_id(headers: Mapping[str, str], envelope: Mapping[str, Any]) -> str | None:
    """`source.eventId` names the event; a retry of it carries the same id."""
    source = envelope.get("source")
    event_id = source.get("eventId") if isinstance(source, dict) else None
    return str(event_id) if event_id else None


def signed_time(envelope: Mapping[str, Any]) -> object:
    """Shopware signs the time it sent the call, `timestamp` in the body: an old one is a replay."""
    return envelope.get("timestamp")


def order_of(envelope: dict[str, Any]) -> dict[str, Any] | None:
    data = envelope.get("data")
    payload = data.get("payload") if isinstance(data, dict) else None
    order = payload.get("order") if isinstance(payload, dict) else None
    return order if isinstance(order, dict) else None


def delivery_id(envelope: dict[str, Any]) -> str | None:
    """The order's first delivery (the one its shipping address and method come from): where the
    write-back puts tracking codes and moves the delivery state."""
    order = order_of(envelope)
    deliveries = native.entries(order, "deliveries") if order is not None else []
    found = deliveries[0].get("id") if deliveries else None
    return str(found) if found else None


def translate(envelope: dict[str, Any], settings: ShopRules) -> Translated | Ignored:
    order = order_of(envelope)
    if order is None:
        event = envelope.get("data", {}).get("event") if isinstance(envelope.get("data"), dict) else None
        return Ignored(f"Shopware event '{event}' carries no order")
    state = _state(order)
    statuses = settings.statuses or []
    if state not in statuses:
        return Ignored(f"Shopware order state '{state}' is not imported (imported: {', '.join(statuses)})")
    transactions = native.entries(order, "transactions")
    payment_state = _state(transactions[-1]) if transactions else None
    if payment_state in REFUSED_PAYMENT:
        return Ignored(f"Shopware payment state '{payment_state}': not imported")
    wanted = settings.import_payment_states
    if wanted is not None and payment_state not in wanted:
        return Ignored(f"Shopware payment state '{payment_state}' is not imported (imported: {', '.join(wanted)})")

    problems: list[FieldProblem] = []
    origins: dict[str, str] = {
        "/reference": f"{ORDER}/orderNumber",
        "/customer": f"{ORDER}/billingAddress",
        "/customer/email": f"{ORDER}/orderCustomer/email",
        "/customer/zip": f"{ORDER}/billingAddress/zipcode",
        "/customer/country": f"{ORDER}/billingAddress/country/iso",
        "/shipping_address": f"{ORDER}/deliveries/0/shippingOrderAddress",
        "/shipping_address/zip": f"{ORDER}/deliveries/0/shippingOrderAddress/zipcode",
        "/shipping_address/country": f"{ORDER}/deliveries/0/shippingOrderAddress/country/iso",
        "/expected_total": f"{ORDER}/amountTotal",
    }
    items: list[dict[str, Any]] = []
    discounts: list[dict[str, Any]] = []
    fees: list[dict[str, Any]] = []
    redeemed: list[dict[str, str]] = []
    for index, line in enumerate(native.entries(order, "lineItems")):
        where = f"{ORDER}/lineItems/{index}"
        name = str(line.get("label") or "").strip() or None
        total = native.amount(line.get("totalPrice")) or Decimal(0)
        if (card := _redemption(line, total)) is not None:
            origins[f"/redeemed/{len(redeemed)}"] = where
            redeemed.append(card)
            continue
        if line.get("type", "product") != "product":
            target = discounts if total < 0 else fees
            for charge in _charges(name or str(line.get("type")), line, abs(total)):
                origins[f"/{'discounts' if total < 0 else 'fees'}/{len(target)}"] = where
                target.append({**charge, **native.line_id(line)})
            continue
        sku = native.first_sku({**(line.get("payload") or {}), **line}, settings.skus_from)
        if sku is None:
            problems.append(native.sku_missing(f"{where}/payload/productNumber", index, name, settings.skus_from))
        quantity, price = native.amount(line.get("quantity")), native.amount(line.get("unitPrice"))
        if total < 0 or (price is not None and price < 0):
            key, value = ("totalPrice", total) if total < 0 else ("unitPrice", price or total)
            problems.append(native.negative_line(f"{where}/{key}", f"Line {index + 1} ({name})", value))
        item: dict[str, Any] = {
            "sku": sku or "",
            "quantity": native.text(quantity),
            "price": native.text(price),
            **{key: value for key, value in _charges("", line, total)[0].items() if key.startswith("tax_")},
            "name": name,
            "line_id": str(line.get("id") or index),
        }
        origins[f"/items/{len(items)}"] = where
        origins[f"/items/{len(items)}/price"] = f"{where}/unitPrice"
        items.append(native.present(item))
    deliveries = native.entries(order, "deliveries")
    shipping_costs = order.get("shippingCosts") if isinstance(order.get("shippingCosts"), dict) else None
    shipping_value = native.amount(shipping_costs.get("totalPrice")) if shipping_costs is not None else None
    if shipping_value is not None and shipping_value < 0:
        problems.append(native.negative_line(f"{ORDER}/shippingCosts/totalPrice", "The shipping", shipping_value))
    if problems:
        raise NativeOrderInvalid(problems)

    costs: list[dict[str, Any]] = []
    if shipping_costs is not None:
        method = deliveries[0].get("shippingMethod") if deliveries else None
        name = (method.get("name") if isinstance(method, dict) else None) or "Shipping"
        value = shipping_value or Decimal(0)
        for charge in _charges(name, {"price": shipping_costs}, value):
            origins[f"/shipping_costs/{len(costs)}"] = f"{ORDER}/shippingCosts"
            costs.append({**charge, **(native.line_id(deliveries[0]) if deliveries else {})})
    if (charged := _charged_by_rate(order)) is not None:
        native.settle_taxes(charged, [*items, *costs, *fees], discounts)
    if rounding := _cash_rounding(order):
        target = fees if rounding > 0 else discounts
        origins[f"/{'fees' if rounding > 0 else 'discounts'}/{len(target)}"] = f"{ORDER}/price/rawTotal"
        target.append({"name": "Cash rounding", "amount": str(abs(rounding)), "tax_rate": "0", "tax_amount": "0.00"})
    tax_status = order.get("taxStatus") or (order.get("price") or {}).get("taxStatus")
    total_tax = _total_tax(order)
    body: dict[str, Any] = {
        "reference": str(order.get("orderNumber") or ""),
        "customer": _customer(order),
        "items": items,
        "prices": "gross" if tax_status == "gross" else "net",
        "currency": (order.get("currency") or {}).get("isoCode"),
        "shipping_costs": costs,
        "discounts": discounts,
        "fees": fees,
        "expected_total": _full_value(order, redeemed),
        "redeemed": redeemed or None,
        "external_order_id": str(order["id"]) if order.get("id") else None,
        "payment_status": PAYMENT_STATUS.get(payment_state or ""),
        "internal_note": f"Customer note: {order['customerComment']}" if order.get("customerComment") else None,
        "taxation": native.taxation_for(total_tax),
        "order_date": native.order_date(order.get("orderDateTime") or order.get("orderDate")),
    }
    if deliveries and (address := _address(deliveries[0].get("shippingOrderAddress"))) is not None:
        body["shipping_address"] = address
    if deliveries and (code := _method(deliveries[0], "shippingMethod")):
        body["shipping"] = code
    if transactions and (code := _method(transactions[-1], "paymentMethod")):
        body["payment"] = code
    return Translated(native.present(body), origins)


def refunds(topic: str | None, envelope: dict[str, Any]) -> ReportedRefunds | None:
    """The refunds of an order whose last transaction is refunded or partly refunded, or None."""
    order = order_of(envelope)
    transactions = native.entries(order, "transactions") if order is not None else []
    if order is None or not order.get("orderNumber") or not transactions:
        return None
    transaction = transactions[-1]
    state = _state(transaction)
    if state not in ("refunded", "refunded_partially"):
        return None
    key = ShopOrderKey(reference=str(order["orderNumber"]))
    currency = (order.get("currency") or {}).get("isoCode") if isinstance(order.get("currency"), dict) else None
    found = [
        RecordRefund(
            key,
            str(refund["id"]),
            value,
            "shopware",
            currency=currency,
            reason=str(refund.get("reason") or "").strip() or None,
            lines=tuple(_refunded_lines(refund)),
            refunded_at=native.timestamp(refund.get("createdAt")),
        )
        for capture in native.entries(transaction, "captures")
        for refund in native.entries(capture, "refunds")
        if refund.get("id") and _state(refund) in (None, "completed") and (value := _price(refund.get("amount")))
    ]
    if not found and state == "refunded" and (value := _price(transaction.get("amount"))):
        refund_id = f"{transaction.get('id') or order.get('id')}:refunded"
        found.append(RecordRefund(key, refund_id, value, "shopware", currency=currency))
    return ReportedRefunds(key, tuple(found)) if found else None


def cancellation(topic: str | None, envelope: dict[str, Any]) -> RequestCancellation | None:
    """The order of a `state_enter.order.state.cancelled` event (or of any event, once it is cancelled), or None."""
    order = order_of(envelope)
    data = envelope.get("data")
    event = data.get("event") if isinstance(data, dict) else None
    if order is None or not order.get("id") or (event != CANCELLED_EVENT and _state(order) != "cancelled"):
        return None
    timestamp = envelope.get("timestamp")
    at = dt.datetime.fromtimestamp(timestamp, dt.UTC) if isinstance(timestamp, int | float) else None
    return RequestCancellation(ShopOrderKey(external_order_id=str(order["id"])), "shopware", cancelled_at=at)


def _price(price: Any) -> Decimal | None:
    """A calculated price's `totalPrice` (positive), or None."""
    value = native.amount(price.get("totalPrice")) if isinstance(price, dict) else None
    return abs(value) if value else None


def _refunded_lines(refund: dict[str, Any]) -> list[RefundedLine]:
    return [
        RefundedLine(
            line_id=str(position.get("orderLineItemId") or "") or None,
            quantity=native.amount(position.get("quantity")),
            amount=_price(position.get("amount")),
        )
        for position in native.entries(refund, "positions")
    ]


def _redemption(line: dict[str, Any], total: Decimal) -> dict[str, str] | None:
    """A gift card a plugin redeemed as a line: negative, of no type Shopware reduces the order's value by,
    tax-neutral (no tax calculated, no rate in its tax rules); None for any other line."""
    if total >= 0 or line.get("type", "product") in SHOPWARE_LINE_TYPES:
        return None
    price = line.get("price") if isinstance(line.get("price"), dict) else {}
    assert isinstance(price, dict)
    taxes = [tax for tax in price.get("calculatedTaxes") or [] if isinstance(tax, dict)]
    rules = [rule for rule in price.get("taxRules") or [] if isinstance(rule, dict)]
    if any(native.amount(tax.get("tax")) for tax in taxes) or any(native.amount(r.get("taxRate")) for r in rules):
        return None
    card = {"kind": "gift_card", "amount": str(abs(total))}
    payload = line.get("payload") if isinstance(line.get("payload"), dict) else {}
    assert isinstance(payload, dict)
    if payload.get("code"):
        card["code"] = str(payload["code"])[:64]
    return card


def _full_value(order: dict[str, Any], redeemed: list[dict[str, str]]) -> str | None:
    """The order's full value: `amountTotal` is what is still due after the gift cards a plugin redeemed."""
    total = native.amount(order.get("amountTotal"))
    if total is None:
        return None
    full = total + sum((Decimal(card["amount"]) for card in redeemed), Decimal(0))
    # A float amount reads 79.0; a total is said to the cent (a currency with more decimals keeps them).
    return str(full.quantize(native.CENT) if full == full.quantize(native.CENT) else full)


def _method(entity: dict[str, Any], key: str) -> str | None:
    """A delivery's or transaction's method by its technical name, else by its id (`<key>Id`), to 64 characters."""
    method = entity.get(key)
    code = (method.get("technicalName") if isinstance(method, dict) else None) or entity.get(f"{key}Id")
    return str(code)[:64] if code else None


def _state(entity: dict[str, Any]) -> str | None:
    state = entity.get("stateMachineState")
    return str(state.get("technicalName")) if isinstance(state, dict) and state.get("technicalName") else None


def _charges(name: str, line: dict[str, Any], total: Decimal) -> list[dict[str, Any]]:
    """The line as our request's charges: one per calculated tax, each with its rate and amount; one
    by its tax rule's rate where Shopware calculated none. (For an item, its tax fields: the first.)"""
    price = line.get("price") if isinstance(line.get("price"), dict) else {}
    assert isinstance(price, dict)
    found = price.get("calculatedTaxes")
    calculated = [tax for tax in found if isinstance(tax, dict)] if isinstance(found, list) else []
    rated = [
        (rate, native.amount(tax.get("price")), native.amount(tax.get("tax")))
        for tax in calculated
        if (rate := native.amount(tax.get("taxRate"))) is not None
    ]
    if len(rated) == 1 and rated[0][2] is not None:
        return [_charge(name, total, rated[0][0], abs(rated[0][2]))]
    if len(rated) > 1 and all(part is not None and tax is not None for _, part, tax in rated):
        return [
            _charge(f"{name} ({native.decimal_text(rate)} %)", abs(part), rate, abs(tax))
            for rate, part, tax in rated
            if part is not None and tax is not None
        ]
    return [{"name": name, "amount": str(total), "tax_rate": native.decimal_text(_rate(line))}]


def _charge(name: str, amount: Decimal, rate: Decimal, tax: Decimal) -> dict[str, Any]:
    """A charge with its stated tax where Shopware rounded it to the cent (per line); rounded on the
    total, its line taxes are not the amounts charged, and the rate alone goes."""
    charge = {"name": name, "amount": str(amount), "tax_rate": native.decimal_text(rate)}
    if tax == tax.quantize(native.CENT):
        charge["tax_amount"] = str(tax.quantize(native.CENT))
    return charge


def _rate(line: dict[str, Any]) -> Decimal:
    """The rate charged (the one calculated tax), else the rate of the first tax rule, else 0."""
    price = line.get("price") if isinstance(line.get("price"), dict) else {}
    assert isinstance(price, dict)
    calculated, rules = price.get("calculatedTaxes"), price.get("taxRules")
    for taxes in (calculated if isinstance(calculated, list) and len(calculated) == 1 else None, rules):
        if isinstance(taxes, list) and taxes and isinstance(taxes[0], dict):
            rate = native.amount(taxes[0].get("taxRate"))
            if rate is not None:
                return rate
    return Decimal(0)


def _charged_by_rate(order: dict[str, Any]) -> dict[Decimal, Decimal] | None:
    """The order's own tax per rate (`price.calculatedTaxes`), or None where it lists none. With the tax
    calculated "vertically" (on the total of each rate, not per line) it may differ by a cent or so from
    the lines' own taxes, which are rounded per line."""
    price = order.get("price") if isinstance(order.get("price"), dict) else {}
    assert isinstance(price, dict)
    found: dict[Decimal, Decimal] = {}
    for tax in price.get("calculatedTaxes") or []:
        rate = native.amount(tax.get("taxRate")) if isinstance(tax, dict) else None
        amount = native.amount(tax.get("tax")) if isinstance(tax, dict) else None
        if rate is None or amount is None:
            return None
        found[rate] = found.get(rate, Decimal(0)) + amount
    return found or None


def _cash_rounding(order: dict[str, Any]) -> Decimal:
    """What the total's cash rounding (`totalRounding`, e.g. to 0.05) added to the order's raw total
    (`price.rawTotal`): `amountTotal` is what the buyer pays; 0 where nothing was rounded."""
    price = order.get("price") if isinstance(order.get("price"), dict) else {}
    assert isinstance(price, dict)
    raw, total = native.amount(price.get("rawTotal")), native.amount(order.get("amountTotal"))
    rounding = order.get("totalRounding") if isinstance(order.get("totalRounding"), dict) else {}
    assert isinstance(rounding, dict)
    interval = native.amount(rounding.get("interval"))
    if raw is None or total is None or interval is None or interval <= native.CENT:
        return Decimal(0)
    difference = total - raw
    return difference if abs(difference) < interval else Decimal(0)


def _total_tax(order: dict[str, Any]) -> Decimal:
    price = order.get("price") if isinstance(order.get("price"), dict) else {}
    assert isinstance(price, dict)
    found = price.get("calculatedTaxes")
    taxes: list[Any] = found if isinstance(found, list) else []
    total = sum((native.amount(tax.get("tax")) or Decimal(0) for tax in taxes if isinstance(tax, dict)), Decimal(0))
    if total:
        return total
    # Some orders carry their taxes only on the lines.
    for line in native.entries(order, "lineItems"):
        line_price = line.get("price")
        line_taxes = line_price.get("calculatedTaxes") if isinstance(line_price, dict) else None
        for tax in line_taxes if isinstance(line_taxes, list) else []:
            total += (native.amount(tax.get("tax")) if isinstance(tax, dict) else None) or Decimal(0)
    return total


def _country(address: dict[str, Any]) -> str | None:
    country = address.get("country")
    return str(country["iso"]) if isinstance(country, dict) and country.get("iso") else None


def _customer(order: dict[str, Any]) -> dict[str, Any]:
    billing = order.get("billingAddress") if isinstance(order.get("billingAddress"), dict) else {}
    buyer = order.get("orderCustomer") if isinstance(order.get("orderCustomer"), dict) else {}
    assert isinstance(billing, dict) and isinstance(buyer, dict)
    vat_ids = buyer.get("vatIds")
    address = native.address_fields(
        billing,
        ADDRESS,
        name=native.full_name(billing, "firstName", "lastName"),
        company=billing.get("company") or buyer.get("company"),
        country=_country(billing),
    )
    vat_id = billing.get("vatId") or (vat_ids[0] if isinstance(vat_ids, list) and vat_ids else None)
    return native.present({"email": buyer.get("email") or None, **address, "vat_id": vat_id})


def _address(part: Any) -> dict[str, Any] | None:
    if not isinstance(part, dict) or not part.get("street"):
        return None
    return native.address_fields(
        part, ADDRESS, name=native.full_name(part, "firstName", "lastName"), country=_country(part)
    )


CONNECTOR = ShopConnector(
    kind="shopware",
    title="Shopware 6",
    signature=Signature("shopware-shop-signature", "hex"),
    translate=translate,
    arrival_id=arrival_id,
    default_statuses=("open",),
    payment_states=True,
    sku_fields=("productNumber",),
    sku_fields_allowed=frozenset({"productNumber", "productId", "referencedId"}),
    signed_time=signed_time,
    refunds=refunds,
    cancellation=cancellation,
    delivery_id=delivery_id,
)
