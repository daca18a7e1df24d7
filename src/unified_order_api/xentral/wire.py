"""Xentral's JSON as we read it and as we write it.

Responses are pydantic models holding only the fields we use, lenient on purpose
(`extra="ignore"`, nullable where Xentral might send null, numbers accepted for ids):
a new field or a looser value upstream must not break order intake.

Request bodies are TypedDicts, not models: Xentral sets `additionalProperties:false`
almost everywhere and distinguishes "absent" from "null", so we build exactly the keys
the spec allows and mypy checks the shape. Optional keys are left out rather than sent
as null unless the spec marks them nullable.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Generic, Literal, Required, TypedDict, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = [
    "AddressType",
    "AutoCreateDocuments",
    "BillingAddressBody",
    "CursorInfo",
    "CustomerAddressBody",
    "CustomerAddressContactBody",
    "CustomerAddressItem",
    "CustomerContactBody",
    "CustomerContactDetails",
    "CustomerCreate",
    "CustomerFinancialsBody",
    "CustomerItem",
    "DeliveryItem",
    "DeliveryNoteItem",
    "DeliveryNotePosition",
    "DeliveryNoteView",
    "DeliveryTracking",
    "DiscountPositionBody",
    "IdRef",
    "ImportDelivery",
    "ImportFinancials",
    "ImportLanguage",
    "ImportPosition",
    "ImportTax",
    "ItemResponse",
    "ListExtra",
    "ListResponse",
    "MoneyBody",
    "PageInfo",
    "PaymentMethodItem",
    "ProductDiscount",
    "ProductItem",
    "ProjectItem",
    "SalesOrderCustomer",
    "SalesOrderImport",
    "SalesOrderItem",
    "SalesOrderProductRef",
    "SalesOrderView",
    "ShippingAddressBody",
    "ShippingCostBody",
    "ShippingMethodItem",
    "TaxBody",
    "WarehouseRef",
    "WireMoney",
    "WireRef",
]

# --- responses -------------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        frozen=True,
        alias_generator=to_camel,
        populate_by_name=True,
        # Ids are digit strings per spec; accept a bare number too rather than fail an order.
        coerce_numbers_to_str=True,
    )


T = TypeVar("T", bound=BaseModel)


class PageInfo(_Wire):
    number: int | None = None
    size: int | None = None


class CursorInfo(_Wire):
    # Assumption (docs/xentral.md#lists-and-filters): the end of the customer list may be marked by an empty,
    # null or missing nextCursor; all three read as None here.
    next_cursor: str | None = None
    size: int | None = None


class ListExtra(_Wire):
    total_count: int | None = None
    page: PageInfo | None = None
    cursor: CursorInfo | None = None


class ListResponse(_Wire, Generic[T]):
    """The list envelope `{data: [...], extra: {...}}`; `extra` may be absent (an unpaged list)."""

    data: list[T]
    extra: ListExtra | None = None


class ItemResponse(_Wire, Generic[T]):
    """The single-resource envelope `{data: {...}}`."""

    data: T


class WireRef(_Wire):
    id: str


class WireMoney(_Wire):
    amount: str
    currency: str


class ProductDiscount(_Wire):
    is_discount_product: bool = False


class ProductItem(_Wire):
    """A v2 product, as the list (`GET /api/v2/products`) and the view (`/{id}`) both show it: prices,
    the locks (`isDisabled`, `isDeleted`) and what kind of product it is (docs/xentral.md#products)."""

    id: str
    number: str
    name: str | None = None
    is_disabled: bool = False
    disabled_reason: str | None = None
    is_deleted: bool = False
    is_shipping_costs_product: bool = False
    discount: ProductDiscount | None = None
    sales_price_net: WireMoney | None = None
    sales_price_gross: WireMoney | None = None
    sales_tax: str | None = None  # standard | reduced | free


class CustomerContactDetails(_Wire):
    email: str | None = None
    phone: str | None = None


class CustomerItem(_Wire):
    """A v2 customer, as the list (`GET /api/v2/customers`) and the view (`/{id}`) both show it.

    Both carry `contactDetails.email`; neither carries an address (those are a sub-resource)."""

    id: str
    number: str | None = None
    customer_type: str | None = None
    name: str | None = None
    contact_details: CustomerContactDetails | None = None

    @property
    def email(self) -> str | None:
        return self.contact_details.email if self.contact_details is not None else None


class CustomerAddressItem(_Wire):
    """One item of `GET /api/v2/customers/{customerId}/addresses` (master data, billing or delivery)."""

    id: str
    type: str
    name: str | None = None
    street: str | None = None
    address_supplement: str | None = None
    zip: str | None = None
    city: str | None = None
    country: str | None = None
    state: str | None = None


class SalesOrderCustomer(_Wire):
    id: str | None = None
    number: str | None = None


class _SalesOrder(_Wire):
    id: str
    document_number: str | None = None
    external_order_number: str | None = None
    external_order_id: str | None = None
    status: str = "unknown"
    customer: SalesOrderCustomer | None = None
    updated_at: str | None = None


class SalesOrderProductRef(_Wire):
    id: str
    number: str | None = None


class SalesOrderItem(_SalesOrder):
    """Sales order list item: `total` and `netSales` are numbers here, and the traffic lights (the
    `…Ok` checks; a light the answer lacks is None) are only here (docs/xentral.md#reading-an-order-back)."""

    total: Decimal | None = None
    net_sales: Decimal | None = None
    stock_ok: bool | None = None
    prepaid_ok: bool | None = None
    vat_ok: bool | None = None
    shipping_lock_ok: bool | None = None
    credit_limit_ok: bool | None = None
    shipping_date_ok: bool | None = None
    postage_ok: bool | None = None
    customer_check_ok: bool | None = None


class DeliveryTracking(_Wire):
    number: str | None = None
    link: str | None = None
    carrier: str | None = None


class DeliveryItem(_Wire):
    """A delivery (= shipment) of `GET /api/v1/deliveries`: one parcel, its tracking and its delivery note."""

    id: str
    tracking: DeliveryTracking | None = None
    delivery_note: WireRef | None = None
    sales_order: WireRef | None = None
    sent_at_timestamp: str | None = None


class DeliveryNoteItem(_Wire):
    """A delivery note of `GET /api/v1/deliveryNotes`: made when the order is dispatched."""

    id: str
    status: str | None = None
    sales_order: WireRef | None = None
    updated_at: str | None = None


class DeliveryNotePosition(_Wire):
    id: str | None = None
    quantity: Decimal = Decimal(0)
    delivered_quantity: Decimal = Decimal(0)
    product: SalesOrderProductRef | None = None


class DeliveryNoteView(_Wire):
    id: str
    positions: list[DeliveryNotePosition] = []
    sales_order: WireRef | None = None  # what a shipment event lacks (xentral/event_lookups.py)


class SalesOrderView(_SalesOrder):
    """The 2026 view: `total` and `netSales` are money objects `{amount: "737.80", currency}`."""

    internal_designation: str | None = None
    total: WireMoney | None = None
    net_sales: WireMoney | None = None


class ShippingMethodItem(_Wire):
    id: str
    module: str | None = None
    type: str | None = None
    designation: str | None = None
    project: WireRef | None = None


class PaymentMethodItem(_Wire):
    id: str
    type: str | None = None
    designation: str | None = None
    project: WireRef | None = None


class ProjectItem(_Wire):
    id: str
    name: str | None = None
    key_name: str | None = None
    currency: str | None = None
    normal_tax_rate: float | None = None  # percent, e.g. 19
    reduced_tax_rate: float | None = None


class SalesChannelItem(_Wire):
    """One item of `GET /api/v2/salesChannels`: a shop or marketplace connected to Xentral, with its
    platform (`moduleName`, e.g. `shopware6`) and the project its orders go to."""

    id: str
    name: str | None = None
    module_name: str | None = None
    project: WireRef | None = None
    active: bool | None = None


# --- request bodies --------------------------------------------------------------------


AddressType = Literal["mr", "mrs", "company", "other"]
AutoCreateDocuments = Literal["deliveryNote+invoice", "deliveryNote", "invoice"]


class IdRef(TypedDict):
    id: str


class MoneyBody(TypedDict):
    amount: str  # decimal string, e.g. "19.99"
    currency: str  # the spec's enum of 38 ISO 4217 codes (orders/currencies.py)


class CustomerContactBody(TypedDict, total=False):
    phone: str | None
    email: str | None


class CustomerTaxBody(TypedDict, total=False):
    vatId: str | None


class CustomerFinancialsBody(TypedDict, total=False):
    tax: CustomerTaxBody


class CustomerCreate(TypedDict, total=False):
    """`POST /api/v2/customers` body (only the keys we set); the addresses are a second write."""

    customerType: Required[Literal["company", "person"]]
    name: str | None
    firstname: str | None
    lastname: str | None
    title: str | None
    number: str | None
    salutation: AddressType | None
    project: IdRef
    contactDetails: CustomerContactBody
    financials: CustomerFinancialsBody


class CustomerAddressContactBody(TypedDict, total=False):
    phone: str | None
    email: str | None


class CustomerAddressBody(TypedDict, total=False):
    """`POST /api/v2/customers/{customerId}/addresses` body: `masterdata` (no name) or `deliveryaddress`."""

    type: Required[Literal["masterdata", "deliveryaddress"]]
    name: str
    salutation: AddressType | None
    street: Required[str]
    addressSupplement: str | None
    zip: str | None
    city: Required[str]
    country: Required[str]
    state: str | None
    contactDetails: CustomerAddressContactBody


class BillingAddressBody(TypedDict, total=False):
    type: AddressType
    name: Required[str]
    title: str
    contactPerson: str
    department: str
    subDepartment: str
    street: str
    zipCode: str
    city: str
    fax: str
    state: str
    country: Required[str]
    addressSupplement: str
    gln: str
    phoneNumber: str
    mobile: str
    salutation: str
    email: str


class ShippingAddressBody(TypedDict, total=False):
    """No `title`, `salutation` or phone slot here, unlike the billing address."""

    type: AddressType
    name: Required[str]
    department: str
    contactPerson: str
    subDepartment: str
    street: Required[str]
    zipCode: Required[str]
    city: Required[str]
    state: str
    country: Required[str]
    addressSupplement: str
    gln: str
    email: str


class TaxBody(TypedDict, total=False):
    """A line's tax: `vatCategory` or `rate` (never both, per the spec); `taxText` is required, nullable."""

    vatCategory: Literal["normal", "reduced", "exempt"]
    rate: float  # percent (assumption, docs/xentral.md#prices-tax-and-totals)
    taxText: Required[str | None]


class ShippingCostBody(TypedDict, total=False):
    shippingCostProduct: Required[IdRef]
    quantity: Required[float]
    price: MoneyBody
    tax: TaxBody
    comment: str
    webId: str


class ImportPosition(TypedDict, total=False):
    product: Required[IdRef]
    quantity: Required[float]
    price: MoneyBody
    tax: TaxBody
    discount: float  # a fraction: 0.15 = 15 % (the spec's description; docs/xentral.md#prices-tax-and-totals)
    comment: str
    webId: str


class DiscountPositionBody(TypedDict, total=False):
    discountProduct: Required[IdRef]
    quantity: Required[float]
    value: MoneyBody  # a positive amount, subtracted (assumption, docs/xentral.md#prices-tax-and-totals)
    tax: TaxBody
    webId: str


class ImportTax(TypedDict, total=False):
    taxation: Literal["domestic", "eu", "export", "taxfreedomestic"]
    vatId: str
    taxDisplay: Literal["gross", "net", "auto"]


class ImportFinancials(TypedDict, total=False):
    paymentMethod: Required[IdRef]
    currency: Required[str]
    billingAddress: BillingAddressBody
    tax: ImportTax


class WarehouseRef(TypedDict):
    id: str


class ImportDelivery(TypedDict, total=False):
    """`preferredWarehouse` or `storageCountry`, never both (the spec)."""

    shippingMethod: Required[IdRef]
    autoShipping: bool
    fastLane: bool
    preferredWarehouse: WarehouseRef
    storageCountry: str
    shippingAddress: ShippingAddressBody
    shippingCosts: list[ShippingCostBody]


class SetTotalAmountBody(TypedDict):
    """Xentral books `totalGrossAmountFromExternal` as the order's total when its own sum is within
    `maximumDifferenceToCalculatedSum` of it."""

    isActive: bool
    totalGrossAmountFromExternal: float
    maximumDifferenceToCalculatedSum: float


class ImportLanguage(TypedDict):
    iso2: str | None


class SalesOrderImport(TypedDict, total=False):
    """`POST /api/v1/salesOrders/actions/import` body: the keys we fill."""

    date: Required[str]
    externalOrderNumber: str
    externalOrderId: str
    transactionNumber: str
    customerOrderNumber: str
    autoCreateDocuments: AutoCreateDocuments
    vatCheck: bool
    internalDesignation: str
    comment: str
    customer: Required[IdRef]
    project: Required[IdRef]
    salesChannel: IdRef
    language: ImportLanguage
    financials: Required[ImportFinancials]
    delivery: Required[ImportDelivery]
    positions: Required[list[ImportPosition]]
    discountPositions: list[DiscountPositionBody]
    setTotalAmount: SetTotalAmountBody
