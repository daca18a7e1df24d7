"""The rules one order runs under, per API client: what the flow needs of the settings, and no more.

The service asks `OrderPolicies.for_client(name)` instead of reading the settings, so the flow
cannot depend on how the configuration is laid out (files, environment, several clients). The
sections below are the domain's own types: the configuration (`unified_order_api.config`)
imports them and builds each client's policy (`config.order_policies`), never the reverse.
Each client's policy is the global sections with that client's overrides merged over them:
sections field by field, code maps entry by entry.

The sections refuse unknown fields (`extra="forbid"`), so a misspelled setting is an error
instead of a silently kept default; each field's docstring is its description (the settings
reference is generated from them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .currencies import Currency
from .model import CustomerSearch, DocumentsOnShipping
from .payments import PaymentMap
from .routing import DEFAULT_INSTANCE
from .taxation import Prices

__all__ = [
    "ClientPolicy",
    "CustomerPolicy",
    "IdempotencyPolicy",
    "OrderDefaults",
    "OrderPolicies",
    "Section",
    "TotalsPolicy",
]


class Section(BaseModel):
    """A part of the settings: unknown fields refused, every field described by the docstring below it."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class OrderDefaults(Section):
    """What an order gets when the request does not say."""

    project_id: str | None = None
    """Xentral project id of orders (a request may override with `project`); None = the first project."""
    payment_method_id: str | None = None
    """Xentral payment method id used when a request sends no `payment`."""
    shipping_method_id: str | None = None
    """Xentral shipping method id used when a request sends no `shipping`."""
    currency: Currency = "EUR"
    """Currency of orders that do not name one: an ISO 4217 code of the 38 Xentral's money objects accept
    (orders/currencies.py)."""
    sales_channel_id: str | None = None
    """Xentral sales channel id of orders (one of `GET /api/v2/salesChannels`)."""
    auto_shipping: bool = False
    """Let Xentral's auto-shipping pick the order up (a request may override)."""
    language: str | None = None
    """Language of orders whose request names none, e.g. `de`; None = Xentral's default."""
    shipping_cost_product_id: str | None = None
    """Xentral product that carries a shipping cost sent with the order."""
    discount_product_id: str | None = None
    """Xentral discount product that carries the order's `discounts` (coupons)."""
    fee_product_id: str | None = None
    """Xentral product that carries the order's `fees` (e.g. cash on delivery)."""
    prices: Prices = "gross"
    """How the amounts of a request without `prices` are meant."""
    internal_designation: str | None = "Unified Order API"
    """The internal designation imported orders carry in Xentral; None = none."""
    vat_id_checked: bool = False
    """The shop has validated its customers' VAT ids (Xentral's `vatCheck`, sent with orders that carry a VAT id);
    a request may override with `vat_id_checked`."""
    fast_lane: bool | None = None
    """Xentral's `delivery.fastLane` for orders (a request may override); None = not sent (Xentral's default)."""
    auto_create_documents: DocumentsOnShipping | None = None
    """Documents Xentral's auto-shipping creates (`autoCreateDocuments`): delivery_note_and_invoice, delivery_note or
    invoice; a request may override; None = not sent (Xentral's default)."""
    preferred_warehouse_id: str | None = Field(default=None, pattern=r"^\d+$")
    """Xentral warehouse id that fulfils orders with delivery notes (`delivery.preferredWarehouse`); not with
    storage_country. A request's `preferred_warehouse` or `storage_country` replaces it."""
    storage_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    """Country of external fulfilment without delivery notes (`delivery.storageCountry`, ISO-2); not with
    preferred_warehouse_id. A request's `preferred_warehouse` or `storage_country` replaces it."""

    @model_validator(mode="after")
    def _one_place_of_fulfilment(self) -> OrderDefaults:
        if self.preferred_warehouse_id is not None and self.storage_country is not None:
            raise ValueError("set preferred_warehouse_id or storage_country, not both (Xentral accepts one)")
        return self


def _default_lookup_fields() -> list[CustomerSearch]:
    return ["number", "email"]


class CustomerPolicy(Section):
    """How an order finds its customer in Xentral, and what happens when it finds none or several."""

    lookup_fields: list[CustomerSearch] = Field(default_factory=_default_lookup_fields)
    """Tried in this order; a field the request does not carry is skipped. `address`: a customer with the same
    name, street, zip and city (one more read for an order whose customer is new; off by default)."""
    create_missing: bool = True
    """Create customers no lookup found; false answers `422 customer_not_found`."""
    on_several_matches: Literal["oldest", "reject"] = "oldest"
    """oldest: take the customer with the lowest Xentral id; reject: answer 409."""
    on_ambiguous_address: Literal["new_customer", "reject"] = "new_customer"
    """When the `address` lookup finds several customers with the same name and address (never guessed):
    new_customer: go on as if none was found (the next lookup field, else a new customer); reject: answer 409
    customer_ambiguous. The attempt's steps record which."""


class IdempotencyPolicy(Section):
    """How a repeated order is recognised: its key, the check in Xentral, and how long keys are held."""

    key_source: Literal["header_or_reference", "reference"] = "header_or_reference"
    """header_or_reference: the `Idempotency-Key` header, else the order's reference; reference: always the
    reference."""
    upstream_check: Literal["always", "when_unsure"] = "always"
    """always: before every import, look for an order with externalOrderNumber = reference in Xentral (one call);
    when_unsure: only when our own store cannot know (resumed or unknown-outcome attempts)."""
    lease_seconds: float = Field(default=60.0, gt=0)
    """How long a running attempt owns its key; must be longer than one Xentral write may take
    (xentral_wait_budget_seconds + xentral_max_attempts * xentral_connect_timeout_seconds + xentral_timeout_seconds:
    45 s by default), which is checked at start."""
    unknown_outcome_retry_seconds: float = Field(default=60.0, gt=0)
    """After a write whose outcome is unknown (timeout, lost connection, 5xx), the key stays locked this long before
    a retry looks the order up and, if absent, imports again. Xentral may still finish a request it stopped
    answering, so keep this above its longest request time (PHP's max_execution_time)."""
    retention_days: float = Field(default=30.0, gt=0)
    """Finished attempts (and their answers for repeats) are kept this long."""


class TotalsPolicy(Section):
    """How an order's money is checked: the buyer's country against home, and the expected total."""

    home_country: str = Field(default="DE", pattern=r"^[A-Za-z]{2}$")
    """The merchant's country (ISO-2); decides domestic / eu / export when a request does not say."""
    tolerance: Decimal = Field(default=Decimal("0.01"), ge=0)
    """Largest difference from the expected total that is flagged rather than refused (never a match: any
    difference has its warning); the most Xentral's total may be corrected by. At least the currency's smallest
    unit: 1 for JPY, KRW, CLP and ISK, whose shops round to whole units (orders/currencies.py)."""
    on_mismatch: Literal["refuse", "flag"] = "refuse"
    """refuse: `422 total_mismatch` before anything is written; flag: import and report a warning."""
    set_total_amount: bool = True
    """Send the expected total (the caller's `expected_total` or the shop's total) as Xentral's `setTotalAmount`,
    with `tolerance` as its maximum difference: Xentral then books the buyer's total, not its own sum, when
    the two differ by no more. Off: Xentral books its own sum."""


@dataclass(frozen=True, slots=True)
class ClientPolicy:
    """One client's rules. The fields below `instance` are named like the settings sections and
    maps they come from (`config.CLIENT_SECTIONS`, `config.CLIENT_MAPS`): a new overridable
    section is one more field here."""

    name: str
    reference_prefix: str = ""
    notify_failures: bool = False
    respond_async: bool = False
    instance: str = DEFAULT_INSTANCE
    defaults: OrderDefaults = field(default_factory=OrderDefaults)
    shipping_map: Mapping[str, str] = field(default_factory=dict)
    payment_map: PaymentMap = field(default_factory=dict)
    customers: CustomerPolicy = field(default_factory=CustomerPolicy)
    idempotency: IdempotencyPolicy = field(default_factory=IdempotencyPolicy)
    totals: TotalsPolicy = field(default_factory=TotalsPolicy)

    def external_reference(self, reference: str) -> str:
        """The reference as Xentral stores it (externalOrderNumber): the client's prefix keeps the
        references of different callers apart in the one Xentral where they all meet."""
        return self.reference_prefix + reference


class OrderPolicies:
    """Every client's policy; a name no client has (tests, internal callers) gets the global one."""

    def __init__(self, default: ClientPolicy, clients: Mapping[str, ClientPolicy] | None = None) -> None:
        self.default = default
        self._clients = dict(clients or {})

    def clients(self) -> list[ClientPolicy]:
        """Every configured client's policy, in configuration order."""
        return list(self._clients.values())

    def for_client(self, client: str) -> ClientPolicy:
        return self._clients.get(client, self.default)
