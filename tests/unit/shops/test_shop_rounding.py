"""Random shop orders, computed the way the shop documents its rounding, translated and priced: our total
equals the shop's to the cent and the VAT per rate equals the shop's; what Xentral books by rate alone
(per line half up, the sandbox's rule) equals the shop's on every line but a coupon's, within a cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from unified_order_api.orders.totals import Charge, compute_totals, vat_by_rate

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
    # What Xentral books by rate alone (each line at its rate, per line, half up): every item and the
    # shipping as the shop; a coupon's tax is the difference of two rounded taxes, which its own rate may
    # miss by a cent — the difference the import's total (setTotalAmount) has to absorb, and a flagged one.
    booked = compute_totals(
        [Charge(line.kind, line.pointer, line.label, D(1), abs(line.net), line.rate) for line in pricing.totals.lines],
        "net",
        pricing.taxation,
    )
    for ours_line, booked_line in zip(pricing.totals.lines, booked.lines, strict=True):
        allowed = CENT if ours_line.kind == "discount" else D(0)
        assert abs(ours_line.tax - booked_line.tax) <= allowed, ours_line
