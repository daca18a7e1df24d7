"""The composition root: settings in, adapters built, services wired. Nothing else builds adapters."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from .alerts import AlertChannel, AlertGroups, AlertKind, EmailChannel, WebhookChannel, deliver_forever
from .alerts.channels import OPERATOR
from .alerts.triggers import (
    ResponseHook,
    access_denied_alerts,
    dead_delivery_alerts,
    failed_order_alert,
    finding_alerts,
)
from .cache import Cache, CachedLookups, CacheTtls, MemoryCache, RedisCache
from .clock import Clock, utc_now
from .config import DEFAULT_INSTANCE, Settings, XentralInstance, order_policies, reconcile_rules
from .config.rules import startup_problems
from .housekeeping import oldest_age, purge_forever, unresolved_now, watch_queue_depth
from .metrics import InstanceMetrics, Metrics
from .orders.attempts import StoreUnavailable
from .orders.queue import QueueWorker
from .orders.reads import RunningOrders
from .orders.reconciler import Reconciler
from .orders.reference_data import ReferenceData
from .orders.routing import XentralRoute, XentralRoutes
from .orders.service import OrderService
from .redis_breaker import RedisBreaker, RedisUnavailable, redis_client
from .store import migrate
from .store.attempts import SqlAttemptStore
from .store.database import create_engine
from .store.deliveries import SqlDeliveryStore
from .store.journal import SqlOrderJournal
from .webhooks.callbacks import ClientCallbacks, WebhookConfigError, check_clients
from .webhooks.dispatcher import Dispatcher, dispatcher_http_client
from .webhooks.targets import TargetGuard
from .xentral import (
    InProcessRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    RetryPolicy,
    XentralClient,
    XentralHttpGateway,
)
from .xentral.batch_reads import XentralBatchReads
from .xentral.coalescing_gateway import CoalescingGateway
from .xentral.deprecations import DeprecationLog
from .xentral.gateway import UntrustedHook

log = structlog.get_logger(__name__)


class ConfigurationError(Exception):
    """The settings cannot run a production service; the message says what to set."""


def check_production_settings(settings: Settings) -> None:
    """Refuse to start what loads but cannot serve (`config.rules.startup_problems`)."""
    problems = startup_problems(settings)
    if problems:
        raise ConfigurationError("Cannot start: " + "; ".join(problems))


async def check_webhook_settings(settings: Settings) -> None:
    """Every client's webhook_url resolves to an allowed address and has a usable secret."""
    try:
        await check_clients(settings.clients, TargetGuard(settings.webhooks.allow_private_targets))
    except WebhookConfigError as error:
        raise ConfigurationError(f"Cannot start: {error}") from error


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

    async def readiness(self) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            await self.client.list_projects()
        except Exception as error:  # any failure means "not ready"; what it was is all we report
            return {"ok": False, "error": str(error)}
        return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}

    async def aclose(self) -> None:
        await self.coalescing.aclose()
        await self.client.aclose()
        await self.limiter.aclose()
        await self.cache.aclose()


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    instances: dict[str, XentralInstanceAdapters]
    orders: OrderService
    attempts: SqlAttemptStore
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    deliveries: SqlDeliveryStore | None = None
    dispatcher: Dispatcher | None = None
    reconciler: Reconciler | None = None
    alerts: AlertGroups = field(default_factory=lambda: AlertGroups([]))
    metrics: Metrics = field(default_factory=Metrics)
    queue_worker: QueueWorker | None = None
    redis: SharedRedis | None = None
    journal: SqlOrderJournal | None = None

    @property
    def default_instance(self) -> XentralInstanceAdapters:
        """The instance of `xentral_url` (or the first, when no client uses it)."""
        if DEFAULT_INSTANCE in self.instances:
            return self.instances[DEFAULT_INSTANCE]
        return next(iter(self.instances.values()))

    @property
    def xentral(self) -> XentralClient:
        return self.default_instance.client

    @property
    def cache(self) -> Cache:
        """The default instance's cache, for what is not an instance's data (e.g. the shops' answered arrivals)."""
        return self.default_instance.cache

    @property
    def reference_data(self) -> ReferenceData:
        """The default instance's cached lists (each instance has its own: `instances[name].reference_data`)."""
        return self.default_instance.reference_data

    async def readiness(self) -> dict[str, Any]:
        """The database, Redis, and every Xentral instance on its own (`xentral.instances`)."""
        checks: dict[str, Any] = {}
        started = time.perf_counter()
        try:
            # What orders need is a write, not a read: a locked, read-only or emptied database
            # answers SELECT 1 and still fails every order.
            await asyncio.wait_for(self.attempts.probe_write(), self.settings.database_timeout_seconds + 1)
            checks["database"] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
        except StoreUnavailable as error:  # the kind only: /readyz needs no key, the message names hosts
            checks["database"] = {"ok": False, "error": type(error.__cause__ or error).__name__}
        except Exception as error:  # any failure means "not ready"; the kind is all we report
            checks["database"] = {"ok": False, "error": type(error).__name__}
        if self.redis is not None:
            checks["redis"] = await self.redis.check()
        if checks["database"]["ok"]:
            checks["orders"] = await self._unresolved_check()
        names = list(self.instances)
        answers = await asyncio.gather(*(self.instances[name].readiness() for name in names))
        instances = dict(zip(names, answers, strict=True))
        checks["xentral"] = {"ok": all(answer["ok"] for answer in answers), "instances": instances}
        return checks

    async def _unresolved_check(self) -> dict[str, Any]:
        """Unresolved orders: ready either way (new orders are served), degraded (like Redis down) while the
        oldest is older than `reconciler.degraded_after_seconds`: the reconciler cannot finish them."""
        summary = await unresolved_now(self.attempts, self._lease)
        age = oldest_age(summary, utc_now())
        check: dict[str, Any] = {"ok": True, "unresolved": summary.count, "oldest_age_seconds": round(age)}
        if age > self.settings.reconciler.degraded_after_seconds:
            check |= {"ok": False, "degraded": True}
        return check

    @property
    def _lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settings.idempotency.lease_seconds)

    def run_in_background(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """A task the container cancels when it closes."""
        self._tasks.append(asyncio.create_task(work, name=name))

    def start_background(self) -> None:
        retention = dt.timedelta(days=self.settings.idempotency.retention_days)
        self._tasks.append(asyncio.create_task(purge_forever(self.attempts, retention), name="purge-attempts"))
        depth = watch_queue_depth(self.attempts, self.metrics, self.attempts, self._lease)
        self._tasks.append(asyncio.create_task(depth, name="queue-depth"))
        if self.queue_worker is not None:
            self._tasks.append(asyncio.create_task(self.queue_worker.run_forever(), name="order-queue"))
        if self.reconciler is not None:
            self._tasks.append(asyncio.create_task(self.reconciler.run_forever(), name="reconciler"))
        if self.dispatcher is not None:
            self._tasks.append(asyncio.create_task(self.dispatcher.run_forever(), name="webhook-dispatcher"))
        if self.alerts.enabled:
            alerting = deliver_forever(self.alerts, self.settings.alerts.window_seconds)
            self._tasks.append(asyncio.create_task(alerting, name="alerts"))

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await self.alerts.deliver()  # what this window raised, before the outbox closes
        except Exception:
            log.exception("alerts.deliver_failed")
        if self.dispatcher is not None:
            await self.dispatcher.aclose()
        for instance in self.instances.values():
            await instance.aclose()
        if self.redis is not None:
            await self.redis.client.aclose()
        await self.engine.dispose()


def xentral_client(
    settings: Settings,
    instance: XentralInstance,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    limiter: RateLimiter | None = None,
    metrics: InstanceMetrics | None = None,
    alerts: tuple[AlertGroups, str] | None = None,
) -> XentralClient:
    """The client of one Xentral instance, with retries; paced by `limiter` and reporting to `metrics` when given,
    and to `alerts` (the groups, the instance's name) when Xentral refuses its token (401/403)."""
    on_response: ResponseHook | None = metrics.response if metrics else None
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
        on_transport_error=metrics.transport_error if metrics else None,
        on_retry=metrics.retry if metrics else None,
        on_limiter_wait=metrics.limiter_wait if metrics else None,
        deprecations=DeprecationLog(on_notice=metrics.deprecated_answer if metrics else None),
    )


@dataclass
class SharedRedis:
    """The one Redis client of a process and the breaker every user of it consults."""

    client: Redis
    breaker: RedisBreaker

    async def check(self) -> dict[str, Any]:
        """Readiness: ping through the breaker (a probe when it is open, so recovery is seen)."""
        try:
            await self.breaker.call(self.client.ping)
            return {"ok": True}
        except RedisUnavailable:
            return {
                "ok": False,
                "degraded": True,
                "error": self.breaker.last_error_kind or "RedisUnavailable",
                "fallback": "rate limit paced in this process at a safe share of the budget; no shared cache",
            }


def shared_redis(settings: Settings, metrics: Metrics | None = None) -> SharedRedis | None:
    if not settings.redis_url:
        return None
    breaker = RedisBreaker(
        timeout_seconds=settings.redis_timeout_seconds,
        cooldown_seconds=settings.redis_retry_seconds,
        on_change=metrics.redis_available if metrics else None,
    )
    if metrics is not None:
        metrics.redis_available(True)
    return SharedRedis(redis_client(settings.redis_url, settings.redis_timeout_seconds), breaker)


def rate_limiter(
    settings: Settings,
    instance: XentralInstance,
    redis: SharedRedis | None = None,
    metrics: Metrics | None = None,
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
            on_fallback=(lambda: metrics.redis_bypassed("rate_limiter")) if metrics else None,
            background_share=settings.reconciler.budget_share,
        )
    return InProcessRateLimiter(
        limit, settings.xentral_rate_window_seconds, background_share=settings.reconciler.budget_share
    )


def coalescing_gateway(
    settings: Settings, client: XentralClient, running: RunningOrders, *, on_untrusted: UntrustedHook | None = None
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


def lookup_cache(
    settings: Settings,
    instance_name: str = DEFAULT_INSTANCE,
    redis: SharedRedis | None = None,
    metrics: Metrics | None = None,
) -> Cache:
    """Products and customers of one instance: in this process, or in Redis so every process shares
    one cache. Redis keys carry the instance's name: ids of one instance mean nothing in another."""
    if redis is not None:
        return RedisCache(
            redis.client,
            prefix=f"uoa:cache:{instance_name}:",
            breaker=redis.breaker,
            owns_connection=False,
            on_bypass=(lambda: metrics.redis_bypassed("cache")) if metrics else None,
        )
    return MemoryCache(max_entries=settings.cache.max_entries)


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
        transport = (transports or {}).get(name)
        hooks = metrics.for_instance(name)
        client = xentral_client(
            settings, instance, transport, limiter=limiter, metrics=hooks, alerts=(alerts, name) if alerts else None
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


def build_dispatcher(
    settings: Settings,
    engine: AsyncEngine,
    *,
    clock: Clock = utc_now,
    transport: httpx.AsyncBaseTransport | None = None,
    worker: str | None = None,
    metrics: Metrics | None = None,
    alerts: AlertGroups | None = None,
) -> Dispatcher:
    """The webhook dispatcher on this engine; tests pass a clock and run `run_once()` themselves. It signs
    the operators' alerts too, and tells `alerts` of every client's delivery that gave up."""
    operator_secret = settings.alerts.webhook_secret
    return Dispatcher(
        store=SqlDeliveryStore(engine),
        clients=settings.clients,
        policy=settings.webhooks,
        guard=TargetGuard(settings.webhooks.allow_private_targets),
        http=dispatcher_http_client(settings.webhooks, transport),
        clock=clock,
        worker=worker,
        on_outcome=metrics.webhook_delivery if metrics else None,
        on_dead=dead_delivery_alerts(alerts) if alerts else None,
        extra_secrets={OPERATOR: operator_secret.get_secret_value()} if operator_secret else None,
    )


def alert_groups(settings: Settings, outbox: SqlDeliveryStore) -> AlertGroups:
    """The operators' alert channels of this deployment (none when nothing is configured)."""
    config = settings.alerts
    channels: list[AlertChannel] = []
    if config.webhook_url:
        channels.append(WebhookChannel(outbox, config.webhook_url))
    if config.email_to and config.smtp_host and config.email_from:
        channels.append(EmailChannel(config))
    return AlertGroups(channels, at_least={AlertKind.SHOP_SIGNATURE_FAILURES: config.signature_failures})


async def run_dispatcher(settings: Settings) -> None:
    """`unified-order-api dispatcher`: deliver webhooks until cancelled, without the HTTP API."""
    await check_webhook_settings(settings)
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    engine = create_engine(settings.database_url, timeout_seconds=settings.database_timeout_seconds)
    dispatcher = build_dispatcher(settings, engine)  # the alerts of dead deliveries are `serve`'s
    try:
        await dispatcher.run_forever()
    finally:
        await dispatcher.aclose()
        await engine.dispose()


async def bootstrap(
    settings: Settings, *, xentral_transports: Mapping[str, httpx.AsyncBaseTransport] | None = None
) -> Container:
    check_production_settings(settings)
    await check_webhook_settings(settings)
    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    engine = create_engine(settings.database_url, timeout_seconds=settings.database_timeout_seconds)
    metrics = Metrics()
    redis = shared_redis(settings, metrics)
    running = RunningOrders()  # counted by the service, consulted by every instance's coalescing gateway
    deliveries = SqlDeliveryStore(engine)
    alerts = alert_groups(settings, deliveries)
    instances = xentral_instances(settings, metrics, redis, xentral_transports, running, alerts)
    attempts = SqlAttemptStore(engine)
    service = OrderService(
        routes=XentralRoutes([instance.route() for instance in instances.values()]),
        store=attempts,
        policies=order_policies(settings),
        callbacks=ClientCallbacks(settings.clients, TargetGuard(settings.webhooks.allow_private_targets)),
        on_totals=lambda check: metrics.order_totals(check.expected_matches, check.xentral_matches),
        running=running,
    )
    queue_worker = None
    if settings.queue.run_in_service:
        queue_worker = QueueWorker(
            service=service,
            queue=attempts,
            attempts=attempts,
            batch_size=settings.queue.batch_size,
            poll_seconds=settings.queue.poll_seconds,
            lease_seconds=settings.idempotency.lease_seconds,
            max_requeues=settings.queue.max_requeues,
            backoff_cap_seconds=settings.queue.backoff_cap_seconds,
            grace_seconds=settings.shutdown_grace_seconds,
            on_gave_up=lambda attempt, error: failed_order_alert(alerts, attempt, error.code),
        )
    reconciler = None
    if settings.reconciler.run_in_service:
        reconciler = Reconciler(
            service=service,
            attempts=attempts,
            rules=reconcile_rules(settings.reconciler),
            batch_size=settings.reconciler.batch_size,
            poll_seconds=settings.reconciler.poll_seconds,
            lease_seconds=settings.idempotency.lease_seconds,
            on_finding=finding_alerts(alerts, dt.timedelta(seconds=settings.reconciler.attention_seconds)),
        )
    return Container(
        queue_worker=queue_worker,
        reconciler=reconciler,
        settings=settings,
        engine=engine,
        instances=instances,
        orders=service,
        attempts=attempts,
        deliveries=deliveries,
        dispatcher=(
            build_dispatcher(settings, engine, metrics=metrics, alerts=alerts)
            if settings.webhooks.run_in_service
            else None
        ),
        alerts=alerts,
        metrics=metrics,
        redis=redis,
        journal=SqlOrderJournal(engine),
    )
