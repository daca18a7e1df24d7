"""A record of every API request, so tests and benchmarks can count what a client really sent."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class CallRecord:
    method: str
    path: str
    query: str
    status: int | None  # None when the connection was dropped (the client saw no status)
    timestamp: float  # Unix time when the request arrived
    operation: str | None  # e.g. "GET /api/v1/customers/{id}"; None for unknown paths
    duration: float = 0.0
    body: str | None = None  # the request body as received (None when the request had none)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[CallRecord] = []

    def append(self, record: CallRecord) -> None:
        with self._lock:
            self._records.append(record)

    def records(self) -> list[CallRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def counts(self) -> dict[str, int]:
        """Calls per operation (unknown paths count under "METHOD path")."""
        with self._lock:
            return dict(Counter(r.operation or f"{r.method} {r.path}" for r in self._records))

    def bodies(self, operation: str) -> list[Any]:
        """The JSON bodies this operation received, in arrival order (what a client really sent)."""
        with self._lock:
            return [json.loads(r.body) for r in self._records if r.operation == operation and r.body]

    def count(self, operation: str | None = None) -> int:
        if operation is None:
            with self._lock:
                return len(self._records)
        return self.counts().get(operation, 0)

    def __len__(self) -> int:
        return self.count()
