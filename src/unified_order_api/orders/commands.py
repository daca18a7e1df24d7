"""What a caller asks of the order service, after the HTTP edge has checked its shape."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .model import Address, DocumentsOnShipping
from .taxation import Prices, Taxation, VatCategory

__all__ = [
    "REFUSED_PAYMENT_STATUSES",
    "AmountLine",
    "CustomerDetails",
    "ItemRequest",
    "PaymentStatus",
    "PlaceOrder",
    "Redemption",
    "RedemptionKind",
    "TaxComponent",
    "fingerprint_of",
    "mask_code",
]

# What shops really send (Shopify financial_status, WooCommerce/Shopware states); docs/concepts/money.md.
PaymentStatus = Literal[
    "paid",
    "pending",
    "authorized",
    "partially_paid",
    "partially_refunded",
    "refunded",
    "failed",
    "voided",
    "cancelled",
]
# Never imported: a voided or cancelled order is not an order to fulfil.
REFUSED_PAYMENT_STATUSES: frozenset[str] = frozenset({"voided", "cancelled"})


@dataclass(frozen=True, slots=True)
class CustomerDetails:
    name: str
    address: Address
    email: str | None = None
    number: str | None = None
    company: str | None = None
    phone: str | None = None
    vat_id: str | None = None

    @property
    def identity(self) -> str:
        """What makes two requests name the same customer (used to reuse a customer on retry)."""
        return f"{(self.number or '').strip()}|{(self.email or '').strip().lower()}"


RedemptionKind = Literal["gift_card", "store_credit"]


def mask_code(code: str | None) -> str | None:
    """A gift card code is money to whoever holds it: kept as its last four characters only (idempotent)."""
    if code is None:
        return None
    return "****" + code[-4:] if len(code) > 4 else "****"


@dataclass(frozen=True, slots=True)
class Redemption:
    """A payment other than money: a gift card or store credit the buyer redeemed. It pays for the
    order, it does not reduce it: the order is booked at its full value. `code` is masked."""

    kind: RedemptionKind
    amount: Decimal
    code: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Redemption:
        return cls(kind=data["kind"], amount=Decimal(data["amount"]), code=data.get("code"))


@dataclass(frozen=True, slots=True)
class TaxComponent:
    """One tax the shop charged on a line (a US city tax, a Canadian GST): its rate in percent and the
    amount the shop computed, which is the truth where it differs from our own rounding."""

    rate: Decimal
    amount: Decimal
    name: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaxComponent:
        return cls(rate=Decimal(data["rate"]), amount=Decimal(data["amount"]), name=data.get("name"))


@dataclass(frozen=True, slots=True)
class ItemRequest:
    sku: str
    quantity: Decimal
    unit_price: Decimal | None = None
    name: str | None = None
    line_id: str | None = None
    tax_rate: Decimal | None = None
    vat_category: VatCategory | None = None
    discount_percent: Decimal | None = None
    tax_amount: Decimal | None = None  # the line's tax as the shop charged it (after its discount)
    taxes: tuple[TaxComponent, ...] = ()


@dataclass(frozen=True, slots=True)
class AmountLine:
    """A shipping cost, fee or order discount: a name, an amount (gross or net per the order) and its VAT."""

    name: str
    amount: Decimal
    tax_rate: Decimal | None = None
    vat_category: VatCategory | None = None
    tax_amount: Decimal | None = None
    taxes: tuple[TaxComponent, ...] = ()
    line_id: str | None = None  # the shop's own id of the line (Xentral's webId)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AmountLine:
        return cls(
            name=data["name"],
            amount=Decimal(data["amount"]),
            tax_rate=_decimal(data.get("tax_rate")),
            vat_category=data.get("vat_category"),
            tax_amount=_decimal(data.get("tax_amount")),
            taxes=_taxes(data.get("taxes")),
            line_id=data.get("line_id"),
        )


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    reference: str
    customer: CustomerDetails
    items: tuple[ItemRequest, ...]
    shipping: str | None = None
    payment: str | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    currency: str | None = None
    order_date: dt.date | None = None
    payment_status: PaymentStatus | None = None
    transaction_id: str | None = None
    shipping_cost: Decimal | None = None
    custom_fields: dict[str, str] = field(default_factory=dict)
    internal_note: str | None = None
    customer_order_number: str | None = None
    external_order_id: str | None = None
    project_id: str | None = None
    auto_shipping: bool | None = None
    language: str | None = None
    callback_url: str | None = None
    prices: Prices | None = None
    taxation: Taxation | None = None
    shipping_costs: tuple[AmountLine, ...] = ()
    discounts: tuple[AmountLine, ...] = ()
    fees: tuple[AmountLine, ...] = ()
    expected_total: Decimal | None = None
    redeemed: tuple[Redemption, ...] = ()
    vat_id_checked: bool | None = None
    fast_lane: bool | None = None
    auto_create_documents: DocumentsOnShipping | None = None
    preferred_warehouse: str | None = None
    storage_country: str | None = None

    def fingerprint(self) -> str:
        """A stable digest of the request, so a reused idempotency key with another body is caught."""
        return fingerprint_of(self.to_json())

    def to_json(self) -> dict[str, Any]:
        """The command as plain JSON values (amounts as normalized decimal strings), for the queue.

        Built field by field rather than by `dataclasses.asdict`, which deep-copies every value:
        this runs on every accepted order (a fifth of a 202's own time before).
        """
        result: dict[str, Any] = _plain(self)
        return result

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlaceOrder:
        """The command back from `to_json()`, as the queue worker reads it from the store."""
        customer = dict(data["customer"])
        customer["address"] = Address(**customer["address"])
        return cls(
            **{
                **data,
                "customer": CustomerDetails(**customer),
                "items": tuple(
                    ItemRequest(
                        sku=item["sku"],
                        quantity=Decimal(item["quantity"]),
                        unit_price=_decimal(item["unit_price"]),
                        name=item["name"],
                        line_id=item["line_id"],
                        tax_rate=_decimal(item.get("tax_rate")),
                        vat_category=item.get("vat_category"),
                        discount_percent=_decimal(item.get("discount_percent")),
                        tax_amount=_decimal(item.get("tax_amount")),
                        taxes=_taxes(item.get("taxes")),
                    )
                    for item in data["items"]
                ),
                "shipping_costs": tuple(AmountLine.from_json(line) for line in data.get("shipping_costs", ())),
                "discounts": tuple(AmountLine.from_json(line) for line in data.get("discounts", ())),
                "fees": tuple(AmountLine.from_json(line) for line in data.get("fees", ())),
                "expected_total": _decimal(data.get("expected_total")),
                "redeemed": tuple(Redemption.from_json(line) for line in data.get("redeemed", ())),
                "billing_address": Address(**data["billing_address"]) if data["billing_address"] else None,
                "shipping_address": Address(**data["shipping_address"]) if data["shipping_address"] else None,
                "order_date": dt.date.fromisoformat(data["order_date"]) if data["order_date"] else None,
                "shipping_cost": _decimal(data["shipping_cost"]),
            }
        )


def fingerprint_of(request: dict[str, Any]) -> str:
    """The digest of a command's `to_json()`: equal for equal requests, whatever their key order."""
    canonical = json.dumps(_as_before_money(request), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> Any:
    """`json.loads(json.dumps(asdict(value), default=_canonical))`, without the copies."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return _canonical(value)


_LATER_FIELDS = (
    "prices",
    "taxation",
    "shipping_costs",
    "discounts",
    "fees",
    "expected_total",
    "redeemed",
    "vat_id_checked",
    "fast_lane",
    "auto_create_documents",
    "preferred_warehouse",
    "storage_country",
)
_LATER_ITEM_FIELDS = ("tax_rate", "vat_category", "discount_percent", "tax_amount", "taxes")
_LATER_AMOUNT_FIELDS = ("tax_amount", "taxes", "line_id")
_AMOUNT_LISTS = ("shipping_costs", "discounts", "fees")


def _as_before_money(request: dict[str, Any]) -> dict[str, Any]:
    """The request without the later fields it leaves unset (money, fulfilment), so it digests as it did before they
    existed: a retry across the upgrade is still recognised as the same request."""
    trimmed = {k: v for k, v in request.items() if not (k in _LATER_FIELDS and v in (None, []))}
    trimmed["items"] = [_unset_removed(item, _LATER_ITEM_FIELDS) for item in request.get("items", [])]
    for key in _AMOUNT_LISTS:
        if key in trimmed:
            trimmed[key] = [_unset_removed(line, _LATER_AMOUNT_FIELDS) for line in trimmed[key]]
    return trimmed


def _unset_removed(line: dict[str, Any], later: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if not (k in later and v in (None, []))}


def _taxes(data: list[dict[str, Any]] | None) -> tuple[TaxComponent, ...]:
    return tuple(TaxComponent.from_json(component) for component in data or ())


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _canonical(value: object) -> str:
    if isinstance(value, Decimal):
        normalized = value.normalize()
        return format(normalized, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot fingerprint {type(value).__name__}")
