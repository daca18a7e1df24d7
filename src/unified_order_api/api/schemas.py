"""The JSON our callers send and receive; these models are what `/openapi.json` documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..orders.attempts import Attempt, AttemptState, OrderReceipt
from ..orders.commands import CustomerDetails, ItemRequest, PlaceOrder
from ..orders.errors import FieldProblem
from ..orders.model import Address

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
Currency = Literal["EUR", "PLN", "CHF", "USD", "GBP"]  # the currencies Xentral's Money type accepts


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


class ItemIn(_Strict):
    sku: ShortText = Field(examples=["ART-001"])
    quantity: Annotated[Decimal, Field(gt=0, le=MAX_QUANTITY, decimal_places=4, examples=[2])]
    price: Annotated[Decimal, Field(ge=0, le=Decimal("1e9"), decimal_places=4)] | None = Field(
        default=None, description="Unit price; without it Xentral's master price applies"
    )
    name: Text | None = None
    line_id: ShortText | None = Field(default=None, description="Your line id; Xentral's webId")

    def to_domain(self) -> ItemRequest:
        return ItemRequest(self.sku, self.quantity, self.price, self.name, self.line_id)


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


class OrderRequest(_Strict):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [ORDER_EXAMPLE]}
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
    payment_status: Literal["paid", "pending", "authorized", "refunded", "failed"] | None = Field(
        default=None, description="Written to the order's internal comment; Xentral's import has no paid flag"
    )
    transaction_id: ShortText | None = Field(default=None, description="Becomes Xentral's transactionNumber")
    billing_address: AddressIn | None = None
    shipping_address: AddressIn | None = None
    currency: Currency | None = None
    order_date: dt.date | None = None
    shipping_cost: Annotated[Decimal, Field(ge=0, le=Decimal(100_000), decimal_places=4)] | None = None
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


class OrderOut(BaseModel):
    reference: str
    order_id: str = Field(description="Xentral sales order id")
    order_number: str | None = Field(description="Xentral document number (Belegnummer)")
    status: str = Field(description="Xentral order status, normally `released`")
    customer: CustomerOut
    outcome: Literal["created", "existing"] = Field(
        description="created: this request (or its first try) created the order; existing: it was already in Xentral"
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
        )


class StepOut(BaseModel):
    name: str
    at: dt.datetime
    detail: str | None = None


class OrderStatusOut(BaseModel):
    reference: str
    state: Literal["processing", "completed", "failed"]
    stage: str = Field(description="received, customer_resolved, importing, completed or failed")
    order: OrderOut | None = None
    error: dict[str, Any] | None = None
    steps: list[StepOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def from_attempt(cls, attempt: Attempt) -> OrderStatusOut:
        state: Literal["processing", "completed", "failed"] = (
            "completed"
            if attempt.state == AttemptState.COMPLETED
            else "failed"
            if attempt.state == AttemptState.FAILED
            else "processing"
        )
        return cls(
            reference=attempt.reference,
            state=state,
            stage=attempt.state.value,
            order=OrderOut.from_receipt(attempt.receipt) if attempt.receipt else None,
            error=attempt.error,
            steps=[StepOut(name=s.name, at=s.at, detail=s.detail) for s in attempt.steps],
            created_at=attempt.created_at,
            updated_at=attempt.updated_at,
        )
