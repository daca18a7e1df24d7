"""A line's tax as the shop charged it: the rate Xentral is told, and the amount the totals take.

Promises:
- A line carries its VAT as a `vat_category`, a `tax_rate`, or several `taxes` (name, rate, amount;
  the rates add up, a US city and state tax); any one of them, never two. `tax_amount` may come
  with a category or a rate and states the line's tax as the shop computed it.
- Where the shop states amounts (`tax_amount`, each component's `amount`), they are the tax: the
  totals and the comparison with `expected_total` use them, whatever our own rounding would say.
  A stated amount further from the rate's own than a cent per component (a whole unit in a currency
  without cents, `unit`: a yen shop states whole yen) is refused, pointing at it.
- The rate comes from what the shop declares. Only when it declares none is it derived from the
  amounts, and never from a tax of zero: a zero tax on a zero line (a coupon consumed it) says
  nothing about its rate, so the line keeps its product's rate. A derived rate that one of the
  project's rates explains to the cent is that rate (2 %, not 1.98 %).
- A rate equal to one of the project's rates becomes that category only for an order taxed in the
  project's country (`taxed_at_home`); elsewhere (a 7 % US sales tax) it stays an explicit rate.
- Sales tax outside EU VAT is kept as charged (`as_charged`): an order whose taxation the caller did
  not send, derived as export, and with an explicit non-zero rate or tax is booked as taxed, not zeroed;
  so is any order stating a non-zero tax amount. `taxation` sent by the caller stays the EU VAT logic,
  and a non-zero tax amount under a sent `eu` or `export` is refused as a contradiction.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from .commands import PlaceOrder, TaxComponent
from .errors import FieldProblem
from .model import LineTax
from .taxation import EU_COUNTRIES, TAX_FREE, Prices, Taxation, TaxRates, VatCategory
from .totals import CENT, cents

__all__ = ["DeclaredTax", "LineTaxes", "as_charged", "taxed_at_home"]

HUNDRED = Decimal(100)


class DeclaredTax(Protocol):
    """What a request line (an item, a shipping cost, a fee, a discount) says about its tax."""

    @property
    def tax_rate(self) -> Decimal | None: ...
    @property
    def vat_category(self) -> VatCategory | None: ...
    @property
    def tax_amount(self) -> Decimal | None: ...
    @property
    def taxes(self) -> tuple[TaxComponent, ...]: ...


def taxed_at_home(taxation: Taxation, country: str | None, home_country: str) -> bool:
    """Whether the order's VAT is the project's own: domestic, and the buyer at home (or unknown) or,
    for an EU home, anywhere in the EU (a consumer taxed at home VAT)."""
    if taxation != "domestic":
        return False
    country, home = (country or "").strip().upper(), home_country.strip().upper()
    return not country or country == home or (home in EU_COUNTRIES and country in EU_COUNTRIES)


def as_charged(derived: Taxation, command: PlaceOrder) -> Taxation:
    """The derived taxation, unless the lines say the shop charged tax where it derives none."""
    if derived not in TAX_FREE:
        return derived
    lines: tuple[DeclaredTax, ...] = (*command.items, *command.shipping_costs, *command.fees, *command.discounts)
    if any(_stated(line) for line in lines):
        return "domestic"
    if derived == "export" and any(line.tax_rate or any(c.rate for c in line.taxes) for line in lines):
        return "domestic"
    return derived


@dataclass(frozen=True, slots=True)
class LineTaxes:
    """The order-wide facts each line's tax is read against: the project's rates, how amounts are
    meant, the order's taxation, and whether it is taxed in the project's country (`at_home`)."""

    rates: TaxRates
    prices: Prices
    taxation: Taxation
    at_home: bool
    unit: Decimal = CENT  # the smallest amount the shop states (orders/currencies.py smallest_unit)

    def line_tax(
        self,
        line: DeclaredTax,
        default: VatCategory,
        amount: Decimal | None,
        pointer: str,
        problems: list[FieldProblem],
    ) -> tuple[LineTax, Decimal | None]:
        """The line's tax for Xentral and its stated amount (None: computed from the rate).

        `amount` is the line's amount after its discount (gross or net per the order), None when unknown."""
        declared = [
            name
            for name, value in (("tax_rate", line.tax_rate), ("vat_category", line.vat_category))
            if value is not None
        ]
        if line.taxes:
            declared.append("taxes")
            if line.tax_amount is not None:
                declared.append("tax_amount")
        if len(declared) > 1:
            problems.append(
                FieldProblem(
                    f"{pointer}/{declared[0]}",
                    "tax_ambiguous",
                    f"Send one of `{'`, `'.join(declared)}`, not several (`tax_amount` goes with a rate or "
                    "category; each of `taxes` states its own amount)",
                )
            )
        if line.taxes:
            stated: Decimal | None = sum((c.amount for c in line.taxes), Decimal(0))
            tax = self.tax(rate=sum((c.rate for c in line.taxes), Decimal(0)))
        elif line.vat_category is not None:
            stated, tax = line.tax_amount, self.tax(category=line.vat_category)
        elif line.tax_rate is not None:
            stated, tax = line.tax_amount, self.tax(rate=line.tax_rate)
        else:
            stated = line.tax_amount
            derived = None if stated is None else self._derived_rate(stated, amount)
            tax = self.tax(category=default) if derived is None else self.tax(rate=derived)
        if stated is not None:
            self._check_stated(line, tax, stated, amount, pointer, problems)
        return tax, stated

    def tax(self, *, category: VatCategory | None = None, rate: Decimal | None = None) -> LineTax:
        if category is not None:
            return LineTax(category=category, rate=None, percent=self.rates.rate(category))
        assert rate is not None
        if rate == 0:
            return LineTax(category="exempt", rate=None, percent=Decimal(0))
        if self.at_home and rate == self.rates.normal:
            return LineTax(category="normal", rate=None, percent=rate)
        if self.at_home and rate == self.rates.reduced:
            return LineTax(category="reduced", rate=None, percent=rate)
        return LineTax(category=None, rate=rate, percent=rate)

    def rate_tax(self, amount: Decimal, rate: Decimal) -> Decimal:
        """The tax `rate` puts on `amount` as Xentral computes it (per line, half up)."""
        if self.prices == "gross":
            return amount - cents(amount / (1 + rate / HUNDRED))
        return cents(amount * rate / HUNDRED)

    def _derived_rate(self, stated: Decimal, amount: Decimal | None) -> Decimal | None:
        """The rate the stated tax is of the amount; None where the amounts cannot tell."""
        if amount is None:
            return None
        if cents(stated) == 0:
            return Decimal(0) if cents(amount) else None  # a zero line's zero tax says nothing
        net = amount - stated if self.prices == "gross" else amount
        if net <= 0:
            return None
        for rate in (self.rates.normal, self.rates.reduced):
            if self.rate_tax(amount, rate) == cents(stated):
                return rate
        return (stated / net * HUNDRED).quantize(CENT).normalize()

    def _check_stated(
        self,
        line: DeclaredTax,
        tax: LineTax,
        stated: Decimal,
        amount: Decimal | None,
        pointer: str,
        problems: list[FieldProblem],
    ) -> None:
        where = f"{pointer}/taxes" if line.taxes else f"{pointer}/tax_amount"
        if self.taxation in TAX_FREE:
            if cents(stated):
                problems.append(
                    FieldProblem(
                        where,
                        "tax_contradicts_taxation",
                        f"The line states a tax of {stated}, but the order's taxation is '{self.taxation}' "
                        "(no VAT); send the taxation the shop charged, or no tax",
                    )
                )
            return
        if amount is None:
            return
        expected = self.rate_tax(amount, tax.percent)
        allowance = self.unit * max(1, len(line.taxes))
        if abs(cents(stated) - expected) > allowance:
            problems.append(
                FieldProblem(
                    where,
                    "tax_amount_inconsistent",
                    f"The line's tax {stated} is not {tax.percent} % of {amount} ({expected}, "
                    f"{self.prices} prices); send the rate the shop charged with its amount",
                )
            )


def _stated(line: DeclaredTax) -> bool:
    return bool(line.tax_amount) or any(component.amount for component in line.taxes)
