"""An order's life after the import: released, dispatched, shipped, completed, cancelled, held.

Sources (Xentral's webhooks, the poller) translate what they see into `Observation`s and hand them to
an `ObservationSink`; the lifecycle applies them (never backwards) and records each change as a
`LifecycleChange` with a monotonic id. Consumers (client webhooks, shop write-back, the change feed)
read the changes in id order through a `ChangeFeed`, each at its own pace and durably.
"""

from .model import (
    ChangeFeed,
    LifecycleChange,
    LifecycleState,
    Observation,
    ObservationSink,
    ObservationSource,
    Shipment,
    ShippedLine,
)

__all__ = [
    "ChangeFeed",
    "LifecycleChange",
    "LifecycleState",
    "Observation",
    "ObservationSink",
    "ObservationSource",
    "Shipment",
    "ShippedLine",
]
