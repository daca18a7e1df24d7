"""The rules one order runs under, per API client: what the flow needs of the settings, and no more.

The service asks `OrderPolicies.for_client(name)` instead of reading `Settings`, so the flow
cannot depend on how the configuration is laid out (files, environment, several clients).
Each client's policy is the global settings with that client's overrides merged over them
(`Settings.client_settings`): sections field by field, code maps entry by entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..config import DEFAULT_INSTANCE, CustomerPolicy, IdempotencyPolicy, OrderDefaults, Settings, TotalsPolicy

__all__ = ["ClientPolicy", "OrderPolicies"]


@dataclass(frozen=True, slots=True)
class ClientPolicy:
    """One client's rules. The fields below `notify_failures` are named like the settings sections
    and maps they come from (`config.CLIENT_SECTIONS`, `config.CLIENT_MAPS`): a new overridable
    section is one more field here."""

    name: str
    reference_prefix: str = ""
    notify_failures: bool = False
    respond_async: bool = False
    instance: str = DEFAULT_INSTANCE
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
        return cls(default, clients)

    def clients(self) -> list[ClientPolicy]:
        """Every configured client's policy, in configuration order."""
        return list(self._clients.values())

    def for_client(self, client: str) -> ClientPolicy:
        return self._clients.get(client, self.default)
