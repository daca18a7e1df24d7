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
# The currencies of the 2026 spec's money objects (ISO 4217; tests pin the list to the spec's enum).
CURRENCIES = (
    "EUR", "USD", "JPY", "BGN", "CZK", "DKK", "GBP", "HUF", "PLN", "RON", "SEK", "CHF", "ISK", "NOK", "HRK", "RUB",
    "TRY", "AUD", "BRL", "CAD", "CNY", "HKD", "IDR", "ILS", "INR", "KRW", "MXN", "MYR", "NZD", "PHP", "SGD", "THB",
    "ZAR", "ARS", "CLP", "SAR", "AED", "QAR",
)  # fmt: skip
Currency = Literal[CURRENCIES]  # type: ignore[valid-type]
AddressType = Literal["mr", "mrs", "company", "other"]


class Closed(BaseModel):
    """additionalProperties: false, no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Ref(Closed):
    id: Id


# --- customers v2 (the create's root schema has no additionalProperties: false; its members are closed) ---
class AdditionalData(Closed):
    label: str
    value: str | None


class ContactDetails(Closed):
    phone: str | None = None
    mobile: str | None = None
    fax: str | None = None
    email: str | None = None
    website: str | None = None
    additionalData: list[AdditionalData | None] | None = None


class ProjectRefV2(Closed):
    id: Id | None = None


class NullableRef(Closed):
    id: Id


class CustomerTax(Closed):
    taxation: Literal["domestic", "eu-delivery", "export", "free"] | None = None
    taxDisplay: Literal["automatically", "always-net", "always-gross"] | None = None
    useDeliveryThreshold: bool | None = None
    taxNumber: str | None = None
    vatId: str | None = None


class CustomerPaymentTerms(Closed):
    fixedPaymentTerms: bool | None = None
    paymentTargetDays: int | None = None
    paymentTargetDiscount: float | None = None
    paymentTargetDiscountDays: int | None = None


class CustomerFinancials(Closed):
    tax: CustomerTax | None = None
    paymentTerms: CustomerPaymentTerms | None = None
    paymentMethod: NullableRef | None = None
    subscriptionPaymentMethod: Literal["invoice", "direct-debit"] | None = None
    customsInformation: str | None = None
    creditLimit: float | None = None
    defaultCurrency: str | None = None


class CustomFieldValue(Closed):
    id: int
    value: str | None


class CustomerCreateV2(Open):
    """The members the sandbox models are checked; the rest of the open root (bank account, document delivery,
    shipping, marketing …) is accepted as the schema allows and not stored."""

    customerType: Literal["person", "company"] | None = None
    firstname: str | None = None
    lastname: str | None = None
    name: str | None = None
    title: str | None = None
    birthdate: date | None = None
    number: str | None = None
    deviatingCustomerNumber: str | None = None
    salutation: Literal["mr", "mrs", "company", "other"] | None = None
    salutationPhrase: str | None = None
    department: str | None = None
    subDepartment: str | None = None
    project: ProjectRefV2 | None = None
    contactDetails: ContactDetails | None = None
    accountManager: NullableRef | None = None
    salesManager: NullableRef | None = None
    isLead: bool | None = None
    groups: list[int] | None = None
    customFields: list[CustomFieldValue] | None = None
    financials: CustomerFinancials | None = None


# ISO 3166-1 alpha-2. Assumption: the sandbox checks the form (two capital letters), not the list of assigned
# codes, so "de", "DEU" and "Germany" are refused.
Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Salutation = Literal["mr", "mrs", "company", "other"]


class AddressContact(Closed):
    phone: str | None = None
    email: str | None = None
    gln: Annotated[str, Field(max_length=13)] | None = None


class DeliveryDetails(Closed):
    defaultDeliveryAddress: bool | None = None
    termsOfDelivery: str | None = None
    vatId: str | None = None
    taxType: Literal["domestic", "eu-delivery", "export", "free"] | None = None
    internalComment: str | None = None
    note: str | None = None


class MasterdataAddress(Closed):
    type: Literal["masterdata"]
    street: str
    addressSupplement: str | None = None
    zip: str | None = None
    city: str
    country: Country
    state: str | None = None


class BillingAddressV2(Closed):
    type: Literal["billingaddress"]
    name: str
    salutation: Salutation | None = None
    street: str
    addressSupplement: str | None = None
    zip: str | None = None
    city: str
    country: Country
    state: str | None = None
    department: str | None = None
    subDepartment: str | None = None
    contactDetails: AddressContact | None = None


class DeliveryAddressV2(BillingAddressV2):
    type: Literal["deliveryaddress"]  # type: ignore[assignment]
    deliveryDetails: DeliveryDetails | None = None


# `POST /api/v2/customers/{customerId}/addresses`: one of three closed shapes, chosen by `type`.
ADDRESS_MODELS: dict[str, type[BaseModel]] = {
    "masterdata": MasterdataAddress,
    "billingaddress": BillingAddressV2,
    "deliveryaddress": DeliveryAddressV2,
}


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
    """A position's tax; `taxText` became optional there in 2026 (shipping costs and discounts still need it)."""

    vatCategory: Literal["reduced", "normal", "exempt"] | None = None
    rate: float | None = None
    taxText: str | None = None


class ChargeTax(LineTax):
    taxText: str | None


class QualityControl(Open):
    batch: str | None = None
    bestBeforeDate: date | None = None


class Position(Closed):
    id: Id | None = None
    quantity: float
    comment: str | None = None
    product: ProductRef
    tax: LineTax | None = None
    price: Money | None = None
    discount: float | None = None
    webId: str | None = None
    desiredDeliveryDate: date | None = None
    desiredDeliveryDateAsCalendarWeek: bool | None = None
    desiredQualityControlAttributes: QualityControl | None = None


class ShippingCost(Closed):
    id: Id | None = None
    quantity: float
    comment: str | None = None
    shippingCostProduct: ProductRef
    tax: ChargeTax | None = None
    price: Money | None = None
    discount: float | None = None
    webId: str | None = None


class DiscountPosition(Closed):
    quantity: float
    discountProduct: ProductRef
    tax: ChargeTax | None = None
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
    phoneNumber: str | None = None
    mobile: str | None = None
    salutation: str | None = None
    email: Email | None = None
    title: str | None = None


class ShippingAddress(Closed):
    """Only `name` and `country` are required since 2026."""

    type: AddressType | None = None
    name: str
    department: str | None = None
    contactPerson: str | None = None
    subDepartment: str | None = None
    street: str | None = None
    zipCode: str | None = None
    city: str | None = None
    state: str | None = None
    country: str
    addressSupplement: str | None = None
    gln: str | None = None
    title: str | None = None
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
    directDebitDate: date | None = None


class CostCenter(Closed):
    id: Id
    number: str | None


class Financials(Closed):
    paymentMethod: Ref
    currency: str
    costCenter: CostCenter | None = None
    billingAddress: BillingAddress | None = None
    tax: Tax | None = None
    paymentTerms: PaymentTerms | None = None


class WarehouseRef(Open):
    id: str | None = None


class Delivery(Open):
    """allOf of three open objects in the spec, so unknown members are tolerated here."""

    autoShipping: bool | None = None
    fastLane: bool | None = None
    shippingCosts: list[ShippingCost] | None = None
    # Only one of the two (checked in orders.py).
    storageCountry: str | None = None
    preferredWarehouse: WarehouseRef | None = None
    shippingAddress: ShippingAddress | None = None
    shippingMethod: Ref
    deliveryTerms: Ref | None = None


class SetTotalAmount(Open):
    isActive: bool | None = None
    maximumDifferenceToCalculatedSum: float | None = None
    totalGrossAmountFromExternal: float | None = None


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
    setTotalAmount: SetTotalAmount | None = None


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


__all__ = ["ADDRESS_MODELS", "CustomerCreateV2", "ProblemError", "SalesOrderImport", "strict_json_validate"]
