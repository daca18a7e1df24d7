"""The in-memory Xentral: every collection, the number ranges, and one lock around all of it."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .events import SandboxEvents
from .readings import Readings
from .seeding import merge_seed, read_seed_file

Record = dict[str, Any]

if TYPE_CHECKING:
    from .config import SandboxConfig


def load_seed(path: Path | None = None) -> dict[str, Any]:
    """The packaged seed.json, with the records of the seed file at `path` added (see `seeding`)."""
    text = resources.files(__package__).joinpath("seed.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return merge_seed(data, read_seed_file(path)) if path else data


class UnknownOrder(KeyError):
    """No sales order with that id."""


def tokens_of(config: SandboxConfig) -> dict[str, frozenset[str] | None]:
    """The configured token with every scope (None), and the limited ones with theirs."""
    return {config.token: None, **{token: frozenset(scopes) for token, scopes in config.limited_tokens.items()}}


def _by_id(items: list[Record]) -> dict[str, Record]:
    return {str(item["id"]): item for item in items}


class SandboxState:
    """Collections are `id → record` dicts in insertion (= id) order. Hold `lock` while reading or writing.

    Besides the records, the instance's settings live here as in Xentral: its tokens (token → scopes, None
    for all) and the readings of the contested points (readings.py). `reset` restores both.
    """

    def __init__(
        self,
        seed_path: Path | None = None,
        readings: Readings | None = None,
        tokens: Mapping[str, frozenset[str] | None] | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.events = SandboxEvents()
        self._seed = load_seed(seed_path)
        self._readings = readings or Readings()
        self._tokens = dict(tokens or {})
        self.readings = self._readings
        self.tokens: dict[str, frozenset[str] | None] = {}
        self.sales_channels: dict[str, Record] = {}
        self.customers: dict[str, Record] = {}
        self.products: dict[str, Record] = {}
        self.sales_orders: dict[str, Record] = {}
        self.shipping_methods: dict[str, Record] = {}
        self.payment_methods: dict[str, Record] = {}
        self.projects: dict[str, Record] = {}
        self.external_reference_targets: dict[str, Record] = {}
        self.webhooks: dict[str, Record] = {}  # subscriptions (webhooks.py), with their signature keys
        self.delivery_notes: dict[str, Record] = {}  # fulfilment.py: one per dispatched order
        self.shipments: dict[str, Record] = {}  # fulfilment.py: deliveries (= shipments), one per parcel
        self.number_ranges: dict[str, int] = {}
        self._highest_ids: dict[int, int] = {}
        self.reset()

    def reset(self) -> None:
        """Back to the seed: tests call this between cases instead of restarting the server."""
        seed = copy.deepcopy(self._seed)
        with self.lock:
            self.customers = _by_id(seed.get("customers", []))
            self.products = _by_id(seed.get("products", []))
            self.sales_orders = _by_id(seed.get("salesOrders", []))
            self.shipping_methods = _by_id(seed.get("shippingMethods", []))
            self.payment_methods = _by_id(seed.get("paymentMethods", []))
            self.projects = _by_id(seed.get("projects", []))
            self.external_reference_targets = _by_id(seed.get("externalReferenceTargets", []))
            self.sales_channels = _by_id(seed.get("salesChannels", []))
            self.webhooks = {}
            self.delivery_notes = {}
            self.shipments = {}
            self.number_ranges = {k: int(v) for k, v in seed.get("numberRanges", {}).items()}
            self._highest_ids = {}
            self.readings = self._readings
            self.tokens = dict(self._tokens)
            self.events.clear()

    def next_id(self, collection: dict[str, Record]) -> str:
        """Auto-increment like MySQL's InnoDB: one above the highest id ever handed out in this collection.

        An id is never given again after its record was deleted, or a test that deletes an order (Xentral
        "losing" it) would see the next import take the lost order's id.
        """
        key = id(collection)  # the collections live as long as the state until `reset`, which starts afresh
        highest = max(self._highest_ids.get(key, 0), max((int(k) for k in collection), default=0))
        self._highest_ids[key] = highest + 1
        return str(highest + 1)

    def take_number(self, name: str, start: int = 1) -> str:
        """Hand out the next number of a number range (customer numbers, document numbers)."""
        with self.lock:
            value = self.number_ranges.get(name, start)
            self.number_ranges[name] = value + 1
            return str(value)

    # Convenience for tests that want to arrange data directly.
    def add_customer(self, record: Record) -> str:
        with self.lock:
            record = dict(record)
            record.setdefault("id", self.next_id(self.customers))
            record.setdefault("number", self.take_number("customer", 10000))
            self.customers[str(record["id"])] = record
            return str(record["id"])

    def add_product(self, record: Record) -> str:
        with self.lock:
            record = dict(record)
            record.setdefault("id", self.next_id(self.products))
            self.products[str(record["id"])] = record
            return str(record["id"])

    def set_traffic_lights(self, order_id: str, **lights: bool) -> None:
        """Set traffic lights of one order (trafficlights.py); an unknown order is `UnknownOrder`, an unknown
        light a KeyError."""
        with self.lock:
            if order_id not in self.sales_orders:
                raise UnknownOrder(order_id)
            current = self.sales_orders[order_id]["trafficLights"]
            unknown = set(lights) - set(current)
            if unknown:
                raise KeyError(f"unknown traffic lights: {', '.join(sorted(unknown))}")
            if not all(isinstance(value, bool) for value in lights.values()):
                raise TypeError("traffic lights are true or false")
            current.update(lights)
