"""The dispatcher: takes due deliveries from the outbox, signs them, POSTs them, records what happened.

At-least-once: a delivery is marked delivered only after a 2xx, so a crash between the answer
and the write sends it again — with the same `webhook-id`, for receivers to de-duplicate.
Every send re-checks the target (DNS may have changed since the order) and connects to the
address that was checked, so a rebinding DNS answer cannot slip a private address in.
Redirects are not followed: a 3xx is a failed attempt like any other non-2xx.

`run_once()` delivers what is due at `clock()` and returns; tests drive retries by moving the
clock. `run_forever()` is the loop the service and `unified-order-api dispatcher` run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterable, Mapping

import httpx
import structlog

from .. import __version__
from ..clock import Clock, utc_now
from ..config import ApiClient, WebhookPolicy
from ..orders.attempts import StoreUnavailable
from .deliveries import Delivery, DeliveryAttempt, DeliveryState, DeliveryStore, Outcome
from .schedule import RetrySchedule
from .signing import body_of, signed_headers
from .targets import TargetGuard, TargetRefused

log = structlog.get_logger(__name__)

USER_AGENT = f"unified-order-api-webhooks/{__version__}"
_ERROR_BODY_CHARS = 200


class Dispatcher:
    def __init__(
        self,
        *,
        store: DeliveryStore,
        clients: Iterable[ApiClient],
        policy: WebhookPolicy,
        guard: TargetGuard,
        http: httpx.AsyncClient,
        schedule: RetrySchedule | None = None,
        clock: Clock = utc_now,
        worker: str | None = None,
        on_outcome: Callable[[str], None] | None = None,
        on_dead: Callable[[Delivery], None] | None = None,
        extra_secrets: Mapping[str, str] | None = None,
    ) -> None:
        """`on_dead` hears of each delivery that gave up (alerts); `extra_secrets` sign the deliveries of
        senders that are no API client (the operators' alerts), by the outbox's client name."""
        self._store = store
        self._on_outcome = on_outcome or (lambda _state: None)
        self._on_dead = on_dead or (lambda _delivery: None)
        self._secrets = {
            client.name: client.webhook_secret.get_secret_value()
            for client in clients
            if client.webhook_secret is not None
        } | dict(extra_secrets or {})
        self._policy = policy
        self._guard = guard
        self._http = http
        self._schedule = schedule or RetrySchedule(policy.schedule_seconds, policy.jitter)
        self._clock = clock
        self.worker = worker or f"dispatcher-{uuid.uuid4().hex[:12]}"

    async def run_once(self) -> int:
        """Claim and send one batch of due deliveries; returns how many were attempted."""
        now = self._clock()
        claimed = await self._store.claim_due(
            worker=self.worker,
            now=now,
            until=now + dt.timedelta(seconds=self._policy.claim_seconds),
            limit=self._policy.batch_size,
        )
        if claimed:
            await asyncio.gather(*(self._deliver(delivery) for delivery in claimed))
        return len(claimed)

    async def run_forever(self) -> None:
        log.info("webhooks.dispatcher_started", worker=self.worker)
        while True:
            try:
                attempted = await self.run_once()
            except asyncio.CancelledError:
                raise
            except StoreUnavailable as error:  # the database is away for a moment; the loop outlives it
                log.warning("webhooks.database_unavailable", worker=self.worker, error=error.detail)
                attempted = 0
            except Exception:  # a bug; the loop must outlive it too
                log.exception("webhooks.dispatch_failed", worker=self.worker)
                attempted = 0
            if attempted < self._policy.batch_size:
                await asyncio.sleep(self._policy.poll_interval_seconds)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _deliver(self, delivery: Delivery) -> None:
        started = time.perf_counter()
        at = self._clock()
        status, error = await self._send(delivery, at)
        attempt = DeliveryAttempt(
            attempted_at=at,
            duration_ms=round((time.perf_counter() - started) * 1000),
            status_code=status,
            error=error,
        )
        outcome = self._outcome(delivery, attempt)
        kept = await self._store.record(delivery, worker=self.worker, outcome=outcome)
        self._on_outcome(outcome.state.value)  # delivered, pending (will retry) or dead
        if outcome.state == DeliveryState.DEAD and kept:
            self._on_dead(delivery)
        log.info(
            "webhooks.attempted",
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            client=delivery.client,
            status=status,
            error=error,
            state=outcome.state.value,
            claim_kept=kept,
        )

    def _outcome(self, delivery: Delivery, attempt: DeliveryAttempt) -> Outcome:
        if attempt.succeeded:
            return Outcome(DeliveryState.DELIVERED, attempt)
        delay = self._schedule.delay_after(delivery.attempt_count + 1)
        if delay is None:
            return Outcome(DeliveryState.DEAD, attempt)
        return Outcome(DeliveryState.PENDING, attempt, next_attempt_at=attempt.attempted_at + delay)

    async def _send(self, delivery: Delivery, at: dt.datetime) -> tuple[int | None, str | None]:
        secret = self._secrets.get(delivery.client)
        if secret is None:
            return None, f"client '{delivery.client}' has no webhook secret configured"
        try:
            target = await self._guard.acheck(delivery.url)
        except TargetRefused as refused:
            return None, f"target refused: {refused}"
        body = body_of(delivery.payload)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            **signed_headers(secret, delivery.event_id, at, body),
        }
        # Connect to the address we checked, not to whatever a second DNS lookup says; the Host
        # header and TLS server name keep the original host, so virtual hosts and certificates work.
        url = httpx.URL(delivery.url)
        pinned = url.copy_with(host=str(target.addresses[0]))
        headers["host"] = url.netloc.decode("ascii")
        try:
            async with self._http.stream(
                "POST", pinned, content=body, headers=headers, extensions={"sni_hostname": target.host}
            ) as response:
                if response.is_success:
                    return response.status_code, None
                if response.is_redirect:
                    location = response.headers.get("location", "?")
                    return response.status_code, f"redirect to {location} not followed"
                excerpt = await _read_some(response, _ERROR_BODY_CHARS)
                return response.status_code, f"HTTP {response.status_code}: {excerpt}".rstrip(": ")
        except httpx.TimeoutException as timeout:
            return None, f"timed out after {self._policy.timeout_seconds:g}s ({type(timeout).__name__})"
        except httpx.HTTPError as failure:
            return None, f"{type(failure).__name__}: {failure}".rstrip(": ")


async def _read_some(response: httpx.Response, limit: int) -> str:
    """The start of an error answer, for the record; a receiver's huge body is not read whole."""
    chunks = bytearray()
    async for chunk in response.aiter_bytes():
        chunks += chunk
        if len(chunks) >= limit:
            break
    return chunks[:limit].decode("utf-8", "replace").strip()


def dispatcher_http_client(
    policy: WebhookPolicy, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The HTTP client deliveries use: short timeouts, no redirects, no proxies from the environment."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(policy.timeout_seconds),
        follow_redirects=False,
        trust_env=False,
        transport=transport,
        # No keep-alive: requests go to pinned IP addresses, and a pooled TLS connection to one
        # address must not be reused for another host name (SNI) served there.
        limits=httpx.Limits(max_connections=policy.batch_size, max_keepalive_connections=0),
    )
