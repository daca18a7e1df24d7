"""Request-body validation for the POSTs, mirroring the spec schemas (additionalProperties false etc.).

Pydantic strict models stand in for the schemas; their error locations become Xentral-style `violations`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .problems import MISSING, UNEXPECTED, ProblemError, generic_validation, put_violation, request_validation

Id = Annotated[str, Field(pattern=r"\d+")]
# Assumption: format "email" fields accept "" as well (Xentral stores empty strings for absent addresses).
Email = Annotated[str, Field(pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Currency = Literal["EUR", "PLN", "CHF", "USD", "GBP"]
AddressType = Literal["mr", "mrs", "company", "other"]


class Closed(BaseModel):
    """additionalProperties: false, no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Ref(Closed):
    id: Id


# --- customers v1 ---
class CustomerAddress(Closed):
    street: str
    zip: str
    city: str
    state: str | None
    country: str
    note: str


class CustomerGeneral(Closed):
    title: str | None = None
    name: str
    birthday: date | None = None
    address: CustomerAddress | None = None


class CustomerContact(Closed):
    phone: str | None = None
    fax: str | None = None
    mobile: str | None = None
    email: str | None = None
    website: str | None = None
    marketingMails: bool | None = None
    trackingMails: bool | None = None


class BankAccount(Closed):
    holder: str | None = None
    iban: str | None = None
    bic: str | None = None
    sepa: bool | None = None


class CustomerProjectRef(Closed):
    id: str


class CustomerV1(Closed):
    type: Literal["company", "person"]
    general: CustomerGeneral
    contact: CustomerContact | None = None
    bankAccount: BankAccount | None = None
    project: CustomerProjectRef | None = None
    tags: list[Ref] | None = None


# --- customers v2 (the root schema has no additionalProperties: false) ---
class AdditionalData(Closed):
    key: str
    value: str | None


class ContactV2(Closed):
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None
    email: str | None = None
    website: str | None = None
    additionalData: list[AdditionalData | None] | None = None


class ProjectRefV2(Closed):
    id: Id | None = None


class Lead(Closed):
    isLead: bool
    status: str | None


class ContactRef(Open):
    id: str


class CustomerV2(Open):
    type: Literal["person", "company"] | None = None
    firstname: str | None = None
    lastname: str | None = None
    name: str | None = None
    title: str | None = None
    birthdate: date | None = None
    number: str | None = None
    salutation: Literal["mr", "mrs", "company", "other"] | None = None
    salutationPhrase: str | None = None
    department: str | None = None
    subDepartment: str | None = None
    project: ProjectRefV2 | None = None
    contact: ContactV2 | None = None
    backOfficeContact: ContactRef | None = None
    distributionContact: ContactRef | None = None
    lead: Lead | None = None


# --- sales order import ---
class Money(Closed):
    amount: str | None = None
    currency: Currency | None = None


class ProductRef(Closed):
    id: Id
    name: str | None = None
    freeFields: list[dict[str, Any]] | None = None
    number: str | None = None


class LineTax(Open):
    vatCategory: Literal["reduced", "normal", "exempt"] | None = None
    rate: float | None = None
    taxText: str | None


class Position(Closed):
    id: Id | None = None
    quantity: float
    comment: str | None = None
    product: ProductRef
    tax: LineTax | None = None
    price: Money | None = None
    discount: float | None = None
    webId: str | None = None


class ShippingCost(Closed):
    id: Id | None = None
    quantity: float
    comment: str | None = None
    shippingCostProduct: ProductRef
    tax: LineTax | None = None
    price: Money | None = None
    discount: float | None = None
    webId: str | None = None


class DiscountPosition(Closed):
    quantity: float
    discountProduct: ProductRef
    tax: LineTax | None = None
    value: Money | None = None
    webId: str | None = None


class BillingAddress(Closed):
    type: AddressType | None = None
    name: str
    contactPerson: str | None = None
    department: str | None = None
    subDepartment: str | None = None
    street: str | None = None
    zipCode: str | None = None
    city: str | None = None
    fax: str | None = None
    state: str | None = None
    country: str
    addressSupplement: str | None = None
    gln: str | None = None
    salutation: str | None = None
    email: Email | None = None
    # The spec's import example sends it (docs/xentral.md#sales-order-import); kept permissive for that reason.
    title: str | None = None


class ShippingAddress(Closed):
    type: AddressType | None = None
    name: str
    department: str | None = None
    contactPerson: str | None = None
    subDepartment: str | None = None
    street: str
    zipCode: str
    city: str
    state: str | None = None
    country: str
    addressSupplement: str | None = None
    gln: str | None = None
    email: Email | None = None


class Tax(Closed):
    taxation: Literal["domestic", "eu", "export", "taxfreedomestic"] | None = None
    vatId: str | None = None
    taxDisplay: Literal["gross", "net", "auto"] | None = None
    noTaxInfoText: bool | None = None
    normalTaxRate: float | None = None
    reducedTaxRate: float | None = None


class PaymentTerms(Closed):
    paymentTargetDiscount: float | None = None
    paymentTargetDays: int | None = None
    paymentTargetDiscountDays: int | None = None


class Financials(Closed):
    paymentMethod: Ref
    currency: str
    billingAddress: BillingAddress | None = None
    tax: Tax | None = None
    paymentTerms: PaymentTerms | None = None


class Delivery(Open):
    """allOf of two open objects in the spec, so unknown members are tolerated here."""

    autoShipping: bool | None = None
    fastLane: bool | None = None
    shippingCosts: list[ShippingCost] | None = None
    shippingAddress: ShippingAddress | None = None
    shippingMethod: Ref
    deliveryTerms: Ref | None = None


class Language(Closed):
    iso2: str | None


class TagRef(Open):
    id: Id | None = None


class SalesOrderImport(Closed):
    desiredDeliveryDate: date | None = None
    reservationDate: date | None = None
    desiredDeliveryDateAsCalendarWeek: bool | None = None
    editor: str | None = None
    salesRepresentativeId: int | None = None
    date: date
    externalOrderNumber: str | None = None
    externalOrderId: str | None = None
    transactionNumber: str | None = None
    customerOrderNumber: str | None = None
    autoCreateDocuments: Literal["deliveryNote+invoice", "deliveryNote", "invoice"] | None = None
    vatCheck: bool | None = None
    bodyIntroduction: str | None = None
    bodyOutroduction: str | None = None
    internalDesignation: str | None = None
    comment: str | None = None
    tags: list[TagRef] | None = None
    customer: Ref
    project: Ref
    salesChannel: Ref | None = None
    language: Language | None = None
    financials: Financials
    delivery: Delivery
    positions: list[Position]
    discountPositions: list[DiscountPosition] | None = None


_MESSAGES = {
    "missing": MISSING,
    "extra_forbidden": UNEXPECTED,
    "string_type": "This value should be of type string.",
    "int_type": "This value should be of type int.",
    "float_type": "This value should be of type float.",
    "bool_type": "This value should be of type bool.",
    "literal_error": "The value you selected is not a valid choice.",
    "string_pattern_mismatch": "This value is not valid.",
    "model_type": "This value should be of type array.",
    "dict_type": "This value should be of type array.",
    "list_type": "This value should be of type array.",
    "date_from_datetime_parsing": "This value is not a valid date.",
    "date_parsing": "This value is not a valid date.",
    "date_type": "This value is not a valid date.",
}


def _violations(error: ValidationError) -> dict[str, Any]:
    violations: dict[str, Any] = {}
    for item in error.errors():
        path = tuple(part for part in item["loc"] if isinstance(part, (str, int)))
        put_violation(violations, path, _MESSAGES.get(item["type"], item["msg"]))
    return violations


def parse_json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise generic_validation(["Malformed JSON in request body."]) from exc
    if not isinstance(data, dict):
        raise request_validation({"_": ["This value should be of type array."]})
    return data


def validate(model: type[BaseModel], data: dict[str, Any]) -> None:
    """Raise a 400 request-validation problem for every schema violation at once."""
    try:
        model.model_validate(data, strict=True)
    except ValidationError as exc:
        raise request_validation(_violations(exc)) from exc


def strict_json_validate(model: type[BaseModel], body: bytes) -> dict[str, Any]:
    """Parse then validate; JSON mode lets strict models accept date strings."""
    data = parse_json_object(body)
    try:
        model.model_validate_json(body, strict=True)
    except ValidationError as exc:
        raise request_validation(_violations(exc)) from exc
    return data


__all__ = ["CustomerV1", "CustomerV2", "ProblemError", "SalesOrderImport", "strict_json_validate"]
