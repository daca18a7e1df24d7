"""The unit tests' Xentral client on a recording transport, for the integration tests that use it too."""

from __future__ import annotations

from tests.unit.xentral.conftest import client, recorder

__all__ = ["client", "recorder"]
