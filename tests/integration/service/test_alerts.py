"""The operators' alert channel end to end: Xentral refusing the token raises one grouped alert, delivered
as a Standard Webhooks message (verified with the `standardwebhooks` library) and as an e-mail to a local
SMTP server (aiosmtpd)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from standardwebhooks import Webhook

from tests.integration.console.conftest import ADMIN_KEY, form_value, sign_in
from tests.integration.console.test_retries import attempt_id
from tests.integration.shops.test_shops import shop_clients, shopify_rest_order, signed
from tests.support.orders import order_body, orders_with_reference
from tests.support.processes import free_port
from tests.support.receiver import Receiver
from tests.support.servers import running_service
from tests.support.service import API_KEY, service_settings
from unified_order_api.config import ApiClient
from xentral_sandbox.config import SandboxConfig
from xentral_sandbox.testing import SandboxHandle, running_sandbox

ALERT_SECRET = "whsec_" + base64.b64encode(b"operator-alerts-0123456789abcdef").decode()


class Mailbox:
    """aiosmtpd's handler: every message it is handed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as resources:
        yield resources


@pytest.fixture
def alert_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def test_xentral_refusing_the_token_is_one_alert_by_signed_webhook_and_by_mail(
    sandbox: SandboxHandle, tmp_path: Path, alert_receiver: Receiver, mailbox: tuple[Mailbox, int]
) -> None:
    box, smtp_port = mailbox
    settings = service_settings(
        sandbox,
        tmp_path,
        xentral_token="revoked-token",
        alerts={
            "webhook_url": alert_receiver.url,
            "webhook_secret": ALERT_SECRET,
            "email_to": ["ops@example.com"],
            "email_from": "orders@example.com",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "window_seconds": 1.0,
        },
        webhooks={"allow_private_targets": ["loopback"], "poll_interval_seconds": 0.05},
    )
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        for _ in range(3):
            refused = api.post("/api/orders", json=order_body())
            assert refused.status_code == 502 and refused.json()["code"] == "xentral_access_denied"
        [request] = alert_receiver.wait_for(1, timeout=15)
        deadline = time.monotonic() + 10
        while not box.messages:
            assert time.monotonic() < deadline, "no alert e-mail arrived"
            time.sleep(0.05)
        time.sleep(1.5)  # one more window: the three orders were one alert, not three
    assert len(alert_receiver.received()) == 1 and len(box.messages) == 1

    payload = Webhook(ALERT_SECRET).verify(request.body, request.headers)
    assert payload["type"] == "alert.raised"
    alert = payload["data"]
    assert alert["kind"] == "xentral_access_denied" and alert["count"] >= 3
    assert alert["subjects"] == ["default"] and "token" in alert["action"]
    assert "revoked-token" not in json.dumps(payload)

    [mail] = box.messages
    assert mail["To"] == "ops@example.com" and mail["From"] == "orders@example.com"
    assert "Xentral refused the service's token" in mail["Subject"]
    text = mail.get_payload(decode=True).decode()
    assert "What to do:" in text and "revoked-token" not in text


def _alerts_to(receiver: Receiver, **more: Any) -> dict[str, Any]:
    return {"webhook_url": receiver.url, "webhook_secret": ALERT_SECRET, "window_seconds": 0.5, **more}


def _alert(request: Any) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(ALERT_SECRET).verify(request.body, request.headers)
    return dict(payload["data"])


def test_repeated_wrong_shop_signatures_are_alerted_once_they_repeat(
    sandbox: SandboxHandle, tmp_path: Path, alert_receiver: Receiver
) -> None:
    settings = service_settings(
        sandbox,
        tmp_path,
        clients=shop_clients(),
        alerts=_alerts_to(alert_receiver, signature_failures=2),
        webhooks={"allow_private_targets": ["loopback"], "poll_interval_seconds": 0.05},
    )
    body = shopify_rest_order()
    with running_service(settings) as url, httpx.Client(base_url=url) as client:
        forged = signed("shopify", body, secret="not-the-secret")
        assert client.post("/api/shops/shopify/shopify", content=body, headers=forged).status_code == 401
        time.sleep(1.2)  # two windows: one wrong signature is not worth an alert
        assert alert_receiver.received() == []
        assert client.post("/api/shops/shopify/shopify", content=body, headers=forged).status_code == 401
        [request] = alert_receiver.wait_for(1, timeout=15)
    alert = _alert(request)
    assert alert["kind"] == "shop_signature_failures" and alert["count"] == 2
    assert alert["subjects"] == ["shopify/shopify"] and "secret" in alert["action"]


def test_a_callback_that_gave_up_is_alerted_with_its_order(
    sandbox: SandboxHandle, tmp_path: Path, alert_receiver: Receiver
) -> None:
    down = Receiver()
    down.stop()  # the client's endpoint refuses every connection
    shop = ApiClient(name="shop", api_key=API_KEY, webhook_url=down.url, webhook_secret=ALERT_SECRET)
    settings = service_settings(
        sandbox,
        tmp_path,
        clients=[shop],
        alerts=_alerts_to(alert_receiver),
        webhooks={
            "allow_private_targets": ["loopback"],
            "poll_interval_seconds": 0.05,
            "schedule_seconds": [0.1],
            "jitter": 0.0,
        },
    )
    body = order_body()
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        assert api.post("/api/orders", json=body).status_code == 201
        [request] = alert_receiver.wait_for(1, timeout=15)
    alert = _alert(request)
    assert alert["kind"] == "webhook_dead" and alert["subjects"] == [f"shop/{body['reference']}"]
    assert "order.created to 127.0.0.1" in alert["details"][0] and "redeliver" in alert["action"]


def test_an_expiring_and_an_expired_token_are_one_alert_by_signed_webhook_and_by_mail(
    sandbox: SandboxHandle, tmp_path: Path, alert_receiver: Receiver, mailbox: tuple[Mailbox, int], stack: ExitStack
) -> None:
    """The token expiry check of a running service (the default instance's token due in 13 days, a second
    instance's expired yesterday), checked every 0.1 s: one digest naming both, by webhook and by mail."""
    box, smtp_port = mailbox
    archive = stack.enter_context(running_sandbox(SandboxConfig(rate_limit=None, token="archive-instance-token")))
    today = dt.datetime.now(dt.UTC).date()
    soon, gone = today + dt.timedelta(days=13), today - dt.timedelta(days=1)
    settings = service_settings(
        sandbox,
        tmp_path,
        xentral_token_expires=soon,
        xentral_instances={"archive": {"url": archive.base_url, "token": archive.token, "token_expires": gone}},
        alerts={
            "webhook_url": alert_receiver.url,
            "webhook_secret": ALERT_SECRET,
            "email_to": ["ops@example.com"],
            "email_from": "orders@example.com",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "window_seconds": 0.5,
            "token_check_seconds": 0.1,  # five checks a window: still one alert, and no reminder the same day
        },
        webhooks={"allow_private_targets": ["loopback"], "poll_interval_seconds": 0.05},
    )
    with running_service(settings):
        [request] = alert_receiver.wait_for(1, timeout=15)
        deadline = time.monotonic() + 10
        while not box.messages:
            assert time.monotonic() < deadline, "no alert e-mail arrived"
            time.sleep(0.05)
        time.sleep(2.0)  # four more windows of checks
    assert len(alert_receiver.received()) == 1 and len(box.messages) == 1

    payload = Webhook(ALERT_SECRET).verify(request.body, request.headers)
    alert = payload["data"]
    assert payload["type"] == "alert.raised" and alert["kind"] == "xentral_token_expiring"
    assert alert["subjects"] == ["default", "archive"] and alert["count"] == 2
    expiring = f"default: token expires on {soon.isoformat()} 00:00 UTC, in "
    assert alert["details"][0] in (f"{expiring}12 days", f"{expiring}13 days")  # 13 days from today's start
    assert alert["details"][1].startswith(f"archive: token expired on {gone.isoformat()} 00:00 UTC")
    assert "UOA_XENTRAL_TOKEN_EXPIRES" in alert["action"] and sandbox.token not in json.dumps(payload)

    [mail] = box.messages
    assert mail["To"] == "ops@example.com" and "A Xentral token expires soon" in mail["Subject"]
    text = mail.get_payload(decode=True).decode()
    assert f"default: token expires on {soon.isoformat()}" in text and f"archive: token expired on {gone}" in text
    assert "What to do: Create a new Personal Access Token" in text and sandbox.token not in text


def _alerts(receiver: Receiver) -> list[dict[str, Any]]:
    return [_alert(request) for request in receiver.received()]


def _until(check: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_an_order_left_without_an_outcome_is_alerted_unresolved_and_then_failed(
    sandbox: SandboxHandle, tmp_path: Path, alert_receiver: Receiver
) -> None:
    """The reconciler's findings as `serve` wires them: Xentral answers no lookup, so the order is named as
    unresolved past the attention time, and as failed once the reconciler gives up on it; the console's
    Retry then creates it, once."""
    settings = service_settings(
        sandbox,
        tmp_path,
        admin_api_key=ADMIN_KEY,
        alerts=_alerts_to(alert_receiver),
        idempotency={"unknown_outcome_retry_seconds": 0.3, "upstream_check": "when_unsure"},
        reconciler={"poll_seconds": 0.1, "recheck_seconds": 0.2, "attention_seconds": 0.5, "give_up_days": 4 / 86400},
        webhooks={"allow_private_targets": ["loopback"], "poll_interval_seconds": 0.05},
        xentral_max_attempts=1,
    )
    body = order_body()
    subject = f"shop/{body['reference']}"
    sandbox.faults.server_error(500, count=1, method="POST", path="/api/v1/salesOrders/actions/import")
    sandbox.faults.server_error(503, count=None, method="GET", path="/api/v1/salesOrders")  # no lookup decides
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        answer = api.post("/api/orders", json=body)
        assert answer.status_code == 502 and answer.json()["code"] == "xentral_outcome_unknown", answer.text
        _until(lambda: any(a["kind"] == "order_failed" for a in _alerts(alert_receiver)), "no order_failed alert")
        time.sleep(1.0)  # two more windows: a failed order is no longer looked at
        sandbox.faults.clear()  # Xentral answers again: the operator does what the alert says, Retry
        with httpx.Client(base_url=url, timeout=30) as operator:
            assert sign_in(operator).status_code == 303
            number = attempt_id(operator, body["reference"])
            confirm = operator.get(f"/console/orders/{number}/retry").text
            done = operator.post(f"/console/orders/{number}/retry", data={"csrf": form_value(confirm, "csrf")})
            assert done.status_code == 303 and done.headers["location"].endswith("notice=retry_completed")
        assert api.get(f"/api/orders/{body['reference']}").json()["state"] == "completed"
    assert len(orders_with_reference(sandbox, body["reference"])) == 1
    alerts = _alerts(alert_receiver)
    # Looked at every 0.2 s for 4 s, eight windows: named once as unresolved (the reminder is an hour away).
    assert [alert["kind"] for alert in alerts] == ["outcome_unresolved", "order_failed"]
    unresolved = alerts[0]
    assert unresolved["subjects"] == [subject] and "reconciler" in unresolved["action"]
    assert "Needs attention" in unresolved["action"]
    failed = alerts[-1]
    assert failed["subjects"] == [subject] and failed["details"] == [f"{subject}: xentral_outcome_unresolved"]
    assert "Retry" in failed["action"]


def test_a_queued_order_failed_after_its_last_requeue_is_alerted(
    sandbox: SandboxHandle, tmp_path: Path, alert_receiver: Receiver
) -> None:
    settings = service_settings(
        sandbox,
        tmp_path,
        alerts=_alerts_to(alert_receiver),
        queue={"poll_seconds": 0.05, "max_requeues": 1, "backoff_cap_seconds": 0.1},
        webhooks={"allow_private_targets": ["loopback"], "poll_interval_seconds": 0.05},
        xentral_max_attempts=1,
    )
    body = order_body()
    sandbox.faults.server_error(status=503, count=None, method="GET", path="/api/v2/products")
    with running_service(settings) as url, httpx.Client(base_url=url, headers={"X-API-Key": API_KEY}) as api:
        assert api.post("/api/orders", json=body, headers={"Prefer": "respond-async"}).status_code == 202
        [request] = alert_receiver.wait_for(1, timeout=20)
        state = api.get(f"/api/orders/{body['reference']}").json()
    assert state["state"] == "failed"
    alert = _alert(request)
    assert alert["kind"] == "order_failed" and alert["subjects"] == [f"shop/{body['reference']}"]
    assert alert["details"] == [f"shop/{body['reference']}: {state['error']['code']}"]
