"""Which URL an order's callbacks go to: the client's webhook_url, or an allowed per-request one.

Implements the order service's `CallbackPolicy`. A per-request `callback_url` must name a host
on the client's `callback_hosts` list *and* pass the SSRF guard; a client's configured
webhook_url is checked once at start-up by `check_clients`. (The messages themselves, and when
they are due, are the order flow's: `orders.callbacks`.)
"""

from __future__ import annotations

from collections.abc import Iterable

from ..config import ApiClient
from ..config.rules import webhook_secret_problem
from .targets import TargetGuard, TargetRefused, host_of

__all__ = ["ClientCallbackTargets", "WebhookConfigError", "check_clients"]


class WebhookConfigError(ValueError):
    """A client's webhook settings cannot work; the message names the client and the setting."""


class ClientCallbackTargets:
    def __init__(self, clients: Iterable[ApiClient], guard: TargetGuard) -> None:
        self._clients = {client.name: client for client in clients}
        self._guard = guard

    def target_for(self, client: str, requested_url: str | None, *, resolve: bool = True) -> str | None:
        settings = self._clients.get(client)
        if requested_url is None:
            return settings.webhook_url if settings is not None else None
        if settings is None or settings.webhook_secret is None:
            raise ValueError("Callbacks are not set up for this client (no webhook secret is configured)")
        host = host_of(requested_url)
        allowed = {name.lower() for name in settings.callback_hosts}
        if host not in allowed:
            raise ValueError(f"Host '{host}' is not on this client's callback host allow-list")
        if resolve:
            # Blocking DNS lookup: the port is synchronous. It is one lookup of an allow-listed host.
            self._guard.check(requested_url)
        else:
            self._guard.check_form(requested_url)
        return requested_url


async def check_clients(clients: Iterable[ApiClient], guard: TargetGuard) -> None:
    """Refuse to start with a webhook URL that could never be delivered to, or a missing secret."""
    problems = []
    for client in clients:
        secret_problem = webhook_secret_problem(client)
        if secret_problem is not None:
            problems.append(f"client '{client.name}': {secret_problem}")
        if client.webhook_url is not None:
            try:
                await guard.acheck(client.webhook_url)
            except TargetRefused as error:
                problems.append(f"client '{client.name}': webhook_url refused: {error}")
    if problems:
        raise WebhookConfigError("; ".join(problems))
