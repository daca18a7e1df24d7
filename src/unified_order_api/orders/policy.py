"""The rules one order runs under, per API client: what the flow needs of the settings, and no more.

The service asks `OrderPolicies.for_client(name)` instead of reading `Settings`, so the flow
cannot depend on how the configuration is laid out (files, environment, several clients).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..config import CustomerPolicy, IdempotencyPolicy, OrderDefaults, Settings, TotalsPolicy

__all__ = ["ClientPolicy", "OrderPolicies"]


@dataclass(frozen=True, slots=True)
class ClientPolicy:
    name: str
    reference_prefix: str = ""
    notify_failures: bool = False
    defaults: OrderDefaults = field(default_factory=OrderDefaults)
    shipping_map: Mapping[str, str] = field(default_factory=dict)
    payment_map: Mapping[str, str] = field(default_factory=dict)
    customers: CustomerPolicy = field(default_factory=CustomerPolicy)
    idempotency: IdempotencyPolicy = field(default_factory=IdempotencyPolicy)
    totals: TotalsPolicy = field(default_factory=TotalsPolicy)

    def external_reference(self, reference: str) -> str:
        """The reference as Xentral stores it (externalOrderNumber): the client's prefix keeps the
        references of different callers apart in the one Xentral where they all meet."""
        return self.reference_prefix + reference


class OrderPolicies:
    """Every client's policy; a name no client has (tests, internal callers) gets the global one."""

    def __init__(self, default: ClientPolicy, clients: Mapping[str, ClientPolicy] | None = None) -> None:
        self.default = default
        self._clients = dict(clients or {})

    @classmethod
    def from_settings(cls, settings: Settings) -> OrderPolicies:
        default = ClientPolicy(
            name="",
            defaults=settings.defaults,
            shipping_map=settings.shipping_map,
            payment_map=settings.payment_map,
            customers=settings.customers,
            idempotency=settings.idempotency,
            totals=settings.totals,
        )
        clients = {
            client.name: ClientPolicy(
                name=client.name,
                reference_prefix=client.reference_prefix,
                notify_failures=client.notify_failures,
                defaults=default.defaults,
                shipping_map=default.shipping_map,
                payment_map=default.payment_map,
                customers=default.customers,
                idempotency=default.idempotency,
                totals=_totals_for(client.on_total_mismatch, default.totals),
            )
            for client in settings.clients
        }
        return cls(default, clients)

    def for_client(self, client: str) -> ClientPolicy:
        return self._clients.get(client, self.default)


def _totals_for(rule: Literal["refuse", "flag"] | None, totals: TotalsPolicy) -> TotalsPolicy:
    """A client's own mismatch rule, if it has one, over the global totals policy."""
    return totals if rule is None else totals.model_copy(update={"on_mismatch": rule})
