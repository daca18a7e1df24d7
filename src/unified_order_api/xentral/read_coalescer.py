"""`ReadCoalescer`: concurrent single-key reads of one kind become one batched Xentral call.

Xentral's budget is requests, not rows: one `number in [...]` list answers fifty SKUs for the
price of one. Callers ask for one key each. A key that arrives while this kind of read is idle
(no call open, no other caller about: `others_reading`) goes out at once, so a lone request waits
for nothing. Otherwise — other orders are reading too — the coalescer collects the keys that arrive
within `window` seconds, and while a call of this kind is open every key that arrives meanwhile
(the next batch fills while the previous one waits for Xentral or for a rate-limit slot), and
sends them as one call of at most `max_keys` keys and `max_chars` characters of values.

Guarantees:
- Each caller gets exactly the value the batch fetch produced for its own key, never another
  key's: `fetch` must return a value for every key it was given (a key it lacks is an error).
- A caller alone is not delayed at all; one among concurrent callers waits at most `window`
  plus the call of its kind already open. `window == 0` turns coalescing off (every call goes
  straight through).
- A failing batch fails only the keys in it. When the failure is one a single key can cause
  (`splits(error)`, e.g. Xentral refusing a value), the batch is halved and retried, so one bad
  key fails alone; outages (unreachable, 5xx, rate limit) are not split — every key would fail.
- A caller that is cancelled (its request timed out) leaves the shared call running for the others.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, Generic, TypeVar

__all__ = ["Fetch", "ReadCoalescer"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[list[K]], Awaitable[Mapping[K, V]]]


def _retrieve(future: asyncio.Future[Any]) -> None:
    """Mark a failed shared future's exception as seen: its callers may all have gone away."""
    if not future.cancelled():
        future.exception()


class ReadCoalescer(Generic[K, V]):
    def __init__(
        self,
        fetch: Fetch[K, V],
        *,
        window: float,
        max_keys: int = 50,
        max_chars: int | None = None,
        size: Callable[[K], int] = lambda key: len(str(key)),
        splits: Callable[[BaseException], bool] = lambda error: False,
        share_in_flight: bool = False,
        patience: Callable[[], float | None] = lambda: None,
        others_reading: Callable[[], bool] = lambda: False,
    ) -> None:
        """`share_in_flight`: a key already in an open call joins it instead of waiting for the
        next one — only for reads where an answer started a moment before the caller asked is as
        good (products, customers), never for reads that must see a write just made.

        `patience()`: asked for each caller; a number is how long that caller is content to wait
        for others (the async lane, where calls matter and a fraction of a second does not), None
        the normal rule. A batch goes out at the earliest moment any caller in it is due.

        `others_reading()`: whether callers other than this one may read soon (e.g. other orders are
        running); a caller waits its window only then, or while a call of its kind is open."""
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self._fetch = fetch
        self._window = max(0.0, window)
        self._max_keys = max_keys
        self._max_chars = max_chars
        self._size = size
        self._splits = splits
        self._share_in_flight = share_in_flight
        self._patience = patience
        self._others_reading = others_reading
        self._pending: dict[K, asyncio.Future[V]] = {}
        self._due: dict[K, float] = {}
        self._pending_chars = 0
        self._in_flight: dict[K, asyncio.Future[V]] = {}
        self._calls_open = 0
        self._changed = asyncio.Event()
        self._sender: asyncio.Task[None] | None = None
        self._calls: set[asyncio.Task[None]] = set()

    @property
    def enabled(self) -> bool:
        return self._window > 0

    async def get(self, key: K) -> V:
        """The value for `key`, fetched together with the keys other callers asked for meanwhile."""
        if not self.enabled:
            return (await self._fetch([key]))[key]
        return await asyncio.shield(self._enqueue(key))

    async def get_many(self, keys: Sequence[K]) -> dict[K, V]:
        """Several keys of one caller: all enter the same batch (as far as `max_keys` allows)."""
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        if not self.enabled:
            values = await self._fetch(wanted)
            return {key: values[key] for key in wanted}
        futures = [self._enqueue(key) for key in wanted]
        results = await asyncio.shield(asyncio.gather(*futures))
        return dict(zip(wanted, results, strict=True))

    def _enqueue(self, key: K) -> asyncio.Future[V]:
        """The future that will hold `key`'s value: an open call's, a pending batch's, or a new one."""
        if self._share_in_flight and key in self._in_flight:
            return self._in_flight[key]
        due = self._due_for_new_caller()
        future = self._pending.get(key)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            future.add_done_callback(_retrieve)
            self._pending[key] = future
            self._pending_chars += self._size(key)
            self._due[key] = due
        else:
            self._due[key] = min(self._due[key], due)
        if self._sender is None:
            self._sender = asyncio.create_task(self._send())
        self._changed.set()
        return future

    def _due_for_new_caller(self) -> float:
        """When this caller's key must go out: at once when this kind is idle, else after its window."""
        now = asyncio.get_running_loop().time()
        patience = self._patience()
        if patience is not None:
            return now + patience
        return now + self._window if self._busy() else now

    def _full(self) -> bool:
        if len(self._pending) >= self._max_keys:
            return True
        return self._max_chars is not None and self._pending_chars >= self._max_chars

    def _busy(self) -> bool:
        """Other callers are reading this kind, or may soon: worth waiting for more keys."""
        return self._calls_open > 0 or self._others_reading()

    async def _send(self) -> None:
        """Send a batch when it is full, or when its most urgent key is due and no call of this kind is open."""
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                self._changed.clear()
                if not self._full():
                    wait = min(self._due.values()) - loop.time()
                    if wait > 0:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._changed.wait(), wait)
                        continue
                    if self._calls_open > 0:
                        await self._changed.wait()
                        continue
                batch = self._take()
                self._calls_open += 1
                call = asyncio.create_task(self._call(batch))
                self._calls.add(call)
                call.add_done_callback(self._calls.discard)
        finally:
            self._sender = None

    def _take(self) -> dict[K, asyncio.Future[V]]:
        """The oldest pending keys, up to `max_keys` and `max_chars` (at least one)."""
        batch: dict[K, asyncio.Future[V]] = {}
        chars = 0
        for key in list(self._pending):
            size = self._size(key)
            if batch and (
                len(batch) >= self._max_keys or (self._max_chars is not None and chars + size > self._max_chars)
            ):
                break
            batch[key] = self._pending.pop(key)
            del self._due[key]
            chars += size
            self._pending_chars -= size
        return batch

    async def _call(self, batch: dict[K, asyncio.Future[V]]) -> None:
        if self._share_in_flight:
            self._in_flight.update(batch)
        try:
            outcomes = await self._resolve(list(batch))
            for key, future in batch.items():
                outcome = outcomes[key]
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
        except Exception as error:
            for future in batch.values():
                if not future.done():
                    future.set_exception(error)
        except BaseException:
            for future in batch.values():
                future.cancel()
            raise
        finally:
            for key in batch:
                if self._in_flight.get(key) is batch[key]:
                    del self._in_flight[key]
            self._calls_open -= 1
            self._changed.set()

    async def _resolve(self, keys: list[K]) -> dict[K, V | BaseException]:
        """Each key's value or error; a batch refused as a whole is halved until the culprit stands alone."""
        try:
            values = await self._fetch(keys)
        except Exception as error:
            if len(keys) == 1 or not self._splits(error):
                return dict.fromkeys(keys, error)
            middle = len(keys) // 2
            halves = await asyncio.gather(self._resolve(keys[:middle]), self._resolve(keys[middle:]))
            return {**halves[0], **halves[1]}
        outcomes: dict[K, V | BaseException] = {}
        for key in keys:
            if key in values:
                outcomes[key] = values[key]
            else:
                outcomes[key] = LookupError(f"the batched read returned nothing for {key!r}")
        return outcomes

    async def aclose(self) -> None:
        """Cancel what is still running (at shutdown); waiting callers get CancelledError."""
        tasks = [*self._calls, *([self._sender] if self._sender else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
