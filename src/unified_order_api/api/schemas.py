"""The JSON our callers send and receive; these models are what `/openapi.json` documents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ..orders.amendments import ShopChange
from ..orders.attempts import Attempt, AttemptState, OrderReceipt
from ..orders.cancellations import CancellationRecord
from ..orders.commands import (
    AmountLine,
    CustomerDetails,
    ItemRequest,
    PaymentStatus,
    PlaceOrder,
    Redemption,
    RedemptionKind,
    TaxComponent,
    mask_code,
)
from ..orders.currencies import Currency
from ..orders.errors import FieldProblem
from ..orders.holds import HELD_REASONS, HeldReason
from ..orders.model import Address, DocumentsOnShipping
from ..orders.refunds import Refund, refunded_total
from .lifecycle_schemas import LifecycleOut

MAX_ITEMS = 250
MAX_QUANTITY = Decimal(100_000)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Country = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 country code", examples=["DE"]),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    Field(examples=["kunde@example.com"]),
]
# Any printable text without slashes, except `.` and `..`: a reference is a path segment of
# GET /api/orders/{reference}, where those two would name another path.
_REF_CHAR = r"[^/\\\x00-\x1f\x7f]"
_REF_START = r"[^/\\\x00-\x1f\x7f.]"
Reference = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=64,
        pattern=rf"^(?:{_REF_START}{_REF_CHAR}*|\.{_REF_START}{_REF_CHAR}*|\.\.{_REF_CHAR}+)$",
    ),
    Field(
        description="Your order number; becomes Xentral's externalOrderNumber (no `/` or `\\`, not `.` or `..`)",
        examples=["SHOP-12345"],
    ),
]
XentralId = Annotated[str, StringConstraints(pattern=r"^\d{1,18}$")]
Salutation = Literal["mr", "mrs", "company", "other"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddressIn(_Strict):
    name: Text
    company: Text | None = None
    street: Text
    zip: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    city: Text
    country: Country
    address_supplement: Text | None = None
    state: Text | None = None
    salutation: Salutation | None = None
    title: ShortText | None = None
    email: Email | None = None
    phone: ShortText | None = None

    def to_domain(self) -> Address:
        return Address(**self.model_dump())


class CustomerIn(_Strict):
    email: Email | None = Field(default=None, description="Required unless customer_number is given")
    name: Text
    customer_number: ShortText | None = Field(default=None, description="Xentral customer number, if known")
    company: Text | None = None
    street: Text | None = Field(default=None, description="Required unless customer_number is given")
    zip: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None = None
    city: Text | None = None
    country: Country | None = None
    address_supplement: Text | None = None
    state: Text | None = None
    phone: ShortText | None = None
    title: ShortText | None = None
    salutation: Salutation | None = None
    vat_id: ShortText | None = None

    def to_domain(self) -> CustomerDetails:
        address = Address(
            name=self.name,
            company=self.company,
            street=self.street or "",
            zip=self.zip or "",
            city=self.city or "",
            country=self.country or "",
            address_supplement=self.address_supplement,
            state=self.state,
            salutation=self.salutation or ("company" if self.company else None),
            title=self.title,
            email=self.email,
            phone=self.phone,
        )
        return CustomerDetails(
            name=self.name,
            address=address,
            email=self.email,
            number=self.customer_number,
            company=self.company,
            phone=self.phone,
            vat_id=self.vat_id,
        )


TaxRate = Annotated[
    Decimal,
    Field(
        ge=0,
        lt=100,
        decimal_places=4,
        description="VAT rate in percent (19 = 19 %); instead of vat_category",
        examples=[19, 7, "7.5", 0],
    ),
]
VatCategoryIn = Annotated[
    Literal["normal", "reduced", "exempt"],
    Field(description="The project's normal or reduced rate, or exempt (0 %); instead of tax_rate"),
]
Amount = Annotated[Decimal, Field(ge=0, le=Decimal(1_000_000), decimal_places=4)]
TaxAmount = Annotated[
    Decimal,
    Field(
        ge=0,
        le=Decimal(1_000_000),
        decimal_places=4,
        description="The line's tax as the shop charged it (after the line's discount); the totals take it as "
        "stated, whatever our rounding would give",
        examples=["6.38"],
    ),
]


class TaxComponentIn(_Strict):
    """One tax the shop charged on the line (a state and a city tax are two): rate and amount as charged."""

    name: ShortText | None = Field(default=None, examples=["CA State Tax"])
    rate: TaxRate
    amount: TaxAmount

    def to_domain(self) -> TaxComponent:
        return TaxComponent(self.rate, self.amount, self.name)


TaxComponents = Annotated[
    list[TaxComponentIn],
    Field(
        max_length=10,
        description="The taxes the shop charged on the line, each with its rate and amount; instead of "
        "tax_rate, vat_category and tax_amount (the rates add up)",
    ),
]


class ItemIn(_Strict):
    sku: ShortText = Field(examples=["ART-001"])
    quantity: Annotated[Decimal, Field(gt=0, le=MAX_QUANTITY, decimal_places=4, examples=[2])]
    price: Annotated[Decimal, Field(ge=0, le=Decimal("1e9"), decimal_places=4)] | None = Field(
        default=None,
        description="Unit price, gross or net per `prices`; without it Xentral's master price applies",
        examples=["49.90"],
    )
    name: Text | None = None
    line_id: ShortText | None = Field(default=None, description="Your line id; Xentral's webId")
    tax_rate: TaxRate | None = None
    vat_category: VatCategoryIn | None = None
    discount_percent: Annotated[Decimal, Field(ge=0, le=100, decimal_places=4)] | None = Field(
        default=None, description="Line discount in percent (0-100) of price * quantity", examples=[10]
    )
    tax_amount: TaxAmount | None = None
    taxes: TaxComponents = Field(default_factory=list)

    def to_domain(self) -> ItemRequest:
        return ItemRequest(
            self.sku,
            self.quantity,
            self.price,
            self.name,
            self.line_id,
            tax_rate=self.tax_rate,
            vat_category=self.vat_category,
            discount_percent=self.discount_percent,
            tax_amount=self.tax_amount,
            taxes=tuple(component.to_domain() for component in self.taxes),
        )


class AmountLineIn(_Strict):
    """A shipping cost, fee or order discount: gross or net per `prices`; VAT by tax_rate or vat_category
    (default: the project's normal rate)."""

    name: Text = Field(examples=["DHL"])
    amount: Amount = Field(examples=["4.90"])
    tax_rate: TaxRate | None = None
    vat_category: VatCategoryIn | None = None
    tax_amount: TaxAmount | None = None
    taxes: TaxComponents = Field(default_factory=list)
    line_id: ShortText | None = Field(default=None, description="Your line id; Xentral's webId")

    def to_domain(self) -> AmountLine:
        return AmountLine(
            self.name,
            self.amount,
            self.tax_rate,
            self.vat_category,
            self.tax_amount,
            tuple(component.to_domain() for component in self.taxes),
            self.line_id,
        )


AmountLines = Annotated[list[AmountLineIn], Field(max_length=50)]


class RedemptionIn(_Strict):
    """A gift card or store credit the buyer paid with: a payment, never a discount (the order keeps
    its full value). Only the code's last four characters are kept."""

    kind: RedemptionKind = Field(examples=["gift_card"])
    amount: Amount = Field(examples=["12.00"])
    code: ShortText | None = Field(default=None, examples=["****-7XK2"])

    @field_validator("code")
    @classmethod
    def _masked(cls, code: str | None) -> str | None:
        # Masked as it is read, so the normalised request (stored, shown, replayed) never holds the code.
        return mask_code(code)

    def to_domain(self) -> Redemption:
        return Redemption(self.kind, self.amount, self.code)


PaymentStatusIn = PaymentStatus  # the service's list: a status the edge accepts is one the flow knows


ORDER_EXAMPLE: dict[str, Any] = {
    "customer": {
        "email": "kunde@example.com",
        "name": "Max Mustermann",
        "street": "Musterstraße 1",
        "zip": "12345",
        "city": "Musterstadt",
        "country": "DE",
    },
    "items": [{"sku": "ART-001", "quantity": 2}, {"sku": "ART-002", "quantity": 1}],
    "shipping": "dhl_standard",
    "payment": "paypal",
    "reference": "SHOP-12345",
}

# The same order with its money spelled out, as a shop that knows its totals sends it.
MONEY_EXAMPLE: dict[str, Any] = {
    "reference": "SHOP-12346",
    "customer": {
        "email": "einkauf@example.at",
        "name": "Anna Berger",
        "company": "Berger Handels GmbH",
        "vat_id": "ATU12345678",
        "street": "Ringstraße 9",
        "zip": "1010",
        "city": "Wien",
        "country": "AT",
    },
    "prices": "net",
    "items": [
        {"sku": "ART-001", "quantity": 2, "price": "16.80", "tax_rate": 19, "discount_percent": 10},
        {"sku": "BOOK-001", "quantity": 1, "price": "23.36", "vat_category": "reduced"},
    ],
    "shipping_costs": [{"name": "DHL", "amount": "4.12", "tax_rate": 19}],
    "fees": [{"name": "Cash on delivery", "amount": "2.00", "tax_rate": 19}],
    "discounts": [{"name": "TENOFF", "amount": "5.00", "tax_rate": 19}],
    "expected_total": "54.72",
    "shipping": "dhl_standard",
    "payment": "invoice",
    "payment_status": "pending",
}


# A customer Xentral knows by number (a B2B portal), delivered elsewhere, with the buyer's PO number.
KNOWN_CUSTOMER_EXAMPLE: dict[str, Any] = {
    "reference": "B2B-4711",
    "customer": {"customer_number": "10001", "name": "Beispiel GmbH"},
    "customer_order_number": "PO-2026-118",
    "items": [{"sku": "ART-003", "quantity": 25, "price": "14.90", "line_id": "1"}],
    "shipping_address": {
        "name": "Beispiel GmbH, Lager",
        "street": "Lagerweg 3",
        "zip": "85748",
        "city": "Garching",
        "country": "DE",
    },
    "shipping": "dhl_standard",
    "payment": "invoice",
    "payment_status": "pending",
}

# Paid partly with a gift card: a payment, so the order keeps its full value (`expected_total`).
GIFT_CARD_EXAMPLE: dict[str, Any] = {
    "reference": "SHOP-12347",
    "customer": {
        "email": "erika@example.com",
        "name": "Erika Mustermann",
        "street": "Ringstr. 9",
        "zip": "1010",
        "city": "Wien",
        "country": "AT",
    },
    "items": [{"sku": "ART-002", "quantity": 1, "price": "49.90"}],
    "shipping_cost": "4.90",
    "redeemed": [{"kind": "gift_card", "amount": "20.00", "code": "****-7XK2"}],
    "expected_total": "54.80",
    "shipping": "dhl_standard",
    "payment": "paypal",
    "payment_status": "paid",
    "transaction_id": "PAYPAL-TX-2",
}

ORDER_REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    "minimal": {"summary": "A new or known customer by email, master prices", "value": ORDER_EXAMPLE},
    "money": {"summary": "Net prices, taxes, shipping, fee, coupon and the expected total", "value": MONEY_EXAMPLE},
    "known_customer": {"summary": "A customer by number, another delivery address", "value": KNOWN_CUSTOMER_EXAMPLE},
    "gift_card": {"summary": "Paid partly with a gift card", "value": GIFT_CARD_EXAMPLE},
}
"""Every request example `/docs` shows for `POST /api/orders` (a test sends each as a dry run)."""


class OrderRequest(_Strict):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [ORDER_EXAMPLE, MONEY_EXAMPLE]}
    )

    reference: Reference
    customer: CustomerIn
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=MAX_ITEMS)]
    shipping: ShortText | None = Field(
        default=None,
        description="Your shipping code, e.g. dhl_standard. May be left out or null only when the service has a "
        "default shipping method (UOA_DEFAULTS__SHIPPING_METHOD_ID); otherwise the order is refused (422).",
    )
    payment: ShortText | None = Field(
        default=None,
        description="Your payment code, e.g. paypal. May be left out or null only when the service has a "
        "default payment method (UOA_DEFAULTS__PAYMENT_METHOD_ID); otherwise the order is refused (422).",
    )
    payment_status: PaymentStatusIn | None = Field(
        default=None,
        description=(
            "Written to the order's internal comment (Xentral's import has no paid flag); picks the payment "
            "method where the payment code is mapped by status (payment_map); "
            "`voided` and `cancelled` orders are refused with 422 order_cancelled, never imported"
        ),
    )
    transaction_id: ShortText | None = Field(default=None, description="Becomes Xentral's transactionNumber")
    billing_address: AddressIn | None = None
    shipping_address: AddressIn | None = None
    currency: Currency | None = None
    order_date: dt.date | None = None
    shipping_cost: Annotated[Decimal, Field(ge=0, le=Decimal(100_000), decimal_places=4)] | None = Field(
        default=None, description="Shorthand for one `shipping_costs` line at the normal rate", examples=["4.90"]
    )
    prices: Literal["gross", "net"] | None = Field(
        default=None,
        description="How every amount in the order is meant; default per configuration (gross). "
        "Becomes Xentral's financials.tax.taxDisplay",
    )
    taxation: Literal["domestic", "eu", "export"] | None = Field(
        default=None,
        description="Derived when absent: buyer's country = home → domestic; another EU country with "
        "customer.vat_id → eu (no VAT); outside the EU → export (no VAT)",
    )
    shipping_costs: AmountLines = Field(
        default_factory=list, examples=[[{"name": "DHL", "amount": "4.90", "tax_rate": 19}]]
    )
    discounts: AmountLines = Field(
        default_factory=list,
        description="Coupons and order-level discounts: positive amounts, subtracted as discount positions",
        examples=[[{"name": "TENOFF", "amount": "10.00", "tax_rate": 19}]],
    )
    fees: AmountLines = Field(
        default_factory=list,
        description="Surcharges, each a position on the configured fee product",
        examples=[[{"name": "Cash on delivery", "amount": "2.00", "tax_rate": 19}]],
    )
    expected_total: Annotated[Decimal, Field(ge=0, le=Decimal("1e10"), decimal_places=4)] | None = Field(
        default=None,
        description="The gross total the buyer was charged, its full value (gift cards and store credit "
        "included); a computed total differing beyond the tolerance is refused (422 total_mismatch), "
        "any other difference flagged",
        examples=["54.72"],
    )
    redeemed: Annotated[list[RedemptionIn], Field(max_length=20)] = Field(
        default_factory=list,
        description="Gift cards and store credit the buyer paid with (payments, not discounts: the order is "
        "booked at its full value, `expected_total`); the internal comment says what was paid how",
    )
    custom_fields: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=64)],
            Annotated[str, StringConstraints(max_length=1000)],
        ],
        Field(max_length=50),
    ] = Field(default_factory=dict)
    internal_note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    customer_order_number: ShortText | None = Field(default=None, description="Buyer's PO number (B2B)")
    external_order_id: ShortText | None = Field(default=None, description="Your technical order id")
    project: XentralId | None = Field(default=None, description="Xentral project id, overriding the default")
    auto_shipping: bool | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = None
    callback_url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://")] | None = Field(
        default=None, description="Where to send the order.created callback; host must be on your allow-list"
    )
    vat_id_checked: bool | None = Field(
        default=None,
        description="You validated customer.vat_id (Xentral's vatCheck, sent when the order has a VAT id); "
        "default per configuration (defaults.vat_id_checked)",
    )
    fast_lane: bool | None = Field(default=None, description="Xentral's delivery.fastLane; default per configuration")
    auto_create_documents: DocumentsOnShipping | None = Field(
        default=None,
        description="Documents Xentral's auto-shipping creates (autoCreateDocuments); default per configuration",
    )
    preferred_warehouse: XentralId | None = Field(
        default=None,
        description="Xentral warehouse id for fulfilment with delivery notes (delivery.preferredWarehouse); "
        "not with storage_country",
    )
    storage_country: Country | None = Field(
        default=None,
        description="Country of external fulfilment without delivery notes (delivery.storageCountry); "
        "not with preferred_warehouse",
    )

    def to_command(self) -> PlaceOrder:
        return PlaceOrder(
            reference=self.reference,
            customer=self.customer.to_domain(),
            items=tuple(item.to_domain() for item in self.items),
            shipping=self.shipping,
            payment=self.payment,
            billing_address=self.billing_address.to_domain() if self.billing_address else None,
            shipping_address=self.shipping_address.to_domain() if self.shipping_address else None,
            currency=self.currency,
            order_date=self.order_date,
            payment_status=self.payment_status,
            transaction_id=self.transaction_id,
            shipping_cost=self.shipping_cost,
            custom_fields=dict(self.custom_fields),
            internal_note=self.internal_note,
            customer_order_number=self.customer_order_number,
            external_order_id=self.external_order_id,
            project_id=self.project,
            auto_shipping=self.auto_shipping,
            language=self.language,
            callback_url=self.callback_url,
            prices=self.prices,
            taxation=self.taxation,
            shipping_costs=tuple(line.to_domain() for line in self.shipping_costs),
            discounts=tuple(line.to_domain() for line in self.discounts),
            fees=tuple(line.to_domain() for line in self.fees),
            expected_total=self.expected_total,
            redeemed=tuple(redemption.to_domain() for redemption in self.redeemed),
            vat_id_checked=self.vat_id_checked,
            fast_lane=self.fast_lane,
            auto_create_documents=self.auto_create_documents,
            preferred_warehouse=self.preferred_warehouse,
            storage_country=self.storage_country,
        )


def cross_field_problems(body: Any) -> list[FieldProblem]:
    """Rules that span fields, checked on the raw body so they join the schema errors in one answer."""
    if not isinstance(body, dict):
        return []
    customer = body.get("customer")
    if not isinstance(customer, dict) or customer.get("customer_number"):
        return []
    problems = []
    for name in ("email", "street", "zip", "city", "country"):
        if customer.get(name) in (None, ""):
            problems.append(FieldProblem(f"/customer/{name}", "required", f"Required field '{name}' is missing"))
    return problems


class CustomerOut(BaseModel):
    id: str
    number: str | None
    created: bool


class TotalsOut(BaseModel):
    """The order's money as we computed it before the import, next to what the buyer paid and what Xentral booked.

    An order paid partly with gift cards or store credit also has `redeemed` (paid with them) and `due`
    (the rest, paid by the order's payment method), as decimal strings; other orders have neither key."""

    model_config = ConfigDict(extra="allow")

    net: Decimal = Field(examples=["54.72"])
    tax: Decimal = Field(examples=["0.00"])
    gross: Decimal = Field(examples=["54.72"])
    expected: Decimal | None = Field(default=None, description="`expected_total` as sent")
    xentral: Decimal | None = Field(default=None, description="Xentral's own `total` for the order, read back")
    matches: bool | None = Field(
        default=None,
        description="True only when expected and Xentral's total equal ours to the cent; any difference is "
        "false, with a warning",
    )


class OrderOut(BaseModel):
    reference: str
    order_id: str = Field(description="Xentral sales order id")
    order_number: str | None = Field(description="Xentral document number (Belegnummer)")
    status: str = Field(description="Xentral order status, normally `released`")
    customer: CustomerOut
    outcome: Literal["created", "existing"] = Field(
        description="created: this request (or its first try) created the order; existing: it was already in Xentral"
    )
    totals: TotalsOut | None = Field(default=None, description="Absent when a unit price was unknown")
    warnings: list[str] = Field(
        default_factory=list, description="e.g. a total that differs from the expected or Xentral's total"
    )
    held_reasons: list[HeldReason] | None = Field(
        default=None,
        description=(
            "Why Xentral holds the order instead of shipping it (its red traffic lights, read back); empty when "
            "all are green, null when Xentral's answer showed no lights. "
            + "; ".join(f"`{name}`: {meaning}" for name, meaning in HELD_REASONS.items())
        ),
    )

    @classmethod
    def from_receipt(cls, receipt: OrderReceipt) -> OrderOut:
        return cls(
            reference=receipt.reference,
            order_id=receipt.order_id,
            order_number=receipt.order_number,
            status=receipt.order_status,
            customer=CustomerOut(
                id=receipt.customer_id, number=receipt.customer_number, created=receipt.customer_created
            ),
            outcome=receipt.outcome,
            totals=TotalsOut.model_validate(receipt.totals) if receipt.totals else None,
            warnings=list(receipt.warnings),
            held_reasons=_held_reasons(receipt.held_reasons),
        )


def _held_reasons(stored: list[str] | None) -> list[HeldReason] | None:
    """A stored receipt's reasons; one this version does not know (written by a newer one) is left out."""
    if stored is None:
        return None
    return [reason for reason in HELD_REASONS if reason in stored]


class StepOut(BaseModel):
    name: str
    at: dt.datetime
    detail: str | None = None


class RefundedLineOut(BaseModel):
    line_id: str | None = Field(default=None, description="The shop's id of the order line")
    sku: str | None = None
    quantity: str | None = None
    amount: str | None = Field(default=None, description="The money given back for the line, as the shop states it")
    tax: str | None = Field(default=None, description="Its tax, where the shop states it apart")


class RefundOut(BaseModel):
    """A refund the shop made after the order was imported (Xentral is not changed: no credit note)."""

    refund_id: str = Field(description="The shop's id of the refund")
    amount: str = Field(description="The money given back")
    currency: str | None = None
    reason: str | None = None
    lines: list[RefundedLineOut] = Field(default_factory=list, description="Empty when the shop names no lines")
    source: str = Field(description="The shop it was made in: woocommerce, shopify or shopware")
    refunded_at: dt.datetime | None = Field(default=None, description="When the shop made it, where it says")
    recorded_at: dt.datetime

    @classmethod
    def from_refund(cls, refund: Refund) -> RefundOut:
        return cls.model_validate(refund.to_json())


class CancellationOut(BaseModel):
    """The shop's cancellation of the order, and what became of it in Xentral."""

    source: str = Field(description="The shop that cancelled it: woocommerce, shopify or shopware")
    outcome: Literal[
        "pending",
        "awaiting_import",
        "cancelled",
        "already_cancelled",
        "not_cancelled_dispatched",
        "not_cancelled_refused",
        "not_in_xentral",
    ] = Field(
        description="cancelled: cancelled in Xentral by this request; already_cancelled: Xentral had it cancelled; "
        "not_cancelled_dispatched: dispatched, shipped or completed, Xentral untouched (the operator was alerted "
        "and the shop got a note); not_cancelled_refused: Xentral refused it; not_in_xentral: the order never "
        "reached Xentral; pending: Xentral's answer is not known yet (the shop's retry settles it); awaiting_import: "
        "received while the order was on its way into Xentral, carried out once its import has ended"
    )
    detail: str = Field(description="What was done and why")
    reason: str | None = Field(default=None, description="The shop's reason, where it gives one")
    xentral_status: str | None = Field(default=None, description="Xentral's status when it was decided")
    cancelled_at: dt.datetime | None = Field(default=None, description="When the shop cancelled it, where it says")
    received_at: dt.datetime
    decided_at: dt.datetime | None = None

    @classmethod
    def of(cls, record: CancellationRecord) -> CancellationOut:
        return cls(
            source=record.source,
            outcome=record.outcome.value,  # UNKNOWN_ORDER is never recorded
            detail=record.detail,
            reason=record.reason,
            xentral_status=record.xentral_status,
            cancelled_at=record.cancelled_at,
            received_at=record.received_at,
            decided_at=record.decided_at,
        )


class ShopChangeOut(BaseModel):
    """A change the shop made to the order after its import; recorded, never sent to Xentral."""

    source: str
    changes: list[str] = Field(description="What changed: the billing or shipping address, a line's quantity or price")
    lifecycle_state: str | None = Field(default=None, description="Where the order stood in Xentral then")
    received_at: dt.datetime

    @classmethod
    def of(cls, change: ShopChange) -> ShopChangeOut:
        return cls(
            source=change.source,
            changes=list(change.changes),
            lifecycle_state=change.lifecycle_state,
            received_at=change.received_at,
        )


class OrderStatusOut(BaseModel):
    reference: str
    state: Literal["processing", "queued", "completed", "failed"] = Field(
        description="queued: accepted on the async lane (a shop webhook, Prefer: respond-async) and not finished; "
        "processing: a synchronous request is working on it"
    )
    stage: str = Field(description="received, customer_resolved, importing, completed or failed")
    order: OrderOut | None = None
    error: dict[str, Any] | None = None
    warnings: list[str] = Field(default_factory=list, description="The finished order's warnings (totals)")
    steps: list[StepOut]
    created_at: dt.datetime
    updated_at: dt.datetime
    lifecycle: LifecycleOut | None = Field(
        default=None, description="The order's life after the import (tracking): state, shipments, timeline"
    )
    refunds: list[RefundOut] | None = Field(
        default=None, description="The shop's refunds after the import, oldest first (absent when there are none)"
    )
    refunded_total: str | None = Field(default=None, description="The refunds' sum (absent when there are none)")
    cancellation: CancellationOut | None = Field(
        default=None, description="The shop's cancellation and what became of it (absent when the shop cancelled none)"
    )
    shop_changes: list[ShopChangeOut] | None = Field(
        default=None,
        description="Changes of address or lines the shop made after the import, not sent to Xentral (absent: none)",
    )

    def with_shop_news(self, cancellation: CancellationRecord | None, changes: Sequence[ShopChange]) -> OrderStatusOut:
        """The shop's cancellation and changes after the import, where there are any."""
        update: dict[str, Any] = {}
        if cancellation is not None:
            update["cancellation"] = CancellationOut.of(cancellation)
        if changes:
            update["shop_changes"] = [ShopChangeOut.of(change) for change in changes]
        return self.model_copy(update=update) if update else self

    def with_refunds(self, refunds: Sequence[Refund]) -> OrderStatusOut:
        if not refunds:
            return self
        return self.model_copy(
            update={
                "refunds": [RefundOut.from_refund(refund) for refund in refunds],
                "refunded_total": str(refunded_total(refunds)),
            }
        )

    @classmethod
    def from_attempt(cls, attempt: Attempt) -> OrderStatusOut:
        state: Literal["processing", "queued", "completed", "failed"] = (
            "completed"
            if attempt.state == AttemptState.COMPLETED
            else "failed"
            if attempt.state == AttemptState.FAILED
            else "queued"
            if attempt.queued
            else "processing"
        )
        return cls(
            reference=attempt.reference,
            state=state,
            stage=attempt.state.value,
            order=OrderOut.from_receipt(attempt.receipt) if attempt.receipt else None,
            error=attempt.error,
            warnings=list(attempt.receipt.warnings) if attempt.receipt else [],
            steps=[StepOut(name=s.name, at=s.at, detail=s.detail) for s in attempt.steps],
            created_at=attempt.created_at,
            updated_at=attempt.updated_at,
        )


class ShopDeliveryOut(BaseModel):
    """What a shop's webhook is answered: queued (202), already received (200), a refund recorded on an
    order we hold (200), the shop's cancellation of an order we hold (200) or nothing to import (200)."""

    outcome: Literal["accepted", "duplicate", "ignored", "refunded", "cancellation"]
    reason: str | None = Field(
        default=None,
        description="Why nothing was imported, why this is a duplicate, which refund was recorded, or what became "
        "of the cancellation (cancelled in Xentral, or not and why)",
    )
    reference: str | None = Field(
        default=None, description="The order's reference: GET /api/orders/{reference} with the client's API key"
    )
    order: OrderStatusOut | None = Field(default=None, description="The order's state when it is known")
