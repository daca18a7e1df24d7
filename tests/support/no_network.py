"""The unit tier's promise, enforced: a test there that opens a socket or starts a process fails.

`tests/unit/conftest.py` imports the three hook wrappers below, so the guard is up for each unit
test's setup (session fixtures included), call and teardown, and for no other tier. Connecting or
binding any Python socket (TCP, UDP or Unix), resolving a host name (an address literal or `localhost` is fine) and
starting a subprocess raise `NetworkInUnitTest`.
The error is also remembered and fails the test afterwards, so code that catches broad exceptions
(a retry loop, a readiness probe) cannot swallow it. `socket.socketpair` is left alone: asyncio's
event loop wakes itself through one, and it reaches nothing outside the process.

What is not caught: connections made in C below Python's socket module (libpq); the unit tier has
no reason to load those drivers.
"""

from __future__ import annotations

import ipaddress
import socket
import subprocess
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

__all__ = [
    "NetworkInUnitTest",
    "no_network",
    "pytest_runtest_call",
    "pytest_runtest_setup",
    "pytest_runtest_teardown",
]


class NetworkInUnitTest(RuntimeError):
    """Raised where a unit test opened a socket or started a process (not an OSError: nothing retries it)."""


@contextmanager
def no_network() -> Iterator[list[str]]:
    """Refuse socket connects/binds and subprocesses inside the block; yields what was refused."""
    refused: list[str] = []

    def refuse(what: str) -> Callable[..., Any]:
        def refused_call(self: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
            family = getattr(self, "family", None)
            message = f"a unit test must not {what} ({getattr(family, 'name', 'process')} {target!r}); "
            message += "move it to tests/integration or give it a fake"
            refused.append(message)
            raise NetworkInUnitTest(message)

        return refused_call

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if _is_local(host):
            return real_getaddrinfo(host, *args, **kwargs)  # answered from the hosts file, asking no one
        message = f"a unit test must not resolve a host name ({host!r}); give it a fake resolver"
        refused.append(message)
        raise NetworkInUnitTest(message)

    real_getaddrinfo = socket.getaddrinfo
    replacements: dict[tuple[Any, str], Callable[..., Any]] = {
        (socket, "getaddrinfo"): resolve,
        (socket.socket, "connect"): refuse("connect a socket"),
        (socket.socket, "connect_ex"): refuse("connect a socket"),
        (socket.socket, "bind"): refuse("bind a socket"),
        (subprocess.Popen, "__init__"): refuse("start a process"),
    }
    # What each class itself held (None: the method was inherited, as socket's are from `_socket`).
    originals = {(owner, name): owner.__dict__.get(name) for owner, name in replacements}
    for (owner, name), replacement in replacements.items():
        setattr(owner, name, replacement)
    try:
        yield refused
    finally:
        for (owner, name), original in originals.items():
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


def _is_local(host: Any) -> bool:
    """An address literal or `localhost`: resolved without asking a name server."""
    name = host.decode() if isinstance(host, bytes) else host
    if name is None or name.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _guarded(phase: str) -> Generator[None, object, object]:
    with no_network() as refused:
        result = yield
    if refused:
        pytest.fail(f"{phase}: {refused[0]}", pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _guarded("setup"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _guarded("call"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    return (yield from _guarded("teardown"))
