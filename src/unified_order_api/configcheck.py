"""The configuration check: every id the settings name, looked up in the Xentral instance it belongs to.

A wrong mapping id otherwise shows only when the first real order fails. For every client, on
its own Xentral instance and with its overrides merged over the global settings, this checks:
the instance answers; the project, sales channel and default shipping / payment methods exist;
every entry of the shipping and payment maps names an existing method; every product setting
(`*_product_id`: shipping costs, discounts, fees) names a product that exists and is neither disabled
nor deleted (v2's `isDisabled`, `isDeleted`), the shipping-cost product one Xentral marks as such
(`isShippingCostsProduct`);
and the webhook target passes the SSRF guard (DNS included) with a usable secret; a shop with
write-back credentials (`shop.api`) answers a harmless read, and the permissions it reports (Shopify's
app scopes) or that the read showed are listed, the ones write-back needs and lacks as a problem.

Only reads reach Xentral, each list once per instance. `check-config` prints the findings as a
table and exits non-zero on any problem; `serve` logs the problems as warnings and starts anyway
(Xentral may just be down); the console shows them, with Xentral's names for each id.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import structlog

from .clock import utc_now
from .config import ApiClient, Settings, XentralInstance, order_policies
from .config.rules import webhook_secret_problem
from .orders.errors import OrderError, XentralAccessDenied
from .orders.model import PaymentMethod, Product, Project, SalesChannel, ShippingMethod
from .orders.payments import mapped_entries
from .orders.policy import ClientPolicy
from .shop_apis import ShopApi, ShopApiError
from .token_expiry import TokenExpiry
from .webhooks.targets import TargetGuard, TargetRefused
from .xentral.deprecations import DeprecationNotice
from .xentral.scopes import NEEDED_SCOPES, NeededScope

if TYPE_CHECKING:
    from .bootstrap import Container

__all__ = ["ConfigFinding", "ConfigLookups", "check_config", "check_settings", "findings_table", "warn_about_config"]

log = structlog.get_logger(__name__)

GLOBAL = "(global)"
"""The client column of findings about the global settings, when no client is configured."""


class ConfigLookups(Protocol):
    """What the check reads from one Xentral instance (`xentral.gateway.XentralHttpGateway`)."""

    async def projects(self) -> Sequence[Project]: ...

    async def shipping_methods(self) -> Sequence[ShippingMethod]: ...

    async def payment_methods(self) -> Sequence[PaymentMethod]: ...

    async def sales_channels(self) -> Sequence[SalesChannel]: ...

    async def product_by_id(self, product_id: str) -> Product | None: ...

    def deprecation_notices(self) -> Sequence[DeprecationNotice]: ...

    async def probe_scope(self, scope: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ConfigFinding:
    """One checked setting of one client: its value, what Xentral calls it, and the problem if any."""

    client: str
    instance: str
    setting: str
    value: str | None
    xentral_name: str | None = None
    problem: str | None = None
    warning: str | None = None  # not a problem yet: e.g. an operation Xentral announced it will retire

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class _Instance:
    """One instance's lists, read once for all its clients; `error` when it could not be read."""

    projects: Sequence[Project] = ()
    shipping: Sequence[ShippingMethod] = ()
    payment: Sequence[PaymentMethod] = ()
    channels: Sequence[SalesChannel] = ()
    error: str | None = None
    scopes: Mapping[str, str | None] = field(default_factory=dict)  # each needed scope: None, or its problem


async def check_config(container: Container) -> list[ConfigFinding]:
    """The check for a running service, on its own adapters (each instance's limiter included)."""
    settings = container.settings
    lookups = {name: instance.uncached for name, instance in container.instances.items()}
    urls = {name: instance.url for name, instance in container.instances.items()}
    guard = TargetGuard(settings.webhooks.allow_private_targets)
    return await check_settings(settings, lookups, guard, urls=urls, shop_apis=container.shop_apis)


async def warn_about_config(container: Container) -> None:
    """`serve` at start-up: every problem logged as a warning; the service runs on regardless."""
    try:
        findings = await check_config(container)
    except Exception:
        log.exception("config_check.failed")
        return
    for finding in findings:
        if not finding.ok:
            log.warning(
                "config_check.problem",
                client=finding.client,
                instance=finding.instance,
                setting=finding.setting,
                value=finding.value,
                problem=finding.problem,
            )
    problems = sum(1 for finding in findings if not finding.ok)
    log.info("config_check.done", checked=len(findings), problems=problems)


async def check_settings(
    settings: Settings,
    instances: Mapping[str, ConfigLookups],
    guard: TargetGuard,
    *,
    urls: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
    shop_apis: Mapping[str, ShopApi] | None = None,
) -> list[ConfigFinding]:
    """Every client's settings checked against its instance (`instances` by name); in client order."""
    policies = order_policies(settings)
    clients = policies.clients() or [policies.default]
    names = sorted({policy.instance for policy in clients})
    read = await asyncio.gather(*(_read_instance(instances.get(name)) for name in names))
    scopes = await asyncio.gather(*(_probe_scopes(instances.get(name)) for name in names))
    read = [dataclasses.replace(lists, scopes=probed) for lists, probed in zip(read, scopes, strict=True)]
    lists = dict(zip(names, read, strict=True))
    by_name = {client.name: client for client in settings.clients}
    findings: list[ConfigFinding] = []
    for policy in clients:
        client = by_name.get(policy.name)
        lookups = instances.get(policy.instance)
        findings += await _check_client(policy, client, lookups, lists[policy.instance], (urls or {}), guard)
        endpoint = settings.xentral_endpoints().get(policy.instance)
        warn_before = dt.timedelta(days=settings.xentral_token_warn_days)
        findings += _token_expiry(policy, endpoint, now or utc_now(), warn_before)
        if client is not None:
            findings += await _check_shop_api(client, policy.instance, (shop_apis or {}).get(client.name))
    return findings


async def _check_shop_api(client: ApiClient, instance: str, api: ShopApi | None) -> list[ConfigFinding]:
    """The shop's write-back credentials: a harmless read, and the permissions it shows (never a secret)."""
    shop = client.shop
    if shop is None:
        return []
    credentials = shop.api
    if credentials is None or api is None:
        warning = "no shop.api credentials: tracking and status are not written back to the shop"
        return [ConfigFinding(client.name, instance, "shop.api", None, warning=warning)]
    where = getattr(credentials, "url", None) or getattr(credentials, "shop_domain", None)
    try:
        check = await api.check()
    except ShopApiError as error:
        return [
            ConfigFinding(client.name, instance, "shop.api", where, problem=f"the shop's API check failed: {error}")
        ]
    shown = f"{check.shop}: {', '.join(check.permissions) or 'no permissions reported'}"
    missing = f"missing permissions: {', '.join(check.missing)}" if check.missing else None
    return [ConfigFinding(client.name, instance, "shop.api", where, shown, missing)]


def _token_expiry(
    policy: ClientPolicy, endpoint: XentralInstance | None, now: dt.datetime, warn_before: dt.timedelta
) -> list[ConfigFinding]:
    """The instance's token expiry date: a warning from `warn_before` it, a problem once it has passed."""
    if endpoint is None or endpoint.token_expires is None:
        return []
    expiry = TokenExpiry(endpoint.token_expires, now, warn_before)
    name = policy.name or GLOBAL
    value = endpoint.token_expires.isoformat()
    if expiry.expired:
        return [ConfigFinding(name, policy.instance, "xentral.token_expires", value, problem=expiry.describe())]
    return [ConfigFinding(name, policy.instance, "xentral.token_expires", value, warning=expiry.describe() or None)]


async def _read_instance(lookups: ConfigLookups | None) -> _Instance:
    if lookups is None:
        return _Instance(error="not configured (set its url and token)")
    try:
        projects, shipping, payment, channels = await asyncio.gather(
            lookups.projects(), lookups.shipping_methods(), lookups.payment_methods(), lookups.sales_channels()
        )
    except OrderError as error:
        return _Instance(error=f"Xentral could not be read: {error.detail}")
    return _Instance(projects, shipping, payment, channels)


async def _probe_scopes(lookups: ConfigLookups | None) -> dict[str, str | None]:
    """Each needed scope: None when its harmless read went through (or it cannot be read), else why not."""
    if lookups is None:
        return {}

    async def probe(needed: NeededScope) -> str | None:
        if not needed.probed:
            return None
        try:
            await lookups.probe_scope(needed.scope)
        except XentralAccessDenied as error:
            return error.detail
        except OrderError:
            return None  # Xentral could not be read at all: the `xentral` finding says so
        return None

    results = await asyncio.gather(*(probe(needed) for needed in NEEDED_SCOPES))
    return {needed.scope: result for needed, result in zip(NEEDED_SCOPES, results, strict=True)}


async def _check_client(
    policy: ClientPolicy,
    client: ApiClient | None,
    lookups: ConfigLookups | None,
    xentral: _Instance,
    urls: Mapping[str, str],
    guard: TargetGuard,
) -> list[ConfigFinding]:
    name = policy.name or GLOBAL

    def finding(setting: str, value: str | None, xentral_name: str | None = None, problem: str | None = None) -> None:
        findings.append(ConfigFinding(name, policy.instance, setting, value, xentral_name, problem))

    findings: list[ConfigFinding] = []
    finding("xentral", urls.get(policy.instance, policy.instance), policy.instance, xentral.error)
    for needed in NEEDED_SCOPES if xentral.scopes else ():
        shown = "checked with a one-page read" if needed.probed else "not checkable without writing"
        finding(f"scope.{needed.scope}", needed.used_for, shown, xentral.scopes.get(needed.scope))
    if xentral.error is None:
        _check_ids(policy, xentral, finding)
        if lookups is not None:
            await _check_products(policy, lookups, finding)
    if client is not None:
        await _check_webhooks(client, guard, finding)
    for notice in lookups.deprecation_notices() if lookups is not None else ():
        warning = f"{notice.describe()}: plan the move before the sunset"
        findings.append(
            ConfigFinding(name, policy.instance, f"xentral.{notice.operation}", notice.path, None, None, warning)
        )
    return findings


class _Record(Protocol):
    def __call__(
        self, setting: str, value: str | None, xentral_name: str | None = None, problem: str | None = None
    ) -> None: ...


def _check_ids(policy: ClientPolicy, xentral: _Instance, finding: _Record) -> None:
    defaults = policy.defaults
    projects = {project.id: project.name or project.key_name for project in xentral.projects}
    if defaults.project_id is None:
        first = xentral.projects[0] if xentral.projects else None
        finding(
            "defaults.project_id",
            None,
            f"{first.name} (first project, id {first.id})" if first else None,
            None if first else "not set, and Xentral has no project to default to",
        )
    else:
        _known(finding, "defaults.project_id", defaults.project_id, projects, "project")
    if defaults.sales_channel_id is not None:
        channel = next((c for c in xentral.channels if c.id == defaults.sales_channel_id), None)
        if channel is None:
            finding("defaults.sales_channel_id", defaults.sales_channel_id, None, "no such sales channel in Xentral")
        else:
            problem = None if channel.active else "this sales channel is inactive in Xentral"
            finding("defaults.sales_channel_id", channel.id, _channel_name(channel, projects), problem)
    shipping = {method.id: method.designation or method.type for method in xentral.shipping}
    payment = {method.id: method.designation or method.type for method in xentral.payment}
    if defaults.shipping_method_id is not None:
        _known(finding, "defaults.shipping_method_id", defaults.shipping_method_id, shipping, "shipping method")
    if defaults.payment_method_id is not None:
        _known(finding, "defaults.payment_method_id", defaults.payment_method_id, payment, "payment method")
    for code, method_id in sorted(policy.shipping_map.items()):
        _known(finding, f"shipping_map.{code}", method_id, shipping, "shipping method")
    for entry, method_id in mapped_entries(policy.payment_map):
        _known(finding, f"payment_map.{entry}", method_id, payment, "payment method")


def _known(finding: _Record, setting: str, value: str, names: Mapping[str, str], what: str) -> None:
    if value in names:
        finding(setting, value, names[value])
    else:
        finding(setting, value, None, f"no {what} with id '{value}' in Xentral")


async def _check_products(policy: ClientPolicy, lookups: ConfigLookups, finding: _Record) -> None:
    """Every `*_product_id` default (shipping costs, discounts, fees: whatever the settings have)."""
    settings = policy.defaults.model_dump()
    for setting in sorted(key for key in settings if key.endswith("_product_id")):
        product_id = settings[setting]
        if product_id is None:
            continue
        try:
            product = await lookups.product_by_id(str(product_id))
        except OrderError as error:
            finding(f"defaults.{setting}", product_id, None, f"Xentral could not be read: {error.detail}")
            continue
        if product is None:
            finding(f"defaults.{setting}", product_id, None, f"no product with id '{product_id}' in Xentral")
        elif product.is_locked:
            reason = f" ({product.locked_reason})" if product.locked_reason else ""
            finding(f"defaults.{setting}", product_id, product.name, f"the product is locked in Xentral{reason}")
        elif setting == "shipping_cost_product_id" and not product.is_shipping_costs_product:
            # Xentral's v2 products say which ones carry shipping costs (`isShippingCostsProduct`).
            problem = "the product is not a shipping costs product in Xentral (isShippingCostsProduct is false)"
            finding(f"defaults.{setting}", product_id, f"{product.name} ({product.sku})", problem)
        else:
            finding(f"defaults.{setting}", product_id, f"{product.name} ({product.sku})")


async def _check_webhooks(client: ApiClient, guard: TargetGuard, finding: _Record) -> None:
    wants_callbacks = client.webhook_url is not None or bool(client.callback_hosts)
    if client.webhook_secret is not None or wants_callbacks:
        shown = "(set)" if client.webhook_secret is not None else None
        finding("webhook_secret", shown, None, webhook_secret_problem(client))
    if client.webhook_url is not None:
        try:
            target = await guard.acheck(client.webhook_url)
            finding("webhook_url", client.webhook_url, ", ".join(str(a) for a in target.addresses))
        except TargetRefused as error:
            finding("webhook_url", client.webhook_url, None, str(error))


def findings_table(findings: Sequence[ConfigFinding]) -> str:
    """One plain-text table: client, setting, value, Xentral's name for it, OK or the problem."""
    header = ("CLIENT", "SETTING", "VALUE", "XENTRAL", "RESULT")
    rows = [
        (
            f.client,
            f.setting,
            f.value if f.value is not None else "-",
            f.xentral_name or "-",
            f"WARNING: {f.warning}" if f.ok and f.warning else "OK" if f.ok else f"PROBLEM: {f.problem}",
        )
        for f in findings
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header) - 1)]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]).rstrip()

    return "\n".join(line(row) for row in (header, *rows))


def _channel_name(channel: SalesChannel, projects: Mapping[str, str | None]) -> str:
    """What an operator recognises a sales channel by: its name, platform and project."""
    project = (projects.get(channel.project_id) or f"id {channel.project_id}") if channel.project_id else "none"
    return f"{channel.name} ({channel.module or 'unknown module'}, project {project})"
