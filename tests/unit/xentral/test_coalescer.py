"""`ReadCoalescer`: concurrent reads share calls, each caller gets its own key's value, failures stay local.

No timing assertions: a call's start is controlled by events, and a test that would wait out a
long window instead of sending at once would hang (bounded by `asyncio.wait_for`).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Mapping

import pytest

from unified_order_api.xentral.read_coalescer import ReadCoalescer

LONG = 3600.0  # a window no test may wait out


class Refused(Exception):
    """Stands for a refusal one key can cause (the coalescer splits on it)."""


class Outage(Exception):
    """Stands for Xentral being down (never split)."""


class Upstream:
    """A batch fetch that records its calls; `gate` holds calls open until set."""

    def __init__(self, *, bad: str | None = None, error: type[Exception] = Refused) -> None:
        self.calls: list[list[str]] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.started = asyncio.Event()
        self.bad = bad
        self.error = error

    async def fetch(self, keys: list[str]) -> Mapping[str, str]:
        self.calls.append(list(keys))
        self.started.set()
        await self.gate.wait()
        if self.bad is not None and self.bad in keys:
            raise self.error(f"refused because of {self.bad}")
        return {key: f"value-of-{key}" for key in keys}


def coalescer(upstream: Upstream, **options: object) -> ReadCoalescer[str, str]:
    settings: dict[str, object] = {"window": LONG, "splits": lambda error: isinstance(error, Refused)}
    settings.update(options)
    return ReadCoalescer(upstream.fetch, **settings)  # type: ignore[arg-type]


async def bounded(awaitable: object) -> object:
    return await asyncio.wait_for(awaitable, timeout=30)  # type: ignore[arg-type]


async def test_a_lone_read_goes_out_at_once() -> None:
    upstream = Upstream()
    reads = coalescer(upstream)
    assert await bounded(reads.get("A")) == "value-of-A"
    assert upstream.calls == [["A"]]


async def test_reads_arriving_while_a_call_is_open_share_the_next_call() -> None:
    upstream = Upstream()
    reads = coalescer(upstream, window=0.01)
    upstream.gate.clear()
    first = asyncio.create_task(reads.get("A"))
    await bounded(upstream.started.wait())
    others = [asyncio.create_task(reads.get(key)) for key in ("B", "C", "D", "B")]
    await asyncio.sleep(0)
    upstream.gate.set()
    assert await bounded(first) == "value-of-A"
    assert [await bounded(task) for task in others] == ["value-of-B", "value-of-C", "value-of-D", "value-of-B"]
    assert upstream.calls == [["A"], ["B", "C", "D"]]


async def test_each_caller_gets_its_own_keys_value() -> None:
    upstream = Upstream()
    reads = coalescer(upstream, window=0.01)
    upstream.gate.clear()
    opener = asyncio.create_task(reads.get("opener"))
    await bounded(upstream.started.wait())
    keys = [f"K{n}" for n in range(30)]
    tasks = {key: asyncio.create_task(reads.get(key)) for key in keys}
    upstream.gate.set()
    await bounded(opener)
    assert {key: await bounded(task) for key, task in tasks.items()} == {key: f"value-of-{key}" for key in keys}
    assert len(upstream.calls) == 2


async def test_get_many_puts_one_callers_keys_in_one_batch() -> None:
    upstream = Upstream()
    reads = coalescer(upstream)
    assert await bounded(reads.get_many(["A", "B", "A", "C"])) == {
        "A": "value-of-A",
        "B": "value-of-B",
        "C": "value-of-C",
    }
    assert upstream.calls == [["A", "B", "C"]]


async def test_a_full_batch_goes_out_without_waiting_and_holds_at_most_max_keys() -> None:
    upstream = Upstream()
    reads = coalescer(upstream, max_keys=50, window=0.01)
    upstream.gate.clear()
    opener = asyncio.create_task(reads.get("opener"))
    await bounded(upstream.started.wait())
    keys = [f"K{n:03d}" for n in range(120)]
    tasks = [asyncio.create_task(reads.get(key)) for key in keys]
    await asyncio.sleep(0)
    upstream.gate.set()
    await bounded(opener)
    assert [await bounded(task) for task in tasks] == [f"value-of-{key}" for key in keys]
    assert [len(call) for call in upstream.calls] == [1, 50, 50, 20]


async def test_batches_respect_max_chars() -> None:
    upstream = Upstream()
    reads = coalescer(upstream, max_chars=10, window=0.01)
    upstream.gate.clear()
    opener = asyncio.create_task(reads.get("x"))
    await bounded(upstream.started.wait())
    tasks = [asyncio.create_task(reads.get(key)) for key in ("aaaa", "bbbb", "cccc", "dddddddddddddd")]
    await asyncio.sleep(0)
    upstream.gate.set()
    await bounded(opener)
    for task in tasks:
        await bounded(task)
    assert upstream.calls[1:] == [["aaaa", "bbbb"], ["cccc"], ["dddddddddddddd"]]


async def test_a_key_xentral_refuses_fails_alone() -> None:
    upstream = Upstream(bad="C")
    reads = coalescer(upstream, window=0.01)
    upstream.gate.clear()
    opener = asyncio.create_task(reads.get("opener"))
    await bounded(upstream.started.wait())
    tasks = {key: asyncio.create_task(reads.get(key)) for key in "ABCDE"}
    await asyncio.sleep(0)
    upstream.gate.set()
    await bounded(opener)
    for key, task in tasks.items():
        if key == "C":
            with pytest.raises(Refused):
                await bounded(task)
        else:
            assert await bounded(task) == f"value-of-{key}"
    assert ["C"] in upstream.calls


async def test_an_outage_is_not_split_every_caller_gets_it() -> None:
    upstream = Upstream(bad="C", error=Outage)
    reads = coalescer(upstream, window=0.01)
    upstream.gate.clear()
    opener = asyncio.create_task(reads.get("opener"))
    await bounded(upstream.started.wait())
    tasks = [asyncio.create_task(reads.get(key)) for key in "ABCDE"]
    await asyncio.sleep(0)
    upstream.gate.set()
    await bounded(opener)
    for task in tasks:
        with pytest.raises(Outage):
            await bounded(task)
    assert upstream.calls == [["opener"], list("ABCDE")]


async def test_a_key_the_fetch_did_not_answer_fails_only_its_caller() -> None:
    async def forgetful(keys: list[str]) -> Mapping[str, str]:
        return {key: key.lower() for key in keys if key != "B"}

    reads: ReadCoalescer[str, str] = ReadCoalescer(forgetful, window=LONG)
    results = await bounded(asyncio.gather(reads.get("A"), reads.get("B"), return_exceptions=True))
    assert results[0] == "a"
    assert isinstance(results[1], LookupError)  # type: ignore[index]


async def test_a_cancelled_caller_leaves_the_shared_call_to_the_others() -> None:
    upstream = Upstream()
    reads = coalescer(upstream, window=0.01)
    upstream.gate.clear()
    opener = asyncio.create_task(reads.get("opener"))
    await bounded(upstream.started.wait())
    quitter = asyncio.create_task(reads.get("A"))
    stayer = asyncio.create_task(reads.get("A"))
    await asyncio.sleep(0)
    quitter.cancel()
    upstream.gate.set()
    assert await bounded(opener) == "value-of-opener"
    assert await bounded(stayer) == "value-of-A"
    assert quitter.cancelled()


async def test_shared_in_flight_reads_join_the_open_call() -> None:
    upstream = Upstream()
    reads = coalescer(upstream, share_in_flight=True)
    upstream.gate.clear()
    first = asyncio.create_task(reads.get("A"))
    await bounded(upstream.started.wait())
    second = asyncio.create_task(reads.get("A"))
    await asyncio.sleep(0)
    upstream.gate.set()
    assert await bounded(first) == await bounded(second) == "value-of-A"
    assert upstream.calls == [["A"]]


async def test_reads_that_must_be_fresh_wait_for_a_call_started_after_them() -> None:
    upstream = Upstream()
    reads = coalescer(upstream, window=0.01)  # share_in_flight off: e.g. the duplicate check
    upstream.gate.clear()
    first = asyncio.create_task(reads.get("A"))
    await bounded(upstream.started.wait())
    second = asyncio.create_task(reads.get("A"))
    await asyncio.sleep(0)
    upstream.gate.set()
    assert await bounded(first) == await bounded(second) == "value-of-A"
    assert upstream.calls == [["A"], ["A"]]


async def test_window_zero_switches_coalescing_off() -> None:
    upstream = Upstream()
    reads = coalescer(upstream, window=0)
    assert not reads.enabled
    await bounded(asyncio.gather(*(reads.get(key) for key in "ABC")))
    assert sorted(upstream.calls) == [["A"], ["B"], ["C"]]


async def test_an_unhurried_callers_key_waits_for_others_and_goes_with_the_first_hurried_one() -> None:
    upstream = Upstream()
    patient = contextvars.ContextVar("patient", default=False)
    reads = coalescer(upstream, patience=lambda: LONG if patient.get() else None)

    async def unhurried_get(key: str) -> str:
        patient.set(True)
        return await reads.get(key)

    waiting = [asyncio.create_task(unhurried_get(key)) for key in ("A", "B")]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert upstream.calls == []  # in no hurry: waiting for others
    assert await bounded(reads.get("C")) == "value-of-C"  # a hurried caller alone goes out at once, with them
    assert [await bounded(task) for task in waiting] == ["value-of-A", "value-of-B"]
    assert upstream.calls == [["A", "B", "C"]]


async def test_an_unhurried_caller_alone_goes_out_after_its_own_wait() -> None:
    upstream = Upstream()
    reads = coalescer(upstream, patience=lambda: 0.01)
    assert await bounded(reads.get("A")) == "value-of-A"
    assert upstream.calls == [["A"]]
