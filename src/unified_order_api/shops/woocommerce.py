"""WooCommerce: an `order.created` / `order.updated` webhook (the REST API v3 order JSON) → our order request.

WooCommerce's line, shipping, fee and coupon amounts are always without tax, with their tax beside
them (`total` / `total_tax`), whatever `prices_include_tax` says about how the shop displays prices;
so the order is sent net. The unit price is the line's `subtotal` (before coupons) per unit, and
coupons are sent as discounts: never folded into prices. Gift cards (WooCommerce Gift Cards'
`gift_cards[]`) are payments: sent as `redeemed`, and the order's full value (its `total`, which is
what is still due, plus the cards) as `expected_total`.

Each line's rate is the one the shop declares: its `taxes[]` name rate ids, and the order's
`tax_lines[]` give each id its `rate_percent` (REST API v3). Only where no rate is declared is it
derived, from the amounts before coupons (`subtotal_tax` of `subtotal`), so a line a fixed coupon
consumed (total 0.00) keeps its rate. The line's tax before coupons goes with it as `tax_amount`, and
a coupon's `discount_tax` with the coupon, to the cent. With "round tax at subtotal level" on,
WooCommerce rounds each rate's tax once on the order (`tax_lines[].tax_total`, `shipping_tax_total`)
while each line shows its own tax rounded apart; the lines' taxes are then settled onto the order's
per rate (`native.settle_taxes`), so the total and the VAT per rate are the shop's to the cent.

Cancellations (`cancellation`): an `order.updated` (or `order.created`) whose `status` is `cancelled`
names the order by its WooCommerce id (`id`, kept as the order's `external_order_id`); WooCommerce
gives no reason, and `date_modified_gmt` is when it was cancelled as near as it says.

Refunds (`refunds`): an order's JSON lists its refunds (`refunds[]`: id, reason, total as a negative
amount; their lines are not in it), each recorded on the order once by its id; an order whose status
became `refunded` without a listed refund is one refund of its whole value.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ..orders.cancellations import RequestCancellation
from ..orders.errors import FieldProblem
from ..orders.refunds import RecordRefund, ShopOrderKey
from ..orders.totals import cents
from . import native
from .arrivals import Arrival
from .connector import ShopConnector, ShopRules, Signature, Topics
from .native import Ignored, NativeOrderInvalid, ReportedRefunds, Translated

__all__ = ["CONNECTOR", "arrival_id", "cancellation", "is_ping", "refunds", "translate"]

VAT_ID_KEYS = ("_billing_vat_id", "billing_vat_id", "_vat_number", "vat_number", "_billing_vat", "vat_id")
UNIT_PRICE = Decimal("0.0001")
ADDRESS = {
    "company": "company",
    "street": "address_1",
    "address_supplement": "address_2",
    "zip": "postcode",
    "city": "city",
    "country": "country",
    "state": "state",
    "phone": "phone",
}


_PING = re.compile(rb"^webhook_id=\d+$")


def arrival_id(headers: Mapping[str, str], body: Mapping[str, Any]) -> str | None:
    """`X-WC-Webhook-ID` names the webhook, `X-WC-Webhook-Delivery-ID` this call of it."""
    webhook, delivery = headers.get("x-wc-webhook-id"), headers.get("x-wc-webhook-delivery-id")
    return f"{webhook}:{delivery}" if webhook and delivery else None


def is_ping(arrival: Arrival) -> bool:
    """WooCommerce saves a webhook only when this form-encoded, unsigned `webhook_id=<id>` gets a 2xx."""
    return arrival.content_type == "application/x-www-form-urlencoded" and _PING.match(arrival.body.strip()) is not None


def translate(order: dict[str, Any], settings: ShopRules) -> Translated | Ignored:
    status = str(order.get("status") or "")
    statuses = settings.statuses or []
    if status not in statuses:
        return Ignored(f"WooCommerce status '{status}' is not imported (imported: {', '.join(statuses)})")
    problems: list[FieldProblem] = []
    origins: dict[str, str] = {
        "/reference": "/number",
        "/customer": "/billing",
        "/customer/street": "/billing/address_1",
        "/customer/address_supplement": "/billing/address_2",
        "/customer/zip": "/billing/postcode",
        "/shipping_address": "/shipping",
        "/shipping_address/street": "/shipping/address_1",
        "/shipping_address/zip": "/shipping/postcode",
        "/expected_total": "/total",
    }
    items: list[dict[str, Any]] = []
    rates = _declared_rates(order)
    for index, line in enumerate(native.entries(order, "line_items")):
        where = f"/line_items/{index}"
        name = html.unescape(str(line.get("name") or "")).strip() or None
        sku = native.first_sku(line, settings.skus_from)
        if sku is None:
            problems.append(native.sku_missing(f"{where}/sku", index, name, settings.skus_from))
        quantity = native.amount(line.get("quantity"))
        subtotal = native.amount(line.get("subtotal"))
        total, tax = native.amount(line.get("total")), native.amount(line.get("total_tax")) or Decimal(0)
        for key, value in (("total", total), ("subtotal", subtotal)):
            if value is not None and value < 0:
                problems.append(native.negative_line(f"{where}/{key}", f"Line {index + 1} ({name})", value))
                break
        item: dict[str, Any] = {"sku": sku or "", "quantity": native.text(quantity)}
        if subtotal is not None and quantity:
            item["price"] = native.decimal_text((subtotal / quantity).quantize(UNIT_PRICE))
        subtotal_tax = native.amount(line.get("subtotal_tax"))
        if subtotal_tax is None or subtotal is None:
            subtotal_tax, subtotal = tax, total
        item.update(_tax(line, rates, subtotal_tax, subtotal or Decimal(0)))
        if name:
            item["name"] = name
        item["line_id"] = str(line.get("id", index))
        origins[f"/items/{len(items)}"] = where
        origins[f"/items/{len(items)}/price"] = f"{where}/subtotal"
        items.append(item)
    for index, line in enumerate(native.entries(order, "shipping_lines")):
        value = native.amount(line.get("total"))
        if value is not None and value < 0:
            problems.append(native.negative_line(f"/shipping_lines/{index}/total", f"Shipping {index + 1}", value))
    if problems:
        raise NativeOrderInvalid(problems)

    body: dict[str, Any] = {
        "reference": str(order.get("number") or order.get("id") or ""),
        "customer": _customer(order),
        "items": items,
        "prices": "net",
        "currency": order.get("currency"),
        "shipping_costs": _shipping_costs(order, rates, origins),
        "fees": [],
        "discounts": [],
        "expected_total": _full_value(order),
        "redeemed": _gift_cards(order),
        "external_order_id": str(order["id"]) if order.get("id") is not None else None,
        "payment_status": "paid" if order.get("date_paid") or order.get("date_paid_gmt") else "pending",
    }
    for index, fee in enumerate(native.entries(order, "fee_lines")):
        value, tax = native.amount(fee.get("total")) or Decimal(0), native.amount(fee.get("total_tax")) or Decimal(0)
        kind = "discounts" if value < 0 else "fees"  # a negative fee is a discount added by hand
        origins[f"/{kind}/{len(body[kind])}"] = f"/fee_lines/{index}"
        name = html.unescape(str(fee.get("name") or "")).strip() or "Fee"
        body[kind].append(
            {"name": name, "amount": str(abs(value)), **_tax(fee, rates, abs(tax), abs(value)), **native.line_id(fee)}
        )
    coupons = native.entries(order, "coupon_lines")
    by_rate = _coupons_by_rate(order, rates, coupons)
    for index, coupon in enumerate(coupons if by_rate is None else []):
        value, tax = (
            native.amount(coupon.get("discount")) or Decimal(0),
            native.amount(coupon.get("discount_tax")) or Decimal(0),
        )
        origins[f"/discounts/{len(body['discounts'])}"] = f"/coupon_lines/{index}"
        body["discounts"].append(
            {
                "name": str(coupon.get("code") or "Coupon"),
                "amount": str(value),
                **_tax({}, rates, tax, value),
                **native.line_id(coupon),
            }
        )
    for discount in by_rate or []:
        origins[f"/discounts/{len(body['discounts'])}"] = "/coupon_lines"
        body["discounts"].append(discount)
    if (charged := _charged_by_rate(order)) is not None:
        added = [*body["items"], *body["shipping_costs"], *body["fees"]]
        native.settle_taxes(charged, added, body["discounts"])
    shipping_address = _address(order.get("shipping"))
    if shipping_address is not None:
        body["shipping_address"] = shipping_address
    if (taxation := native.taxation_for(native.amount(order.get("total_tax")))) is not None:
        body["taxation"] = taxation
    shipping_lines = native.entries(order, "shipping_lines")
    if shipping_lines and shipping_lines[0].get("method_id"):
        body["shipping"] = str(shipping_lines[0]["method_id"])
    if order.get("payment_method"):
        body["payment"] = str(order["payment_method"])
    if order.get("transaction_id"):
        body["transaction_id"] = str(order["transaction_id"])
    if order.get("customer_note"):
        body["internal_note"] = f"Customer note: {order['customer_note']}"
    # `date_created` is the shop's local time without offset; its date is the order date.
    if created := native.order_date(order.get("date_created")):
        body["order_date"] = created
    return Translated(native.present(body), origins)


def refunds(topic: str | None, order: dict[str, Any]) -> ReportedRefunds | None:
    """The refunds an order's JSON lists (`refunds[]`), or its `refunded` status; None when it has none."""
    reference = str(order.get("number") or order.get("id") or "")
    if not reference or topic not in (None, "order.updated"):
        return None
    key, currency = ShopOrderKey(reference=reference), order.get("currency") or None
    found = []
    for refund in native.entries(order, "refunds"):
        value = native.amount(refund.get("total"))
        if refund.get("id") is None or not value:
            continue
        reason = str(refund.get("reason") or "").strip() or None
        found.append(RecordRefund(key, str(refund["id"]), abs(value), "woocommerce", currency, reason))
    full_value = native.amount(_full_value(order))
    if not found and order.get("status") == "refunded" and full_value:
        found.append(RecordRefund(key, f"{order.get('id')}:refunded", full_value, "woocommerce", currency))
    return ReportedRefunds(key, tuple(found)) if found else None


def cancellation(topic: str | None, order: dict[str, Any]) -> RequestCancellation | None:
    """An order whose status is `cancelled` (WooCommerce's `order.updated` when the merchant or the buyer
    cancels it), or None."""
    if topic not in (None, "order.updated", "order.created") or order.get("status") != "cancelled":
        return None
    if order.get("id") is None:
        return None
    modified = order.get("date_modified_gmt")
    return RequestCancellation(
        ShopOrderKey(external_order_id=str(order["id"])),
        "woocommerce",
        cancelled_at=native.timestamp(f"{modified}+00:00") if modified else None,
    )


def _shipping_costs(
    order: dict[str, Any], rates: Mapping[str, Decimal], origins: dict[str, str]
) -> list[dict[str, Any]]:
    lines = []
    for index, line in enumerate(native.entries(order, "shipping_lines")):
        value, tax = native.amount(line.get("total")) or Decimal(0), native.amount(line.get("total_tax")) or Decimal(0)
        origins[f"/shipping_costs/{index}"] = f"/shipping_lines/{index}"
        name = html.unescape(str(line.get("method_title") or "")).strip() or "Shipping"
        lines.append({"name": name, "amount": str(value), **_tax(line, rates, tax, value), **native.line_id(line)})
    return lines


def _gift_cards(order: dict[str, Any]) -> list[dict[str, str]]:
    """The gift cards redeemed on the order (WooCommerce Gift Cards adds `gift_cards[]`: code, amount)."""
    cards = []
    for card in native.entries(order, "gift_cards"):
        amount = native.amount(card.get("amount"))
        if amount:
            found = {"kind": "gift_card", "amount": str(amount)}
            if card.get("code"):
                found["code"] = str(card["code"])[:64]
            cards.append(found)
    return cards


def _full_value(order: dict[str, Any]) -> str | None:
    """The order's full value: WooCommerce Gift Cards takes the cards off `total`, what is still due."""
    total = native.amount(order.get("total"))
    if total is None:
        return None
    redeemed = sum((native.amount(card["amount"]) or Decimal(0) for card in _gift_cards(order)), Decimal(0))
    return str(total + redeemed) if redeemed else str(order.get("total"))


def _coupons_by_rate(
    order: dict[str, Any], rates: Mapping[str, Decimal], coupons: list[dict[str, Any]]
) -> list[dict[str, str]] | None:
    """The coupons as discounts at the rates of the lines they reduced, from what they took off each line
    (`subtotal` - `total`, and its tax) — when the lines declare their rates and account for the coupons
    to the cent; else None. A coupon over lines at 19 % and 7 % is two discounts, so the VAT per rate is
    the shop's. Each line's part is a difference of two rounded taxes, a cent off its rate at most; the
    parts of one rate go as one discount while their sum stays within that cent, else one per line."""
    if not coupons:
        return None
    parts: dict[Decimal, list[tuple[str, Decimal, Decimal]]] = {}
    for line in native.entries(order, "line_items"):
        ids = [str(entry.get("id")) for entry in native.entries(line, "taxes")]
        amounts = [native.amount(line.get(key)) for key in ("subtotal", "total", "subtotal_tax", "total_tax")]
        if not ids or any(rate_id not in rates for rate_id in ids) or any(a is None for a in amounts):
            return None
        subtotal, total, subtotal_tax, total_tax = (a or Decimal(0) for a in amounts)
        if subtotal != total or subtotal_tax != total_tax:
            rate = sum((rates[rate_id] for rate_id in ids), Decimal(0))
            label = html.unescape(str(line.get("name") or "")).strip() or str(line.get("id"))
            parts.setdefault(rate, []).append((label, subtotal - total, subtotal_tax - total_tax))
    discount = sum((native.amount(c.get("discount")) or Decimal(0) for c in coupons), Decimal(0))
    if sum((value for shares in parts.values() for _, value, _ in shares), Decimal(0)) != discount:
        return None
    name = "+".join(str(c.get("code") or "Coupon") for c in coupons)[:120]
    found = []
    for rate, shares in sorted(parts.items()):
        value = sum((share for _, share, _ in shares), Decimal(0))
        tax = sum((share_tax for _, _, share_tax in shares), Decimal(0))
        together = abs(cents(value * rate / 100) - tax) <= native.CENT
        rated = f"{name} ({native.decimal_text(rate)} %)" if len(parts) > 1 else name
        for label, share, share_tax in [(rated, value, tax)] if together else shares:
            found.append(
                {
                    "name": label if together else f"{name} ({label})"[:200],
                    "amount": str(share),
                    "tax_rate": native.decimal_text(rate),
                    "tax_amount": str(share_tax),
                }
            )
    return found


def _charged_by_rate(order: dict[str, Any]) -> dict[Decimal, Decimal] | None:
    """The tax the order charged per rate in percent: each `tax_lines[]` entry's `tax_total` and
    `shipping_tax_total`, rounded once per rate where "round tax at subtotal level" is on (the lines'
    own taxes, rounded apart, may add up to a cent or so else); None when an entry lacks them."""
    found: dict[Decimal, Decimal] = {}
    for line in native.entries(order, "tax_lines"):
        rate = native.amount(line.get("rate_percent"))
        tax, shipping = native.amount(line.get("tax_total")), native.amount(line.get("shipping_tax_total"))
        if rate is None or tax is None or line.get("compound"):
            return None
        found[rate.normalize()] = found.get(rate.normalize(), Decimal(0)) + tax + (shipping or Decimal(0))
    return found or None


def _declared_rates(order: dict[str, Any]) -> dict[str, Decimal]:
    """The order's rates by rate id, from `tax_lines[].rate_id` and `rate_percent` (where the shop sent it)."""
    found: dict[str, Decimal] = {}
    for line in native.entries(order, "tax_lines"):
        rate = native.amount(line.get("rate_percent"))
        if line.get("rate_id") is not None and rate is not None:
            found[str(line["rate_id"])] = rate
    return found


def _tax(line: dict[str, Any], rates: Mapping[str, Decimal], tax: Decimal, base: Decimal) -> dict[str, str]:
    """A line's `tax_rate` (declared by its `taxes[]` ids, else derived from `tax` of `base`) and its
    `tax_amount`, to the cent."""
    ids = [str(entry.get("id")) for entry in native.entries(line, "taxes")]
    declared = [rates[rate_id] for rate_id in ids if rate_id in rates]
    found: dict[str, str] = {}
    if ids and len(declared) == len(ids):
        found["tax_rate"] = native.decimal_text(sum(declared, Decimal(0)))
    elif base:  # a free line's zero tax says nothing of its rate: the product's applies
        found["tax_rate"] = native.decimal_text(native.charged_rate(tax, base))
    # Shown with more decimals (the REST API's `dp`), the tax is rounded here as WooCommerce rounds it.
    found["tax_amount"] = str(cents(tax))
    return found


def _name(part: dict[str, Any]) -> str:
    return native.full_name(part) or str(part.get("company") or "").strip()


def _customer(order: dict[str, Any]) -> dict[str, Any]:
    billing = order.get("billing") if isinstance(order.get("billing"), dict) else {}
    assert isinstance(billing, dict)
    address = native.address_fields(billing, ADDRESS, name=_name(billing))
    return native.present({"email": billing.get("email") or None, **address, "vat_id": _vat_id(order)})


def _vat_id(order: dict[str, Any]) -> str | None:
    """WooCommerce has no VAT id field; the common EU VAT plugins keep it in the order's meta data."""
    for meta in order.get("meta_data") or []:
        value = meta.get("value") if isinstance(meta, dict) and meta.get("key") in VAT_ID_KEYS else None
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _address(part: Any) -> dict[str, Any] | None:
    if not isinstance(part, dict) or not part.get("address_1"):
        return None
    return native.address_fields(part, ADDRESS, name=_name(part))


CONNECTOR = ShopConnector(
    kind="woocommerce",
    title="WooCommerce",
    signature=Signature("X-WC-Webhook-Signature", "base64"),
    translate=translate,
    arrival_id=arrival_id,
    default_statuses=("processing",),
    payment_states=False,
    sku_fields=("sku",),
    sku_fields_allowed=frozenset({"sku", "product_id", "variation_id"}),
    topics=Topics("x-wc-webhook-topic", frozenset({"order.created", "order.updated", "order.restored"})),
    ping=is_ping,
    refunds=refunds,
    cancellation=cancellation,
)
