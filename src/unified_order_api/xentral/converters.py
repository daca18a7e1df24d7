"""Xentral's wire items as the order service's values: one converter per kind, pure and without HTTP.

Every read that hands Xentral's data to the order service goes through these (the gateway, the
batched reads), so an item reads the same whichever call fetched it. Where the wire is unclear the
assumption is written beside the field.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..orders.holds import HeldReason
from ..orders.model import (
    Address,
    Customer,
    CustomerAddress,
    Money,
    PaymentMethod,
    Product,
    Project,
    SalesChannel,
    SalesOrder,
    ShippingMethod,
)
from ..orders.taxation import TaxRates
from .wire import (
    CustomerAddressItem,
    CustomerItem,
    PaymentMethodItem,
    ProductItem,
    ProjectItem,
    SalesChannelItem,
    SalesOrderItem,
    SalesOrderView,
    ShippingMethodItem,
    WireMoney,
)

__all__ = [
    "to_customer",
    "to_customer_address",
    "to_payment_method",
    "to_product",
    "to_project",
    "to_sales_channel",
    "to_sales_order",
    "to_shipping_method",
]


def to_product(item: ProductItem) -> Product:
    """A v2 product of the list or the view; a disabled or deleted one counts as locked: no order may use it."""
    reason = item.disabled_reason or None
    if item.is_deleted:
        reason = reason or "deleted"
    return Product(
        id=item.id,
        sku=item.number,
        name=item.name or "",
        is_locked=item.is_disabled or item.is_deleted,
        locked_reason=reason,
        sales_price_net=_money(item.sales_price_net),
        sales_price_gross=_money(item.sales_price_gross),
        tax_class=item.sales_tax or None,
        is_shipping_costs_product=item.is_shipping_costs_product,
        is_discount_product=item.discount is not None and item.discount.is_discount_product,
    )


def to_customer(item: CustomerItem) -> Customer:
    """A v2 customer of the list or the view (both carry `number` and `contactDetails.email`)."""
    return Customer(id=item.id, number=item.number or None, email=item.email or None, name=item.name or "")


def to_customer_address(item: CustomerAddressItem) -> CustomerAddress | None:
    """One listed address of a customer; None for the kind we never write (a separate billing address)."""
    if item.type not in ("masterdata", "deliveryaddress"):
        return None
    place = Address(
        name=item.name or "",
        street=item.street or "",
        zip=item.zip or "",
        city=item.city or "",
        country=item.country or "",
        address_supplement=item.address_supplement or None,
        state=item.state or None,
    )
    return CustomerAddress("masterdata" if item.type == "masterdata" else "deliveryaddress", place)


def to_sales_order(item: SalesOrderItem | SalesOrderView) -> SalesOrder:
    """A sales order of the list (totals as numbers) or the view (totals as money objects)."""
    return SalesOrder(
        id=item.id,
        # Assumption (docs/xentral.md#reading-an-order-back): documentNumber may still be empty right after the import.
        document_number=item.document_number or None,
        status=item.status,
        reference=item.external_order_number or None,
        customer_id=item.customer.id if item.customer is not None else None,
        customer_number=item.customer.number if item.customer is not None else None,
        # Compared with ours after the import (orders/totals.py).
        total=_cents(_amount(item.total)),
        net_sales=_cents(_amount(item.net_sales)),
        held_reasons=_held_reasons(item) if isinstance(item, SalesOrderItem) else None,
    )


# Each light of the list item and the reason its red (false) value names. `isBeingEdited` and
# `subsequentDelivery` are states, not checks, and hold nothing (docs/xentral.md#reading-an-order-back).
_LIGHTS: tuple[tuple[str, HeldReason], ...] = (
    ("stock_ok", "out_of_stock"),
    ("prepaid_ok", "awaiting_prepayment"),
    ("vat_ok", "vat_id_check_failed"),
    ("shipping_lock_ok", "delivery_blocked"),
    ("credit_limit_ok", "credit_limit_exceeded"),
    ("shipping_date_ok", "delivery_date_not_reached"),
    ("postage_ok", "shipping_costs_unclear"),
    ("customer_check_ok", "customer_check_failed"),
)


def _held_reasons(item: SalesOrderItem) -> tuple[HeldReason, ...] | None:
    """The reasons of the item's red lights; None when it carries no light at all (nothing known).
    A light the item lacks is not counted red: only what Xentral says holds the order is reported."""
    lights = [(getattr(item, name), reason) for name, reason in _LIGHTS]
    if all(value is None for value, _ in lights):
        return None
    return tuple(reason for value, reason in lights if value is False)


def _amount(value: Decimal | WireMoney | None) -> Decimal | None:
    """A total of the list (a number) or of the view (a money object); one we cannot read is no total."""
    if not isinstance(value, WireMoney):
        return value
    try:
        return Decimal(value.amount)
    except InvalidOperation:
        return None


def to_shipping_method(item: ShippingMethodItem) -> ShippingMethod:
    return ShippingMethod(
        id=item.id, type=item.type or "", module=item.module or "", designation=item.designation or ""
    )


def to_payment_method(item: PaymentMethodItem) -> PaymentMethod:
    return PaymentMethod(id=item.id, type=item.type or "", designation=item.designation or "")


def to_project(item: ProjectItem) -> Project:
    rates = None
    if item.normal_tax_rate is not None and item.reduced_tax_rate is not None:
        # Floats on the wire (19, 7, 13.3): read through str so 13.3 stays 13.3, not 13.30000000000000071…
        rates = TaxRates(normal=Decimal(str(item.normal_tax_rate)), reduced=Decimal(str(item.reduced_tax_rate)))
    return Project(
        id=item.id, name=item.name or "", key_name=item.key_name or "", currency=item.currency, tax_rates=rates
    )


def to_sales_channel(item: SalesChannelItem) -> SalesChannel:
    """A v2 sales channel (docs/xentral.md#mapping-lists); only an explicit `active: false` is inactive."""
    return SalesChannel(
        id=item.id,
        name=item.name or "",
        active=item.active is not False,
        module=item.module_name or "",
        project_id=item.project.id if item.project is not None else None,
    )


def _money(money: WireMoney | None) -> Money | None:
    if money is None:
        return None
    try:
        return Money(amount=Decimal(money.amount), currency=money.currency)
    except InvalidOperation:
        # A price we cannot read is treated as no price rather than failing the lookup.
        return None


def _cents(amount: Decimal | None) -> Decimal | None:
    """An amount at least to the cent (119 → 119.00), so it reads like the amounts we compute."""
    if amount is None:
        return None
    exponent = amount.as_tuple().exponent
    return amount.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent > -2 else amount
