"""`verify-xentral`'s pure parts: the test orders' bodies (held, in the test project, tax stated), the
amounts that tell the two rounding rules apart, the exit status and the printed report."""

from __future__ import annotations

from decimal import Decimal

from unified_order_api.xentral_verify.cleanup import Cleanup, Leftover
from unified_order_api.xentral_verify.findings import Finding
from unified_order_api.xentral_verify.money_checks import _rounding_expectations
from unified_order_api.xentral_verify.orders import discount_position, import_body, line
from unified_order_api.xentral_verify.report import report_lines
from unified_order_api.xentral_verify.run import Report
from unified_order_api.xentral_verify.session import CreatedOrder
from unified_order_api.xentral_verify.target import Target

TARGET = Target("4", "1", False, "7", "2", "3", "EUR", Decimal(19), "99")


def test_a_test_order_is_held_in_the_test_project_with_its_tax_stated() -> None:
    body = import_body(
        TARGET,
        "VERIFY-X-1",
        [line(TARGET, "0.83", discount=0.5)],
        display="gross",
        discounts=[discount_position(TARGET, "10.00")],
        external_total=(Decimal("2.98"), Decimal("0.01")),
        date="2026-12-07",
    )
    assert body["project"] == {"id": "4"} and body["customer"] == {"id": "1"}
    assert body["delivery"] == {"shippingMethod": {"id": "2"}, "autoShipping": False}
    assert body["financials"]["tax"] == {"taxDisplay": "gross", "taxation": "domestic"}
    assert body["positions"] == [
        {
            "product": {"id": "7"},
            "quantity": 1,
            "price": {"amount": "0.83", "currency": "EUR"},
            "tax": {"vatCategory": "normal", "taxText": None},
            "discount": 0.5,
        }
    ]
    assert body["discountPositions"][0]["value"] == {"amount": "10.00", "currency": "EUR"}
    assert body["setTotalAmount"] == {
        "isActive": True,
        "totalGrossAmountFromExternal": 2.98,
        "maximumDifferenceToCalculatedSum": 0.01,
    }


def test_the_rounding_order_tells_the_rules_apart_at_the_usual_rates() -> None:
    assert _rounding_expectations(Decimal(19)) == (Decimal("2.97"), Decimal("2.96"))
    per_line, per_rate = _rounding_expectations(Decimal(7))
    assert per_line == Decimal("2.67") and per_rate == Decimal("2.66")


def _report(
    *verdicts: str, left: bool = False, foreign: bool = False, lost: bool = False, interrupted: bool = False
) -> Report:
    findings = [Finding(f"check-{i}", v, "seen", "change x") for i, v in enumerate(verdicts)]  # type: ignore[arg-type]
    order = CreatedOrder("5", "VERIFY-X-LOCATION")
    cleanup = Cleanup(
        cancelled=[] if left else [order],
        left_over=[Leftover(order, "HTTP 409")] if left else [],
        foreign=[CreatedOrder("17", "VERIFY-X-PRICE-BASIS")] if foreign else [],
        unaccounted=["VERIFY-X-ROUNDING"] if lost else [],
    )
    return Report(findings, cleanup, interrupted)


def test_the_exit_status_is_1_on_a_difference_a_failure_or_an_order_left() -> None:
    assert _report("agrees", "noted", "not_checked").exit_status == 0
    assert _report("agrees", "differs").exit_status == 1
    assert _report("failed").exit_status == 1
    assert _report("agrees", left=True).exit_status == 1
    assert _report("agrees", foreign=True).exit_status == 1
    assert _report("agrees", lost=True).exit_status == 1
    assert _report("agrees", interrupted=True).exit_status == 130


def test_the_report_prints_each_finding_its_advice_and_what_is_left() -> None:
    lines = report_lines(_report("differs", left=True), TARGET, "X")
    assert lines[:2] == ["DIFFERS  check-0: seen", "         → change x"]
    assert "NOT CANCELLED order 5 (VERIFY-X-LOCATION): HTTP 409; cancel it by hand" in lines
    assert "This run's test orders carry references starting VERIFY-X- in project 4." in lines
    assert lines[-1] == "1 checks, 1 to look at."


def test_the_report_names_an_order_left_alone_one_not_found_and_an_interruption() -> None:
    lines = report_lines(_report("agrees", foreign=True, lost=True, interrupted=True), TARGET, "X")
    assert lines[0] == "Interrupted after 1 check(s); the test orders so far were cleaned up."
    assert any(line.startswith("LEFT ALONE order 17: the import of VERIFY-X-PRICE-BASIS") for line in lines)
    assert any(line.startswith("NOT FOUND VERIFY-X-ROUNDING: ") for line in lines)
