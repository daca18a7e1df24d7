"""Which VAT regime an order falls under, and which rate each of its lines carries.

Promises:
- `derive_taxation` is the one place that decides domestic / eu / export when the request
  does not say: the buyer's country (billing address, else the customer's address) against
  the configured home country. An EU country other than home *with* a VAT id is an
  intra-community supply (`eu`, reverse charge); without a VAT id it is a domestic sale with
  home VAT (distance selling thresholds and OSS are the merchant's business: send `taxation`).
  A country outside the EU is `export`. Unknown country → `domestic`.
- Under `eu` and `export` no line carries VAT (rate 0), as Xentral computes such orders.
- Rates are percentages (19 = 19 %), as Xentral's project `normalTaxRate`/`reducedTaxRate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

__all__ = [
    "DEFAULT_RATES",
    "EU_COUNTRIES",
    "TAX_FREE",
    "Prices",
    "TaxRates",
    "Taxation",
    "VatCategory",
    "category_of_tax_class",
    "derive_taxation",
]

Prices = Literal["gross", "net"]
Taxation = Literal["domestic", "eu", "export"]
VatCategory = Literal["normal", "reduced", "exempt"]

# EU member states (ISO 3166-1 alpha-2; Greece is GR here, EL only in VAT ids).
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
TAX_FREE: frozenset[Taxation] = frozenset({"eu", "export"})


@dataclass(frozen=True, slots=True)
class TaxRates:
    """A project's VAT rates in percent; `exempt` is always 0."""

    normal: Decimal
    reduced: Decimal

    def rate(self, category: VatCategory) -> Decimal:
        if category == "normal":
            return self.normal
        if category == "reduced":
            return self.reduced
        return Decimal(0)


# Used when Xentral's project list does not state its rates (German rates, the spec's import example).
DEFAULT_RATES = TaxRates(normal=Decimal(19), reduced=Decimal(7))


def derive_taxation(country: str | None, vat_id: str | None, home_country: str) -> Taxation:
    country = (country or "").strip().upper()
    home = home_country.strip().upper()
    if not country or country == home:
        return "domestic"
    if country in EU_COUNTRIES:
        if home in EU_COUNTRIES and vat_id and vat_id.strip():
            return "eu"
        return "domestic" if home in EU_COUNTRIES else "export"
    return "export"


def category_of_tax_class(tax_class: str | None) -> VatCategory:
    """A product's `salesTax` (standard | reduced | free, docs/xentral.md#products) as a VAT category."""
    if tax_class == "reduced":
        return "reduced"
    if tax_class == "free":
        return "exempt"
    return "normal"
