"""`OrderDraft` → the body of `POST /api/v1/salesOrders/actions/import` (docs/xentral.md#sales-order-import).

A pure function, so the exact wire shape is unit-tested without HTTP. Every key written
here exists in the spec's import schema (`additionalProperties:false` on the root,
financials, addresses and positions): an unknown key would turn the whole order into a 400.

Where custom fields go: the import schema has no free-field slot for the order (the only
`freeFields` sit on `positions[].product` and describe the product, not the order), so
`OrderDraft.custom_fields` are appended to the internal `comment`, one `key: value` line
each under a "Custom fields:" heading, after the internal note. They stay visible to staff
on the order and never print on customer documents (unlike bodyIntroduction/Outroduction).

Money (docs/xentral.md#prices-tax-and-totals): `financials.tax` always states `taxation` and `taxDisplay`, so Xentral
reads our amounts as we computed them; every position, shipping cost and discount position
carries its `tax`. `positions[].discount` is never sent (its scale is contested): a discounted line
states its discounted unit price (`discounted_price`), so the booked total is the same under either reading.
Assumptions where the spec is ambiguous (docs/xentral.md#prices-tax-and-totals), each made here once:
`tax.rate` is a percentage (`tax_body`), and `discountPositions[].value.amount` is a positive amount Xentral
subtracts.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ..orders.model import (
    Address,
    DocumentsOnShipping,
    ExternalTotal,
    Fulfilment,
    LineTax,
    Money,
    OrderDiscount,
    OrderDraft,
    OrderLine,
    ShippingCost,
)
from .wire import (
    AddressType,
    AutoCreateDocuments,
    BillingAddressBody,
    DiscountPositionBody,
    ImportDelivery,
    ImportFinancials,
    ImportPosition,
    ImportTax,
    MoneyBody,
    SalesOrderImport,
    SetTotalAmountBody,
    ShippingAddressBody,
    ShippingCostBody,
    TaxBody,
)

__all__ = [
    "CUSTOM_FIELDS_HEADING",
    "build_import_payload",
    "discounted_price",
    "money_body",
    "set_total_amount",
    "tax_body",
    "wire_number",
]

CUSTOM_FIELDS_HEADING = "Custom fields:"


def build_import_payload(draft: OrderDraft) -> SalesOrderImport:
    """The import body for `draft`; optional parts are left out rather than sent empty.

    Left out on purpose so Xentral fills them from the customer master data (docs/xentral.md#sales-order-import):
    `billingAddress` and `shippingAddress` when the draft has none, and `paymentTerms`
    always; `tax` only when the draft has no prices mode (no money drafted).
    """
    financials: ImportFinancials = {
        "paymentMethod": {"id": draft.payment_method_id},
        "currency": draft.currency,
    }
    if draft.billing_address is not None:
        financials["billingAddress"] = billing_address(draft.billing_address)
    tax = _order_tax(draft)
    if tax is not None:
        financials["tax"] = tax

    delivery: ImportDelivery = {
        "shippingMethod": {"id": draft.shipping_method_id},
        # Always explicit: False holds the order back from auto-dispatch (docs/xentral.md#sales-order-import).
        "autoShipping": draft.auto_shipping,
    }
    _fulfil(delivery, draft.fulfilment)
    if draft.shipping_address is not None:
        delivery["shippingAddress"] = shipping_address(draft.shipping_address)
    if draft.shipping_costs:
        delivery["shippingCosts"] = [shipping_cost(cost) for cost in draft.shipping_costs]

    payload: SalesOrderImport = {
        "date": draft.order_date.isoformat(),
        "externalOrderNumber": draft.reference,
        "customer": {"id": draft.customer_id},
        "project": {"id": draft.project_id},
        "financials": financials,
        "delivery": delivery,
        "positions": [position(line) for line in draft.lines],
    }
    if draft.discounts:
        payload["discountPositions"] = [discount_position(discount) for discount in draft.discounts]
    if draft.external_total is not None:
        payload["setTotalAmount"] = set_total_amount(draft.external_total)
    if draft.external_order_id is not None:
        payload["externalOrderId"] = draft.external_order_id
    if draft.transaction_number is not None:
        payload["transactionNumber"] = draft.transaction_number
    if draft.customer_order_number is not None:
        payload["customerOrderNumber"] = draft.customer_order_number
    if draft.fulfilment.documents is not None:
        payload["autoCreateDocuments"] = _DOCUMENTS[draft.fulfilment.documents]
    if draft.vat_id:
        # Only with a VAT id: it says whether that id was checked (the spec: "the provided VAT-ID").
        payload["vatCheck"] = draft.vat_id_checked
    if draft.internal_designation is not None:
        payload["internalDesignation"] = draft.internal_designation
    comment = _comment(draft.internal_note, draft.custom_fields)
    if comment is not None:
        payload["comment"] = comment
    if draft.sales_channel_id is not None:
        # Assumption (docs/xentral.md#mapping-lists): this is a GET /api/v2/salesChannels id.
        payload["salesChannel"] = {"id": draft.sales_channel_id}
    if draft.language is not None:
        payload["language"] = {"iso2": draft.language}
    return payload


_DOCUMENTS: dict[DocumentsOnShipping, AutoCreateDocuments] = {
    "delivery_note_and_invoice": "deliveryNote+invoice",
    "delivery_note": "deliveryNote",
    "invoice": "invoice",
}


def _fulfil(delivery: ImportDelivery, fulfilment: Fulfilment) -> None:
    """Fast lane and the place of fulfilment, each only when set (Xentral's defaults otherwise)."""
    if fulfilment.fast_lane is not None:
        delivery["fastLane"] = fulfilment.fast_lane
    if fulfilment.preferred_warehouse_id is not None:
        delivery["preferredWarehouse"] = {"id": fulfilment.preferred_warehouse_id}
    elif fulfilment.storage_country is not None:
        delivery["storageCountry"] = fulfilment.storage_country


def position(line: OrderLine) -> ImportPosition:
    """One position, keyed by product id (Xentral ignores SKUs here, docs/xentral.md#sales-order-import).

    Without `price` Xentral is said to use the product's master price (a third-party hint,
    docs/xentral.md#prices-tax-and-totals).
    Assumption (docs/xentral.md#prices-tax-and-totals): `price.amount` is read as net or gross per the order's tax
    display, which we leave to Xentral's default.
    """
    body: ImportPosition = {"product": {"id": line.product_id}, "quantity": wire_number(line.quantity)}
    if line.discount_percent:
        body["price"] = money_body(discounted_price(line))
    elif line.unit_price is not None:
        body["price"] = money_body(line.unit_price)
    if line.tax is not None:
        body["tax"] = tax_body(line.tax)
    if line.comment is not None:
        body["comment"] = line.comment
    if line.line_id is not None:
        body["webId"] = line.line_id
    return body


def shipping_cost(cost: ShippingCost) -> ShippingCostBody:
    body: ShippingCostBody = {
        "shippingCostProduct": {"id": cost.product_id},
        "quantity": 1,
        "price": money_body(cost.amount),
        "tax": tax_body(cost.tax),
    }
    if cost.name:
        body["comment"] = cost.name
    if cost.line_id is not None:
        body["webId"] = cost.line_id
    return body


def discount_position(discount: OrderDiscount) -> DiscountPositionBody:
    """Assumption (docs/xentral.md#prices-tax-and-totals): the value is a positive amount that Xentral subtracts."""
    body: DiscountPositionBody = {
        "discountProduct": {"id": discount.product_id},
        "quantity": 1,
        "value": money_body(Money(abs(discount.amount.amount), discount.amount.currency)),
        "tax": tax_body(discount.tax),
    }
    if discount.line_id is not None:
        body["webId"] = discount.line_id
    return body


def set_total_amount(total: ExternalTotal) -> SetTotalAmountBody:
    """The buyer's total as Xentral's external total (a JSON number there, unlike money objects)."""
    return {
        "isActive": True,
        "totalGrossAmountFromExternal": float(total.gross),
        "maximumDifferenceToCalculatedSum": float(total.max_difference),
    }


def tax_body(tax: LineTax) -> TaxBody:
    """A category when the line has one, else the rate — in percent (assumption: like the project's
    `normalTaxRate` 19; the spec's rate example 0.5 says nothing either way). Never both (spec)."""
    text = f"{format(tax.percent.normalize(), 'f')}% VAT"
    if tax.category is not None:
        return {"vatCategory": tax.category, "taxText": text}
    assert tax.rate is not None
    return {"rate": wire_number(tax.rate), "taxText": text}


def discounted_price(line: OrderLine) -> Money:
    """The unit price after the line's discount, exact (19.99 less 15 % → 16.9915), so quantity x price is
    the discounted line our totals computed; sent instead of `positions[].discount`, whose scale the spec
    contradicts (description: a fraction, examples and v3: percent). Pricing gives every discounted line
    its price (the master price when the request had none)."""
    if line.unit_price is None or line.discount_percent is None:
        raise ValueError(f"line {line.sku!r}: a discount needs the unit price it lowers")
    amount = line.unit_price.amount * (1 - line.discount_percent / 100)
    cent = Decimal("0.01")
    exact = amount.quantize(cent) if amount == amount.quantize(cent) else amount.normalize()
    return Money(exact, line.unit_price.currency)


def _order_tax(draft: OrderDraft) -> ImportTax | None:
    if draft.prices is None:
        return None
    tax: ImportTax = {"taxDisplay": draft.prices}
    if draft.taxation is not None:
        tax["taxation"] = draft.taxation
    if draft.vat_id:
        tax["vatId"] = draft.vat_id
    return tax


def billing_address(address: Address) -> BillingAddressBody:
    """Billing address, with the buyer's phone as `phoneNumber` (as Xentral's own shop connectors send it).

    Assumption (docs/xentral.md#sales-order-import): for a company address Xentral's `name` holds the company and
    `contactPerson` the person, as on its printed documents.
    """
    name, contact_person = _name_and_contact(address)
    body: BillingAddressBody = {"name": name, "country": address.country}
    address_type = _address_type(address)
    if address_type is not None:
        body["type"] = address_type
    if contact_person is not None:
        body["contactPerson"] = contact_person
    if address.title is not None:
        body["title"] = address.title
    body["street"] = address.street
    body["zipCode"] = address.zip
    body["city"] = address.city
    if address.state is not None:
        body["state"] = address.state
    if address.address_supplement is not None:
        body["addressSupplement"] = address.address_supplement
    if address.email is not None:
        body["email"] = address.email
    if address.phone is not None:
        body["phoneNumber"] = address.phone
    return body


def shipping_address(address: Address) -> ShippingAddressBody:
    """Shipping address; the schema has no title or phone slot, so those are not sent."""
    name, contact_person = _name_and_contact(address)
    body: ShippingAddressBody = {
        "name": name,
        "street": address.street,
        "zipCode": address.zip,
        "city": address.city,
        "country": address.country,
    }
    address_type = _address_type(address)
    if address_type is not None:
        body["type"] = address_type
    if contact_person is not None:
        body["contactPerson"] = contact_person
    if address.state is not None:
        body["state"] = address.state
    if address.address_supplement is not None:
        body["addressSupplement"] = address.address_supplement
    if address.email is not None:
        body["email"] = address.email
    return body


def money_body(money: Money) -> MoneyBody:
    """Money as Xentral writes it: the amount as a plain decimal string ("19.99", never 1E+1)."""
    return {"amount": format(money.amount, "f"), "currency": money.currency}


def wire_number(value: Decimal) -> float:
    """A JSON number for a quantity: int when whole (2, not 2.0), else float."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _name_and_contact(address: Address) -> tuple[str, str | None]:
    if address.company:
        return address.company, address.name
    return address.name, None


def _address_type(address: Address) -> AddressType | None:
    if address.salutation is not None:
        return address.salutation
    return "company" if address.company else None


def _comment(internal_note: str | None, custom_fields: Mapping[str, str]) -> str | None:
    parts: list[str] = []
    if internal_note:
        parts.append(internal_note)
    if custom_fields:
        lines = "\n".join(f"{key}: {value}" for key, value in custom_fields.items())
        parts.append(f"{CUSTOM_FIELDS_HEADING}\n{lines}")
    return "\n\n".join(parts) if parts else None
