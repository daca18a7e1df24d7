"""Prometheus metrics: one `Metrics` per container, each with its own `CollectorRegistry`.

A registry per app (instead of prometheus-client's global one) lets tests run several
apps in one process without "Duplicated timeseries" errors. The methods are the only way
the rest of the code touches metrics, so label names and values are decided here.
Exposed by `GET /metrics` (`api/metrics.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)

from .call_history import MinuteCounter

__all__ = ["CONTENT_TYPE", "InstanceMetrics", "Metrics", "OrderOutcomeLabel"]

CONTENT_TYPE: Final = CONTENT_TYPE_LATEST

OrderOutcomeLabel = Literal["created", "existing", "replayed", "queued", "rejected", "failed", "dry_run"]

_LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_WAIT_BUCKETS: Final = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Every series the service exports, and one method per thing that happens."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry(auto_describe=True)
        # Calls sent to Xentral per minute for the last hour (the console's budget chart).
        self.xentral_calls = MinuteCounter(60)  # every instance together
        self.xentral_calls_by_instance: dict[str, MinuteCounter] = {}
        r = self.registry
        self._orders = Counter(
            "orders",
            "Order requests by outcome: created, existing, replayed, queued, rejected, failed, dry_run.",
            ["outcome"],
            registry=r,
        )
        self._order_totals = Counter(
            "order_totals_checked",
            "Created orders' computed gross total compared with the buyer's expected total and with Xentral's "
            "booked total, by result (match, mismatch).",
            ["against", "result"],
            registry=r,
        )
        self._xentral_requests = Counter(
            "xentral_requests",
            "HTTP answers from Xentral by instance, operation and status (every attempt).",
            ["instance", "operation", "status"],
            registry=r,
        )
        self._xentral_duration = Histogram(
            "xentral_request_duration_seconds",
            "Time until Xentral answered, by instance and operation.",
            ["instance", "operation"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self._xentral_deprecated = Counter(
            "xentral_deprecated_answers",
            "Answers from Xentral that carried a Sunset or Deprecation header, by instance and operation: "
            "an operation Xentral will retire (check-config and the console name it and its date).",
            ["instance", "operation"],
            registry=r,
        )
        self._xentral_transport_errors = Counter(
            "xentral_transport_errors",
            "Xentral attempts that got no HTTP answer, by instance, operation and kind.",
            ["instance", "operation", "kind"],
            registry=r,
        )
        self._xentral_retries = Counter(
            "xentral_retries",
            "Xentral attempts repeated by the client, by instance, operation and reason.",
            ["instance", "operation", "reason"],
            registry=r,
        )
        self._xentral_untrusted = Counter(
            "xentral_untrusted_answers",
            "Successful Xentral answers refused by a check, by instance, operation and reason "
            "(filter_ignored: a list answered with items its filter excludes).",
            ["instance", "operation", "reason"],
            registry=r,
        )
        self._limiter_wait = Histogram(
            "xentral_rate_limiter_wait_seconds",
            "Time an attempt waited for a Xentral rate-limit slot, by instance.",
            ["instance"],
            buckets=_WAIT_BUCKETS,
            registry=r,
        )
        self._cache_hits = Counter("cache_hits", "Cache lookups answered from the cache.", ["cache"], registry=r)
        self._cache_misses = Counter(
            "cache_misses", "Cache lookups that had to go to the source.", ["cache"], registry=r
        )
        self._queue_depth = Gauge("queue_depth", "Items waiting in a queue.", ["queue"], registry=r)
        self._queue_age = Gauge(
            "queue_oldest_age_seconds",
            "Age of the longest-waiting item in a queue since it arrived (0 when the queue is empty).",
            ["queue"],
            registry=r,
        )
        self._unresolved = Gauge(
            "unresolved_orders",
            "Synchronous orders without an outcome longer than their lease (the reconciler's to finish).",
            registry=r,
        )
        self._unresolved_age = Gauge(
            "unresolved_oldest_age_seconds",
            "Age of the oldest unresolved synchronous order (0 when there is none).",
            registry=r,
        )
        self._xentral_events = Counter(
            "xentral_events_received",
            "Xentral's webhook deliveries by instance and answer: queued, duplicate, or refused as forged, stale, "
            "malformed, unknown_instance.",
            ["instance", "outcome"],
            registry=r,
        )
        self._xentral_events_handled = Counter(
            "xentral_events_handled",
            "Queued Xentral events by instance and what became of them: observed, untracked (not our order, "
            "dropped), ignored, unresolved, malformed, retried, failed.",
            ["instance", "outcome"],
            registry=r,
        )
        self._write_backs = Counter(
            "shop_write_backs",
            "Shop write-back job attempts by client and outcome: done, retried, dead.",
            ["client", "outcome"],
            registry=r,
        )
        self._shop_webhooks = Counter(
            "shop_webhooks",
            "Shop webhooks (WooCommerce, Shopify, Shopware) by shop and answer: accepted, duplicate, ignored, "
            "or the problem code (signature_invalid, webhook_stale, request_invalid, invalid_json, not_found).",
            ["shop", "outcome"],
            registry=r,
        )
        self._webhook_deliveries = Counter(
            "webhook_deliveries",
            "Webhook delivery attempts by resulting state.",
            ["state"],
            registry=r,
        )
        self._token_expiry = Gauge(
            "xentral_token_expiry_seconds",
            "Time left until the Xentral token's configured expiry date, by instance (negative once expired); "
            "only instances with `token_expires` set.",
            ["instance"],
            registry=r,
        )
        self._redis_available = Gauge(
            "redis_available",
            "1 while Redis answers; 0 while the service works without it (local rate limit, no shared cache).",
            registry=r,
        )
        self._redis_bypassed = Counter(
            "redis_bypassed",
            "Operations done without Redis because it was unavailable, by user (rate_limiter, cache).",
            ["user"],
            registry=r,
        )
        self._http_duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an API request, by route template and status.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )

    # --- orders ------------------------------------------------------------------------

    def xentral_event(self, instance: str, outcome: str) -> None:
        self._xentral_events.labels(instance=instance, outcome=outcome).inc()

    def xentral_event_handled(self, instance: str, outcome: str) -> None:
        self._xentral_events_handled.labels(instance=instance, outcome=outcome).inc()

    def write_back(self, client: str, outcome: str) -> None:
        self._write_backs.labels(client=client, outcome=outcome).inc()

    def shop_webhook(self, shop: str, outcome: str) -> None:
        self._shop_webhooks.labels(shop=shop, outcome=outcome).inc()

    def order(self, outcome: OrderOutcomeLabel) -> None:
        self._orders.labels(outcome=outcome).inc()

    def order_totals(self, expected_matches: bool | None, xentral_matches: bool | None) -> None:
        """One created order's totals check; a comparison that could not be made is not counted."""
        for against, matches in (("expected", expected_matches), ("xentral", xentral_matches)):
            if matches is not None:
                self._order_totals.labels(against=against, result="match" if matches else "mismatch").inc()

    # --- Xentral client hooks (see `XentralClient`'s on_* arguments) --------------------

    def xentral_response(self, instance: str, operation: str, status: int, seconds: float) -> None:
        self._xentral_requests.labels(instance=instance, operation=operation, status=str(status)).inc()
        self._count_call(instance)
        self._xentral_duration.labels(instance=instance, operation=operation).observe(seconds)

    def xentral_transport_error(self, instance: str, operation: str, kind: str) -> None:
        self._xentral_transport_errors.labels(instance=instance, operation=operation, kind=kind).inc()
        if kind != "XentralConnectError":  # anything else may have reached Xentral and counts against its limit
            self._count_call(instance)

    def _count_call(self, instance: str) -> None:
        self.xentral_calls.add()
        counter = self.xentral_calls_by_instance.get(instance)
        if counter is None:
            counter = self.xentral_calls_by_instance[instance] = MinuteCounter(60)
        counter.add()

    def xentral_retry(self, instance: str, operation: str, reason: str) -> None:
        self._xentral_retries.labels(instance=instance, operation=operation, reason=reason).inc()

    def xentral_deprecated_answer(self, instance: str, operation: str) -> None:
        self._xentral_deprecated.labels(instance=instance, operation=operation).inc()

    def xentral_untrusted_answer(self, instance: str, operation: str, reason: str) -> None:
        self._xentral_untrusted.labels(instance=instance, operation=operation, reason=reason).inc()

    def limiter_wait(self, instance: str, seconds: float) -> None:
        self._limiter_wait.labels(instance=instance).observe(max(0.0, seconds))

    def for_instance(self, instance: str) -> InstanceMetrics:
        """The Xentral client hooks of one instance: every series they feed carries its name."""
        return InstanceMetrics(self, instance)

    # --- caches, queues, webhooks ------------------------------------------------------

    def cache_hit(self, name: str) -> None:
        self._cache_hits.labels(cache=name).inc()

    def cache_miss(self, name: str) -> None:
        self._cache_misses.labels(cache=name).inc()

    def set_queue_depth(self, queue: str, depth: float) -> None:
        """Set the depth now, for code that knows it when it changes."""
        self._queue_depth.labels(queue=queue).set(depth)

    def set_queue_oldest_age(self, queue: str, seconds: float) -> None:
        self._queue_age.labels(queue=queue).set(seconds)

    def set_unresolved(self, count: int, oldest_age_seconds: float) -> None:
        self._unresolved.set(count)
        self._unresolved_age.set(oldest_age_seconds)

    def webhook_delivery(self, state: str) -> None:
        """One delivery attempt ended in `state`, e.g. delivered, retrying, failed."""
        self._webhook_deliveries.labels(state=state).inc()

    def token_expiry(self, instance: str, seconds_left: Callable[[], float]) -> None:
        """Read at each scrape, so the figure counts down without anyone setting it."""
        self._token_expiry.labels(instance=instance).set_function(seconds_left)

    def redis_available(self, available: bool) -> None:
        self._redis_available.set(1 if available else 0)

    def redis_bypassed(self, user: str) -> None:
        self._redis_bypassed.labels(user=user).inc()

    # --- HTTP edge ---------------------------------------------------------------------

    def http_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self._http_duration.labels(method=method, route=route, status=str(status)).observe(seconds)

    # --- exposition --------------------------------------------------------------------

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)

    def serve_on_port(self, host: str, port: int) -> Callable[[], None]:
        """Serve the registry at `http://host:port/metrics` from a thread, apart from the service's port
        (`metrics.expose = "port"`); returns what stops it."""
        server, thread = start_http_server(port, addr=host, registry=self.registry)

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join(5)

        return stop


class InstanceMetrics:
    """`XentralClient`'s hooks for one Xentral instance (its `instance` label)."""

    def __init__(self, metrics: Metrics, instance: str) -> None:
        self._metrics = metrics
        self.instance = instance

    def response(self, operation: str, status: int, seconds: float) -> None:
        self._metrics.xentral_response(self.instance, operation, status, seconds)

    def transport_error(self, operation: str, kind: str) -> None:
        self._metrics.xentral_transport_error(self.instance, operation, kind)

    def retry(self, operation: str, reason: str) -> None:
        self._metrics.xentral_retry(self.instance, operation, reason)

    def limiter_wait(self, seconds: float) -> None:
        self._metrics.limiter_wait(self.instance, seconds)

    def untrusted_answer(self, operation: str, reason: str) -> None:
        self._metrics.xentral_untrusted_answer(self.instance, operation, reason)

    def deprecated_answer(self, operation: str) -> None:
        self._metrics.xentral_deprecated_answer(self.instance, operation)
