"""The webhook tests' shared signing secret, for the unit tests that sign with it."""

from __future__ import annotations

from tests.integration.webhooks.conftest import SECRET

__all__ = ["SECRET"]
