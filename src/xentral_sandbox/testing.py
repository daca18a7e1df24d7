"""`running_sandbox()`: a real HTTP sandbox on loopback for one test (or one session), cleaned up on exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .admin import ADMIN_HEADER
from .app import create_app
from .calllog import CallLog
from .config import SandboxConfig
from .delivery import EventFaults, WebhookDelivery
from .faults import FaultInjector
from .server import Background
from .state import SandboxState, tokens_of

ACCEPT = "application/json, application/problem+json, text/html;q=0.5"


@dataclass(frozen=True)
class SandboxHandle:
    base_url: str  # e.g. "http://127.0.0.1:54321", no trailing slash
    token: str  # send as "Authorization: Bearer <token>"
    state: SandboxState
    faults: FaultInjector
    calls: CallLog
    delivery: WebhookDelivery  # the webhook subscriptions' deliveries: their log, `idle()`
    event_faults: EventFaults  # faults of those deliveries: lost, duplicated, late, out of order, wrong key

    @property
    def headers(self) -> dict[str, str]:
        """Auth + Accept headers a well-behaved client sends: JSON for reads, problem+json for errors, and the
        empty text/html every create answers 201 with (a bare `application/json` gets 406 there)."""
        return {"Authorization": f"Bearer {self.token}", "Accept": ACCEPT}

    @property
    def admin_headers(self) -> dict[str, str]:
        return {ADMIN_HEADER: self.token}

    def reset(self) -> None:
        """Seed data back, faults and call log cleared (rate-limit windows are kept; see /_sandbox/reset)."""
        self.delivery.idle(timeout=5.0)  # a delivery still under way must not reach the next test
        self.state.reset()
        self.faults.clear()
        self.calls.clear()
        self.event_faults.clear()
        self.delivery.clear()


@contextmanager
def running_sandbox(config: SandboxConfig | None = None) -> Iterator[SandboxHandle]:
    config = config or SandboxConfig()
    app = create_app(SandboxState(config.seed_path, config.readings, tokens_of(config)), config)
    server = Background(app)
    server.start()
    try:
        yield SandboxHandle(
            server.base_url, config.token, app.state, app.faults, app.calls, app.delivery, app.event_faults
        )
    finally:
        app.delivery.stop()
        server.stop()
