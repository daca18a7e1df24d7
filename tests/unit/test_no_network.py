"""The unit tier's guard trips: a test that opens a socket or starts a process fails, whatever it catches."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys

import pytest

from tests.support.no_network import NetworkInUnitTest, no_network

# A unit test module as someone might write it by mistake, run under this tier's conftest.
_LEAKY_TESTS = """
import socket, subprocess, sys

def test_connects():
    socket.create_connection(("127.0.0.1", 9), timeout=0.1)

def test_binds():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))

def test_swallows_the_refusal():
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=0.1)
    except Exception:
        pass

def test_resolves_a_name():
    socket.getaddrinfo("xentral.example", 443)

def test_starts_a_process():
    subprocess.run([sys.executable, "-c", "pass"], check=True)

def test_stays_in_the_process():
    assert sum([1, 2]) == 3
"""


def test_a_unit_test_that_opens_a_socket_or_starts_a_process_fails(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        "from tests.support.no_network import pytest_runtest_call, pytest_runtest_setup, pytest_runtest_teardown\n"
    )
    pytester.makepyfile(test_leaky=_LEAKY_TESTS)
    run = pytester.inline_run("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")
    run.assertoutcome(passed=1, failed=5)
    failures = {report.head_line: str(report.longrepr) for report in run.getfailures()}
    assert "must not connect a socket (AF_INET ('127.0.0.1', 9))" in failures["test_connects"]
    assert "must not bind a socket (AF_INET ('127.0.0.1', 0))" in failures["test_binds"]
    assert "must not connect a socket" in failures["test_swallows_the_refusal"]  # failed although caught
    assert "must not resolve a host name ('xentral.example')" in failures["test_resolves_a_name"]
    assert "must not start a process" in failures["test_starts_a_process"]


def test_the_guard_refuses_connect_bind_and_processes_and_then_stands_down() -> None:
    def patched() -> tuple[object, ...]:
        connect, bind = socket.socket.__dict__.get("connect"), socket.socket.__dict__.get("bind")
        return connect, bind, subprocess.Popen.__init__, socket.getaddrinfo

    before = patched()
    with no_network() as refused:
        with pytest.raises(NetworkInUnitTest), socket.socket() as sock:
            sock.connect(("127.0.0.1", 9))
        with pytest.raises(NetworkInUnitTest), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
        with pytest.raises(NetworkInUnitTest):
            subprocess.Popen([sys.executable, "-c", "pass"])
        with pytest.raises(NetworkInUnitTest):
            socket.getaddrinfo("xentral.example", 80)
        assert socket.getaddrinfo("localhost", 80)  # the hosts file answers
        assert socket.getaddrinfo("127.0.0.1", 80, type=socket.SOCK_STREAM)[0][4] == ("127.0.0.1", 80)
    assert len(refused) == 4
    # What was there before is back (this tier's own guard, around this very test).
    assert patched() == before


async def test_asyncio_still_runs_on_its_self_pipe() -> None:
    """The event loop wakes itself through `socket.socketpair`, which the guard leaves alone."""
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"x")
        assert right.recv(1) == b"x"
    assert await asyncio.wait_for(asyncio.sleep(0, result="ran"), timeout=1) == "ran"
