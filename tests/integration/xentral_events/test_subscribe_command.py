"""`unified-order-api subscribe-xentral` against the sandbox: creates, then changes nothing; repairs a changed
subscription; two at once leave exactly one; the key is never printed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from unified_order_api.cli import main
from xentral_sandbox.testing import SandboxHandle

PUBLIC = "https://orders.example.com"


@pytest.fixture
def configured(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxHandle:
    monkeypatch.setenv("UOA_XENTRAL_URL", sandbox.base_url)
    monkeypatch.setenv("UOA_XENTRAL_TOKEN", sandbox.token)
    monkeypatch.setenv("UOA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/orders.db")
    monkeypatch.setenv("UOA_XENTRAL_EVENTS__PUBLIC_URL", PUBLIC)
    return sandbox


def test_created_then_unchanged_then_repaired(configured: SandboxHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscribe-xentral"]) == 0
    assert main(["subscribe-xentral"]) == 0
    out = capsys.readouterr().out
    assert "default: created subscription 1" in out and "default: unchanged subscription 1" in out
    [hook] = configured.state.webhooks.values()
    assert hook["url"] == f"{PUBLIC}/api/xentral/default/events" and hook["signatureKey"] not in out
    key = hook["signatureKey"]
    hook["events"], hook["signatureKey"] = [], "x" * 20  # someone changed it in Xentral
    assert main(["subscribe-xentral"]) == 0
    assert "default: updated subscription 1" in capsys.readouterr().out
    assert configured.state.webhooks["1"]["signatureKey"] == key and configured.state.webhooks["1"]["events"]


def test_two_at_once_leave_exactly_one(configured: SandboxHandle) -> None:
    codes: list[int] = []
    runs = [threading.Thread(target=lambda: codes.append(main(["subscribe-xentral"]))) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    assert codes == [0, 0]
    assert len(configured.state.webhooks) == 1


def test_without_a_public_url_it_says_so(configured: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UOA_XENTRAL_EVENTS__PUBLIC_URL")
    assert main(["subscribe-xentral"]) == 2
    assert configured.state.webhooks == {}
