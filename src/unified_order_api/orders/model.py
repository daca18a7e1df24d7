"""What the order service knows about Xentral's world, free of its wire format.

The gateway adapter translates between these types and Xentral's JSON, so the
service reads as business rules and the wire details stay in `xentral/`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from .holds import HeldReason
from .taxation import Prices, Taxation, TaxRates, VatCategory
from .totals import TotalsCheck

__all__ = [
    "Address",
    "Customer",
    "CustomerAddress",
    "CustomerAddressKind",
    "CustomerLookupField",
    "CustomerSearch",
    "DocumentsOnShipping",
    "ExternalTotal",
    "Fulfilment",
    "LineTax",
    "Money",
    "NewCustomer",
    "OrderCharge",
    "OrderDiscount",
    "OrderDraft",
    "OrderLine",
    "PaymentMethod",
    "Product",
    "Project",
    "SalesChannel",
    "SalesOrder",
    "ShippingCost",
    "ShippingMethod",
    "same_place",
]

CustomerLookupField = Literal["number", "email"]
# How an order may find its customer: by one of the fields, or by `address` (name, street, zip and city all equal).
CustomerSearch = Literal["number", "email", "address"]
# The kinds of customer address this service writes: the customer's own (master data) address, which
# is the order's billing address, and a delivery address where the order ships elsewhere.
CustomerAddressKind = Literal["masterdata", "deliveryaddress"]
# Which documents Xentral's auto-shipping creates for an order (its `autoCreateDocuments`).
DocumentsOnShipping = Literal["delivery_note_and_invoice", "delivery_note", "invoice"]


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    sku: str
    name: str
    is_locked: bool = False
    locked_reason: str | None = None
    sales_price_net: Money | None = None
    sales_price_gross: Money | None = None
    tax_class: str | None = None  # Xentral `salesTax`: standard | reduced | free
    is_shipping_costs_product: bool = False  # Xentral books shipping costs on such products
    is_discount_product: bool = False


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    street: str
    zip: str
    city: str
    country: str
    company: str | None = None
    salutation: Literal["mr", "mrs", "company", "other"] | None = None
    title: str | None = None
    address_supplement: str | None = None
    state: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    number: str | None
    email: str | None
    name: str


@dataclass(frozen=True, slots=True)
class CustomerAddress:
    """One address a customer holds in Xentral (written after the customer itself: a second write)."""

    kind: CustomerAddressKind
    address: Address


@dataclass(frozen=True, slots=True)
class NewCustomer:
    """A customer we are about to create; without `number` Xentral's number range assigns one.

    `address` becomes the customer's master data address; `delivery_address`, when the order ships
    elsewhere, a delivery address. Both are written after the customer (`addresses`)."""

    kind: Literal["person", "company"]
    name: str
    email: str
    address: Address
    project_id: str | None = None
    phone: str | None = None
    vat_id: str | None = None
    number: str | None = None
    delivery_address: Address | None = None

    @property
    def addresses(self) -> tuple[CustomerAddress, ...]:
        """The addresses the new customer gets, in the order they are written."""
        master = CustomerAddress("masterdata", self.address)
        if self.delivery_address is None or same_place(self.delivery_address, self.address):
            return (master,)
        return (master, CustomerAddress("deliveryaddress", self.delivery_address))


def same_place(one: Address, other: Address) -> bool:
    """Whether two addresses name the same recipient at the same place (as Xentral would store them twice)."""

    def key(address: Address) -> tuple[str, ...]:
        parts = (address.name, address.street, address.zip, address.city, address.country)
        return tuple(part.strip().casefold() for part in parts)

    return key(one) == key(other)


@dataclass(frozen=True, slots=True)
class ShippingMethod:
    id: str
    type: str
    module: str
    designation: str


@dataclass(frozen=True, slots=True)
class PaymentMethod:
    id: str
    type: str
    designation: str


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    key_name: str
    currency: str | None = None
    tax_rates: TaxRates | None = None


@dataclass(frozen=True, slots=True)
class LineTax:
    """A line's VAT as Xentral is told it: a category, or an explicit `rate` (percent) when the
    rate is no category of the project. `percent` is the rate it amounts to (tax text, totals)."""

    category: VatCategory | None
    rate: Decimal | None
    percent: Decimal


@dataclass(frozen=True, slots=True)
class SalesChannel:
    """Where an order came from in Xentral's eyes (a shop, a marketplace): its platform (`module`, e.g.
    `shopware6`) and the project its orders go to."""

    id: str
    name: str
    active: bool = True
    module: str = ""
    project_id: str | None = None


@dataclass(frozen=True, slots=True)
class OrderLine:
    product_id: str
    sku: str
    quantity: Decimal
    unit_price: Money | None = None
    name: str | None = None
    line_id: str | None = None
    tax: LineTax | None = None
    discount_percent: Decimal | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class OrderCharge:
    """An order-level amount booked on a configured product (the fields shipping costs and discounts share)."""

    product_id: str
    amount: Money
    tax: LineTax
    name: str | None = None
    line_id: str | None = None  # the shop's own id of the line (Xentral's webId)


@dataclass(frozen=True, slots=True)
class ShippingCost(OrderCharge):
    """One shipping cost line, on the configured shipping-cost product."""


@dataclass(frozen=True, slots=True)
class OrderDiscount(OrderCharge):
    """A coupon or order-level discount: a positive amount that is subtracted, on the discount product."""


@dataclass(frozen=True, slots=True)
class ExternalTotal:
    """The buyer's gross total, for Xentral to book as the order's total (its cent rounding aside)
    when its own sum is within `max_difference` of it: the invoice then says what the buyer paid."""

    gross: Decimal
    max_difference: Decimal


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """Where and how Xentral fulfils an order, as its own shop connectors set it: fast lane, the
    documents auto-shipping creates, and a preferred warehouse *or* a storage country (never both)."""

    fast_lane: bool | None = None
    documents: DocumentsOnShipping | None = None
    preferred_warehouse_id: str | None = None
    storage_country: str | None = None

    def __post_init__(self) -> None:
        if self.preferred_warehouse_id is not None and self.storage_country is not None:
            raise ValueError("a preferred warehouse or a storage country, not both")


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """Everything the import needs, with every code already resolved to a Xentral id."""

    order_date: dt.date
    reference: str
    customer_id: str
    project_id: str
    payment_method_id: str
    shipping_method_id: str
    currency: str
    lines: tuple[OrderLine, ...]
    billing_address: Address | None = None
    shipping_address: Address | None = None
    sales_channel_id: str | None = None
    external_order_id: str | None = None
    transaction_number: str | None = None
    customer_order_number: str | None = None
    internal_note: str | None = None
    internal_designation: str | None = None
    language: str | None = None
    auto_shipping: bool = False
    custom_fields: dict[str, str] = field(default_factory=dict)
    prices: Prices | None = None
    taxation: Taxation | None = None
    vat_id: str | None = None
    shipping_costs: tuple[ShippingCost, ...] = ()
    discounts: tuple[OrderDiscount, ...] = ()
    totals: TotalsCheck | None = None  # what we computed before the import (and the buyer's total)
    external_total: ExternalTotal | None = None  # sent as setTotalAmount
    vat_id_checked: bool = False  # the shop validated `vat_id` (Xentral's vatCheck)
    fulfilment: Fulfilment = field(default_factory=Fulfilment)


@dataclass(frozen=True, slots=True)
class SalesOrder:
    """A Xentral sales order as read back; `total` (gross) and `net_sales` as Xentral computed them,
    None when the answer carried none. `held_reasons`: what holds it in Xentral (its red traffic
    lights, orders/holds.py), empty when all are green, None when the answer carried no lights (the view)."""

    id: str
    document_number: str | None
    status: str
    reference: str | None
    customer_id: str | None = None
    customer_number: str | None = None
    total: Decimal | None = None
    net_sales: Decimal | None = None
    held_reasons: tuple[HeldReason, ...] | None = None
