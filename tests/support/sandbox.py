"""The one Xentral sandbox the tests talk to: started once per test session, reset before every test.

Its budget is far above what a test run sends, so Xentral's `X-RateLimit-*` headers come with every
answer (as from the real Xentral) without any test being limited. A test that needs another
configuration (a tight rate limit, duplicate references refused) starts its own with
`running_sandbox(SandboxConfig(...))`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

SESSION_CONFIG = SandboxConfig(rate_limit=100_000)


@pytest.fixture(scope="session")
def sandbox_session() -> Iterator[SandboxHandle]:
    """The running sandbox, for fixtures wider than one test; reset it before use."""
    with running_sandbox(SESSION_CONFIG) as handle:
        yield handle


@pytest.fixture
def sandbox(sandbox_session: SandboxHandle) -> SandboxHandle:
    """The sandbox with its seed data, readings and tokens back, no faults and an empty call log."""
    sandbox_session.reset()
    return sandbox_session
