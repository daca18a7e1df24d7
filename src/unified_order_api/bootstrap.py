"""The composition root: settings in, adapters built (each once), services wired. Nothing else builds adapters.

`bootstrap` wires the whole service into a `Container`; `bootstrap_dispatcher` wires the webhook
dispatcher alone (`unified-order-api dispatcher`). What runs is elsewhere: readiness in
`readiness`, the background loops in `housekeeping`, `orders.queue`, `orders.reconciler`,
`webhooks.dispatcher` and `alerts`, their tasks in `background`, the entry points in `cli` and `app`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import socket
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import structlog
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from .alerts import AlertChannel, AlertGroups, AlertKind, EmailChannel, WebhookChannel, deliver_forever
from .alerts.channels import OPERATOR
from .alerts.expiring_tokens import ExpiringTokens
from .alerts.triggers import (
    ResponseHook,
    access_denied_alerts,
    cancellation_alerts,
    dead_delivery_alerts,
    dead_write_back_alerts,
    failed_order_alert,
    finding_alerts,
)
from .background import BackgroundTasks
from .cache import Cache, CachedLookups, CacheTtls, MemoryCache, RedisCache
from .clock import Clock, utc_now
from .config import DEFAULT_INSTANCE, Settings, XentralInstance, order_policies, reconcile_rules
from .config.rules import startup_problems
from .housekeeping import purge_forever, watch_queue_depth
from .inbox.limits import RedisSourceBudget, SharedSourceLimiter, SourceBudget, SourceLimiter, SourceLimits
from .inbox.recording import InboxRecording
from .lifecycle import ChangeFeed
from .lifecycle.announcements import ClientAnnouncements
from .lifecycle.polling import TrackingPoller
from .lifecycle.retention import purge_tracking_forever
from .metrics import InstanceMetrics, Metrics
from .orders.amendments import OrderChanges
from .orders.cancellations import OrderCancellations
from .orders.queue import QueueWorker
from .orders.reads import RunningOrders
from .orders.reconciler import Reconciler
from .orders.reference_data import ReferenceData
from .orders.refunds import OrderRefunds
from .orders.routing import XentralRoute, XentralRoutes
from .orders.service import OrderService, RequeueLimits
from .readiness import Readiness
from .redis_breaker import RedisBreaker, SharedRedis, redis_client
from .shop_apis import ShopApi, shop_api
from .shops.arrivals import ArrivalMemory
from .shops.intake import ShopIntake
from .store import migrate
from .store.alert_claims import SqlAlertClaims
from .store.attempts import SqlAttemptStore
from .store.cancellations import SqlCancellationLedger, SqlShopChangeLedger, TrackedLifecycle
from .store.database import create_engine
from .store.deliveries import SqlDeliveryStore
from .store.event_queue import SqlEventQueue
from .store.inbox import SqlInbox
from .store.inbox_sources import SqlSourceBudget
from .store.journal import SqlOrderJournal
from .store.our_orders import SqlOurOrders
from .store.received_bodies import SqlReceivedBodies
from .store.refunds import SqlRefundLedger
from .store.shop_orders import SqlShopOrderBook
from .store.subscriptions import SqlSubscriptionStore
from .store.tracking import SqlTrackingStore, TrackingEnrolment
from .store.write_back import SqlWriteBackQueue
from .token_expiry import TokenExpiry
from .webhooks.callback_targets import ClientCallbackTargets, WebhookConfigError, check_clients
from .webhooks.dispatcher import Dispatcher, dispatcher_http_client
from .webhooks.targets import TargetGuard
from .write_back import WriteBackRequests
from .write_back.feed import ChangeReader
from .write_back.lane import WriteBackLane
from .write_back.runner import JobRunner
from .xentral import (
    InProcessRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    RetryPolicy,
    XentralClient,
    XentralHttpGateway,
)
from .xentral.batch_reads import XentralBatchReads
from .xentral.cancellations import XentralCancellations
from .xentral.coalescing_gateway import CoalescingGateway
from .xentral.deprecations import DeprecationLog
from .xentral.event_lookups import XentralEventLookups
from .xentral.gateway import UntrustedHook
from .xentral.subscriptions import XentralWebhookSubscriptions
from .xentral.tracking_reads import XentralTrackingReads
from .xentral_events import (
    EventWorker,
    StoredEventHealth,
    SubscriptionKeeper,
    SubscriptionRepair,
    XentralEventIntake,
    receiver_url,
)
from .xentral_events.ports import SubscriptionStore

log = structlog.get_logger(__name__)


class ConfigurationError(Exception):
    """The settings cannot run a production service; the message says what to set."""


def check_production_settings(settings: Settings) -> None:
    """Refuse to start what loads but cannot serve (`config.rules.startup_problems`)."""
    problems = startup_problems(settings)
    if problems:
        raise ConfigurationError("Cannot start: " + "; ".join(problems))


async def check_webhook_settings(settings: Settings, guard: TargetGuard) -> None:
    """Every client's webhook_url resolves to an allowed address and has a usable secret."""
    try:
        await check_clients(settings.clients, guard)
    except WebhookConfigError as error:
        raise ConfigurationError(f"Cannot start: {error}") from error


Loop = Callable[[], Coroutine[Any, Any, None]]


@dataclass
class XentralInstanceAdapters:
    """One Xentral instance's adapters: its client, rate limiter, caches and reference data.

    Xentral counts calls per instance and IP, so every instance has its own limiter; ids are
    per instance, so every instance has its own caches (Redis keys carry its name).
    """

    name: str
    url: str
    client: XentralClient
    limiter: RateLimiter
    cache: Cache
    coalescing: CoalescingGateway
    gateway: CachedLookups
    reference_data: ReferenceData
    uncached: XentralHttpGateway  # for the configuration check, which must see Xentral as it is now

    def route(self) -> XentralRoute:
        return XentralRoute(self.name, self.gateway, self.reference_data, self.gateway)

    async def aclose(self) -> None:
        await self.coalescing.aclose()
        await self.client.aclose()
        await self.limiter.aclose()
        await self.cache.aclose()


@dataclass
class Container:
    """A running service's parts, each built once by `bootstrap`.

    `start_background` runs the `loops` this process was configured for; `aclose` stops them and
    then closes the adapters (`resources`), the last built first.
    """

    settings: Settings
    instances: dict[str, XentralInstanceAdapters]
    orders: OrderService
    refunds: OrderRefunds  # the shops' refunds after the import, recorded on the orders
    attempts: SqlAttemptStore
    deliveries: SqlDeliveryStore
    journal: SqlOrderJournal
    tracking: SqlTrackingStore  # the lifecycle's ObservationSink and ChangeFeed (Xentral events hand it observations)
    tracking_poller: TrackingPoller  # the poll of every instance (its loop runs where `tracking.run_in_service`)
    inbox: SqlInbox
    metrics: Metrics
    readiness: Readiness
    alerts: AlertGroups  # the operators' channels, delivered by the "alerts" loop and once more on close
    loops: dict[str, Loop]  # by task name: housekeeping, and the queue worker and dispatcher when run here
    resources: AsyncExitStack
    shop_apis: dict[str, ShopApi] = field(default_factory=dict)  # by client: the shops with `shop.api` credentials
    tasks: BackgroundTasks = field(default_factory=BackgroundTasks)
    recording: InboxRecording | None = None  # what the edge records refusals into; None: the inbox is off
    xentral_events: XentralEventIntake | None = None  # POST /api/xentral/{instance}/events
    event_health: StoredEventHealth | None = None  # whether an instance's Xentral events can be relied on
    # The write-back lane's door (`ShopNotes`: a note for the merchant in the shop), its jobs, the shops' ids.
    write_back: WriteBackRequests | None = None
    write_back_jobs: SqlWriteBackQueue | None = None
    shop_orders: SqlShopOrderBook | None = None
    # The shops' cancellations of orders we hold (carried out in Xentral before dispatch), and their changes.
    cancellations: OrderCancellations | None = None
    shop_changes: OrderChanges | None = None

    @property
    def cache(self) -> Cache:
        """The cache of the instance of `xentral_url` (or the first), for what is not an instance's
        data (e.g. shop deliveries by client)."""
        default = self.instances.get(DEFAULT_INSTANCE) or next(iter(self.instances.values()))
        return default.cache

    def shop_intake(self) -> ShopIntake:
        """The shop intake over this service's clients and order flow (a shop's webhook, an operator's replay)."""
        return ShopIntake(
            self.settings.clients,
            self.orders,
            ArrivalMemory(self.cache),
            self.refunds,
            shop_orders=self.shop_orders,
            cancellations=self.cancellations,
            changes=self.shop_changes,
        )

    def start_background(self) -> None:
        for name, loop in self.loops.items():
            self.tasks.start(loop(), name)

    async def aclose(self) -> None:
        await self.tasks.aclose()
        await self.resources.aclose()


def xentral_client(
    settings: Settings,
    instance: XentralInstance,
    *,
    limiter: RateLimiter,
    metrics: InstanceMetrics,
    transport: httpx.AsyncBaseTransport | None = None,
    alerts: tuple[AlertGroups, str] | None = None,
) -> XentralClient:
    """The client of one Xentral instance, with retries, paced by `limiter` and reporting to `metrics`,
    and to `alerts` (the groups, the instance's name) when Xentral refuses its token (401/403)."""
    on_response: ResponseHook = metrics.response
    if alerts is not None:
        on_response = access_denied_alerts(*alerts, on_response)
    return XentralClient(
        instance.url,
        instance.token.get_secret_value(),
        timeout=httpx.Timeout(settings.xentral_timeout_seconds, connect=settings.xentral_connect_timeout_seconds),
        transport=transport,
        limits=httpx.Limits(
            max_connections=settings.xentral_max_connections, max_keepalive_connections=settings.xentral_max_connections
        ),
        limiter=limiter,
        retry=RetryPolicy(max_attempts=settings.xentral_max_attempts, wait_budget=settings.xentral_wait_budget_seconds),
        on_response=on_response,
        on_transport_error=metrics.transport_error,
        on_retry=metrics.retry,
        on_limiter_wait=metrics.limiter_wait,
        deprecations=DeprecationLog(on_notice=metrics.deprecated_answer),
    )


def shared_redis(settings: Settings, metrics: Metrics) -> SharedRedis | None:
    """The process's Redis client and breaker, or None without `redis_url`."""
    if not settings.redis_url:
        return None
    breaker = RedisBreaker(
        timeout_seconds=settings.redis_timeout_seconds,
        cooldown_seconds=settings.redis_retry_seconds,
        on_change=metrics.redis_available,
    )
    metrics.redis_available(True)
    return SharedRedis(redis_client(settings.redis_url, settings.redis_timeout_seconds), breaker)


def rate_limiter(
    settings: Settings, instance: XentralInstance, redis: SharedRedis | None, metrics: Metrics
) -> RateLimiter:
    """Pacing for one instance's per-minute budget: shared through Redis when `redis_url` is set.

    Xentral counts per instance and client IP, so the Redis key names the instance's URL: every
    process of ours calling it shares one window, and two instances never share one. The reconciler's
    calls take the low-priority lane (`reconciler.budget_share` of the window).
    """
    per_minute = instance.rate_limit_per_minute or settings.xentral_rate_limit_per_minute
    reserve = instance.rate_limit_reserve
    if reserve is None:
        reserve = settings.xentral_rate_limit_reserve
    limit = max(1, per_minute - reserve)
    if redis is not None:
        return RedisRateLimiter(
            redis.client,
            f"uoa:xentral-rate:{instance.url.rstrip('/')}",
            limit,
            settings.xentral_rate_window_seconds,
            breaker=redis.breaker,
            fallback_share=settings.redis_fallback_share,
            on_fallback=lambda: metrics.redis_bypassed("rate_limiter"),
            background_share=settings.reconciler.budget_share,
        )
    return InProcessRateLimiter(
        limit, settings.xentral_rate_window_seconds, background_share=settings.reconciler.budget_share
    )


def coalescing_gateway(
    settings: Settings, client: XentralClient, running: RunningOrders, *, on_untrusted: UntrustedHook
) -> CoalescingGateway:
    """One Xentral instance's gateway, its concurrent reads coalesced; each instance gets its own,
    so keys of two instances never share a call. `running` is the order service's count of running
    orders; `on_untrusted` hears of every answer a check refused."""
    return CoalescingGateway(
        XentralHttpGateway(client, on_untrusted=on_untrusted),
        XentralBatchReads(client, on_untrusted=on_untrusted),
        window_seconds=settings.xentral_coalesce_ms / 1000,
        unhurried_window_seconds=settings.queue.coalesce_ms / 1000,
        running=running,
    )


def inbox_limits(
    settings: Settings, engine: AsyncEngine, redis: SharedRedis | None
) -> tuple[SourceLimits, SourceBudget | None]:
    """The inbox's recording budget per sender, and where it is shared: in Redis when `redis_url` is set,
    else in PostgreSQL; on SQLite (one process) in this process. Processes share it when they share the
    inbox's database: the Redis keys are named by a hash of its URL (no credentials in a key name)."""
    per_minute = settings.inbox.per_source_per_minute
    budget: SourceBudget | None = None
    if redis is not None:
        inbox_name = hashlib.sha256(settings.database_url.encode()).hexdigest()[:16]
        budget = RedisSourceBudget(redis.client, f"uoa:inbox-rate:{inbox_name}", redis.breaker)
    elif engine.dialect.name == "postgresql":
        budget = SqlSourceBudget(engine)
    if budget is None:
        return SourceLimiter(per_minute), None
    return SharedSourceLimiter(budget, per_minute), budget


def lookup_cache(settings: Settings, instance_name: str, redis: SharedRedis | None, metrics: Metrics) -> Cache:
    """Products and customers of one instance: in this process, or in Redis so every process shares
    one cache. Redis keys carry the instance's name: ids of one instance mean nothing in another."""
    if redis is not None:
        return RedisCache(
            redis.client,
            prefix=f"uoa:cache:{instance_name}:",
            breaker=redis.breaker,
            owns_connection=False,
            on_bypass=lambda: metrics.redis_bypassed("cache"),
        )
    return MemoryCache(max_entries=settings.cache.max_entries)


def verify_clients(
    settings: Settings, instance: str, limited_token: str | None = None
) -> tuple[XentralClient, XentralClient | None]:
    """`verify-xentral`'s clients of one instance: its token's, and one with `limited_token` (a token lacking a
    scope) when given; both paced by one limiter, since Xentral counts by instance and IP."""
    endpoint = settings.xentral_endpoints()[instance]
    metrics = Metrics()
    limiter = rate_limiter(settings, endpoint, None, metrics)
    hooks = metrics.for_instance(instance)
    client = xentral_client(settings, endpoint, limiter=limiter, metrics=hooks)
    if limited_token is None:
        return client, None
    limited = endpoint.model_copy(update={"token": SecretStr(limited_token)})
    return client, xentral_client(settings, limited, limiter=limiter, metrics=hooks)


def xentral_instances(
    settings: Settings,
    metrics: Metrics,
    redis: SharedRedis | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    running: RunningOrders | None = None,
    alerts: AlertGroups | None = None,
) -> dict[str, XentralInstanceAdapters]:
    """Every configured Xentral instance's adapters, by name (`transports` by instance name, for tests);
    `running`: the order service's count of running orders, which the coalescing gateways consult;
    `alerts` hears of every instance refusing its token."""
    built: dict[str, XentralInstanceAdapters] = {}
    running = running or RunningOrders()  # no service counts orders: no read waits for others'
    for name, instance in settings.xentral_endpoints().items():
        limiter = rate_limiter(settings, instance, redis, metrics)
        hooks = metrics.for_instance(name)
        client = xentral_client(
            settings,
            instance,
            limiter=limiter,
            metrics=hooks,
            transport=(transports or {}).get(name),
            alerts=(alerts, name) if alerts else None,
        )
        cache = lookup_cache(settings, name, redis, metrics)
        coalesced = coalescing_gateway(settings, client, running, on_untrusted=hooks.untrusted_answer)
        lifetimes = settings.cache
        gateway = CachedLookups(
            coalesced,
            cache,
            CacheTtls(lifetimes.product_seconds, lifetimes.missing_product_seconds, lifetimes.customer_seconds),
            on_lookup=lambda cache_name, hit: metrics.cache_hit(cache_name) if hit else metrics.cache_miss(cache_name),
        )
        built[name] = XentralInstanceAdapters(
            name=name,
            url=instance.url,
            client=client,
            limiter=limiter,
            cache=cache,
            coalescing=coalesced,
            gateway=gateway,
            reference_data=ReferenceData(gateway, ttl_seconds=lifetimes.reference_data_seconds),
            uncached=XentralHttpGateway(client, on_untrusted=hooks.untrusted_answer),
        )
    return built


def shop_apis(
    settings: Settings, transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
) -> dict[str, ShopApi]:
    """Each client's shop API adapter, by client name, for the shops with `shop.api` credentials
    (`transports` by client name, for tests)."""
    built: dict[str, ShopApi] = {}
    for client in settings.clients:
        if client.shop is None:
            continue
        api = shop_api(
            client.shop,
            timeout_seconds=settings.write_back.timeout_seconds,
            transport=(transports or {}).get(client.name),
        )
        if api is not None:
            built[client.name] = api
    return built


def target_guard(settings: Settings) -> TargetGuard:
    """The SSRF guard every webhook and callback target passes (start-up check, callbacks, dispatcher)."""
    return TargetGuard(settings.webhooks.allow_private_targets)


def build_dispatcher(
    settings: Settings,
    store: SqlDeliveryStore,
    guard: TargetGuard,
    *,
    clock: Clock = utc_now,
    transport: httpx.AsyncBaseTransport | None = None,
    worker: str | None = None,
    metrics: Metrics | None = None,
    alerts: AlertGroups | None = None,
) -> Dispatcher:
    """The webhook dispatcher over this outbox; tests pass a clock and run `run_once()` themselves. It signs
    the operators' alerts too, and tells `alerts` of every client's delivery that gave up."""
    operator_secret = settings.alerts.webhook_secret
    return Dispatcher(
        store=store,
        clients=settings.clients,
        policy=settings.webhooks,
        guard=guard,
        http=dispatcher_http_client(settings.webhooks, transport),
        clock=clock,
        worker=worker,
        on_outcome=metrics.webhook_delivery if metrics else None,
        on_dead=dead_delivery_alerts(alerts) if alerts else None,
        extra_secrets={OPERATOR: operator_secret.get_secret_value()} if operator_secret else None,
    )


def alert_groups(settings: Settings, outbox: SqlDeliveryStore, engine: AsyncEngine | None = None) -> AlertGroups:
    """The operators' alert channels of this deployment (none when nothing is configured); on PostgreSQL the
    alerts every process raises alike are claimed in the database, so one process sends them."""
    config = settings.alerts
    channels: list[AlertChannel] = []
    if config.webhook_url:
        channels.append(WebhookChannel(outbox, config.webhook_url))
    if config.email_to and config.smtp_host and config.email_from:
        channels.append(EmailChannel(config))
    shared = engine is not None and engine.dialect.name == "postgresql"
    return AlertGroups(
        channels,
        at_least={AlertKind.SHOP_SIGNATURE_FAILURES: config.signature_failures},
        claims=SqlAlertClaims(engine) if shared and engine is not None else None,
        window=dt.timedelta(seconds=config.window_seconds),
    )


def expiring_tokens(settings: Settings, alerts: AlertGroups, *, clock: Clock = utc_now) -> ExpiringTokens | None:
    """The check of the instances' token expiry dates (None when no instance has one set)."""
    expires = {
        name: endpoint.token_expires
        for name, endpoint in settings.xentral_endpoints().items()
        if endpoint.token_expires is not None
    }
    if not expires:
        return None
    return ExpiringTokens(
        alerts,
        expires,
        warn_before=dt.timedelta(days=settings.xentral_token_warn_days),
        repeat=dt.timedelta(seconds=settings.alerts.token_repeat_seconds),
        clock=clock,
    )


def tracking_enrolment(settings: Settings, instance_of: Callable[[str], str]) -> TrackingEnrolment | None:
    """How completed orders are enrolled for tracking (None: tracking is off)."""
    if not settings.tracking.enabled:
        return None
    return TrackingEnrolment(instance_of, dt.timedelta(days=settings.tracking.retention_days))


def tracking_store(settings: Settings, engine: AsyncEngine, *, clock: Clock = utc_now) -> SqlTrackingStore:
    """The tracking store, announcing each client's chosen lifecycle events to its webhook_url."""
    targets = {client.name: (client.webhook_url, client.lifecycle_events) for client in settings.clients}
    return SqlTrackingStore(engine, ClientAnnouncements(targets, clock), clock=clock)


def build_tracking_poller(
    settings: Settings,
    tracking: SqlTrackingStore,
    instances: Mapping[str, XentralInstanceAdapters],
    metrics: Metrics,
    *,
    clock: Clock = utc_now,
    event_health: StoredEventHealth | None = None,
) -> TrackingPoller:
    """The poller of every instance's open orders; tests call `poll_once` themselves. With
    `event_health`, an instance whose Xentral events arrive is polled only as a safety net."""
    config = settings.tracking
    reads = {
        name: XentralTrackingReads(instance.client, on_untrusted=metrics.for_instance(name).untrusted_answer)
        for name, instance in instances.items()
    }
    poller = TrackingPoller(
        store=tracking,
        reads=reads,
        sink=tracking,
        poll_seconds=config.poll_seconds,
        safety_seconds=config.safety_net_poll_seconds,
        lease_seconds=config.lease_seconds,
        overlap_seconds=config.overlap_seconds,
        clock=clock,
    )
    if event_health is not None:
        poller.webhooks_healthy = event_health.events_healthy
    return poller


def subscription_keepers(
    settings: Settings, clients: Mapping[str, XentralClient], store: SubscriptionStore
) -> list[SubscriptionKeeper]:
    """One keeper of our Xentral subscription per instance (none without `xentral_events.public_url`):
    what `subscribe-xentral`, `serve`'s periodic check and `check-config` work with."""
    events = settings.xentral_events
    if events.public_url is None:
        return []
    return [
        SubscriptionKeeper(
            name,
            XentralWebhookSubscriptions(client),
            store,
            name=events.subscription_name,
            url=receiver_url(events.public_url, name),
        )
        for name, client in clients.items()
    ]


def write_back_lane(
    settings: Settings,
    feed: ChangeFeed,
    jobs: SqlWriteBackQueue,
    book: SqlShopOrderBook,
    apis: Mapping[str, ShopApi],
    alerts: AlertGroups,
    metrics: Metrics | None = None,
    *,
    worker: str | None = None,
    clock: Clock = utc_now,
) -> WriteBackLane:
    """The shop write-back lane: the change feed read into jobs, the jobs run against each shop's API."""
    config = settings.write_back
    worker = worker or f"write-back-{socket.gethostname()}-{os.getpid()}"
    writing = {
        client.name: client.shop.on_xentral_cancel
        for client in settings.clients
        if client.shop is not None and client.name in apis
    }
    lease = dt.timedelta(seconds=config.lease_seconds)
    reader = ChangeReader(
        feed=feed,
        cursor=jobs,
        book=book,
        writing=writing,
        owner=worker,
        give_up=dt.timedelta(hours=config.give_up_hours),
        lease=lease,
        clock=clock,
    )
    runner = JobRunner(
        queue=jobs,
        book=book,
        apis=apis,
        worker=worker,
        lease=lease,
        backoff=config.backoff_seconds,
        backoff_cap=config.backoff_cap_seconds,
        batch_size=config.batch_size,
        clock=clock,
        on_dead=dead_write_back_alerts(alerts),
        on_outcome=metrics.write_back if metrics is not None else None,
    )
    return WriteBackLane(reader, runner, poll_seconds=config.poll_seconds)


async def _database(settings: Settings, resources: AsyncExitStack) -> AsyncEngine:
    """The database at the newest schema, its engine disposed with `resources`."""
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    engine = create_engine(settings.database_url, timeout_seconds=settings.database_timeout_seconds)
    resources.push_async_callback(engine.dispose)
    return engine


async def bootstrap_dispatcher(settings: Settings, resources: AsyncExitStack) -> Dispatcher:
    """The webhook dispatcher alone, without the HTTP API; what it holds is closed with `resources`."""
    guard = target_guard(settings)
    await check_webhook_settings(settings, guard)
    engine = await _database(settings, resources)
    dispatcher = build_dispatcher(settings, SqlDeliveryStore(engine), guard)  # dead deliveries alert in `serve`
    resources.push_async_callback(dispatcher.aclose)
    return dispatcher


async def bootstrap(
    settings: Settings,
    *,
    xentral_transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    shop_transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> Container:
    """The whole service, wired; refuses (`ConfigurationError`) settings that cannot run it."""
    check_production_settings(settings)
    guard = target_guard(settings)
    await check_webhook_settings(settings, guard)
    resources = AsyncExitStack()
    try:
        return await _wire(settings, guard, resources, xentral_transports, shop_transports)
    except BaseException:
        await resources.aclose()
        raise


async def _wire(
    settings: Settings,
    guard: TargetGuard,
    resources: AsyncExitStack,
    xentral_transports: Mapping[str, httpx.AsyncBaseTransport] | None,
    shop_transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> Container:
    engine = await _database(settings, resources)
    metrics = Metrics()
    redis = shared_redis(settings, metrics)
    if redis is not None:
        resources.push_async_callback(redis.client.aclose)
    running = RunningOrders()  # counted by the service, consulted by every instance's coalescing gateway
    deliveries = SqlDeliveryStore(engine)
    alerts = alert_groups(settings, deliveries, engine)
    instances = xentral_instances(settings, metrics, redis, xentral_transports, running, alerts)
    for instance in instances.values():
        resources.push_async_callback(instance.aclose)
    for name, endpoint in settings.xentral_endpoints().items():
        if endpoint.token_expires is not None:
            metrics.token_expiry(name, partial(_seconds_left, endpoint.token_expires))
    apis = shop_apis(settings, shop_transports)
    for api in apis.values():
        resources.push_async_callback(api.aclose)
    policies = order_policies(settings)
    attempts = SqlAttemptStore(
        engine, tracking_enrolment(settings, lambda client: policies.for_client(client).instance)
    )
    tracking = tracking_store(settings, engine)
    journal = SqlOrderJournal(engine)
    callbacks = ClientCallbackTargets(settings.clients, guard)
    service = OrderService(
        routes=XentralRoutes([instance.route() for instance in instances.values()]),
        store=attempts,
        policies=policies,
        callbacks=callbacks,
        on_totals=lambda check: metrics.order_totals(check.expected_matches, check.xentral_matches),
        running=running,
        requeue=RequeueLimits(settings.queue.max_requeues, settings.queue.backoff_cap_seconds),
        on_gave_up=lambda attempt, error: failed_order_alert(alerts, attempt, error.code),
    )
    lease = dt.timedelta(seconds=settings.idempotency.lease_seconds)
    retention = dt.timedelta(days=settings.idempotency.retention_days)
    loops: dict[str, Loop] = {
        "purge-attempts": partial(purge_forever, attempts, retention),
        "queue-depth": partial(watch_queue_depth, attempts, metrics, attempts, lease),
    }
    events = settings.xentral_events
    event_queue, subscriptions = SqlEventQueue(engine), SqlSubscriptionStore(engine)
    event_health = StoredEventHealth(subscriptions, within_seconds=events.healthy_within_seconds)
    tracking_poller = build_tracking_poller(settings, tracking, instances, metrics, event_health=event_health)
    if settings.tracking.enabled and settings.tracking.run_in_service:
        loops["tracking-poller"] = tracking_poller.run_forever
    if settings.tracking.enabled:
        loops["purge-tracking"] = partial(
            purge_tracking_forever, tracking, dt.timedelta(days=settings.tracking.retention_days)
        )
    inbox = SqlInbox(engine)
    recording = None
    # The bodies accepted orders arrived with are kept as long as the inbox keeps the refused ones.
    received_retention = dt.timedelta(days=settings.inbox.retention_days)
    loops["purge-received"] = partial(purge_forever, SqlReceivedBodies(engine), received_retention, what="received")
    if settings.inbox.enabled:
        limiter, budget = inbox_limits(settings, engine, redis)
        recording = InboxRecording(inbox, settings.inbox.max_body_bytes, limiter)
        inbox_retention = dt.timedelta(days=settings.inbox.retention_days)
        loops["purge-inbox"] = partial(purge_forever, inbox, inbox_retention, what="inbox")
        if isinstance(budget, SqlSourceBudget):
            loops["purge-inbox-sources"] = partial(purge_forever, budget, inbox_retention, what="inbox_sources")
    if settings.queue.run_in_service:
        worker = QueueWorker(
            service=service,
            queue=attempts,
            batch_size=settings.queue.batch_size,
            poll_seconds=settings.queue.poll_seconds,
            lease_seconds=settings.idempotency.lease_seconds,
            grace_seconds=settings.shutdown_grace_seconds,
        )
        loops["order-queue"] = worker.run_forever
    if settings.reconciler.run_in_service:
        reconciler = Reconciler(
            service=service,
            attempts=attempts,
            rules=reconcile_rules(settings.reconciler),
            batch_size=settings.reconciler.batch_size,
            poll_seconds=settings.reconciler.poll_seconds,
            lease_seconds=settings.idempotency.lease_seconds,
            on_finding=finding_alerts(
                alerts,
                dt.timedelta(seconds=settings.reconciler.attention_seconds),
                remind=dt.timedelta(seconds=settings.alerts.unresolved_remind_seconds),
            ),
        )
        loops["reconciler"] = reconciler.run_forever
    if settings.webhooks.run_in_service:
        dispatcher = build_dispatcher(settings, deliveries, guard, metrics=metrics, alerts=alerts)
        resources.push_async_callback(dispatcher.aclose)
        loops["webhook-dispatcher"] = dispatcher.run_forever
    event_intake = XentralEventIntake(
        list(instances),
        event_queue,
        subscriptions,
        tolerance_seconds=events.timestamp_tolerance_seconds,
        on_outcome=metrics.xentral_event,
    )
    if events.run_in_service:
        clients = [client.name for client in settings.clients]
        event_worker = EventWorker(
            queue=event_queue,
            sink=tracking,
            lookups=XentralEventLookups({name: instance.client for name, instance in instances.items()}),
            tracked=SqlOurOrders(engine, {name: policies.for_client(name).instance for name in clients}),
            batch_size=events.batch_size,
            poll_seconds=events.poll_seconds,
            max_attempts=events.max_attempts,
            on_outcome=metrics.xentral_event_handled,
        )
        loops["xentral-events"] = event_worker.run_forever
    keepers = subscription_keepers(settings, {name: i.client for name, i in instances.items()}, subscriptions)
    if keepers and events.check_seconds > 0:
        repair = SubscriptionRepair(keepers, subscriptions, every_seconds=events.check_seconds)
        loops["xentral-subscriptions"] = repair.run_forever
    if alerts.enabled:
        loops["alerts"] = partial(deliver_forever, alerts, settings.alerts.window_seconds)
        tokens = expiring_tokens(settings, alerts)
        if tokens is not None:
            loops["token-expiry"] = partial(tokens.run_forever, settings.alerts.token_check_seconds)
    resources.push_async_callback(_deliver_last, alerts)  # first on close: before the dispatcher and adapters
    readiness = Readiness(
        database=attempts,
        database_timeout_seconds=settings.database_timeout_seconds,
        redis=redis,
        xentral={name: instance.client for name, instance in instances.items()},
        unresolved=attempts,
        lease=lease,
        degraded_after_seconds=settings.reconciler.degraded_after_seconds,
        token_expires={name: endpoint.token_expires for name, endpoint in settings.xentral_endpoints().items()},
        token_warn_before=dt.timedelta(days=settings.xentral_token_warn_days),
    )
    write_back_jobs, shop_orders = SqlWriteBackQueue(engine), SqlShopOrderBook(engine)
    # What hangs on an order is kept as long as the order: its delivered callbacks and finished write-backs are
    # on its console page while its attempt is; the purges of write-backs and shop ids also wait for its tracking.
    loops["purge-deliveries"] = partial(purge_forever, deliveries, retention, what="deliveries")
    loops["purge-write-backs"] = partial(purge_forever, write_back_jobs, retention, what="write_backs")
    loops["purge-shop-orders"] = partial(purge_forever, shop_orders, retention, what="shop_orders")
    loops["purge-xentral-events"] = partial(
        purge_forever, event_queue, dt.timedelta(days=events.retention_days), what="xentral_events"
    )
    write_back = WriteBackRequests(
        write_back_jobs, set(apis), give_up=dt.timedelta(hours=settings.write_back.give_up_hours)
    )
    lifecycle = TrackedLifecycle(tracking)
    cancellations = OrderCancellations(
        attempts,
        SqlCancellationLedger(engine),
        XentralCancellations({name: instance.client for name, instance in instances.items()}),
        instance_of=lambda client: policies.for_client(client).instance,
        clock=utc_now,
        lifecycle=lifecycle,
        sink=tracking,
        on_not_cancelled=cancellation_alerts(alerts),
        notes=write_back,
        steps=attempts,
    )
    # A cancellation received while its order was still importing is carried out once the import has ended.
    loops["shop-cancellations"] = partial(cancellations.run_forever, _AWAITING_CANCELLATIONS_SECONDS)
    shop_changes = OrderChanges(SqlShopChangeLedger(engine), clock=utc_now, lifecycle=lifecycle, steps=attempts)
    if settings.write_back.run_in_service and apis:
        lane = write_back_lane(settings, tracking, write_back_jobs, shop_orders, apis, alerts, metrics)
        loops["write-back"] = lane.run_forever
    return Container(
        settings=settings,
        instances=instances,
        orders=service,
        refunds=OrderRefunds(attempts, SqlRefundLedger(engine), callbacks, utc_now),
        attempts=attempts,
        deliveries=deliveries,
        alerts=alerts,
        journal=journal,
        tracking=tracking,
        tracking_poller=tracking_poller,
        inbox=inbox,
        recording=recording,
        xentral_events=event_intake,
        event_health=event_health,
        metrics=metrics,
        readiness=readiness,
        loops=loops,
        resources=resources,
        shop_apis=apis,
        write_back=write_back,
        write_back_jobs=write_back_jobs,
        shop_orders=shop_orders,
        cancellations=cancellations,
        shop_changes=shop_changes,
    )


_AWAITING_CANCELLATIONS_SECONDS = 5.0  # how often each process looks for cancellations whose import has ended


async def _deliver_last(alerts: AlertGroups) -> None:
    """What the last window raised, when the service stops (the "alerts" loop is cancelled by then)."""
    try:
        await alerts.deliver()
    except Exception:
        log.exception("alerts.deliver_failed")


def _seconds_left(expires: dt.date) -> float:
    """The token's time left now, for the metric (read at each scrape)."""
    return TokenExpiry(expires, utc_now()).seconds_left
