"""`check-config`'s look at each instance's Xentral event subscription: found, missing, URL differs, events missing.

Without it an operator learns that Xentral stopped delivering events only from a tracking that got
slow (polling carries it alone). Per instance one finding, `xentral_events.subscription`: the receiver
URL wanted; what Xentral holds of ours (its id and events, `xentral_events.inspect`); and what the
service saw of it (`StoredEventHealth.status`: the last verified event, the last check's problem).
Without `xentral_events.public_url` a warning says tracking relies on polling alone.

Only reads: Xentral's list (which never shows a key) and the stored status, read only when the
database is at this version's schema (nothing is created or migrated). No finding ever holds the
signature key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from sqlalchemy.exc import SQLAlchemyError

from .backing_checks import SERVICE
from .config import Settings
from .configcheck import ConfigFinding
from .store.database import create_engine
from .store.migrate import schema_state
from .store.subscriptions import SqlSubscriptionStore
from .xentral import XentralClient
from .xentral.subscriptions import XentralWebhookSubscriptions
from .xentral_events import EventsStatus, StoredEventHealth, receiver_url
from .xentral_events.ports import WebhookSubscriptions
from .xentral_events.subscription import SubscriptionSeen, inspect
from .xentral_events.translation import event_name

__all__ = ["SETTING", "check_subscriptions", "subscription_findings"]

SETTING = "xentral_events.subscription"
_REPAIR = "run `unified-order-api subscribe-xentral` (`serve` repairs it every xentral_events.check_seconds)"


async def check_subscriptions(settings: Settings, clients: Mapping[str, XentralClient]) -> list[ConfigFinding]:
    """The findings for the CLI: each instance's client, and the stored status when the database is ready."""
    subscriptions = {name: XentralWebhookSubscriptions(client) for name, client in clients.items()}
    if settings.xentral_events.public_url is None:
        return await subscription_findings(settings, subscriptions, None)
    try:
        state = await asyncio.to_thread(schema_state, settings.database_url, settings.database_timeout_seconds)
    except SQLAlchemyError:
        state = None  # the database finding says why
    if state is None or not state.at_head:
        return await subscription_findings(settings, subscriptions, None)
    engine = create_engine(settings.database_url, timeout_seconds=settings.database_timeout_seconds)
    try:
        health = StoredEventHealth(
            SqlSubscriptionStore(engine), within_seconds=settings.xentral_events.healthy_within_seconds
        )
        return await subscription_findings(settings, subscriptions, health)
    finally:
        await engine.dispose()


async def subscription_findings(
    settings: Settings, subscriptions: Mapping[str, WebhookSubscriptions], health: StoredEventHealth | None
) -> list[ConfigFinding]:
    """One finding per instance (`subscriptions` by instance name); `health` None: the stored status is unknown."""
    events = settings.xentral_events
    if events.public_url is None:
        if not settings.tracking.enabled:
            return []
        warning = f"not set: no Xentral webhooks, tracking polls every {settings.tracking.poll_seconds:g} s"
        setting = "xentral_events.public_url"
        return [ConfigFinding(SERVICE, name, setting, None, warning=warning) for name in subscriptions]
    findings = []
    for name, xentral in subscriptions.items():
        wanted = receiver_url(events.public_url, name)
        status = await _status(health, name)
        try:
            seen = await inspect(name, xentral, name=events.subscription_name, url=wanted)
        except Exception as error:  # a read error names no key (the list carries none)
            problem = f"Xentral's subscriptions could not be read: {type(error).__name__}: {error}"
            findings.append(ConfigFinding(SERVICE, name, SETTING, wanted, None, problem))
            continue
        findings.append(_finding(seen, status))
    return findings


async def _status(health: StoredEventHealth | None, instance: str) -> EventsStatus | str:
    if health is None:
        return "stored status unknown (the database is not ready)"
    try:
        return await health.status(instance)
    except Exception as error:
        return f"stored status unreadable ({type(error).__name__})"


def _finding(seen: SubscriptionSeen, status: EventsStatus | str) -> ConfigFinding:
    instance, wanted = seen.instance, seen.wanted_url
    if seen.status == "missing":
        problem = f"Xentral holds no subscription of ours: {_REPAIR}"
        return ConfigFinding(SERVICE, instance, SETTING, wanted, None, problem)
    shown = f"subscription {seen.webhook_id}"
    if seen.status == "url_differs":
        problem = f"it delivers to {seen.url}, not to this URL: {_REPAIR}"
        return ConfigFinding(SERVICE, instance, SETTING, wanted, shown, problem)
    if seen.status == "events_missing":
        problem = f"events missing: {', '.join(event_name(event) for event in seen.missing_events)}: {_REPAIR}"
        return ConfigFinding(SERVICE, instance, SETTING, wanted, shown, problem)
    if seen.status == "duplicates":
        problem = f"{len(seen.duplicates) + 1} subscriptions of ours ({', '.join(seen.duplicates)} too): {_REPAIR}"
        return ConfigFinding(SERVICE, instance, SETTING, wanted, shown, problem)
    if isinstance(status, str):
        return ConfigFinding(SERVICE, instance, SETTING, wanted, f"{shown}; {status}")
    last = status.last_event_at
    heard = f"last verified event {last:%Y-%m-%d %H:%M} UTC" if last else "no verified event yet"
    warning = f"the last check failed: {status.problem}" if status.problem else None
    if not warning and not status.healthy:
        warning = "not counted healthy (no recent event or check): tracking polls at the full rate"
    return ConfigFinding(SERVICE, instance, SETTING, wanted, f"{shown}; {heard}", warning=warning)
