"""The order flow's rules per client (`orders.policy.OrderPolicies`), built from the settings.

Here and not in `orders/`: the order service knows its policies, not how the configuration
that yields them is laid out.
"""

from __future__ import annotations

from ..orders.policy import ClientPolicy, OrderPolicies
from .settings import Settings

__all__ = ["order_policies"]


def order_policies(settings: Settings) -> OrderPolicies:
    """Every client's policy (its overrides merged over the global sections) and the global one."""
    default = ClientPolicy(name="", **settings.global_settings())
    clients = {
        client.name: ClientPolicy(
            name=client.name,
            reference_prefix=client.reference_prefix,
            notify_failures=client.notify_failures,
            respond_async=client.respond_async,
            instance=settings.instance_name(client),
            **settings.client_settings(client),
        )
        for client in settings.clients
    }
    return OrderPolicies(default, clients)
