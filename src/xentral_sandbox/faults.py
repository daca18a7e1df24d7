"""Fault injection: slow, failing, rate-limited or dropped answers, scoped by method, path and count.

Besides those transport faults, two *misbehaviours* make the sandbox answer 200 with wrong content,
like a careless server (the service must notice, never act on it):

- `ignore_filters`: list endpoints answer as if no `filter` had been sent (the filter is still
  validated, paging and ordering still apply), i.e. an unfiltered page.
- `wrong_read_back`: sales order reads answer other orders than the ones asked for — the view of
  `/salesOrders/{id}` shows another order, and a filtered list shows, in place of each order the
  filter selects, one it excludes. Where no other order exists the answer is empty (view: 404).

A misbehaviour combines with latency and with one terminal fault; each request it matches uses one
of its `count` (the shorthands default to every GET, for ever).
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    LATENCY = "latency"  # sleep `seconds`, then answer normally (combines with one other fault)
    RATE_LIMIT = "rate_limit"  # 429 with Retry-After=`retry_after` and the X-RateLimit-* headers
    STATUS = "status"  # answer `status` (e.g. 500, 502, 503) with an empty body, nothing is executed
    DROP = "drop"  # close the connection without answering; nothing is executed
    COMMIT_THEN_DROP = "commit_then_drop"  # execute the request (e.g. create the order), then drop
    COMMIT_THEN_STATUS = "commit_then_status"  # execute the request, then answer `status` (e.g. 500) instead
    IGNORE_FILTERS = "ignore_filters"  # lists answer unfiltered pages (a misbehaviour, see above)
    WRONG_READ_BACK = "wrong_read_back"  # sales order reads answer other orders (a misbehaviour)


TERMINAL = frozenset(
    {FaultKind.RATE_LIMIT, FaultKind.STATUS, FaultKind.DROP, FaultKind.COMMIT_THEN_DROP, FaultKind.COMMIT_THEN_STATUS}
)
MISBEHAVIOURS = frozenset({FaultKind.IGNORE_FILTERS, FaultKind.WRONG_READ_BACK})
_ids = itertools.count(1)


@dataclass
class Fault:
    """One rule. `path` is an fnmatch glob over the URL path (no query); `count=None` never runs out."""

    kind: FaultKind
    method: str | None = None
    path: str | None = None
    count: int | None = 1
    status: int = 503
    seconds: float = 0.0
    retry_after: int = 1
    id: int = field(default_factory=lambda: next(_ids))

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"kind": self.kind.value}


class FaultInjector:
    """Thread-safe list of rules; `plan` consumes the matching ones for one request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        kind: FaultKind | str,
        *,
        method: str | None = None,
        path: str | None = None,
        count: int | None = 1,
        status: int = 503,
        seconds: float = 0.0,
        retry_after: int = 1,
    ) -> Fault:
        fault = Fault(FaultKind(kind), method, path, count, status, seconds, retry_after)
        if fault.count is not None and fault.count < 1:
            raise ValueError("count must be >= 1 or None")
        with self._lock:
            self._faults.append(fault)
        return fault

    # Shorthands for the common cases.
    def latency(self, seconds: float, **scope: Any) -> Fault:
        return self.add(FaultKind.LATENCY, seconds=seconds, **scope)

    def rate_limit(self, count: int = 1, retry_after: int = 1, **scope: Any) -> Fault:
        return self.add(FaultKind.RATE_LIMIT, count=count, retry_after=retry_after, **scope)

    def server_error(self, status: int = 503, count: int = 1, **scope: Any) -> Fault:
        return self.add(FaultKind.STATUS, status=status, count=count, **scope)

    def drop(self, count: int = 1, **scope: Any) -> Fault:
        return self.add(FaultKind.DROP, count=count, **scope)

    def commit_then_drop(self, count: int = 1, **scope: Any) -> Fault:
        return self.add(FaultKind.COMMIT_THEN_DROP, count=count, **scope)

    def commit_then_status(self, status: int = 500, count: int = 1, **scope: Any) -> Fault:
        return self.add(FaultKind.COMMIT_THEN_STATUS, status=status, count=count, **scope)

    def ignore_filters(self, count: int | None = None, method: str | None = "GET", **scope: Any) -> Fault:
        return self.add(FaultKind.IGNORE_FILTERS, count=count, method=method, **scope)

    def wrong_read_back(self, count: int | None = None, method: str | None = "GET", **scope: Any) -> Fault:
        return self.add(FaultKind.WRONG_READ_BACK, count=count, method=method, **scope)

    def remove(self, fault_id: int) -> None:
        with self._lock:
            self._faults = [f for f in self._faults if f.id != fault_id]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def plan(self, method: str, path: str) -> Plan:
        """Total latency, the first terminal fault and the misbehaviours for a request; uses one count per
        applied rule."""
        delay = 0.0
        terminal: Fault | None = None
        misbehaviours: set[FaultKind] = set()
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(method, path):
                    continue
                if fault.kind is FaultKind.LATENCY:
                    delay += fault.seconds
                elif fault.kind in MISBEHAVIOURS:
                    misbehaviours.add(fault.kind)
                elif terminal is None:
                    terminal = fault
                else:
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
        return Plan(delay, terminal, frozenset(misbehaviours))


@dataclass(frozen=True)
class Plan:
    """What the faults do to one request."""

    delay: float
    terminal: Fault | None
    misbehaviours: frozenset[FaultKind]
