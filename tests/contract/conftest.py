"""The contract tier: our client and the sandbox checked against Xentral's official OpenAPI spec.

The spec is never copied into the repository: `XENTRAL_OPENAPI_SPEC`, else `../shared/xentral/`
beside the checkout (`tests/support/spec.py`). The sandbox the contract is checked on, and the HTTP
client on it, are the sandbox's own tests' (`tests/integration/sandbox/conftest.py`).
"""

from __future__ import annotations

from tests.integration.sandbox.conftest import *  # noqa: F403
