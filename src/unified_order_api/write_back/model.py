"""The write-back lane's words: what a job asks of a shop, what a job is, what each attempt was answered.

A job is one thing to tell one shop about one order: a shipment (`ship`), that everything has shipped
or Xentral completed the order (`complete`), that Xentral cancelled it (`cancel`, or `note` where the
shop's `on_xentral_cancel` says so), or a note for the merchant another part of the service asks for
(`note`: a cancellation the shop asked for too late). Its `key` makes two requests for the same thing
one job (the lifecycle change's id, a cancellation's id); its `cause` says, for people, what caused it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..lifecycle import Shipment
from ..lifecycle.records import shipment_from_json, shipment_to_json

__all__ = [
    "JobAttempt",
    "JobKind",
    "JobState",
    "NewJob",
    "ShopOrderIds",
    "WriteBackJob",
]


class JobKind(enum.StrEnum):
    SHIP = "ship"
    COMPLETE = "complete"
    CANCEL = "cancel"
    NOTE = "note"


class JobState(enum.StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or running, while claimed)
    DONE = "done"  # the shop shows what the job asked (or there was nothing to do)
    DEAD = "dead"  # refused by the shop, or still failing after `give_up_hours`: an operator redelivers it


@dataclass(frozen=True, slots=True)
class ShopOrderIds:
    """The shop's own ids of an order that arrived through a shop endpoint, kept at its arrival: the
    order's id in the shop (WooCommerce `id`, Shopify's numeric order id, Shopware's order id), the
    delivery's (Shopware's first `deliveries[].id`), and its lines (the shop's line id, sent to Xentral
    as `webId`, with SKU and quantity)."""

    kind: str
    order_id: str
    delivery_id: str | None = None
    lines: tuple[tuple[str | None, str, Decimal], ...] = ()

    def lines_to_json(self) -> list[dict[str, Any]]:
        return [{"line_id": line_id, "sku": sku, "quantity": str(quantity)} for line_id, sku, quantity in self.lines]

    @staticmethod
    def lines_from_json(data: list[dict[str, Any]] | None) -> tuple[tuple[str | None, str, Decimal], ...]:
        return tuple(
            (item.get("line_id"), str(item.get("sku") or ""), Decimal(str(item.get("quantity") or "0")))
            for item in data or []
        )


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job to queue. `key` is unique per order: queueing the same key again queues nothing.

    `note` is the text of a `note` or `cancel` job; `shipment` the parcel of a `ship` job; `complete`:
    the order has shipped in full with it (a `ship` job) or without a new parcel (a `complete` job)."""

    client: str
    reference: str
    kind: JobKind
    key: str
    cause: str
    shipment: Shipment | None = None
    complete: bool = False
    note: str | None = None

    def payload(self) -> dict[str, Any]:
        return {
            "shipment": shipment_to_json(self.shipment) if self.shipment else None,
            "complete": self.complete,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class JobAttempt:
    """One try of a job and the shop's answer (or why there was none), as the console shows it."""

    at: dt.datetime
    outcome: str  # done, retry, refused, dead, redelivered
    answer: str
    status: int | None = None
    worker: str | None = None
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True)
class WriteBackJob:
    """A queued job as the store keeps it. `mark` is what the job's adapter noted before it wrote
    (e.g. the fulfilments a Shopify order had), so a try after a lost answer can tell its own write."""

    id: int
    client: str
    reference: str
    kind: JobKind
    key: str
    cause: str
    state: JobState
    attempts: int
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    give_up_at: dt.datetime
    payload: dict[str, Any] = field(default_factory=dict)
    mark: dict[str, Any] | None = None
    outcome: str | None = None
    history: tuple[JobAttempt, ...] = ()

    @property
    def shipment(self) -> Shipment | None:
        data = self.payload.get("shipment")
        return shipment_from_json(data) if data else None

    @property
    def complete(self) -> bool:
        return bool(self.payload.get("complete"))

    @property
    def note(self) -> str | None:
        note = self.payload.get("note")
        return str(note) if note else None
