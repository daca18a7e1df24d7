"""Shopify: an `orders/create` (or `orders/updated`, `orders/paid`) webhook, the bare order JSON → our request.

Prices are as the shop shows them (`taxes_included`: gross, else net). A line's rate is its labelled
tax rate (the sum of its `tax_lines[].rate`) when that explains the tax charged — on the line after
its discounts (`discount_allocations`), where Shopify computes it, or before them — else the rate
actually charged (Shopify's own REST example labels 6 % and charges 2 %). A line without discounts
whose every tax line its label explains is sent with those `taxes`, each amount as Shopify rounded it
(a city and a state tax on one line are rounded apart: 0.11 + 0.41, not 0.53 of the summed rate).

All discounts go to the order level. Where the lines' `discount_allocations` account for
`total_discounts`, one discount per rate of the lines they reduced (a code over lines at 19 % and 7 %
is two), each with the tax it took off that rate; else the discount codes by name, whatever else
`total_discounts` holds as one "Discount" line. Their tax is what the lines' tax drops by through their discounts
(the rate of the discounted lines, when they share one: a 15 % code on a 7 % line is a 7 % discount),
plus what the lines' and shipping's tax exceed the order's tax by. Quantities are as ordered: refunds
are credit notes in Xentral, not a smaller order. Ids exceed 2^53, so they are read as Python ints
and kept as strings.

Gift cards are payments, not discounts: `total_price` is the order's full value whatever paid it, and
goes as `expected_total` unchanged. What the cards paid is read from the order's `transactions[]` where
the body carries them (an order read with its Transaction resource list): each successful `sale` or
`capture` through the `gift_card` gateway is one redeemed card, its code the receipt's
`gift_card_last_characters`. Without transactions, an order whose only gateway
(`payment_gateway_names`) is `gift_card` was paid by cards alone (its `total_price`); one paid by a card
and something else says nowhere how much the card paid, so the internal comment says it was partly
paid with a gift card and nothing is invented. The order's payment method is its first gateway that
is not `gift_card`.

Refunds come as `refunds/create`, the Refund resource: its money is its successful `refund`
transactions, its lines `refund_line_items[]`, its reason the `note`; it names the order by the
shop's id (`order_id`), which the order's import kept as `external_order_id`.

Cancellations come as `orders/cancelled` (the Order resource with `cancelled_at` and `cancel_reason`:
customer, fraud, inventory, declined, staff, other), or as an `orders/updated` whose `cancelled_at` is
set (Shopify sends both when an order is cancelled); either names the order by its `id`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..orders.cancellations import RequestCancellation
from ..orders.errors import FieldProblem
from ..orders.refunds import RecordRefund, RefundedLine, ShopOrderKey
from ..orders.totals import cents
from . import native
from .connector import ShopConnector, ShopRules, Signature, Topics
from .native import Ignored, NativeOrderInvalid, ReportedRefunds, Translated

__all__ = ["CONNECTOR", "arrival_id", "cancellation", "refunds", "translate"]

GIFT_CARD = "gift_card"  # the gateway of a gift card payment (Transaction resource, payment_gateway_names)
REFUSED_FINANCIAL = frozenset({"voided", "refunded", "expired"})
PAYMENT_STATUS = {
    "paid": "paid",
    "pending": "pending",
    "authorized": "authorized",
    "partially_paid": "partially_paid",
    "partially_refunded": "partially_refunded",
    "refunded": "refunded",
    "voided": "voided",
    "expired": "failed",
}
ADDRESS = {
    "company": "company",
    "street": "address1",
    "address_supplement": "address2",
    "zip": "zip",
    "city": "city",
    "country": "country_code",
    "state": "province",
    "phone": "phone",
}


def arrival_id(headers: Mapping[str, str], body: Mapping[str, Any]) -> str | None:
    """`X-Shopify-Webhook-Id` is the same on every retry of one call (Shopify's dedup key)."""
    return headers.get("x-shopify-webhook-id") or None


def translate(order: dict[str, Any], settings: ShopRules) -> Translated | Ignored:
    if order.get("test") is True and not settings.import_test_orders:
        return Ignored("Shopify test order: not imported")
    if order.get("cancelled_at"):
        return Ignored(f"Shopify order cancelled ({order.get('cancel_reason') or 'no reason given'}): not imported")
    financial = str(order.get("financial_status") or "")
    if financial in REFUSED_FINANCIAL:
        return Ignored(f"Shopify financial status '{financial}': not imported")
    wanted = settings.import_payment_states
    if wanted is not None and financial not in wanted:
        return Ignored(f"Shopify financial status '{financial}' is not imported (imported: {', '.join(wanted)})")

    gross = order.get("taxes_included") is True
    problems: list[FieldProblem] = []
    origins: dict[str, str] = {
        "/reference": "/name",
        "/customer": "/billing_address",
        "/customer/street": "/billing_address/address1",
        "/customer/address_supplement": "/billing_address/address2",
        "/customer/country": "/billing_address/country_code",
        "/customer/state": "/billing_address/province",
        "/customer/email": "/email",
        "/shipping_address": "/shipping_address",
        "/shipping_address/street": "/shipping_address/address1",
        "/shipping_address/country": "/shipping_address/country_code",
        "/expected_total": "/total_price",
    }
    items: list[dict[str, Any]] = []
    charged_tax = Decimal(0)
    reductions: dict[Decimal, Decimal] = {}  # by rate: how much the lines' tax dropped through their discounts
    shares: dict[Decimal, list[Share]] = {}  # by rate: each discounted line's part of the discounts
    for index, line in enumerate(native.entries(order, "line_items")):
        where = f"/line_items/{index}"
        sku = native.first_sku(line, settings.skus_from)
        name = str(line.get("name") or line.get("title") or "").strip() or None
        if sku is None:
            problems.append(native.sku_missing(f"{where}/sku", index, name, settings.skus_from))
        quantity, price = native.amount(line.get("quantity")), native.amount(line.get("price"))
        if price is not None and price < 0:
            problems.append(native.negative_line(f"{where}/price", f"Line {index + 1} ({name})", price))
        tax = _tax(line)
        charged_tax += tax
        base = (price or Decimal(0)) * (quantity or Decimal(0))
        allocated = _allocated(line)
        rate, after_discount = _rate(line, tax, base, allocated, gross)
        item: dict[str, Any] = {
            "sku": sku or "",
            "quantity": native.text(quantity),
            "price": native.text(price),
            "line_id": str(line.get("id", index)),
        }
        if after_discount:
            reduction = _rate_tax(base, rate, gross) - tax
            reductions[rate] = reductions.get(rate, Decimal(0)) + reduction
            shares.setdefault(rate, []).append(Share(name or str(line.get("id", index)), allocated, reduction))
        item.update(_line_taxes(line, base, rate, gross) if not allocated else {"tax_rate": native.decimal_text(rate)})
        if name:
            item["name"] = name
        origins[f"/items/{len(items)}"] = where
        items.append(native.present(item))
    for index, line in enumerate(native.entries(order, "shipping_lines")):
        value = native.amount(line.get("price"))
        if value is not None and value < 0:
            problems.append(native.negative_line(f"/shipping_lines/{index}/price", f"Shipping {index + 1}", value))
    if problems:
        raise NativeOrderInvalid(problems)

    shipping_costs = []
    for index, line in enumerate(native.entries(order, "shipping_lines")):
        value, tax = native.amount(line.get("price")) or Decimal(0), _tax(line)
        charged_tax += tax
        origins[f"/shipping_costs/{index}"] = f"/shipping_lines/{index}"
        name = str(line.get("title") or line.get("code") or "Shipping")
        rate, _ = _rate(line, tax, value, Decimal(0), gross)
        shipping_costs.append(
            {"name": name, "amount": str(value), **_line_taxes(line, value, rate, gross), **native.line_id(line)}
        )

    total_tax = native.amount(order.get("total_tax")) or Decimal(0)
    body: dict[str, Any] = {
        "reference": str(order.get("name") or order.get("order_number") or "").lstrip("#"),
        "customer": _customer(order),
        "items": items,
        "prices": "gross" if gross else "net",
        "currency": order.get("currency"),
        "shipping_costs": shipping_costs,
        "discounts": _discounts_by_rate(order, shares, excess=charged_tax - total_tax, gross=gross, origins=origins)
        or _discounts(order, reductions, excess=charged_tax - total_tax, gross=gross, origins=origins),
        "expected_total": order.get("total_price"),
        "external_order_id": str(order["id"]) if order.get("id") is not None else None,
        "payment_status": PAYMENT_STATUS.get(financial),
        "customer_order_number": order.get("po_number") or None,
        "internal_note": f"Customer note: {order['note']}" if order.get("note") else None,
        "taxation": native.taxation_for(total_tax),
        "order_date": native.order_date(order.get("processed_at") or order.get("created_at")),
    }
    if (shipping_address := _address(order.get("shipping_address"))) is not None:
        body["shipping_address"] = shipping_address
    shipping_lines = native.entries(order, "shipping_lines")
    if shipping_lines and (shipping_lines[0].get("code") or shipping_lines[0].get("title")):
        body["shipping"] = str(shipping_lines[0].get("code") or shipping_lines[0]["title"])[:64]
    gateways = [name for name in order.get("payment_gateway_names") or [] if isinstance(name, str) and name]
    paying = [name for name in gateways if name != GIFT_CARD] or gateways
    if paying:
        body["payment"] = paying[0][:64]
    cards, untold = _gift_cards(order, gateways)
    if cards:
        body["redeemed"] = cards
        origins["/redeemed"] = "/transactions" if native.entries(order, "transactions") else "/payment_gateway_names"
    if untold:
        said = "Paid partly with a gift card (Shopify's order does not say how much)"
        body["internal_note"] = f"{body['internal_note']}\n{said}" if body.get("internal_note") else said
    return Translated(native.present(body), origins)


def _gift_cards(order: dict[str, Any], gateways: list[str]) -> tuple[list[dict[str, str]], bool]:
    """The gift cards that paid the order, and whether a card paid an amount the body does not state."""
    transactions = native.entries(order, "transactions")
    cards = []
    for transaction in transactions:
        if (
            transaction.get("gateway") != GIFT_CARD
            or transaction.get("kind") not in ("sale", "capture")
            or transaction.get("status") not in ("success", None)
        ):
            continue
        value = native.amount(transaction.get("amount"))
        if not value:
            continue
        card = {"kind": "gift_card", "amount": str(value)}
        receipt = transaction.get("receipt") if isinstance(transaction.get("receipt"), dict) else {}
        assert isinstance(receipt, dict)
        if receipt.get("gift_card_last_characters"):
            card["code"] = "****" + str(receipt["gift_card_last_characters"])[-4:]
        cards.append(card)
    if cards or transactions or GIFT_CARD not in gateways:
        return cards, False
    total = native.amount(order.get("total_price"))
    if set(gateways) == {GIFT_CARD} and total:
        return [{"kind": "gift_card", "amount": str(total)}], False
    return [], True


def refunds(topic: str | None, refund: dict[str, Any]) -> ReportedRefunds | None:
    """A `refunds/create` delivery as the refund it reports; None for other topics or a refund of no money
    (one that only restocked)."""
    if topic != "refunds/create" or refund.get("id") is None or refund.get("order_id") is None:
        return None
    money = [
        transaction
        for transaction in native.entries(refund, "transactions")
        if transaction.get("kind") == "refund" and transaction.get("status") in ("success", None)
    ]
    value = sum((native.amount(transaction.get("amount")) or Decimal(0) for transaction in money), Decimal(0))
    if value <= 0:
        return None
    lines = []
    for line in native.entries(refund, "refund_line_items"):
        item = line.get("line_item") if isinstance(line.get("line_item"), dict) else {}
        assert isinstance(item, dict)
        lines.append(
            RefundedLine(
                line_id=str(line["line_item_id"]) if line.get("line_item_id") is not None else None,
                sku=str(item.get("sku") or "") or None,
                quantity=native.amount(line.get("quantity")),
                amount=native.amount(line.get("subtotal")),
                tax=native.amount(line.get("total_tax")),
            )
        )
    key = ShopOrderKey(external_order_id=str(refund["order_id"]))
    found = RecordRefund(
        key,
        str(refund["id"]),
        value,
        "shopify",
        currency=str(money[0].get("currency") or "") or None,
        reason=str(refund.get("note") or "").strip() or None,
        lines=tuple(lines),
        refunded_at=native.timestamp(refund.get("processed_at") or refund.get("created_at")),
    )
    return ReportedRefunds(key, (found,))


def cancellation(topic: str | None, order: dict[str, Any]) -> RequestCancellation | None:
    """An `orders/cancelled` delivery, or an `orders/updated` of a cancelled order; None otherwise."""
    if topic not in ("orders/cancelled", "orders/updated") or not order.get("cancelled_at"):
        return None
    if order.get("id") is None:
        return None
    return RequestCancellation(
        ShopOrderKey(external_order_id=str(order["id"])),
        "shopify",
        reason=str(order.get("cancel_reason") or "").strip() or None,
        cancelled_at=native.timestamp(order.get("cancelled_at")),
    )


def _tax(line: dict[str, Any]) -> Decimal:
    return sum((native.amount(tax.get("price")) or Decimal(0) for tax in native.entries(line, "tax_lines")), Decimal(0))


def _allocated(line: dict[str, Any]) -> Decimal:
    """What the line's discounts took off it (Shopify taxes the line after them)."""
    entries = native.entries(line, "discount_allocations")
    return sum((native.amount(entry.get("amount")) or Decimal(0) for entry in entries), Decimal(0))


def _labelled(line: dict[str, Any]) -> Decimal:
    """The line's labelled rate in percent: its tax lines' rates (fractions) added up."""
    rates = (native.amount(t.get("rate")) or Decimal(0) for t in native.entries(line, "tax_lines"))
    return sum(rates, Decimal(0)) * 100


def _rate_tax(amount: Decimal, rate: Decimal, gross: bool) -> Decimal:
    """The tax `rate` (percent) puts on `amount`, rounded to the cent half up, as our totals take it."""
    if gross:
        return amount - cents(amount / (1 + rate / 100))
    return cents(amount * rate / 100)


def _rate(line: dict[str, Any], tax: Decimal, base: Decimal, allocated: Decimal, gross: bool) -> tuple[Decimal, bool]:
    """The labelled rate when it explains the tax charged (to the cent) after the line's discounts or
    before them, else the rate charged; and whether the tax was charged after discounts."""
    labelled = _labelled(line)
    if labelled:
        if allocated and abs(_rate_tax(base - allocated, labelled, gross) - tax) <= native.CENT:
            return labelled.normalize(), True
        if abs(_rate_tax(base, labelled, gross) - tax) <= native.CENT:
            return labelled.normalize(), False
    return native.charged_rate(tax, base, gross=gross), False


def _line_taxes(line: dict[str, Any], base: Decimal, rate: Decimal, gross: bool) -> dict[str, Any]:
    """The line's `taxes` as Shopify charged them, when its label explains each; else its `tax_rate`."""
    components = []
    for tax_line in native.entries(line, "tax_lines"):
        share, amount = native.amount(tax_line.get("rate")), native.amount(tax_line.get("price"))
        if share is None or amount is None or abs(_rate_tax(base, share * 100, gross) - amount) > native.CENT:
            return {"tax_rate": native.decimal_text(rate)}
        component = {"rate": native.decimal_text(share * 100), "amount": str(amount)}
        if tax_line.get("title"):
            component["name"] = str(tax_line["title"])[:64]
        components.append(component)
    return {"taxes": components} if components else {"tax_rate": native.decimal_text(rate)}


@dataclass(frozen=True, slots=True)
class Share:
    """What the discounts took off one line (`discount_allocations`), and the tax they took with it."""

    label: str
    amount: Decimal
    tax: Decimal


def _discounts_by_rate(
    order: dict[str, Any],
    shares: Mapping[Decimal, list[Share]],
    *,
    excess: Decimal,
    gross: bool,
    origins: dict[str, str],
) -> list[dict[str, Any]] | None:
    """The discounts at the rates of the lines they were allocated to, when their allocations account for
    `total_discounts` to the cent (and the lines' tax is the order's); else None (`_discounts` decides).
    A code over lines at 19 % and 7 % is two discounts, each with the tax it took off its rate, so the
    VAT per rate is the shop's. A rate's parts go as one discount while their tax stays within a cent of
    the rate's, else one per line (each part's tax is a difference of Shopify's rounded tax lines)."""
    total = native.amount(order.get("total_discounts")) or Decimal(0)
    allocated = sum((share.amount for parts in shares.values() for share in parts), Decimal(0))
    if not shares or excess or allocated != total:
        return None
    codes = [str(code.get("code") or "") for code in native.entries(order, "discount_codes") if code.get("code")]
    name = "+".join(codes)[:120] or "Discount"
    found: list[dict[str, Any]] = []
    for rate, parts in sorted(shares.items()):
        value = sum((part.amount for part in parts), Decimal(0))
        tax = sum((part.tax for part in parts), Decimal(0))
        together = abs(_rate_tax(value, rate, gross) - tax) <= native.CENT
        rated = f"{name} ({native.decimal_text(rate)} %)" if len(shares) > 1 else name
        each = [(part.label, part.amount, part.tax) for part in parts]
        for label, amount, part_tax in [(rated, value, tax)] if together else each:
            origins[f"/discounts/{len(found)}"] = "/total_discounts"
            found.append(
                native.charge(label if together else f"{name} ({label})"[:200], amount, rate)
                | {"tax_amount": str(part_tax)}
            )
    return found


def _discounts(
    order: dict[str, Any],
    reductions: Mapping[Decimal, Decimal],
    *,
    excess: Decimal,
    gross: bool,
    origins: dict[str, str],
) -> list[dict[str, Any]]:
    total = native.amount(order.get("total_discounts")) or Decimal(0)
    lines: list[tuple[str, Decimal]] = []
    for index, code in enumerate(native.entries(order, "discount_codes")):
        value = native.amount(code.get("amount")) or Decimal(0)
        if value:
            origins[f"/discounts/{len(lines)}"] = f"/discount_codes/{index}"
            lines.append((str(code.get("code") or "Discount")[:200], value))
    rest = total - sum((value for _, value in lines), Decimal(0))
    if rest > 0:
        origins[f"/discounts/{len(lines)}"] = "/total_discounts"
        lines.append(("Discount", rest))
    discount_tax = excess + sum(reductions.values(), Decimal(0))
    if len(reductions) == 1 and not excess:
        [rate] = reductions  # the discounted lines share one rate: the discount is at that rate
    else:
        rate = native.charged_rate(discount_tax, total, gross=gross) if total and discount_tax > 0 else Decimal(0)
    if rate >= 100:
        rate = Decimal(0)  # the order's tax does not explain its discount; leave the discount untaxed
    found = [native.charge(name, value, rate) for name, value in lines]
    if reductions and len(found) == 1:
        found[0]["tax_amount"] = str(discount_tax)  # the tax the discount took, as Shopify charged it
    return found


def _customer(order: dict[str, Any]) -> dict[str, Any]:
    address = order.get("billing_address") or order.get("shipping_address") or {}
    buyer = order.get("customer") if isinstance(order.get("customer"), dict) else {}
    assert isinstance(buyer, dict)
    name = str(address.get("name") or "").strip() or native.full_name(buyer)
    email = order.get("email") or order.get("contact_email") or buyer.get("email") or None
    phone = address.get("phone") or order.get("phone")
    return native.present({"email": email, **native.address_fields(address, ADDRESS, name=name, phone=phone)})


def _address(part: Any) -> dict[str, Any] | None:
    if not isinstance(part, dict) or not part.get("address1"):
        return None
    return native.address_fields(part, ADDRESS, name=str(part.get("name") or native.full_name(part)).strip())


CONNECTOR = ShopConnector(
    kind="shopify",
    title="Shopify",
    signature=Signature("X-Shopify-Hmac-Sha256", "base64"),
    translate=translate,
    arrival_id=arrival_id,
    default_statuses=None,  # Shopify orders carry no order status: any order that is not cancelled
    payment_states=True,
    sku_fields=("sku",),
    sku_fields_allowed=frozenset({"sku", "variant_id", "product_id"}),
    topics=Topics(
        "x-shopify-topic",
        frozenset({"orders/create", "orders/updated", "orders/paid", "orders/fulfilled", "orders/partially_fulfilled"}),
    ),
    refunds=refunds,
    cancellation=cancellation,
)
