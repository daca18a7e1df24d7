"""A token deleted from the command line's sandbox answers 401 over HTTP."""

from __future__ import annotations

import httpx

from xentral_sandbox.testing import SandboxHandle


def test_a_deleted_token_answers_401(sandbox: SandboxHandle) -> None:
    sandbox.state.tokens["short-lived"] = None
    headers = {"Authorization": "Bearer short-lived"}
    assert httpx.get(f"{sandbox.base_url}/api/v2/customers", headers=headers).status_code == 200
    deleted = httpx.delete(f"{sandbox.base_url}/_sandbox/tokens/short-lived", headers=sandbox.admin_headers)
    assert deleted.status_code == 204
    assert httpx.get(f"{sandbox.base_url}/api/v2/customers", headers=headers).status_code == 401
