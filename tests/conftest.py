from __future__ import annotations

import logging
import os
from collections.abc import Generator
from typing import Any

import pytest
import structlog

from tests.support.clock import clock
from tests.support.memory_store import memory_schema
from tests.support.sandbox import sandbox, sandbox_session
from tests.support.service import api, service_url, settings
from tests.support.spec import spec_path_fixture

# Tests are in tiers (unit, integration, contract, browser), each grouped by subject (orders, xentral,
# sandbox, shops, store, webhooks, console, service). The shared pieces are registered here for every
# tier: the one sandbox, the one fake clock, the running service, the spec's location and the schema
# of the in-memory store.
__all__ = [
    "api",
    "clock",
    "memory_schema",
    "sandbox",
    "sandbox_session",
    "service_url",
    "settings",
    "spec_path_fixture",
]

# Keep test output readable: our info-level request logs would interleave with pytest's dots.
structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

REQUIRE_ALL = "UOA_TEST_REQUIRE_ALL"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    """In CI (UOA_TEST_REQUIRE_ALL=1) a skipped test is a failure: every service and file is there."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get(REQUIRE_ALL) and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but {REQUIRE_ALL} is set: {report.longrepr}"
