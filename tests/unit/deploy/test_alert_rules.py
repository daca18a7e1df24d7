"""`deploy/prometheus/alerts.yml` names only series the service exports, with labels they carry.

A rule on a series that does not exist never fires and never says so; renaming a metric must
fail here instead. Series are read from a fresh `Metrics` registry (every family is declared at
start), expanded as Prometheus names them (`_total` for counters; `_bucket`, `_sum`, `_count`).
"""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client.metrics import MetricWrapperBase

from unified_order_api.metrics import Metrics

RULES = Path(__file__).resolve().parents[3] / "deploy" / "prometheus" / "alerts.yml"
PROMETHEUS_OWN = {"up"}
FUNCTIONS = {"sum", "rate", "increase", "delta", "max", "min", "histogram_quantile", "clamp_min", "by", "and", "le"}
_SELECTOR = re.compile(r"\b([a-z_][a-z0-9_]*)\s*(\{[^}]*\})?")
_LABEL = re.compile(r"([a-z_]+)\s*=~?")


def exported() -> dict[str, set[str]]:
    """{series name: label names} of everything the service exports."""
    series: dict[str, set[str]] = {}
    for collector in vars(Metrics()).values():
        if not isinstance(collector, MetricWrapperBase):
            continue
        name, labels = collector._name, set(collector._labelnames)
        names = {
            "counter": [f"{name}_total"],
            "histogram": [f"{name}_bucket", f"{name}_sum", f"{name}_count"],
        }.get(collector._type, [name])
        for each in names:
            series[each] = labels | ({"le"} if each.endswith("_bucket") else set())
    return series


def expressions() -> list[str]:
    """Each rule's `expr`, folded block scalars (`>`) joined."""
    found: list[str] = []
    lines = RULES.read_text().splitlines()
    for n, line in enumerate(lines):
        if line.strip().startswith("expr:"):
            value = line.split("expr:", 1)[1].strip()
            if value == ">":
                indent = len(lines[n + 1]) - len(lines[n + 1].lstrip())
                block = []
                for following in lines[n + 1 :]:
                    if following.strip() and len(following) - len(following.lstrip()) < indent:
                        break
                    block.append(following.strip())
                value = " ".join(block)
            found.append(value)
    return found


def selectors(expression: str) -> list[tuple[str, set[str]]]:
    without_ranges = re.sub(r"\[[^\]]*\]|\bby\s*\([^)]*\)", "", expression)
    without_strings = re.sub(r'"[^"]*"', '""', without_ranges)
    return [
        (name, set(_LABEL.findall(labels or "")))
        for name, labels in _SELECTOR.findall(without_strings)
        if name not in FUNCTIONS and not name.isdigit()
    ]


def test_every_alert_names_exported_series_and_their_labels() -> None:
    series = exported()
    assert "orders_total" in series and "queue_depth" in series
    rules = expressions()
    assert len(rules) >= 10
    problems = []
    for expression in rules:
        for name, labels in selectors(expression):
            if name in PROMETHEUS_OWN:
                continue
            if name not in series:
                problems.append(f"{name}: not exported")
            elif labels - series[name]:
                problems.append(f"{name}: no label {sorted(labels - series[name])}")
    assert problems == []


def test_a_renamed_metric_would_be_caught() -> None:
    assert selectors('sum(increase(orders_failed_total{outcome="x"}[5m])) > 0') == [
        ("orders_failed_total", {"outcome"})
    ]
    assert "orders_failed_total" not in exported()
