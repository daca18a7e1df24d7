"""Browser tests drive the console in headless Chromium, on the console's integration fixtures."""

from __future__ import annotations

from tests.integration.console.conftest import *  # noqa: F403
from tests.integration.console.conftest import ADMIN_KEY, PREFIX

__all__ = ["ADMIN_KEY", "PREFIX"]
