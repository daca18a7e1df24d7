"""`verify-xentral` against the sandbox: each contested point under the sandbox's default reading and
switched to the other one (xentral_sandbox/readings.py), the finding and the setting it names; every test
order cancelled, or named when Xentral refuses to cancel it; the command refuses to run without a test
project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from unified_order_api.bootstrap import verify_clients
from unified_order_api.cli import main
from unified_order_api.config import ApiClient, load_settings
from unified_order_api.xentral_verify import (
    CHECKS,
    Finding,
    Report,
    VerifySession,
    configured,
    find_target,
    run_checks,
)
from xentral_sandbox.readings import Readings
from xentral_sandbox.testing import SandboxHandle

LIMITED = "token-without-customer-read"


async def _verify(sandbox: SandboxHandle, *only: str, **settings: Any) -> Report:
    """Run the checks (all, or those named) against the sandbox's project 4, as the command does."""
    options: dict[str, Any] = {
        "xentral_url": sandbox.base_url,
        "xentral_token": sandbox.token,
        "defaults": {"discount_product_id": "99"},
    } | settings
    loaded = load_settings(**options)
    sandbox.state.tokens[LIMITED] = frozenset({"product:read", "salesOrder:read", "project:read"})
    with sandbox.state.lock:  # a product list longer than a page of 50, as an instance in use has
        for n in range(60):
            sandbox.state.products[str(1000 + n)] = sandbox.state.products["1"] | {
                "id": str(1000 + n),
                "number": f"P{n}",
            }
    client, limited = verify_clients(loaded, "default", LIMITED)
    assert limited is not None
    assumptions = configured(loaded, "default")
    try:
        target = await find_target(
            client, "4", customer_id="1", product_id="1", discount_product_id=assumptions.discount_product_id
        )
        session = VerifySession(client, target, assumptions, run_id="T", limited=limited)
        checks = [(name, check) for name, check in CHECKS if not only or name in only]
        return await run_checks(session, checks)
    finally:
        await client.aclose()
        await limited.aclose()


def _finding(report: Report, check: str) -> Finding:
    (finding,) = [f for f in report.findings if f.check == check]
    return finding


def _test_orders(sandbox: SandboxHandle) -> list[dict[str, Any]]:
    return [o for o in sandbox.state.sales_orders.values() if o["externalOrderNumber"].startswith("VERIFY-T-")]


async def test_every_check_agrees_with_the_sandbox_as_it_is(sandbox: SandboxHandle) -> None:
    report = await _verify(sandbox)
    verdicts = {finding.check: finding.verdict for finding in report.findings}
    assert verdicts == {
        "discount-scale": "noted",  # never sent: nothing depends on it
        "price-basis": "agrees",
        "rounding": "agrees",
        "set-total-amount": "agrees",
        "discount-sign": "agrees",
        "location-form": "agrees",
        "repeated-reference": "agrees",
        "oversize-page": "agrees",
        "cursor-end": "agrees",
        "missing-scope": "agrees",
        "rate-limit-headers": "noted",  # the test sandbox's budget is far above the configured 100
    }
    assert "a fraction" in _finding(report, "discount-scale").observed
    assert "400 #token-scopes, naming customer:read" in _finding(report, "missing-scope").observed
    assert "an absolute URL" in _finding(report, "location-form").observed
    assert "may be raised to 100000" in (_finding(report, "rate-limit-headers").advice or "")
    assert report.exit_status == 0 and not report.left_over
    orders = _test_orders(sandbox)
    assert len(orders) == len(report.cancelled) == 10
    assert {order["status"] for order in orders} == {"canceled"}


# (reading switched, check, verdict, words of the observation, words of the advice)
OTHER_READINGS = [
    ({"discount_scale": "percent"}, "discount-scale", "noted", "a percentage", "never sends `discount`"),
    ({"price_basis": "net"}, "price-basis", "differs", "read as net whatever", 'defaults.prices = "net"'),
    ({"rounding": "per-rate-sum"}, "rounding", "differs", "per rate after adding (2.96", "totals.set_total_amount"),
    ({"rounding": "per-rate-sum"}, "set-total-amount", "agrees", "own sum 2.96", None),
    ({"discount_sign": "negative-lowers"}, "discount-sign", "differs", "the value is added", "discount_product_id"),
    ({"location_form": "path"}, "location-form", "agrees", "a path alone", None),
    ({"repeated_reference": "refused-409"}, "repeated-reference", "agrees", "refused with 409", None),
    ({"repeated_reference": "refused-400"}, "repeated-reference", "agrees", "refused with 400", None),
    ({"oversize_page": "clamped"}, "oversize-page", "agrees", "answered 200 with", "MAX_PAGE_SIZE"),
    ({"cursor_end": "empty-page"}, "cursor-end", "agrees", "0 item(s)", None),
    ({"missing_scope": "401"}, "missing-scope", "agrees", "answered 401, naming customer:read", None),
    ({"missing_scope": "403"}, "missing-scope", "agrees", "answered 403", None),
    ({"rate_limit_headers": "absent"}, "rate-limit-headers", "noted", "no X-RateLimit-Limit", "paces by"),
]


@pytest.mark.parametrize(("reading", "check", "verdict", "observed", "advice"), OTHER_READINGS)
async def test_the_other_reading_of_each_point(
    sandbox: SandboxHandle, reading: dict[str, str], check: str, verdict: str, observed: str, advice: str | None
) -> None:
    sandbox.state.readings = Readings(**reading)
    report = await _verify(sandbox, check)
    finding = _finding(report, check)
    assert finding.verdict == verdict, finding
    assert observed in finding.observed, finding
    if advice is not None:
        assert advice in (finding.advice or ""), finding
    assert not report.left_over
    assert {order["status"] for order in _test_orders(sandbox)} <= {"canceled"}


async def test_a_repeated_reference_imported_again_needs_the_upstream_check(sandbox: SandboxHandle) -> None:
    clients = [
        ApiClient(name="checks", api_key="k" * 20),
        ApiClient.model_validate(
            {"name": "trusts", "api_key": "t" * 20, "idempotency": {"upstream_check": "when_unsure"}}
        ),
    ]
    report = await _verify(sandbox, "repeated-reference", clients=clients)
    finding = _finding(report, "repeated-reference")
    assert finding.verdict == "differs" and "imported again" in finding.observed
    assert finding.advice is not None
    assert finding.advice.endswith('set idempotency.upstream_check = "always" for clients trusts')
    assert len(report.cancelled) == 2  # both orders of the one reference


async def test_a_lower_budget_than_configured_names_the_setting(sandbox: SandboxHandle) -> None:
    report = await _verify(sandbox, "location-form", "rate-limit-headers", xentral_rate_limit_per_minute=200_000)
    finding = _finding(report, "rate-limit-headers")
    assert finding.verdict == "differs"
    assert finding.advice == "set xentral_rate_limit_per_minute = 100000"
    assert report.exit_status == 1


async def test_an_order_xentral_will_not_cancel_is_named(sandbox: SandboxHandle) -> None:
    sandbox.state.readings = Readings(cancellable="created-or-completed")
    report = await _verify(sandbox, "location-form")
    assert [left.order.reference for left in report.left_over] == ["VERIFY-T-LOCATION"]
    assert "409" in report.left_over[0].reason
    assert report.exit_status == 1


def _configured_env(sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UOA_XENTRAL_URL", sandbox.base_url)
    monkeypatch.setenv("UOA_XENTRAL_TOKEN", sandbox.token)
    monkeypatch.setenv("UOA_DEFAULTS__DISCOUNT_PRODUCT_ID", "99")


def test_the_command_prints_each_finding_and_cancels(
    sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _configured_env(sandbox, monkeypatch)
    sandbox.state.readings = Readings(price_basis="net")
    limited = tmp_path / "limited-token"
    limited.write_text(LIMITED + "\n", encoding="utf-8")
    sandbox.state.tokens[LIMITED] = frozenset({"product:read"})
    code = main(["verify-xentral", "--project", "4", "--customer", "1", "--limited-token-file", str(limited)])
    out = capsys.readouterr().out
    assert code == 1
    for name, _ in CHECKS:
        assert f" {name}: " in out
    assert "DIFFERS  price-basis" in out and "→ gross orders would be booked" in out
    assert "Cancelled 10 test order(s) in project 4." in out
    assert sandbox.token not in out and LIMITED not in out


def test_the_command_creates_a_customer_when_none_is_named(
    sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _configured_env(sandbox, monkeypatch)
    assert main(["verify-xentral", "--project", "4"]) == 0
    out = capsys.readouterr().out
    assert "SKIPPED  missing-scope: no token lacking a scope was given" in out
    created = [line for line in out.splitlines() if line.startswith("Created test customer")]
    assert len(created) == 1 and "pass --customer" in created[0]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["verify-xentral"], "name a test project with --project ID"),
        (["verify-xentral", "--project", "77"], "Xentral has no project '77' (known: 1, 4)"),
        (["verify-xentral", "--project", "4", "--instance", "other"], "no Xentral instance 'other'"),
    ],
)
def test_it_refuses_to_run_without_a_test_project(
    sandbox: SandboxHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    _configured_env(sandbox, monkeypatch)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert said in captured.err and len(captured.err.strip().splitlines()) == 1
    assert not sandbox.calls.records() or all(call.method == "GET" for call in sandbox.calls.records())
    assert not _test_orders(sandbox)
