"""Alerts every `serve` process raises alike are sent once across processes sharing the database: two
processes (two engines, two groups) see the same access-denied burst, the same expiring token, the same
unresolved order, and one digest goes out (`alerts/grouping.py`, `store/alert_claims.py`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from tests.support.clock import FakeClock
from unified_order_api.alerts import AlertDigest, AlertGroups, AlertKind
from unified_order_api.alerts.expiring_tokens import ExpiringTokens
from unified_order_api.alerts.triggers import access_denied_alerts
from unified_order_api.store import migrate
from unified_order_api.store.alert_claims import SqlAlertClaims
from unified_order_api.store.database import create_engine


class Channel:
    name = "test"

    def __init__(self) -> None:
        self.sent: list[AlertDigest] = []

    async def send(self, digest: AlertDigest) -> None:
        self.sent.append(digest)


@pytest.fixture
async def two_processes(database_url: str) -> AsyncIterator[tuple[list[AlertGroups], Channel, FakeClock]]:
    """Two processes' alert groups, each with its own engine on one database, sending to one receiver."""
    migrate.upgrade(database_url)
    engines = [create_engine(database_url), create_engine(database_url)]
    clock = FakeClock(dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC))
    channel = Channel()
    groups = [AlertGroups([channel], clock=clock, claims=SqlAlertClaims(engine)) for engine in engines]
    yield groups, channel, clock
    for engine in engines:
        await engine.dispose()


async def test_an_access_denied_burst_seen_by_two_processes_is_one_delivery(
    two_processes: tuple[list[AlertGroups], Channel, FakeClock],
) -> None:
    groups, channel, clock = two_processes
    hooks = [access_denied_alerts(each, "main", None) for each in groups]
    for _ in range(5):
        for hook in hooks:
            hook("orders.import", 401, 0.1)
    assert [await each.deliver() for each in groups] == [1, 0]
    [digest] = channel.sent
    assert digest.kind == AlertKind.XENTRAL_ACCESS_DENIED and digest.subjects == ("main",) and digest.count == 5
    hooks[1]("orders.import", 401, 0.1)  # the same window: the repeat is dropped
    assert await groups[1].deliver() == 0
    clock.advance(groups[0].window.total_seconds())  # the next window: named again, once
    for hook in hooks:
        hook("orders.import", 403, 0.1)
    assert sorted([await each.deliver() for each in groups]) == [0, 1]
    assert len(channel.sent) == 2


async def test_the_token_reminder_from_two_processes_is_one_delivery(
    two_processes: tuple[list[AlertGroups], Channel, FakeClock],
) -> None:
    groups, channel, clock = two_processes
    checks = [ExpiringTokens(each, {"main": dt.date(2026, 12, 10)}, clock=clock) for each in groups]
    assert [check.check() for check in checks] == [["main"], ["main"]]  # each process raises it
    assert [await each.deliver() for each in groups] == [1, 0]
    [digest] = channel.sent
    assert digest.kind == AlertKind.XENTRAL_TOKEN_EXPIRING and "in 2 days" in digest.details[0]
    clock.advance(dt.timedelta(days=1).total_seconds())  # the next day's reminder: once again
    assert [check.check() for check in checks] == [["main"], ["main"]]
    assert sorted([await each.deliver() for each in groups]) == [0, 1]
    assert len(channel.sent) == 2


async def test_only_the_repeated_subjects_are_dropped_the_others_are_sent(
    two_processes: tuple[list[AlertGroups], Channel, FakeClock],
) -> None:
    groups, channel, _clock = two_processes
    remind = dt.timedelta(hours=1)
    for each in groups:
        each.raise_alert(AlertKind.OUTCOME_UNRESOLVED, "shop/R-1", "lookup unanswered", once_per=remind)
    groups[1].raise_alert(AlertKind.OUTCOME_UNRESOLVED, "shop/R-2", "lookup unanswered", once_per=remind)
    groups[1].raise_alert(AlertKind.ORDER_FAILED, "shop/R-3", "xentral_rejected")  # one process's event
    assert [await each.deliver() for each in groups] == [1, 2]
    by_kind = {digest.kind: digest for digest in channel.sent}
    assert sorted(s for d in channel.sent if d.kind == AlertKind.OUTCOME_UNRESOLVED for s in d.subjects) == [
        "shop/R-1",
        "shop/R-2",
    ]
    assert by_kind[AlertKind.ORDER_FAILED].subjects == ("shop/R-3",)
