"""A caller of the API (`ApiClient`) and the shop that may post its own webhooks for it (`ShopSettings`).

A client carries its key, where its callbacks go, its own order settings over the global ones
(`rules.CLIENT_SECTIONS`, `rules.CLIENT_MAPS`) and the Xentral instance its orders go to. Its
errors name the client and the field, never a value: the input holds keys and tokens.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from ..lifecycle.announcements import LIFECYCLE_EVENTS, LifecycleEvent
from ..orders.commands import PaymentStatus
from ..orders.policy import CustomerPolicy, IdempotencyPolicy, OrderDefaults, Section, TotalsPolicy
from ..shops.registry import ShopKind, connector_for
from . import rules
from .credentials import AccessKey
from .keys import describe_errors
from .sections import INSTANCE_NAME, XentralInstance
from .write_back import ShopApiCredentials

__all__ = [
    "CLIENT_NAME",
    "ApiClient",
    "CodeMap",
    "PaymentCodeMap",
    "ShopSettings",
    "normalized_codes",
    "normalized_payment_codes",
]

CLIENT_NAME = r"^[A-Za-z0-9_.-]{1,64}$"


def normalized_codes(codes: dict[str, str]) -> dict[str, str]:
    """Shipping and payment codes compare without case and surrounding spaces."""
    return {code.strip().lower(): xentral_id for code, xentral_id in codes.items()}


CodeMap = Annotated[dict[str, str], AfterValidator(normalized_codes)]
"""A shipping map: the caller's code → a Xentral id, codes normalized."""

StatusKey = PaymentStatus | Literal["*"]


def normalized_payment_codes(codes: dict[str, str | dict[StatusKey, str]]) -> dict[str, str | dict[str, str]]:
    """Payment codes compare like shipping codes; a status map keeps its statuses as they are."""
    return {
        code.strip().lower(): target if isinstance(target, str) else {str(k): v for k, v in target.items()}
        for code, target in codes.items()
    }


PaymentCodeMap = Annotated[dict[str, str | dict[StatusKey, str]], AfterValidator(normalized_payment_codes)]
"""The payment map: the caller's code → a Xentral payment method id, or payment status → id with `*` for the
rest (orders/payments.py)."""


class ShopSettings(Section):
    """A shop that sends its own order webhooks to `/api/shops/{client}/{kind}`, signed with `secret`."""

    model_config = ConfigDict(hide_input_in_errors=True)  # the input holds the secret

    kind: ShopKind
    """Which shop sends the webhooks: a kind registered in `shops/registry.py`."""
    secret: SecretStr
    """The webhook secret (WooCommerce, Shopify) or shop secret (Shopware)."""
    import_statuses: list[str] | None = None
    """Order statuses that create an order (WooCommerce `status`, Shopware order state); None = the default:
    WooCommerce processing, Shopware open. Shopify orders have none."""
    import_payment_states: list[str] | None = None
    """Payment states that create an order (Shopify `financial_status`, Shopware transaction state), e.g. ["paid"];
    None = any that is not voided, refunded or failed."""
    import_test_orders: bool = False
    """Import Shopify test orders too."""
    sku_fields: list[str] | None = None
    """The line fields holding the SKU, first non-empty wins; None = sku (WooCommerce, Shopify), productNumber
    (Shopware). e.g. ["sku", "product_id"] for WooCommerce products without SKU."""
    max_age_seconds: float = Field(default=300.0, gt=0)
    """Shopware: a webhook whose signed timestamp is older is refused."""
    api: ShopApiCredentials | None = None
    """The shop's API credentials for writing tracking and status back (WooCommerce `{url, consumer_key,
    consumer_secret}`, Shopify `{shop_domain, access_token, api_version}` (or
    `client_id` and `client_secret` instead of `access_token`), Shopware `{url, client_id,
    client_secret}`); None: nothing is written back to this shop."""
    completed_status: str = Field(default="completed", min_length=1, max_length=64)
    """WooCommerce: the status an order is set to once everything has shipped."""
    notify_customer: bool = True
    """Shopify: the buyer gets Shopify's shipping confirmation with the tracking when a fulfilment is created."""
    shipped_order_transition: str | None = Field(default=None, pattern=r"^[a-z_]{1,64}$")
    """Shopware: the order state transition made once everything has shipped (e.g. `complete`); None: the order's
    state is left alone and only its delivery is moved to shipped."""
    on_xentral_cancel: Literal["cancel", "note"] = "note"
    """When Xentral cancels an order this shop sent: cancel it in the shop too, or only add a note there."""

    @field_validator("secret")
    @classmethod
    def _secret_not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            raise ValueError("the shop secret must not be empty")
        return value

    @model_validator(mode="after")
    def _rules_fit_the_shop(self) -> ShopSettings:
        rules.shop_fits_its_kind(self)
        rules.shop_api_fits_its_kind(self)
        return self

    @property
    def statuses(self) -> list[str] | None:
        if self.import_statuses is not None:
            return self.import_statuses
        defaults = connector_for(self.kind).default_statuses
        return list(defaults) if defaults is not None else None

    @property
    def skus_from(self) -> list[str]:
        return self.sku_fields or list(connector_for(self.kind).sku_fields)


class ApiClient(Section):
    """One caller of the API (a shop, a middleware): its key, where its callbacks go, its own
    order settings over the global ones, and the Xentral instance its orders go to."""

    model_config = ConfigDict(hide_input_in_errors=True)

    name: str = Field(pattern=CLIENT_NAME)
    """The client's identity: its orders, prefix and settings are found by it."""
    api_key: AccessKey
    """The Bearer key this client calls the API with: at least 16 characters, printable ASCII (compared in constant
    time)."""
    api_key_next: AccessKey | None = None
    """A second valid key while the key is rotated: give the caller this one, then move it to `api_key` and remove
    it here (docs/operations/secrets.md). Both are accepted meanwhile, each compared in constant time."""
    webhook_url: str | None = None
    """Where this client's callbacks (`order.created`, …) are delivered."""
    webhook_secret: SecretStr | None = None
    """Standard Webhooks secret, `whsec_` + base64; required with webhook_url."""
    lifecycle_events: list[LifecycleEvent] = Field(default_factory=lambda: list(LIFECYCLE_EVENTS))
    """The lifecycle webhooks this client receives at its webhook_url (`order.dispatched`, `order.shipped`,
    `order.cancelled`, `order.completed`, `order.held`); `[]`: none."""
    callback_hosts: list[str] = Field(default_factory=list)
    """Hosts a request may name in `callback_url` instead of webhook_url."""
    respond_async: bool = False
    """Answer 202 and queue the order by default."""
    reference_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9_.:-]{0,16}$")
    """Put before this client's references in Xentral (externalOrderNumber), e.g. `AMZ-`. With several clients, give
    each one, so equal references of two shops never meet in Xentral's duplicate check."""
    notify_failures: bool = False
    """Also send `order.failed` when an order fails after something was created (e.g. a customer), or when its caller
    was not told the outcome (answered 202, or told it was unknown)."""
    xentral: XentralInstance | str | None = None
    """This client's Xentral: `{url, token}` of its own, or the name of an entry of `xentral_instances`; default: the
    instance of `xentral_url`."""
    defaults: OrderDefaults | None = None
    """Overrides of the global `defaults`; a field not given keeps the global value."""
    shipping_map: CodeMap = Field(default_factory=dict)
    """Merged over the global shipping_map; this client's codes win."""
    payment_map: PaymentCodeMap = Field(default_factory=dict)
    """Merged over the global payment_map; this client's codes win (a code's status map as a whole)."""
    customers: CustomerPolicy | None = None
    """Overrides of the global customer policy, field by field."""
    idempotency: IdempotencyPolicy | None = None
    """`upstream_check` and `key_source` for this client; the rest is global."""
    totals: TotalsPolicy | None = None
    """Overrides of the global totals policy (home country, tolerance, mismatch rule), field by field."""
    on_total_mismatch: Literal["refuse", "flag"] | None = None
    """Overrides `totals.on_mismatch` for this client: refuse (422) or import and flag."""
    shop: ShopSettings | None = None
    """The shop whose own webhooks post to /api/shops/{name}/{kind}."""

    @field_validator("xentral")
    @classmethod
    def _instance_name(cls, value: XentralInstance | str | None) -> XentralInstance | str | None:
        if isinstance(value, str) and not re.match(INSTANCE_NAME, value):
            raise ValueError(f"names an instance of `xentral_instances`, which match {INSTANCE_NAME}")
        return value

    @model_validator(mode="after")
    def _idempotency_per_client(self) -> ApiClient:
        rules.client_idempotency(self)
        return self

    @model_validator(mode="wrap")
    @classmethod
    def _name_the_client(cls, data: Any, handler: ModelWrapValidatorHandler[ApiClient]) -> ApiClient:
        """Errors say which client and which field, never the value (it may be a key or a token)."""
        try:
            return handler(data)
        except ValidationError as error:
            name = data.get("name") if isinstance(data, dict) else None
            if not isinstance(name, str) or not re.match(CLIENT_NAME, name):
                raise
            raise ValueError(f"client '{name}': {describe_errors(error, cls)}") from None
