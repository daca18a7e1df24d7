"""Every operator alert is documented: docs/operations/alerts.md has a row per `AlertKind` saying what
raises it and what to do, and the Prometheus rules cover what the service can only export as a series
(the token's time left, the unresolved orders) and every trouble the operations guide promises a rule for."""

from __future__ import annotations

import re
from pathlib import Path

from unified_order_api.alerts import AlertKind

ROOT = Path(__file__).resolve().parents[3]
ALERTS = ROOT / "docs" / "operations" / "alerts.md"
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
MONITORING = ROOT / "docs" / "operations" / "monitoring.md"


def _rows() -> dict[str, list[str]]:
    """The table of "What is alerted": kind → its cells (raised when, subjects, what to do)."""
    rows: dict[str, list[str]] = {}
    for line in ALERTS.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^\| `([a-z_]+)` \|(.*)\|$", line)
        if found:
            rows[found[1]] = [cell.strip() for cell in found[2].split("|")]
    return rows


def test_every_alert_kind_has_a_row_with_its_trigger_subjects_and_action() -> None:
    rows = _rows()
    assert set(rows) == {kind.value for kind in AlertKind}
    for kind in AlertKind:
        raised_when, subjects, action = rows[kind.value]
        assert raised_when and subjects and action, kind
        assert "not raised" not in raised_when, kind
        assert kind.what and kind.action, kind


def test_the_prometheus_rules_cover_the_token_and_the_unresolved_orders() -> None:
    rules = RULES.read_text(encoding="utf-8")
    for alert in ("XentralTokenExpiring", "XentralTokenExpired", "OrdersUnresolved"):
        assert f"alert: {alert}" in rules and f"`{alert}`" in MONITORING.read_text(encoding="utf-8"), alert
    assert "(xentral_token_expiry_seconds) < 14 * 86400" in rules and "(xentral_token_expiry_seconds) <= 0" in rules


# What the operations guide promises a ready rule for, and the rule that covers it.
PROMISED = {
    "failed orders": ("OrdersFailing", 'orders_total{outcome="failed"}'),
    "unresolved outcomes": ("OrdersUnresolved", "unresolved_oldest_age_seconds"),
    "dead webhooks": ("WebhooksDead", 'webhook_deliveries_total{state="dead"}'),
    "queue age": ("OrderQueueOld", 'queue_oldest_age_seconds{queue="orders"}'),
    "rate-limit saturation": ("XentralRateLimitSaturated", "xentral_rate_limiter_wait_seconds_bucket"),
    "token expiry": ("XentralTokenExpiring", "xentral_token_expiry_seconds"),
}


def test_the_prometheus_rules_cover_every_promised_trouble() -> None:
    rules = RULES.read_text(encoding="utf-8").split("- alert: ")
    monitoring = MONITORING.read_text(encoding="utf-8")
    for trouble, (alert, series) in PROMISED.items():
        (rule,) = [text for text in rules if text.startswith(f"{alert}\n")]
        assert series in rule, (trouble, alert)
        assert f"`{alert}`" in monitoring, (trouble, alert)
