"""Random shop orders, computed the way the shop documents its rounding, translated and priced: our total
equals the shop's to the cent and the VAT per rate equals the shop's; and so do the total and the VAT per
rate Xentral computes from the import body (the sandbox's pricing, `tests/support/xentral_books.py`, no
`setTotalAmount`): per line, as assumed, and, for the shops rounding each rate's tax once, also under the
other reading of Xentral's rounding ("Runden nach addieren")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.xentral_books import xentral_books
from unified_order_api.config import ShopSettings
from unified_order_api.orders.totals import vat_by_rate
from unified_order_api.shops import Translated, shopify, shopware

from .test_shop_money import priced, woocommerce_settings

D = Decimal
CENT = D("0.01")
RATES = [D(19), D(7), D(4), D(2), D("5.5"), D(10)]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


lines_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=5),  # quantity
        st.integers(min_value=0, max_value=20_000),  # unit price in cents, net
        st.sampled_from(RATES),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(
    lines=lines_strategy,
    coupon_percent=st.sampled_from([0, 10, 15, 50, 100]),
    shipping=st.tuples(st.integers(min_value=0, max_value=2_000), st.sampled_from(RATES)),
)
def test_woocommerce_rounding_per_line(
    lines: list[tuple[int, int, Decimal]], coupon_percent: int, shipping: tuple[int, Decimal]
) -> None:
    """WooCommerce with "round tax at subtotal level" off rounds each line's tax (REST API order
    properties: `subtotal_tax`, `total_tax` per line); a percentage coupon takes its share off each line."""
    rate_ids = {rate: str(index + 1) for index, rate in enumerate(RATES)}
    line_items, shop_vat = [], {}
    total = D(0)
    for index, (quantity, unit_cents, rate) in enumerate(lines):
        subtotal = D(unit_cents) / 100 * quantity
        line_total = cents(subtotal * (100 - coupon_percent) / 100)
        subtotal_tax, total_tax = cents(subtotal * rate / 100), cents(line_total * rate / 100)
        line_items.append(
            {
                "id": index + 1,
                "name": f"Line {index}",
                "sku": f"SKU-{index}",
                "quantity": quantity,
                "subtotal": str(subtotal),
                "subtotal_tax": str(subtotal_tax),
                "total": str(line_total),
                "total_tax": str(total_tax),
                "taxes": [{"id": int(rate_ids[rate]), "total": str(total_tax), "subtotal": str(subtotal_tax)}],
            }
        )
        shop_vat[rate] = shop_vat.get(rate, D(0)) + total_tax
        total += line_total + total_tax
    shipping_amount, shipping_rate = D(shipping[0]) / 100, shipping[1]
    shipping_tax = cents(shipping_amount * shipping_rate / 100)
    shop_vat[shipping_rate] = shop_vat.get(shipping_rate, D(0)) + shipping_tax
    total += shipping_amount + shipping_tax
    discount = sum((D(i["subtotal"]) - D(i["total"]) for i in line_items), D(0))
    discount_tax = sum((D(i["subtotal_tax"]) - D(i["total_tax"]) for i in line_items), D(0))
    order: dict[str, Any] = {
        "id": 1,
        "number": "1",
        "status": "processing",
        "currency": "EUR",
        "billing": {"first_name": "A", "last_name": "B", "address_1": "S 1", "postcode": "1", "city": "C"}
        | {"country": "DE", "email": "a@b.de"},
        "line_items": line_items,
        "shipping_lines": [
            {
                "id": 90,
                "method_id": "flat_rate",
                "method_title": "Flat rate",
                "total": str(shipping_amount),
                "total_tax": str(shipping_tax),
                "taxes": [{"id": int(rate_ids[shipping_rate]), "total": str(shipping_tax)}],
            }
        ],
        "coupon_lines": [{"id": 91, "code": "SALE", "discount": str(discount), "discount_tax": str(discount_tax)}]
        if discount
        else [],
        "tax_lines": [{"id": 100 + int(i), "rate_id": int(i), "rate_percent": float(r)} for r, i in rate_ids.items()],
        "total": str(total),
        "total_tax": str(sum(shop_vat.values(), D(0))),
    }
    pricing, check = priced(woocommerce_settings(order))
    assert check.gross == total and check.matches is True
    assert pricing.totals is not None
    ours = {rate: tax for rate, tax in vat_by_rate(pricing.totals.lines).items() if tax}
    assert ours == {rate.normalize(): tax for rate, tax in shop_vat.items() if tax}
    # A coupon's tax is the difference of two rounded taxes, which Xentral's own rounding of the coupon may
    # miss by a cent: a balancing line carries it, so Xentral books the shop's total and VAT per rate.
    booked = xentral_books(pricing)
    assert (booked.gross, booked.vat) == (total, ours)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=5),
            st.integers(min_value=0, max_value=20_000),
            st.sampled_from([D(6), D("6.25"), D(7), D("8.875")]),  # a state rate
            st.sampled_from([D(0), D("1.15"), D("1.65"), D("2.5")]),  # a city rate
        ),
        min_size=1,
        max_size=4,
    ),
    shipping=st.tuples(st.integers(min_value=0, max_value=2_000), st.sampled_from([D(0), D("1.65")])),
)
def test_shopify_rounding_per_tax_line(
    lines: list[tuple[int, int, Decimal, Decimal]], shipping: tuple[int, Decimal]
) -> None:
    """Shopify rounds every tax line of a line apart (Admin REST Order resource: `tax_lines[]` per line
    item and shipping line, each with its `rate` and `price`); the order's tax is their sum."""

    def taxed(amount: Decimal, rates: list[tuple[str, Decimal]]) -> list[dict[str, Any]]:
        return [
            {"title": title, "rate": float(rate / 100), "price": str(cents(amount * rate / 100))}
            for title, rate in rates
            if rate
        ]

    line_items, total_tax, total = [], D(0), D(0)
    for index, (quantity, unit_cents, state, city) in enumerate(lines):
        price = D(unit_cents) / 100
        taxes = taxed(price * quantity, [("State", state), ("City", city)])
        line_items.append(
            {"id": index + 1, "sku": f"SKU-{index}", "name": f"Line {index}", "quantity": quantity}
            | {"price": str(price), "tax_lines": taxes, "discount_allocations": []}
        )
        line_tax = sum((D(t["price"]) for t in taxes), D(0))
        total_tax += line_tax
        total += price * quantity + line_tax
    shipping_price = D(shipping[0]) / 100
    shipping_taxes = taxed(shipping_price, [("State", D(6)), ("City", shipping[1])])
    total_tax += sum((D(t["price"]) for t in shipping_taxes), D(0))
    total += shipping_price + sum((D(t["price"]) for t in shipping_taxes), D(0))
    address = {"name": "Ann Lee", "first_name": "Ann", "last_name": "Lee", "address1": "1 Main St", "city": "Chicago"}
    address |= {"zip": "60601", "country_code": "US", "province_code": "IL"}
    order = {
        "id": 1,
        "name": "#1",
        "email": "ann@example.com",
        "currency": "USD",
        "financial_status": "paid",
        "taxes_included": False,
        "billing_address": address,
        "shipping_address": address,
        "line_items": line_items,
        "shipping_lines": [{"title": "Ground", "price": str(shipping_price), "tax_lines": shipping_taxes}],
        "total_discounts": "0.00",
        "total_tax": str(total_tax),
        "total_price": str(total),
    }
    result = shopify.translate(order, ShopSettings(kind="shopify", secret="s"))
    assert isinstance(result, Translated), result
    pricing, check = priced(result.body)
    assert check.gross == total and check.matches is True
    assert pricing.totals is not None and pricing.totals.tax == total_tax
    booked = xentral_books(pricing)
    assert (booked.gross, booked.vat) == (total, {r: t for r, t in vat_by_rate(pricing.totals.lines).items() if t})


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=5),
            st.integers(min_value=1, max_value=20_000),
            st.sampled_from([D(19), D(7)]),
        ),
        min_size=1,
        max_size=4,
    ),
    gross=st.booleans(),
    shipping_cents=st.integers(min_value=0, max_value=2_000),
)
def test_shopware_rounding_per_line(lines: list[tuple[int, int, Decimal]], gross: bool, shipping_cents: int) -> None:
    """Shopware with item rounding to the cent computes each line's `price.calculatedTaxes` on its total
    price (gross: the tax inside it; net: on top) and the order's taxes as their sum."""

    def calculated(total_price: Decimal, rate: Decimal) -> dict[str, Any]:
        tax = total_price - cents(total_price / (1 + rate / 100)) if gross else cents(total_price * rate / 100)
        return {"tax": float(tax), "taxRate": float(rate), "price": float(total_price)}

    items, vat, amount_total = [], {}, D(0)
    for index, (quantity, unit_cents, rate) in enumerate(lines):
        unit = D(unit_cents) / 100
        taxes = calculated(unit * quantity, rate)
        items.append(
            {"id": f"l{index}", "type": "product", "label": f"Line {index}", "quantity": quantity}
            | {
                "unitPrice": float(unit),
                "totalPrice": float(unit * quantity),
                "payload": {"productNumber": f"N{index}"},
            }
            | {"price": {"calculatedTaxes": [taxes], "taxRules": [{"taxRate": float(rate), "percentage": 100}]}}
        )
        vat[rate] = vat.get(rate, D(0)) + D(str(taxes["tax"]))
        amount_total += unit * quantity + (D(0) if gross else D(str(taxes["tax"])))
    shipping = D(shipping_cents) / 100
    shipping_tax = calculated(shipping, D(19))
    vat[D(19)] = vat.get(D(19), D(0)) + D(str(shipping_tax["tax"]))
    amount_total += shipping + (D(0) if gross else D(str(shipping_tax["tax"])))
    billing = {
        "firstName": "Max",
        "lastName": "M",
        "street": "S 1",
        "zipcode": "1",
        "city": "B",
        "country": {"iso": "DE"},
    }
    order = {
        "orderNumber": "1",
        "currency": {"isoCode": "EUR"},
        "taxStatus": "gross" if gross else "net",
        "price": {"taxStatus": "gross" if gross else "net", "calculatedTaxes": []},
        "amountTotal": float(amount_total),
        "orderCustomer": {"email": "m@x.de", "firstName": "Max", "lastName": "M"},
        "billingAddress": billing,
        "shippingCosts": {"totalPrice": float(shipping), "calculatedTaxes": [shipping_tax], "taxRules": []},
        "deliveries": [{"shippingOrderAddress": billing, "shippingMethod": {"name": "Standard"}}],
        "lineItems": items,
        "transactions": [{"stateMachineState": {"technicalName": "paid"}}],
        "stateMachineState": {"technicalName": "open"},
    }
    envelope = {"data": {"payload": {"order": order}, "event": "checkout.order.placed"}, "source": {"eventId": "e"}}
    result = shopware.translate(envelope | {"timestamp": 1}, ShopSettings(kind="shopware", secret="s"))
    assert isinstance(result, Translated), result
    pricing, check = priced(result.body)
    assert check.gross == amount_total and check.matches is True
    assert pricing.totals is not None
    assert {r: t for r, t in vat_by_rate(pricing.totals.lines).items() if t} == {r: t for r, t in vat.items() if t}
    booked = xentral_books(pricing)
    assert (booked.gross, booked.vat) == (amount_total, {r.normalize(): t for r, t in vat.items() if t})


@settings(max_examples=60, deadline=None)
@given(
    lines=lines_strategy,
    coupon_percent=st.sampled_from([0, 10, 15, 33, 100]),
    shipping=st.tuples(st.integers(min_value=0, max_value=2_000), st.sampled_from(RATES)),
)
def test_woocommerce_rounding_at_subtotal(
    lines: list[tuple[int, int, Decimal]], coupon_percent: int, shipping: tuple[int, Decimal]
) -> None:
    """WooCommerce with "round tax at subtotal level" (`woocommerce_tax_round_at_subtotal`) keeps each
    line's tax unrounded and rounds each rate's sum once (`tax_lines[].tax_total`, `shipping_tax_total`);
    the REST API shows each line's tax rounded to its `dp` (2). The order's total is the lines, the
    shipping and those per-rate taxes: booked to the cent, the VAT per rate the shop's."""
    rate_ids = {rate: index + 1 for index, rate in enumerate(RATES)}
    unrounded: dict[Decimal, Decimal] = {}
    line_items, net = [], D(0)
    for index, (quantity, unit_cents, rate) in enumerate(lines):
        subtotal = D(unit_cents) / 100 * quantity
        line_total = cents(subtotal * (100 - coupon_percent) / 100)
        subtotal_tax, total_tax = subtotal * rate / 100, line_total * rate / 100
        unrounded[rate] = unrounded.get(rate, D(0)) + total_tax
        shown = {key: str(cents(value)) for key, value in (("subtotal_tax", subtotal_tax), ("total_tax", total_tax))}
        line_items.append(
            {"id": index + 1, "name": f"Line {index}", "sku": f"SKU-{index}", "quantity": quantity}
            | {"subtotal": str(subtotal), "total": str(line_total), **shown}
            | {"taxes": [{"id": rate_ids[rate], "total": str(total_tax), "subtotal": str(subtotal_tax)}]}
        )
        net += line_total
    shipping_amount, shipping_rate = D(shipping[0]) / 100, shipping[1]
    shipping_tax = shipping_amount * shipping_rate / 100
    tax_lines = []
    for rate, rate_id in rate_ids.items():
        rate_tax = cents(unrounded.get(rate, D(0)))
        rate_shipping = cents(shipping_tax) if rate == shipping_rate else D(0)
        if rate in unrounded or rate == shipping_rate:
            tax_lines.append(
                {"id": 100 + rate_id, "rate_id": rate_id, "rate_percent": float(rate), "compound": False}
                | {"tax_total": str(rate_tax), "shipping_tax_total": str(rate_shipping)}
            )
    shop_vat = {D(str(t["rate_percent"])): D(t["tax_total"]) + D(t["shipping_tax_total"]) for t in tax_lines}
    total_tax = sum(shop_vat.values(), D(0))
    total = net + shipping_amount + total_tax
    discount = sum((D(i["subtotal"]) - D(i["total"]) for i in line_items), D(0))
    discount_tax = sum((D(i["taxes"][0]["subtotal"]) - D(i["taxes"][0]["total"]) for i in line_items), D(0))
    order: dict[str, Any] = {
        "id": 2,
        "number": "2",
        "status": "processing",
        "currency": "EUR",
        "billing": {"first_name": "A", "last_name": "B", "address_1": "S 1", "postcode": "1", "city": "C"}
        | {"country": "DE", "email": "a@b.de"},
        "line_items": line_items,
        "shipping_lines": [
            {"id": 90, "method_id": "flat_rate", "method_title": "Flat rate", "total": str(shipping_amount)}
            | {"total_tax": str(cents(shipping_tax))}
            | {"taxes": [{"id": rate_ids[shipping_rate], "total": str(shipping_tax)}]}
        ],
        "coupon_lines": [
            {"id": 91, "code": "SALE", "discount": str(discount), "discount_tax": str(cents(discount_tax))}
        ]
        if discount
        else [],
        "tax_lines": tax_lines,
        "total": str(total),
        "total_tax": str(total_tax),
    }
    pricing, check = priced(woocommerce_settings(order))
    assert check.gross == total and check.matches is True, (check, total)
    assert pricing.totals is not None
    ours = {rate: tax for rate, tax in vat_by_rate(pricing.totals.lines).items() if tax}
    assert ours == {rate.normalize(): tax for rate, tax in shop_vat.items() if tax}
    booked = xentral_books(pricing)
    assert (booked.gross, booked.vat) == (total, ours)
    # WooCommerce rounds a rate's item tax and its shipping tax apart (`tax_total`, `shipping_tax_total`):
    # a Xentral rounding each rate's sum once may book a cent per rate otherwise, and nothing stated can
    # change that without changing the rate's amounts (docs/concepts/money.md).
    summed = xentral_books(pricing, "per-rate-sum")
    for rate in set(summed.vat) | set(ours):
        assert abs(summed.vat.get(rate, D(0)) - ours.get(rate, D(0))) <= CENT


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=5),
            st.integers(min_value=1, max_value=20_000),
            st.sampled_from([D(19), D(7)]),
        ),
        min_size=1,
        max_size=5,
    ),
    gross=st.booleans(),
    shipping_cents=st.integers(min_value=0, max_value=2_000),
    promotion_percent=st.sampled_from([0, 10, 25]),
    interval=st.sampled_from([D("0.01"), D("0.05"), D("0.10")]),
)
def test_shopware_rounding_on_the_total(
    lines: list[tuple[int, int, Decimal]],
    gross: bool,
    shipping_cents: int,
    promotion_percent: int,
    interval: Decimal,
) -> None:
    """Shopware with "vertical" tax calculation computes each rate's tax once on the rate's total (the
    order's `price.calculatedTaxes`) while each line keeps its own calculated tax, rounded per line
    (`itemRounding`); net: the total is the net sum plus those taxes, gross: the gross sum (`taxStatus`).
    A percentage promotion and the shipping are split over the rates by the goods' shares, each part
    with its own calculated tax. `totalRounding` then cash-rounds the total (`amountTotal`;
    `price.rawTotal` keeps it unrounded). Booked to the cent, and the VAT per rate is the order's."""

    def tax_of(amount: Decimal, rate: Decimal) -> Decimal:
        return amount - cents(amount / (1 + rate / 100)) if gross else cents(amount * rate / 100)

    def split(amount: Decimal, shares: dict[Decimal, Decimal]) -> list[tuple[Decimal, Decimal]]:
        """`amount` over the rates by their shares, the last rate taking what rounding leaves."""
        whole, parts, left = sum(shares.values(), D(0)), [], amount
        for index, (rate, share) in enumerate(sorted(shares.items(), reverse=True)):
            part = left if index == len(shares) - 1 else cents(amount * share / whole)
            parts.append((rate, part))
            left -= part
        return parts

    def calculated(parts: list[tuple[Decimal, Decimal]]) -> list[dict[str, float]]:
        return [
            {"tax": float(tax_of(part, rate)), "taxRate": float(rate), "price": float(part)} for rate, part in parts
        ]

    items, goods = [], {}
    for index, (quantity, unit_cents, rate) in enumerate(lines):
        unit = D(unit_cents) / 100
        total_price = unit * quantity
        items.append(
            {"id": f"l{index}", "type": "product", "label": f"Line {index}", "quantity": quantity}
            | {"unitPrice": float(unit), "totalPrice": float(total_price), "payload": {"productNumber": f"N{index}"}}
            | {"price": {"calculatedTaxes": calculated([(rate, total_price)]), "taxRules": [{"taxRate": float(rate)}]}}
        )
        goods[rate] = goods.get(rate, D(0)) + total_price
    positions = sum(goods.values(), D(0))
    by_rate = dict(goods)
    promotion = -cents(positions * promotion_percent / 100)
    if promotion:
        parts = split(promotion, goods)
        items.append(
            {"id": "promo", "type": "promotion", "label": "SALE", "quantity": 1, "payload": {"code": "SALE"}}
            | {"unitPrice": float(promotion), "totalPrice": float(promotion)}
            | {"price": {"calculatedTaxes": calculated(parts), "taxRules": []}}
        )
        for rate, part in parts:
            by_rate[rate] += part
    shipping = D(shipping_cents) / 100
    shipping_parts = split(shipping, goods)
    for rate, part in shipping_parts:
        by_rate[rate] += part
    vat = {rate: tax_of(amount, rate) for rate, amount in by_rate.items()}  # once per rate: vertical
    raw = positions + promotion + shipping + (D(0) if gross else sum(vat.values(), D(0)))
    amount_total = (raw / interval).quantize(D(1), rounding=ROUND_HALF_UP) * interval
    billing = {"firstName": "Max", "lastName": "M", "street": "S 1", "zipcode": "1", "city": "B"}
    billing |= {"country": {"iso": "DE"}}
    status = "gross" if gross else "net"
    calculated_order = [
        {"tax": float(tax), "taxRate": float(rate), "price": float(by_rate[rate])} for rate, tax in vat.items()
    ]
    order = {
        "orderNumber": "2",
        "currency": {"isoCode": "EUR"},
        "taxStatus": status,
        "price": {"taxStatus": status, "calculatedTaxes": calculated_order, "rawTotal": float(raw)}
        | {"totalPrice": float(amount_total)},
        "amountTotal": float(amount_total),
        "totalRounding": {"decimals": 2, "interval": float(interval), "roundForNet": True},
        "itemRounding": {"decimals": 2, "interval": 0.01, "roundForNet": True},
        "orderCustomer": {"email": "m@x.de", "firstName": "Max", "lastName": "M"},
        "billingAddress": billing,
        "shippingCosts": {"totalPrice": float(shipping), "calculatedTaxes": calculated(shipping_parts)},
        "deliveries": [{"shippingOrderAddress": billing, "shippingMethod": {"name": "Standard"}}],
        "lineItems": items,
        "transactions": [{"stateMachineState": {"technicalName": "paid"}}],
        "stateMachineState": {"technicalName": "open"},
    }
    envelope = {"data": {"payload": {"order": order}, "event": "checkout.order.placed"}, "source": {"eventId": "e"}}
    result = shopware.translate(envelope | {"timestamp": 1}, ShopSettings(kind="shopware", secret="s"))
    assert isinstance(result, Translated), result
    pricing, check = priced(result.body)
    assert check.gross == amount_total and check.matches is True, (check, amount_total)
    assert pricing.totals is not None
    assert {r: t for r, t in vat_by_rate(pricing.totals.lines).items() if t} == {r: t for r, t in vat.items() if t}
    for rounding in ("per-line", "per-rate-sum"):
        booked = xentral_books(pricing, rounding)
        assert (booked.gross, booked.vat) == (amount_total, {r.normalize(): t for r, t in vat.items() if t}), rounding


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=5),
            st.integers(min_value=1, max_value=20_000),
            st.sampled_from([(D(19),), (D(7),), (D(6), D("1.15")), (D("6.25"), D("2.5"))]),
        ),
        min_size=1,
        max_size=4,
    ),
    gross=st.booleans(),
    code_percent=st.sampled_from([0, 10, 15, 50, 100]),
    shipping_cents=st.integers(min_value=0, max_value=2_000),
)
def test_shopify_rounding_per_tax_line_with_a_code_and_taxes_included(
    lines: list[tuple[int, int, tuple[Decimal, ...]]], gross: bool, code_percent: int, shipping_cents: int
) -> None:
    """Shopify allocates a percentage code to the lines (`discount_allocations`) and taxes each line after
    it, every tax line rounded apart (`tax_lines[].price`); with `taxes_included` the tax is inside the
    price. Lines at several rates share the code: each rate's VAT stays the shop's."""

    def taxed(amount: Decimal, rates: tuple[Decimal, ...]) -> list[dict[str, Any]]:
        def tax(rate: Decimal) -> Decimal:
            return amount - cents(amount / (1 + rate / 100)) if gross else cents(amount * rate / 100)

        return [{"title": f"T{rate}", "rate": float(rate / 100), "price": str(tax(rate))} for rate in rates]

    line_items, vat, goods, discounts, tax_total = [], {}, D(0), D(0), D(0)
    for index, (quantity, unit_cents, rates) in enumerate(lines):
        if gross:
            rates = rates[:1]  # an EU VAT: one rate, inside the price
        price = D(unit_cents) / 100
        allocated = cents(price * quantity * code_percent / 100)
        taxes = taxed(price * quantity - allocated, rates)
        line_items.append(
            {"id": index + 1, "sku": f"SKU-{index}", "name": f"Line {index}", "quantity": quantity}
            | {"price": str(price), "tax_lines": taxes}
            | {
                "discount_allocations": [{"amount": str(allocated), "discount_application_index": 0}]
                if allocated
                else []
            }
        )
        charged = sum((D(t["price"]) for t in taxes), D(0))
        key = sum(rates, D(0)).normalize()
        vat[key] = vat.get(key, D(0)) + charged
        goods, discounts, tax_total = goods + price * quantity, discounts + allocated, tax_total + charged
    shipping = D(shipping_cents) / 100
    shipping_rates = (D(19),) if gross else (D(6), D("1.15"))
    shipping_taxes = taxed(shipping, shipping_rates)
    shipping_tax = sum((D(t["price"]) for t in shipping_taxes), D(0))
    key = sum(shipping_rates, D(0)).normalize()
    vat[key] = vat.get(key, D(0)) + shipping_tax
    tax_total += shipping_tax
    total = goods - discounts + shipping + (D(0) if gross else tax_total)
    address = {"name": "Ann Lee", "first_name": "Ann", "last_name": "Lee", "address1": "1 Main St", "city": "Chicago"}
    address |= {"zip": "60601", "country_code": "DE" if gross else "US"}
    order = {
        "id": 2,
        "name": "#2",
        "email": "ann@example.com",
        "currency": "EUR" if gross else "USD",
        "financial_status": "paid",
        "taxes_included": gross,
        "billing_address": address,
        "shipping_address": address,
        "line_items": line_items,
        "shipping_lines": [{"title": "Ground", "price": str(shipping), "tax_lines": shipping_taxes}],
        "discount_codes": [{"code": "CODE", "amount": str(discounts), "type": "percentage"}] if discounts else [],
        "total_discounts": str(discounts),
        "total_tax": str(tax_total),
        "total_price": str(total),
    }
    result = shopify.translate(order, ShopSettings(kind="shopify", secret="s"))
    assert isinstance(result, Translated), result
    pricing, check = priced(result.body)
    assert check.gross == total and check.matches is True, (check, total)
    assert pricing.totals is not None
    shop_vat = {rate: tax for rate, tax in vat.items() if tax}
    assert {r: t for r, t in vat_by_rate(pricing.totals.lines).items() if t} == shop_vat
    booked = xentral_books(pricing)
    assert (booked.gross, booked.vat) == (total, shop_vat)
