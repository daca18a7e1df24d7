"""Operator alerts grouped per kind per window: what a digest says, and that repeats are one message."""

from __future__ import annotations

import datetime as dt

from tests.support.clock import FakeClock
from unified_order_api.alerts import AlertDigest, AlertGroups, AlertKind
from unified_order_api.alerts.grouping import MAX_SUBJECTS
from unified_order_api.alerts.triggers import access_denied_alerts, finding_alerts
from unified_order_api.orders.attempts import Attempt, StepName
from unified_order_api.orders.reconciliation import Finding


class Channel:
    name = "test"

    def __init__(self) -> None:
        self.sent: list[AlertDigest] = []
        self.down = False

    async def send(self, digest: AlertDigest) -> None:
        if self.down:
            raise ConnectionError("channel down")
        self.sent.append(digest)


def _groups(channel: Channel, **at_least: int) -> tuple[AlertGroups, FakeClock]:
    clock = FakeClock(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC))
    kinds = {AlertKind(kind): count for kind, count in at_least.items()}
    return AlertGroups([channel], at_least=kinds, clock=clock), clock


async def test_repeats_of_one_kind_in_a_window_are_one_digest_naming_every_order() -> None:
    channel = Channel()
    groups, clock = _groups(channel)
    for n in range(30):
        groups.raise_alert(AlertKind.ORDER_FAILED, f"shop/R-{n}", "xentral_outcome_unresolved")
        clock.advance(1)
    groups.raise_alert(AlertKind.WEBHOOK_DEAD, "shop/R-1", "order.created to hooks.example: answered 500")
    assert await groups.deliver() == 2
    failed, dead = sorted(channel.sent, key=lambda digest: digest.kind.value)
    assert failed.kind == AlertKind.ORDER_FAILED and failed.count == 30 and len(failed.subjects) == 30
    assert failed.first_at == dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    assert failed.last_at == failed.first_at + dt.timedelta(seconds=29)
    body = failed.to_json()
    assert body["what"] == "Orders failed after their retries" and "Retry" in body["action"]
    assert "shop/R-7: xentral_outcome_unresolved" in failed.text()
    assert dead.count == 1
    assert await groups.deliver() == 0  # nothing new: nothing sent


async def test_a_digest_names_a_page_of_subjects_and_counts_the_rest() -> None:
    channel = Channel()
    groups, _clock = _groups(channel)
    for n in range(MAX_SUBJECTS + 7):
        groups.raise_alert(AlertKind.OUTCOME_UNRESOLVED, f"shop/R-{n}", "xentral_unavailable")
    await groups.deliver()
    [digest] = channel.sent
    assert len(digest.subjects) == MAX_SUBJECTS and digest.more == 7
    assert "and 7 more" in digest.text()


async def test_a_kind_that_needs_a_run_waits_for_it() -> None:
    channel = Channel()
    groups, _clock = _groups(channel, shop_signature_failures=3)
    groups.raise_alert(AlertKind.SHOP_SIGNATURE_FAILURES, "shop/shopify", "signature mismatch")
    groups.raise_alert(AlertKind.SHOP_SIGNATURE_FAILURES, "shop/shopify", "signature mismatch")
    assert await groups.deliver() == 0
    groups.raise_alert(AlertKind.SHOP_SIGNATURE_FAILURES, "shop/shopify", "signature mismatch")
    assert await groups.deliver() == 1
    [digest] = channel.sent
    assert digest.count == 3 and digest.subjects == ("shop/shopify",)


async def test_a_digest_a_channel_could_not_take_is_offered_again_with_the_next_window() -> None:
    channel = Channel()
    groups, _clock = _groups(channel)
    channel.down = True
    groups.raise_alert(AlertKind.XENTRAL_ACCESS_DENIED, "default", "list_projects answered 401")
    assert await groups.deliver() == 0
    channel.down = False
    groups.raise_alert(AlertKind.ORDER_FAILED, "shop/R-1", "xentral_access_denied")
    assert await groups.deliver() == 2
    assert {digest.kind for digest in channel.sent} == {AlertKind.XENTRAL_ACCESS_DENIED, AlertKind.ORDER_FAILED}


def test_without_a_channel_nothing_is_kept() -> None:
    groups = AlertGroups([])
    groups.raise_alert(AlertKind.ORDER_FAILED, "shop/R-1", "x")
    assert not groups.enabled and groups.digests() == []


def _attempt(created: dt.datetime, **changes: object) -> Attempt:
    attempt = Attempt.received(
        client="shop",
        key="R-1",
        reference="R-1",
        fingerprint="F",
        owner="o",
        now=created,
        lease_until=created,
        request=None,
        queued=False,
    )
    for name, value in changes.items():
        setattr(attempt, name, value)
    return attempt


async def test_the_reconcilers_findings_alert_a_failed_order_and_one_unresolved_past_attention() -> None:
    channel = Channel()
    groups, clock = _groups(channel)
    hook = finding_alerts(groups, dt.timedelta(minutes=10), clock)
    young = _attempt(clock.now)
    young.note(StepName.RECONCILER_CHECKED, clock.now, "xentral_unavailable: Xentral is unavailable")
    hook(young, Finding.UNKNOWN)  # unresolved, but not for long yet
    hook(young, Finding.FOUND)
    assert groups.digests() == []
    clock.advance(601)
    hook(young, Finding.UNKNOWN)
    hook(_attempt(clock.now, error={"code": "xentral_outcome_unresolved"}), Finding.GAVE_UP)
    unresolved, failed = sorted(groups.digests(), key=lambda digest: digest.kind.value, reverse=True)
    assert unresolved.kind == AlertKind.OUTCOME_UNRESOLVED
    assert unresolved.details == ("shop/R-1: xentral_unavailable: Xentral is unavailable",)
    assert failed.kind == AlertKind.ORDER_FAILED and failed.details == ("shop/R-1: xentral_outcome_unresolved",)


async def test_access_denied_answers_are_alerted_by_instance_and_still_counted() -> None:
    channel = Channel()
    groups, _clock = _groups(channel)
    counted: list[int] = []
    hook = access_denied_alerts(groups, "eu", lambda _operation, status, _seconds: counted.append(status))
    for status in (200, 401, 403, 500):
        hook("list_projects", status, 0.01)
    assert counted == [200, 401, 403, 500]
    [digest] = groups.digests()
    assert digest.kind == AlertKind.XENTRAL_ACCESS_DENIED and digest.count == 2 and digest.subjects == ("eu",)


async def test_an_order_that_stays_unresolved_is_named_once_and_again_only_after_the_reminder() -> None:
    channel = Channel()
    groups, clock = _groups(channel)
    hook = finding_alerts(groups, dt.timedelta(minutes=10), clock, remind=dt.timedelta(hours=1))
    stuck = _attempt(clock.now)
    clock.advance(601)
    for _ in range(30):  # the reconciler's recheck every minute, for half an hour
        hook(stuck, Finding.UNKNOWN)
        clock.advance(60)
    [digest] = groups.digests()
    assert digest.kind == AlertKind.OUTCOME_UNRESOLVED and digest.count == 1
    for _ in range(29):
        hook(stuck, Finding.UNKNOWN)
        clock.advance(60)
    assert groups.digests() == []
    clock.advance(60)  # an hour after it was named: the reminder
    hook(stuck, Finding.UNKNOWN)
    [reminder] = groups.digests()
    assert reminder.subjects == ("shop/R-1",)
    hook(stuck, Finding.FOUND)  # resolved: forgotten, so a later trouble of the same order is told at once
    hook(stuck, Finding.UNKNOWN)
    assert [digest.count for digest in groups.digests()] == [1]


class DownClaims:
    async def claim(self, kind: str, key: str, window_start: dt.datetime, now: dt.datetime) -> bool:
        raise ConnectionError("database down")


async def test_a_claim_the_store_cannot_answer_is_sent_not_dropped() -> None:
    channel = Channel()
    clock = FakeClock(dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC))
    groups = AlertGroups([channel], clock=clock, claims=DownClaims())
    groups.raise_alert(AlertKind.XENTRAL_ACCESS_DENIED, "main", "orders.import answered 401", once_per=groups.window)
    assert await groups.deliver() == 1
    assert channel.sent[0].subjects == ("main",)
