"""The service's configuration: every setting, where it is read from, and the rules between settings.

One idea per module:

- `settings`: `Settings`, the whole configuration and its sources (environment, TOML file);
- `clients`: an API client and its shop;
- `sections`: the service's own sections (Xentral instances, limits, queue, webhooks, console);
  the order sections (defaults, customers, idempotency, totals) are the order service's types,
  imported from `orders.policy`: nothing under `orders/` imports this package;
- `rules`: every rule between two settings;
- `keys`: the names the settings own, and refusing those they do not (with the closest name);
- `policies`: the order flow's per-client policies from the settings;
- `reconciling`: the reconciler's section and the rules it gives the order service;
- `alerting`: the operators' alert channel;
- `write_back`: the shops' API credentials and the write-back lane;
- `reference`: writes `docs/reference/settings.md` from the field descriptions.
"""

from __future__ import annotations

from ..orders.policy import CustomerPolicy, IdempotencyPolicy, OrderDefaults, TotalsPolicy
from ..orders.routing import DEFAULT_INSTANCE
from ..shops.registry import ShopKind
from ..webhooks.targets import TargetKind
from .alerting import AlertSettings
from .clients import ApiClient, ShopSettings, normalized_codes
from .keys import CONFIG_FILE_ENV, RESERVED_ENV_PREFIX, describe_errors
from .policies import order_policies
from .reconciling import ReconcilerPolicy, reconcile_rules
from .rules import CLIENT_MAPS, CLIENT_SECTIONS, NEVER_IMPORTED
from .sections import (
    INSTANCE_NAME,
    CacheSettings,
    ConsoleOperator,
    ConsoleSettings,
    InboxSettings,
    Limits,
    MetricsExposure,
    MetricsSettings,
    QueuePolicy,
    WebhookPolicy,
    XentralInstance,
)
from .settings import Settings, load_settings
from .write_back import ShopApiCredentials, ShopifyApi, ShopwareApi, WooCommerceApi, WriteBackPolicy

__all__ = [
    "CLIENT_MAPS",
    "CLIENT_SECTIONS",
    "CONFIG_FILE_ENV",
    "DEFAULT_INSTANCE",
    "INSTANCE_NAME",
    "NEVER_IMPORTED",
    "RESERVED_ENV_PREFIX",
    "AlertSettings",
    "ApiClient",
    "CacheSettings",
    "ConsoleOperator",
    "ConsoleSettings",
    "CustomerPolicy",
    "IdempotencyPolicy",
    "InboxSettings",
    "Limits",
    "MetricsExposure",
    "MetricsSettings",
    "OrderDefaults",
    "QueuePolicy",
    "ReconcilerPolicy",
    "Settings",
    "ShopApiCredentials",
    "ShopKind",
    "ShopSettings",
    "ShopifyApi",
    "ShopwareApi",
    "TargetKind",
    "TotalsPolicy",
    "WebhookPolicy",
    "WooCommerceApi",
    "WriteBackPolicy",
    "XentralInstance",
    "describe_errors",
    "load_settings",
    "normalized_codes",
    "order_policies",
    "reconcile_rules",
]
