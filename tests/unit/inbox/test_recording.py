"""The edge's recorder: refusals (4xx) and ignored shop arrivals are recorded before the answer's end leaves,
answers that are neither are not, and a dry run is not."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from unified_order_api.inbox import InboxEntry, InboxPage, InboxQuery, NewInboxEntry, Replay
from unified_order_api.inbox.limits import SourceLimiter
from unified_order_api.inbox.recording import InboxRecording, RefusalRecorder


class ListInbox:
    def __init__(self) -> None:
        self.added: list[NewInboxEntry] = []

    async def add(self, entry: NewInboxEntry) -> int:
        self.added.append(entry)
        return len(self.added)

    async def search(self, query: InboxQuery) -> InboxPage:
        raise NotImplementedError

    async def get(self, entry_id: int) -> InboxEntry | None:
        raise NotImplementedError

    async def add_replay(self, entry_id: int, replay: Replay) -> None:
        raise NotImplementedError

    async def codes(self) -> list[str]:
        return []

    async def purge(self, older_than: dt.datetime) -> int:
        return 0


def answering(status: int, body: dict[str, Any]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": json.dumps(body).encode(), "more_body": False})

    return app


def call(
    app: Any, path: str, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[list[Message], ListInbox]:
    inbox = ListInbox()
    recorder = RefusalRecorder(app, lambda scope: InboxRecording(inbox, 1024, SourceLimiter(10)))
    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": headers or [(b"content-type", b"application/json"), (b"x-api-key", b"secret-key-1")],
        "client": ("10.0.0.7", 5000),
        "state": {"request_id": "r-1"},
    }
    chunks = [body[:5], body[5:]]
    sent: list[Message] = []

    async def receive() -> Message:
        chunk = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def send(message: Message) -> None:
        sent.append({**message, "entries_then": len(inbox.added)})

    asyncio.run(recorder(scope, receive, send))
    return sent, inbox


def test_a_refusal_is_recorded_with_its_problem_before_the_answer_ends() -> None:
    problem = {"code": "order_invalid", "detail": "Item X not found", "errors": [{"pointer": "/items/0/sku"}]}
    sent, inbox = call(answering(422, problem), "/api/orders", b'{"reference": "R-9", "items": []}')
    [entry] = inbox.added
    assert sent[-1]["entries_then"] == 1  # in the inbox before the last part of the answer left
    assert (entry.channel, entry.status, entry.outcome, entry.code, entry.reference) == (
        "orders",
        422,
        "refused",
        "order_invalid",
        "R-9",
    )
    assert entry.errors == [{"pointer": "/items/0/sku", "code": "", "detail": ""}]
    assert entry.source == "10.0.0.7" and entry.request_id == "r-1" and entry.headers["x-api-key"] == "••••••"


def test_an_ignored_shop_arrival_is_recorded_and_an_accepted_one_is_not() -> None:
    ignored = answering(200, {"outcome": "ignored", "reason": "Topic 'order.deleted' creates no order"})
    _, inbox = call(ignored, "/api/shops/w/woocommerce", b"{}")
    [entry] = inbox.added
    assert (entry.channel, entry.client, entry.shop, entry.outcome) == ("shop", "w", "woocommerce", "ignored")
    _, inbox = call(answering(202, {"outcome": "accepted"}), "/api/shops/w/woocommerce", b"{}")
    assert inbox.added == []


def test_a_dry_run_and_other_paths_are_not_recorded() -> None:
    dry = [(b"content-type", b"application/json"), (b"prefer", b"dry-run")]
    _, inbox = call(answering(422, {"code": "order_invalid"}), "/api/orders", b"{}", dry)
    assert inbox.added == []
    _, inbox = call(answering(404, {"code": "not_found"}), "/api/admin/webhooks/deliveries/x/redeliver", b"{}")
    assert inbox.added == []
