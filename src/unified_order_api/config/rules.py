"""Every rule that relates one setting to another, in one place.

A single field's own limits (`gt=0`, a pattern) stay on the field; whatever needs two fields, a
client and the global settings, or several clients together, is here. Two kinds of caller:

- the models' validators, so a configuration that breaks one of these rules never loads
  (`invalid configuration: …`, exit status 2);
- `serve` / `check-config` before starting (`startup_problems`) and the webhook checks
  (`webhook_secret_problem`), for rules that only a running service needs: a configuration
  without a Xentral still loads for `demo` and tests.

The functions raise `ValueError` (inside a validator that becomes a validation error naming the
field) or return the problems found, never a value of a secret.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..orders.routing import DEFAULT_INSTANCE
from ..shops.registry import connector_for
from ..webhooks.signing import SigningError, check_secret
from .keys import describe_errors

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from .alerting import AlertSettings
    from .clients import ApiClient, ShopSettings
    from .sections import WebhookPolicy, XentralInstance
    from .settings import Settings

__all__ = [
    "CLIENT_IDEMPOTENCY_FIELDS",
    "CLIENT_MAPS",
    "CLIENT_SECTIONS",
    "NEVER_IMPORTED",
    "claim_outlives_attempt",
    "client_idempotency",
    "clients_resolve",
    "database_url_form",
    "dispatcher_problems",
    "instance_names",
    "lease_outlasts_xentral_write",
    "longest_xentral_write_seconds",
    "overridden",
    "redis_url_form",
    "reference_prefix_problem",
    "shop_fits_its_kind",
    "startup_problems",
    "unique_client_names",
    "webhook_secret_problem",
]

SectionT = TypeVar("SectionT", bound=BaseModel)

CLIENT_SECTIONS = ("defaults", "customers", "idempotency", "totals")
"""Settings sections a client may override field by field; the fields it does not set keep the
global value. A new overridable section is one more name here, a field of the same name and type
(optional) on `ApiClient`, and one on `orders.policy.ClientPolicy`."""

CLIENT_MAPS = ("shipping_map", "payment_map")
"""Code maps a client may extend: its entries are merged over the global map and win."""

CLIENT_IDEMPOTENCY_FIELDS = frozenset({"key_source", "upstream_check"})
"""Per client, the idempotency section may only choose how keys are read and checked: leases and
retention are properties of the one attempt store every client shares."""

NEVER_IMPORTED = frozenset({"cancelled", "canceled", "voided", "refunded", "failed", "trash"})
"""Order and payment states no shop setting may import (what each shop imports by default is its connector's)."""


def overridden(base: SectionT, override: SectionT | None) -> SectionT:
    """`base` with the fields `override` sets, validated again as a whole (so the merge obeys
    the section's rules as the global section does)."""
    if override is None or not override.model_fields_set:
        return base
    given = override.model_dump(include=set(override.model_fields_set))
    return type(base).model_validate({**base.model_dump(), **given})


# -- within one section ---------------------------------------------------------------------------


def database_url_form(url: str) -> None:
    """A URL SQLAlchemy parses, of a database the store supports (checked before anything connects)."""
    example = "e.g. postgresql+psycopg://user:password@host:5432/name or sqlite+aiosqlite:///./var/uoa.db"
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise ValueError(f"is not a database URL ({example})") from None
    if backend not in ("postgresql", "sqlite"):
        raise ValueError(f"names a {backend} database; the store runs on PostgreSQL or SQLite ({example})")


def redis_url_form(url: str) -> None:
    """A Redis URL redis-py can connect with."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.netloc or parts.path):
        raise ValueError("must be a Redis URL, e.g. redis://host:6379/0 (rediss:// with TLS)")


def shop_fits_its_kind(shop: ShopSettings) -> None:
    """A shop's import rules name only what its kind of shop sends (its connector says what that is)."""
    connector = connector_for(shop.kind)
    if connector.default_statuses is None and shop.import_statuses is not None:
        raise ValueError(f"{connector.title} orders have no order status; use import_payment_states")
    if not connector.payment_states and shop.import_payment_states is not None:
        raise ValueError(f"{connector.title} sends no payment state; use import_statuses")
    never = NEVER_IMPORTED & {s.lower() for s in (shop.import_statuses or []) + (shop.import_payment_states or [])}
    if never:
        raise ValueError(f"{', '.join(sorted(never))} orders are never imported")
    unknown = set(shop.sku_fields or []) - connector.sku_fields_allowed
    if unknown or shop.sku_fields == []:
        allowed = ", ".join(sorted(connector.sku_fields_allowed))
        raise ValueError(f"sku_fields for {shop.kind} must be among {allowed}")


_API_FOR_KIND = {"woocommerce": "WooCommerceApi", "shopify": "ShopifyApi", "shopware": "ShopwareApi"}
_API_FIELDS = {
    "WooCommerceApi": "{url, consumer_key, consumer_secret}",
    "ShopifyApi": "{shop_domain, access_token or client_id and client_secret, api_version}",
    "ShopwareApi": "{url, client_id, client_secret}",
}


def shop_api_fits_its_kind(shop: ShopSettings) -> None:
    """A shop's `api` credentials are those its kind's API takes (a Shopify token on a WooCommerce shop is a typo)."""
    if shop.api is None:
        return
    wanted = _API_FOR_KIND.get(shop.kind)
    if wanted is None:
        raise ValueError(f"{connector_for(shop.kind).title} has no write-back API; remove shop.api")
    if type(shop.api).__name__ != wanted:
        raise ValueError(f"shop.api of a {shop.kind} shop takes {_API_FIELDS[wanted]}")


def claim_outlives_attempt(policy: WebhookPolicy) -> None:
    """A claimed delivery must stay claimed while its attempt runs, or a second dispatcher sends it again."""
    if policy.claim_seconds <= policy.timeout_seconds:
        raise ValueError("claim_seconds must be longer than timeout_seconds")


def alert_channels_complete(alerts: AlertSettings) -> None:
    """An alert webhook is signed like every webhook; an alert e-mail needs a server and a sender."""
    if alerts.webhook_url and alerts.webhook_secret is None:
        raise ValueError("alerts.webhook_url needs alerts.webhook_secret")
    if alerts.webhook_secret is not None:
        try:
            check_secret(alerts.webhook_secret.get_secret_value())
        except SigningError as error:
            raise ValueError(f"alerts.webhook_secret {error}") from error
    if alerts.email_to and not (alerts.smtp_host and alerts.email_from):
        raise ValueError("alerts.email_to needs alerts.smtp_host and alerts.email_from")


def client_idempotency(client: ApiClient) -> None:
    """A client's idempotency section sets only what may differ per client."""
    if client.idempotency is not None:
        shared = sorted(client.idempotency.model_fields_set - CLIENT_IDEMPOTENCY_FIELDS)
        if shared:
            raise ValueError(
                f"idempotency.{', idempotency.'.join(shared)} cannot be set per client (the attempt store is "
                "shared); set it in the global [idempotency] section"
            )


def webhook_secret_problem(client: ApiClient) -> str | None:
    """Why the client's callbacks could not be signed, or None: webhook_url and callback_hosts need
    a webhook_secret, and a secret must be a usable Standard Webhooks secret."""
    if client.webhook_secret is not None:
        try:
            check_secret(client.webhook_secret.get_secret_value())
        except SigningError as error:
            return f"webhook_secret {error}"
        return None
    if client.webhook_url is not None or client.callback_hosts:
        return "webhook_url/callback_hosts need a webhook_secret"
    return None


# -- across the whole configuration ---------------------------------------------------------------


def unique_client_names(clients: Sequence[ApiClient]) -> None:
    """A name is the client's identity (its orders, prefix and settings): two entries would be ambiguous."""
    names = [client.name for client in clients]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"client names must be unique; repeated: {', '.join(repeated)}")


def instance_names(instances: Mapping[str, XentralInstance], pattern: str) -> None:
    """Named instances match `pattern`, and none takes the name of `xentral_url`'s instance."""
    for name in instances:
        if not re.match(pattern, name):
            raise ValueError(f"instance name '{name[:64]}' must match {pattern}")
        if name == DEFAULT_INSTANCE:
            raise ValueError(f"'{DEFAULT_INSTANCE}' is the instance of xentral_url; give this one another name")


def clients_resolve(settings: Settings) -> None:
    """Every client names an instance that exists, its overrides make valid settings, and no
    Xentral is configured twice under two names."""
    problems = []
    for client in settings.clients:
        if isinstance(client.xentral, str) and client.xentral not in settings.xentral_instances:
            known = ", ".join(sorted(settings.xentral_instances)) or "none"
            problems.append(
                f"client '{client.name}': xentral names the instance '{client.xentral}', which "
                f"xentral_instances does not have (it has: {known})"
            )
        own_instance = client.xentral is not None and not isinstance(client.xentral, str)
        if own_instance and client.name in settings.xentral_instances:
            problems.append(
                f"client '{client.name}': has a Xentral of its own, but xentral_instances has an instance "
                "of the same name; refer to that one by name instead"
            )
        for section in CLIENT_SECTIONS:
            try:
                overridden(getattr(settings, section), getattr(client, section))
            except ValidationError as error:
                problems.append(f"client '{client.name}': {section}: {describe_errors(error)}")
    by_url: dict[str, list[str]] = {}
    for name, instance in settings.xentral_endpoints().items():
        by_url.setdefault(instance.url.lower(), []).append(name)
    for url_names in by_url.values():
        if len(url_names) > 1:
            problems.append(
                f"Xentral instances {', '.join(repr(n) for n in url_names)} have the same URL; Xentral "
                "counts calls per instance, so configure it once and let clients refer to it by name"
            )
    if problems:
        raise ValueError("; ".join(problems))


def longest_xentral_write_seconds(settings: Settings) -> float:
    """The longest one Xentral write may be in flight: its waits for a rate-limit slot and between tries
    (`xentral_wait_budget_seconds`), the tries before the last, which are retried only when they could not
    connect (`xentral_max_attempts` - 1 connect timeouts), and the last, connected try (connect and read timeout).
    """
    retries = settings.xentral_max_attempts - 1
    last_try = settings.xentral_connect_timeout_seconds + settings.xentral_timeout_seconds
    return settings.xentral_wait_budget_seconds + retries * settings.xentral_connect_timeout_seconds + last_try


def lease_outlasts_xentral_write(settings: Settings) -> None:
    """An attempt's lease is renewed before each Xentral write (`orders.attempts.checkpoint`); if it ran out
    while the write is still in flight, a retry could take the attempt over and import the order a second time."""
    lease = settings.idempotency.lease_seconds
    longest = longest_xentral_write_seconds(settings)
    if lease <= longest:
        raise ValueError(
            f"idempotency.lease_seconds ({lease:g}) must be longer than one Xentral write may take ({longest:g} s = "
            f"xentral_wait_budget_seconds {settings.xentral_wait_budget_seconds:g} + xentral_max_attempts "
            f"{settings.xentral_max_attempts} x xentral_connect_timeout_seconds "
            f"{settings.xentral_connect_timeout_seconds:g} + xentral_timeout_seconds "
            f"{settings.xentral_timeout_seconds:g}), or a retry may import an order twice: raise the lease or "
            "lower those"
        )


def startup_problems(settings: Settings) -> list[str]:
    """What a production service (`serve`, `check-config`) needs besides valid settings: a Xentral
    for every client that uses the default one, at least one client, and reference prefixes that
    keep each instance's clients apart. Empty when it can start."""
    missing = []
    uses_default = not settings.clients or any(settings.instance_name(c) == DEFAULT_INSTANCE for c in settings.clients)
    if uses_default:
        if not settings.xentral_url:
            missing.append("UOA_XENTRAL_URL (your Xentral instance, e.g. https://acme.xentral.biz)")
        if settings.xentral_token is None or not settings.xentral_token.get_secret_value():
            missing.append("UOA_XENTRAL_TOKEN (a Xentral Personal Access Token)")
    if not settings.clients:
        missing.append('UOA_CLIENTS (at least one API client, e.g. [{"name": "shop", "api_key": "…"}])')
    if missing:
        return ["set " + "; ".join(missing)]
    # References meet only in the Xentral instance they are sent to: prefixes must differ per instance.
    by_instance: dict[str, list[ApiClient]] = {}
    for client in settings.clients:
        by_instance.setdefault(settings.instance_name(client), []).append(client)
    for clients in by_instance.values():
        problem = reference_prefix_problem(clients)
        if problem:
            return [problem]
    return []


def dispatcher_problems(settings: Settings, *, database_configured: bool) -> list[str]:
    """What `dispatcher` needs: the clients whose callbacks it signs and sends, and the database `serve`
    writes them to (the default SQLite file is a file of one process, not a shared outbox). Empty when it can run."""
    missing = []
    if not settings.clients:
        missing.append("UOA_CLIENTS (the API clients whose webhooks it delivers, as for `serve`)")
    if not database_configured:
        missing.append("UOA_DATABASE_URL (the database `serve` writes the webhook outbox to)")
    return ["set " + "; ".join(missing)] if missing else []


def reference_prefix_problem(clients: Sequence[ApiClient]) -> str | None:
    """Why these clients' references could meet in Xentral, or None.

    Xentral's externalOrderNumber is one namespace: with several clients, each needs a prefix
    that no other client's prefix starts with (`AMZ-` and `AMZ-X` would both own `AMZ-X1`).
    Otherwise client B sending A's reference would be answered with A's order.
    """
    if len(clients) < 2:
        return None
    empty = [client.name for client in clients if not client.reference_prefix]
    if empty:
        return (
            f'with several clients, each needs its own reference_prefix (e.g. "AMZ-"); missing for: {", ".join(empty)}'
        )
    for first in clients:
        for second in clients:
            if first is not second and second.reference_prefix.startswith(first.reference_prefix):
                return (
                    f"clients {first.name} and {second.name} have overlapping reference prefixes "
                    f"('{first.reference_prefix}', '{second.reference_prefix}'): one reference could belong to both"
                )
    return None
