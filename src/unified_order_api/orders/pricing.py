"""The order's money, drafted: every amount of the request with its VAT, and the totals Xentral will book.

Promises:
- Every line tells Xentral its VAT explicitly, so Xentral cannot guess differently from us:
  an item's `vat_category`, `tax_rate` or `taxes`, else the product's tax class; shipping costs,
  fees and discounts their own, else the project's normal rate (`line_tax` reads them, with the
  shop's stated tax amounts). A rate equal to the project's normal or reduced rate is sent as that
  category for an order taxed in the project's country, and 0 as `exempt`; any other rate as an
  explicit rate in percent (docs/xentral.md#prices-tax-and-totals).
- Discounts stay separate discount positions and fees separate positions on their configured
  products; nothing is folded into unit prices.
- Before anything is written, the gross total is compared with `expected_total`; a difference
  beyond the tolerance is `TotalMismatch` with the breakdown per line, unless the client's rule
  is to flag it. A difference within the tolerance goes through flagged: `matches` is false and
  the answer carries the warning (a difference is never called a match).
- Where the shop stated tax amounts that Xentral's per-line tax of the same amounts would miss (a shop
  rounding each rate's tax on the order), balancing lines at that rate carry the difference
  (`rounding_balance.py`), so Xentral books the shop's tax per rate and total; when the configuration
  cannot carry them (no fee or discount product) the order is refused before anything is written.
- Every problem is collected and returned, so the caller sees them all at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .commands import REFUSED_PAYMENT_STATUSES, AmountLine, PlaceOrder
from .currencies import smallest_unit, tolerance_in
from .errors import FieldProblem, OrderCancelled, TotalMismatch
from .line_tax import LineTaxes, as_charged, taxed_at_home
from .model import LineTax, Money, OrderDiscount, OrderLine, Product, ShippingCost
from .policy import ClientPolicy
from .rounding_balance import MAX_FEES, RoundingBalance, Unbalanced, rounding_balances
from .taxation import DEFAULT_RATES, Prices, Taxation, TaxRates, category_of_tax_class, derive_taxation
from .totals import CENT, Charge, OrderTotals, TotalsCheck, cents, compute_totals

__all__ = ["MoneySettings", "Pricing", "check_expected_total", "price_order", "refuse_cancelled"]


@dataclass(frozen=True, slots=True)
class MoneySettings:
    """The configuration pricing needs, free of the settings classes."""

    home_country: str
    default_prices: Prices
    tolerance: Decimal
    on_mismatch: Literal["refuse", "flag"]
    shipping_cost_product_id: str | None = None
    discount_product_id: str | None = None
    fee_product_id: str | None = None

    @classmethod
    def for_policy(cls, policy: ClientPolicy, currency: str) -> MoneySettings:
        """The client's money settings for an order in `currency` (its tolerance at least the currency's
        smallest unit, orders/currencies.py)."""
        return cls(
            home_country=policy.totals.home_country,
            default_prices=policy.defaults.prices,
            tolerance=tolerance_in(currency, policy.totals.tolerance),
            on_mismatch=policy.totals.on_mismatch,
            shipping_cost_product_id=policy.defaults.shipping_cost_product_id,
            discount_product_id=policy.defaults.discount_product_id,
            fee_product_id=policy.defaults.fee_product_id,
        )


@dataclass(frozen=True, slots=True)
class Pricing:
    prices: Prices
    taxation: Taxation
    vat_id: str | None
    lines: tuple[OrderLine, ...]  # the items, then one position per fee
    shipping_costs: tuple[ShippingCost, ...]
    discounts: tuple[OrderDiscount, ...]
    totals: OrderTotals | None  # None when a unit price is unknown (no request price, no master price)
    balances: tuple[RoundingBalance, ...] = ()  # their lines are among `lines` and `discounts`


def refuse_cancelled(command: PlaceOrder) -> None:
    """A voided or cancelled order is never imported (it would be released for fulfilment)."""
    if command.payment_status in REFUSED_PAYMENT_STATUSES:
        raise OrderCancelled(
            [
                FieldProblem(
                    "/payment_status",
                    "order_cancelled",
                    f"The order's payment status is '{command.payment_status}': a voided or cancelled order "
                    "is not imported into Xentral",
                )
            ]
        )


def price_order(
    command: PlaceOrder,
    lines: Sequence[OrderLine],
    products: Mapping[str, Product],
    rates: TaxRates | None,
    currency: str,
    settings: MoneySettings,
) -> tuple[Pricing, list[FieldProblem]]:
    """`lines` are the resolved items, one per `command.items` entry and in its order; when some item
    could not be resolved (already a problem of its own) the money is not drafted."""
    rates = rates or DEFAULT_RATES
    prices: Prices = command.prices or settings.default_prices
    billing_country = (command.billing_address or command.customer.address).country
    vat_id = (command.customer.vat_id or "").strip() or None
    taxation = command.taxation or as_charged(derive_taxation(billing_country, vat_id, settings.home_country), command)
    if len(lines) != len(command.items):
        return Pricing(prices, taxation, vat_id, tuple(lines), (), (), None), []
    by_id = {product.id: product for product in products.values()}
    problems: list[FieldProblem] = []
    at_home = taxed_at_home(taxation, billing_country, settings.home_country)
    context = LineTaxes(rates, prices, taxation, at_home, smallest_unit(currency))
    charges: list[Charge] = []
    charge_taxes: list[LineTax] = []  # each charge's tax as Xentral is told it
    unknown_prices: list[FieldProblem] = []
    unpriced_discount = False

    items: list[OrderLine] = []
    for index, (item, line) in enumerate(zip(command.items, lines, strict=True)):
        pointer = f"/items/{index}"
        product = by_id.get(line.product_id)
        unit = _unit_amount(line, product, prices, currency)
        amount = (
            None
            if unit is None
            else cents(abs(unit * line.quantity * (1 - (item.discount_percent or Decimal(0)) / 100)))
        )
        default = category_of_tax_class(product.tax_class if product else None)
        tax, stated = context.line_tax(item, default, amount, pointer, problems)
        items.append(_with(line, tax, item.discount_percent, None if unit is None else Money(unit, currency)))
        if unit is None and item.discount_percent:
            unpriced_discount = True
            problems.append(
                FieldProblem(
                    f"{pointer}/price",
                    "price_unknown",
                    f"Item {item.sku} has a discount but no price in the request and no {prices} master price in "
                    f"{currency} in Xentral; a discount is sent as the discounted price, so send `price`",
                )
            )
        elif unit is None:
            unknown_prices.append(
                FieldProblem(
                    f"{pointer}/price",
                    "price_unknown",
                    f"Item {item.sku} has no price in the request and no {prices} master price in {currency} in "
                    "Xentral, so the order's total cannot be checked; send `price`",
                )
            )
        if unit is None:
            continue
        charge_taxes.append(tax)
        charges.append(
            Charge(
                "item",
                pointer,
                item.name or line.sku,
                line.quantity,
                unit,
                tax.percent,
                item.discount_percent or Decimal(0),
                stated,
            )
        )

    shipping_lines = list(command.shipping_costs)
    shipping_pointer = "/shipping_costs"
    if command.shipping_cost is not None:
        if shipping_lines:
            problems.append(
                FieldProblem(
                    "/shipping_cost",
                    "shipping_cost_twice",
                    "Send either `shipping_cost` (one line at the normal rate) or `shipping_costs`, not both",
                )
            )
        elif command.shipping_cost or settings.shipping_cost_product_id is not None:
            # A zero shorthand with no shipping-cost product configured is no line at all.
            shipping_lines = [AmountLine("Shipping", command.shipping_cost)]
            shipping_pointer = "/shipping_cost"

    shipping_costs: list[ShippingCost] = []
    for index, extra in enumerate(shipping_lines):
        pointer = shipping_pointer if shipping_pointer == "/shipping_cost" else f"{shipping_pointer}/{index}"
        tax, stated = context.line_tax(extra, "normal", extra.amount, pointer, problems)
        if settings.shipping_cost_product_id is not None:
            shipping_costs.append(
                ShippingCost(
                    settings.shipping_cost_product_id, Money(extra.amount, currency), tax, extra.name, extra.line_id
                )
            )
        charge_taxes.append(tax)
        charges.append(
            Charge("shipping", pointer, extra.name, Decimal(1), extra.amount, tax.percent, tax_amount=stated)
        )
    # A 0.00 line (free shipping, a free-shipping coupon) books nothing: it needs no product of its own.
    if _priced(shipping_lines) and settings.shipping_cost_product_id is None:
        problems.append(
            _unsupported(shipping_pointer, "shipping cost", "shipping cost product", "SHIPPING_COST_PRODUCT_ID")
        )

    fees: list[OrderLine] = []
    for index, extra in enumerate(command.fees):
        pointer = f"/fees/{index}"
        tax, stated = context.line_tax(extra, "normal", extra.amount, pointer, problems)
        if settings.fee_product_id is not None:
            fees.append(
                OrderLine(
                    product_id=settings.fee_product_id,
                    sku="",
                    quantity=Decimal(1),
                    unit_price=Money(extra.amount, currency),
                    tax=tax,
                    comment=extra.name,
                    line_id=extra.line_id,
                )
            )
        charge_taxes.append(tax)
        charges.append(Charge("fee", pointer, extra.name, Decimal(1), extra.amount, tax.percent, tax_amount=stated))
    if _priced(command.fees) and settings.fee_product_id is None:
        problems.append(_unsupported("/fees", "fee", "fee product", "FEE_PRODUCT_ID"))

    discounts: list[OrderDiscount] = []
    for index, extra in enumerate(command.discounts):
        pointer = f"/discounts/{index}"
        tax, stated = context.line_tax(extra, "normal", extra.amount, pointer, problems)
        if settings.discount_product_id is not None:
            discounts.append(
                OrderDiscount(
                    settings.discount_product_id, Money(extra.amount, currency), tax, extra.name, extra.line_id
                )
            )
        charge_taxes.append(tax)
        charges.append(
            Charge("discount", pointer, extra.name, Decimal(1), extra.amount, tax.percent, tax_amount=stated)
        )
    if _priced(command.discounts) and settings.discount_product_id is None:
        problems.append(_unsupported("/discounts", "discount", "discount product", "DISCOUNT_PRODUCT_ID"))

    redeemed = sum((redemption.amount for redemption in command.redeemed), Decimal(0))
    if command.redeemed and (command.expected_total is None or redeemed > command.expected_total):
        problems.append(
            FieldProblem(
                "/redeemed",
                "redeemed_exceeds_total",
                f"Gift cards and store credit of {redeemed} pay for an order of "
                f"{command.expected_total if command.expected_total is not None else 'no stated total'}: send "
                "`expected_total`, the order's full value before them",
            )
        )
    if unknown_prices and command.expected_total is not None:
        problems.extend(unknown_prices)
    totals = None if unknown_prices or unpriced_discount else compute_totals(charges, prices, taxation)
    balances: list[RoundingBalance] = []
    inconsistent = any(problem.code == "tax_amount_inconsistent" for problem in problems)
    if totals is not None and smallest_unit(currency) == CENT and not inconsistent:
        # A currency without cents: the shop's whole-unit tax against Xentral's to the cent is no cent to
        # balance (it would take fractions of a yen on dozens of lines); its tolerance keeps the total.
        # Amounts already refused as inconsistent are no rounding to balance either.
        balances, unbalanced = rounding_balances(charges, totals.lines, prices, taxation)
        problems.extend(_unbalanced(rate) for rate in unbalanced)
        if balances and (settings.fee_product_id is None or settings.discount_product_id is None):
            problems.extend(_unsupported_balance(balance) for balance in balances)
            balances = []
        taxes = {charge.rate.normalize(): tax for charge, tax in zip(charges, charge_taxes, strict=True)}
        for balance in balances:
            assert settings.fee_product_id is not None and settings.discount_product_id is not None
            tax = taxes[balance.rate]
            fee = OrderLine(
                settings.fee_product_id, "", Decimal(1), Money(balance.amount, currency), tax=tax, comment=balance.label
            )
            fees.extend([fee] * balance.count)
            discounts.append(
                OrderDiscount(settings.discount_product_id, Money(balance.discount, currency), tax, balance.label)
            )
    pricing = Pricing(
        prices=prices,
        taxation=taxation,
        vat_id=vat_id,
        lines=(*items, *fees),
        shipping_costs=tuple(shipping_costs),
        discounts=tuple(discounts),
        totals=totals,
        balances=tuple(balances),
    )
    return pricing, problems


def check_expected_total(pricing: Pricing, command: PlaceOrder, settings: MoneySettings) -> TotalsCheck | None:
    """Our totals against `expected_total`; raises `TotalMismatch` when they differ and the rule is refuse."""
    if pricing.totals is None:
        return None
    totals = pricing.totals
    redeemed = sum((redemption.amount for redemption in command.redeemed), Decimal(0))
    check = TotalsCheck(
        totals.net, totals.tax, totals.gross, command.expected_total, None, settings.tolerance, redeemed
    )
    if not check.within_tolerance and settings.on_mismatch == "refuse":
        assert command.expected_total is not None
        difference = totals.gross - command.expected_total
        raise TotalMismatch(
            [
                FieldProblem(
                    "/expected_total",
                    "total_mismatch",
                    f"The order adds up to {totals.gross} ({pricing.prices} prices, taxation {pricing.taxation}), "
                    f"not {command.expected_total} (difference {difference}, tolerance {settings.tolerance}); "
                    "see `totals.lines` for each line",
                )
            ],
            extra={"totals": {**check.to_json(), "difference": str(difference), "lines": totals.to_json()["lines"]}},
        )
    return check


def _with(line: OrderLine, tax: LineTax, discount_percent: Decimal | None, unit: Money | None) -> OrderLine:
    """The line as drafted; a discounted line keeps its unit price (the master price when the request had
    none), since Xentral is sent the discounted price, never `positions[].discount`."""
    return OrderLine(
        product_id=line.product_id,
        sku=line.sku,
        quantity=line.quantity,
        unit_price=unit if discount_percent and line.unit_price is None else line.unit_price,
        name=line.name,
        line_id=line.line_id,
        tax=tax,
        discount_percent=discount_percent or None,
        comment=line.comment,
    )


def _unit_amount(line: OrderLine, product: Product | None, prices: Prices, currency: str) -> Decimal | None:
    """The request's unit price, else the product's master price as Xentral would take it."""
    if line.unit_price is not None:
        return line.unit_price.amount
    if product is None:
        return None
    master = product.sales_price_gross if prices == "gross" else product.sales_price_net
    if master is None or master.currency.upper() != currency.upper():
        return None
    return master.amount


def _unbalanced(rate: Unbalanced) -> FieldProblem:
    computed = rate.stated - rate.difference
    return FieldProblem(
        rate.pointer,
        "tax_rounding_unbalanced",
        f"The shop's tax at {format(rate.rate.normalize(), 'f')} % is {rate.stated}, but Xentral computes "
        f"{computed} on these lines, and balancing lines cannot carry {rate.difference:+} at that rate (none "
        f"at 0 %, at most {MAX_FEES} fees, none where every line's tax is exact or a half cent, as at 50 % net); "
        "a shop's rounding differs by a few cents at most: check the rate and tax amounts sent against the "
        "shop's order, or send the lines without `tax_amount` to book Xentral's own tax",
    )


def _unsupported_balance(balance: RoundingBalance) -> FieldProblem:
    computed = balance.stated - balance.difference
    return FieldProblem(
        balance.pointer,
        "tax_rounding_unsupported",
        f"The shop charged {balance.stated} tax at {format(balance.rate.normalize(), 'f')} %, but Xentral computes "
        f"each line's tax and would book {computed}; the difference goes on balancing lines (fees and a "
        "discount adding up to 0.00), which need a fee product and a discount product "
        "(UOA_DEFAULTS__FEE_PRODUCT_ID, UOA_DEFAULTS__DISCOUNT_PRODUCT_ID)",
    )


def _priced(lines: Sequence[AmountLine]) -> bool:
    return any(line.amount for line in lines)


def _unsupported(pointer: str, what: str, product: str, setting: str) -> FieldProblem:
    return FieldProblem(
        pointer,
        f"{what.replace(' ', '_')}_unsupported",
        f"A {what} was sent, but no {product} is configured (UOA_DEFAULTS__{setting})",
    )
