"""What the service is configured with, as far as a finding of `verify-xentral` can contradict it.

Read once from the settings, per client of the instance under test, so a finding can name the setting
to change and the clients it concerns (`totals.set_total_amount`, `idempotency.upstream_check`,
`defaults.prices`, the rate limit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from ..config import Settings
from ..config.policies import order_policies
from ..orders.routing import DEFAULT_INSTANCE

__all__ = ["ClientAssumptions", "Configured", "configured"]


@dataclass(frozen=True, slots=True)
class ClientAssumptions:
    name: str
    prices: str  # defaults.prices: how a request without `prices` is meant
    set_total_amount: bool  # totals.set_total_amount
    tolerance: Decimal  # totals.tolerance, sent as maximumDifferenceToCalculatedSum
    upstream_check: str  # idempotency.upstream_check


@dataclass(frozen=True, slots=True)
class Configured:
    instance: str
    rate_limit_per_minute: int
    rate_limit_setting: str  # the setting that holds it, to name in advice
    clients: tuple[ClientAssumptions, ...]
    discount_product_id: str | None  # defaults.discount_product_id (the global one)

    def clients_where(self, wrong: Callable[[ClientAssumptions], bool]) -> list[str]:
        """Names of the clients of this instance for which `wrong` holds."""
        return [client.name for client in self.clients if wrong(client)]


def configured(settings: Settings, instance: str) -> Configured:
    """The assumptions of `instance` (a name of `settings.xentral_endpoints()`) and of its clients."""
    endpoint = settings.xentral_endpoints()[instance]
    if endpoint.rate_limit_per_minute is not None:
        budget, setting = endpoint.rate_limit_per_minute, f"xentral_instances.{instance}.rate_limit_per_minute"
    else:
        budget, setting = settings.xentral_rate_limit_per_minute, "xentral_rate_limit_per_minute"
    policies = order_policies(settings)
    clients = tuple(
        ClientAssumptions(
            name=client.name,
            prices=policy.defaults.prices,
            set_total_amount=policy.totals.set_total_amount,
            tolerance=policy.totals.tolerance,
            upstream_check=policy.idempotency.upstream_check,
        )
        for client in settings.clients
        if (policy := policies.for_client(client.name)).instance == instance
    )
    return Configured(
        instance=instance or DEFAULT_INSTANCE,
        rate_limit_per_minute=budget,
        rate_limit_setting=setting,
        clients=clients,
        discount_product_id=settings.defaults.discount_product_id,
    )
