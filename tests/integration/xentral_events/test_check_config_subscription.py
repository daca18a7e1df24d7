"""`check-config` shows each instance's event subscription as Xentral holds it — missing, found, URL differs,
events missing, duplicates — and the service's stored status of it; it never prints the signature key."""

from __future__ import annotations

from pathlib import Path

import pytest

from unified_order_api.cli import main
from xentral_sandbox.testing import SandboxHandle

PUBLIC = "https://orders.example.com"
WANTED = f"{PUBLIC}/api/xentral/default/events"


@pytest.fixture
def configured(sandbox: SandboxHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxHandle:
    monkeypatch.setenv("UOA_XENTRAL_URL", sandbox.base_url)
    monkeypatch.setenv("UOA_XENTRAL_TOKEN", sandbox.token)
    monkeypatch.setenv("UOA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/orders.db")
    monkeypatch.setenv("UOA_XENTRAL_EVENTS__PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("UOA_CLIENTS", '[{"name": "shop", "api_key": "shop-key-0123456789"}]')
    return sandbox


OUTPUTS: list[str] = []


def subscription_row(capsys: pytest.CaptureFixture[str]) -> str:
    """check-config's row of the default instance's subscription (every output is kept, to look for the key)."""
    main(["check-config"])
    out = capsys.readouterr().out
    OUTPUTS.append(out)
    [row] = [line for line in out.splitlines() if "xentral_events.subscription" in line]
    return row


def test_each_state_of_the_subscription_is_shown_and_the_key_never(
    configured: SandboxHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    row = subscription_row(capsys)
    assert WANTED in row and "PROBLEM: Xentral holds no subscription of ours" in row
    assert main(["subscribe-xentral"]) == 0
    capsys.readouterr()
    [hook] = configured.state.webhooks.values()
    key = hook["signatureKey"]
    shown = [subscription_row(capsys)]
    assert shown[0].endswith("OK") and f"subscription {hook['id']}; no verified event yet" in shown[0]

    hook["events"] = [event for event in hook["events"] if "shipment.created" not in event]
    shown.append(subscription_row(capsys))
    assert "PROBLEM: events missing: shipment.created" in shown[-1]

    hook["url"], hook["name"] = "https://elsewhere.example.com/hook", "uoa-old"
    shown.append(subscription_row(capsys))
    assert "PROBLEM: Xentral holds no subscription of ours" in shown[-1]  # neither our name nor our URL
    hook["name"] = "unified-order-api"
    shown.append(subscription_row(capsys))
    assert "PROBLEM: it delivers to https://elsewhere.example.com/hook, not to this URL" in shown[-1]

    assert main(["subscribe-xentral"]) == 0  # repaired
    configured.state.webhooks["9"] = {**hook, "id": "9", "url": WANTED}  # and a second one of ours appeared
    capsys.readouterr()
    shown.append(subscription_row(capsys))
    assert "PROBLEM: 2 subscriptions of ours (9 too)" in shown[-1]
    assert len(shown) == 5 and all(key not in out for out in OUTPUTS)


def test_without_a_public_url_it_warns_that_tracking_polls(
    configured: SandboxHandle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("UOA_XENTRAL_EVENTS__PUBLIC_URL")
    main(["check-config"])
    [row] = [line for line in capsys.readouterr().out.splitlines() if "xentral_events.public_url" in line]
    assert "WARNING: not set: no Xentral webhooks, tracking polls every 30 s" in row
    assert configured.calls.count("GET /api/v1/webhooks") == 0
