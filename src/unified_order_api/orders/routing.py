"""Which Xentral an order goes to: the client's instance, with that instance's gateway, reference data and cache.

The one place that decides it. The flow, the async lane and the dry run all ask
`XentralRoutes.route(policy.instance)`, so a client's every call goes to its own instance, and
ids (products, customers, methods) learned from one instance are never used with another.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .ports import LookupCache, XentralGateway
from .reference_data import ReferenceData

__all__ = ["DEFAULT_INSTANCE", "UnknownInstance", "XentralRoute", "XentralRoutes"]

DEFAULT_INSTANCE = "default"
"""The name of the instance set by `xentral_url` / `xentral_token`, and of the one route of a single Xentral."""


class UnknownInstance(LookupError):
    """A client names an instance no route was built for (a wiring mistake, caught at start-up)."""


@dataclass(frozen=True, slots=True)
class XentralRoute:
    """One Xentral instance as the order flow sees it."""

    instance: str
    gateway: XentralGateway
    reference_data: ReferenceData
    cache: LookupCache | None = None


class XentralRoutes:
    def __init__(self, routes: Sequence[XentralRoute]) -> None:
        if not routes:
            raise ValueError("at least one Xentral instance is needed")
        self._routes = {route.instance: route for route in routes}
        if len(self._routes) != len(routes):
            raise ValueError("each Xentral instance needs its own name")

    @classmethod
    def single(
        cls,
        gateway: XentralGateway,
        reference_data: ReferenceData | None = None,
        cache: LookupCache | None = None,
        instance: str = DEFAULT_INSTANCE,
    ) -> XentralRoutes:
        """One instance for every client (one Xentral per deployment, and unit tests)."""
        return cls([XentralRoute(instance, gateway, reference_data or ReferenceData(gateway), cache)])

    def route(self, instance: str) -> XentralRoute:
        found = self._routes.get(instance)
        if found is None:
            raise UnknownInstance(f"no Xentral instance named '{instance}' is configured")
        return found

    def __iter__(self) -> Iterator[XentralRoute]:
        return iter(self._routes.values())
