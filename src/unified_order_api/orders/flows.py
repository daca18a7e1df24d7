"""The flow's parts bound to one Xentral instance: drafting, customer settlement and import share its gateway.

Built once per instance by the service, so an order of a client on instance A never reads or
writes through instance B's gateway, caches or creation claims.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..clock import Clock
from .customers import CustomerSettlement
from .drafting import OrderDrafter
from .importing import OrderImporter
from .ports import AttemptStore
from .routing import XentralRoute, XentralRoutes

__all__ = ["InstanceFlow", "instance_flows"]


@dataclass(frozen=True, slots=True)
class InstanceFlow:
    route: XentralRoute
    drafter: OrderDrafter
    customers: CustomerSettlement
    importer: OrderImporter


def instance_flows(routes: XentralRoutes, store: AttemptStore, clock: Clock) -> dict[str, InstanceFlow]:
    """One `InstanceFlow` per Xentral instance, keyed by the instance's name."""
    return {
        route.instance: InstanceFlow(
            route=route,
            drafter=OrderDrafter(route.gateway, route.reference_data, clock),
            customers=CustomerSettlement(
                gateway=route.gateway, attempts=store, creations=store, clock=clock, instance=route.instance
            ),
            importer=OrderImporter(gateway=route.gateway, attempts=store, clock=clock),
        )
        for route in routes
    }
