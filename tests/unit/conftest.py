"""The unit tier: no sockets, no processes, no server, no database but SQLite in memory; `make test-fast` runs it.

The guard (`tests.support.no_network`) fails any test here that connects or binds a socket or
starts a subprocess; such a test belongs in `tests/integration`.
"""

from __future__ import annotations

from tests.support.no_network import pytest_runtest_call, pytest_runtest_setup, pytest_runtest_teardown

__all__ = ["pytest_runtest_call", "pytest_runtest_setup", "pytest_runtest_teardown"]
